"""`mapdir planner coverage|accessibilite|rank|stops|rota|carte|rafraichir`: the planning
reports as text tables, the map to take away, the accessibility precomputed for OGC."""

from __future__ import annotations

import click

from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.geo.travel import MODES
from mapdir.offers.type_offre import TYPES
from mapdir.planner import (
    access_plan,
    access_report,
    carte,
    exports,
    precomputed,
    services,
    territories,
)
from mapdir.planner.access_data import NEEDS

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
        click.option("--mode", type=click.Choice(MODES), help="voiture (défaut) ou sans_voiture."),
        click.option("--besoin", type=click.Choice(NEEDS), help="Pondération du besoin."),
        click.option("--type-offre", type=click.Choice(TYPES), help="Type d'offre compté."),
        click.option(
            "--mesure",
            type=click.Choice(["accessibilite", "distance"]),
            help="accessibilite (défaut) ou distance (ancien modèle).",
        ),
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


@planner.command("accessibilite")
@_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "geojson"]),
    default="table",
    help="table (défaut), csv ou geojson (sur la sortie standard).",
)
def accessibility_cmd(settings: Settings, fmt: str, **values) -> None:
    """Accessibilité (heures d'aide hebdomadaires pour 1 000 personnes) par commune."""
    req = _request(settings, **values)
    with get_engine(settings).connect() as conn:
        report = access_report.report(conn, req)
        polygons = territories.commune_polygons(conn, req.departement) if fmt == "geojson" else {}
    if fmt != "table":
        frame = exports.accessibility_frame(report["communes"], polygons)
        click.echo(exports.to_bytes(frame, fmt).decode("utf-8-sig"), nl=False)
        return
    p = report["parametres"]
    click.echo(
        f"{report['nom']} ({report['departement']}) : {len(report['communes'])} communes, "
        f"{p['mode_libelle']}, seuil {p['seuil_min']:g} min, besoin : {p['besoin_libelle']}"
    )
    click.echo(
        f"médiane {p['mediane_departement']:.2f} h pour 1 000 ; sous-dotée sous "
        f"{p['seuil_sous_dotee']:.2f}"
    )
    totals = report["totaux"]
    _table(
        ["classe", "communes", "population", "besoin"],
        [
            [c, totals[c]["communes"], totals[c]["population"], round(totals[c]["besoin"])]
            for c in ("zone_blanche", "sous_dotee", "dotee")
        ],
    )
    under = totals["besoin_sous_dote"]
    click.echo(f"besoin dans les communes sous-dotées ou en zone blanche : {under:.0f}")
    key = lambda r: (r["accessibilite"], -r["besoin"], r["code"])  # noqa: E731 (ties: code)
    worst = sorted(report["communes"], key=key)[:15]
    _table(
        ["code", "commune", "besoin", "accessibilité", "classe", "aide la plus proche (min)"],
        [
            [r["code"], r["nom"], round(r["besoin"]), r["accessibilite"], r["classe"],
             r["duree_min_plus_proche"] if r["duree_min_plus_proche"] is not None else "—"]
            for r in worst
        ],
    )  # fmt: skip


@planner.command("carte")
@_options
@click.option("--k", "k", type=int, help="Nombre d'arrêts proposés sur la carte (aucun sinon).")
@click.option("--depot", help="Code INSEE du dépôt.")
def map_cmd(settings: Settings, **values) -> None:
    """Carte HTML autonome (s'ouvre sans internet) : carte.html sur la sortie standard."""
    req = _request(settings, **values)
    with get_engine(settings).connect() as conn:
        report = access_report.report(conn, req)
        plan = access_plan.stops(conn, req) if values.get("k") else None
        polygons = territories.commune_polygons(conn, req.departement)
    click.echo(carte.standalone_map(report, plan, polygons), nl=False)


@planner.command("rank")
@_options
@click.option("--niveau", type=click.Choice(["epci", "canton"]), default="epci")
@click.option("--limite", type=int, default=10, help="Nombre de territoires affichés.")
def rank_cmd(settings: Settings, niveau: str, limite: int, **values) -> None:
    """Classement des EPCI (ou cantons) pour une mission pilote."""
    with get_engine(settings).connect() as conn:
        ranked = services.rank(conn, _request(settings, **values), niveau)
    if not ranked:
        return
    names = list(ranked[0]["composantes"])
    _table(
        ["rang", "territoire", "score", *names],
        [
            [t["rang"], t["nom"][:40], f"{t['score']:.3f}"]
            + [f"{t['composantes'][n]:.3f}" if "part" in n else round(t["composantes"][n])
               for n in names]
            for t in ranked[:limite]
        ],
    )  # fmt: skip


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
    if plan["mesure"] == "accessibilite":
        click.echo(
            f"K={plan['k']} ({plan['k_propose']} proposés), {plan['mode']}, besoin "
            f"{plan['besoin']}, solveur {plan['solveur']} ({plan['statut_solveur']}) : besoin "
            f"atteint {plan['besoin_atteint']:.0f} sur {plan['besoin_sous_dote_avant']:.0f} "
            f"sous-doté ; {plan['communes_relevees']} communes relevées au-dessus du seuil, "
            f"besoin sorti de zone blanche {plan['besoin_sorti_zone_blanche']:.0f}"
        )
        for a in plan["arrets"]:
            click.echo(f"{a['rang']}. {a['phrase']}")
        if plan["note"]:
            click.echo(plan["note"])
        return
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


@planner.command("rafraichir")
@click.option(
    "--departement",
    "-d",
    "departements",
    multiple=True,
    help="Code du département (répétable ; défaut : tous ceux dont les contours sont importés).",
)
@click.pass_obj
def refresh_cmd(settings: Settings, departements: tuple[str, ...]) -> None:
    """Recalcule l'accessibilité des communes publiée par l'API OGC (paramètres par défaut,
    en voiture et sans voiture)."""
    refresh_and_report(settings, list(departements))


def refresh_and_report(settings: Settings, departements: list[str] | None = None) -> None:
    """Refresh the precomputed accessibility and print its French lines (the CLI command,
    and after the imports that change its inputs)."""
    for line in precomputed.refresh(get_engine(settings), settings, departements).lines():
        click.echo(line)


def refresh_after_import(_result=None, **_params) -> None:
    """`mapdir geo import` result callback (wired in mapdir/cli.py): the geography or the
    indicators changed, the precomputed accessibility follows."""
    refresh_and_report(click.get_current_context().find_object(Settings))
