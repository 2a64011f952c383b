"""Solve a case: build the LP, run HiGHS (default) or CBC through PuLP, and read the plan back."""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pulp

from .case import SOLVERS, Case
from .errors import NoPlanError
from .model import CapacityModel, build_model
from .model.build import pulp3_quiet


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence output written straight to file descriptor 1 by C code (HiGHS prints a banner when created)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


class _QuietHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface without the banner on standard output."""

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        with _quiet_stdout():
            super().createAndConfigureSolver(lp)


@dataclass
class SolveOutcome:
    """What the solver said: `status` is optimal, infeasible, unbounded, time_limit or error."""

    status: str
    solver: str
    seconds: float
    detail: str = ""


def _solver(name: str, time_limit_s: float | None) -> pulp.LpSolver:
    if name == "highs":
        return _QuietHiGHS(msg=False, timeLimit=time_limit_s)
    if name == "cbc":
        with pulp3_quiet():
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
    raise ValueError(f"unknown solver {name!r}: choose one of {', '.join(SOLVERS)}")


def highs_status(problem: pulp.LpProblem) -> tuple[str, str]:
    """(status, detail) of the last HiGHS run on `problem`."""
    import highspy

    status = problem.solverModel.getModelStatus()
    names = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kIterationLimit: "time_limit",
    }
    if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        return "infeasible", "HiGHS: infeasible or unbounded"
    return names.get(status, "error"), f"HiGHS: {problem.solverModel.modelStatusToString(status)}"


def cbc_status(problem: pulp.LpProblem) -> tuple[str, str]:
    """(status, detail) of the last CBC run on `problem`."""
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        return "optimal", "CBC: optimal"
    if problem.status == pulp.LpStatusOptimal:  # a solution, but optimality was not proven: CBC stopped early
        return "time_limit", f"CBC: stopped before proving optimality ({pulp.LpSolution[problem.sol_status]})"
    names = {pulp.LpStatusInfeasible: "infeasible", pulp.LpStatusUnbounded: "unbounded",
             pulp.LpStatusNotSolved: "time_limit"}
    return names.get(problem.status, "error"), f"CBC: {pulp.LpStatus[problem.status]}"


def run_solver(model: CapacityModel, solver: str = "highs", time_limit_s: float | None = None) -> SolveOutcome:
    """Solve the built model in place; variables and constraints then hold values and duals."""
    started = time.perf_counter()
    try:
        model.problem.solve(_solver(solver, time_limit_s))
    except pulp.PulpSolverError as exc:
        return SolveOutcome("error", solver, time.perf_counter() - started, f"{solver}: {exc}")
    status, detail = highs_status(model.problem) if solver == "highs" else cbc_status(model.problem)
    return SolveOutcome(status, solver, time.perf_counter() - started, detail)


def solve(case: Case, *, solver: str | None = None, time_limit_s: float | None = None):
    """Build and solve `case`; return its optimal `Plan`, or raise `NoPlanError` explaining why there is none."""
    from .diagnose import explain_no_plan
    from .results import read_plan

    name = (solver or case.solver.name).lower()
    limit = time_limit_s if time_limit_s is not None else case.solver.time_limit_s
    model = build_model(case)
    outcome = run_solver(model, name, limit)
    if outcome.status != "optimal":
        raise NoPlanError(outcome.status, explain_no_plan(model, outcome))
    return read_plan(model, outcome)
