"""Public « Signaler une erreur »: reports on an offer, and the moderation queue of a territory.

Anyone may report (no account); a honeypot field and a per-IP limit (``MAX_PER_HOUR``)
keep robots out. The IP is kept only as a keyed hash (for the limit), never in clear.
Reports land in the queue of the offer's territory (same scope rules as editing).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.accounts import TooManyAttempts, User
from mapdir.editing.permissions import require_offer, scope_sql
from mapdir.errors import InvalidParameter, NotFound

CATEGORIES = {
    "horaires": "Horaires",
    "adresse": "Adresse ou position",
    "contact": "Téléphone, courriel ou site",
    "fermee": "Le lieu est fermé",
    "services": "Services proposés",
    "autre": "Autre",
}
STATUSES = {"nouveau": "Nouveau", "traite": "Traité", "rejete": "Rejeté"}
MAX_PER_HOUR = 5
MAX_MESSAGE = 2000


def ip_fingerprint(ip: str, secret: str) -> str:
    return hmac.new(secret.encode(), ip.encode(), hashlib.sha256).hexdigest()


def submit_report(
    conn: Connection,
    offer_id: int,
    categorie: str,
    message: str,
    courriel: str | None,
    fingerprint: str,
) -> int:
    """Store a report; raises InvalidParameter (bad input) or TooManyAttempts (429)."""
    if not conn.execute(
        text("SELECT 1 FROM offre WHERE id = :i AND statut <> 'fusionnee'"), {"i": offer_id}
    ).first():
        raise NotFound("Offre introuvable.")
    if categorie not in CATEGORIES:
        raise InvalidParameter("Choisissez le type d'erreur.", parametre="categorie")
    message = (message or "").strip()
    if not message or len(message) > MAX_MESSAGE:
        raise InvalidParameter(
            f"Décrivez l'erreur (au plus {MAX_MESSAGE} caractères).", parametre="message"
        )
    courriel = (courriel or "").strip() or None
    if courriel and ("@" not in courriel or len(courriel) > 254):
        raise InvalidParameter("Adresse électronique invalide.", parametre="courriel")
    recent = conn.execute(
        text(
            "SELECT count(*) FROM signalement WHERE empreinte_ip = :f"
            " AND created_at > now() - interval '1 hour'"
        ),
        {"f": fingerprint},
    ).scalar_one()
    if recent >= MAX_PER_HOUR:
        raise TooManyAttempts("Trop de signalements envoyés : réessayez dans une heure.")
    return conn.execute(
        text(
            "INSERT INTO signalement (offre_id, categorie, message, courriel, empreinte_ip)"
            " VALUES (:o, :c, :m, :e, :f) RETURNING id"
        ),
        {"o": offer_id, "c": categorie, "m": message, "e": courriel, "f": fingerprint},
    ).scalar_one()


def list_reports(conn: Connection, user: User, statut: str = "nouveau") -> list[Any]:
    """The moderation queue of ``user``'s scope."""
    where, params = scope_sql(user)
    return conn.execute(
        text(
            "SELECT s.id, s.offre_id, s.categorie, s.message, s.courriel, s.statut,"
            " s.created_at, o.nom, o.commune_nom FROM signalement s"
            f" JOIN offre o ON o.id = s.offre_id WHERE s.statut = :st AND {where}"
            " ORDER BY s.created_at DESC, s.id DESC LIMIT 500"
        ),
        {"st": statut, **params},
    ).all()


def set_report_status(conn: Connection, user: User, report_id: int, statut: str) -> None:
    if statut not in STATUSES:
        raise InvalidParameter("Statut inconnu.")
    offer_id = conn.execute(
        text("SELECT offre_id FROM signalement WHERE id = :i FOR UPDATE"), {"i": report_id}
    ).scalar_one_or_none()
    if offer_id is None:
        raise NotFound("Signalement introuvable.")
    require_offer(conn, user, offer_id)
    conn.execute(
        text(
            "UPDATE signalement SET statut = :s, traite_par = :u, traite_le = now() WHERE id = :i"
        ),
        {"s": statut, "u": user.id, "i": report_id},
    )
