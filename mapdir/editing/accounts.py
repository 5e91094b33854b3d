"""User accounts: Argon2id password hashes, creation, login with a throttle
(mapdir.editing.throttle), password changes, sessions ended on logout.

Passwords are never stored, returned or logged in clear: only their Argon2id hash is kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Update

from mapdir.db.rows import exists_row
from mapdir.db.tables import geo, offre, utilisateur
from mapdir.editing import throttle
from mapdir.editing.models import ROLES
from mapdir.editing.throttle import TooManyAttempts as TooManyAttempts
from mapdir.errors import Conflict, InvalidParameter, NotFound

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# verifying against this keeps the timing of unknown emails close to that of known ones
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    departement: str | None
    epci: str | None
    offre_id: int | None
    actif: bool
    version_session: int

    @property
    def label(self) -> str:
        scope = self.departement or self.epci or (f"offre {self.offre_id}" if self.offre_id else "")
        return f"{self.email} ({self.role}{' ' + scope if scope else ''})"


_USER_COLUMNS = [utilisateur.c[name] for name in User.__dataclass_fields__]


def _user(row: Any) -> User:
    return User(**{k: getattr(row, k) for k in User.__dataclass_fields__})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def random_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.",
            parametre="mot_de_passe",
        )


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise InvalidParameter("Adresse électronique invalide.", parametre="email")
    return email


def _email_is(email: str) -> ColumnElement[bool]:
    """The account of this email whatever its case (the unique index is on lower(email))."""
    return func.lower(utilisateur.c.email) == email


def create_user(
    conn: Connection,
    email: str,
    role: str,
    password: str,
    *,
    departement: str | None = None,
    epci: str | None = None,
    offre_id: int | None = None,
) -> User:
    """Create an account; the scope must match the role (territory, EPCI or offer)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidParameter(f"Rôle inconnu : {role} ({', '.join(ROLES)}).", parametre="role")
    if role == "animateur" and not (departement or epci):
        raise InvalidParameter("Un animateur a besoin d'un territoire (--territoire ou --epci).")
    if role == "structure" and not offre_id:
        raise InvalidParameter("Un compte structure a besoin d'une offre (--offre).")
    if (
        departement
        and not exists_row(conn, geo.departement.c.code == departement)
        and not exists_row(conn, geo.commune.c.departement == departement)
    ):
        raise InvalidParameter(f"Département inconnu : {departement}.")
    if epci and not exists_row(conn, geo.epci.c.siren == epci):
        raise InvalidParameter(f"EPCI inconnu : {epci}.")
    if offre_id and not exists_row(conn, offre.c.id == offre_id):
        raise InvalidParameter(f"Offre inconnue : {offre_id}.")
    check_password_strength(password)
    if exists_row(conn, _email_is(email)):
        raise Conflict(f"Un compte existe déjà pour {email}.")
    row = conn.execute(
        insert(utilisateur)
        .values(
            email=email,
            hash_mot_de_passe=hash_password(password),
            role=role,
            departement=departement if role == "animateur" else None,
            epci=epci if role == "animateur" else None,
            offre_id=offre_id if role == "structure" else None,
        )
        .returning(*_USER_COLUMNS)
    ).one()
    return _user(row)


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(*_USER_COLUMNS).where(utilisateur.c.id == user_id)).first()
    return _user(row) if row else None


def find_user(conn: Connection, email: str) -> User:
    row = conn.execute(
        select(*_USER_COLUMNS).where(_email_is((email or "").strip().lower()))
    ).first()
    if row is None:
        raise NotFound(f"Aucun compte pour {email}.")
    return _user(row)


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(*_USER_COLUMNS).order_by(utilisateur.c.email))
    return [_user(r) for r in rows]


def _update_user(user_id: int, **values: Any) -> Update:
    return update(utilisateur).where(utilisateur.c.id == user_id).values(**values)


#: a change that ends the account's sessions (they carry the former version)
_NEW_SESSION_VERSION = {
    "version_session": utilisateur.c.version_session + 1,
    "updated_at": func.now(),
}


def set_active(conn: Connection, email: str, active: bool) -> User:
    """Disable (or enable) an account; a disabled account's sessions end at once."""
    user = find_user(conn, email)
    conn.execute(_update_user(user.id, actif=active, **_NEW_SESSION_VERSION))
    return find_user(conn, email)


def set_password(conn: Connection, user_id: int, password: str) -> None:
    """Store a new password hash and end the account's other sessions."""
    check_password_strength(password)
    conn.execute(
        _update_user(user_id, hash_mot_de_passe=hash_password(password), **_NEW_SESSION_VERSION)
    )


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_password(conn: Connection, user_id: int, password: str) -> bool:
    hashed = conn.execute(
        select(utilisateur.c.hash_mot_de_passe).where(utilisateur.c.id == user_id)
    ).scalar_one()
    return _verify(hashed, password)


def end_sessions(conn: Connection, user_id: int) -> None:
    """End every session of the account (logout: a copied cookie no longer opens anything)."""
    conn.execute(_update_user(user_id, **_NEW_SESSION_VERSION))


def authenticate(conn: Connection, email: str, password: str, ip: str) -> User | None:
    """The active user for these credentials, or None; raises TooManyAttempts when throttled.

    The caller commits: failed attempts must be recorded even though login fails.
    """
    key = (email or "").strip().lower()[:254]
    throttle.check(conn, key, ip)  # locks the email's attempts until the caller commits
    row = conn.execute(
        select(*_USER_COLUMNS, utilisateur.c.hash_mot_de_passe).where(_email_is(key))
    ).first()
    ok = _verify(row.hash_mot_de_passe if row else _DUMMY_HASH, password or "")
    ok = ok and row is not None and row.actif
    throttle.record(conn, key, ip, ok)
    if not ok:
        return None
    if _hasher.check_needs_rehash(row.hash_mot_de_passe):
        conn.execute(_update_user(row.id, hash_mot_de_passe=hash_password(password)))
    conn.execute(_update_user(row.id, derniere_connexion=func.now()))
    return _user(row)
