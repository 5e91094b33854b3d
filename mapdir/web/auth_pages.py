"""Login, logout and password change (French pages); ``login_required`` for the pages.

The signed-in user is loaded on every request by mapdir.http.context (``current_user``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from mapdir.editing import accounts
from mapdir.errors import MapdirError
from mapdir.http.context import current_user, engine
from mapdir.http.redirects import same_site_path

auth_bp = Blueprint("auth", __name__)


def login_required(view: Callable) -> Callable:
    """Anonymous: a GET goes to the login page, anything else gets 403 (nothing changes)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if g.get("user") is None:
            if request.method == "GET":
                return redirect(url_for("auth.login", suivant=request.full_path.rstrip("?")))
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    return same_site_path(target) or url_for("edition.dashboard")


@auth_bp.route("/connexion", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/connexion.html", suivant=request.args.get("suivant", ""))
    email = (request.form.get("email") or "").strip()
    password = request.form.get("mot_de_passe") or ""
    suivant = request.form.get("suivant") or ""
    ip = request.remote_addr or "inconnue"
    try:
        with engine().begin() as conn:
            user = accounts.authenticate(conn, email, password, ip)
    except accounts.TooManyAttempts as exc:
        page = render_template(
            "auth/connexion.html", erreur=exc.message, email=email, suivant=suivant
        )
        return page, 429
    if user is None:
        page = render_template(
            "auth/connexion.html",
            erreur="Adresse électronique ou mot de passe incorrect.",
            email=email,
            suivant=suivant,
        )
        return page, 401
    session.clear()
    session["uid"] = user.id
    session["sv"] = user.version_session
    return redirect(_safe_next(suivant))


@auth_bp.post("/deconnexion")
def logout():
    """End the session on the server too: the account's session version moves on, so a
    copy of the cookie taken before no longer opens anything (every device is logged out)."""
    user = current_user()
    if user is not None:
        with engine().begin() as conn:
            accounts.end_sessions(conn, user.id)
    session.clear()
    return redirect(url_for("auth.login"))


@auth_bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/mot_de_passe.html")
    user = current_user()
    old = request.form.get("ancien") or ""
    new = request.form.get("nouveau") or ""
    if new != (request.form.get("confirmation") or ""):
        return render_template(
            "auth/mot_de_passe.html", erreur="Les deux nouveaux mots de passe diffèrent."
        ), 400
    try:
        with engine().begin() as conn:
            if not accounts.verify_password(conn, user.id, old):
                return render_template(
                    "auth/mot_de_passe.html", erreur="Mot de passe actuel incorrect."
                ), 400
            accounts.set_password(conn, user.id, new)
            session["sv"] = accounts.get_user(conn, user.id).version_session
    except MapdirError as exc:
        return render_template("auth/mot_de_passe.html", erreur=exc.message), exc.http_status
    return render_template("auth/mot_de_passe.html", succes="Mot de passe changé.")
