"""Edits survive re-imports: France Services 2022-12, edits, then 2024-08, in a database of
its own. An edited field keeps the person's value; when the source changed it too, a
conflict lists both values and the animator picks one; untouched fields follow the source."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.hours import fs_days_to_osm
from etl.load import run_source
from etl.sources.france_services import DAY_COLUMNS
from mapdir import create_app, migrate
from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.editing import accounts, services
from mapdir.editing.fields import FIELDS
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.france_import import import_france
from tests.integration.test_auth import PASSWORD, csrf, login

PERSON_HOURS = "Mo-Fr 08:30-18:30"


def _quiet(_m):
    pass


def _fs_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id_fs"]: row for row in csv.DictReader(handle)}


def _osm(row: dict[str, str]) -> str | None:
    return fs_days_to_osm({c: row.get(c) for c in DAY_COLUMNS})


def _pick(old: dict, new: dict) -> dict[str, str]:
    """Offers of 87 first: A, D and C have hours that changed between the files, B not."""
    common = sorted(set(old) & set(new), key=lambda k: (old[k]["insee_dep"] != "87", int(k)))
    changed = [
        k
        for k in common
        if _osm(old[k])
        and _osm(new[k])
        and _osm(old[k]) != _osm(new[k])
        and PERSON_HOURS not in (_osm(old[k]), _osm(new[k]))
    ]
    same = [
        k
        for k in common
        if _osm(old[k]) and _osm(old[k]) == _osm(new[k]) and _osm(old[k]) != PERSON_HOURS
    ]
    return {"A": changed[0], "D": changed[1], "C": changed[2], "B": same[0]}


@pytest.fixture(scope="module")
def reimported(cluster, db_url, shared_data):
    name = f"mapdir_test_reimport_{os.getpid()}"
    cluster.drop_database(name)
    cluster.ensure_database(name)
    url = cluster.url(name)
    migrate.upgrade(url)
    eng = get_engine(url=url)
    import_france(eng, LocalGeoFiles(shared_data), progress=_quiet)
    offers = shared_data / "offers"
    old_path = offers / "france-services-2022-12-01.csv"
    new_path = offers / "france-services-2024-08-01.csv"
    old, new = _fs_rows(old_path), _fs_rows(new_path)
    picked = _pick(old, new)
    print("picked id_fs:", picked)
    run_source(eng, "france-services", old_path)
    with eng.connect() as conn:
        ids = {
            key: conn.execute(
                text(
                    "SELECT offre_id FROM enregistrement_source WHERE source = 'france-services'"
                    " AND source_id = :s"
                ),
                {"s": id_fs},
            ).scalar_one()
            for key, id_fs in picked.items()
        }
    app = create_app(Settings.from_env({"DATABASE_URL": url, "MAPDIR_SECURE_COOKIES": "0"}))
    app.config.update(TESTING=True, EDITING_GEOCODER=None)
    with eng.begin() as conn:
        admin = accounts.create_user(conn, "admin@reimport.test", "admin", PASSWORD)
    # A: through the web form (every field posted, as a browser does)
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    with eng.connect() as conn:
        form = _full_form(conn, ids["A"])
    form |= {"horaires": PERSON_HOURS, "csrf_token": csrf(client, f"/edition/offres/{ids['A']}")}
    assert client.post(f"/edition/offres/{ids['A']}/modifier", data=form).status_code == 302
    with eng.begin() as conn:
        for key in ("B", "D"):
            services.edit_offer(conn, admin, ids[key], {"horaires": PERSON_HOURS})
        services.edit_offer(conn, admin, ids["C"], {"telephones": ["05 55 00 00 00"]})
        before = {k: services.current_values(conn, i) for k, i in ids.items()}
    summary = run_source(eng, "france-services", new_path)
    print(summary.line())
    yield {
        "eng": eng,
        "ids": ids,
        "old": old,
        "new": new,
        "picked": picked,
        "admin": admin,
        "client": client,
        "before": before,
        "summary": summary,
        "new_path": new_path,
    }
    eng.dispose()
    from mapdir.db.engines import _engine_for

    _engine_for.cache_clear()
    cluster.drop_database(name)


def _full_form(conn, offer_id: int) -> dict:
    values = services.current_values(conn, offer_id)
    form: dict = {}
    for name, field in FIELDS.items():
        value = values[name]
        if field.kind == "point":
            form |= {"latitude": str(value["lat"]), "longitude": str(value["lon"])}
        elif field.kind == "choices":
            form[name] = value
        elif field.kind == "lines":
            form[name] = "\n".join(value)
        elif field.kind == "bool":
            form[name] = {True: "oui", False: "non"}.get(value, "")
        else:
            form[name] = value or ""
    return form


def _offer(eng, offer_id):
    with eng.connect() as conn:
        return conn.execute(
            text("SELECT horaires, telephones, champs_source FROM offre WHERE id = :i"),
            {"i": offer_id},
        ).one()


def _override(eng, offer_id, field="horaires"):
    with eng.connect() as conn:
        return conn.execute(
            text("SELECT * FROM surcharge WHERE offre_id = :o AND champ = :c"),
            {"o": offer_id, "c": field},
        ).first()


def test_only_the_edited_field_became_an_override(reimported):
    eng, ids = reimported["eng"], reimported["ids"]
    with eng.connect() as conn:
        fields = (
            conn.execute(text("SELECT champ FROM surcharge WHERE offre_id = :o"), {"o": ids["A"]})
            .scalars()
            .all()
        )
    assert fields == ["horaires"]  # the full form posted: nothing else counts as an edit
    assert reimported["summary"].counts["mis_a_jour"] > 100


def test_edit_kept_and_conflict_raised_when_source_changed(reimported):
    eng, ids, picked = reimported["eng"], reimported["ids"], reimported["picked"]
    old_osm = _osm(reimported["old"][picked["A"]])
    new_osm = _osm(reimported["new"][picked["A"]])
    print(f"A (id_fs {picked['A']}): 2022 {old_osm!r} → 2024 {new_osm!r}; kept {PERSON_HOURS!r}")
    offer = _offer(eng, ids["A"])
    assert offer.horaires == PERSON_HOURS
    assert offer.champs_source["horaires"] == "saisie"
    override = _override(eng, ids["A"])
    assert override.en_conflit and override.actif
    assert override.valeur == PERSON_HOURS
    assert override.valeur_source == old_osm and override.source_actuelle == new_osm


def test_edit_kept_without_conflict_when_source_unchanged(reimported):
    eng, ids = reimported["eng"], reimported["ids"]
    assert _offer(eng, ids["B"]).horaires == PERSON_HOURS
    override = _override(eng, ids["B"])
    assert override.actif and not override.en_conflit


def test_untouched_fields_follow_the_source(reimported):
    eng, ids, picked = reimported["eng"], reimported["ids"], reimported["picked"]
    offer = _offer(eng, ids["C"])
    assert offer.horaires == _osm(reimported["new"][picked["C"]])  # never edited: new hours
    assert offer.horaires != reimported["before"]["C"]["horaires"]
    assert offer.telephones == ["05 55 00 00 00"]  # edited: kept
    assert offer.champs_source["horaires"] == "france-services"


def test_conflicts_page_and_choices(reimported):
    eng, ids, client = reimported["eng"], reimported["ids"], reimported["client"]
    page = client.get("/edition/conflits").get_data(as_text=True)
    new_a = _osm(reimported["new"][reimported["picked"]["A"]])
    assert PERSON_HOURS in page and new_a in page
    token = csrf(client, "/edition/conflits")
    # A: take the source's value → the field follows the source again
    response = client.post(
        f"/edition/conflits/{ids['A']}/horaires", data={"choix": "source", "csrf_token": token}
    )
    assert response.status_code == 302
    assert _offer(eng, ids["A"]).horaires == new_a
    assert not _override(eng, ids["A"]).actif
    # D: keep the person's value → no longer a conflict, still an override
    client.post(
        f"/edition/conflits/{ids['D']}/horaires", data={"choix": "saisie", "csrf_token": token}
    )
    override = _override(eng, ids["D"])
    assert override.actif and not override.en_conflit
    with eng.connect() as conn:  # the source's value is forgotten: SQL NULL, not JSON null
        forgotten = text(
            "SELECT source_actuelle IS NULL FROM surcharge WHERE offre_id = :o AND champ = :c"
        )
        assert conn.execute(forgotten, {"o": ids["D"], "c": "horaires"}).scalar_one()
    assert override.valeur_source == _osm(reimported["new"][reimported["picked"]["D"]])
    assert _offer(eng, ids["D"]).horaires == PERSON_HOURS
    with eng.connect() as conn:
        actions = (
            conn.execute(
                text(
                    "SELECT action FROM modification WHERE offre_id = ANY(:i)"
                    " AND action = 'conflit'"
                ),
                {"i": [ids["A"], ids["D"]]},
            )
            .scalars()
            .all()
        )
    assert len(actions) == 2
    page = client.get("/edition/conflits").get_data(as_text=True)
    assert f"/edition/conflits/{ids['A']}/" not in page
    assert f"/edition/conflits/{ids['D']}/" not in page


def test_reimporting_the_same_file_keeps_everything(reimported):
    eng, ids = reimported["eng"], reimported["ids"]
    summary = run_source(eng, "france-services", reimported["new_path"])
    assert summary.counts["mis_a_jour"] == 0
    assert _offer(eng, ids["B"]).horaires == PERSON_HOURS
    assert _offer(eng, ids["D"]).horaires == PERSON_HOURS
    assert _offer(eng, ids["C"]).telephones == ["05 55 00 00 00"]
