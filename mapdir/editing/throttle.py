"""The login throttle (issue 19, finding 9), counted in the database (``tentative_connexion``)
so that it holds across processes.

Within WINDOW_MINUTES, attempts are refused after:

- MAX_FAILURES failures for one email from one IP;
- MAX_FAILURES_PER_ACCOUNT failures for one email from any IP (10 IPs × 5 no longer make 50
  passwords tried on one account);
- MAX_FAILURES_PER_IP failures from one IP for any email (password spraying).

The two coarse limits do not apply to an (email, IP) pair that logged in successfully
within KNOWN_PAIR_DAYS: one IP cannot lock out everyone behind it (an office, a proxy), and
an attacker cannot lock a person out of the account they use from their usual place.

Check and record are atomic per email: the caller's transaction takes an advisory lock on
the email before counting and keeps it until it commits the attempt, so concurrent
attempts on one account are counted one after the other (16 at once check 5 passwords).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, select
from sqlalchemy.engine import Connection

from mapdir.db.tables import tentative_connexion
from mapdir.errors import MapdirError

MAX_FAILURES = 5
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_IP = 50
WINDOW_MINUTES = 15
KNOWN_PAIR_DAYS = 30

_attempt = tentative_connexion.c


class TooManyAttempts(MapdirError):
    http_status = 429


def _recent(minutes: int) -> ColumnElement[bool]:
    return _attempt.created_at > func.now() - timedelta(minutes=minutes)


def check(conn: Connection, email: str, ip: str) -> None:
    """Lock the email's attempts for this transaction, then raise TooManyAttempts when one
    of the limits is reached."""
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended("login:" + email, 0))))
    failed = and_(~_attempt.reussie, _recent(WINDOW_MINUTES))
    known = exists().where(
        _attempt.email == email,
        _attempt.ip == ip,
        _attempt.reussie,
        _recent(KNOWN_PAIR_DAYS * 24 * 60),
    )
    row = conn.execute(
        select(
            select(func.count())
            .where(failed, _attempt.email == email, _attempt.ip == ip)
            .scalar_subquery()
            .label("pair"),
            select(func.count())
            .where(failed, _attempt.email == email)
            .scalar_subquery()
            .label("account"),
            select(func.count()).where(failed, _attempt.ip == ip).scalar_subquery().label("ip"),
            known.label("known"),
        )
    ).one()
    coarse = not row.known and (
        row.account >= MAX_FAILURES_PER_ACCOUNT or row.ip >= MAX_FAILURES_PER_IP
    )
    if row.pair >= MAX_FAILURES or coarse:
        raise TooManyAttempts(
            f"Trop de tentatives de connexion : réessayez dans {WINDOW_MINUTES} minutes."
        )


def record(conn: Connection, email: str, ip: str, success: bool) -> None:
    conn.execute(insert(tentative_connexion).values(email=email, ip=ip, reussie=success))


def purge(conn: Connection) -> int:
    """Forget attempts older than KNOWN_PAIR_DAYS (nothing counts them any more)."""
    old = _attempt.created_at < func.now() - timedelta(days=KNOWN_PAIR_DAYS)
    return conn.execute(delete(tentative_connexion).where(old)).rowcount
