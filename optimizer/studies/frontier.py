"""The risk frontier: the scenario model solved at several CVaR weights, expected NPV against CVaR, and how the
committed decisions change along it. The solves are independent (`map_tasks` runs them)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from ..case import Case
from ..results import Plan
from ..results.solve_case import solve_scenarios
from .executors import MapTasks, serial_map


@dataclass
class FrontierPoint:
    """One weight's plan: its expected NPV, CVaR, objective and committed decisions."""

    weight: float
    status: str
    expected_npv_usd: float | None
    cvar_usd: float | None
    objective_usd: float | None
    committed: pd.DataFrame


def frontier_point(case: Case, weight: float) -> FrontierPoint:
    """The scenario model solved with risk weight `weight` (a worker's task)."""
    try:
        plan: Plan = solve_scenarios(case, risk_weight=weight)
    except Exception as exc:  # noqa: BLE001 - a point without a plan is reported as such, the frontier goes on
        status = getattr(exc, "status", "error")
        return FrontierPoint(weight, status, None, None, None, pd.DataFrame())
    outcomes = plan.summary.scenarios
    return FrontierPoint(weight, plan.status, outcomes.expected_npv_usd, outcomes.cvar_usd,  # type: ignore[union-attr]
                         plan.summary.objective_usd, plan.extra_tables["committed"])


def risk_frontier(case: Case, weights: Sequence[float], *, map_tasks: MapTasks = serial_map,
                  progress: Callable[[int], None] | None = None) -> list[FrontierPoint]:
    """The frontier at `weights` (each in [0, 1]), in the order given."""
    points = []
    for point in map_tasks(partial(frontier_point, case), list(weights)):
        points.append(point)
        if progress:
            progress(1)
    return points


def frontier_tables(points: Sequence[FrontierPoint]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(points: weight, status, expected NPV, CVaR, objective; committed decisions per weight)."""
    summary = pd.DataFrame([{"weight": p.weight, "status": p.status, "expected_npv_usd": p.expected_npv_usd,
                             "cvar_usd": p.cvar_usd, "objective_usd": p.objective_usd} for p in points])
    committed = pd.concat([p.committed.assign(weight=p.weight) for p in points if len(p.committed)],
                          ignore_index=True) if any(len(p.committed) for p in points) else pd.DataFrame()
    if len(committed):
        committed = committed[["weight", *[c for c in committed.columns if c != "weight"]]]
    return summary, committed
