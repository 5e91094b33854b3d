"""A map to take away: one standalone HTML file of a scenario made with folium
(accessibility choropleth, existing offers, proposed stops with their rota, legend,
sources and date), its Leaflet assets inlined from ``static/vendor`` so that it opens
offline (an elected official's laptop, no network). Only Leaflet is used: folium's other
default assets (jQuery, Bootstrap, Font Awesome) are dropped, markers are circles and
numbered ``DivIcon``s (no image files). Every text that comes from the directory is
HTML-escaped before folium puts it in a tooltip or popup.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from html import escape
from pathlib import Path

import folium
from branca.element import Element

from mapdir.config import PROJECT_ROOT
from mapdir.errors import SetupError
from mapdir.text import fr_number

VENDOR = PROJECT_ROOT / "static" / "vendor" / "leaflet"
#: the choropleth's classes: (label, colour); bins are built from the answer's thresholds
WHITE_COLOUR = "#8c2d04"
BIN_COLOURS = ("#f16913", "#fdae6b", "#9ecae1", "#4292c6", "#08519c")


def bins(parametres: dict) -> list[tuple[float, float | None, str, str]]:
    """(lower, upper, label, colour) of the graduated classes of accessibility (h / 1,000):
    sous-dotée below the line, then around the département's median."""
    line = parametres["seuil_sous_dotee"]
    median = max(parametres["mediane_ponderee_besoin"], line)
    edges = [0.0, line, median, 2 * median, 4 * median]
    out = []
    for k, colour in enumerate(BIN_COLOURS):
        low = edges[k]
        high = edges[k + 1] if k + 1 < len(edges) else None
        if high is not None and high <= low:
            continue
        label = (
            f"moins de {fr_number(high, 1)} (sous-dotée)"
            if k == 0
            else f"{fr_number(low, 1)} à {fr_number(high, 1)}"
            if high is not None
            else f"{fr_number(low, 1)} et plus"
        )
        out.append((low, high, label, colour))
    return out


def colour_of(row: dict, classes: list) -> str:
    if row["classe"] == "zone_blanche":
        return WHITE_COLOUR
    for low, high, _label, colour in classes:
        if row["accessibilite"] >= low and (high is None or row["accessibilite"] < high):
            return colour
    return classes[-1][3]


def _inline(html: str) -> str:
    try:
        js = (VENDOR / "leaflet.js").read_text(encoding="utf-8")
        css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    except OSError as error:
        raise SetupError(
            "Leaflet absent de static/vendor : lancez scripts/setup pour l'installer."
        ) from error
    for image in sorted((VENDOR / "images").glob("*.png")):  # the layer control's icons
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        css = css.replace(f"images/{image.name}", f"data:image/png;base64,{data}")
    html = html.replace('<script src="leaflet.js"></script>', f"<script>{js}</script>")
    return html.replace('<link rel="stylesheet" href="leaflet.css"/>', f"<style>{css}</style>")


def standalone_map(report: dict, plan: dict | None, polygons: dict[str, str]) -> str:
    """The scenario's HTML map (see the module docstring)."""
    p = report["parametres"]
    rows = report["communes"]
    lats = [r["point"]["lat"] for r in rows] or [46.6]
    lons = [r["point"]["lon"] for r in rows] or [2.4]
    fmap = folium.Map(location=[sum(lats) / len(lats), sum(lons) / len(lons)], zoom_start=9,
                      tiles=None, control_scale=True)  # fmt: skip
    fmap.default_js = [("leaflet", "leaflet.js")]
    fmap.default_css = [("leaflet_css", "leaflet.css")]
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap (en ligne)").add_to(fmap)
    classes = bins(p)
    features = []
    for r in rows:
        geometry = polygons.get(r["code"])
        if not geometry:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometry),
                "properties": {
                    "code": r["code"],
                    "nom": escape(r["nom"]),
                    "acces": fr_number(r["accessibilite"], 1),
                    "classe": {"zone_blanche": "zone blanche", "sous_dotee": "sous-dotée"}.get(
                        r["classe"], "dotée"
                    ),
                    "besoin": fr_number(r["besoin"]),
                    "couleur": colour_of(r, classes),
                },
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Accessibilité par commune",
        style_function=lambda f: {
            "fillColor": f["properties"]["couleur"], "color": "#444", "weight": 0.5,
            "fillOpacity": 0.7,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["nom", "acces", "classe", "besoin"],
            aliases=["Commune", "Heures pour 1 000", "Classe", "Besoin"],
        ),
    ).add_to(fmap)  # fmt: skip
    offers = folium.FeatureGroup(name="Lieux d'aide existants").add_to(fmap)
    for o in report["offres"]:
        folium.CircleMarker(
            [o["point"]["lat"], o["point"]["lon"]], radius=3, color="#222", weight=1,
            fill=True, fill_opacity=0.8,
            tooltip=escape(f"{o['nom']} — {fr_number(o['heures_hebdo'], 1)} h/semaine"),
        ).add_to(offers)  # fmt: skip
    if plan and plan.get("arrets"):
        _stops(fmap, plan)
    fmap.get_root().html.add_child(Element(_legend(report, plan, classes)))
    folium.LayerControl(collapsed=True).add_to(fmap)
    fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return _inline(fmap.get_root().render())


def _stops(fmap: folium.Map, plan: dict) -> None:
    layer = folium.FeatureGroup(name="Arrêts proposés").add_to(fmap)
    slots: dict[str, list[str]] = {}
    for s in plan["tournee"]["creneaux"]:
        slots.setdefault(s["code"], []).append(f"{s['jour']} {s['demi_journee']}")
    for a in plan["arrets"]:
        when = ", ".join(slots.get(a["code"], ["non planifié"]))
        folium.Marker(
            [a["point"]["lat"], a["point"]["lon"]],
            icon=folium.DivIcon(html=f'<div class="arret">{int(a["rang"])}</div>',
                                icon_size=(26, 26), icon_anchor=(13, 13)),
            # a tooltip, not a popup: folium's popups need jQuery, left out of the file
            tooltip=escape(f"{a['rang']}. {a.get('phrase', a['nom'])} Passage : {when}."),
        ).add_to(layer)  # fmt: skip


def _legend(report: dict, plan: dict | None, classes: list) -> str:
    p = report["parametres"]
    items = [f'<li><i style="background:{WHITE_COLOUR}"></i>zone blanche (aucune aide à '
             f"moins de {fr_number(p['seuil_min'])} min)</li>"]  # fmt: skip
    items += [f'<li><i style="background:{c}"></i>{escape(label)}</li>' for *_, label, c in classes]
    stops = ""
    if plan and plan.get("arrets"):
        stops = (
            f"<p>{len(plan['arrets'])} arrêts proposés (numéros), {plan['heures_par_arret']:g} h"
        )
        stops += " par semaine chacun.</p>"
    sources = escape(
        "Sources : annuaire mapdir (lieux de médiation numérique, France Services, Conseillers "
        "numériques, Aidants Connect…), COG INSEE"
        + (f", indicateurs {p['indicateurs']['millesime']}" if p.get("indicateurs") else "")
        + f". Carte du {date.today().strftime('%d/%m/%Y')}."
    )
    return (
        "<style>.legende-carte{position:fixed;bottom:18px;left:12px;z-index:1000;background:#fff;"
        "padding:8px 10px;font:13px sans-serif;max-width:330px;box-shadow:0 0 4px #888}"
        ".legende-carte ul{list-style:none;margin:4px 0;padding:0}.legende-carte i{display:"
        "inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle}"
        ".arret{background:#0b57d0;color:#fff;border-radius:50%;width:26px;height:26px;"
        "line-height:26px;text-align:center;font:bold 13px sans-serif}</style>"
        f'<div class="legende-carte"><strong>{escape(report["nom"])} : heures d\'aide par '
        f"semaine pour 1 000 personnes ({escape(p['besoin_libelle'])}), "
        f"{escape(p['mode_libelle'])}</strong><ul>{''.join(items)}</ul>{stops}"
        f"<p>{sources}</p></div>"
    )


def write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
