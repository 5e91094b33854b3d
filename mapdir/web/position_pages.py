"""Positions to check (``/edition/positions``): the offers of one's scope whose source gave
coordinates contradicting their commune; the position is corrected with « Modifier » or kept
with « Garder la position actuelle ». Thin views over ``mapdir.editing.positions``, which
checks the permission and the territory on the server."""

from __future__ import annotations

from flask import render_template

from mapdir.editing import positions
from mapdir.http.context import connection, current_user
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import act_on_offer, edit_bp

LIMIT = 500  # rows listed; the dashboard gives the full count


@edit_bp.get("/edition/positions")
@login_required
def positions_queue():
    rows = positions.list_to_check(connection(), current_user(), LIMIT)
    return render_template("edition/positions.html", rows=rows, limit=LIMIT)


@edit_bp.post("/edition/offres/<int:offer_id>/position")
@login_required
def keep_position(offer_id: int):
    return act_on_offer(
        offer_id, positions.keep_position, "Position de « {name} » vérifiée : elle est conservée."
    )
