"""Changes to offers made by people: edit, create, close/reopen, revert, confirm.

Each function checks the permission itself (never trust the caller), writes the offer,
records the change in the history and keeps the person's values against re-imports.
The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection

from mapdir.db.rows import jsonb, lon_lat, wgs84_point
from mapdir.db.tables import enregistrement_source, offre
from mapdir.editing import history, overrides
from mapdir.editing.accounts import User
from mapdir.editing.fields import ADDRESS_FIELDS, COLUMN_FIELDS, FIELDS, same_value
from mapdir.editing.permanences import set_permanence_status
from mapdir.editing.permissions import can_create, require_offer
from mapdir.editing.placement import place_offer, require_in_territory
from mapdir.errors import Conflict, Forbidden, InvalidParameter, NotFound
from mapdir.geo.services import commune_ref

CONFIRMED_AT = "confirmed_at"  # « toujours à jour » in the history (not an editable field)
# (adresse, code_postal, code_insee, commune) → (lon, lat, precision) or None
GeocodeHook = Callable[[str | None, str | None, str | None, str | None], Any]


def current_values(conn: Connection, offer_id: int, lock: bool = False) -> dict[str, Any]:
    """The offer's editable fields (JSON form), plus ``statut``."""
    query = select(
        *(offre.c[name] for name in COLUMN_FIELDS), offre.c.statut, *lon_lat(offre.c.point)
    ).where(offre.c.id == offer_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("Offre introuvable.")
    values = {name: getattr(row, name) for name in COLUMN_FIELDS}
    values["point"] = overrides.point_value(row.lon, row.lat)
    values["statut"] = row.statut
    return values


def _locate(
    values: dict[str, Any], commune: Any, geocode: GeocodeHook | None
) -> tuple[dict[str, float] | None, str | None]:
    """(point, precision) after an address change: BAN when configured, else the commune."""
    if geocode is not None:
        found = geocode(
            values.get("adresse"),
            values.get("code_postal"),
            values.get("code_insee"),
            values.get("commune_nom"),
        )
        if found:
            return overrides.point_value(found[0], found[1]), found[2] or "adresse"
    if commune is None:
        return None, None
    return overrides.point_value(commune.lon, commune.lat), "commune"


def _write(
    conn: Connection, offer_id: int, changed: dict[str, Any], precision: str = "adresse"
) -> None:
    """One UPDATE: the changed columns, the point (and its precision), the provenance of
    every changed field (``saisie``), ``updated_at`` and ``confirmed_at``: a person who
    edits or creates an offer has just checked it (its freshness starts again)."""
    values: dict[str, Any] = {f: changed[f] for f in changed if f in COLUMN_FIELDS}
    if "point" in changed:
        point = changed["point"]
        values["point"] = wgs84_point(point["lon"], point["lat"]) if point else None
        values["geo_precision"] = precision if point else None
        values["geo_score"] = None
    provenance = {f: overrides.SAISIE for f in changed}
    values["champs_source"] = offre.c.champs_source.op("||")(jsonb(provenance))
    values["updated_at"] = values["confirmed_at"] = func.now()
    conn.execute(update(offre).where(offre.c.id == offer_id).values(values))


def edit_offer(
    conn: Connection,
    user: User,
    offer_id: int,
    values: dict[str, Any],
    *,
    geocode: GeocodeHook | None = None,
    regeocode: bool = True,
    action: str = "edition",
    motif: str | None = None,
    annule_id: int | None = None,
) -> int | None:
    """Apply the given fields (any subset of ``FIELDS``); returns the change id, or None
    when nothing changed. An address change without a moved pin re-locates the offer."""
    require_offer(conn, user, offer_id)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise InvalidParameter(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    before = current_values(conn, offer_id, lock=True)
    wanted = {k: v for k, v in values.items()}
    commune = commune_ref(conn, wanted.get("code_insee", before["code_insee"]))
    # only real changes count: a list in another order or a text with a trailing space is
    # not a change (it would become an override hiding the sources' later updates)
    wanted = {k: v for k, v in wanted.items() if not same_value(k, v, before[k])}
    commune_changed = "code_insee" in wanted
    if commune_changed:
        if commune is None:
            raise InvalidParameter("Code INSEE inconnu.", parametre="code_insee")
        require_in_territory(conn, user, commune.code)
        if not wanted.get("commune_nom"):
            wanted["commune_nom"] = commune.nom
    address_moved = any(f in wanted for f in ADDRESS_FIELDS)
    pin_moved = "point" in wanted
    precision = "adresse"  # a pin moved by hand
    if regeocode and address_moved and not pin_moved:
        located, located_precision = _locate({**before, **wanted}, commune, geocode)
        if located:
            wanted["point"], precision = located, located_precision
    if pin_moved or commune_changed:
        placed = place_offer(
            conn,
            user,
            wanted.get("code_insee", before["code_insee"]),
            wanted.get("point", before["point"]),
            follow=pin_moved and not commune_changed,
        )
        if placed.code != before["code_insee"] and placed.code != wanted.get("code_insee"):
            wanted["code_insee"], wanted["commune_nom"] = placed.code, placed.nom
    changed = {k: v for k, v in wanted.items() if not same_value(k, v, before[k])}
    if not changed:
        return None
    _write(conn, offer_id, changed, precision)
    champs = {k: {"avant": before[k], "apres": v} for k, v in changed.items()}
    change_id = history.record_change(
        conn, offer_id, user, action, champs, motif=motif, annule_id=annule_id
    )
    overrides.record_overrides(conn, offer_id, changed, change_id)
    return change_id


def create_offer(
    conn: Connection, user: User, values: dict[str, Any], *, geocode: GeocodeHook | None = None
) -> int:
    """A new offer entered on the web (no source record); returns its id."""
    if not can_create(user):
        raise Forbidden("Vous n'avez pas le droit de créer une offre.")
    commune = commune_ref(conn, values.get("code_insee"))
    if commune is None:
        raise InvalidParameter("Code INSEE inconnu.", parametre="code_insee")
    require_in_territory(conn, user, commune.code)
    if values.get("point"):
        place_offer(conn, user, commune.code, values["point"], follow=False)
    wanted = dict(values)
    wanted["commune_nom"] = wanted.get("commune_nom") or commune.nom
    precision = "adresse"
    if not wanted.get("point"):
        wanted["point"], precision = _locate(wanted, commune, geocode)
    offer_id = conn.execute(
        insert(offre)
        .values(nom=wanted["nom"], code_insee=commune.code, statut="active", champs_source={})
        .returning(offre.c.id)
    ).scalar_one()
    _write(conn, offer_id, {k: v for k, v in wanted.items() if k in FIELDS}, precision or "commune")
    champs = {
        k: {"avant": None, "apres": v}
        for k, v in wanted.items()
        if k in FIELDS and v not in (None, [])
    }
    history.record_change(conn, offer_id, user, "creation", champs)
    return offer_id


def _status_after_reopen(conn: Connection, offer_id: int) -> str:
    record = enregistrement_source.c
    present = conn.execute(
        select(func.bool_or(record.present), func.count())
        .select_from(enregistrement_source.join(offre, offre.c.id == record.offre_id))
        .where(or_(offre.c.id == offer_id, offre.c.fusionnee_dans == offer_id))
    ).one()
    return "active" if present[1] == 0 or present[0] else "absente_source"


def set_status(
    conn: Connection,
    user: User,
    offer_id: int,
    statut: str,
    *,
    motif: str | None = None,
    action: str | None = None,
    annule_id: int | None = None,
) -> int | None:
    """Close (``fermee``, a reason is required) or reopen an offer; reversible."""
    require_offer(conn, user, offer_id)
    before = current_values(conn, offer_id, lock=True)["statut"]
    if before == "fusionnee":
        raise Conflict("Cette offre a été fusionnée dans une autre : modifiez celle-ci.")
    if statut == "ouverte":
        statut = _status_after_reopen(conn, offer_id)
    if statut not in ("fermee", "active", "absente_source", "projet"):
        raise InvalidParameter("Statut inconnu.")
    if statut == "fermee" and not (motif or "").strip() and annule_id is None:
        raise InvalidParameter("Indiquez le motif de la fermeture.", parametre="motif")
    if statut == before:
        return None
    conn.execute(
        update(offre).where(offre.c.id == offer_id).values(statut=statut, updated_at=func.now())
    )
    action = action or ("fermeture" if statut == "fermee" else "reouverture")
    return history.record_change(
        conn,
        offer_id,
        user,
        action,
        {"statut": {"avant": before, "apres": statut}},
        motif=(motif or "").strip() or None,
        annule_id=annule_id,
    )


def revert(conn: Connection, user: User, change_id: int) -> int:
    """Undo one change (a new change of its own); returns the new change's id."""
    change = history.get_change(conn, change_id)
    if change is None:
        raise NotFound("Modification introuvable.")
    require_offer(conn, user, change.offre_id)
    if change.annulee_par is not None:
        raise Conflict("Cette modification a déjà été annulée.")
    offer_id, fields, new_id = change.offre_id, {}, None
    ids: list[int | None] = []
    for name, diff in change.champs.items():
        if name == "statut":
            ids.append(
                set_status(
                    conn, user, offer_id, diff["avant"], action="annulation", annule_id=change_id
                )
            )
        elif name.startswith("permanence:"):
            old = diff["avant"] or {"statut": "fermee"}
            ids.append(
                set_permanence_status(
                    conn,
                    user,
                    int(name.split(":", 1)[1]),
                    old["statut"],
                    action="annulation",
                    annule_id=change_id,
                )
            )
        elif name == CONFIRMED_AT:
            ids.append(_restore_confirmation(conn, user, offer_id, diff["avant"], change_id))
        elif name in FIELDS and change.action != "creation":
            fields[name] = diff["avant"]
    if fields:
        ids.append(
            edit_offer(
                conn,
                user,
                offer_id,
                fields,
                regeocode=False,
                action="annulation",
                annule_id=change_id,
            )
        )
    done = [i for i in ids if i is not None]
    if change.action == "creation" and not done:
        raise Conflict("Une création ne s'annule pas : fermez l'offre.")
    new_id = (
        done[-1]
        if done
        else history.record_change(
            conn,
            offer_id,
            user,
            "annulation",
            {},
            motif="Rien à annuler : valeurs déjà rétablies.",
            annule_id=change_id,
        )
    )
    history.mark_reverted(conn, change_id, new_id)
    return new_id


def _confirmed_at(conn: Connection, offer_id: int) -> str | None:
    value = conn.execute(
        select(offre.c.confirmed_at).where(offre.c.id == offer_id).with_for_update()
    ).scalar_one()
    return value.isoformat() if value else None


def confirm_up_to_date(conn: Connection, user: User, offer_id: int) -> int:
    """« Toujours à jour » : sets ``confirmed_at`` (freshness), recorded in the history with
    the previous date, so that it can be undone like any change."""
    require_offer(conn, user, offer_id)
    before = _confirmed_at(conn, offer_id)
    conn.execute(update(offre).where(offre.c.id == offer_id).values(confirmed_at=func.now()))
    after = _confirmed_at(conn, offer_id)
    champs = {CONFIRMED_AT: {"avant": before, "apres": after}}
    return history.record_change(conn, offer_id, user, "confirmation", champs)


def _restore_confirmation(
    conn: Connection, user: User, offer_id: int, previous: str | None, change_id: int
) -> int:
    """Undo a « toujours à jour »: the confirmation date it replaced comes back."""
    before = _confirmed_at(conn, offer_id)
    conn.execute(
        update(offre)
        .where(offre.c.id == offer_id)
        .values(confirmed_at=datetime.fromisoformat(previous) if previous else None)
    )
    champs = {CONFIRMED_AT: {"avant": before, "apres": previous}}
    return history.record_change(conn, offer_id, user, "annulation", champs, annule_id=change_id)
