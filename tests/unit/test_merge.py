"""Building an offer from its source records (mapdir/offers/merge.py)."""

from __future__ import annotations

from mapdir.offers.merge import build_offer


def _rec(source: str, sid: str, **donnees) -> dict:
    return {"source": source, "source_id": sid, "present": True, "donnees": donnees}


def test_hours_text_and_timetable_come_from_the_same_record() -> None:
    # France Services has a timetable; the regional map only a text it could not read:
    # the page must not show the map's text as "tel que publié" under the FS timetable
    fs = _rec("france-services", "1", nom="FS", horaires="Mo-Fr 09:00-12:00")
    hv = _rec("haute-vienne", "2", nom="X", horaires_texte="Le mardi sur rendez-vous")
    out = build_offer([hv, fs])
    assert out["horaires"] == "Mo-Fr 09:00-12:00"
    assert out["horaires_texte"] is None
    assert out["champs_source"]["horaires"] == "france-services"
    assert "horaires_texte" not in out["champs_source"]


def test_hours_text_alone_is_kept_with_its_source() -> None:
    hv = _rec("haute-vienne", "2", nom="X", horaires_texte="Le mardi sur rendez-vous")
    ac = _rec("aidants-connect", "3", nom="Y")
    out = build_offer([hv, ac])
    assert out["horaires"] is None
    assert out["horaires_texte"] == "Le mardi sur rendez-vous"
    assert out["champs_source"]["horaires_texte"] == "haute-vienne"


def test_best_record_with_hours_gives_both_fields() -> None:
    # the best-ranked record with hours gives a timetable AND its text: both kept together,
    # a lower record's timetable is not mixed in
    v1 = _rec("mednum-v1", "1", nom="A", horaires="Tu 14:00-17:00", horaires_texte="mardi aprem")
    di = _rec("data-inclusion-lieux", "2", nom="B", horaires="Mo-Sa 08:00-20:00")
    out = build_offer([di, v1])
    assert (out["horaires"], out["horaires_texte"]) == ("Tu 14:00-17:00", "mardi aprem")
