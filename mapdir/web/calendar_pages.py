"""Calendar feeds of itinerant passages: /offres/<id>/passages.ics and
/communes/<code>/passages.ics (the next three months, iCalendar)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, redirect, request, url_for

from mapdir.hours import evaluate
from mapdir.http.context import connection, settings
from mapdir.offers.calendar_ics import calendar
from mapdir.offers.passages import commune_stops, months_later, offer_stops, passages
from mapdir.web import web_bp
from mapdir.web.search_pages import MAX_BIGINT


def _offer_url() -> str:
    """The offers' page address with ``{id}``: the public URL when set, else this request's."""
    base = settings()["MAPDIR_PUBLIC_URL"] or request.url_root
    return base.rstrip("/") + "/offres/{id}"


def _feed(name: str, filename: str, stops) -> Response:
    start = evaluate.local_now()
    items = passages(stops, start, months_later(start))
    body = calendar(name, items, _offer_url(), datetime.now(UTC).replace(microsecond=0))
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@web_bp.get("/offres/<int:offre_id>/passages.ics")
def offer_passages_ics(offre_id: int):
    if offre_id > MAX_BIGINT:
        abort(404)
    offer, stops = offer_stops(connection(), offre_id)
    if offer["id"] != offre_id:  # merged: the survivor's feed
        return redirect(url_for("web.offer_passages_ics", offre_id=offer["id"]), code=301)
    return _feed(f"Passages : {offer['nom']}", f"passages-offre-{offer['id']}.ics", stops)


@web_bp.get("/communes/<code>/passages.ics")
def commune_passages_ics(code: str):
    commune, stops = commune_stops(connection(), code)
    if commune["code"] != code.strip().upper():  # an old code: the current commune's feed
        return redirect(url_for("web.commune_passages_ics", code=commune["code"]), code=301)
    return _feed(f"Passages à {commune['nom']}", f"passages-{commune['code']}.ics", stops)
