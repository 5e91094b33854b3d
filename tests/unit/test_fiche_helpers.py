"""Display helpers of the prescribers' pages."""

from __future__ import annotations

from mapdir.web.fiche import phone_text, tel_href


def test_phone_text_reads_like_a_french_number():
    assert phone_text("+33519090070") == "05 19 09 00 70"
    assert phone_text("0555111111") == "05 55 11 11 11"
    assert phone_text("+262262123456") == "+262262123456"  # overseas: left as stored
    assert tel_href("05 55 11 11 11") == "tel:0555111111"
