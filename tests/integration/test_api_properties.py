"""Property-based run of the API from its own OpenAPI document (issue 19): schemathesis
generates requests for every operation (valid and invalid parameters, derandomized so that
a run is reproducible) and sends them to the test app; none may answer a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mapdir import create_app

EXAMPLES_PER_OPERATION = 30

# The document is served without touching the database: read it from an app of its own at
# collection time (schemathesis' lazy fixture loader does not run under pytest 9); the
# cases are sent to the session's app, on the test database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"DATABASE_URL": "postgresql://document-only@/none"})
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case, app):
    case.call_and_validate(app=app, checks=[not_a_server_error])
