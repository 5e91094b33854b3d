"""The embeddable search widget: /widget (the page a partner site frames), /widget.js (the
one line a partner includes), /widget/theme.css (the partner's colour), and
/widget/configurateur (builds the snippet). No cookie, no third-party resource; only the
widget's own routes may be framed (MAPDIR_WIDGET_FRAME_ANCESTORS, docs/widget.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request, send_from_directory, url_for

from mapdir.config import PROJECT_ROOT
from mapdir.errors import InvalidParameter, MapdirError
from mapdir.geo.services import validate_postcode
from mapdir.hours import evaluate
from mapdir.http.context import search_connection, settings
from mapdir.http.security_headers import content_security_policy, embeddable
from mapdir.offers import vocab
from mapdir.offers.filters import Filters
from mapdir.offers.search import SearchRequest, search_offers
from mapdir.web import web_bp
from mapdir.web.fiche import SERVICE_LABELS, decorate_offer

DEFAULT_COLOUR = "#1f4e79"
DEFAULT_TITLE = "Trouver un lieu d'aide au numérique"
DEFAULT_LIMIT, MAX_LIMIT = 5, 10
MAX_TITLE = 80
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class WidgetConfig:
    """What a partner chose: a default postcode, services, a colour, a title, a count."""

    code_postal: str | None = None
    services: tuple[str, ...] = ()
    couleur: str = DEFAULT_COLOUR
    titre: str = DEFAULT_TITLE
    limite: int = DEFAULT_LIMIT

    def query(self, **extra: str) -> dict[str, str]:
        """The widget's query string values (defaults left out)."""
        values = {
            "code_postal": self.code_postal or "",
            "services": ",".join(self.services),
            "couleur": "" if self.couleur == DEFAULT_COLOUR else self.couleur,
            "titre": "" if self.titre == DEFAULT_TITLE else self.titre,
            "limite": "" if self.limite == DEFAULT_LIMIT else str(self.limite),
            **extra,
        }
        return {k: v for k, v in values.items() if v}


def read_config(args: Any) -> tuple[WidgetConfig, list[str]]:
    """The widget's settings from its query string; a bad value falls back to the default
    and is reported (French) rather than failing the partner's page."""
    notes: list[str] = []
    services = []
    for raw in ",".join(args.getlist("services")).split(","):
        slug = raw.strip()
        if slug and slug in vocab.SERVICES:
            services.append(slug)
        elif slug:
            notes.append(f"Service inconnu ignoré : « {slug[:40]} ».")
    couleur = (args.get("couleur") or "").strip()
    if couleur and not _COLOUR.fullmatch(couleur):
        notes.append("Couleur non reconnue (attendu : #RRVVBB) : couleur par défaut.")
        couleur = ""
    titre = " ".join((args.get("titre") or "").split())[:MAX_TITLE]
    limite = DEFAULT_LIMIT
    raw_limit = (args.get("limite") or "").strip()
    if raw_limit:
        if raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT:
            limite = int(raw_limit)
        else:
            notes.append(f"Nombre de résultats entre 1 et {MAX_LIMIT} : {DEFAULT_LIMIT} affichés.")
    postcode = (args.get("code_postal") or "").strip() or None
    config = WidgetConfig(
        code_postal=postcode,
        services=tuple(dict.fromkeys(services)),
        couleur=couleur.lower() or DEFAULT_COLOUR,
        titre=titre or DEFAULT_TITLE,
        limite=limite,
    )
    return config, notes


def _search(config: WidgetConfig) -> dict[str, Any]:
    """The nearest offers of the postcode (the site's own search)."""
    postcode = validate_postcode(config.code_postal)
    now = evaluate.local_now()
    answer = search_offers(
        search_connection(),
        SearchRequest(
            code_postal=postcode, filters=Filters(services=config.services), limite=config.limite
        ),
        detour_factor=settings().float("MAPDIR_DETOUR_FACTOR"),
        speed_kmh=settings().float("MAPDIR_SPEED_KMH"),
        now=now,
    )
    for offer in answer["resultats"]:
        decorate_offer(offer, now)
    return answer


@web_bp.get("/widget")
@embeddable
def widget():
    config, notes = read_config(request.args)
    answer, error, status = None, None, 200
    if config.code_postal:
        try:
            answer = _search(config)
        except InvalidParameter as exc:
            error, status = exc.message, 400
        except MapdirError as exc:  # an unknown postcode: a message in the widget
            error, status = exc.message, exc.http_status
    full_search = None
    if answer:
        query = {"lieu": config.code_postal, "services": list(config.services)}
        full_search = url_for("web.recherche", _external=True) + "?" + urlencode(query, True)
    body = render_template(
        "widget.html",
        config=config,
        notes=notes,
        reponse=answer,
        erreur=error,
        recherche_complete=full_search,
        services_libelles=[SERVICE_LABELS[s][0] for s in config.services],
        theme=url_for("web.widget_theme", couleur=config.couleur),
    )
    return body, status, {"Cache-Control": "no-store"}


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(colour: str) -> str:
    """Black or white, whichever contrasts more with ``colour`` (always ≥ 4.58:1, above
    the 4.5:1 of WCAG AA: the two ratios multiply to 21)."""
    lum = _luminance(colour)
    on_white = 1.05 / (lum + 0.05)
    on_black = (lum + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


@web_bp.get("/widget/theme.css")
def widget_theme():
    """The partner's colour as CSS variables (a stylesheet: no inline style under the CSP)."""
    colour = (request.args.get("couleur") or "").strip().lower()
    if not _COLOUR.fullmatch(colour):
        colour = DEFAULT_COLOUR
    css = f":root {{ --widget-accent: {colour}; --widget-sur-accent: {text_colour_on(colour)}; }}\n"
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


@web_bp.get("/widget.js")
def widget_script():
    """The script a partner includes with one line; it builds the widget's iframe."""
    response = send_from_directory(PROJECT_ROOT / "static" / "js", "widget.js", max_age=3600)
    response.mimetype = "text/javascript"
    return response


def _site_url() -> str:
    return (settings()["MAPDIR_PUBLIC_URL"] or request.url_root).rstrip("/")


def snippets(config: WidgetConfig) -> dict[str, str]:
    """The two ways to include the widget, as text to copy."""
    site = _site_url()
    query = urlencode(config.query())
    frame_src = f"{site}/widget" + (f"?{query}" if query else "")
    data = "".join(
        f' data-{name.replace("_", "-")}="{escape(value)}"'
        for name, value in config.query().items()
    )
    return {
        "iframe": (
            f'<iframe src="{escape(frame_src)}" title="{escape(config.titre)}"'
            ' width="100%" height="520" style="border:0" loading="lazy"></iframe>'
        ),
        "script": f'<script src="{site}/widget.js"{data} defer></script>',
        "apercu": frame_src,
    }


@web_bp.get("/widget/configurateur")
def widget_configurator():
    config, notes = read_config(request.args)
    if config.code_postal:
        try:
            validate_postcode(config.code_postal)
        except InvalidParameter as exc:
            notes.append(exc.message)
    body = render_template(
        "widget_configurateur.html",
        config=config,
        notes=notes,
        extraits=snippets(config),
        max_limite=MAX_LIMIT,
        max_titre=MAX_TITLE,
    )
    # the page shows the widget as a preview: it frames a page of this site
    policy = content_security_policy(settings()) + "; frame-src 'self'"
    return body, 200, {"Content-Security-Policy": policy}
