"""Single solves the studies are made of: a case's plan model (deterministic or scenario) built, some of its
decisions fixed, solved, and its objective read. Each function is top-level and takes plain arguments, so it can
run in a worker process or on a Dask cluster."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..case import Case
from ..model import CapacityModel, build_model
from ..model.data import model_data
from ..model.scenarios import ScenarioModel, build_scenario_model, committed_columns
from ..solvers import run_solver
from ..solvers.outcome import SolveOutcome


@dataclass
class Decisions:
    """Values of decision blocks by name, laid out like the blocks (e.g. a plan's committed decisions); entries
    marked False in `which` are not fixed."""

    values: dict[str, np.ndarray]
    which: dict[str, np.ndarray]


def committed_decisions(model: CapacityModel, col_value: np.ndarray, commit_through_t: int) -> Decisions:
    """The decisions a plan commits to: investments through `commit_through_t` and contract signing."""
    columns = committed_columns(model, commit_through_t)
    values = {name: np.where(c >= 0, col_value[np.maximum(c, 0)], 0.0) for name, c in columns.items()}
    return Decisions(values, {name: c >= 0 for name, c in columns.items()})


def fix_decisions(model: CapacityModel, decisions: Decisions) -> None:
    """Fix `model`'s columns of the given decisions at their values (integers rounded)."""
    for name, which in decisions.which.items():
        block = model.variables[name]
        mask = which & block.exists
        values = decisions.values[name][mask]
        model.lp.fix_columns(block.columns[mask], np.round(values) if block.integer else np.maximum(values, 0.0))


def plan_model(case: Case, *, risk_weight: float | None = None) -> CapacityModel | ScenarioModel:
    """The model `solve` would build: the extensive form for a case with scenarios, else the deterministic one."""
    return build_scenario_model(case, risk_weight=risk_weight) if case.is_stochastic else build_model(case)


def first_plan(model: CapacityModel | ScenarioModel) -> CapacityModel:
    """The deterministic model, or the first scenario of a scenario model (whose committed columns all share)."""
    return model.members[0] if isinstance(model, ScenarioModel) else model


def solve_model(case: Case, model: CapacityModel | ScenarioModel) -> SolveOutcome:
    """Solve a built model with the case's solver settings."""
    return run_solver(model.lp, case.solver_settings(), name=case.name)


def scenario_alone(case: Case, w: int) -> SolveOutcome:
    """Scenario w of the case solved alone, with perfect foresight (a deterministic model on its data)."""
    values = case.inputs.scenario_values
    data = model_data(case.inputs, case.horizon, case.options, values.row(w))  # type: ignore[union-attr]
    return solve_model(case, build_model(case, data))


def scenario_alone_with(case: Case, w: int, decisions: Decisions) -> SolveOutcome:
    """Scenario w alone with the given decisions fixed (to find which scenarios they cannot serve)."""
    values = case.inputs.scenario_values
    model = build_model(case, model_data(case.inputs, case.horizon, case.options, values.row(w)))  # type: ignore[union-attr]
    fix_decisions(model, decisions)
    return solve_model(case, model)


def with_decisions(case: Case, decisions: Decisions, *, risk_weight: float | None = None) -> SolveOutcome:
    """The case's plan model with the given decisions fixed."""
    model = plan_model(case, risk_weight=risk_weight)
    fix_decisions(first_plan(model), decisions)
    return solve_model(case, model)
