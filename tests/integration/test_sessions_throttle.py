"""Sessions and logins (issue 19, finding 9): logout ends the session on the server; the
throttle counts per account across IPs without letting one IP lock out everyone behind it;
its check is atomic (16 concurrent attempts check at most 5 passwords)."""

from __future__ import annotations

import threading
import uuid

import pytest

from mapdir.editing import accounts, throttle
from tests.integration.test_auth import PASSWORD, csrf, drop_users, login, make_user


def _ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


@pytest.fixture()
def user(engine):
    account = make_user(engine, "animateur", departement="87")
    yield account
    drop_users(engine, [account])


def _attempt(engine, email: str, password: str, ip: str) -> str:
    """'ok', 'refuse' (wrong password, checked) or 'bloque' (throttled, not checked)."""
    try:
        with engine.begin() as conn:
            found = accounts.authenticate(conn, email, password, ip)
    except accounts.TooManyAttempts:
        return "bloque"
    return "ok" if found else "refuse"


def test_logout_ends_the_session_on_the_server(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    copied = client.get_cookie("session").value
    assert client.post("/deconnexion", data={"csrf_token": csrf(client, "/edition/")}).status_code
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/edition/").status_code == 302  # to the login page
    assert "/connexion" in thief.get("/edition/").headers["Location"]
    again = app.test_client()
    assert login(again, user.email).status_code == 302  # a new login works
    assert again.get("/edition/").status_code == 200


def test_an_account_is_throttled_across_ips(engine, user):
    home = _ip()
    assert _attempt(engine, user.email, PASSWORD, home) == "ok"  # its usual place
    outcomes = [
        _attempt(engine, user.email, f"essai-{i}-{j}", ip)
        for i, ip in enumerate(_ip() for _ in range(10))
        for j in range(throttle.MAX_FAILURES)
    ]
    print("10 IPs × 5 wrong passwords:", {o: outcomes.count(o) for o in set(outcomes)})
    assert outcomes.count("refuse") == throttle.MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("bloque") == 50 - throttle.MAX_FAILURES_PER_ACCOUNT
    assert _attempt(engine, user.email, PASSWORD, _ip()) == "bloque"  # a new place: blocked
    assert _attempt(engine, user.email, PASSWORD, home) == "ok"  # not locked out from home


def test_one_ip_does_not_lock_out_everyone_behind_it(engine, user):
    office = _ip()
    assert _attempt(engine, user.email, PASSWORD, office) == "ok"
    sprayed = [
        _attempt(engine, f"inconnu-{uuid.uuid4().hex[:8]}@test.example", "123456", office)
        for _ in range(throttle.MAX_FAILURES_PER_IP)
    ]
    assert sprayed.count("refuse") == throttle.MAX_FAILURES_PER_IP
    stranger = f"autre-{uuid.uuid4().hex[:8]}@test.example"
    assert _attempt(engine, stranger, "123456", office) == "bloque"  # spraying stops
    assert _attempt(engine, user.email, PASSWORD, office) == "ok"  # its users still get in


def test_concurrent_attempts_are_checked_one_at_a_time(engine, user):
    ip, threads = _ip(), 16
    start = threading.Barrier(threads)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        start.wait()
        outcomes.append(_attempt(engine, user.email, f"concurrent-{i}", ip))

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    print("16 concurrent wrong passwords:", {o: outcomes.count(o) for o in set(outcomes)})
    assert len(outcomes) == threads
    assert outcomes.count("refuse") == throttle.MAX_FAILURES
    assert outcomes.count("bloque") == threads - throttle.MAX_FAILURES
