"""Solve a built model: HiGHS from the model's arrays (default) or CBC through PuLP, and explain a missing plan.

- `highs.py`         hand-off of the arrays to HiGHS, warm re-solves, MILP duals from the fixed LP
- `pulp_backend.py`  the same LP as PuLP objects: CBC, and LP/MPS export for other solvers
- `outcome.py`       what a run returns: status, values and duals as arrays
- `diagnose.py`      why there is no plan, in the planner's terms
"""
from __future__ import annotations

from ..case import SOLVERS, SolverSettings
from ..model.lp import LinearProgram
from .highs import solve_highs
from .outcome import PLAN_STATUSES, SolveOutcome
from .pulp_backend import solve_cbc

__all__ = ["PLAN_STATUSES", "SolveOutcome", "run_solver"]


_DEFAULT_SETTINGS = SolverSettings()


def run_solver(lp: LinearProgram, settings: SolverSettings = _DEFAULT_SETTINGS, *, relax: bool = False,
               name: str = "capopt") -> SolveOutcome:
    """Solve `lp` with the solver `settings` name, within its time limit and MILP gap; `relax` drops integrality."""
    if settings.name == "highs":
        return solve_highs(lp, time_limit_s=settings.time_limit_s, mip_gap=settings.mip_gap, relax=relax)
    if settings.name == "cbc":
        return solve_cbc(lp, time_limit_s=settings.time_limit_s, mip_gap=settings.mip_gap, relax=relax, name=name)
    raise ValueError(f"unknown solver {settings.name!r}: choose one of {', '.join(SOLVERS)}")
