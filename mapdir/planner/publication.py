"""Publishing a plan: saved plan rows, a new itinerant offer and its permanences; confirm, withdraw.

Decision: a published plan creates a NEW offer (statut 'projet', itinerance 'Itinérant', no
fixed point, its commune = the depot) rather than attaching stops to an existing offer, so
that withdrawing a plan never touches a listing someone else maintains. Each scheduled stop
becomes one permanence (origine 'planification', statut 'projet', horaires = the rota's OSM
opening_hours, point = the commune's representative point). Confirming makes the offer and
its permanences 'active' (prescribers then see the "prochain passage"; access computations
count them); withdrawing closes them ('fermee') and keeps every row for history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, func, insert, literal, select, update
from sqlalchemy.engine import Connection

from mapdir.db.tables import commune, offre, permanence, plan_arret, plan_itinerance
from mapdir.errors import Conflict, InvalidParameter, NotFound


def publish_plan(
    conn: Connection, plan: dict, nom: str | None = None, user: str | None = None
) -> int:
    """Save `plan` (services.stops output) and create its offer and permanences; the plan id."""
    if not plan["arrets"]:
        raise InvalidParameter("Aucun arrêt à publier : ce plan ne propose aucun arrêt.")
    slots = {s["code"]: s for s in plan["tournee"]["creneaux"]}
    unscheduled = {u["code"]: u["motif"] for u in plan["tournee"]["non_planifies"]}
    depot = plan["tournee"]["depot"]
    label = nom or f"Itinérance numérique {plan['departement']} – {len(slots)} arrêts"
    params = {k: plan[k] for k in ("k", "seuil_min", "territoire", "solveur")}
    offre_id = conn.execute(
        insert(offre)
        .values(
            nom=label,
            code_insee=depot["code"],
            commune_nom=depot["nom"],
            itinerance=["Itinérant"],
            statut="projet",
            services=plan.get("services", []),
            modalites_acces=["Se présenter"],
            presentation_resume="Permanences itinérantes proposées par l'outil de planification.",
        )
        .returning(offre.c.id)
    ).scalar_one()
    plan_id = conn.execute(
        insert(plan_itinerance)
        .values(
            departement=plan["departement"],
            nom=label,
            territoire=plan["territoire"],
            depot=depot["code"],
            parametres=params,
            resultat=plan,
            offre_id=offre_id,
            cree_par=user,
        )
        .returning(plan_itinerance.c.id)
    ).scalar_one()
    for stop in plan["arrets"]:
        slot = slots.get(stop["code"])
        permanence_id = None
        if slot is not None:
            permanence_id = conn.execute(
                _stop_permanence(offre_id, stop["code"], slot)
            ).scalar_one()
        conn.execute(
            insert(plan_arret).values(
                plan_id=plan_id,
                rang=stop["rang"],
                code_insee=stop["code"],
                gain_marginal=stop["gain_marginal"],
                communes_couvertes=[c["code"] for c in stop["communes_nouvellement_couvertes"]],
                bus=slot and slot["bus"],
                semaine_cycle=slot and slot["semaine"],
                jour=slot and slot["jour"],
                demi_journee=slot and slot["demi_journee"],
                horaires=slot and slot["horaires"],
                motif_non_planifie=unscheduled.get(stop["code"]),
                permanence_id=permanence_id,
            )
        )
    return int(plan_id)


def _stop_permanence(offre_id: int, code: str, slot: dict[str, Any]):
    """INSERT … SELECT of a scheduled stop's permanence, at its commune's point."""
    c = commune.c
    stop = select(
        literal(offre_id, BigInteger),
        c.code,
        c.nom,
        literal("Mairie"),
        c.point,
        literal(slot["horaires"]),
        literal("planification"),
        literal("projet"),
    ).where(c.code == code)
    columns = ["offre_id", "code_insee", "commune_nom", "lieu", "point", "horaires", "origine"]
    return insert(permanence).from_select([*columns, "statut"], stop).returning(permanence.c.id)


def _plan(conn: Connection, plan_id: int):
    p = plan_itinerance.c
    row = conn.execute(
        select(p.id, p.statut, p.offre_id).where(p.id == plan_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"Plan introuvable : {plan_id}.")
    return row


def plan_departement(conn: Connection, plan_id: int) -> str:
    """The département of a plan (NotFound when there is no such plan)."""
    dep = conn.execute(
        select(plan_itinerance.c.departement).where(plan_itinerance.c.id == plan_id)
    ).scalar_one_or_none()
    if dep is None:
        raise NotFound(f"Plan introuvable : {plan_id}.")
    return dep


def confirm_plan(conn: Connection, plan_id: int) -> None:
    """Make a published plan's offer and permanences active (Conflict unless 'publie')."""
    row = _plan(conn, plan_id)
    if row.statut != "publie":
        raise Conflict(f"Seul un plan publié peut être confirmé (statut actuel : {row.statut}).")
    _set_status(conn, row, "confirme", "active", "confirmed_at")


def withdraw_plan(conn: Connection, plan_id: int) -> None:
    """Close a published or confirmed plan's offer and permanences (Conflict if withdrawn)."""
    row = _plan(conn, plan_id)
    if row.statut == "retire":
        raise Conflict("Ce plan a déjà été retiré.")
    _set_status(conn, row, "retire", "fermee", "withdrawn_at")


def _set_status(conn: Connection, row, plan_status: str, status: str, stamp: str) -> None:
    conn.execute(
        update(plan_itinerance)
        .where(plan_itinerance.c.id == row.id)
        .values({"statut": plan_status, stamp: func.now()})
    )
    confirmed = {"confirmed_at": func.now()} if status == "active" else {}
    conn.execute(
        update(offre)
        .where(offre.c.id == row.offre_id)
        .values(statut=status, updated_at=func.now(), **confirmed)
    )
    conn.execute(
        update(permanence)
        .where(permanence.c.offre_id == row.offre_id, permanence.c.origine == "planification")
        .values(statut=status, updated_at=func.now())
    )


def list_plans(conn: Connection, departement: str) -> list[dict]:
    """Saved plans of the département, newest first, with their stop counts."""
    p, a = plan_itinerance.c, plan_arret.c
    rows = conn.execute(
        select(
            p.id,
            p.nom,
            p.statut,
            p.offre_id,
            p.created_at,
            p.confirmed_at,
            p.withdrawn_at,
            func.count(a.id).label("arrets"),
            func.count(a.permanence_id).label("permanences"),
        )
        .select_from(plan_itinerance.outerjoin(plan_arret, a.plan_id == p.id))
        .where(p.departement == departement)
        .group_by(p.id)
        .order_by(p.id.desc())
    ).mappings()
    return [
        {
            **r,
            **{
                k: r[k] and r[k].isoformat() for k in ("created_at", "confirmed_at", "withdrawn_at")
            },
        }
        for r in rows
    ]
