"""Plans read back from solutions: one reader of values and duals (`figures.py`), plan tables and summary
(`plan.py`), and `solve`, which builds, solves and reads a case."""
from __future__ import annotations

from ..case import Case
from ..errors import NoPlanError
from ..model import build_model
from ..model.scenarios import build_scenario_model
from ..solve import run_solver
from ..solve.diagnose import explain_no_plan
from .figures import PlanFigures, read_figures
from .plan import PLAN_TABLES, Plan, read_plan
from .scenario_plan import read_scenario_plan

__all__ = ["PLAN_TABLES", "Plan", "PlanFigures", "read_figures", "read_plan", "solve"]


def solve(case: Case, *, solver: str | None = None, time_limit_s: float | None = None,
          mip_gap: float | None = None, relax: bool = False) -> Plan:
    """Build and solve `case`; return its `Plan` (status optimal, or feasible for a MILP stopped at its time limit),
    or raise `NoPlanError` explaining why there is none. Arguments override the model file's solver settings."""
    settings = case.solver_settings(solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if case.is_stochastic:
        scenario_model = build_scenario_model(case)
        outcome = run_solver(scenario_model.lp, settings, relax=relax, name=case.name)
        if not outcome.has_plan:
            # scenarios differ only in prices and markets, so a scenario model has a plan if its first scenario has
            raise NoPlanError(outcome.status, explain_no_plan(scenario_model.members[0], outcome))
        return read_scenario_plan(scenario_model, outcome)
    model = build_model(case)
    outcome = run_solver(model.lp, settings, relax=relax, name=case.name)
    if not outcome.has_plan:
        raise NoPlanError(outcome.status, explain_no_plan(model, outcome))
    return read_plan(model, outcome)
