"""Uploaded spreadsheets waiting for their column mapping (issue 19, finding 10): at most 3
per account (a new one replaces the oldest, whose page then says why it is gone), none kept
beyond 24 h (purged at each upload and by ``mapdir users purge``), never another account's."""

from __future__ import annotations

import io
import os
import re
import time

import pytest
from click.testing import CliRunner

from mapdir.editing import import_staging
from tests.integration.test_auth import csrf, drop_users, login, make_user


@pytest.fixture()
def people(app, engine, tmp_path):
    before = app.config["MAPDIR_SETTINGS"].values["MAPDIR_VAR_DIR"]
    app.config["MAPDIR_SETTINGS"].values["MAPDIR_VAR_DIR"] = str(tmp_path)
    users = [make_user(engine, "animateur", departement="87") for _ in range(2)]
    clients = []
    for user in users:
        client = app.test_client()
        assert login(client, user.email).status_code == 302
        clients.append(client)
    yield tmp_path, users, clients
    app.config["MAPDIR_SETTINGS"].values["MAPDIR_VAR_DIR"] = before
    drop_users(engine, users)


def _upload(client, name: str) -> str:
    page = client.post(
        "/edition/import",
        data={
            "csrf_token": csrf(client, "/edition/import"),
            "fichier": (io.BytesIO(f"nom\n{name}\n".encode()), f"{name}.csv"),
        },
    ).get_data(as_text=True)
    return re.search(r"/edition/import/([\w-]+)", page).group(1)


def _check(client, token: str):
    return client.post(
        f"/edition/import/{token}",
        data={"csrf_token": csrf(client, "/edition/import"), "colonne_nom": "0"},
    )


def test_at_most_three_per_account_and_never_another_accounts(people):
    var_dir, users, (alice, bob) = people
    tokens = [_upload(alice, f"lieu-{i}") for i in range(5)]
    kept = sorted(p.stem for p in (var_dir / "imports" / str(users[0].id)).glob("*.json"))
    assert kept == sorted(tokens[-import_staging.MAX_PER_USER :])
    gone = _check(alice, tokens[0])
    assert gone.status_code == 404 and "un import plus récent" in gone.get_data(as_text=True)
    assert _check(alice, tokens[-1]).status_code == 200
    assert _check(bob, tokens[-1]).status_code == 404  # not bob's
    assert _check(alice, "../../secret_key").status_code == 404


def test_abandoned_imports_are_purged(people, settings, monkeypatch):
    var_dir, users, (alice, _bob) = people
    token = _upload(alice, "ancien")
    path = var_dir / "imports" / str(users[0].id) / f"{token}.json"
    day_ago = time.time() - import_staging.KEPT_SECONDS - 60
    os.utime(path, (day_ago, day_ago))
    from mapdir.cli import main

    monkeypatch.setenv("MAPDIR_VAR_DIR", str(var_dir))
    monkeypatch.setenv("DATABASE_URL", settings["DATABASE_URL"])
    result = CliRunner().invoke(main, ["users", "purge"])
    assert result.exit_code == 0 and "1 import(s) abandonné(s)" in result.output
    assert not path.exists()
