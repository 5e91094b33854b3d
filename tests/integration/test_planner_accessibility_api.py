"""/api/v1/accessibilite, classement and planification on accessibility, on the real
directory of Haute-Vienne with the need indicators: the proof that the planner now answers
"where is help out of reach for the people who need it" (issue 15, section 5)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def api(indicators_client):
    return indicators_client


def _get(api, query: str) -> dict:
    response = api.get(f"/api/v1/accessibilite?departement=87&{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_answer_lets_anyone_recompute(api):
    body = _get(api, "mode=sans_voiture&besoin=seniors")
    p = body["parametres"]
    assert p["mode"] == "sans_voiture" and p["seuil_min"] == 30 and p["vitesse_kmh"] == 4.5
    assert p["poids_bandes"] == [1.0, 0.68, 0.22] and p["besoin"] == "seniors"
    assert p["indicateurs"]["millesime"] == "RP 2017"
    assert len(body["communes"]) == 195
    row = body["communes"][0]
    for key in ("code", "nom", "population", "besoin", "point", "accessibilite", "classe",
                "offres_a_portee", "duree_min_plus_proche"):  # fmt: skip
        assert key in row
    offer = body["offres"][0]
    for key in ("id", "nom", "point", "heures_hebdo", "heures_estimees", "type_offre",
                "demande", "ratio"):  # fmt: skip
        assert key in offer
    # conservation from the answer alone (rounded figures)
    needs = {r["code"]: r["besoin"] for r in body["communes"] + body["communes_voisines"]}
    assert len(needs) == len(body["communes"]) + len(body["communes_voisines"])
    hours = sum(o["heures_hebdo"] for o in body["offres"] if o["demande"] > 0)
    inside = sum(r["besoin"] * r["accessibilite"] for r in body["communes"])
    assert inside <= 1000 * hours * 1.001


def test_proof_on_haute_vienne_without_a_car_for_seniors(api):
    body = _get(api, "mode=sans_voiture&besoin=seniors")
    classes = [r["classe"] for r in body["communes"]]
    counts = {c: classes.count(c) for c in ("zone_blanche", "sous_dotee", "dotee")}
    print(f"\nsans voiture, seniors : {counts}")
    assert counts["zone_blanche"] + counts["sous_dotee"] >= 1
    median = body["parametres"]["mediane_departement"]
    access = {r["code"]: r["accessibilite"] for r in body["communes"]}
    plan = api.post(
        "/api/v1/planification",
        json={"departement": "87", "k": 5, "mode": "sans_voiture", "besoin": "seniors"},
    ).get_json()
    codes = [a["code"] for a in plan["arrets"]]
    print("K=5 :", [(a["nom"], a["besoin_atteint"]) for a in plan["arrets"]])
    assert len(codes) == 5 and "87085" not in codes  # never Limoges
    assert all(access[c] <= median for c in codes)
    under = {r["code"] for r in body["communes"] if r["classe"] != "dotee"}
    assert all(c in under for c in codes)  # zone blanche and sous-dotée first
    assert all(a["phrase"].startswith(a["nom"] + " :") for a in plan["arrets"])
    assert plan["besoin_atteint"] > 0
    assert all(a["gain_marginal"] > 0 for a in plan["arrets"])
    before = {r["code"]: r for r in plan["communes"]}
    assert all(before[c]["accessibilite_apres"] > before[c]["accessibilite_avant"] for c in codes)


def test_epci_ranking_is_not_all_zeros(api):
    for mode in ("voiture", "sans_voiture"):
        body = api.get(
            f"/api/v1/classement?departement=87&niveau=epci&mode={mode}&besoin=seniors"
        ).get_json()
        assert body["mesure"] == "accessibilite"
        scores = [t["score"] for t in body["territoires"]]
        print(f"\n{mode}: first EPCI {body['territoires'][0]['nom']} ({scores[0]})")
        assert max(scores) > 0 and len(set(scores)) > 1


def test_by_car_the_need_of_underserved_communes_is_reported(api):
    body = _get(api, "mode=voiture&besoin=seniors")
    totals = body["totaux"]
    assert totals["besoin_sous_dote"] == pytest.approx(
        totals["zone_blanche"]["besoin"] + totals["sous_dotee"]["besoin"], abs=0.2
    )
    assert totals["besoin_sous_dote"] > 0
    print(f"\nvoiture, seniors : besoin sous-doté {totals['besoin_sous_dote']}")


@pytest.mark.parametrize(
    "query, parametre",
    [
        ("mode=velo", "mode"),
        ("besoin=riches", "besoin"),
        ("type_offre=cuisine", "type_offre"),
        ("seuil_min=0", "seuil_min"),
        ("mesure=magie", "mesure"),
    ],
)
def test_bad_parameters_are_french_400s(api, query, parametre):
    response = api.get(f"/api/v1/accessibilite?departement=87&{query}")
    assert response.status_code == 400
    assert response.get_json()["parametre"] == parametre


def test_type_offre_filters_the_supply(api):
    everything = _get(api, "")
    free_access = _get(api, "type_offre=acces_libre")
    assert 0 < len(free_access["offres"]) < len(everything["offres"])
    assert all("acces_libre" in o["type_offre"] for o in free_access["offres"])
    types = everything["indicateurs"]["par_type_offre"]
    assert set(types) == {"assistance", "formation", "acces_libre"}
    assert all(0 < t["communes_couvertes"] <= 195 for t in types.values())


def test_cli_accessibility_csv_and_bad_mode(real_with_indicators):
    from click.testing import CliRunner

    from mapdir.cli import main

    url = real_with_indicators.url.render_as_string(hide_password=False)
    runner = CliRunner(env={"DATABASE_URL": url})
    args = ["planner", "accessibilite", "-d", "87", "--mode", "sans_voiture"]
    table = runner.invoke(main, [*args, "--besoin", "seniors"])
    assert table.exit_code == 0, table.output
    assert "zone_blanche" in table.output and "médiane" in table.output
    csv_out = runner.invoke(main, [*args, "--format", "csv"])
    assert csv_out.exit_code == 0
    header = csv_out.output.splitlines()[0]
    assert "accessibilite" in header and "classe" in header
    assert len(csv_out.output.splitlines()) == 196  # header + 195 communes
    bad = runner.invoke(main, ["planner", "accessibilite", "-d", "87", "--mode", "velo"])
    assert bad.exit_code != 0 and "velo" in bad.output
