"""What a solver run returns, whichever solver ran it: status, solution and duals as arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A plan exists for these statuses; "feasible" = a MILP stopped at its time limit with a plan not proven optimal.
PLAN_STATUSES = ("optimal", "feasible")


@dataclass
class SolveOutcome:
    """One solve of an LP or MILP.

    `status`: optimal, feasible (MILP at its time limit, with a plan), infeasible, unbounded, time_limit (no plan)
    or error. `col_value` and `row_dual` are None without a plan. `row_dual` is d objective / d row bound (the
    objective is maximised, so a binding upper limit has a dual >= 0); for a MILP it comes from the LP with every
    integer variable fixed at its value in the plan (`duals_from_fixed_lp`). `objective_usd` is the value of the
    objective solved; `best_bound_usd` and `mip_gap` (relative) are the MILP search's; `lp_relaxation_usd` is the
    objective of the MILP's LP relaxation, when the solver run computed it (`relaxation_tried`: the run tried, under
    the same time limit, so solving it again would not help).
    """

    status: str
    solver: str
    detail: str
    col_value: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    objective_usd: float | None = None
    is_mip: bool = False
    relaxed: bool = False
    mip_gap: float | None = None
    best_bound_usd: float | None = None
    duals_from_fixed_lp: bool = False
    lp_relaxation_usd: float | None = None
    relaxation_tried: bool = False
    handoff_seconds: float = 0.0
    solve_seconds: float = 0.0

    @property
    def has_plan(self) -> bool:
        return self.status in PLAN_STATUSES and self.col_value is not None

    @property
    def seconds(self) -> float:
        return self.handoff_seconds + self.solve_seconds
