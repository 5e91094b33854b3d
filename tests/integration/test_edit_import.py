"""Spreadsheet import from the back-office: column mapping, row errors, creation, xlsx,
roles, 3 bad rows of 20."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text

from tests.editing_world import LIMOGES, client_as, make_world
from tests.integration.test_auth import csrf


@pytest.fixture(scope="module")
def world(engine, app):
    yield from make_world(engine, app)


SHEET = (
    "Nom;Adresse;Code postal;Commune;Téléphone;Horaires;Publics\n"
    "TEST-EDIT import A;1 rue X;87000;Limoges;05 55 11 11 11;Mo 09:00-12:00;Seniors | jeunes\n"
    ";2 rue Y;87000;Limoges;;;\n"
    "TEST-EDIT import C;;87000;Limoges;;lundi matin;\n"
    "TEST-EDIT import D;;93200;Saint-Denis;;;\n"
    "TEST-EDIT import E;;;;;;Inventé\n"
)


def _upload(client, name: str, content: bytes):
    token = csrf(client, "/edition/import")
    return client.post(
        "/edition/import",
        data={"csrf_token": token, "fichier": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_spreadsheet_import_mapping_row_errors_and_creation(engine, app, world):
    animator = client_as(app, world, "animateur87")
    page = _upload(animator, "lieux.csv", SHEET.encode("cp1252"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", html).group(1)
    mapping = dict(
        re.findall(r'name="(colonne_\w+)">(?:(?!</select>).)*?value="(\d+)" selected', html, re.S)
    )
    assert mapping["colonne_nom"] == "0" and mapping["colonne_publics"] == "6"
    form = mapping | {"csrf_token": csrf(animator, "/edition/import")}
    checked = animator.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    text_ = checked.get_data(as_text=True)
    print(re.findall(r"<li>Ligne.*?</li>", text_, re.S))
    # "lundi matin" is not rejected: kept as the text shown to the public (issue 18)
    assert "2 ligne(s) valide(s)" in text_ and "3 ligne(s) en erreur" in text_
    assert "Ligne 3 : Colonne « Nom » : Le nom est obligatoire." in text_
    assert "Ligne 4 : Colonne « Horaires » : « lundi matin » gardé en texte libre" in text_
    assert "Colonnes « Code postal » et « Commune » : Cette commune est hors de votre" in text_
    assert "Colonne « Publics » : Valeur hors du vocabulaire national" in text_
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM offre WHERE nom LIKE 'TEST-EDIT import%'")
            ).scalar_one()
            == 0
        )  # a check writes nothing
    outsider = client_as(app, world, "animateur93")
    assert (
        outsider.post(
            f"/edition/import/{token}",
            data=form | {"action": "importer", "csrf_token": csrf(outsider, "/connexion")},
        ).status_code
        == 404  # another account's staged import is not found (nor is its existence told)
    )
    done = animator.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "2 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.id, o.code_insee, o.publics, o.telephones, o.horaires,"
                " (SELECT action FROM modification m WHERE m.offre_id = o.id) AS action"
                " FROM offre o WHERE nom = 'TEST-EDIT import A'"
            )
        ).one()
        kept = conn.execute(
            text("SELECT horaires, horaires_texte FROM offre WHERE nom = 'TEST-EDIT import C'")
        ).one()
    assert tuple(kept) == (None, "lundi matin")
    assert row.code_insee == LIMOGES and row.publics == ["Jeunes", "Seniors"]
    assert row.telephones == ["05 55 11 11 11"] and row.horaires == "Mo 09:00-12:00"
    assert row.action == "creation"


def test_spreadsheet_import_xlsx_and_roles(engine, app, world):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["nom", "code_insee", "frais"])
    book.active.append(["TEST-EDIT xlsx", LIMOGES, "Gratuit"])
    buffer = io.BytesIO()
    book.save(buffer)
    structure = client_as(app, world, "structureX")
    assert structure.get("/edition/import").status_code == 403
    admin = client_as(app, world, "admin")
    page = _upload(admin, "lieux.xlsx", buffer.getvalue()).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", page).group(1)
    form = {
        "csrf_token": csrf(admin, "/edition/import"),
        "colonne_nom": "0",
        "colonne_code_insee": "1",
        "colonne_frais": "2",
    }
    admin.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    done = admin.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "1 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT frais FROM offre WHERE nom = 'TEST-EDIT xlsx'")
        ).scalar_one() == ["Gratuit"]
    bad = _upload(admin, "lieux.txt", b"nom\nx\n")
    assert bad.status_code == 400 and "Format non pris en charge" in bad.get_data(as_text=True)


def test_spreadsheet_with_3_bad_rows_of_20_imports_17(engine, app, world):
    good = [
        f"TEST-EDIT lot {n:02d};{n} rue du Test;87000;Limoges;05 55 00 00 {n:02d};Mo 09:00-12:00;"
        for n in range(1, 18)
    ]
    bad = [
        ";3 rue Sans Nom;87000;Limoges;;;",  # no name
        "TEST-EDIT lot mauvais horaires;;87000;Limoges;;tous les jours sauf férié;",
        "TEST-EDIT lot hors territoire;;93200;Saint-Denis;;;",
    ]
    rows = good[:5] + bad[:1] + good[5:11] + bad[1:2] + good[11:] + bad[2:]
    sheet = "Nom;Adresse;Code postal;Commune;Téléphone;Horaires;Publics\n" + "\n".join(rows)
    animator = client_as(app, world, "animateur87")
    html = _upload(animator, "partenaires.csv", sheet.encode("utf-8")).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", html).group(1)
    mapping = dict(
        re.findall(r'name="(colonne_\w+)">(?:(?!</select>).)*?value="(\d+)" selected', html, re.S)
    )
    form = mapping | {"csrf_token": csrf(animator, "/edition/import")}
    checked = animator.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    report = checked.get_data(as_text=True)
    # free-text hours are kept as text, not rejected (issue 18): 18 valid rows of 20
    assert "18 ligne(s) valide(s)" in report and "2 ligne(s) en erreur" in report
    errors = report.split('class="import-erreurs"')[1].split("</ul>")[0]
    assert len(re.findall(r"<li>Ligne \d+.*?</li>", errors, re.S)) == 2
    done = animator.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "18 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        created = conn.execute(
            text("SELECT count(*) FROM offre WHERE nom LIKE 'TEST-EDIT lot %'")
        ).scalar_one()
    assert created == 18
