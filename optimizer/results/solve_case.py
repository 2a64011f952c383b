"""Build, solve and read a case: the plan `optimizer.solve` returns."""
from __future__ import annotations

from ..case import Case, SolverSettings
from ..errors import NoPlanError
from ..model import build_model
from ..model.lp import LinearProgram
from ..model.scenarios import build_scenario_model
from ..solvers import SolveOutcome, run_solver
from ..solvers.diagnose import explain_no_plan
from .plan import Plan, read_plan
from .scenario_plan import read_scenario_plan


def solve(case: Case, *, solver: str | None = None, time_limit_s: float | None = None,
          mip_gap: float | None = None, relax: bool = False) -> Plan:
    """Build and solve `case`; return its `Plan` (status optimal, or feasible for a MILP stopped at its time limit),
    or raise `NoPlanError` explaining why there is none. Arguments override the model file's solver settings."""
    if case.is_stochastic:
        return solve_scenarios(case, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax)
    settings = case.solver_settings(solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    model = build_model(case)
    outcome = run_solver(model.lp, settings, relax=relax, name=case.name)
    if not outcome.has_plan:
        raise NoPlanError(outcome.status, explain_no_plan(model, outcome))
    return _with_relaxation(read_plan(model, outcome), outcome, model.lp, settings, case.name)


def solve_scenarios(case: Case, *, risk_weight: float | None = None, solver: str | None = None,
                    time_limit_s: float | None = None, mip_gap: float | None = None, relax: bool = False) -> Plan:
    """Solve `case`'s scenario model (extension C), with the model file's risk weight unless `risk_weight` is given."""
    settings = case.solver_settings(solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    model = build_scenario_model(case, risk_weight=risk_weight)
    outcome = run_solver(model.lp, settings, relax=relax, name=case.name)
    if not outcome.has_plan:
        # scenarios differ only in prices and markets, so the limits that leave no plan are those of any scenario
        raise NoPlanError(outcome.status, explain_no_plan(model.members[0], outcome))
    return _with_relaxation(read_scenario_plan(model, outcome), outcome, model.lp, settings, case.name)


def _with_relaxation(plan: Plan, outcome: SolveOutcome, lp: LinearProgram, settings: SolverSettings,
                     name: str) -> Plan:
    """A MILP's plan with the objective of its LP relaxation (fractional halls, lots and signatures), so the report
    can state what whole decisions cost: from the solver run where it computed it (HiGHS), else solved here (CBC)."""
    whole = plan.summary.whole
    if whole is not None and whole.problem == "MILP":
        if not outcome.relaxation_tried:
            relaxed = run_solver(lp, settings, relax=True, name=name)
            whole.lp_relaxation_objective_usd = relaxed.objective_usd if relaxed.has_plan else None
        else:
            whole.lp_relaxation_objective_usd = outcome.lp_relaxation_usd
    return plan
