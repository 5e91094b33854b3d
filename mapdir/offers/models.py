"""The offer's field names, shared by the ETL (merge, rebuild) and the services.

The tables themselves are created by the Alembic migrations (``migrations/versions``) and
queried with SQL; no ORM mirror is kept, so there is one schema definition only.
"""

LIST_FIELDS = (
    "typologie",
    "telephones",
    "courriels",
    "sites_web",
    "services",
    "services_source",
    "publics",
    "prise_en_charge",
    "frais",
    "modalites_acces",
    "modalites_accompagnement",
    "programmes",
    "itinerance",
)
SCALAR_FIELDS = (
    "nom",
    "pivot",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune_nom",
    "code_insee",
    "horaires",
    "horaires_texte",
    "acceslibre_url",
    "prise_rdv_url",
    "prise_rdv",
    "presentation_resume",
    "presentation_detail",
    "commentaire",
    "date_maj",
)
