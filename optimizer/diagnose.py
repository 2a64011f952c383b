"""Explain why there is no plan."""
from __future__ import annotations

from .model import CapacityModel
from .solve import SolveOutcome


def explain_no_plan(model: CapacityModel, outcome: SolveOutcome) -> str:
    """A planner-readable reason for a non-optimal solve."""
    if outcome.status == "infeasible":
        return "no plan meets every hard commitment and limit together"
    if outcome.status == "unbounded":
        return "the NPV has no upper bound: some revenue is not limited by power, space or a market cap"
    if outcome.status == "time_limit":
        return f"the solver stopped at its time limit before finding an optimal plan ({outcome.detail})"
    return f"the solver failed ({outcome.detail})"
