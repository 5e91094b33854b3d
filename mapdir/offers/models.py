"""The offer's field names, shared by the ETL (merge, rebuild) and the services.

The table itself is declared in mapdir.db.tables.offers (and built by the migrations);
these tuples name the fields an offer takes from its source records, in merge order.
"""

#: an offer's status (``offre.statut``) as a person reads it
STATUS_LABELS = {
    "active": "active",
    "fermee": "fermée",
    "absente_source": "absente de sa source",
    "fusionnee": "regroupée avec une autre fiche",
    "projet": "en projet",
}
#: the public page's warning for an offer that is not active
STATUS_WARNINGS = {
    "fermee": "Ce lieu est signalé comme fermé.",
    "absente_source": (
        "Ce lieu n'apparaît plus dans le fichier qui le publiait : il a peut-être fermé ou "
        "déménagé. Vérifiez avant de vous déplacer."
    ),
    "fusionnee": "Cette fiche a été regroupée avec une autre qui décrit le même lieu.",
    "projet": "Ce lieu est en projet : il n'est pas encore ouvert.",
}

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
