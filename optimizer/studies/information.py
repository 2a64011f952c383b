"""What information is worth (docs/formulation.md, extension C), always from the risk-neutral scenario model:

    EVPI = sum_w p_w * NPV*_w - expected NPV        NPV*_w: scenario w solved alone (perfect foresight)
    VSS  = expected NPV - expected NPV of the mean-value plan

The mean-value plan solves one scenario in which every scenario-dependent quantity (hashprice, spot price, spot MW,
energy price factor) is at its probability-weighted mean; its committed decisions are then fixed in the scenario
model, which is solved again. Should that be infeasible, VSS is "unbounded" and the scenarios the mean-value plan
cannot serve are listed.

The solves of the scenarios alone are independent: `map_tasks` runs them (serially by default; the CLI passes a
process pool or a Dask cluster), and `progress` is called after each.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..case import Case
from ..errors import NoPlanError
from ..model import build_model
from ..model.data import model_data
from .executors import MapTasks, serial_map
from .solves import committed_decisions, plan_model, scenario_alone, scenario_alone_with, solve_model, with_decisions


@dataclass
class ValueOfInformation:
    """EVPI and VSS with the figures they come from (USD, present value)."""

    expected_npv_usd: float
    npv_perfect_information_by_scenario_usd: dict[str, float]
    evpi_usd: float
    mean_value_plan_expected_npv_usd: float | None
    vss_usd: float | str
    vss_infeasible_scenarios: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "evpi_usd": self.evpi_usd,
            "vss_usd": self.vss_usd,
            "vss_infeasible_scenarios": self.vss_infeasible_scenarios,
            "risk_neutral_expected_npv_usd": self.expected_npv_usd,
            "npv_perfect_information_by_scenario_usd": self.npv_perfect_information_by_scenario_usd,
            "mean_value_plan_expected_npv_usd": self.mean_value_plan_expected_npv_usd,
        }


def _objective(outcome, what: str) -> float:
    if not outcome.has_plan or outcome.objective_usd is None:
        raise NoPlanError(outcome.status, f"{what}: no plan ({outcome.detail})")
    return float(outcome.objective_usd)


def value_of_information(case: Case, *, map_tasks: MapTasks = serial_map,
                         progress: Callable[[int], None] | None = None) -> ValueOfInformation:
    """EVPI and VSS of `case`'s scenarios; NoPlanError if the risk-neutral scenario model has no plan."""
    values = case.inputs.scenario_values
    if values is None:
        raise ValueError("value of information needs scenarios (a scenarios table)")
    names, p = values.names, values.probability
    rp = _objective(solve_model(case, plan_model(case, risk_weight=0.0)), "the risk-neutral scenario model")
    alone = []
    for outcome in map_tasks(partial(scenario_alone, case), range(len(names))):
        alone.append(_objective(outcome, "a scenario solved alone"))
        if progress:
            progress(1)
    evpi = float(p @ np.array(alone)) - rp

    mean_model = build_model(case, model_data(case.inputs, case.horizon, case.options, values.mean()))
    mean_outcome = solve_model(case, mean_model)
    _objective(mean_outcome, "the mean-value plan")
    assert mean_outcome.col_value is not None  # a plan was found: _objective raised otherwise
    decisions = committed_decisions(mean_model, mean_outcome.col_value, case.scenario_settings.commit_through_t)
    fixed = with_decisions(case, decisions, risk_weight=0.0)
    if progress:
        progress(1)
    if fixed.has_plan:
        eev = float(fixed.objective_usd)  # type: ignore[arg-type]
        vss: float | str = rp - eev
        infeasible: list[str] = []
    else:
        eev, vss = None, "unbounded"  # type: ignore[assignment]
        infeasible = [name for name, outcome in zip(names, map_tasks(partial(scenario_alone_with, case,
                                                                             decisions=decisions), range(len(names))))
                      if not outcome.has_plan]
    return ValueOfInformation(rp, dict(zip(names, alone)), evpi, eev, vss, infeasible)
