"""Issue 18, animators 1, 3 and 4: the home page says what to do first in one's territory;
saving an untouched form records nothing (lists compared as sets); messages after each
action; « Toujours à jour » undone in one click; an edit counts as a confirmation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.editing_world import delete_offers, insert_location_conflict
from tests.html_form import form_fields
from tests.integration.test_auth import csrf, drop_users, login, make_user

SAINT_JUNIEN = "87154"  # the territory of this module's animator (its EPCI), far from Limoges
SAINT_DENIS = "93066"
PREFIX = "TEST-PRIO"


def _offer(conn, nom: str, code: str = SAINT_JUNIEN, **columns) -> int:
    names = "".join(f", {k}" for k in columns)
    values = "".join(f", :{k}" for k in columns)
    return conn.execute(
        text(
            f"INSERT INTO offre (nom, code_insee, commune_nom, point{names})"
            f" SELECT :nom, code, nom, point{values} FROM commune"
            " WHERE code = :code RETURNING id"
        ),
        {"nom": f"{PREFIX} {nom}", "code": code, **columns},
    ).scalar_one()


@pytest.fixture(scope="module")
def territory(engine, app):
    app.config["EDITING_GEOCODER"] = None
    with engine.begin() as conn:
        epci = conn.execute(
            text("SELECT epci FROM commune WHERE code = :c"), {"c": SAINT_JUNIEN}
        ).scalar_one()
        ids = {
            "reported": _offer(conn, "signalée", confirmed_at="2026-01-01"),
            "conflict": _offer(conn, "en conflit", confirmed_at="2026-01-01"),
            "absent": _offer(conn, "absente", statut="absente_source"),
            "old": _offer(conn, "ancienne", date_maj="2019-03-01"),
            "recent": _offer(conn, "récente", date_maj="2026-11-01"),
            "undated": _offer(conn, "sans date"),
            "confirmed": _offer(conn, "confirmée", confirmed_at="2026-11-30"),
            "elsewhere": _offer(conn, "Saint-Denis", code=SAINT_DENIS),
        }
        for key in ("reported", "elsewhere"):
            conn.execute(
                text(
                    "INSERT INTO signalement (offre_id, categorie, message, empreinte_ip)"
                    " VALUES (:i, 'horaires', 'Fermé le lundi', 'x')"
                ),
                {"i": ids[key]},
            )
        conn.execute(
            text(
                "INSERT INTO surcharge (offre_id, champ, valeur, valeur_source, source_actuelle,"
                " en_conflit) VALUES (:i, 'horaires', '\"Mo 09:00-12:00\"',"
                " '\"Tu 09:00-12:00\"', '\"We 09:00-12:00\"', true)"
            ),
            {"i": ids["conflict"]},
        )
        ids["position"] = _offer(conn, "position", confirmed_at="2026-01-01")
    insert_location_conflict(engine, ids["position"], PREFIX, "coordonnées à 97,3 km")
    users = {
        "animateur": make_user(engine, "animateur", epci=epci),
        "structure": make_user(engine, "structure", offre_id=ids["old"]),
        "animateur93": make_user(engine, "animateur", departement="93"),
    }
    yield ids, users
    drop_users(engine, list(users.values()))
    with engine.connect() as conn:
        offer_ids = list(ids.values()) + list(
            conn.execute(text("SELECT id FROM offre WHERE nom LIKE :p"), {"p": PREFIX + "%"})
            .scalars()
            .all()
        )
    delete_offers(engine, offer_ids)


def _client(app, user, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    assert login(client, user.email).status_code == 302
    return client


def _section(page: str, key: str) -> str:
    start = page.index(f'id="priorite-{key}"')
    end = page.find('class="priorite"', start + 10)
    return page[start : end if end > 0 else len(page)]


def test_home_page_lists_priorities_of_the_territory_in_order(app, territory):
    ids, users = territory
    page = _client(app, users["animateur"], "10.8.0.1").get("/edition/").get_data(as_text=True)
    keys = ["signalements", "conflits", "positions", "absentes", "jamais_confirmees", "doublons"]
    positions = [page.index(f'id="priorite-{key}"') for key in keys]
    assert positions == sorted(positions)
    counts = dict(re.findall(r'id="compte-(\w+)">(\d+)<', page))
    # never confirmed: active offers only (the absent one is in its own section)
    assert counts == {
        "signalements": "1",
        "conflits": "1",
        "positions": "1",  # the source's coordinates contradict the commune
        "absentes": "1",
        "jamais_confirmees": "3",
        "doublons": "0",  # mapdir.editing.duplicates.count_pending: none in this territory
    }
    never = _section(page, "jamais_confirmees")
    order = [
        never.index(f"/edition/offres/{ids[k]}/modifier") for k in ("undated", "old", "recent")
    ]
    assert order == sorted(order)  # unknown date, then the oldest information first
    for key, offer in (
        ("signalements", "reported"),
        ("conflits", "conflict"),
        ("positions", "position"),
        ("absentes", "absent"),
    ):
        assert f"/edition/offres/{ids[offer]}/modifier" in _section(page, key)
    assert f"/edition/offres/{ids['elsewhere']}" not in page  # Saint-Denis: not this territory
    assert f"/edition/offres/{ids['confirmed']}/modifier" not in page.split('id="toutes"')[0]

    structure = _client(app, users["structure"], "10.8.0.2").get("/edition/").get_data(True)
    counts = dict(re.findall(r'id="compte-(\w+)">(\d+)<', structure))
    assert counts["jamais_confirmees"] == "1" and counts["signalements"] == "0"
    assert f"/edition/offres/{ids['recent']}" not in structure

    elsewhere = _client(app, users["animateur93"], "10.8.0.3").get("/edition/").get_data(True)
    assert f"/edition/offres/{ids['elsewhere']}/modifier" in _section(elsewhere, "signalements")
    assert f"/edition/offres/{ids['reported']}" not in elsewhere


def test_toujours_a_jour_without_confirmation_says_so_and_is_undone(app, engine, territory):
    ids, users = territory
    client = _client(app, users["animateur"], "10.8.0.4")
    token = csrf(client, "/edition/")
    done = client.post(
        f"/edition/offres/{ids['recent']}/confirmer",
        data={"csrf_token": token, "retour": "/edition/"},
    )
    assert done.status_code == 302 and done.location.endswith("/edition/")
    page = client.get("/edition/").get_data(as_text=True)
    assert "confirmée à jour aujourd&#39;hui" in page
    change = int(re.search(r"/edition/modifications/(\d+)/annuler", page).group(1))
    assert f"/edition/offres/{ids['recent']}/modifier" not in _section(page, "jamais_confirmees")
    assert "confirmée à jour" not in client.get("/edition/").get_data(as_text=True)  # shown once

    outsider = _client(app, users["animateur93"], "10.8.0.5")
    denied = outsider.post(
        f"/edition/modifications/{change}/annuler", data={"csrf_token": csrf(outsider, "/edition/")}
    )
    assert denied.status_code == 403
    assert client.post(f"/edition/modifications/{change}/annuler", data={}).status_code == 400
    undone = client.post(
        f"/edition/modifications/{change}/annuler",
        data={"csrf_token": token, "retour": "/edition/"},
    )
    assert undone.status_code == 302 and undone.location.endswith("/edition/")
    page = client.get("/edition/").get_data(as_text=True)
    assert "Modification annulée" in page
    assert f"/edition/offres/{ids['recent']}/modifier" in _section(page, "jamais_confirmees")
    with engine.connect() as conn:
        confirmed = conn.execute(
            text("SELECT confirmed_at FROM offre WHERE id = :i"), {"i": ids["recent"]}
        ).scalar_one()
    assert confirmed is None


def test_untouched_form_records_nothing_and_lists_compare_as_sets(app, engine, territory):
    ids, users = territory
    with engine.begin() as conn:
        offer = _offer(
            conn,
            "formulaire",
            programmes=["France Services", "Aidants Connect"],  # not the vocabulary's order
            publics=["Seniors", "Jeunes"],
            services=["acces-internet-materiel", "demarches-administratives"],
            telephones=["05 55 00 00 01", "05 55 00 00 02"],
            presentation_resume="Accueil du public.  \n",
            horaires="Mo-Fr 09:00-12:00",
        )
    client = _client(app, users["animateur"], "10.8.0.6")
    path = f"/edition/offres/{offer}/modifier"
    fields = form_fields(client.get(path).get_data(as_text=True), "form-offre")
    saved = client.post(path, data=_multi(fields))
    assert saved.status_code == 302

    def recorded():
        with engine.connect() as conn:
            return (
                conn.execute(
                    text("SELECT champs FROM modification WHERE offre_id = :i ORDER BY id"),
                    {"i": offer},
                )
                .scalars()
                .all()
            )

    assert recorded() == []
    assert "Aucun changement" in client.get(saved.location).get_data(as_text=True)
    changed = [(k, "Tu 09:00-12:00" if k == "horaires" else v) for k, v in fields]
    assert client.post(path, data=_multi(changed)).status_code == 302
    history = recorded()
    assert len(history) == 1 and set(history[0]) == {"horaires"}
    page = client.get(f"/edition/offres/{offer}").get_data(as_text=True)
    assert "Modifications enregistrées" in page


def test_an_edit_confirms_the_offer_and_every_action_says_what_it_did(app, engine, territory):
    ids, users = territory
    client = _client(app, users["animateur"], "10.8.0.7")
    offer = ids["old"]
    path = f"/edition/offres/{offer}/modifier"
    fields = form_fields(client.get(path).get_data(as_text=True), "form-offre")
    changed = [(k, "Sa 10:00-12:00" if k == "horaires" else v) for k, v in fields]
    client.post(path, data=_multi(changed))
    with engine.connect() as conn:
        confirmed = conn.execute(
            text("SELECT confirmed_at IS NOT NULL FROM offre WHERE id = :i"), {"i": offer}
        ).scalar_one()
    assert confirmed  # the person who edited has just checked it
    home = client.get("/edition/").get_data(as_text=True)
    assert f"/edition/offres/{offer}/modifier" not in _section(home, "jamais_confirmees")

    token = csrf(client, f"/edition/offres/{offer}")
    closed = client.post(
        f"/edition/offres/{offer}/fermer", data={"csrf_token": token, "motif": "x"}
    )
    assert "Offre fermée" in client.get(closed.location).get_data(as_text=True)
    reopened = client.post(f"/edition/offres/{offer}/rouvrir", data={"csrf_token": token})
    assert "Offre rouverte" in client.get(reopened.location).get_data(as_text=True)


def _multi(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)
