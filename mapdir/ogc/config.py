"""pygeoapi's configuration, generated from the app's settings (never a second copy of the
database URL): the same database through the provider of mapdir/ogc/provider.py, the
public address, the tiles, French templates without any third-party resource."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from mapdir.config import PROJECT_ROOT, Settings
from mapdir.db import database_url

PROVIDER = "mapdir.ogc.provider.PostgreSQLProvider"
SCHEMA = "ogc"  # the views (migration "ogc views")
WORLD = [-180.0, -90.0, 180.0, 90.0]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: the views' connection settings, from the app's settings (see the migration)
VIEW_SETTINGS = {
    "mapdir.detour_factor": "MAPDIR_DETOUR_FACTOR",
    "mapdir.speed_kmh": "MAPDIR_SPEED_KMH",
    "mapdir.covered_min": "MAPDIR_COVERED_MIN",
    "mapdir.white_zone_min": "MAPDIR_WHITE_ZONE_MIN",
}

#: collection id (= view name) → (title, description, keywords, id column, title column)
COLLECTIONS: dict[str, tuple[str, str, list[str], str, str]] = {
    "offres": (
        "Lieux d'inclusion numérique",
        "Offres actives de l'annuaire (lieux de médiation numérique, France Services, "
        "permanences de conseillers numériques…). Les listes (services, publics…) sont "
        "séparées par « | » ; « precision_position » vaut « commune » quand le point n'est "
        "que le centre de la commune.",
        ["médiation numérique", "France Services", "inclusion numérique"],
        "id",
        "nom",
    ),
    "communes": (
        "Communes, couverture et accessibilité",
        "Communes (contours importés) avec leurs offres, leurs permanences et l'accès au lieu "
        "actif le plus proche : distance, temps estimé (ligne droite × facteur de détour à la "
        "vitesse des réglages) et classe couverte / peu_couverte / zone_blanche. Puis "
        "l'accessibilité (E2SFCA, comme /api/v1/accessibilite avec les paramètres par "
        "défaut) en voiture et sans voiture : heures d'aide hebdomadaires à portée pour "
        "1 000 personnes, classe zone_blanche / sous_dotee / dotee, offres à portée, durée "
        "jusqu'à l'aide la plus proche, seuil en minutes et date du calcul "
        "(accessibilite_calcule_le) ; vide quand elle n'a pas été calculée (inconnue, pas 0).",
        ["commune", "couverture", "accessibilité", "E2SFCA"],
        "code",
        "nom",
    ),
    "epci": (
        "Intercommunalités (EPCI)",
        "EPCI (contours importés) avec le nombre d'offres actives et de permanences.",
        ["EPCI", "intercommunalité"],
        "siren",
        "nom",
    ),
    "arrets_plans": (
        "Arrêts des plans d'itinérance publiés",
        "Arrêts des plans d'itinérance publiés ou confirmés (pas les plans retirés), au "
        "point de leur commune : rang, jour, demi-journée, horaires, communes couvertes.",
        ["itinérance", "bus numérique", "permanence"],
        "id",
        "commune",
    ),
}


def connection_data(settings: Settings) -> dict[str, Any]:
    """pygeoapi's ``data`` block: the app's own database (the embedded cluster's Unix
    socket, or DATABASE_URL), read from the app's settings."""
    url = make_url(database_url(settings))
    host = url.host or url.query.get("host") or "127.0.0.1"
    port = url.port or url.query.get("port") or 5432
    return {
        "host": host if isinstance(host, str) else host[0],
        "port": int(port if isinstance(port, str | int) else port[0]),
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        "search_path": [SCHEMA, "public"],
    }


def _connection_options(settings: Settings) -> str:
    """libpq ``options``: the settings the views read (``-c mapdir.speed_kmh=50``…)."""
    return " ".join(f"-c {name}={settings.float(key):g}" for name, key in VIEW_SETTINGS.items())


def _collection(cid: str, settings: Settings) -> dict[str, Any]:
    title, description, keywords, id_field, title_field = COLLECTIONS[cid]
    return {
        "type": "collection",
        "title": title,
        "description": description,
        "keywords": keywords,
        "links": [],
        "extents": {"spatial": {"bbox": WORLD, "crs": CRS84}},
        "providers": [
            {
                "type": "feature",
                "name": PROVIDER,
                "data": connection_data(settings),
                "options": {"options": _connection_options(settings)},
                "id_field": id_field,
                "title_field": title_field,
                "table": cid,
                "geom_field": "geom",
            }
        ],
    }


def pygeoapi_config(settings: Settings, base_url: str) -> dict[str, Any]:
    """The whole configuration; ``base_url``: the site's public address (``/ogc`` is added)."""
    site = base_url.rstrip("/")
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 0},  # unused: the app serves it
            "url": f"{site}/ogc",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["fr-FR"],
            "pretty_print": False,
            "limits": {"default_items": 100, "max_items": 1000},
            "map": {
                "url": settings["MAPDIR_TILE_URL"],
                "attribution": settings["MAPDIR_TILE_ATTRIBUTION"],
            },
            "templates": {"path": str(PROJECT_ROOT / "templates" / "ogc")},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "mapdir : annuaire de l'inclusion numérique (OGC API Features)",
                "description": "Lieux d'inclusion numérique, communes et leur couverture, "
                "intercommunalités et arrêts des plans d'itinérance, pour les SIG (QGIS…).",
                "keywords": ["inclusion numérique", "médiation numérique", "OGC API Features"],
                "keywords_type": "theme",
                "terms_of_service": LICENCE,
                "url": f"{site}/",
            },
            "license": {"name": "Licence Ouverte / Etalab 2.0", "url": LICENCE},
            "provider": {"name": "mapdir", "url": f"{site}/"},
            "contact": {"name": "mapdir", "url": f"{site}/", "role": "pointOfContact"},
        },
        "mapdir": {"site": site},  # read by the templates (the site's stylesheet, links)
        "resources": {cid: _collection(cid, settings) for cid in COLLECTIONS},
    }
