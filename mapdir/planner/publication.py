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

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

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
        text(
            "INSERT INTO offre (nom, code_insee, commune_nom, itinerance, statut, services,"
            " modalites_acces, presentation_resume)"
            " VALUES (:nom, :depot, :depot_nom, ARRAY['Itinérant'], 'projet',"
            " CAST(:services AS text[]), ARRAY['Se présenter'], :resume) RETURNING id"
        ),
        {
            "nom": label,
            "depot": depot["code"],
            "depot_nom": depot["nom"],
            "services": plan.get("services", []),
            "resume": "Permanences itinérantes proposées par l'outil de planification.",
        },
    ).scalar_one()
    plan_id = conn.execute(
        text(
            "INSERT INTO plan_itinerance (departement, nom, territoire, depot, parametres,"
            " resultat, offre_id, cree_par) VALUES (:d, :nom, :t, :depot, CAST(:p AS jsonb),"
            " CAST(:r AS jsonb), :o, :u) RETURNING id"
        ),
        {
            "d": plan["departement"],
            "nom": label,
            "t": plan["territoire"],
            "depot": depot["code"],
            "p": json.dumps(params),
            "r": json.dumps(plan, ensure_ascii=False),
            "o": offre_id,
            "u": user,
        },
    ).scalar_one()
    for stop in plan["arrets"]:
        slot = slots.get(stop["code"])
        permanence_id = None
        if slot is not None:
            permanence_id = conn.execute(
                text(
                    "INSERT INTO permanence (offre_id, code_insee, commune_nom, lieu, point,"
                    " horaires, origine, statut) SELECT :o, c.code, c.nom, 'Mairie', c.point,"
                    " :h, 'planification', 'projet' FROM commune c WHERE c.code = :c RETURNING id"
                ),
                {"o": offre_id, "c": stop["code"], "h": slot["horaires"]},
            ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO plan_arret (plan_id, rang, code_insee, gain_marginal,"
                " communes_couvertes, bus, semaine_cycle, jour, demi_journee, horaires,"
                " motif_non_planifie, permanence_id) VALUES (:p, :rang, :c, :g,"
                " CAST(:cc AS varchar[]), :bus, :sem, :jour, :dj, :h, :motif, :perm)"
            ),
            {
                "p": plan_id,
                "rang": stop["rang"],
                "c": stop["code"],
                "g": stop["gain_marginal"],
                "cc": [c["code"] for c in stop["communes_nouvellement_couvertes"]],
                "bus": slot and slot["bus"],
                "sem": slot and slot["semaine"],
                "jour": slot and slot["jour"],
                "dj": slot and slot["demi_journee"],
                "h": slot and slot["horaires"],
                "motif": unscheduled.get(stop["code"]),
                "perm": permanence_id,
            },
        )
    return int(plan_id)


def _plan(conn: Connection, plan_id: int):
    row = conn.execute(
        text("SELECT id, statut, offre_id FROM plan_itinerance WHERE id = :i FOR UPDATE"),
        {"i": plan_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"Plan introuvable : {plan_id}.")
    return row


def plan_departement(conn: Connection, plan_id: int) -> str:
    """The département of a plan (NotFound when there is no such plan)."""
    dep = conn.execute(
        text("SELECT departement FROM plan_itinerance WHERE id = :i"), {"i": plan_id}
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
        text(f"UPDATE plan_itinerance SET statut = :s, {stamp} = now() WHERE id = :i"),
        {"s": plan_status, "i": row.id},
    )
    confirmed = ", confirmed_at = now()" if status == "active" else ""
    conn.execute(
        text(f"UPDATE offre SET statut = :s, updated_at = now(){confirmed} WHERE id = :o"),
        {"s": status, "o": row.offre_id},
    )
    conn.execute(
        text(
            "UPDATE permanence SET statut = :s, updated_at = now()"
            " WHERE offre_id = :o AND origine = 'planification'"
        ),
        {"s": status, "o": row.offre_id},
    )


def list_plans(conn: Connection, departement: str) -> list[dict]:
    """Saved plans of the département, newest first, with their stop counts."""
    rows = conn.execute(
        text(
            "SELECT p.id, p.nom, p.statut, p.offre_id, p.created_at, p.confirmed_at,"
            " p.withdrawn_at, count(a.id) AS arrets, count(a.permanence_id) AS permanences"
            " FROM plan_itinerance p LEFT JOIN plan_arret a ON a.plan_id = p.id"
            " WHERE p.departement = :d GROUP BY p.id ORDER BY p.id DESC"
        ),
        {"d": departement},
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
