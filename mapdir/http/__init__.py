"""What both front ends (mapdir.web pages, mapdir.api JSON) share: the request context
(settings, connections, current user), the one error handler, the Flask class and its JSON
provider, the gunicorn worker. Neither front end imports the other; both import this."""
