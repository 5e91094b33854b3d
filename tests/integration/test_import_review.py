"""Issue 18, animators 5: the spreadsheet import converts French hours (or keeps them as
text), names the column of each error, imports only after a successful check of the same
file and columns, never creates an offer twice (same scorer as the pipeline's dedup) and
links to what it created, which is fresh."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text

from mapdir.offers.dedup_score import SEUIL_FUSION, SEUIL_VERIFICATION
from tests.integration.test_auth import csrf, drop_users, login, make_user

SAINT_JUNIEN = "87154"
PREFIX = "TEST-IMPORT18"
HEADER = "Nom;Adresse;Code INSEE;CP;Téléphone;Horaires;lat;lon\n"
SHEET = HEADER + (
    f"{PREFIX} Médiathèque;12 rue Louis Codet;87154;87200;05 55 02 17 17;mercredi 9h-12h;;\n"
    f"{PREFIX} Espace emploi;3 place Lénine;87154;87200;;sur rendez-vous le jeudi;;\n"
    f"{PREFIX} Mauvais CP;;87154;8720;;;;\n"
    f"{PREFIX} Mauvaise position;;87154;87200;;;quarante;1.0\n"
    f"{PREFIX} Maison des services;5 rue de la Paix;87154;87200;05 55 43 00 00;;;\n"
    f"{PREFIX} Maison des services;5 rue de la Paix;87154;87200;05 55 43 00 00;;;\n"
)


def _offer_in_saint_junien(engine, nom: str, adresse: str, telephone: str) -> int:
    """An active offer of Saint-Junien placed at the commune's point."""
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO offre (nom, adresse, code_postal, code_insee, commune_nom,"
                " telephones, point, geo_precision, statut) SELECT :n, :a, '87200', code, nom,"
                " ARRAY[:t], point, 'commune', 'active' FROM commune WHERE code = :c"
                " RETURNING id"
            ),
            {"n": nom, "a": adresse, "t": telephone, "c": SAINT_JUNIEN},
        ).scalar_one()


@pytest.fixture(scope="module")
def importer(engine, app):
    app.config["EDITING_GEOCODER"] = None
    existing = _offer_in_saint_junien(
        engine, "Médiathèque municipale", "12 rue Louis Codet", "05 55 02 17 17"
    )
    user = make_user(engine, "animateur", departement="87")
    yield existing, user
    with engine.begin() as conn:
        ids = [existing] + list(
            conn.execute(text("SELECT id FROM offre WHERE nom LIKE :p"), {"p": PREFIX + "%"})
            .scalars()
            .all()
        )
        conn.execute(
            text("DELETE FROM doublon WHERE offre_a = ANY(:i) OR offre_b = ANY(:i)"), {"i": ids}
        )
        conn.execute(text("DELETE FROM modification WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(text("UPDATE offre SET fusionnee_dans = NULL WHERE id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": ids})
    drop_users(engine, [user])


def _client(app, user):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.0.1"
    assert login(client, user.email).status_code == 302
    return client


def _upload(client, sheet: str) -> tuple[str, dict]:
    page = client.post(
        "/edition/import",
        data={
            "csrf_token": csrf(client, "/edition/import"),
            "fichier": (io.BytesIO(sheet.encode()), "partenaires.csv"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", page).group(1)
    mapping = dict(
        re.findall(r'name="(colonne_\w+)">(?:(?!</select>).)*?value="(\d+)" selected', page, re.S)
    )
    assert {"colonne_nom", "colonne_horaires", "colonne_latitude"} <= set(mapping)
    assert 'id="importer"' not in page  # no « Importer » before a check
    return token, mapping | {"csrf_token": csrf(client, "/edition/import")}


def _created(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT nom, horaires, horaires_texte, confirmed_at IS NOT NULL AS fresh, id"
                " FROM offre WHERE nom LIKE :p ORDER BY id"
            ),
            {"p": PREFIX + "%"},
        ).all()
    return {r.nom.removeprefix(PREFIX + " "): tuple(r) for r in rows}


def test_import_checks_first_names_columns_keeps_hours_and_never_creates_twice(
    app, engine, importer
):
    existing, user = importer
    client = _client(app, user)
    token, form = _upload(client, SHEET)

    refused = client.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert refused.status_code == 400 and "Vérifiez d&#39;abord" in refused.get_data(True)
    assert _created(engine) == {}

    report = client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    page = report.get_data(as_text=True)
    assert 'id="importer"' in page
    assert "Ligne 4 (TEST-IMPORT18 Mauvais CP) : Colonne « CP » : Le code postal" in page
    assert "Colonnes « lat » et « lon » : Latitude et longitude doivent" in page
    assert "« mercredi 9h-12h » lu comme « We 09:00-12:00 »" in page
    assert "« sur rendez-vous le jeudi » gardé en texte libre" in page
    # the first row is the médiathèque already in the directory: shown with it, not created
    twin = re.search(r'id="doublon-ligne-2">(.*?)</li>', page, re.S).group(1)
    assert f"/edition/offres/{existing}" in twin and "score" in twin
    # the repeated row (lines 6 and 7) is created once
    assert re.search(r'id="doublon-ligne-7">', page)
    assert "2 ligne(s) valide(s), 2 ligne(s) en erreur, 2 doublon(s) non créé(s)" in page
    assert _created(engine) == {}  # a check writes nothing

    other = dict(form, colonne_telephones="")  # other columns: check again first
    again = client.post(f"/edition/import/{token}", data=other | {"action": "importer"})
    assert again.status_code == 400 and _created(engine) == {}

    done = client.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    page = done.get_data(as_text=True)
    created = _created(engine)
    assert set(created) == {"Espace emploi", "Maison des services"}
    for _nom, _hours, _text, fresh, offer_id in created.values():
        assert f'href="/edition/offres/{offer_id}"' in page  # links to what was created
        assert fresh  # just imported: confirmed by the person who imported it
    assert created["Espace emploi"][1:3] == (None, "sur rendez-vous le jeudi")

    # the same file again: nothing is created twice
    token, form = _upload(client, SHEET)
    page = client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    page = page.get_data(as_text=True)
    assert "0 ligne(s) valide(s)" in page and 'id="importer"' not in page
    for line in (2, 3, 6, 7):
        assert f'id="doublon-ligne-{line}"' in page
    assert set(_created(engine)) == {"Espace emploi", "Maison des services"}


def test_hours_read_by_the_converter_are_stored_as_osm(app, engine, importer):
    _existing, user = importer
    client = _client(app, user)
    sheet = HEADER + f"{PREFIX} Atelier;1 avenue Gay-Lussac;87154;87200;;mercredi 9h-12h;;\n"
    token, form = _upload(client, sheet)
    client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    client.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert _created(engine)["Atelier"][1:3] == ("We 09:00-12:00", None)


def test_rows_outside_the_territory_are_refused_before_any_lookup(app, engine, importer):
    _existing, user = importer
    with engine.begin() as conn:
        elsewhere = conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, commune_nom, point) SELECT :n, code, nom,"
                " point FROM commune WHERE code = '93066' RETURNING id"
            ),
            {"n": f"{PREFIX} Ailleurs"},
        ).scalar_one()
    client = _client(app, user)
    sheet = HEADER + f"{PREFIX} Ailleurs;;93066;93200;;;;\n"
    token, form = _upload(client, sheet)
    page = client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    page = page.get_data(as_text=True)
    assert "Colonne « Code INSEE » : Cette commune est hors de votre territoire." in page
    assert f"/edition/offres/{elsewhere}" not in page  # another territory's offer is not told


def _dashboard_count(client) -> int:
    page = client.get("/edition/").get_data(as_text=True)
    return int(re.search(r'id="compte-doublons">(\d+)<', page).group(1))


def test_a_row_that_may_repeat_an_offer_waits_in_the_duplicates_queue(app, engine, importer):
    """Issue 17/18: the import's « doublons possibles » are the pipeline's pairs between the
    thresholds: created, then decided by an animator in /edition/doublons (confirm, undo)."""
    _existing, user = importer
    resembled = _offer_in_saint_junien(
        engine, f"{PREFIX} Point numérique", "8 rue Louis Codet", "05 55 00 00 01"
    )
    client = _client(app, user)
    before = _dashboard_count(client)
    sheet = HEADER + f"{PREFIX} Point numérique;10 rue Louis Codet;87154;87200;05 55 00 00 02;;;\n"
    token, form = _upload(client, sheet)
    checked = client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    assert 'id="doublon-possible-ligne-2"' in checked.get_data(as_text=True)
    assert _dashboard_count(client) == before  # a check writes nothing, the queue included

    done = client.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    page = done.get_data(as_text=True)
    line = re.search(r'id="doublon-possible-ligne-2">(.*?)</li>', page, re.S).group(1)
    assert f"/edition/offres/{resembled}" in line and "score" in line
    assert 'id="doublons-en-file"' in page and 'href="/edition/doublons"' in page
    created = _created(engine)["Point numérique"][-1]
    with engine.connect() as conn:
        pair = conn.execute(
            text(
                "SELECT id, decision, score, explication FROM doublon"
                " WHERE offre_a = :a AND offre_b = :b"
            ),
            {"a": min(created, resembled), "b": max(created, resembled)},
        ).one()
    assert pair.decision == "a_verifier" and SEUIL_VERIFICATION <= pair.score < SEUIL_FUSION
    assert pair.explication  # the scorer's French reasons, shown in the queue
    assert _dashboard_count(client) == before + 1

    queue = client.get("/edition/doublons").get_data(as_text=True)
    assert f'id="paire-{pair.id}"' in queue
    token = csrf(client, "/edition/doublons")
    confirmed = client.post(
        f"/edition/doublons/{pair.id}", data={"action": "confirmer", "csrf_token": token}
    )
    assert confirmed.status_code == 303
    with engine.connect() as conn:
        statuts = dict(
            conn.execute(
                text("SELECT id, statut FROM offre WHERE id IN (:a, :b)"),
                {"a": created, "b": resembled},
            ).all()
        )
    assert sorted(statuts.values()) == ["active", "fusionnee"]
    assert _dashboard_count(client) == before

    undone = client.post(
        f"/edition/doublons/{pair.id}", data={"action": "annuler", "csrf_token": token}
    )
    assert undone.status_code == 303
    with engine.connect() as conn:
        statuts = conn.execute(
            text("SELECT statut FROM offre WHERE id IN (:a, :b)"), {"a": created, "b": resembled}
        ).scalars()
        assert set(statuts) == {"active"}
    assert _dashboard_count(client) == before + 1  # back in the queue

    # the same file again: the created row is that offer now, nothing twice, queue unchanged
    token, form = _upload(client, sheet)
    again = client.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    assert 'id="doublon-ligne-2"' in again.get_data(as_text=True)
    assert _dashboard_count(client) == before + 1
