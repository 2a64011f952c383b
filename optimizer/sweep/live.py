"""Re-solve scenarios in a live HiGHS model instead of building and handing off the model for each.

`LiveModel` builds the model once and keeps its `HighsRun`. A scenario's parameters reach the LP in three places
only, so a re-solve pushes just what differs there and runs HiGHS from the previous basis (a warm start; a MILP
starts from the previous scenario's plan):

- objective costs: the NPV of the scenario's `objective_parts` (hashprice, energy and AI prices, capex, ASIC prices,
  discount factors, terminal value);
- row bounds: power rows <- grid_mw[s,t], capex_budget rows <- budget[t], spot_market rows <- ai_spot_max_mw[t]
  (each family's own `rhs`);
- matrix coefficients of the capex_budget rows: ai_capex_usd_per_mw[s] on build_a[s,t] and the ASIC price per MW of
  model f on buy_m[s,f,t] (`capex_coefficients`, one entry per build or purchase).

Which variables, rows and entries exist depends on a few masks of the data (`structure_key`); a scenario whose masks
differ from the live model's gets its own model (`ScenarioSolver` keeps one per structure).
"""
from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..case import Case
from ..model import build_model
from ..model.constraints import capex_budget, power, spot_market
from ..model.data import ModelData, model_data
from ..model.expressions import capex_coefficients
from ..model.objective import npv_costs, objective_parts
from ..model.variables import variable_masks
from ..results.figures import PlanFigures, read_figures
from ..solvers.diagnose import explain_no_plan
from ..solvers.highs import HighsRun
from .params import apply_scenario

RHS_FAMILIES = {"power": power.rhs, "capex_budget": capex_budget.rhs, "spot_market": spot_market.rhs}


def structure_key(d: ModelData) -> bytes:
    """The data masks that decide which variables, rows and matrix entries exist (among what scenarios change)."""
    ai_usd_per_mw, asic_usd_per_mw = capex_coefficients(d)
    masks = [*variable_masks(d).values(), ai_usd_per_mw == 0, asic_usd_per_mw == 0,
             np.isfinite(capex_budget.rhs(d))]
    return b"|".join(np.asarray(m, dtype=np.uint8).tobytes() for m in masks)


@dataclass
class Solution:
    """One scenario's result: status, NPV and, with a plan, its figures (read by the one solution reader); without
    one, `why` says in the planner's terms what stops it (as `capopt solve` does)."""

    status: str
    detail: str
    npv_usd: float
    iterations: int
    seconds: float
    figures: PlanFigures | None
    why: str = ""


class LiveModel:
    """The model of one case held in HiGHS, re-solved warm for scenarios with the same structure."""

    def __init__(self, case: Case, data: ModelData | None = None):
        started = time.perf_counter()
        self.case = case
        self.model = build_model(case, data)
        self.run = HighsRun(self.model.lp, time_limit_s=case.solver.time_limit_s, mip_gap=case.solver.mip_gap)
        self.data = self.model.data
        self.structure = structure_key(self.data)
        self._cost = self.model.lp.cost.copy()
        self._bounds = {family: self._rhs(family, self.data) for family in RHS_FAMILIES}
        self._capex_rows, self._capex_columns, self._capex_is_ai, self._capex_which = self._capex_entries()
        self._capex_values = self._capex_coefficients(self.data)
        self._last: np.ndarray | None = None
        self._first = True
        self._seconds = time.perf_counter() - started

    def _rhs(self, family: str, d: ModelData) -> np.ndarray:
        """The family's row bounds in `d`, for its present rows."""
        block = self.model.constraints[family]
        values = np.broadcast_to(RHS_FAMILIES[family](d), block.rows.shape)
        return values[block.rows >= 0].astype(float)

    def _capex_entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, is AI build, site or model index) of every capex entry of the capex_budget rows."""
        v, rows = self.model.variables, self.model.constraints["capex_budget"].rows
        build, buy = v.build_a.columns, v.buy_m.columns
        s, t = np.nonzero((build >= 0) & (rows[None, :] >= 0))
        sb, fb, tb = np.nonzero((buy >= 0) & (rows[None, None, :] >= 0))
        return (np.concatenate([rows[t], rows[tb]]), np.concatenate([build[s, t], buy[sb, fb, tb]]),
                np.concatenate([np.ones(len(s), bool), np.zeros(len(sb), bool)]), np.concatenate([s, fb]))

    def _capex_coefficients(self, d: ModelData) -> np.ndarray:
        ai_usd_per_mw, asic_usd_per_mw = capex_coefficients(d)
        return np.where(self._capex_is_ai, ai_usd_per_mw[np.where(self._capex_is_ai, self._capex_which, 0)],
                        asic_usd_per_mw[np.where(self._capex_is_ai, 0, self._capex_which)])

    def push(self, d: ModelData) -> list:
        """Change the live LP to scenario data `d` (same structure), pushing only what differs; returns the
        scenario's objective parts."""
        if structure_key(d) != self.structure:
            raise ValueError("scenario changes the LP's structure; build a LiveModel for it instead")
        parts = objective_parts(d)
        cost = npv_costs(parts, d, self.model.variables, self.model.lp.n_columns)
        changed = np.flatnonzero(cost != self._cost)
        self.run.change_costs(changed, cost[changed])
        for family in RHS_FAMILIES:
            bound = self._rhs(family, d)
            moved = np.flatnonzero(bound != self._bounds[family])
            rows = self.model.constraints[family].row_indexes[moved]
            lower = bound[moved] if family == "capex_budget" else np.full(len(moved), -np.inf)
            self.run.change_row_bounds(rows, lower, bound[moved])
            self._bounds[family] = bound
        values = self._capex_coefficients(d)
        moved = np.flatnonzero(values != self._capex_values)
        self.run.change_coefficients(self._capex_rows[moved], self._capex_columns[moved], values[moved])
        self._cost, self._capex_values, self.data = cost, values, d
        return parts

    def solve(self, case: Case, d: ModelData) -> Solution:
        """Solve scenario `case` (data `d`): the first time as built, then pushed and re-solved warm."""
        started = time.perf_counter()
        parts = self.model.cash_flows if self._first else self.push(d)
        if self.run.is_mip and self._last is not None:
            self.run.set_start(self._last)
        outcome = self.run.solve()
        seconds = time.perf_counter() - started + (self._seconds if self._first else 0.0)
        self._first = False
        iterations = int(self.run.highs.getInfo().simplex_iteration_count)
        view = dataclasses.replace(self.model, case=case, data=d, cash_flows=parts)
        if not outcome.has_plan:
            return Solution(outcome.status, outcome.detail, float("nan"), iterations, seconds, None,
                            explain_no_plan(view, outcome))
        self._last = outcome.col_value
        figures = read_figures(view, outcome.col_value, outcome.row_dual)  # type: ignore[arg-type]
        return Solution(outcome.status, outcome.detail, figures.npv_usd, iterations, seconds, figures)


class ScenarioSolver:
    """Solves scenarios of one case, keeping a live model per LP structure (at most `max_models`, most recent)."""

    def __init__(self, case: Case, max_models: int = 4):
        self.case = case
        self.max_models = max_models
        self._models: OrderedDict[bytes, LiveModel] = OrderedDict()
        self.builds = 0

    def solve(self, params: Mapping[str, float]) -> Solution:
        """Solve the case with `params` applied: warm in a live model of the same structure, else a new one."""
        scenario = apply_scenario(self.case, params)
        data = model_data(scenario.inputs, scenario.horizon, scenario.options)
        key = structure_key(data)
        live = self._models.pop(key, None)
        if live is None:
            live = LiveModel(scenario, data)
            self.builds += 1
        solution = live.solve(scenario, data)
        self._models[key] = live
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return solution
