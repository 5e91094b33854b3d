"""The back-office queues: the freshness dashboard (confirm, CSV) and the public error
reports (honeypot, rate limit, territory, moderation)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.editing_world import LIMOGES, client_as, make_world
from tests.integration.test_auth import csrf


@pytest.fixture(scope="module")
def world(engine, app):
    yield from make_world(engine, app)


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
    client = client_as(app, world, "animateur87")
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
    outsider = client_as(app, world, "animateur93")
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

    outsider = client_as(app, world, "animateur93")
    queue = outsider.get("/edition/signalements").get_data(as_text=True)
    assert f"signalement-{rows[0].id}" not in queue
    assert (
        outsider.post(
            f"/edition/signalements/{rows[0].id}",
            data={"csrf_token": csrf(outsider, "/connexion"), "statut": "rejete"},
        ).status_code
        == 403
    )
    animator = client_as(app, world, "animateur87")
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
