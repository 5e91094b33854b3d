"""Record the answers of a few dozen public URLs, to check that a restructuring changes none.

Usage (on a database holding the demo data: ``mapdir geo import --france``, ``--departement
87``, ``mapdir etl run --all --from ../shared/data --no-geocode``)::

    python scripts/dev/record_answers.py record var/answers-before.json
    python scripts/dev/record_answers.py compare var/answers-before.json var/answers-after.json

Requests go through Flask's test client (no server). Offers are named by their source key,
not their id, so that two loads of the same files compare. The opening times asked are
fixed dates; pages that show "open now" are recorded on the same day to compare. CSRF tokens
are masked.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from sqlalchemy import text

from mapdir import create_app
from mapdir.config import Settings

#: offers looked up by (source, source id) at record time: {name: (source, source_id)}
OFFER_KEYS_SQL = """
SELECT o.id FROM offre o
WHERE o.statut = :statut AND o.code_insee LIKE '87%'
ORDER BY o.nom, o.id LIMIT 1 OFFSET :n
"""

GET_URLS = [
    "/sante",
    "/api/v1/openapi.json",
    "/api/v1/communes?code_postal=87000",
    "/api/v1/communes?code_postal=87400",
    "/api/v1/communes?q=saint-l&limite=5",
    "/api/v1/communes/87085",
    "/api/v1/communes/99999",
    "/api/v1/recherche?code_postal=87000",
    "/api/v1/recherche?code_postal=87400&limite=5",
    "/api/v1/recherche?code_postal=87200&services=demarches-administratives",
    "/api/v1/recherche?code_postal=87200&services=aide-aux-demarches-administratives",
    "/api/v1/recherche?code_postal=87500&services=acces-internet-materiel,loisirs-creations",
    "/api/v1/recherche?code_postal=87100&publics=seniors&frais=gratuit",
    "/api/v1/recherche?code_postal=87300&modalites=atelier-collectif",
    "/api/v1/recherche?code_postal=87000&programme=france-services",
    "/api/v1/recherche?code_postal=87000&programme=conseillers-numeriques&limite=3",
    "/api/v1/recherche?code_postal=87000&ouvert=2026-12-02T10:00",
    "/api/v1/recherche?code_postal=87000&ouvert=samedi-matin",
    "/api/v1/recherche?code_postal=87000&ouvert=mercredi",
    "/api/v1/recherche?code_commune=87085&prise_en_charge=accompagnement",
    "/api/v1/recherche?code_commune=87085&prise_en_charge=surdite",
    "/api/v1/recherche?lat=45.83&lon=1.26&limite=10",
    "/api/v1/recherche?lat=45.9&lon=1.5&services=outils-numeriques-quotidien",
    "/api/v1/recherche?code_postal=99999",
    "/api/v1/recherche?code_postal=87000&services=inconnu",
    "/api/v1/recherche?code_postal=87000&bidule=1",
    "/api/v1/recherche",
    "/api/v1/offres.geojson?bbox=1.2,45.8,1.3,45.9",
    "/api/v1/offres.geojson?bbox=0.8,45.4,1.9,46.4&programme=france-services&limite=50",
    "/api/v1/offres.geojson?bbox=0,0,50,50",
    "/api/v1/offres/abc",
    "/api/v1/offres/999999999",
    "/api/v1/couverture?departement=87",
    "/api/v1/couverture?departement=87&services=demarches-administratives",
    "/api/v1/couverture?departement=87&programme=Conseillers numériques",
    "/api/v1/couverture?departement=87&seuil_min=10&zone_blanche_min=20",
    "/api/v1/classement?departement=87",
    "/api/v1/classement?departement=87&niveau=canton",
    "/api/v1/plans?departement=87",
    "/api/v1/accessibilite?departement=87",
    "/api/v1/accessibilite?departement=87&besoin=fragilite&type_offre=formation",
    "/api/v1/accessibilite?departement=87&mode=sans_voiture&services=demarches-administratives",
    "/api/v1/accessibilite.geojson?departement=87&besoin=seniors",
    "/api/v1/couverture.geojson?departement=87",
    "/api/v1/offres.geojson?bbox=1.1,45.7,1.4,46&type_offre=assistance",
    "/api/v1/offres.geojson?bbox=0.8,45.4,1.9,46.4&services=demarches-administratives&frais=gratuit",
    "/api/v1/export/data-inclusion/structures?departement=87&size=20&page=2",
    "/api/v1/export/data-inclusion/services?departement=87&size=30",
    "/api/v1/export/data-inclusion/services?departement=16&programme=france-services",
    "/api/v1/export/data-inclusion/structures?bbox=1.2,45.8,1.3,45.9&services=loisirs-creations",
    "/api/v1/export/data-inclusion/services?departement=87&size=50&page=99",
    "/api/v1/couverture?departement=XX",
    "/",
    "/recherche?lieu=87000",
    "/recherche?lieu=87400&services=demarches-administratives&gratuit=1",
    "/recherche?lieu=87400&services=aide-aux-demarches-administratives",
    "/recherche?lieu=Limoges+(87085)&ouvert=jour&ouvert_jour=mercredi&ouvert_moment=matin",
    "/recherche?lieu=saint",
    "/recherche?lieu=",
    "/fiche?offres={o0},{o1}",
    "/connexion",
    "/planification",
]
POSTS = [
    ("/api/v1/planification", {"departement": "87", "k": 3}),
    (
        "/api/v1/planification",
        {"departement": "87", "k": 2, "services": ["demarches-administratives"]},
    ),  # noqa: E501
    ("/api/v1/planification", {"departement": "87", "k": 0}),
]
#: pages behind a login, requested as an admin
ADMIN_URLS = [
    "/edition/",
    "/edition/offres/{o0}",
    "/edition/offres/{o0}/modifier",
    "/offres/{o0}/historique",
    "/edition/conflits",
    "/edition/signalements",
    "/planification/87",
    "/planification/87/export.csv",
]
OFFER_PAGES = ["/api/v1/offres/{o0}", "/api/v1/offres/{o1}", "/api/v1/offres/{m0}", "/offres/{o0}",
               "/offres/{o1}", "/offres/{m0}", "/offres/{o0}/signaler"]  # fmt: skip
_CSRF = re.compile(r'(name="csrf_token" value=|"csrf_token": ?|csrf-token" content=)"[^"]*"')


def _ids(conn) -> dict[str, int]:
    ids = {}
    for name, statut, n in (("o0", "active", 0), ("o1", "active", 7), ("m0", "fusionnee", 3)):
        ids[name] = conn.execute(text(OFFER_KEYS_SQL), {"statut": statut, "n": n}).scalar_one()
    return ids


def _admin(conn) -> tuple[int, int]:
    row = conn.execute(
        text("SELECT id, version_session FROM utilisateur WHERE role = 'admin' ORDER BY id LIMIT 1")
    ).first()
    if row is None:
        raise SystemExit("create an admin first: mapdir users create --email … --role admin")
    return row.id, row.version_session


def _answer(response) -> dict[str, Any]:
    kind = response.mimetype or ""
    body: Any = response.get_data(as_text=True)
    if kind.endswith("json"):
        body = json.loads(body)
    else:
        body = _CSRF.sub(r'\1"…"', body)
    return {"status": response.status_code, "type": kind, "location": response.location,
            "body": body}  # fmt: skip


def record(out: str) -> None:
    app = create_app(Settings.from_env({"MAPDIR_SECURE_COOKIES": "0"}))
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["EDITING_GEOCODER"] = None
    from mapdir.db import get_engine

    with get_engine(app.config["MAPDIR_SETTINGS"]).connect() as conn:
        ids = _ids(conn)
        uid, version = _admin(conn)
    answers: dict[str, Any] = {"_ids": ids}
    client = app.test_client()
    for url in GET_URLS + OFFER_PAGES:
        url = url.format(**ids)
        answers["GET " + url] = _answer(client.get(url))
    for url, body in POSTS:
        answers["POST " + url + " " + json.dumps(body)] = _answer(client.post(url, json=body))
    with client.session_transaction() as session:
        session["uid"], session["sv"] = uid, version
    for url in ADMIN_URLS:
        url = url.format(**ids)
        answers["ADMIN GET " + url] = _answer(client.get(url))
    with open(out, "w") as f:
        json.dump(answers, f, ensure_ascii=False, indent=1, sort_keys=False)
    print(f"{len(answers) - 1} answers recorded in {out}")


#: what varies from run to run: measured durations, and when a load saw each record
VARYING = {"secondes", "premiere_vue", "derniere_vue"}


def _untimed(value: Any) -> Any:
    """The answer without what varies from run to run (VARYING)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def compare(before: str, after: str) -> int:
    with open(before) as f:
        old = json.load(f)
    with open(after) as f:
        new = json.load(f)
    differ = [k for k in old if k != "_ids" and _untimed(old.get(k)) != _untimed(new.get(k))]
    same = len(old) - 1 - len(differ)
    for key in differ:
        print("DIFFERS:", key)
    print(f"{same} same, {len(differ)} different (ids before {old['_ids']}, after {new['_ids']})")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        record(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
