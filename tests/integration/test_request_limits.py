"""Request body limits per route (issue 19, finding 4): an anonymous 300 MB POST is refused
from its Content-Length without reading a byte; a chunked body without length stops being
read as soon as it passes the limit; the import page alone takes a 5 MB file."""

from __future__ import annotations

import io

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from mapdir.editing.import_staging import MAX_UPLOAD
from mapdir.http.limits import FORM_LIMIT, MULTIPART_MARGIN
from tests.integration.test_auth import drop_users, login, make_user

CHUNK = 64 * 1024
UPLOAD_LIMIT = MAX_UPLOAD + MULTIPART_MARGIN


class EndlessBody(io.RawIOBase):
    """A request body that never ends (a client streaming forever); counts what was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), CHUNK)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size


def _post(client, path: str, stream: EndlessBody, content_type: str, length: int | None = None):
    """POST a body read from ``stream``: with a declared length, or none (chunked: the
    server says the stream ends by itself)."""
    environ = EnvironBuilder(path=path, method="POST").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.pop("HTTP_CONTENT_LENGTH", None)
    environ.update({"wsgi.input": stream, "CONTENT_TYPE": content_type})
    if length is None:
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    app_iter, status, headers = run_wsgi_app(client.application, environ, buffered=True)
    return Response(app_iter, status, headers)


@pytest.fixture()
def admin_client(app, engine):
    user = make_user(engine, "admin")
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    yield client
    drop_users(engine, [user])


def test_a_huge_declared_body_is_refused_unread(client):
    body = EndlessBody()
    response = _post(client, "/connexion", body, "multipart/form-data; boundary=x", 300 << 20)
    assert response.status_code == 413
    assert "Requête trop volumineuse" in response.get_data(as_text=True)
    assert body.read_bytes == 0


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/connexion", "application/x-www-form-urlencoded"),
        ("/api/v1/planification", "application/json"),
        ("/edition/import", "multipart/form-data; boundary=x"),
    ],
)
def test_an_endless_chunked_body_stops_being_read_at_the_limit(client, path, content_type):
    body = EndlessBody()
    response = _post(client, path, body, content_type)
    limit = UPLOAD_LIMIT if path == "/edition/import" else FORM_LIMIT
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert limit < body.read_bytes <= limit + 2 * CHUNK
    if path.startswith("/api/"):
        assert "Requête trop volumineuse" in response.get_json()["erreur"]


def test_only_the_import_takes_a_file_of_5_mb(admin_client):
    token_page = admin_client.get("/edition/import").get_data(as_text=True)
    token = token_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    within = b"nom\n" + b"x" * (MAX_UPLOAD - 10_000)
    data = {"csrf_token": token, "fichier": (io.BytesIO(within), "gros.csv")}
    accepted = admin_client.post("/edition/import", data=data)
    assert accepted.status_code != 413
    too_big = {"csrf_token": token, "fichier": (io.BytesIO(b"x" * UPLOAD_LIMIT), "gros.csv")}
    assert admin_client.post("/edition/import", data=too_big).status_code == 413
    form = {"csrf_token": token, "email": "a@b.fr", "mot_de_passe": "x" * (FORM_LIMIT + 1)}
    assert admin_client.post("/connexion", data=form).status_code == 413
