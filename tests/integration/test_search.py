"""Prescribers' search service and its JSON API: ranking vs an independent geodesic
computation, filters, opening hours, permanences, remote offers, detail, GeoJSON, 400s."""

from __future__ import annotations

import math
import random
import re
from datetime import date, datetime, timedelta

import pytest
from psycopg import sql as psycopg_sql
from pyproj import Geod
from sqlalchemy import text

from mapdir.db import SEARCH_SETTINGS
from mapdir.hours.time_slots import candidate_tags
from mapdir.offers import nearest as nearest_module
from mapdir.offers import search as search_module
from mapdir.offers import search_sql
from mapdir.offers.search import Filters, SearchRequest, search_offers
from mapdir.offers.search_sql import candidates_sql, fetch, knn_sql

GEOD = Geod(ellps="WGS84")
NOW = datetime(2026, 12, 1, 8, 0)  # a Tuesday


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def insert_offer(conn, nom: str, lon: float | None, lat: float | None, **fields) -> int:
    """One offer; list fields given as Python lists, others as scalars."""
    values = {"nom": nom, "lon": lon, "lat": lat, **fields}
    columns = ["nom", "point"] + list(fields)
    placeholders = [
        ":nom",
        "ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)",
    ]
    placeholders += [f":{k}" for k in fields]
    return conn.execute(
        text(
            f"INSERT INTO offre ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
            "RETURNING id"
        ),
        values,
    ).scalar_one()


def insert_permanence(conn, offre_id: int, code_insee: str, horaires: str, **fields) -> int:
    return conn.execute(
        text(
            """
            INSERT INTO permanence (offre_id, code_insee, commune_nom, point, horaires, lieu,
                                    statut)
            SELECT :offre_id, c.code, c.nom, c.point, :horaires, :lieu, :statut
            FROM commune c WHERE c.code = :code
            RETURNING id
            """
        ),
        {
            "offre_id": offre_id,
            "code": code_insee,
            "horaires": horaires,
            "lieu": fields.get("lieu", "Mairie"),
            "statut": fields.get("statut", "active"),
        },
    ).scalar_one()


def commune_point(conn, code: str) -> tuple[float, float]:
    row = conn.execute(
        text("SELECT ST_X(point) AS lon, ST_Y(point) AS lat FROM commune WHERE code = :c"),
        {"c": code},
    ).one()
    return row.lon, row.lat


def communes_87(conn) -> list[tuple[str, float, float]]:
    rows = conn.execute(
        text(
            "SELECT code, ST_X(point) AS lon, ST_Y(point) AS lat FROM commune "
            "WHERE departement = '87' AND point IS NOT NULL ORDER BY code"
        )
    ).all()
    return [(r.code, r.lon, r.lat) for r in rows]


def search(conn, **kwargs):
    filters = kwargs.pop("filters", Filters())
    return search_offers(conn, SearchRequest(filters=filters, **kwargs), now=NOW)


# --------------------------------------------------------------------------- ranking


def test_ranking_matches_independent_geodesic_and_haversine(conn):
    rng = random.Random(87)
    communes = communes_87(conn)
    offers = {}
    for i in range(50):
        _code, lon, lat = rng.choice(communes)
        lon, lat = lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)
        offers[insert_offer(conn, f"Lieu {i}", lon, lat)] = (lon, lat)
    for code, olon, olat in rng.sample(communes, 6):
        body = search(conn, code_commune=code, limite=20)
        got = [r["id"] for r in body["resultats"]]
        exact = sorted(offers, key=lambda k: geodesic_m(olon, olat, *offers[k]))
        assert got == exact[:20], code
        hav = {k: haversine_m(olon, olat, *p) for k, p in offers.items()}
        for r in body["resultats"]:
            expected_km = geodesic_m(olon, olat, *offers[r["id"]]) / 1000
            assert r["distance_km"] == pytest.approx(expected_km, abs=0.006)
            assert r["distance_km"] == pytest.approx(hav[r["id"]] / 1000, rel=0.006, abs=0.01)
            assert r["duree_estimee_min"] == round(expected_km * 1.3 / 50 * 60)
        # haversine agrees with the order except for pairs closer than its 0.5 % error
        for a, b in zip(got, got[1:], strict=False):
            assert hav[a] <= hav[b] * 1.006


def test_postcode_origin_measures_from_the_nearest_commune_of_the_postcode(conn):
    rng = random.Random(874)
    postcode_points = [
        commune_point(conn, c)
        for c in conn.execute(
            text("SELECT code_insee FROM code_postal WHERE code_postal = '87400'")
        ).scalars()
    ]
    assert len(postcode_points) > 1
    offers = {}
    for i in range(40):
        lon, lat = rng.uniform(1.2, 1.8), rng.uniform(45.6, 46.0)
        offers[insert_offer(conn, f"P{i}", lon, lat)] = (lon, lat)
    body = search(conn, code_postal="87400", limite=15)
    assert {c["code"] for c in body["origine"]["communes"]} and body["origine"]["mode"] == (
        "code_postal"
    )
    nearest = {k: min(geodesic_m(x, y, *p) for x, y in postcode_points) for k, p in offers.items()}
    assert [r["id"] for r in body["resultats"]] == sorted(nearest, key=nearest.get)[:15]


def test_offer_in_origin_commune_first_at_equal_distance(conn):
    lon, lat = commune_point(conn, "87085")
    other = insert_offer(conn, "Voisine", lon + 0.01, lat, code_insee="87113")
    inside = insert_offer(conn, "Dans Limoges", lon + 0.01, lat, code_insee="87085")
    assert inside > other
    ids = [r["id"] for r in search(conn, code_commune="87085", limite=2)["resultats"]]
    assert ids == [inside, other]


def test_commune_far_from_every_offer_still_gets_n_results(conn):
    lon, lat = commune_point(conn, "87085")
    for i in range(25):
        insert_offer(conn, f"Limoges {i}", lon + i * 0.001, lat)
    body = search(conn, code_commune="93066", limite=20)  # Saint-Denis, ~350 km away
    assert len(body["resultats"]) == 20
    assert all(r["distance_km"] > 300 for r in body["resultats"])
    distances = [r["distance_km"] for r in body["resultats"]]
    assert distances == sorted(distances)


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


def explain(conn, sql: str, params: dict) -> str:
    return "\n".join(r[0] for r in fetch(conn, "EXPLAIN " + sql, params))


def explain_generic(conn, sql: str, params: dict, analyse: bool = False) -> str:
    """The plan of ``sql`` as the search connections run it (their settings): prepared,
    generic plan (the parameters unknown to the planner), executed with ``params``."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    for i, name in enumerate(names, start=1):
        sql = sql.replace(f"%({name})s", f"${i}")
    driver = conn.connection.driver_connection
    for name, value in SEARCH_SETTINGS.items():
        driver.execute(f"SET LOCAL {name} = {value}")
    driver.execute(psycopg_sql.SQL("PREPARE generic AS ") + psycopg_sql.SQL(sql.replace("%%", "%")))
    values = psycopg_sql.SQL(", ").join(psycopg_sql.Literal(params[n]) for n in names)
    options = "ANALYZE, BUFFERS" if analyse else "COSTS OFF"
    try:
        rows = driver.execute(
            psycopg_sql.SQL(f"EXPLAIN ({options}) EXECUTE generic(") + values + psycopg_sql.SQL(")")
        ).fetchall()
    finally:
        driver.execute("DEALLOCATE generic")
    return "\n".join(r[0] for r in rows)


# --------------------------------------------------------------------------- filters


def test_filters_on_lists(conn):
    lon, lat = commune_point(conn, "87085")
    ids = {
        "admin_free_fs": insert_offer(
            conn,
            "A",
            lon,
            lat,
            services=["demarches-administratives"],
            frais=["Gratuit"],
            programmes=["France Services"],
            publics=["Seniors"],
        ),
        "admin_paid": insert_offer(
            conn,
            "B",
            lon + 0.01,
            lat,
            services=["demarches-administratives"],
            frais=["Payant"],
            prise_en_charge=["Surdité"],
        ),
        "smartphone": insert_offer(
            conn,
            "C",
            lon + 0.02,
            lat,
            services=["outils-numeriques-quotidien"],
            frais=["Gratuit sous condition"],
            modalites_accompagnement=["Dans un atelier collectif"],
        ),
    }

    def found(**filters):
        body = search(conn, code_commune="87085", filters=Filters(**filters))
        return {r["id"] for r in body["resultats"]} & set(ids.values())

    assert found(services=("demarches-administratives",)) == {
        ids["admin_free_fs"],
        ids["admin_paid"],
    }
    assert found(services=("demarches-administratives",), gratuit=True) == {ids["admin_free_fs"]}
    assert found(gratuit=True) == {ids["admin_free_fs"]}  # "Gratuit sous condition" is not free
    assert found(programmes=("France Services",)) == {ids["admin_free_fs"]}
    assert found(publics=("Seniors",)) == {ids["admin_free_fs"]}
    assert found(prise_en_charge=("Surdité",)) == {ids["admin_paid"]}
    assert found(modalites_accompagnement=("Dans un atelier collectif",)) == {ids["smartphone"]}
    assert found(services=("loisirs-creations",)) == set()


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


def test_tag_conditions_narrow_and_exact_conditions_decide(conn):
    """A tag is a hash: the window's rows say whether the filter itself holds, and a row
    whose tags collide (forged here: tags of another service) counts in the window (its
    distance bounds the rest) but never in the answer."""
    sql = Filters(services=("b", "a"), gratuit=True, publics=("l'été",)).tags_literal_sql()
    assert "o.etiquettes && ARRAY[etiquette('services', 'a'),etiquette('services', 'b')]" in sql
    assert "o.etiquettes @> ARRAY[etiquette('frais', 'Gratuit')]" in sql
    assert "etiquette('publics', 'l''été')" in sql
    assert Filters().tags_literal_sql() == "TRUE"
    lon, lat = commune_point(conn, "87085")
    right = insert_offer(conn, "Juste", lon + 0.02, lat, services=["parentalite"])
    forged = insert_offer(conn, "Collision", lon, lat, services=["loisirs-creations"])
    conn.execute(text("ALTER TABLE offre DROP COLUMN etiquettes CASCADE"))
    conn.execute(text("ALTER TABLE offre ADD COLUMN etiquettes integer[]"))
    conn.execute(
        text("UPDATE offre SET etiquettes = offre_etiquettes(services, publics, "
             "prise_en_charge, frais, modalites_accompagnement, modalites_acces, programmes)")
    )  # fmt: skip
    conn.execute(
        text("UPDATE offre SET etiquettes = ARRAY[etiquette('services', 'parentalite')] "
             "WHERE id = :i"), {"i": forged}
    )  # fmt: skip
    parenting = Filters(services=("parentalite",))
    rows = fetch(conn, knn_sql(parenting, 40), {"origin": f"POINT({lon} {lat})"})
    assert [(r.id, r.conforme) for r in rows[:2]] == [(forged, False), (right, True)]
    body = search(conn, code_commune="87085", filters=parenting)
    assert [r["id"] for r in body["resultats"]] == [right]


def test_opening_filter_excludes_closed_and_unknown_and_tells_about_unknown_hours(conn):
    """200 nearby offers closed on Wednesdays (skipped in the index), an offer without hours
    nearer than the answer: the answer reaches the open ones further away and says how many
    offers it set aside for want of hours."""
    lon, lat = commune_point(conn, "87085")
    # 200 offers nearby, closed on Wednesdays: more than the first KNN window (40)
    for i in range(200):
        insert_offer(conn, f"Fermé {i}", lon + 0.0001 * i, lat, horaires="Mo,Tu 09:00-12:00")
    no_hours = insert_offer(conn, "Sans horaires", lon, lat + 0.0001)
    far_open = [
        insert_offer(conn, f"Ouvert {i}", lon + 0.5 + 0.01 * i, lat, horaires="We 09:00-12:00")
        for i in range(5)
    ]
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert [r["id"] for r in body["resultats"]] == far_open
    assert all(r["ouvert_a_l_heure_demandee"] for r in body["resultats"])
    assert no_hours not in {r["id"] for r in body["resultats"]}
    # the offer without hours, nearer than the answer, is told about; unreadable hours
    # ("any time" in the index) evaluated as unknown count too
    assert body["avertissements"][0].startswith("1 offre(s) proche(s)"), body
    assert "horaires inconnus" in body["avertissements"][0]
    insert_offer(conn, "Illisible", lon, lat + 0.0002, horaires="lundi matin")
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert [r["id"] for r in body["resultats"]] == far_open
    assert body["avertissements"][0].startswith("2 offre(s) proche(s)"), body
    for i in range(10):  # counted up to N: the note says "at least"
        insert_offer(conn, f"Sans horaires {i}", lon, lat + 0.001 + 0.0001 * i)
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert body["avertissements"][0].startswith("Au moins 5 offre(s) proche(s)"), body
    # a Monday morning: the closest closed-on-Wednesday offers are back
    monday = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 11, 30, 10, 0))
    )
    assert not set(far_open) & {r["id"] for r in monday["resultats"]}


def test_opening_filter_answers_nothing_open_and_sees_new_hours(conn):
    """Offers that cannot be open at the asked time are skipped in the index (their
    half-hour slots): nothing open anywhere is an empty answer at once, and a change of
    hours moves the offer's slots in the same transaction."""
    lon, lat = commune_point(conn, "87085")
    for i in range(100):
        insert_offer(conn, f"Fermé {i}", lon + 0.0001 * i, lat, horaires="Mo 09:00-12:00")
    wednesday = Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    assert search(conn, code_commune="87085", limite=3, filters=wednesday)["resultats"] == []
    late = insert_offer(conn, "Ouvert le mercredi", lon + 1.0, lat, horaires="Tu 08:00-09:00")
    conn.execute(text("UPDATE offre SET horaires = 'We 08:00-18:00' WHERE id = :i"), {"i": late})
    body = search(conn, code_commune="87085", limite=3, filters=wednesday)
    assert [r["id"] for r in body["resultats"]] == [late]
    # hours the database cannot read are evaluated exactly: open then, found
    odd = insert_offer(conn, "Horaires rares", lon + 2.0, lat, horaires="Dec We 10:00-11:00")
    body = search(conn, code_commune="87085", limite=3, filters=wednesday)
    assert [r["id"] for r in body["resultats"]] == [late, odd]


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


def test_antimeridian_and_far_origins_get_their_true_nearest(conn):
    """Planar degrees put an offer just across the antimeridian 359° away; the search must
    still prove (or fall back to the spherical walk) and find it first."""
    rng = random.Random(180)
    lon, lat = commune_point(conn, "87085")
    for i in range(150):  # plenty of offers nearer in planar terms, thousands of km away
        insert_offer(conn, f"Métropole {i}", lon + rng.uniform(-1, 1), lat + rng.uniform(-1, 1))
    across = insert_offer(conn, "Île voisine", 179.95, -14.3)
    behind = insert_offer(conn, "Même côté", -178.0, -14.3)
    body = search(conn, lat=-14.3, lon=-179.95, limite=5)
    ids = [r["id"] for r in body["resultats"]]
    assert ids[:2] == [across, behind]
    expected_km = geodesic_m(-179.95, -14.3, 179.95, -14.3) / 1000
    assert abs(body["resultats"][0]["distance_km"] - expected_km) < 0.01
    distances = [r["distance_km"] for r in body["resultats"]]
    assert distances == sorted(distances)


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
    rare = Filters(publics=("Seniors",))
    seniors = [insert_offer(conn, f"S{i}", 2.0 + i, 45.0, publics=["Seniors"]) for i in range(3)]
    rows = fetch(conn, search_sql.sphere_sql(rare, 40), {"origin3d": origin.wkt3d})
    assert sorted(r.id for r in rows) == sorted(seniors) and rows[0].borne is None


def test_origin_rows_say_whether_an_offer_lies_beyond_the_latitude_cap(conn):
    """The tighter planar bound assumes no active offer beyond 52°: checked by the first
    statement itself, north and south."""
    sql = candidates_sql(Filters(), "commune", 40, 5000, 100, 52.0, 30)

    def beyond() -> list[bool]:
        return [r.beyond for r in fetch(conn, sql, {"code_commune": "87085"}) if r.kind == "o"]

    assert beyond() == [False]
    for lat in (60.0, -60.0):
        far = insert_offer(conn, "Très loin", 10.0, lat)
        assert beyond() == [True]
        conn.execute(text("UPDATE offre SET statut = 'fermee' WHERE id = :id"), {"id": far})
        assert beyond() == [False]  # only active offers count


def test_filter_values_are_quoted_in_the_prepared_statement(conn):
    """Filter values are written into the search statement (for the planner's estimates):
    quotes and percent signs must stay data."""
    lon, lat = commune_point(conn, "87085")
    odd = insert_offer(conn, "Public bizarre", lon, lat, publics=["l'équipe à 100%"])
    insert_offer(conn, "Autre public", lon, lat, publics=["Seniors"])
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(publics=("l'équipe à 100%",))
    )
    assert [r["id"] for r in body["resultats"]] == [odd]
    injected = Filters(publics=("x']::text[] OR true OR o.publics && ARRAY['y",))
    assert search(conn, code_commune="87085", limite=5, filters=injected)["resultats"] == []


# --------------------------------------------------------------------------- itinerance / remote


def test_permanence_in_origin_commune_brings_its_offer_with_next_dates(conn):
    lon, lat = commune_point(conn, "87085")
    bus = insert_offer(conn, "Bus numérique", lon, lat, itinerance=["Itinérant"])
    merged = insert_offer(conn, "Bus (doublon)", lon, lat)
    conn.execute(
        text("UPDATE offre SET statut = 'fusionnee', fusionnee_dans = :s WHERE id = :m"),
        {"s": bus, "m": merged},
    )
    for i in range(30):  # fixed offers nearer to the origin than Limoges
        insert_offer(conn, f"Fixe {i}", 1.02 + i * 0.001, 46.2)
    insert_permanence(conn, merged, "87011", "Fr[2] 09:30-12:00")  # Bellac, ~40 km north
    body = search(conn, code_commune="87011", limite=10)
    first = body["resultats"][0]
    assert first["id"] == bus and first["distance_depuis"] == "permanence"
    assert first["distance_km"] == 0 and first["dans_commune_origine"]
    passage = first["prochains_passages"][0]
    assert passage["debut"] == "2026-12-11T09:30" and passage["commune"] == "Bellac"
    assert passage["libelle"] == "vendredi 11 décembre, 9 h 30–12 h"
    assert first["prochains_passages"][1]["debut"] == "2027-01-08T09:30"
    assert merged not in {r["id"] for r in body["resultats"]}


def test_passages_of_the_nearest_stop_come_first(conn):
    """The stop the distance is measured to gives the first passages, even when another
    stop nearby has an earlier one; each stop's passages by date."""
    near = conn.execute(
        text("SELECT b.code FROM commune a JOIN commune b ON b.code <> a.code "
             "AND ST_DWithin(a.point::geography, b.point::geography, 5000) "
             "WHERE a.code = '87011' ORDER BY b.code LIMIT 1")
    ).scalar_one()  # fmt: skip
    bus = insert_offer(conn, "Bus numérique", 1.5, 45.5, itinerance=["Itinérant"])
    later_here = insert_permanence(conn, bus, "87011", "Fr[2] 09:30-12:00")  # 11 December
    sooner_there = insert_permanence(conn, bus, near, "Mo 09:00-12:00", lieu="Salle")  # 7 Dec.
    body = search(conn, code_commune="87011", limite=3)
    first = next(r for r in body["resultats"] if r["id"] == bus)
    assert first["distance_km"] == 0 and first["distance_depuis"] == "permanence"
    passages = first["prochains_passages"]
    assert [p["permanence_id"] for p in passages[:2]] == [later_here, later_here]
    assert passages[0]["debut"] == "2026-12-11T09:30" and passages[0]["distance_km"] == 0
    there = [p for p in passages if p["permanence_id"] == sooner_there]
    assert there and passages.index(there[0]) > 0
    assert there[0]["debut"] == "2026-12-07T09:00" and 0 < there[0]["distance_km"] <= 5
    assert [p["debut"] for p in there] == sorted(p["debut"] for p in there)


def test_remote_offers_are_apart_and_never_carry_a_distance(conn):
    lon, lat = commune_point(conn, "87085")
    nowhere = insert_offer(
        conn, "Hotline", None, None, code_insee="87085", modalites_accompagnement=["À distance"]
    )
    remote_only = insert_offer(conn, "Visio", lon, lat, modalites_accompagnement=["À distance"])
    hybrid = insert_offer(
        conn,
        "Mixte",
        lon,
        lat,
        modalites_accompagnement=["À distance", "Accompagnement individuel"],
    )
    body = search(conn, code_commune="87085", limite=5)
    remote_ids = [r["id"] for r in body["a_distance"]]
    assert nowhere in remote_ids and remote_only in remote_ids and hybrid not in remote_ids
    assert hybrid in {r["id"] for r in body["resultats"]}
    assert not {nowhere, remote_only} & {r["id"] for r in body["resultats"]}
    assert all("distance_km" not in r and "duree_estimee_min" not in r for r in body["a_distance"])


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


def test_freshness_statuses(conn):
    lon, lat = commune_point(conn, "87085")
    today = NOW.date()
    fresh = insert_offer(conn, "Frais", lon, lat, date_maj=today - timedelta(days=30))
    stale = insert_offer(conn, "À vérifier", lon, lat, date_maj=today - timedelta(days=250))
    old = insert_offer(conn, "Ancien", lon, lat, date_maj=date(2024, 1, 1))
    confirmed = insert_offer(
        conn, "Confirmé", lon, lat, date_maj=date(2024, 1, 1), confirmed_at=NOW - timedelta(days=10)
    )
    body = search(conn, code_commune="87085", limite=10)
    status = {r["id"]: r["fraicheur"]["statut"] for r in body["resultats"]}
    assert status[fresh] == "a_jour" and status[stale] == "a_verifier"
    assert status[old] == "obsolete" and status[confirmed] == "a_jour"


# --------------------------------------------------------------------------- HTTP API


@pytest.fixture()
def api_offers(engine):
    """Committed offers (the test client uses its own connection), deleted at teardown."""
    created: list[int] = []
    with engine.begin() as c:
        lon, lat = commune_point(c, "87085")
        created.append(
            insert_offer(
                c,
                "MFS Limoges",
                lon,
                lat,
                code_insee="87085",
                services=["demarches-administratives"],
                frais=["Gratuit"],
                programmes=["France Services"],
                horaires="Mo-Fr 09:00-12:00",
                date_maj=date(2026, 10, 1),
            )
        )
        created.append(
            insert_offer(
                c,
                "Médiathèque",
                lon + 0.05,
                lat + 0.02,
                services=["outils-numeriques-quotidien"],
                publics=["Familles et/ou enfants"],
                frais=["Gratuit"],
            )
        )
        created.append(insert_offer(c, "Ancienne fiche", lon, lat))
        c.execute(
            text("UPDATE offre SET statut = 'fusionnee', fusionnee_dans = :s WHERE id = :m"),
            {"s": created[0], "m": created[2]},
        )
        created.append(insert_offer(c, "Nice", 7.26, 43.70))  # outside the 87 bbox
        run = c.execute(text("INSERT INTO import_run (source) VALUES ('test') RETURNING id"))
        run_id = run.scalar_one()
        for source, offer in (("france-services", created[0]), ("cartographie", created[2])):
            c.execute(
                text(
                    "INSERT INTO enregistrement_source (source, source_id, offre_id, "
                    "brut, donnees, empreinte, premier_run_id) VALUES "
                    "(:s, :sid, :o, '{}', '{}', 'x', :r)"
                ),
                {"s": source, "sid": f"{source}-1", "o": offer, "r": run_id},
            )

    yield created
    with engine.begin() as c:
        c.execute(
            text("DELETE FROM enregistrement_source WHERE offre_id = ANY(:ids)"), {"ids": created}
        )
        c.execute(text("DELETE FROM import_run WHERE id = :r"), {"r": run_id})
        c.execute(
            text("UPDATE offre SET fusionnee_dans = NULL WHERE id = ANY(:ids)"), {"ids": created}
        )
        c.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": created})


def test_api_search_with_slugs(client, api_offers):
    r = client.get(
        "/api/v1/recherche?code_postal=87000&services=demarches-administratives"
        "&frais=gratuit&programme=france-services&ouvert=2026-12-02T10:00"
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [x["id"] for x in body["resultats"]] == [api_offers[0]]
    assert body["origine"]["communes"][0]["code"] == "87085"
    assert body["resultats"][0]["distance_km"] == 0
    families = client.get("/api/v1/recherche?code_commune=87085&publics=familles").get_json()
    assert [x["id"] for x in families["resultats"]] == [api_offers[1]]
    by_point = client.get("/api/v1/recherche?lat=45.85&lon=1.25&limite=2").get_json()
    assert by_point["origine"]["mode"] == "point" and len(by_point["resultats"]) == 2


def test_api_offer_detail_with_provenance_and_merge(client, api_offers):
    survivor, merged = api_offers[0], api_offers[2]
    body = client.get(f"/api/v1/offres/{merged}").get_json()
    assert body["id"] == survivor and body["fusion"]["id_demande"] == merged
    assert body["provenance"]["sources"] == ["cartographie", "france-services"]
    assert body["provenance"]["offres_fusionnees"] == [merged]
    direct = client.get(f"/api/v1/offres/{survivor}").get_json()
    assert "fusion" not in direct and direct["nom"] == "MFS Limoges"
    missing = client.get("/api/v1/offres/999999999")
    assert missing.status_code == 404 and missing.get_json()["parametre"] == "id"


def test_api_geojson_bbox(client, api_offers):
    r = client.get("/api/v1/offres.geojson?bbox=0.5,45.3,2.0,46.5")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    ids = {f["properties"]["id"] for f in body["features"]}
    assert {api_offers[0], api_offers[1]} <= ids
    assert api_offers[2] not in ids and api_offers[3] not in ids  # merged; outside
    assert all(f["properties"]["nom"] for f in body["features"])
    wide = client.get("/api/v1/offres.geojson?bbox=0,44,3,47&services=outils-numeriques-quotidien")
    assert [f["id"] for f in wide.get_json()["features"]] == [api_offers[1]]
    one = client.get("/api/v1/offres.geojson?bbox=0,44,3,47&limite=1").get_json()
    assert one["nombre"] == 1 and one["tronque"] is True


@pytest.mark.parametrize(
    ("query", "parametre"),
    [
        ("recherche?code_postal=874", "code_postal"),
        ("recherche?code_postal=87A00", "code_postal"),
        ("recherche", "code_postal"),
        ("recherche?code_commune=8", "code_commune"),
        ("recherche?code_postal=87400&code_commune=87085", "code_commune"),
        ("recherche?code_postal=87400&services=cuisine", "services"),
        ("recherche?code_postal=87400&publics=retraites", "publics"),
        ("recherche?code_postal=87400&prise_en_charge=x", "prise_en_charge"),
        ("recherche?code_postal=87400&frais=payant", "frais"),
        ("recherche?code_postal=87400&modalites=visio", "modalites"),
        ("recherche?code_postal=87400&programme=inconnu", "programme"),
        ("recherche?code_postal=87400&ouvert=bientot", "ouvert"),
        ("recherche?code_postal=87400&ouvert=mercredi-nuit", "ouvert"),
        ("recherche?code_postal=87400&limite=101", "limite"),
        ("recherche?code_postal=87400&limite=0", "limite"),
        ("recherche?code_postal=87400&limite=dix", "limite"),
        ("recherche?lat=91&lon=1", "lat"),
        ("recherche?lat=45&lon=-181", "lon"),
        ("recherche?lat=45", "lon"),
        ("recherche?lat=abc&lon=1", "lat"),
        ("recherche?code_postal=87400&service=x", "service"),
        ("offres.geojson", "bbox"),
        ("offres.geojson?bbox=1,2,3", "bbox"),
        ("offres.geojson?bbox=2,45,1,46", "bbox"),
        ("offres.geojson?bbox=-5,41,9,51", "bbox"),
        ("offres.geojson?bbox=0,44,3,47&limite=20001", "limite"),
        ("offres.geojson?bbox=0,44,3,47&services=x", "services"),
        ("offres/abc", "id"),
    ],
)
def test_api_400_names_the_bad_parameter(client, query, parametre):
    r = client.get(f"/api/v1/{query}")
    assert r.status_code == 400, (query, r.get_json())
    body = r.get_json()
    assert body["parametre"] == parametre
    assert len(body["erreur"]) > 10


def test_unknown_postcode_is_404(client):
    r = client.get("/api/v1/recherche?code_postal=00000")
    assert r.status_code == 404 and r.get_json()["parametre"] == "code_postal"


def test_openapi_documents_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json":
            path = rule.rule.removeprefix("/api/v1").replace("<offre_id>", "{id}")
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", path)
            assert path in documented, path
    names = {p["name"] for p in doc["paths"]["/recherche"]["get"]["parameters"]}
    from mapdir.offers.parameters import SEARCH_PARAMS

    assert names == SEARCH_PARAMS
