"""Messages shown once on the next page after an action (Flask's flashed messages, kept in
the signed session cookie): what was done, in French, and an « Annuler » button when the
action is a change of the history that can be undone (templates/_messages.html)."""

from __future__ import annotations

from flask import flash


def notify(text: str, undo: int | None = None) -> None:
    """Tell the person what was done; ``undo`` is the id of the change to offer to revert."""
    flash({"texte": text, "annuler": undo}, "succes")
