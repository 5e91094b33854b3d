"""The animators' duplicates queue (``/edition/doublons``) on the real records of 87.

The Haute-Vienne records of every source are cut from the offline mirror at test time and
imported (with deduplication) into the session database: the pairs scored between the
verification and the merge thresholds wait for an animator. Confirm, reject and undo are
checked for the permission, the territory and CSRF on the server; a person's decision
survives a later import.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from etl.dedup import dedup_offers
from etl.load import run_source
from mapdir.editing import duplicates
from mapdir.offers.dedup_score import SEUIL_FUSION, SEUIL_VERIFICATION
from tests.imported import cut_87, imported
from tests.integration.test_auth import csrf, drop_users, login, make_user

PENDING_SQL = """
    SELECT d.id FROM doublon d JOIN offre a ON a.id = d.offre_a JOIN offre b ON b.id = d.offre_b
    JOIN commune ca ON ca.code = a.code_insee JOIN commune cb ON cb.code = b.code_insee
    WHERE d.decision = 'a_verifier' AND NOT d.annulee AND a.statut = 'active'
      AND b.statut = 'active' AND ca.departement = :dep AND cb.departement = :dep
    ORDER BY d.score DESC, d.id
"""


@pytest.fixture(scope="module")
def queue(engine, app, shared_data, tmp_path_factory):
    app.config["EDITING_GEOCODER"] = None
    files = cut_87(shared_data / "offers", tmp_path_factory.mktemp("cut87"))
    with imported(engine):
        for slug, path in files:
            print(run_source(engine, slug, path).line())
        users = {
            "animateur87": make_user(engine, "animateur", departement="87"),
            "animateur93": make_user(engine, "animateur", departement="93"),
            "admin": make_user(engine, "admin"),
        }
        try:
            yield users
        finally:
            with engine.begin() as conn:
                conn.execute(text("UPDATE doublon SET decide_par_utilisateur = NULL WHERE id > 0"))
            drop_users(engine, list(users.values()))


def _client(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _pending(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text(PENDING_SQL), {"dep": "87"}).scalars())


def _pair(engine, pair_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT d.decision, d.decide_par, d.annulee, d.decide_par_utilisateur,"
                " a.statut AS a_statut, a.fusionnee_dans AS a_dans, b.statut AS b_statut,"
                " b.fusionnee_dans AS b_dans, d.offre_a, d.offre_b, d.score"
                " FROM doublon d JOIN offre a ON a.id = d.offre_a"
                " JOIN offre b ON b.id = d.offre_b WHERE d.id = :i"
            ),
            {"i": pair_id},
        ).one()


def _post(client, pair_id: int, action: str, token: str | None = None):
    token = token if token is not None else csrf(client, "/edition/doublons")
    return client.post(f"/edition/doublons/{pair_id}", data={"action": action, "csrf_token": token})


def test_the_queue_holds_the_real_pairs_between_the_thresholds(engine, queue):
    pending = _pending(engine)
    print(f"[doublons] paires à vérifier en Haute-Vienne : {len(pending)}")
    assert len(pending) >= 5
    with engine.connect() as conn:
        scores = [_pair(engine, i).score for i in pending]
        assert all(SEUIL_VERIFICATION <= s < SEUIL_FUSION for s in scores)
        assert duplicates.count_pending(conn, queue["animateur87"]) == len(pending)
        assert duplicates.count_pending(conn, queue["admin"]) >= len(pending)
        assert duplicates.count_pending(conn, queue["animateur93"]) == 0  # not their territory


def test_the_page_lists_the_pairs_in_french(app, engine, queue):
    client = _client(app, queue["animateur87"])
    page = client.get("/edition/doublons")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    pending = _pending(engine)
    assert f"À vérifier ({len(pending)})" in body
    assert all(f'id="paire-{i}"' in body for i in pending)
    assert "Même lieu : fusionner" in body and "Lieux différents" in body
    home = client.get("/edition/").get_data(as_text=True)  # the home page counts them
    assert f'<span class="compte" id="compte-doublons">{len(pending)}</span>' in home
    assert 'href="/edition/doublons"' in home
    other = _client(app, queue["animateur93"]).get("/edition/doublons").get_data(as_text=True)
    assert "Aucune paire à vérifier dans votre territoire." in other
    assert not re.search(r'id="paire-\d+"', other)


def test_anonymous_and_other_territories_change_nothing(app, engine, queue):
    pair_id = _pending(engine)[0]
    before = _pair(engine, pair_id)
    anonymous = app.test_client()
    assert anonymous.get("/edition/doublons").status_code == 302  # to the login page
    refused = anonymous.post(f"/edition/doublons/{pair_id}", data={"action": "confirmer"})
    assert refused.status_code in (400, 403)
    # another département's animator: refused on the server, in French
    response = _post(_client(app, queue["animateur93"]), pair_id, "confirmer")
    assert response.status_code == 403
    assert "pas le droit" in response.get_data(as_text=True)
    # no CSRF token: refused
    response = _post(_client(app, queue["animateur87"]), pair_id, "confirmer", token="")
    assert response.status_code == 400
    assert _pair(engine, pair_id) == before


def test_bad_input_is_a_french_4xx(app, engine, queue):
    client = _client(app, queue["animateur87"])
    pair_id = _pending(engine)[0]
    response = _post(client, pair_id, "supprimer")
    assert response.status_code == 400 and "Action inconnue" in response.get_data(as_text=True)
    response = _post(client, 987654321, "confirmer")
    assert response.status_code == 404 and "Paire introuvable" in response.get_data(as_text=True)


def test_confirm_merges_then_undo_puts_the_pair_back(app, engine, queue):
    user = queue["animateur87"]
    client = _client(app, user)
    pair_id = _pending(engine)[0]
    response = _post(client, pair_id, "confirmer")
    assert response.status_code == 303
    after = _pair(engine, pair_id)
    assert (after.decision, after.decide_par, after.decide_par_utilisateur) == (
        "fusion",
        "humain",
        user.id,
    )
    statuts = {after.a_statut, after.b_statut}
    assert statuts == {"active", "fusionnee"}
    kept = after.offre_a if after.a_statut == "active" else after.offre_b
    assert kept in (after.a_dans, after.b_dans)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fusion confirmée." in page and 'id="annuler-derniere"' in page
    assert pair_id not in _pending(engine)

    # twice: the pair was already decided
    again = _post(client, pair_id, "confirmer")
    assert again.status_code == 409 and "déjà été traitée" in again.get_data(as_text=True)

    assert _post(client, pair_id, "annuler").status_code == 303
    undone = _pair(engine, pair_id)
    assert (undone.a_statut, undone.b_statut) == ("active", "active")
    assert (undone.a_dans, undone.b_dans) == (None, None)
    assert undone.decision == "a_verifier" and not undone.annulee
    assert pair_id in _pending(engine)


def test_reject_survives_a_later_import_and_can_be_undone(app, engine, queue):
    client = _client(app, queue["animateur87"])
    pair_id = _pending(engine)[-1]
    assert _post(client, pair_id, "rejeter").status_code == 303
    decided = _pair(engine, pair_id)
    assert (decided.decision, decided.decide_par) == ("distinct", "humain")
    assert decided.a_statut == decided.b_statut == "active"
    with engine.begin() as conn:  # the next import scores the pair again
        dedup_offers(conn, [decided.offre_a, decided.offre_b])
    assert _pair(engine, pair_id).decision == "distinct"  # a person's decision stays
    decisions = client.get("/edition/doublons?vue=decides").get_data(as_text=True)
    assert f'id="paire-{pair_id}"' in decisions and "Gardées distinctes" in decisions
    assert _post(client, pair_id, "annuler").status_code == 303
    assert _pair(engine, pair_id).decision == "a_verifier"


def test_an_automatic_merge_is_undone_for_good(app, engine, queue):
    client = _client(app, queue["admin"])
    with engine.connect() as conn:
        pair_id = conn.execute(
            text(
                "SELECT d.id FROM doublon d JOIN offre a ON a.id = d.offre_a"
                " JOIN offre b ON b.id = d.offre_b WHERE d.decision = 'fusion'"
                " AND d.decide_par = 'regle' AND NOT d.annulee"
                " AND 'fusionnee' IN (a.statut, b.statut) ORDER BY d.id LIMIT 1"
            )
        ).scalar_one()
    page = client.get("/edition/doublons?vue=automatiques").get_data(as_text=True)
    assert f'id="paire-{pair_id}"' in page and "Annuler la fusion" in page
    assert _post(client, pair_id, "annuler").status_code == 303
    undone = _pair(engine, pair_id)
    assert (undone.a_statut, undone.b_statut) == ("active", "active")
    assert (undone.decision, undone.annulee, undone.decide_par) == ("distinct", True, "humain")
    again = _post(client, pair_id, "annuler")
    assert again.status_code == 409 and "rien à annuler" in again.get_data(as_text=True)
