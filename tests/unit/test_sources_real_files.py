"""Every source reads and maps its real file(s) from ../shared/data/offers."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from pathlib import Path

import opening_hours
import pytest

from etl import vocab
from etl.record import OfferRecord, Reject
from etl.sources import SOURCES, Source, file_date, newest_file

OFFERS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "offers"

# (source, file, minimum records read, minimum share mapped)
REAL_FILES = [
    ("france-services", "france-services-2022-12-01.csv", 2683, 0.98),
    ("france-services", "france-services-2024-08-01.csv", 2845, 0.99),
    ("mednum-v1", "charente-lieux-2023-07.json", 188, 0.99),
    ("data-inclusion-lieux", "data-inclusion-lieux-2023-02.json", 3811, 0.99),
    ("conseillers-numeriques", "conseillers-numeriques-permanences-2022-12.json", 4930, 0.99),
    ("conseillers-numeriques", "conseillers-numeriques-ile-de-france-2022-08.json", 241, 0.99),
    ("haute-vienne", "haute-vienne-acteurs-numerique-2023-04.json", 200, 0.98),
    ("haute-vienne", "haute-vienne-acteurs-numerique-2023-04.geojson", 200, 0.98),
    ("aidants-connect", "aidants-connect-structures-2023-01.json", 3360, 0.99),
]
TEXT_FIELDS = [
    f.name for f in dataclasses.fields(OfferRecord) if f.name not in ("raw", "permanences")
]


def read_and_map(source: Source, path: Path) -> tuple[list[dict], list[OfferRecord], Counter]:
    raws = list(source.read(path))
    records, rejects = [], Counter()
    for raw in raws:
        try:
            records.append(source.map(raw))
        except Reject as reject:
            rejects[reject.reason] += 1
    return raws, records, rejects


@pytest.fixture(scope="module")
def mapped() -> dict[str, tuple[list[dict], list[OfferRecord], Counter]]:
    return {name: read_and_map(SOURCES[slug], OFFERS / name) for slug, name, *_ in REAL_FILES}


@pytest.mark.parametrize(("slug", "name", "minimum", "share"), REAL_FILES)
def test_real_file_reads_and_maps(mapped, slug: str, name: str, minimum: int, share: float) -> None:
    raws, records, rejects = mapped[name]
    fixes = Counter(code for record in records for code in set(record.fixes))
    print(
        f"\n{name}: {len(raws)} read, {len(records)} mapped, {sum(rejects.values())} rejected "
        f"{dict(rejects)}; fixes {dict(fixes.most_common(6))}"
    )
    assert len(raws) >= minimum
    assert len(records) >= share * len(raws)
    assert all(reason and reason[0].islower() for reason in rejects)  # French sentences
    ids = [record.source_id for record in records]
    assert len(ids) == len(set(ids)), "source_id must be unique within a file"
    assert all(record.source == slug and record.nom for record in records)
    for record in records:
        assert record.horaires is None or opening_hours.validate(record.horaires), record.horaires
        assert set(record.services) <= set(vocab.SERVICES)
        assert set(record.programmes) <= set(vocab.PROGRAMMES)
        assert set(record.publics) <= set(vocab.PUBLICS)
        assert set(record.prise_en_charge) <= set(vocab.PRISE_EN_CHARGE)
        assert set(record.frais) <= set(vocab.FRAIS)
        assert set(record.modalites_accompagnement) <= set(vocab.MODALITES_ACCOMPAGNEMENT)
        assert set(record.itinerance) <= set(vocab.ITINERANCE)
        assert record.code_postal is None or len(record.code_postal) == 5
        assert all(phone.startswith("+") for phone in record.telephones)


def _one(records: list[OfferRecord], **criteria: str) -> OfferRecord:
    found = [r for r in records if all(getattr(r, k) == v for k, v in criteria.items())]
    assert len(found) == 1, criteria
    return found[0]


def test_france_services_saint_leonard_de_noblat(mapped) -> None:
    records = mapped["france-services-2024-08-01.csv"][1]
    record = next(
        r for r in records if r.adresse == "15 Rue de Beaufort" and r.code_postal == "87400"
    )
    assert record.code_insee == "87161" and record.commune == "Saint-Léonard-de-Noblat"
    assert record.horaires == "Mo,Fr 13:30-17:00; Tu-Th 09:00-12:30,13:30-17:00"
    hours = opening_hours.OpeningHours(record.horaires)
    assert hours.is_open(datetime(2024, 9, 3, 10, 0))  # Tuesday morning
    assert not hours.is_open(datetime(2024, 9, 2, 10, 0))  # Monday morning
    assert not hours.is_open(datetime(2024, 9, 7, 10, 0))  # Saturday
    assert record.programmes == ["France Services"] and record.frais == ["Gratuit"]
    assert "demarches-administratives" in record.services
    assert record.itinerance == ["Fixe"] and record.prise_rdv is True
    assert record.telephones == ["+33519090070"]
    assert record.commentaire and "Sauviat-sur-Vige" in record.commentaire


def test_france_services_itinerance_in_both_snapshots(mapped) -> None:
    for name in ("france-services-2022-12-01.csv", "france-services-2024-08-01.csv"):
        counts = Counter(tuple(r.itinerance) for r in mapped[name][1])
        print(f"\n{name}: itinerance {dict(counts)}")
        assert counts[("Itinérant",)] > 100 and counts[("Fixe",)] > 2000
    old = _one(mapped["france-services-2022-12-01.csv"][1], source_id="1")
    assert old.prise_rdv is None  # the 2022 file has no prise_rdv column


def test_data_inclusion_maps_v0_vocabularies(mapped) -> None:
    records = mapped["data-inclusion-lieux-2023-02.json"][1]
    first = _one(records, source_id="dora:010c714a-71ce-44aa-a8bf-45d63ae4d1e8")
    assert first.services == [
        "demarches-administratives",
        "outils-numeriques-quotidien",
        "insertion-professionnelle",
        "comprehension-monde-numerique",
        "acces-internet-materiel",
    ]
    assert len(first.services_source) == 8
    assert first.modalites_accompagnement == [
        "En autonomie",
        "Accompagnement individuel",
        "Dans un atelier collectif",
    ]
    assert sum("Conseillers numériques" in r.programmes for r in records) == 2545
    assert all(r.services for r in records)
    assert any(r.frais == ["Gratuit"] for r in records)
    assert not any("&amp;" in r.nom or "<" in r.nom for r in records)


def test_conseillers_numeriques_have_no_insee_and_the_programme(mapped) -> None:
    for name in (
        "conseillers-numeriques-permanences-2022-12.json",
        "conseillers-numeriques-ile-de-france-2022-08.json",
    ):
        records = mapped[name][1]
        assert all(r.code_insee is None for r in records)
        assert all("Conseillers numériques" in r.programmes for r in records)
        assert all(r.frais == ["Gratuit"] for r in records)
        assert all(
            r.services == ["outils-numeriques-quotidien", "comprehension-monde-numerique"]
            for r in records
        )


def test_haute_vienne_groups_one_place_per_site(mapped) -> None:
    raws, records, _ = mapped["haute-vienne-acteurs-numerique-2023-04.json"]
    assert sum(len(raw["lignes"]) for raw in raws) == 561
    assert len(raws) < 561 / 2
    several = [r for r in records if len(r.raw["lignes"]) > 3]
    assert len(several) > 20  # rows of one place are several services, one place each
    assert sum(len(r.services) >= 3 for r in several) >= 10
    bfm = next(r for r in records if r.nom == "BFM Centre Ville")
    assert bfm.code_insee == "87085" and bfm.precision_source == "adresse"
    assert bfm.adresse == "2 Place Aimé césaire" and bfm.code_postal == "87000"
    assert "acces-internet-materiel" in bfm.services
    for record in records:
        assert record.code_insee is None or len(record.code_insee) == 5
        for field_name in TEXT_FIELDS:
            value = str(getattr(record, field_name))
            assert "<div" not in value and "<td" not in value and "<a " not in value
    geojson = mapped["haute-vienne-acteurs-numerique-2023-04.geojson"][1]
    # same places and ids; the .geojson also places the row that has no address
    assert {r.source_id for r in records} <= {r.source_id for r in geojson}
    assert len(geojson) <= len(records) + 1


def test_aidants_connect_postcodes_and_ids(mapped) -> None:
    raws, records, _ = mapped["aidants-connect-structures-2023-01.json"]
    assert all(r.latitude is None and r.code_insee is None for r in records)
    assert all(r.code_postal and len(r.code_postal) == 5 for r in records)
    assert any(r.code_postal == "08000" for r in records)
    assert sum("code_postal_corrige" in r.fixes for r in records) > 200
    assert all(r.programmes == ["Aidants Connect"] for r in records)
    tours = next(r for r in records if r.nom == "Maison d'arrêt de Tours")
    assert tours.commune == "TOURS" and tours.adresse == "20 Rue Henri Martin"
    assert tours.source_id.startswith("siret-17210120600560-")


def test_newest_file_picks_the_latest_snapshot() -> None:
    assert newest_file("france-services", OFFERS).name == "france-services-2024-08-01.csv"
    assert newest_file("conseillers-numeriques", OFFERS).name == (
        "conseillers-numeriques-permanences-2022-12.json"
    )
    assert file_date(Path("x-2023-02.json")) == (2023, 2, 0)
    for slug in SOURCES:
        assert newest_file(slug, OFFERS) is not None, slug


def test_charente_placeholder_date_is_unknown(mapped) -> None:
    raws, records, _ = mapped["charente-lieux-2023-07.json"]
    placeholder = {str(r["id"]) for r in raws if str(r.get("date_maj", "")).startswith("1970")}
    assert len(placeholder) == 1  # one real record claims an update on 1970-01-01
    (record,) = [r for r in records if r.source_id in placeholder]
    assert record.date_maj is None and "date_maj_invalide" in record.fixes
    assert all(r.date_maj is None or r.date_maj.year >= 2000 for r in records)
