"""Published itinerant plans (migration 0004): a plan, its stops and their rota; the
communes' accessibility precomputed for the OGC API (migration 0012).

A plan is published as a new itinerant offer (``statut`` ``projet``) whose permanences
(``origine`` ``planification``) are the scheduled stops; confirming it makes the offer and
its permanences active, withdrawing it closes them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, JSONB
from sqlalchemy.sql.naming import conv

from mapdir.db.metadata import EMPTY_ARRAY, EMPTY_OBJECT, metadata, one_of, timestamp

PLAN_STATUSES = ("publie", "confirme", "retire")
ACCESS_MODES = ("voiture", "sans_voiture")
ACCESS_CLASSES = ("zone_blanche", "sous_dotee", "dotee")

#: a published plan for a département (or one of its EPCI, ``territoire``): its name,
#: the depot commune, the request's parameters and the computed result (JSON), its
#: ``statut`` with the dates of confirmation or withdrawal, the offer it created and who
#: published it
plan_itinerance = Table(
    "plan_itinerance",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("departement", String(3), nullable=False),
    Column("nom", Text, nullable=False),
    Column("territoire", String(9)),
    Column("depot", String(5), ForeignKey("commune.code")),
    Column("parametres", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("resultat", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("statut", Text, nullable=False, server_default=text("'publie'")),
    Column("offre_id", BigInteger, ForeignKey("offre.id")),
    Column("cree_par", Text),
    timestamp("created_at"),
    timestamp("confirmed_at", default_now=False),
    timestamp("withdrawn_at", default_now=False),
    CheckConstraint(one_of("statut", PLAN_STATUSES), name=conv("plan_itinerance_statut_check")),
    Index("ix_plan_itinerance_departement", "departement"),
)

#: a stop of a plan, by rank of choice: its commune, the people it newly covers
#: (``gain_marginal``) and the communes it covers, its slot in the rota (bus, week of the
#: cycle, day, half-day, hours) or why it could not be scheduled, and the permanence
#: published for it
plan_arret = Table(
    "plan_arret",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "plan_id",
        BigInteger,
        ForeignKey("plan_itinerance.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("rang", Integer, nullable=False),
    Column("code_insee", String(5), ForeignKey("commune.code"), nullable=False),
    Column("gain_marginal", Integer, nullable=False, server_default=text("0")),
    Column("communes_couvertes", ARRAY(String(5)), nullable=False, server_default=EMPTY_ARRAY),
    Column("bus", Integer),
    Column("semaine_cycle", Integer),
    Column("jour", Text),
    Column("demi_journee", Text),
    Column("horaires", Text),
    Column("motif_non_planifie", Text),
    Column("permanence_id", BigInteger, ForeignKey("permanence.id")),
    UniqueConstraint("plan_id", "code_insee", name=conv("uq_plan_arret")),
    Index("ix_plan_arret_plan", "plan_id"),
)

#: a commune's accessibility (E2SFCA, mapdir.planner.accessibility) for the site's default
#: planner parameters in one travel mode, as /api/v1/accessibilite computes it: the need
#: and its weighting, the weekly hours of help per 1,000 people in need within the mode's
#: threshold, the class, the offers within reach, the nearest help; the parameters used
#: (the answer's ``parametres``) and when it was computed (mapdir.planner.precomputed)
accessibilite_commune = Table(
    "accessibilite_commune",
    metadata,
    Column(
        "code_insee", String(5), ForeignKey("commune.code", ondelete="CASCADE"), primary_key=True
    ),
    Column("mode", Text, primary_key=True),
    Column("departement", String(3), nullable=False),
    Column("besoin_ponderation", Text, nullable=False),
    Column("besoin", DOUBLE_PRECISION, nullable=False),
    Column("besoin_estime", Boolean, nullable=False),
    Column("accessibilite", DOUBLE_PRECISION, nullable=False),
    Column("classe", Text, nullable=False),
    Column("offres_a_portee", Integer, nullable=False),
    Column("duree_min_plus_proche", DOUBLE_PRECISION),
    Column("offre_plus_proche", Text),
    Column("seuil_min", DOUBLE_PRECISION, nullable=False),
    Column("parametres", JSONB, nullable=False),
    timestamp("calcule_le"),
    CheckConstraint(one_of("mode", ACCESS_MODES), name="mode"),
    CheckConstraint(one_of("classe", ACCESS_CLASSES), name="classe"),
    Index("ix_accessibilite_commune_departement", "departement", "mode"),
)
