"""Every table of the database, declared once with SQLAlchemy Core and GeoAlchemy2 on one
``MetaData`` (mapdir.db.metadata), one module per domain. The migrations build the
database; tests/integration/test_schema_drift.py checks that these declarations match it.
"""

from mapdir.db.metadata import metadata
from mapdir.db.tables.editing import (
    modification,
    signalement,
    surcharge,
    tentative_connexion,
    utilisateur,
)
from mapdir.db.tables.etl import doublon, enregistrement_source, geocode_cache, import_run, rejet
from mapdir.db.tables.geo import (
    canton,
    code_postal,
    commune,
    commune_code_ancien,
    departement,
    epci,
    geo_import_anomalie,
    localite,
)
from mapdir.db.tables.indicators import indicateur_commune, indicateur_import
from mapdir.db.tables.offers import offre, permanence
from mapdir.db.tables.planner import accessibilite_commune, plan_arret, plan_itinerance

__all__ = [
    "accessibilite_commune",
    "indicateur_commune",
    "indicateur_import",
    "canton",
    "code_postal",
    "commune",
    "commune_code_ancien",
    "departement",
    "doublon",
    "enregistrement_source",
    "epci",
    "geo_import_anomalie",
    "geocode_cache",
    "import_run",
    "localite",
    "metadata",
    "modification",
    "offre",
    "permanence",
    "plan_arret",
    "plan_itinerance",
    "rejet",
    "signalement",
    "surcharge",
    "tentative_connexion",
    "utilisateur",
]
