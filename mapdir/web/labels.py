"""French labels of the codes stored in the directory (statuses, sources, typologies) and of
dates, as template filters: no raw code ("fermee", "RFS", "publie") reaches a page.

``{{ offre.statut|libelle('statut') }}``, ``{{ code|libelle('source') }}``,
``{{ date|date_fr }}`` ("1er mai 2024")."""

from __future__ import annotations

from datetime import date, datetime

from mapdir.offers.models import STATUS_LABELS
from mapdir.offers.vocab import TYPOLOGIES
from mapdir.web import web_bp
from mapdir.web.fiche import date_label

LABELS: dict[str, dict[str, str]] = {
    "statut": {  # an offer's (its one home: mapdir.offers.models), a plan's, a report's
        **STATUS_LABELS,
        "retire": "retiré",
        "publie": "publié",
        "confirme": "confirmé",
        "brouillon": "brouillon",
        "nouveau": "nouveau",
        "traite": "traité",
        "rejete": "rejeté",
    },
    #: the sources' public names (etl/sources, one module each)
    "source": {
        "france-services": "Réseau France Services (ANCT)",
        "mednum-v1": "Cartographie nationale des lieux de médiation numérique",
        "haute-vienne": "Carte des acteurs du numérique de la Haute-Vienne (Limoges Métropole)",
        "data-inclusion-lieux": "data·inclusion",
        "conseillers-numeriques": "Conseillers numériques (ANCT)",
        "aidants-connect": "Aidants Connect",
        "saisie": "Saisie d'un animateur du réseau",
        "tableur": "Import d'un tableur partenaire",
    },
    "typologie": TYPOLOGIES,
}


@web_bp.app_template_filter("libelle")
def label(code: str | None, kind: str) -> str:
    """The French label of a stored code (the code itself when unknown: never empty)."""
    if code is None:
        return ""
    return LABELS.get(kind, {}).get(code, code)


def date_fr(value: date | datetime | str | None) -> str:
    """ "1er mai 2024" from a date, a datetime or an ISO string; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return date_label(value if not isinstance(value, datetime) else value.date())


web_bp.add_app_template_filter(date_fr, "date_fr")
