"""Editing from the web: a role × action × territory matrix, CSRF, history and revert,
closing, permanences, creation, and HTML/JS typed into fields shown escaped."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text

from tests.integration.test_auth import csrf, drop_users, login, make_user

LIMOGES = "87085"  # Haute-Vienne
SAINT_DENIS = "93066"  # Seine-Saint-Denis
NAME = "TEST-EDIT offre"


def _insert_offer(engine, code_insee: str, nom: str = NAME) -> int:
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, commune_nom, horaires, statut, point)"
                " SELECT :n, code, nom, 'Mo-Fr 09:00-12:00', 'active', point FROM commune"
                " WHERE code = :c RETURNING id"
            ),
            {"n": nom, "c": code_insee},
        ).scalar_one()


def _cleanup_offers(engine) -> None:
    with engine.begin() as conn:
        ids = list(conn.execute(text("SELECT id FROM offre WHERE nom LIKE 'TEST-EDIT%'")).scalars())
        conn.execute(text("UPDATE utilisateur SET offre_id = NULL WHERE role <> 'structure'"))
        conn.execute(text("DELETE FROM surcharge WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM signalement WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("UPDATE modification SET annulee_par = NULL WHERE offre_id = ANY(:i)"), {"i": ids}
        )
        conn.execute(text("DELETE FROM modification WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM permanence WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(text("DELETE FROM utilisateur WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("DELETE FROM doublon WHERE offre_a = ANY(:i) OR offre_b = ANY(:i)"), {"i": ids}
        )
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": ids})


@pytest.fixture(scope="module")
def world(engine, app):
    """Offer X in 87, offer Y in 93 and one account per role."""
    app.config["EDITING_GEOCODER"] = None  # no network: the commune's point
    x = _insert_offer(engine, LIMOGES, NAME + " X")
    y = _insert_offer(engine, SAINT_DENIS, NAME + " Y")
    users = {
        "admin": make_user(engine, "admin"),
        "animateur87": make_user(engine, "animateur", departement="87"),
        "animateur93": make_user(engine, "animateur", departement="93"),
        "structureX": make_user(engine, "structure", offre_id=x),
    }
    yield {"x": x, "y": y, "users": users}
    drop_users(engine, list(users.values()))
    _cleanup_offers(engine)


def _client(app, world, role):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.1.0.{len(role)}"
    if role != "anonyme":
        assert login(client, world["users"][role].email).status_code == 302
    return client


def _state(engine, offer_id: int) -> tuple:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT o.nom, o.horaires, o.statut, (SELECT count(*) FROM modification m"
                " WHERE m.offre_id = o.id) FROM offre o WHERE o.id = :i"
            ),
            {"i": offer_id},
        ).one()


def _form(engine, offer_id: int, **changes) -> dict:
    """The edit form as a browser would post it, with the offer's current values."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("SELECT *, ST_X(point) lon, ST_Y(point) lat FROM offre WHERE id = :i"),
                {"i": offer_id},
            )
            .mappings()
            .one()
        )
    form = {
        k: row[k] or ""
        for k in ("nom", "adresse", "code_postal", "commune_nom", "code_insee", "horaires")
    }
    form |= {"latitude": f"{row['lat']:.6f}", "longitude": f"{row['lon']:.6f}"}
    form |= {"services": row["services"]}
    return form | changes


def _admin_change(engine, app, world) -> int:
    client = _client(app, world, "admin")
    token = csrf(client, f"/edition/offres/{world['x']}/modifier")
    client.post(
        f"/edition/offres/{world['x']}/modifier",
        data=_form(engine, world["x"], csrf_token=token, nom=NAME + " X (modifiée)"),
    )
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT max(id) FROM modification WHERE offre_id = :i"), {"i": world["x"]}
        ).scalar_one()


ALLOWED = {"admin", "animateur87", "structureX"}


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_edit_form_and_post(engine, app, world, role):
    client = _client(app, world, role)
    x = world["x"]
    get = client.get(f"/edition/offres/{x}/modifier")
    expected_get = 200 if role in ALLOWED else (302 if role == "anonyme" else 403)
    assert get.status_code == expected_get
    token = csrf(client, "/connexion")
    before = _state(engine, x)
    post = client.post(
        f"/edition/offres/{x}/modifier",
        data=_form(engine, x, csrf_token=token, horaires="Sa 10:00-12:00"),
    )
    after = _state(engine, x)
    if role in ALLOWED:
        assert post.status_code == 302
        assert after.horaires == "Sa 10:00-12:00" and after[3] == before[3] + 1
        with engine.begin() as conn:  # put it back for the next role
            conn.execute(
                text("UPDATE offre SET horaires = :h WHERE id = :i"), {"h": before.horaires, "i": x}
            )
    else:
        assert post.status_code == 403
        assert after == before


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_close_and_reopen(engine, app, world, role):
    client = _client(app, world, role)
    x = world["x"]
    token = csrf(client, "/connexion")
    before = _state(engine, x)
    post = client.post(
        f"/edition/offres/{x}/fermer", data={"csrf_token": token, "motif": "Travaux"}
    )
    after = _state(engine, x)
    if role in ALLOWED:
        assert post.status_code == 302 and after.statut == "fermee"
        assert (
            client.post(f"/edition/offres/{x}/rouvrir", data={"csrf_token": token}).status_code
            == 302
        )
        assert _state(engine, x).statut == "active"
    else:
        assert post.status_code == 403 and after == before


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_revert(engine, app, world, role):
    change = _admin_change(engine, app, world)
    client = _client(app, world, role)
    token = csrf(client, "/connexion")
    before = _state(engine, world["x"])
    post = client.post(f"/edition/modifications/{change}/annuler", data={"csrf_token": token})
    after = _state(engine, world["x"])
    if role in ALLOWED:
        assert post.status_code == 302
        assert after.nom == NAME + " X" and after[3] == before[3] + 1
    else:
        assert post.status_code == 403 and after == before
        assert (
            client.post(
                f"/edition/modifications/{change}/annuler", data={"csrf_token": token}
            ).status_code
            == 403
        )
        _client(app, world, "admin").post(
            f"/edition/modifications/{change}/annuler", data={"csrf_token": token}
        )


@pytest.mark.parametrize(
    ("role", "commune", "expected"),
    [
        ("admin", SAINT_DENIS, 302),
        ("animateur87", LIMOGES, 302),
        ("animateur87", SAINT_DENIS, 403),
        ("animateur93", LIMOGES, 403),
        ("structureX", LIMOGES, 403),
        ("anonyme", LIMOGES, 403),
    ],
)
def test_matrix_create(engine, app, world, role, commune, expected):
    client = _client(app, world, role)
    token = csrf(client, "/connexion")
    name = f"TEST-EDIT créée par {role} à {commune}"
    post = client.post(
        "/edition/offres/nouvelle",
        data={
            "csrf_token": token,
            "nom": name,
            "code_insee": commune,
            "horaires": "Tu 14:00-17:00",
            "services": ["demarches-administratives"],
        },
    )
    assert post.status_code == expected
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, statut, services, ST_AsText(point) p FROM offre WHERE nom = :n"),
            {"n": name},
        ).all()
    if expected == 302:
        assert len(rows) == 1 and rows[0].services == ["demarches-administratives"]
        assert rows[0].p is not None  # placed at the commune's point
    else:
        assert rows == []


def test_direct_posts_without_csrf_token_change_nothing(engine, app, world):
    client = _client(app, world, "admin")
    x = world["x"]
    before = _state(engine, x)
    assert (
        client.post(
            f"/edition/offres/{x}/modifier", data=_form(engine, x, nom="pirate")
        ).status_code
        == 400
    )
    assert client.post(f"/edition/offres/{x}/fermer", data={"motif": "x"}).status_code == 400
    assert client.post(f"/edition/offres/{x}.json", json={"nom": "pirate"}).status_code == 400
    assert (
        client.post(
            "/edition/offres/nouvelle", data={"nom": "TEST-EDIT pirate", "code_insee": LIMOGES}
        ).status_code
        == 400
    )
    assert _state(engine, x) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM offre WHERE nom = 'TEST-EDIT pirate'")
            ).scalar_one()
            == 0
        )


def test_json_endpoint_needs_csrf_header_and_permission(engine, app, world):
    admin = _client(app, world, "admin")
    token = csrf(admin, "/edition/")
    ok = admin.post(
        f"/edition/offres/{world['x']}.json",
        json={"horaires_texte": "Matin"},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200 and ok.get_json()["modification"]
    outsider = _client(app, world, "animateur93")
    token = csrf(outsider, "/edition/")
    before = _state(engine, world["x"])
    denied = outsider.post(
        f"/edition/offres/{world['x']}.json", json={"nom": "pirate"}, headers={"X-CSRFToken": token}
    )
    assert denied.status_code == 403 and "erreur" in denied.get_json()
    assert _state(engine, world["x"]) == before
    bad = admin.post(
        f"/edition/offres/{world['x']}.json",
        json={"inconnu": 1},
        headers={"X-CSRFToken": csrf(admin, "/edition/")},
    )
    assert bad.status_code == 400
    before = _state(engine, world["x"])
    for body in (
        {"horaires": "lundi matin"},
        {"nom": ""},
        {"services": ["inventé"]},
        {"telephones": "05"},
        {"point": {"lon": 500, "lat": 1}},
    ):
        refused = admin.post(
            f"/edition/offres/{world['x']}.json",
            json=body,
            headers={"X-CSRFToken": csrf(admin, "/edition/")},
        )
        assert refused.status_code == 400, body
        assert refused.get_json()["detail"], body
    assert _state(engine, world["x"]) == before


def test_invalid_hours_rejected_with_french_message(engine, app, world):
    client = _client(app, world, "animateur87")
    token = csrf(client, "/connexion")
    before = _state(engine, world["x"])
    response = client.post(
        f"/edition/offres/{world['x']}/modifier",
        data=_form(engine, world["x"], csrf_token=token, horaires="lundi matin"),
    )
    assert response.status_code == 400
    assert "syntaxe OpenStreetMap" in response.get_data(as_text=True)
    assert _state(engine, world["x"]) == before


def test_history_shows_old_and_new_values_and_reverts(engine, app, world):
    x = world["x"]
    client = _client(app, world, "animateur87")
    token = csrf(client, "/connexion")
    client.post(
        f"/edition/offres/{x}/modifier",
        data=_form(
            engine,
            x,
            csrf_token=token,
            horaires="Mo,We 14:00-18:00",
            services=["loisirs-creations"],
        ),
    )
    with engine.connect() as conn:
        change = conn.execute(
            text(
                "SELECT id, auteur, champs FROM modification WHERE offre_id = :i"
                " ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert change.auteur == world["users"]["animateur87"].email
    assert change.champs["horaires"] == {"avant": "Mo-Fr 09:00-12:00", "apres": "Mo,We 14:00-18:00"}
    assert change.champs["services"]["apres"] == ["loisirs-creations"]
    page = client.get(f"/offres/{x}/historique").get_data(as_text=True)
    assert "Mo-Fr 09:00-12:00" in page and "Mo,We 14:00-18:00" in page
    assert (
        client.post(
            f"/edition/modifications/{change.id}/annuler", data={"csrf_token": token}
        ).status_code
        == 302
    )
    state = _state(engine, x)
    assert state.horaires == "Mo-Fr 09:00-12:00"
    with engine.connect() as conn:
        services = conn.execute(
            text("SELECT services FROM offre WHERE id = :i"), {"i": x}
        ).scalar_one()
        last = conn.execute(
            text(
                "SELECT action, annule_id FROM modification WHERE offre_id = :i"
                " ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert services == [] and last.action == "annulation" and last.annule_id == change.id
    again = client.post(f"/edition/modifications/{change.id}/annuler", data={"csrf_token": token})
    assert again.status_code == 409  # already reverted: nothing happens twice


def test_close_requires_reason_and_is_reversible(engine, app, world):
    client = _client(app, world, "admin")
    token = csrf(client, "/connexion")
    y = world["y"]
    assert client.post(f"/edition/offres/{y}/fermer", data={"csrf_token": token}).status_code == 400
    assert _state(engine, y).statut == "active"
    client.post(f"/edition/offres/{y}/fermer", data={"csrf_token": token, "motif": "Déménagé"})
    assert _state(engine, y).statut == "fermee"
    page = client.get(f"/edition/offres/{y}").get_data(as_text=True)
    assert "Déménagé" in page
    with engine.connect() as conn:
        change = conn.execute(
            text("SELECT max(id) FROM modification WHERE offre_id = :i"), {"i": y}
        ).scalar_one()
    client.post(f"/edition/modifications/{change}/annuler", data={"csrf_token": token})
    assert _state(engine, y).statut == "active"


def test_permanences_add_close_reopen(engine, app, world):
    client = _client(app, world, "structureX")
    token = csrf(client, "/connexion")
    x = world["x"]
    response = client.post(
        f"/edition/offres/{x}/permanences",
        data={
            "csrf_token": token,
            "code_insee": "87187",
            "lieu": "Mairie",
            "horaires": "Th 09:00-12:00",
        },
    )
    assert response.status_code == 302
    with engine.connect() as conn:
        perm = conn.execute(
            text(
                "SELECT id, statut, origine, commune_nom FROM permanence"
                " WHERE offre_id = :i ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert perm.statut == "active" and perm.origine == "saisie"
    assert (
        client.post(
            f"/edition/permanences/{perm.id}/fermer", data={"csrf_token": token}
        ).status_code
        == 302
    )
    outsider = _client(app, world, "animateur93")
    assert (
        outsider.post(
            f"/edition/permanences/{perm.id}/rouvrir",
            data={"csrf_token": csrf(outsider, "/connexion")},
        ).status_code
        == 403
    )
    with engine.connect() as conn:
        statut = conn.execute(
            text("SELECT statut FROM permanence WHERE id = :i"), {"i": perm.id}
        ).scalar_one()
    assert statut == "fermee"  # closed, never deleted, and the outsider changed nothing
    page = client.get(f"/offres/{x}/historique").get_data(as_text=True)
    assert f"Permanence n° {perm.id}" in page


def test_address_change_relocates_unless_pin_moved(engine, app, world):
    client = _client(app, world, "admin")
    token = csrf(client, "/connexion")
    x = world["x"]
    form = _form(
        engine,
        x,
        csrf_token=token,
        code_insee="87187",
        commune_nom="",
        adresse="1 place de la Mairie",
    )
    client.post(f"/edition/offres/{x}/modifier", data=form)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.commune_nom, ST_Distance(o.point, c.point) < 1e-5 same FROM offre o"
                " JOIN commune c ON c.code = '87187' WHERE o.id = :i"
            ),
            {"i": x},
        ).one()
    assert row.same and row.commune_nom  # the commune's point, its name filled in
    moved = _form(engine, x, csrf_token=token, latitude="45.900000", longitude="1.300000")
    client.post(f"/edition/offres/{x}/modifier", data=moved)
    with engine.connect() as conn:
        lat, lon = conn.execute(
            text("SELECT ST_Y(point), ST_X(point) FROM offre WHERE id = :i"), {"i": x}
        ).one()
    assert (round(lat, 6), round(lon, 6)) == (45.9, 1.3)
    back = _form(engine, x, csrf_token=token, code_insee=LIMOGES, commune_nom="Limoges", adresse="")
    client.post(f"/edition/offres/{x}/modifier", data=back)


def test_html_and_script_shown_escaped(engine, app, world):
    client = _client(app, world, "admin")
    token = csrf(client, "/connexion")
    y = world["y"]
    evil = '<script>alert("x")</script><b>gras</b>'
    client.post(
        f"/edition/offres/{y}/modifier",
        data=_form(engine, y, csrf_token=token, commentaire=evil, nom=NAME + evil),
    )
    with engine.begin() as conn:  # the edit confirmed it: make it « à vérifier » again
        conn.execute(text("UPDATE offre SET confirmed_at = NULL WHERE id = :i"), {"i": y})
    for path in (
        "/edition/fraicheur",
        f"/edition/offres/{y}",
        f"/offres/{y}/historique",
        "/edition/",
        f"/edition/offres/{y}/modifier",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>gras" not in page, path
        assert "&lt;script&gt;alert" in page, path
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT commentaire FROM offre WHERE id = :i"), {"i": y}
        ).scalar_one()
    assert stored == evil  # stored as typed, escaped on output


def test_freshness_dashboard_confirm_and_csv(engine, app, world):
    with engine.begin() as conn:
        old, fresh, absent = (
            conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, statut, date_maj) VALUES"
                    " (:n, :c, :s, current_date - make_interval(months => :m)) RETURNING id"
                ),
                {"n": f"TEST-EDIT fraîcheur {m} {s}", "c": LIMOGES, "s": s, "m": m},
            ).scalar_one()
            for m, s in ((13, "active"), (1, "active"), (1, "absente_source"))
        )
    client = _client(app, world, "animateur87")
    page = client.get("/edition/fraicheur").get_data(as_text=True)
    assert f'/edition/offres/{old}"' in page and f'/edition/offres/{absent}"' in page
    assert f'/edition/offres/{fresh}"' not in page
    assert f'/edition/offres/{world["y"]}"' not in page  # 93: not this animator's
    only_old = client.get("/edition/fraicheur?categorie=obsolete").get_data(as_text=True)
    assert f'/edition/offres/{old}"' in only_old
    assert f'/edition/offres/{absent}"' not in only_old
    exported = client.get("/edition/fraicheur.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,nom,commune")
    assert any(line.startswith(f"{old},") and "Obsolète" in line for line in lines)
    token = csrf(client, "/edition/fraicheur")
    response = client.post(
        f"/edition/offres/{old}/confirmer",
        data={"csrf_token": token, "retour": "/edition/fraicheur"},
    )
    assert response.status_code == 302 and response.location.endswith("/edition/fraicheur")
    page = client.get("/edition/fraicheur").get_data(as_text=True)
    assert f'/edition/offres/{old}"' not in page
    with engine.connect() as conn:
        confirmed = conn.execute(
            text("SELECT confirmed_at IS NOT NULL FROM offre WHERE id = :i"), {"i": old}
        ).scalar_one()
    assert confirmed
    outsider = _client(app, world, "animateur93")
    denied = outsider.post(
        f"/edition/offres/{absent}/confirmer", data={"csrf_token": csrf(outsider, "/connexion")}
    )
    assert denied.status_code == 403


def test_public_error_report_honeypot_limit_and_queue(engine, app, world):
    x = world["x"]
    public = app.test_client()
    public.environ_base["REMOTE_ADDR"] = "10.2.0.1"
    assert public.get(f"/offres/{x}/signaler").status_code == 200
    evil = "<script>alert(1)</script> Fermé le lundi"
    data = {"categorie": "horaires", "message": evil}
    assert public.post(f"/offres/{x}/signaler", data=data).status_code == 400  # no CSRF token
    token = csrf(public, f"/offres/{x}/signaler")
    robot = public.post(
        f"/offres/{x}/signaler", data=data | {"csrf_token": token, "site_internet": "http://spam"}
    )
    assert robot.status_code == 200
    sent = public.post(f"/offres/{x}/signaler", data=data | {"csrf_token": token})
    assert sent.status_code == 200 and "Merci" in sent.get_data(as_text=True)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, message, empreinte_ip FROM signalement WHERE offre_id = :i"), {"i": x}
        ).all()
    assert len(rows) == 1 and rows[0].message == evil  # the honeypot post stored nothing
    assert "10.2.0.1" not in rows[0].empreinte_ip
    codes = [
        public.post(f"/offres/{x}/signaler", data=data | {"csrf_token": token}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert "Trop de signalements" in public.post(
        f"/offres/{x}/signaler", data=data | {"csrf_token": token}
    ).get_data(as_text=True)
    bad = public.post(
        f"/offres/{x}/signaler", data={"csrf_token": token, "categorie": "x", "message": "m"}
    )
    assert bad.status_code == 400 and "type d&#39;erreur" in bad.get_data(as_text=True)

    outsider = _client(app, world, "animateur93")
    queue = outsider.get("/edition/signalements").get_data(as_text=True)
    assert f"signalement-{rows[0].id}" not in queue
    assert (
        outsider.post(
            f"/edition/signalements/{rows[0].id}",
            data={"csrf_token": csrf(outsider, "/connexion"), "statut": "rejete"},
        ).status_code
        == 403
    )
    animator = _client(app, world, "animateur87")
    queue = animator.get("/edition/signalements").get_data(as_text=True)
    assert f"signalement-{rows[0].id}" in queue
    assert "<script>alert(1)" not in queue and "&lt;script&gt;alert(1)" in queue
    token = csrf(animator, "/edition/signalements")
    assert (
        animator.post(
            f"/edition/signalements/{rows[0].id}", data={"csrf_token": token, "statut": "traite"}
        ).status_code
        == 302
    )
    with engine.begin() as conn:
        statut = conn.execute(
            text("SELECT statut FROM signalement WHERE id = :i"), {"i": rows[0].id}
        ).scalar_one()
        conn.execute(text("DELETE FROM signalement WHERE offre_id = :i"), {"i": x})
    assert statut == "traite"
    assert f"signalement-{rows[0].id}" not in animator.get("/edition/signalements").get_data(True)


SHEET = (
    "Nom;Adresse;Code postal;Commune;Téléphone;Horaires;Publics\n"
    "TEST-EDIT import A;1 rue X;87000;Limoges;05 55 11 11 11;Mo 09:00-12:00;Seniors | jeunes\n"
    ";2 rue Y;87000;Limoges;;;\n"
    "TEST-EDIT import C;;87000;Limoges;;lundi matin;\n"
    "TEST-EDIT import D;;93200;Saint-Denis;;;\n"
    "TEST-EDIT import E;;;;;;Inventé\n"
)


def _upload(client, name: str, content: bytes):
    token = csrf(client, "/edition/import")
    return client.post(
        "/edition/import",
        data={"csrf_token": token, "fichier": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_spreadsheet_import_mapping_row_errors_and_creation(engine, app, world):
    animator = _client(app, world, "animateur87")
    page = _upload(animator, "lieux.csv", SHEET.encode("cp1252"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", html).group(1)
    mapping = dict(
        re.findall(r'name="(colonne_\w+)">(?:(?!</select>).)*?value="(\d+)" selected', html, re.S)
    )
    assert mapping["colonne_nom"] == "0" and mapping["colonne_publics"] == "6"
    form = mapping | {"csrf_token": csrf(animator, "/edition/import")}
    checked = animator.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    text_ = checked.get_data(as_text=True)
    print(re.findall(r"<li>Ligne.*?</li>", text_, re.S))
    # "lundi matin" is not rejected: kept as the text shown to the public (issue 18)
    assert "2 ligne(s) valide(s)" in text_ and "3 ligne(s) en erreur" in text_
    assert "Ligne 3 : Colonne « Nom » : Le nom est obligatoire." in text_
    assert "Ligne 4 : Colonne « Horaires » : « lundi matin » gardé en texte libre" in text_
    assert "Colonnes « Code postal » et « Commune » : Cette commune est hors de votre" in text_
    assert "Colonne « Publics » : Valeur hors du vocabulaire national" in text_
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM offre WHERE nom LIKE 'TEST-EDIT import%'")
            ).scalar_one()
            == 0
        )  # a check writes nothing
    outsider = _client(app, world, "animateur93")
    assert (
        outsider.post(
            f"/edition/import/{token}",
            data=form | {"action": "importer", "csrf_token": csrf(outsider, "/connexion")},
        ).status_code
        == 404  # another account's staged import is not found (nor is its existence told)
    )
    done = animator.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "2 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.id, o.code_insee, o.publics, o.telephones, o.horaires,"
                " (SELECT action FROM modification m WHERE m.offre_id = o.id) AS action"
                " FROM offre o WHERE nom = 'TEST-EDIT import A'"
            )
        ).one()
        kept = conn.execute(
            text("SELECT horaires, horaires_texte FROM offre WHERE nom = 'TEST-EDIT import C'")
        ).one()
    assert tuple(kept) == (None, "lundi matin")
    assert row.code_insee == LIMOGES and row.publics == ["Jeunes", "Seniors"]
    assert row.telephones == ["05 55 11 11 11"] and row.horaires == "Mo 09:00-12:00"
    assert row.action == "creation"


def test_spreadsheet_import_xlsx_and_roles(engine, app, world):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["nom", "code_insee", "frais"])
    book.active.append(["TEST-EDIT xlsx", LIMOGES, "Gratuit"])
    buffer = io.BytesIO()
    book.save(buffer)
    structure = _client(app, world, "structureX")
    assert structure.get("/edition/import").status_code == 403
    admin = _client(app, world, "admin")
    page = _upload(admin, "lieux.xlsx", buffer.getvalue()).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", page).group(1)
    form = {
        "csrf_token": csrf(admin, "/edition/import"),
        "colonne_nom": "0",
        "colonne_code_insee": "1",
        "colonne_frais": "2",
    }
    admin.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    done = admin.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "1 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT frais FROM offre WHERE nom = 'TEST-EDIT xlsx'")
        ).scalar_one() == ["Gratuit"]
    bad = _upload(admin, "lieux.txt", b"nom\nx\n")
    assert bad.status_code == 400 and "Format non pris en charge" in bad.get_data(as_text=True)


def test_address_change_geocoded_with_ban_when_configured(engine, settings, world):
    from mapdir import create_app
    from mapdir.config import Settings
    from tests.ban_server import BanAnswer, FakeBanServer, closed_port_url

    x = world["x"]
    answer = BanAnswer(45.8301, 1.2602, 0.93, citycode=LIMOGES, label="12 Rue Jean Jaurès")
    with FakeBanServer({("12 rue Jean Jaurès 87000 Limoges", LIMOGES): answer}) as ban:
        ban_app = create_app(Settings({**settings.values, "MAPDIR_BAN_URL": ban.url}))
        client = ban_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.3.0.1"
        login(client, world["users"]["admin"].email)
        form = _form(
            engine,
            x,
            csrf_token=csrf(client, "/connexion"),
            code_postal="87000",
            adresse="12 rue Jean Jaurès",
            commune_nom="Limoges",
            code_insee=LIMOGES,
        )
        assert client.post(f"/edition/offres/{x}/modifier", data=form).status_code == 302
        assert len(ban.requests) == 1
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT ST_Y(point) lat, ST_X(point) lon, geo_precision FROM offre WHERE id = :i"),
            {"i": x},
        ).one()
    assert (round(row.lat, 4), round(row.lon, 4), row.geo_precision) == (45.8301, 1.2602, "adresse")
    down_app = create_app(Settings({**settings.values, "MAPDIR_BAN_URL": closed_port_url()}))
    client = down_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.3.0.2"
    login(client, world["users"]["admin"].email)
    form = _form(engine, x, csrf_token=csrf(client, "/connexion"), adresse="3 rue Neuve")
    assert client.post(f"/edition/offres/{x}/modifier", data=form).status_code == 302
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.geo_precision, ST_Distance(o.point, c.point) < 1e-5 same"
                " FROM offre o JOIN commune c ON c.code = o.code_insee"
                " WHERE o.id = :i"
            ),
            {"i": x},
        ).one()
    assert row.same and row.geo_precision == "commune"  # BAN unreachable: the commune's point


def test_spreadsheet_with_3_bad_rows_of_20_imports_17(engine, app, world):
    good = [
        f"TEST-EDIT lot {n:02d};{n} rue du Test;87000;Limoges;05 55 00 00 {n:02d};Mo 09:00-12:00;"
        for n in range(1, 18)
    ]
    bad = [
        ";3 rue Sans Nom;87000;Limoges;;;",  # no name
        "TEST-EDIT lot mauvais horaires;;87000;Limoges;;tous les jours sauf férié;",
        "TEST-EDIT lot hors territoire;;93200;Saint-Denis;;;",
    ]
    rows = good[:5] + bad[:1] + good[5:11] + bad[1:2] + good[11:] + bad[2:]
    sheet = "Nom;Adresse;Code postal;Commune;Téléphone;Horaires;Publics\n" + "\n".join(rows)
    animator = _client(app, world, "animateur87")
    html = _upload(animator, "partenaires.csv", sheet.encode("utf-8")).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", html).group(1)
    mapping = dict(
        re.findall(r'name="(colonne_\w+)">(?:(?!</select>).)*?value="(\d+)" selected', html, re.S)
    )
    form = mapping | {"csrf_token": csrf(animator, "/edition/import")}
    checked = animator.post(f"/edition/import/{token}", data=form | {"action": "verifier"})
    report = checked.get_data(as_text=True)
    # free-text hours are kept as text, not rejected (issue 18): 18 valid rows of 20
    assert "18 ligne(s) valide(s)" in report and "2 ligne(s) en erreur" in report
    errors = report.split('class="import-erreurs"')[1].split("</ul>")[0]
    assert len(re.findall(r"<li>Ligne \d+.*?</li>", errors, re.S)) == 2
    done = animator.post(f"/edition/import/{token}", data=form | {"action": "importer"})
    assert "18 offre(s) créée(s)" in done.get_data(as_text=True)
    with engine.connect() as conn:
        created = conn.execute(
            text("SELECT count(*) FROM offre WHERE nom LIKE 'TEST-EDIT lot %'")
        ).scalar_one()
    assert created == 18


def test_script_typed_in_a_name_is_text_on_public_pages(engine, app, world):
    client = _client(app, world, "admin")
    token = csrf(client, "/connexion")
    x = world["x"]
    evil = "<script>alert(2)</script>"
    client.post(
        f"/edition/offres/{x}/modifier",
        data=_form(engine, x, csrf_token=token, nom=NAME + " X " + evil),
    )
    public = app.test_client()
    for path in (f"/offres/{x}", "/recherche?lieu=87000"):
        page = public.get(path).get_data(as_text=True)
        assert "<script>alert(2)" not in page, path
    offer_page = public.get(f"/offres/{x}").get_data(as_text=True)
    assert "&lt;script&gt;alert(2)" in offer_page
    # the map data is JSON inside a script element: "<" is escaped there too
    assert "\\u003cscript\\u003ealert(2)" in public.get("/recherche?lieu=87000").get_data(
        as_text=True
    )
