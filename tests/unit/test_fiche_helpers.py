"""Display helpers of the prescribers' pages."""

from __future__ import annotations

from mapdir.web.fiche import phone_text, stops_next_passage, tel_href


def test_phone_text_reads_like_a_french_number():
    assert phone_text("+33519090070") == "05 19 09 00 70"
    assert phone_text("0555111111") == "05 55 11 11 11"
    assert phone_text("+262262123456") == "+262262123456"  # overseas: left as stored
    assert tel_href("05 55 11 11 11") == "tel:0555111111"


def test_each_stop_shows_its_next_passage_in_the_answers_order():
    passages = [
        {"permanence_id": 7, "debut": "2026-12-11T09:30"},
        {"permanence_id": 7, "debut": "2027-01-08T09:30"},
        {"permanence_id": 3, "debut": "2026-12-07T09:00"},
        {"permanence_id": 3, "debut": "2026-12-14T09:00"},
        {"permanence_id": 9, "debut": "2026-12-08T09:00"},
        {"permanence_id": 5, "debut": "2026-12-09T09:00"},
    ]
    shown = stops_next_passage(passages)
    assert [(p["permanence_id"], p["debut"]) for p in shown] == [
        (7, "2026-12-11T09:30"), (3, "2026-12-07T09:00"), (9, "2026-12-08T09:00"),
    ]  # fmt: skip
    assert stops_next_passage([]) == []
