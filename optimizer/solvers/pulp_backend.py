"""PuLP, built from the same arrays: CBC as the second solver, and LP/MPS files for any other solver.

Every access to PuLP's objects and quirks is here (PuLP 3.3 is pinned: Python 3.11; its notices about the
PuLP 4 API are silenced). Building PuLP's objects costs a Python object per variable and constraint, so HiGHS
(`highs.py`) takes the arrays directly; this path serves `--solver cbc` and `capopt export`.
"""
from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pulp

from ..model.lp import LinearProgram
from .outcome import SolveOutcome

# capopt pins PuLP 3.3 (Python 3.11); its notices about the PuLP 4 API do not concern the user.
_PULP4_DEPRECATION = r".*(PuLP 4\.0|deprecated and will be removed)"
EXPORT_FORMATS = (".mps", ".lp")


@contextlib.contextmanager
def _pulp3_quiet() -> Iterator[None]:
    """Silence PuLP 3.3's notices about the PuLP 4 API inside this block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PULP4_DEPRECATION, category=DeprecationWarning)
        yield


def _names(names: list[str], prefix: str) -> list[str]:
    return [name or f"{prefix}{i}" for i, name in enumerate(names)]


def to_pulp(lp: LinearProgram, name: str = "capopt", *, relax: bool = False
            ) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[list[pulp.LpConstraint]]]:
    """The PuLP problem of `lp` (maximised): one LpVariable per column, the constraints of each row (a ranged row
    gives two), named after their blocks (`floor_space_2_14` = site 2, period 14)."""
    lower, upper, integer = lp.col_lower, lp.col_upper, lp.integrality & (not relax)
    with _pulp3_quiet():
        problem = pulp.LpProblem(name, pulp.LpMaximize)
        variables = [
            pulp.LpVariable(n, lowBound=float(lo), upBound=None if np.isinf(up) else float(up),
                            cat=pulp.LpInteger if is_int else pulp.LpContinuous)
            for n, lo, up, is_int in zip(_names(lp.column_names(), "x"), lower, upper, integer)
        ]
        matrix = lp.matrix()
        constraints: list[list[pulp.LpConstraint]] = []
        row_lower, row_upper = lp.row_lower, lp.row_upper
        for r, row_name in enumerate(_names(lp.row_names(), "r")):
            span = slice(matrix.start[r], matrix.start[r + 1])
            expression = pulp.LpAffineExpression(
                list(zip((variables[c] for c in matrix.index[span]), matrix.value[span].tolist())))
            low, high = float(row_lower[r]), float(row_upper[r])
            if low == high:
                row = [pulp.LpConstraint(expression, pulp.LpConstraintEQ, row_name, high)]
            else:
                row = []
                if np.isfinite(high):
                    row.append(pulp.LpConstraint(expression, pulp.LpConstraintLE, f"{row_name}_le", high))
                if np.isfinite(low):
                    row.append(pulp.LpConstraint(expression.copy(), pulp.LpConstraintGE, f"{row_name}_ge", low))
                if len(row) == 1:
                    row[0].name = row_name
            for constraint in row:
                problem.addConstraint(constraint)
            constraints.append(row)
        costs = [(variables[c], float(v)) for c, v in enumerate(lp.cost) if v]
        problem.setObjective(pulp.LpAffineExpression(costs))
    return problem, variables, constraints


EXPORT_MARK = "written by capopt export"  # the first line's comment: how capopt knows a model file it wrote


def export(lp: LinearProgram, path: Path, name: str = "capopt", *, file_format: str | None = None) -> Path:
    """Write `lp` as an MPS (objective sense written in the file) or CPLEX LP file (`file_format` ".mps" or ".lp",
    default the file's suffix), its first line a comment naming capopt (`is_capopt_export`)."""
    path = Path(path)
    problem, _, _ = to_pulp(lp, name)
    mps = (file_format or path.suffix).lower() == ".mps"
    with _pulp3_quiet():
        if mps:
            problem.writeMPS(str(path), with_objsense=True)
        else:
            problem.writeLP(str(path))
    body = path.read_text()
    path.write_text(("* " if mps else "\\ ") + EXPORT_MARK + "\n" + body)
    return path


def is_capopt_export(path: Path) -> bool:
    """True if `path` is a model file `export` wrote (its first line names capopt)."""
    with open(path, "rb") as handle:
        return EXPORT_MARK.encode() in handle.readline()


def _cbc_status(problem: pulp.LpProblem) -> tuple[str, str]:
    """(status, detail) of the last CBC run on `problem`."""
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        return "optimal", "CBC: optimal"
    if problem.status == pulp.LpStatusOptimal:  # a solution, but optimality was not proven: CBC stopped early
        return "feasible", f"CBC: stopped before proving optimality ({pulp.LpSolution[problem.sol_status]})"
    names = {pulp.LpStatusInfeasible: "infeasible", pulp.LpStatusUnbounded: "unbounded",
             pulp.LpStatusNotSolved: "time_limit"}
    return names.get(problem.status, "error"), f"CBC: {pulp.LpStatus[problem.status]}"


def _run_cbc(problem: pulp.LpProblem, time_limit_s: float | None, mip_gap: float) -> None:
    with _pulp3_quiet():
        problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap))


def solve_cbc(lp: LinearProgram, *, time_limit_s: float | None = None, mip_gap: float = 1e-4,
              relax: bool = False, name: str = "capopt") -> SolveOutcome:
    """Solve `lp` with CBC through PuLP. CBC's duals of a maximisation are d objective / d bound already; for a
    MILP they come from the LP with the integer variables fixed at their values in the plan."""
    started = time.perf_counter()
    problem, variables, constraints = to_pulp(lp, name, relax=relax)
    handoff = time.perf_counter() - started
    is_mip = bool((lp.integrality & (not relax)).any())
    try:
        _run_cbc(problem, time_limit_s, mip_gap)
    except pulp.PulpSolverError as exc:
        return SolveOutcome("error", "cbc", f"CBC: {exc}", handoff_seconds=handoff)
    status, detail = _cbc_status(problem)
    if not is_mip and status == "feasible":
        status = "time_limit"  # an LP stopped early has no plan to offer
    outcome = SolveOutcome(status, "cbc", detail, is_mip=is_mip, relaxed=relax and bool(lp.integrality.any()),
                           handoff_seconds=handoff)
    if status in ("optimal", "feasible"):
        values = np.array([v.varValue or 0.0 for v in variables], dtype=float)
        outcome.objective_usd = float(lp.cost @ values)
        if is_mip:
            for variable, value, integer in zip(variables, values, lp.integrality):
                if integer:
                    variable.cat, variable.lowBound, variable.upBound = pulp.LpContinuous, round(value), round(value)
            _run_cbc(problem, None, mip_gap)
            outcome.duals_from_fixed_lp = problem.status == pulp.LpStatusOptimal
            if outcome.duals_from_fixed_lp:
                values = np.array([v.varValue or 0.0 for v in variables], dtype=float)
        outcome.col_value = values
        if not is_mip or outcome.duals_from_fixed_lp:
            outcome.row_dual = np.array([sum(c.pi or 0.0 for c in row) for row in constraints], dtype=float)
    outcome.solve_seconds = time.perf_counter() - started - handoff
    return outcome
