"""Re-solve scenarios in a live HiGHS model instead of rebuilding the PuLP model for each.

`LiveModel` builds the LP once with the model builder and keeps PuLP's `highspy.Highs` object. A scenario's
parameters reach the LP in three places only, so a re-solve pushes just what differs there and runs HiGHS from
the previous basis (a warm start):

- objective costs: `objective_parts` of the scenario's `ModelData` (hashprice, energy and AI prices, capex, ASIC
  prices, discount factors, terminal value);
- row upper bounds: power rows <- grid_mw[s,t], capex_budget rows <- cumulative budget[t], spot_market rows <-
  ai_spot_max_mw[t];
- matrix coefficients of the capex_budget rows: ai_capex_usd_per_mw[s] on build_a[s,u] and the ASIC price per MW
  of model f on buy_m[s,f,u], for every u <= t.

Which variables, rows and entries exist depends on a few masks of the data (`structure_key`); a scenario whose
masks differ from the live model's gets its own model (`ScenarioSolver` keeps one per structure). On every build,
the derived costs, bounds and coefficients are checked against what the model builder put into HiGHS.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import highspy
import numpy as np

from ..case import Case
from ..model import CapacityModel, build_model
from ..model.build import pulp3_quiet
from ..model.data import ModelData, model_data
from ..model.objective import CashFlowPart, objective_parts
from ..solve import highs_status, run_solver
from .params import apply_scenario

# Building swaps process-wide state (warning filters, file descriptor 1 while HiGHS starts): one thread at a time.
_BUILD_LOCK = threading.Lock()

RHS: dict[str, Callable[[ModelData], np.ndarray]] = {
    "power": lambda d: d.grid_mw,
    "capex_budget": lambda d: d.cumulative_budget_usd,
    "spot_market": lambda d: d.spot_max_mw,
}


def structure_key(d: ModelData) -> bytes:
    """The data masks that decide which variables, rows and matrix entries exist, among what scenarios change."""
    masks = (np.isnan(d.price_usd_per_mw), np.nan_to_num(d.price_usd_per_mw) == 0, d.ai_capex_usd_per_mw == 0,
             np.isfinite(d.cumulative_budget_usd), d.spot_max_mw > 0)
    return b"|".join(np.asarray(m, dtype=np.uint8).tobytes() for m in masks)


def column_indexes(variables: np.ndarray) -> np.ndarray:
    """HiGHS column of each PuLP variable in an object array (-1 where there is no variable, or the variable is in
    no row and not in the objective, so PuLP gave HiGHS no column for it)."""
    flat = [-1 if v is None else getattr(v, "index", -1) for v in variables.ravel()]
    return np.array(flat, dtype=np.int64).reshape(variables.shape)


def _take(x: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Solution values by column index, 0 where the index is -1."""
    return np.where(columns >= 0, x[np.maximum(columns, 0)], 0.0)


@dataclass
class Solution:
    """One scenario's result read from HiGHS.

    `values`: variable name -> solution values shaped like `model.variables` (0 where no variable).
    `duals`: family -> d NPV / d limit (present-value USD per unit) per row of `model.constraints[family]`.
    `parts`: the scenario's objective parts (USD per MW), for revenue by source.
    """

    status: str
    detail: str
    npv_usd: float
    iterations: int
    seconds: float
    data: ModelData
    model: CapacityModel
    parts: list[CashFlowPart]
    values: dict[str, np.ndarray]
    duals: dict[str, np.ndarray]


class LiveModel:
    """The LP of one case held in HiGHS, re-solved warm for scenarios with the same structure."""

    def __init__(self, case: Case):
        started = time.perf_counter()
        with _BUILD_LOCK, pulp3_quiet():
            self.model = build_model(case)
            run_solver(self.model, "highs", case.solver.time_limit_s)
        self.highs: highspy.Highs = self.model.problem.solverModel
        self.data = self.model.data
        self.structure = structure_key(self.data)
        self.n_columns = self.highs.getNumCol()
        self._columns = {name: column_indexes(array) for name, array in self.model.variables.items()}
        self._parts = self.model.cash_flows
        self._part_columns = [column_indexes(part.variables) for part in self._parts]
        self._rows = {family: np.array([c.index for c in block.constraints], dtype=np.int64)
                      for family, block in self.model.constraints.items()}
        self._row_index = {family: tuple(np.array(block.index, dtype=np.int64).reshape(-1, len(block.dims)).T)
                           for family, block in self.model.constraints.items()}
        self._capex_rows, self._capex_columns, self._capex_is_ai, self._capex_which = self._capex_entries()
        lp = self.highs.getLp()
        self._cost = np.asarray(lp.col_cost_, dtype=float)
        self._upper = {family: np.asarray(lp.row_upper_, dtype=float)[self._rows[family]] for family in RHS}
        self._capex_values = self._capex_coefficients(self.data)
        self._check(lp)
        self._seconds = time.perf_counter() - started

    def _capex_entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(HiGHS row, column, is AI build, site or model index) of every entry of the capex_budget rows."""
        none = np.zeros(0, np.int64)
        rows, columns, is_ai, which = [none], [none], [np.zeros(0, bool)], [none]
        build, buy = self._columns["build_a"], self._columns["buy_m"]
        for (t,), row in zip(self.model.constraints["capex_budget"].index, self._rows["capex_budget"]):
            s, u = np.nonzero(build[:, : t + 1] >= 0)
            sb, fb, ub = np.nonzero(buy[:, :, : t + 1] >= 0)
            rows += [np.full(len(s) + len(sb), row)]
            columns += [build[s, u], buy[sb, fb, ub]]
            is_ai += [np.ones(len(s), bool), np.zeros(len(sb), bool)]
            which += [s, fb]
        return np.concatenate(rows), np.concatenate(columns), np.concatenate(is_ai), np.concatenate(which)

    def _capex_coefficients(self, d: ModelData) -> np.ndarray:
        """Coefficient of each capex_budget entry: AI capex per MW of its site, or ASIC price per MW of its model."""
        ai, which = self._capex_is_ai, self._capex_which
        values = np.empty(len(which))
        values[ai] = d.ai_capex_usd_per_mw[which[ai]]
        values[~ai] = np.nan_to_num(d.price_usd_per_mw)[which[~ai]]
        return values

    def _costs(self, parts: list[CashFlowPart], d: ModelData) -> np.ndarray:
        """HiGHS costs (PuLP minimises -NPV) from objective parts, summed in the order `npv_coefficients` uses."""
        if len(parts) != len(self._part_columns):
            raise RuntimeError("the objective's parts changed shape; the live model cannot re-solve this scenario")
        columns, weights = [], []
        for part, cols in zip(parts, self._part_columns):
            present = cols >= 0
            columns.append(cols[present])
            weights.append(part.sign * part.discount(d)[present] * part.usd_per_mw[present])
        npv = np.bincount(np.concatenate(columns), np.concatenate(weights), minlength=self.n_columns)
        return -npv

    def _rhs(self, family: str, d: ModelData) -> np.ndarray:
        return np.asarray(RHS[family](d), dtype=float)[self._row_index[family]]

    def _check(self, lp) -> None:
        """Check that costs, bounds and capex coefficients derived from the data equal the builder's LP."""
        problems = []
        if not np.allclose(self._costs(self._parts, self.data), self._cost, rtol=1e-12, atol=1e-9):
            problems.append("objective costs")
        for family in RHS:
            if not np.array_equal(self._rhs(family, self.data), self._upper[family]):
                problems.append(f"{family} bounds")
        matrix = lp.a_matrix_
        starts = np.asarray(matrix.start_)
        entry_columns = np.repeat(np.arange(self.n_columns), np.diff(starts))
        entries = dict(zip(zip(np.asarray(matrix.index_).tolist(), entry_columns.tolist()),
                           np.asarray(matrix.value_).tolist()))
        built = np.array([entries.get(rc, 0.0) for rc in zip(self._capex_rows.tolist(), self._capex_columns.tolist())])
        if not np.allclose(built, self._capex_values, rtol=1e-12, atol=0):
            problems.append("capex_budget coefficients")
        if problems:
            raise RuntimeError(f"sweep's live model disagrees with the model builder on {', '.join(problems)}")

    def push(self, d: ModelData) -> None:
        """Change the live LP to scenario data `d` (same structure), pushing only what differs."""
        if structure_key(d) != self.structure:
            raise ValueError("scenario changes the LP's structure; build a LiveModel for it instead")
        parts = objective_parts(d, self.model.variables)
        cost = self._costs(parts, d)
        changed = np.flatnonzero(cost != self._cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, changed.astype(np.int32), cost[changed])
        for family in RHS:
            upper = self._rhs(family, d)
            moved = np.flatnonzero(upper != self._upper[family])
            if moved.size:
                rows = self._rows[family][moved].astype(np.int32)
                self.highs.changeRowsBounds(moved.size, rows, np.full(moved.size, -highspy.kHighsInf), upper[moved])
            self._upper[family] = upper
        values = self._capex_coefficients(d)
        for i in np.flatnonzero(values != self._capex_values):
            self.highs.changeCoeff(int(self._capex_rows[i]), int(self._capex_columns[i]), float(values[i]))
        self._cost, self._capex_values, self._parts, self.data = cost, values, parts, d

    def solve(self, d: ModelData) -> Solution:
        """Push scenario data `d` and re-solve from the current basis."""
        started = time.perf_counter()
        self.push(d)
        self.highs.run()
        return self.solution(time.perf_counter() - started)

    def solution(self, seconds: float | None = None) -> Solution:
        """The current HiGHS result as a `Solution` (the first build's time if `seconds` is not given)."""
        status, detail = highs_status(self.model.problem)
        iterations = int(self.highs.getInfo().simplex_iteration_count)
        seconds = self._seconds if seconds is None else seconds
        if status != "optimal":
            return Solution(status, detail, float("nan"), iterations, seconds, self.data, self.model, self._parts, {},
                            {})
        result = self.highs.getSolution()
        x = np.asarray(result.col_value, dtype=float)
        row_dual = np.asarray(result.row_dual, dtype=float)
        values = {name: _take(x, cols) for name, cols in self._columns.items()}
        duals = {family: -row_dual[rows] for family, rows in self._rows.items()}  # PuLP gives HiGHS min -NPV
        return Solution(status, detail, float(-self._cost @ x), iterations, seconds, self.data, self.model,
                        self._parts, values, duals)


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
            live = LiveModel(scenario)
            self.builds += 1
            solution = live.solution()
        else:
            solution = live.solve(data)
        self._models[key] = live
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return solution
