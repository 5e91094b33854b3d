"""`mapdir planner coverage|rank|stops|rota`: the planning reports as text tables."""

from __future__ import annotations

import click

from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.planner import services

CLASS_LABELS = {
    "couverte": "couverte",
    "peu_couverte": "peu couverte",
    "zone_blanche": "zone blanche",
}


def _options(func):
    options = [
        click.option("--departement", "-d", required=True, help="Code du département, ex. 87."),
        click.option("--seuil-min", type=float, help="Seuil « couverte » en minutes (défaut 20)."),
        click.option("--zone-blanche-min", type=float, help="Seuil « zone blanche » (défaut 30)."),
        click.option("--service", "services", multiple=True, help="Slug de service (répétable)."),
        click.option("--programme", help="Programme national, ex. « France Services »."),
    ]
    for option in reversed(options):
        func = option(func)
    return click.pass_obj(func)


def _request(settings: Settings, **values) -> services.PlanRequest:
    values["services"] = list(values.get("services") or ())
    return services.parse_request({k: v for k, v in values.items() if v is not None}, settings)


def _table(headers: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


@click.group()
def planner() -> None:
    """Planification : couverture, classement des territoires, arrêts, tournée."""


@planner.command("coverage")
@_options
@click.option("--communes", is_flag=True, help="Afficher aussi chaque commune.")
def coverage_cmd(settings: Settings, communes: bool, **values) -> None:
    """Temps d'accès par commune et population par classe."""
    with get_engine(settings).connect() as conn:
        report = services.coverage(conn, _request(settings, **values))
    click.echo(f"{report['nom']} ({report['departement']}) : {len(report['communes'])} communes")
    _table(
        ["classe", "communes", "population"],
        [[CLASS_LABELS[c], t["communes"], t["population"]] for c, t in report["totaux"].items()],
    )
    for key, value in report["indicateurs"].items():
        click.echo(f"{key} : {value}")
    if communes:
        rows = services.public_rows(report)
        _table(
            ["code", "commune", "population", "lieu le plus proche", "km", "min", "classe"],
            [
                [
                    r["code"],
                    r["nom"],
                    r["population"],
                    (r["offre_nom"] or "—")[:40],
                    r["distance_km"],
                    r["duree_estimee_min"],
                    r["classe"],
                ]
                for r in rows
            ],
        )


@planner.command("rank")
@_options
@click.option("--niveau", type=click.Choice(["epci", "canton"]), default="epci")
@click.option("--limite", type=int, default=10, help="Nombre de territoires affichés.")
def rank_cmd(settings: Settings, niveau: str, limite: int, **values) -> None:
    """Classement des EPCI (ou cantons) pour une mission pilote."""
    with get_engine(settings).connect() as conn:
        ranked = services.rank(conn, _request(settings, **values), niveau)
    _table(
        ["rang", "territoire", "score", "pop. non couv.", "part", "fragile", "gain 3 arrêts"],
        [
            [
                t["rang"],
                t["nom"][:40],
                f"{t['score']:.3f}",
                int(t["composantes"]["uncovered_population"]),
                f"{t['composantes']['uncovered_share']:.1%}",
                int(t["composantes"]["fragile_uncovered"]),
                int(t["composantes"]["stop_gain"]),
            ]
            for t in ranked[:limite]
        ],
    )


def _plan_options(func):
    func = click.option("--k", "k", type=int, default=5, help="Nombre d'arrêts.")(func)
    func = click.option("--territoire", help="SIREN de l'EPCI candidat.")(func)
    func = click.option("--depot", help="Code INSEE du dépôt.")(func)
    func = click.option("--cycle-semaines", type=click.Choice(["1", "2"]), default="1")(func)
    return click.option("--solveur", type=click.Choice(list(services.SOLVERS)), default="exact")(
        func
    )


@planner.command("stops")
@_options
@_plan_options
def stops_cmd(settings: Settings, **values) -> None:
    """K arrêts maximisant la population nouvellement couverte (MCLP)."""
    with get_engine(settings).connect() as conn:
        plan = services.stops(conn, _request(settings, **values))
    click.echo(
        f"K={plan['k']} solveur={plan['solveur']} ({plan['statut_solveur']}, "
        f"{plan['secondes']} s) : +{plan['population_gagnee']} habitants "
        f"({plan['population_couverte_avant']} → {plan['population_couverte_apres']})"
    )
    _table(
        ["rang", "code", "commune", "gain", "communes nouvellement couvertes"],
        [
            [
                a["rang"],
                a["code"],
                a["nom"],
                a["gain_marginal"],
                ", ".join(c["nom"] for c in a["communes_nouvellement_couvertes"])[:60],
            ]
            for a in plan["arrets"]
        ],
    )
    click.echo(
        "courbe : " + " ".join(f"{p['k']}:{p['population_couverte']}" for p in plan["courbe"])
    )
    total = plan["couverture_totale"]
    click.echo(f"arrêts minimum pour tout couvrir : {total['nombre_arrets']}")


@planner.command("rota")
@_options
@_plan_options
def rota_cmd(settings: Settings, **values) -> None:
    """Tournée hebdomadaire ou par quinzaine des K arrêts."""
    with get_engine(settings).connect() as conn:
        plan = services.stops(conn, _request(settings, **values))
    rota = plan["tournee"]
    click.echo(f"dépôt : {rota['depot']['nom']} ; cycle : {rota['cycle_semaines']} semaine(s)")
    _table(
        ["bus", "sem.", "jour", "demi-journée", "commune", "horaires", "conduite (min)"],
        [
            [
                s["bus"],
                s["semaine"],
                s["jour"],
                s["demi_journee"],
                s["nom"],
                s["horaires"],
                s["conduite_jour_min"],
            ]
            for s in rota["creneaux"]
        ],
    )
    for u in rota["non_planifies"]:
        click.echo(f"non planifié : {u['nom']} — {u['motif']}")
