"""The offer's field names, shared by the ETL (merge, rebuild) and the services.

The table itself is declared in mapdir.db.tables.offers (and built by the migrations);
these tuples name the fields an offer takes from its source records, in merge order.
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
