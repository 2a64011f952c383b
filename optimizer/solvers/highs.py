"""HiGHS, fed straight from the model's arrays (no per-variable objects): the default solver.

`HighsRun` holds one `highspy.Highs` with the LP passed in one call (`passModel` with the row-wise matrix), solves
it, and can change costs, row bounds and matrix entries and solve again from the previous basis (a warm start, as
the sweeps do) or from a previous plan (`setSolution`, for MILPs). For a MILP, duals come from the LP with every
integer variable fixed at its value in the plan, warm from the basis of the LP relaxation, which a second
`highspy.Highs` solves alongside the MILP search (highspy's own solver thread; HiGHS releases the GIL).
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

import highspy
import numpy as np

from ..model.lp import CsrMatrix, LinearProgram
from .outcome import SolveOutcome

assert highspy.kHighsInf == float("inf"), "HiGHS' infinity is IEEE infinity"
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "time_limit",
    highspy.HighsModelStatus.kSolutionLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "time_limit",
}
_FEASIBLE_SOLUTION = 2  # HiGHS' kSolutionStatusFeasible


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


def _bounds(values: np.ndarray) -> np.ndarray:
    """Bounds as HiGHS takes them (its infinity is IEEE infinity, as numpy's)."""
    return np.ascontiguousarray(values, dtype=np.float64)


def _passed_model(lp: LinearProgram, matrix: CsrMatrix, integrality: np.ndarray | None,
                  time_limit_s: float | None) -> highspy.Highs:
    """A quiet `highspy.Highs` holding `lp` (maximised; `matrix` is `lp.matrix()`), passed in one call; `integrality`
    None: the LP relaxation."""
    with _quiet_stdout():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", float(time_limit_s))
    integer = np.zeros(lp.n_columns, dtype=np.int32) if integrality is None else integrality.astype(np.int32)
    status = highs.passModel(
        lp.n_columns, lp.n_rows, matrix.nnz, int(highspy.MatrixFormat.kRowwise), int(highspy.ObjSense.kMaximize),
        0.0, np.ascontiguousarray(lp.cost, dtype=np.float64), _bounds(lp.col_lower), _bounds(lp.col_upper),
        _bounds(lp.row_lower), _bounds(lp.row_upper),
        matrix.start.astype(np.int32), matrix.index.astype(np.int32), matrix.value.astype(np.float64), integer)
    if status == highspy.HighsStatus.kError:
        raise ValueError("HiGHS refused the model (a coefficient or bound out of its range)")
    return highs


def relative_gap(objective_usd: float, best_bound_usd: float) -> float:
    """|best bound - objective| / max(|objective|, 1 USD): HiGHS' relative gap, but finite when the objective is 0."""
    return abs(best_bound_usd - objective_usd) / max(abs(objective_usd), 1.0)


class HighsRun:
    """One LP or MILP held in HiGHS (maximised), solved, changed and solved again."""

    def __init__(self, lp: LinearProgram, *, time_limit_s: float | None = None, mip_gap: float = 1e-4,
                 relax: bool = False):
        started = time.perf_counter()
        self.n_columns, self.n_rows = lp.n_columns, lp.n_rows
        self.integer = lp.integrality & (not relax)
        self.is_mip = bool(self.integer.any())
        self.relaxed = relax and bool(lp.integrality.any())
        self.col_lower, self.col_upper = lp.col_lower, lp.col_upper
        matrix = lp.matrix()
        self.highs = _passed_model(lp, matrix, self.integer, time_limit_s)
        self.highs.setOptionValue("mip_rel_gap", float(mip_gap))
        # a MILP's LP relaxation, kept in step with every change, solved while the MILP search runs
        self.relaxation = _passed_model(lp, matrix, None, time_limit_s) if self.is_mip else None
        self.handoff_seconds = time.perf_counter() - started

    def _instances(self) -> list[highspy.Highs]:
        return [self.highs] if self.relaxation is None else [self.highs, self.relaxation]

    def set_start(self, col_value: np.ndarray) -> None:
        """Start the next MILP search from a plan (e.g. the previous scenario's)."""
        solution = highspy.HighsSolution()
        solution.col_value = list(np.asarray(col_value, dtype=float))
        solution.value_valid = True
        self.highs.setSolution(solution)

    def change_costs(self, columns: np.ndarray, costs: np.ndarray) -> None:
        if len(columns):
            for highs in self._instances():
                highs.changeColsCost(len(columns), columns.astype(np.int32), costs.astype(np.float64))

    def change_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(rows):
            for highs in self._instances():
                highs.changeRowsBounds(  # type: ignore[attr-defined]  # in highspy, missing from its stubs
                    len(rows), rows.astype(np.int32), _bounds(lower), _bounds(upper))

    def change_coefficients(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        for highs in self._instances():
            for row, column, value in zip(rows.tolist(), columns.tolist(), values.tolist()):
                highs.changeCoeff(row, column, value)

    def solve(self) -> SolveOutcome:
        """Run HiGHS; a MILP's LP relaxation is solved alongside its search, and with a plan the LP with its integers
        fixed, for duals."""
        started = time.perf_counter()
        if self.relaxation is not None:
            self.relaxation.startSolve()  # on highspy's solver thread, while this one searches
        try:
            outcome = self._search()
        finally:
            if self.relaxation is not None:
                self.relaxation.wait()  # under the same time limit, and HiGHS proves it infeasible no slower
        if self.is_mip and outcome.col_value is not None:
            self._fixed_lp(outcome)
        outcome.solve_seconds = time.perf_counter() - started
        return outcome

    def _search(self) -> SolveOutcome:
        """The LP, or the MILP's branch and cut, with its plan's values (and an LP's duals)."""
        self.highs.run()
        model_status = self.highs.getModelStatus()
        claimed_infeasible = self.is_mip and model_status == highspy.HighsModelStatus.kInfeasible
        if claimed_infeasible or model_status == highspy.HighsModelStatus.kUnknown:
            # HiGHS' MILP presolve has been seen to claim infeasibility of feasible tiny models: confirm without it.
            # Only a plan found without presolve overturns the claim; an unsure answer (seen: "Unknown" when a
            # 2 USD budget meets 5 M USD/MW capex) leaves it standing. An unsure answer is asked again the same way.
            self.highs.setOptionValue("presolve", "off")
            try:
                self.highs.run()
            finally:
                self.highs.setOptionValue("presolve", "choose")
            if not claimed_infeasible or self.highs.getInfo().primal_solution_status == _FEASIBLE_SOLUTION:
                model_status = self.highs.getModelStatus()
        status = _STATUS.get(model_status, "error")
        info = self.highs.getInfo()
        detail = f"HiGHS: {self.highs.modelStatusToString(model_status)}"
        outcome = SolveOutcome(status, "highs", detail, is_mip=self.is_mip, relaxed=self.relaxed,
                               handoff_seconds=self.handoff_seconds)
        has_solution = info.primal_solution_status == _FEASIBLE_SOLUTION
        if self.is_mip:
            outcome.best_bound_usd = float(info.mip_dual_bound)
            if has_solution:
                outcome.mip_gap = relative_gap(float(info.objective_function_value), outcome.best_bound_usd)
            if status == "time_limit" and has_solution:
                outcome.status = "feasible"
        if outcome.status in ("optimal", "feasible") and has_solution:
            solution = self.highs.getSolution()
            outcome.col_value = np.asarray(solution.col_value, dtype=float)
            outcome.objective_usd = float(info.objective_function_value)
            if not self.is_mip:
                outcome.row_dual = np.asarray(solution.row_dual, dtype=float)
        elif outcome.status in ("optimal", "feasible"):
            outcome.status, outcome.detail = "error", f"{detail}, but no solution was returned"
        return outcome

    def _fixed_lp(self, outcome: SolveOutcome) -> None:
        """The LP with every integer column fixed at its rounded value in the MILP's plan, whose values and duals the
        plan reports, solved warm from the LP relaxation's basis (a few pivots away: 50 scenarios of the example,
        0.02 s against 2.5 s cold); the MILP (bounds and integrality) is restored for later solves. Also records
        the relaxation's objective, and keeps the best bound from lying below the plan."""
        assert self.relaxation is not None and outcome.col_value is not None
        assert outcome.objective_usd is not None and outcome.best_bound_usd is not None
        basis = None
        outcome.relaxation_tried = True
        if self.relaxation.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            outcome.lp_relaxation_usd = float(self.relaxation.getInfo().objective_function_value)
            basis = self.relaxation.getBasis()
        columns = np.flatnonzero(self.integer).astype(np.int32)
        fixed = np.round(outcome.col_value[columns])
        n = len(columns)
        self.highs.changeColsIntegrality(n, columns, np.zeros(n, dtype=np.int32))
        try:
            self.highs.changeColsBounds(n, columns, fixed, fixed)
            if basis is not None and basis.valid:
                self.highs.setBasis(basis)
            self.highs.run()
            if self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                solution = self.highs.getSolution()
                outcome.col_value = np.asarray(solution.col_value, dtype=float)
                outcome.row_dual = np.asarray(solution.row_dual, dtype=float)
                outcome.objective_usd = float(self.highs.getInfo().objective_function_value)
                outcome.duals_from_fixed_lp = True
        finally:
            self.highs.changeColsBounds(n, columns, _bounds(self.col_lower[columns]),
                                        _bounds(self.col_upper[columns]))
            self.highs.changeColsIntegrality(n, columns, np.ones(n, dtype=np.int32))
        # the fixed LP may re-optimise the continuous part past the MILP's bound, which HiGHS proves only within
        # its tolerances (seen after presolve solved a tiny MILP): no bound lies below a plan
        outcome.best_bound_usd = max(outcome.best_bound_usd, outcome.objective_usd)
        outcome.mip_gap = relative_gap(outcome.objective_usd, outcome.best_bound_usd)


def solve_highs(lp: LinearProgram, *, time_limit_s: float | None = None, mip_gap: float = 1e-4,
                relax: bool = False) -> SolveOutcome:
    """Hand `lp` to HiGHS and solve it once."""
    try:
        run = HighsRun(lp, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax)
    except ValueError as exc:
        return SolveOutcome("error", "highs", str(exc))
    return run.solve()
