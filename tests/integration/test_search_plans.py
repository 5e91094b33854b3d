"""Prescribers' search statements: index use in the plans (KNN, tags, slots, stops), the
spherical walk, statements counted, filter values quoted."""

from __future__ import annotations

import random
import re
from datetime import date, datetime

from sqlalchemy import text

from mapdir.hours.time_slots import candidate_tags
from mapdir.offers import nearest as nearest_module
from mapdir.offers import search as search_module
from mapdir.offers import search_sql
from mapdir.offers.search import Filters
from mapdir.offers.search_sql import candidates_sql, fetch, knn_sql
from tests.search_factories import (
    commune_point,
    explain,
    explain_generic,
    geodesic_m,
    haversine_m,
    insert_offer,
    search,
)


def test_knn_query_uses_the_gist_index(conn):
    rng = random.Random(1)
    for i in range(3000):
        insert_offer(
            conn, f"B{i}", rng.uniform(0.8, 1.9), rng.uniform(45.4, 46.4), frais=["Gratuit"]
        )
    conn.execute(text("ANALYZE offre"))
    plan = explain(conn, knn_sql(Filters(), 60), {"origin": "POINT(1.26 45.83)"})
    assert "Index Scan using ix_offre_point_etiquettes_actif" in plan, plan
    assert "Seq Scan on offre" not in plan, plan
    # the statement a search actually runs: origin, KNN window, stops and remote offers
    sql = candidates_sql(Filters(gratuit=True), "code_postal", 40, 5000, 100, 52.0, 30)
    plan = explain(conn, sql, {"code_postal": "87400"})
    assert "Index Scan using ix_offre_point_etiquettes_actif" in plan, plan
    assert "Seq Scan on offre" not in plan, plan
    assert "Seq Scan on commune" not in plan, plan


def test_stops_near_the_origin_are_found_through_indexes(conn):
    """Thousands of permanences nationally: the statement reads those of the origin
    communes and those within 5 km through the two indexes, never the whole table."""
    offer = insert_offer(conn, "Bus", None, None)
    conn.execute(
        text(
            "INSERT INTO permanence (offre_id, code_insee, commune_nom, point, horaires, lieu)"
            " SELECT :o, code, nom, point, 'Tu 09:00-12:00', 'Mairie' FROM commune"
            " WHERE point IS NOT NULL ORDER BY code LIMIT 6000"
        ),
        {"o": offer},
    )
    conn.execute(text("ANALYZE permanence"))
    plan = explain(
        conn,
        candidates_sql(Filters(), "code_postal", 40, 5000, 100, 52.0, 30),
        {"code_postal": "87400"},
    )
    assert "Seq Scan on permanence" not in plan, plan
    assert "ix_permanence_code_insee" in plan and "ix_permanence_point" in plan, plan


def test_filters_are_read_in_the_spatial_index(conn):
    """The KNN walk tests a filter on the tags held by the index (point, etiquettes): the
    tags follow every change of the lists, and the plan tests them as index conditions."""
    rng = random.Random(3)
    for i in range(3000):
        insert_offer(
            conn, f"T{i}", rng.uniform(0.8, 1.9), rng.uniform(45.4, 46.4),
            services=[("demarches-administratives", "outils-numeriques-quotidien",
                       "acces-internet-materiel")[i % 3]],
            frais=["Gratuit" if i % 2 else "Payant"],
        )  # fmt: skip
    conn.execute(text("ANALYZE offre"))
    filters = Filters(services=("demarches-administratives",), gratuit=True)
    plan = explain(
        conn,
        candidates_sql(filters, "code_postal", 40, 5000, 100, 52.0, 30),
        {"code_postal": "87400"},
    )
    assert "Index Scan using ix_offre_point_etiquettes_actif" in plan, plan
    index_cond = next(line for line in plan.splitlines() if "Index Cond" in line and "etiq" in line)
    assert "&&" in index_cond and "@>" in index_cond, plan
    # the tags are those of the current lists
    lon, lat = commune_point(conn, "87085")
    offer = insert_offer(conn, "Changeante", lon, lat, services=["loisirs-creations"])
    creative = Filters(services=("loisirs-creations",))
    assert search(conn, code_commune="87085", filters=creative)["resultats"][0]["id"] == offer
    conn.execute(
        text("UPDATE offre SET services = ARRAY['parentalite'], publics = ARRAY['Seniors'] "
             "WHERE id = :i"), {"i": offer}
    )  # fmt: skip
    assert offer not in {r["id"] for r in search(conn, code_commune="87085", filters=creative)[
        "resultats"]}  # fmt: skip
    seniors = Filters(services=("parentalite",), publics=("Seniors",))
    assert search(conn, code_commune="87085", filters=seniors)["resultats"][0]["id"] == offer
    tags = conn.execute(
        text(
            "SELECT etiquettes = ARRAY(SELECT DISTINCT unnest(ARRAY[etiquette('services', "
            "'parentalite'), etiquette('publics', 'Seniors')]) ORDER BY 1) || ARRAY[-1001] "
            "FROM offre WHERE id = :i"
        ),
        {"i": offer},
    ).scalar_one()
    assert tags is True


def test_opening_time_is_read_in_the_spatial_index(conn):
    """The window of a search with an opening time tests the half-hour slots on the index
    entries: where nothing is open then (a Sunday here), the walk reads a few pages and
    no row of the table."""
    rng = random.Random(5)
    for i in range(3000):
        insert_offer(
            conn, f"S{i}", rng.uniform(0.8, 1.9), rng.uniform(45.4, 46.4),
            horaires="Mo-Fr 09:00-12:00,14:00-17:00",
        )  # fmt: skip
    conn.execute(text("ANALYZE offre"))
    sunday = candidate_tags(datetime(2026, 12, 6, 10, 0))
    sql = candidates_sql(Filters(), "code_postal", 40, 5000, 100, 52.0, 30, 20)
    plan = explain_generic(conn, sql, {"code_postal": "87400", "creneaux": sunday})
    assert "Index Scan using ix_offre_point_etiquettes_actif" in plan, plan
    index_cond = next(line for line in plan.splitlines() if "Index Cond" in line and "etiq" in line)
    assert "etiquettes &&" in index_cond, plan
    origin = {"origin": "POINT(1.26 45.83)", "creneaux": sunday}
    timed_knn = knn_sql(Filters(), 40, timed=True)
    analysed = explain_generic(conn, timed_knn, origin, analyse=True)
    scan = next(line for line in analysed.splitlines() if "Index Scan" in line)
    assert "ix_offre_point_etiquettes_actif" in scan and "rows=0 loops=1" in scan, analysed
    hits = int(re.search(r"shared hit=(\d+)", analysed).group(1))
    assert hits < 10, analysed
    monday = {**origin, "creneaux": candidate_tags(datetime(2026, 11, 30, 10, 0))}
    assert len(fetch(conn, timed_knn, monday)) == 40


def test_far_origins_walk_the_sphere_in_order_reading_few_pages(conn, monkeypatch):
    """From overseas, the answer lies thousands of km away: the spherical walk (chords of
    the unit sphere in an n-D index) yields the offers in the order of a haversine computed
    here, from the nearest of several origin points, and reads few pages; its bound is the
    nearest end of the walks that did not run out."""
    rng = random.Random(7)
    offers, free_ids = {}, set()
    for i in range(3000):
        x, y = rng.uniform(-4.5, 7.5), rng.uniform(42.5, 50.5)
        offer = insert_offer(conn, f"M{i}", x, y, frais=["Gratuit" if i % 4 else "Payant"])
        offers[offer] = (x, y)
        if i % 4:
            free_ids.add(offer)
    conn.execute(text("ANALYZE offre"))
    noumea, saint_denis = (166.45, -22.27), (55.45, -20.88)
    free = Filters(gratuit=True)
    for points in ([noumea], [noumea, saint_denis]):
        origin = nearest_module.Origin(points, [], "point")
        sql = search_sql.sphere_sql(free, 40)
        rows = fetch(conn, sql, {"origin3d": origin.wkt3d})
        expected = sorted((min(haversine_m(*p, *offers[i]) for p in points), i) for i in free_ids)[
            :40
        ]
        assert [r.id for r in rows] == [i for _, i in expected]
        assert all(abs(r.planar - d) < 1.0 for r, (d, _) in zip(rows, expected, strict=True))
        assert abs(rows[0].borne - max(r.planar for r in rows)) < 1.0
        analysed = explain_generic(conn, sql, {"origin3d": origin.wkt3d}, analyse=True)
        assert "Index Scan using ix_offre_sphere_actif" in analysed, analysed
        hits = int(re.search(r"shared hit=(\d+)", analysed).group(1))
        assert hits < 150 * len(points), analysed
    # a search from Nouméa: the first (planar) window reaches beyond FAR_WINDOW_DEG, the
    # spherical walk takes over at once (no planar widening) and proves the answer
    statements = []
    real_fetch = search_sql.fetch
    monkeypatch.setattr(search_sql, "fetch", lambda *a: statements.append(a[1]) or real_fetch(*a))
    body = search(conn, lat=noumea[1], lon=noumea[0], limite=20, filters=free)
    assert "ST_DumpPoints" in statements[1], statements
    nearest = sorted((geodesic_m(*noumea, *offers[i]), i) for i in free_ids)[:20]  # WGS84
    assert [r["id"] for r in body["resultats"]] == [i for _, i in nearest]
    monkeypatch.undo()
    # fewer matching offers than the window: every one, and no bound
    rare = Filters(programmes=("Promeneurs du net",))
    seniors = [
        insert_offer(conn, f"S{i}", 2.0 + i, 45.0, programmes=["Promeneurs du net"])
        for i in range(3)
    ]
    rows = fetch(conn, search_sql.sphere_sql(rare, 40), {"origin3d": origin.wkt3d})
    assert sorted(r.id for r in rows) == sorted(seniors) and rows[0].borne is None


def test_whole_rows_ride_along_with_the_first_statement(conn, monkeypatch):
    """A search mostly takes one statement: the rows of its answer (the nearest of the
    window, the first remote offers) come with the candidates, and the answer is the same
    as when every row is fetched by a second statement. When the opening filter or the
    ellipsoid's order reach beyond them, only the missing rows are fetched."""
    rng = random.Random(5)
    lon, lat = commune_point(conn, "87085")
    for i in range(60):
        # a third open on Wednesday from 10:15 only: in the 10:00 slot, closed at 10:00
        hours = "We 09:00-12:00" if i % 3 else "We 10:15-12:00"
        insert_offer(
            conn, f"Lieu {i}", lon + rng.uniform(-0.3, 0.3), lat + rng.uniform(-0.2, 0.2),
            horaires=hours, telephones=["05 55 00 00 00"], date_maj=date(2026, 6, 1),
        )  # fmt: skip
    for i in range(8):
        insert_offer(
            conn, f"Visio {i}", None, None, code_insee="87085",
            modalites_accompagnement=["À distance"], horaires="We 09:00-12:00" if i % 2 else None,
        )  # fmt: skip
    statements, whole = [], []
    real_fetch, real_full_rows = search_sql.fetch, search_sql.full_rows
    monkeypatch.setattr(search_sql, "fetch", lambda *a: statements.append(a[1]) or real_fetch(*a))
    monkeypatch.setattr(
        search_sql, "full_rows", lambda c, ids: whole.append(list(ids)) or real_full_rows(c, ids)
    )
    one = search(conn, code_commune="87085", limite=10)
    assert len(one["resultats"]) == 10 and len(one["a_distance"]) == 8
    assert one["resultats"][0]["telephones"] == ["05 55 00 00 00"]
    assert len(statements) == 1 + len(whole) and sum(map(len, whole)) <= 2
    # nothing rides along: the same answer, every row from a second statement
    real_candidates = search_sql.candidates_sql
    monkeypatch.setattr(search_sql, "candidates_sql", lambda *a: real_candidates(*a[:6], 0, *a[7:]))
    statements.clear()
    whole.clear()
    assert search(conn, code_commune="87085", limite=10) == one
    assert len(statements) == 2 and len(whole[0]) == 18
    monkeypatch.setattr(search_sql, "candidates_sql", real_candidates)
    # open on Wednesday at 10:00: a third of the window is closed then, the answer reaches
    # further than the rows that rode along
    statements.clear()
    whole.clear()
    at_ten = datetime(2026, 12, 2, 10)
    wednesday = search(conn, code_commune="87085", limite=10, filters=Filters(ouvert=at_ten))
    assert len(wednesday["resultats"]) == 10 and len(wednesday["a_distance"]) == 4
    carried = {
        r.id
        for r in real_fetch(
            conn,
            real_candidates(
                Filters(),
                "commune",
                nearest_module.first_window(10),
                search_module.PERMANENCE_RADIUS_M,
                5 * 10,
                search_module.LAT_CAP,
                round(search_module.PREFETCH_FACTOR * 10),
                10,
            ),  # the first statement of that search, as search_offers writes it
            {"code_commune": "87085", "creneaux": candidate_tags(at_ten)},
        )
        if r.complet
    }
    answer = [r["id"] for r in wednesday["resultats"]]
    missing = [i for i in answer if i not in carried]
    assert missing and whole == [missing]


def test_filter_values_are_quoted_in_the_prepared_statement(conn):
    """Filter values are written into the search statement (for the planner's estimates):
    quotes and percent signs must stay data."""
    lon, lat = commune_point(conn, "87085")
    odd = insert_offer(conn, "Public bizarre", lon, lat, programmes=["l'équipe à 100%"])
    insert_offer(conn, "Autre public", lon, lat, programmes=["France Services"])
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(programmes=("l'équipe à 100%",))
    )
    assert [r["id"] for r in body["resultats"]] == [odd]
    injected = Filters(programmes=("x']::text[] OR true OR o.programmes && ARRAY['y",))
    assert search(conn, code_commune="87085", limite=5, filters=injected)["resultats"] == []
