"""Choosing and running a MILP solver through PuLP: bundled CBC first, HiGHS as the fallback.

`solver` names accepted by the planning functions:
- "exact": CBC (`pulp.PULP_CBC_CMD`) when available, else HiGHS (`pulp.HiGHS` through highspy,
  else the `highs` executable through `pulp.HiGHS_CMD`);
- "cbc" or "highs": that solver only (an error when it is not installed).
Both run with a relative gap of 0 so that "optimal" really means optimal.
"""

from __future__ import annotations

import warnings

import pulp

EXACT = "exact"
CBC = "cbc"
HIGHS = "highs"
GREEDY = "greedy"

OPTIMAL = "optimal"
TIME_LIMIT = "time_limit"
HEURISTIC = "heuristic"


def new_variable(
    problem: pulp.LpProblem, name: str, low: float | None, up: float | None, cat: str
) -> pulp.LpVariable:
    """A variable attached to `problem` (PuLP ≥ 3.3 API, older PuLP constructor otherwise)."""
    if hasattr(problem, "add_variable"):
        return problem.add_variable(name, lowBound=low, upBound=up, cat=cat)
    return pulp.LpVariable(name, lowBound=low, upBound=up, cat=cat)


def _cbc(time_limit_s: float | None, gap_abs: float, warm_start: bool) -> pulp.LpSolver | None:
    with warnings.catch_warnings():  # PuLP 3.3 announces PULP_CBC_CMD's removal in PuLP 4
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(
            msg=False, gapRel=0.0, gapAbs=gap_abs, timeLimit=time_limit_s, warmStart=warm_start
        )
    return solver if solver.available() else None


def _highs(time_limit_s: float | None, gap_abs: float) -> pulp.LpSolver | None:
    options = {"msg": False, "gapRel": 0.0, "gapAbs": gap_abs, "timeLimit": time_limit_s}
    for factory in (pulp.HiGHS, pulp.HiGHS_CMD):
        solver = factory(**options)
        if solver.available():
            return solver
    return None


def pick_solver(
    name: str, time_limit_s: float | None = None, gap_abs: float = 0.0, warm_start: bool = False
) -> tuple[str, pulp.LpSolver]:
    """The (label, PuLP solver) pair for `name`; raises RuntimeError when none is installed.

    `gap_abs` may be just under 1 when every objective coefficient is an integer (any solution
    closer than 1 to the bound is then optimal); `warm_start` passes initial values to CBC.
    """
    if name not in (EXACT, CBC, HIGHS):
        raise ValueError(f"Solveur inconnu : {name!r} (attendu : exact, cbc, highs ou greedy).")
    if name in (EXACT, CBC):
        solver = _cbc(time_limit_s, gap_abs, warm_start)
        if solver is not None:
            return CBC, solver
        if name == CBC:
            raise RuntimeError("Le solveur CBC n'est pas disponible.")
    solver = _highs(time_limit_s, gap_abs)
    if solver is None:
        raise RuntimeError("Aucun solveur exact disponible (ni CBC ni HiGHS).")
    return HIGHS, solver


def solve(problem: pulp.LpProblem, solver: pulp.LpSolver) -> str:
    """Solve `problem`; return OPTIMAL or TIME_LIMIT (a feasible, unproven solution)."""
    problem.solve(solver)
    if problem.sol_status == pulp.LpSolutionOptimal:
        return OPTIMAL
    if problem.sol_status == pulp.LpSolutionIntegerFeasible:
        return TIME_LIMIT
    raise RuntimeError(
        f"Le solveur n'a pas trouvé de solution (statut : {pulp.LpStatus[problem.status]})."
    )
