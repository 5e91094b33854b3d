"""Public « Signaler une erreur »: reports on an offer, and the moderation queue of a territory.

Anyone may report (no account); a honeypot field and a per-IP limit (``MAX_PER_HOUR``)
keep robots out. The IP is kept only as a keyed hash (for the limit), never in clear.
Reports land in the queue of the offer's territory (same scope rules as editing).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from mapdir.db.rows import exists_row
from mapdir.db.tables import offre, signalement
from mapdir.editing.accounts import TooManyAttempts, User
from mapdir.editing.permissions import in_scope, require_offer
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
    if not exists_row(conn, offre.c.id == offer_id, offre.c.statut != "fusionnee"):
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
        select(func.count()).where(
            signalement.c.empreinte_ip == fingerprint,
            signalement.c.created_at > func.now() - timedelta(hours=1),
        )
    ).scalar_one()
    if recent >= MAX_PER_HOUR:
        raise TooManyAttempts("Trop de signalements envoyés : réessayez dans une heure.")
    return conn.execute(
        insert(signalement)
        .values(
            offre_id=offer_id,
            categorie=categorie,
            message=message,
            courriel=courriel,
            empreinte_ip=fingerprint,
        )
        .returning(signalement.c.id)
    ).scalar_one()


def list_reports(conn: Connection, user: User, statut: str = "nouveau") -> list[Any]:
    """The moderation queue of ``user``'s scope."""
    s = signalement.c
    return conn.execute(
        select(
            s.id,
            s.offre_id,
            s.categorie,
            s.message,
            s.courriel,
            s.statut,
            s.created_at,
            offre.c.nom,
            offre.c.commune_nom,
        )
        .join_from(signalement, offre, offre.c.id == s.offre_id)
        .where(s.statut == statut, in_scope(user))
        .order_by(s.created_at.desc(), s.id.desc())
        .limit(500)
    ).all()


def set_report_status(conn: Connection, user: User, report_id: int, statut: str) -> None:
    if statut not in STATUSES:
        raise InvalidParameter("Statut inconnu.")
    offer_id = conn.execute(
        select(signalement.c.offre_id).where(signalement.c.id == report_id).with_for_update()
    ).scalar_one_or_none()
    if offer_id is None:
        raise NotFound("Signalement introuvable.")
    require_offer(conn, user, offer_id)
    conn.execute(
        update(signalement)
        .where(signalement.c.id == report_id)
        .values(statut=statut, traite_par=user.id, traite_le=func.now())
    )
