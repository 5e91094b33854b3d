"""Names of places for their own residents or admitted users, and of places open to the
public, shared by tests/unit/test_residents_only.py (the regex in Python) and
tests/integration/test_search_unknowns.py (the same regex in PostgreSQL)."""

from __future__ import annotations

import re

from mapdir.offers.filters import RESIDENTS_ONLY_NAME, RESIDENTS_ONLY_WORDS

#: real names of the sources' files (all sources, 2026-12) and a few made-up neighbours
RESERVED = (
    "[AGAPEI] |MDPH| EANM SAVS L'OCCITAN",
    "[ALEFPA] |MDPH| ESAT CATIC",
    "[APEAJ] |MDPH| ITEP LOUIS BIVES",
    "[ADOMA] |GHL| RS KOENIGS",
    "[APRES] |OS| CENTRE POST CURE",
    "ADEI - IME DE L'OCEAN",
    "ALT IMPRO ACSEA",
    "APAJH SAPFI-SESSAD",
    "APF-SAVS",
    "SAVS/SAMSAH AFIPH",
    "samsah",
    "IEM Madeleine Fockenberghe",
    "ADAPEI AM FOYER D'HEBERGEMENT LA MADELEINE",
    "Foyer d'Hébergement pour adultes Handicapés de Beauchastel - Croix-Rouge française",
    "Foyer d’accueil médicalisé marc Gentilini Croix Rouge Française",
    "Foyer de vie - Siloë Bethanie - Coësmes",
    "Maison d'accueil spécialisée Les Iris",
    "FAM Les Glycines",
    "EHPAD Le Mont",
    "DITEP Les Chênes",
)
OPEN = (
    "France Services de Bellac",
    "Médiathèque municipale",
    "CCAS de Châteauroux",
    "MDPH du Gard",  # the MDPH receives the public
    "Mairie du Mas d'Azil",
    "MAIRIE DU MAS D'AZIL",
    "Centre Social Mas Clairanne",
    "ADAPEI ESATITUDE NICE",
    "Foyer rural St Léonard",
    "FOYER LAIQUE EDUCATION PERMANENTE",
    "Foyer des jeunes et d'éducation populaire",
    "CHU de Limoges",  # a hospital: only the typologie CHU says "hébergement d'urgence"
    "Espace numérique Famille",
    "Point numérique de l'Ehpad ouvert à tous",  # not the acronym as written
    "Résidence autonomie Edmond Michelet",
    "Time for Kids",
    "Association des Amis de la vie",
)


def is_reserved(name: str) -> bool:
    return bool(re.search(RESIDENTS_ONLY_NAME, name) or re.search(RESIDENTS_ONLY_WORDS, name))
