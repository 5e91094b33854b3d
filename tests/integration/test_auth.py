"""Accounts and login: Argon2id hashes, cookie flags, CSRF, throttle, disabled accounts, CLI."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mapdir import create_app
from mapdir.config import Settings
from mapdir.editing import accounts

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path: str = "/connexion") -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client, email: str, password: str = PASSWORD):
    token = csrf(client)
    return client.post(
        "/connexion", data={"email": email, "mot_de_passe": password, "csrf_token": token}
    )


def make_user(engine, role: str, **scope) -> accounts.User:
    email = f"{role}-{uuid.uuid4().hex[:8]}@test.example"
    with engine.begin() as conn:
        return accounts.create_user(conn, email, role, PASSWORD, **scope)


def drop_users(engine, users) -> None:
    ids = [u.id for u in users]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM modification WHERE utilisateur_id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM utilisateur WHERE id = ANY(:i)"), {"i": ids})


@pytest.fixture()
def admin(engine):
    user = make_user(engine, "admin")
    yield user
    drop_users(engine, [user])


def test_password_hashed_with_argon2id_never_in_clear(engine, admin, client, caplog):
    caplog.set_level(logging.DEBUG)
    with engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM utilisateur WHERE id = :i"), {"i": admin.id})
            .mappings()
            .one()
        )
    assert row["hash_mot_de_passe"].startswith("$argon2id$")
    assert all(PASSWORD not in str(v) for v in row.values())
    assert login(client, admin.email).status_code == 302
    assert login(client, admin.email, "wrong " + PASSWORD).status_code == 401
    assert PASSWORD not in caplog.text
    with engine.connect() as conn:
        dumped = conn.execute(
            text("SELECT string_agg(t::text, '') FROM tentative_connexion t")
        ).scalar_one()
    assert PASSWORD not in (dumped or "")


def test_login_logout_and_session_cookie_flags(app, admin, client):
    response = login(client, admin.email)
    assert response.status_code == 302 and response.location.endswith("/edition/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # MAPDIR_SECURE_COOKIES=0 in the test settings
    assert client.get("/edition/").status_code == 200
    token = csrf(client, "/edition/")
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert client.get("/edition/").status_code == 302


def test_secure_flag_when_setting_on(settings, admin):
    secure_app = create_app(Settings({**settings.values, "MAPDIR_SECURE_COOKIES": "1"}))
    client = secure_app.test_client()
    response = login(client, admin.email)
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_message_in_french(admin, client):
    response = login(client, admin.email, "pas le bon mot de passe")
    assert response.status_code == 401
    assert "mot de passe incorrect" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(admin, client):
    response = client.post("/connexion", data={"email": admin.email, "mot_de_passe": PASSWORD})
    assert response.status_code == 400
    assert client.get("/edition/").status_code == 302  # still anonymous


def test_login_throttle_429_in_french(admin, app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    codes = [login(client, admin.email, f"mauvais-{i}").status_code for i in range(7)]
    print("codes of a burst of bad passwords:", codes)
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    blocked = login(client, admin.email)  # even the right password is refused now
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    other_ip = app.test_client()
    other_ip.environ_base["REMOTE_ADDR"] = "10.9.8.8"
    assert login(other_ip, admin.email).status_code == 302


def test_disabled_account_loses_its_session(engine, admin, client):
    assert login(client, admin.email).status_code == 302
    with engine.begin() as conn:
        accounts.set_active(conn, admin.email, False)
    assert client.get("/edition/").status_code == 302
    assert login(client, admin.email).status_code == 401


def test_change_password(engine, admin, client):
    login(client, admin.email)
    token = csrf(client, "/compte/mot-de-passe")
    new = "un tout nouveau mot de passe"
    response = client.post(
        "/compte/mot-de-passe",
        data={"ancien": PASSWORD, "nouveau": new, "confirmation": new, "csrf_token": token},
    )
    assert response.status_code == 200 and "Mot de passe changé" in response.get_data(True)
    assert client.get("/edition/").status_code == 200  # this session stays valid
    with engine.connect() as conn:
        assert accounts.verify_password(conn, admin.id, new)
        assert not accounts.verify_password(conn, admin.id, PASSWORD)


def test_open_redirect_refused(admin, client):
    token = csrf(client)
    response = client.post(
        "/connexion",
        data={
            "email": admin.email,
            "mot_de_passe": PASSWORD,
            "csrf_token": token,
            "suivant": "//evil.example/",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/edition/")


def test_cli_users_create_list_disable_reset(engine, settings, monkeypatch):
    from mapdir.cli import main

    monkeypatch.setenv("DATABASE_URL", settings["DATABASE_URL"])
    runner = CliRunner()
    email = f"cli-{uuid.uuid4().hex[:6]}@test.example"
    result = runner.invoke(
        main, ["users", "create", "--email", email, "--role", "animateur", "--territoire", "87"]
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"Mot de passe : (\S+)", result.output).group(1)
    with engine.connect() as conn:
        user = accounts.find_user(conn, email)
        assert user.departement == "87" and accounts.verify_password(conn, user.id, password)
    assert email in runner.invoke(main, ["users", "list"]).output
    bad = runner.invoke(main, ["users", "create", "--email", "x@y.fr", "--role", "structure"])
    assert bad.exit_code == 2 and "offre" in bad.output
    result = runner.invoke(
        main,
        ["users", "reset-password", "--email", email, "--password-stdin"],
        input="le mot de passe choisi\n",
    )
    assert result.exit_code == 0 and "le mot de passe choisi" not in result.output
    assert runner.invoke(main, ["users", "disable", "--email", email]).exit_code == 0
    with engine.connect() as conn:
        user = accounts.find_user(conn, email)
        assert not user.actif
        assert accounts.verify_password(conn, user.id, "le mot de passe choisi")
    drop_users(engine, [user])
