"""The editing tests' world (tests/integration/test_edit_*.py): an offer X in Haute-Vienne,
an offer Y in Seine-Saint-Denis and one account per role; the edit form as a browser posts
it; clients logged in as each role."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.integration.test_auth import csrf, drop_users, login, make_user

LIMOGES = "87085"  # Haute-Vienne
SAINT_DENIS = "93066"  # Seine-Saint-Denis
NAME = "TEST-EDIT offre"


def insert_offer(
    engine, code_insee: str, nom: str = NAME, horaires: str | None = "Mo-Fr 09:00-12:00"
) -> int:
    """An active offer at the point of its commune."""
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, commune_nom, horaires, statut, point)"
                " SELECT :n, code, nom, :h, 'active', point FROM commune"
                " WHERE code = :c RETURNING id"
            ),
            {"n": nom, "c": code_insee, "h": horaires},
        ).scalar_one()


def insert_location_conflict(engine, offer_id: int, source_id: str, message: str) -> None:
    """The offer's source record as the import leaves it when its coordinates contradict
    its commune (etl/prepare.py, ``donnees.conflit_localisation``)."""
    donnees = {"conflit_localisation": {"message": message, "latitude": 45.03839,
                                        "longitude": 5.66101, "distance_km": 97.3}}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO enregistrement_source (source, source_id, offre_id, brut, donnees,"
                " empreinte) VALUES ('mednum-v1', :s, :o, '{}', CAST(:d AS jsonb), 'x')"
            ),
            {"s": source_id, "o": offer_id, "d": json.dumps(donnees)},
        )


def cleanup_offers(engine) -> None:
    with engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM offre WHERE nom LIKE 'TEST-EDIT%'")).scalars())
    delete_offers(engine, ids)


def delete_offers(engine, ids: list[int]) -> None:
    """The test offers and everything that points to them."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE utilisateur SET offre_id = NULL WHERE role <> 'structure'"
                 " AND offre_id = ANY(:i)"),
            {"i": ids},
        )  # fmt: skip
        for table in ("surcharge", "signalement", "enregistrement_source"):
            conn.execute(text(f"DELETE FROM {table} WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("UPDATE modification SET annulee_par = NULL WHERE offre_id = ANY(:i)"), {"i": ids}
        )
        for table in ("modification", "permanence", "utilisateur"):
            conn.execute(text(f"DELETE FROM {table} WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("DELETE FROM doublon WHERE offre_a = ANY(:i) OR offre_b = ANY(:i)"), {"i": ids}
        )
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": ids})


def make_world(engine, app):
    """Offer X in 87, offer Y in 93 and one account per role."""
    app.config["EDITING_GEOCODER"] = None  # no network: the commune's point
    x = insert_offer(engine, LIMOGES, NAME + " X")
    y = insert_offer(engine, SAINT_DENIS, NAME + " Y")
    users = {
        "admin": make_user(engine, "admin"),
        "animateur87": make_user(engine, "animateur", departement="87"),
        "animateur93": make_user(engine, "animateur", departement="93"),
        "structureX": make_user(engine, "structure", offre_id=x),
    }
    yield {"x": x, "y": y, "users": users}
    drop_users(engine, list(users.values()))
    cleanup_offers(engine)


def client_as(app, world, role):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.1.0.{len(role)}"
    if role != "anonyme":
        assert login(client, world["users"][role].email).status_code == 302
    return client


def offer_state(engine, offer_id: int) -> tuple:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT o.nom, o.horaires, o.statut, (SELECT count(*) FROM modification m"
                " WHERE m.offre_id = o.id) FROM offre o WHERE o.id = :i"
            ),
            {"i": offer_id},
        ).one()


def edit_form(engine, offer_id: int, **changes) -> dict:
    """The edit form as a browser would post it, with the offer's current values."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("SELECT *, ST_X(point) lon, ST_Y(point) lat FROM offre WHERE id = :i"),
                {"i": offer_id},
            )
            .mappings()
            .one()
        )
    form = {
        k: row[k] or ""
        for k in ("nom", "adresse", "code_postal", "commune_nom", "code_insee", "horaires")
    }
    form |= {"latitude": f"{row['lat']:.6f}", "longitude": f"{row['lon']:.6f}"}
    form |= {"services": row["services"]}
    return form | changes


def admin_change(engine, app, world) -> int:
    client = client_as(app, world, "admin")
    token = csrf(client, f"/edition/offres/{world['x']}/modifier")
    client.post(
        f"/edition/offres/{world['x']}/modifier",
        data=edit_form(engine, world["x"], csrf_token=token, nom=NAME + " X (modifiée)"),
    )
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT max(id) FROM modification WHERE offre_id = :i"), {"i": world["x"]}
        ).scalar_one()
