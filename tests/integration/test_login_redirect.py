"""Open redirect after login (issue 19, finding 3), through the real login form: whatever
``suivant`` holds, the answer is a redirect to a path of this site, never a 500."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.integration.test_auth import PASSWORD, csrf, drop_users, make_user
from tests.unit.test_redirects import REFUSED


@pytest.fixture(scope="module")
def user(engine):
    account = make_user(engine, "admin")
    yield account
    drop_users(engine, [account])


@pytest.mark.parametrize("suivant", [v for v in REFUSED if v] + ["/%0d%0a", "/edition/fraicheur"])
def test_login_sends_only_to_this_site(app, user, suivant):
    client = app.test_client()
    form = client.get("/connexion", query_string={"suivant": suivant})
    assert form.status_code == 200
    token = csrf(client)
    response = client.post(
        "/connexion",
        data={
            "email": user.email,
            "mot_de_passe": PASSWORD,
            "csrf_token": token,
            "suivant": suivant,
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and location.startswith("/")
    assert not location.startswith("//") and "\\" not in location
    assert all(ord(c) > 0x20 for c in location)
    expected = suivant if suivant in ("/%0d%0a", "/edition/fraicheur") else "/edition/"
    assert location == expected
