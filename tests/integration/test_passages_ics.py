"""Calendar feeds of itinerant passages on the real Haute-Vienne directory: the Saint-Léonard
France Services' permanence at Sauviat-sur-Vige (second Friday of the month, 9:30–12:00)
appears in the offer's feed and in the commune's, as valid iCalendar parsed back."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import icalendar
from sqlalchemy import text

from mapdir.hours.evaluate import PARIS, local_now
from mapdir.offers.passages import months_later

SAUVIAT, SAINT_PAUL = "87190", "87174"


def _second_fridays(start: datetime, end: datetime) -> list[date]:
    """Independent oracle: the second Friday of each month, by the calendar module."""
    out, year, month = [], start.year, start.month
    while date(year, month, 1) <= end.date():
        fridays = [
            d for d in calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == calendar.FRIDAY
        ]  # fmt: skip
        out.append(fridays[1])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    # a passage counts when it has not ended yet (12:00) and begins before the end
    return [
        d for d in out
        if datetime.combine(d, datetime.min.time()) + timedelta(hours=12) > start
        and datetime.combine(d, datetime.min.time()) + timedelta(hours=9, minutes=30) < end
    ]  # fmt: skip


def _offer_id(real_directory) -> int:
    with real_directory.connect() as c:
        return c.execute(
            text(
                "SELECT o.id FROM permanence p JOIN offre o ON o.id = p.offre_id"
                " WHERE p.code_insee = :code AND o.statut = 'active'"
            ),
            {"code": SAUVIAT},
        ).scalar_one()


def _events(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params["charset"] == "utf-8"
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal["version"] == "2.0" and cal["prodid"]
    events = list(cal.walk("VEVENT"))
    # the time zone the events use is described (none is needed by an empty feed)
    zones = [tz["tzid"] for tz in cal.walk("VTIMEZONE")]
    assert zones == (["Europe/Paris"] if events else [])
    return events


def _sauviat(events) -> list[icalendar.Event]:
    return [e for e in events if "Sauviat-sur-Vige" in str(e["location"])]


def _check_sauviat(events, offer_id: int) -> None:
    start = local_now()
    expected = _second_fridays(start, months_later(start))
    got = _sauviat(events)
    assert [e.decoded("dtstart").date() for e in got] == expected and len(expected) >= 3
    for event in got:
        begin, end = event.decoded("dtstart"), event.decoded("dtend")
        assert begin.tzinfo is not None and begin.utcoffset() == begin.astimezone(PARIS).utcoffset()
        assert (begin.hour, begin.minute, end.hour, end.minute) == (9, 30, 12, 0)
        assert str(event["location"]) == "Mairie, Sauviat-sur-Vige"
        assert "France services Saint-Léonard" in str(event["summary"])
        assert str(event["url"]) == f"http://localhost/offres/{offer_id}"
        assert f"Fiche : http://localhost/offres/{offer_id}" in str(event["description"])
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_offer_feed_holds_the_sauviat_passages(real_client, real_directory):
    offer_id = _offer_id(real_directory)
    events = _events(real_client.get(f"/offres/{offer_id}/passages.ics"))
    _check_sauviat(events, offer_id)
    # the same offer's other permanence, first Monday of the month at Saint-Paul
    saint_paul = [e for e in events if "Saint-Paul" in str(e["location"])]
    assert saint_paul and all(e.decoded("dtstart").weekday() == 0 for e in saint_paul)
    assert all(e.decoded("dtstart").day <= 7 for e in saint_paul)
    assert len(events) == len(saint_paul) + len(_sauviat(events))


def test_commune_feed_holds_the_sauviat_passages(real_client, real_directory):
    events = _events(real_client.get(f"/communes/{SAUVIAT}/passages.ics"))
    _check_sauviat(events, _offer_id(real_directory))
    assert len(events) == len(_sauviat(events))  # only what stops in the commune


def test_feeds_answer_not_found_and_bad_codes_in_french(real_client):
    r = real_client.get("/offres/999999999/passages.ics")
    assert r.status_code == 404 and "Aucune offre" in r.get_data(as_text=True)
    r = real_client.get("/communes/8719/passages.ics")
    assert r.status_code == 400 and "Code commune" in r.get_data(as_text=True)
    r = real_client.get("/communes/99999/passages.ics")
    assert r.status_code == 404


def test_a_commune_without_stops_gets_a_valid_empty_feed(real_client):
    assert _events(real_client.get("/communes/87085/passages.ics")) == []


def test_offer_page_and_fiche_link_to_the_feed(real_client, real_directory):
    offer_id = _offer_id(real_directory)
    link = f'href="/offres/{offer_id}/passages.ics"'
    page = real_client.get(f"/offres/{offer_id}").get_data(as_text=True)
    assert link in page and "Ajouter à mon agenda" in page
    fiche = real_client.get(f"/fiche?offres={offer_id}").get_data(as_text=True)
    assert link in fiche and "Ajouter à mon agenda" in fiche
    # an offer with no permanence nor itinerance: no link
    with real_directory.connect() as c:
        fixed = c.execute(
            text(
                "SELECT o.id FROM offre o WHERE o.statut = 'active' AND o.itinerance = '{}'"
                " AND NOT EXISTS (SELECT 1 FROM permanence p WHERE p.offre_id = o.id)"
                " ORDER BY o.id LIMIT 1"
            )
        ).scalar_one()
    assert "Ajouter à mon agenda" not in real_client.get(f"/offres/{fixed}").get_data(as_text=True)
