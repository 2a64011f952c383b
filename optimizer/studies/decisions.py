"""What each go/no-go decision is worth: every optional contract solved again with its decision flipped.

The NPV a contract adds is the objective with it signed minus the objective with it not signed, each the best plan
under that decision (so one of the two is the plan itself). It costs one solve per optional contract, which is why
the CLI computes it only with `--explain-decisions`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..case import Case
from ..solvers.outcome import SolveOutcome
from .executors import MapTasks, serial_map
from .solves import first_plan, plan_model, solve_model


@dataclass
class ContractDecision:
    """An optional contract: signed in the plan or not, and the objective gained by signing it (None when the
    flipped decision leaves no plan)."""

    contract: str
    signed: bool
    npv_added_usd: float | None
    flipped_status: str

    def to_json(self) -> dict:
        return {"contract": self.contract, "signed": self.signed, "npv_added_usd": self.npv_added_usd,
                "flipped_plan": self.flipped_status}


def flip_contract(case: Case, signed: Mapping[str, bool], name: str) -> SolveOutcome:
    """The case's best plan with contract `name` signed if the plan did not sign it, and not signed if it did."""
    model = plan_model(case)
    first = first_plan(model)
    k = first.data.contract_names.index(name)
    first.lp.fix_columns(first.variables.sign.columns[[k]], np.array([0.0 if signed[name] else 1.0]))
    return solve_model(case, model)


def explain_contracts(case: Case, objective_usd: float, signed: Mapping[str, bool], *,
                      map_tasks: MapTasks = serial_map,
                      progress: Callable[[int], None] | None = None) -> list[ContractDecision]:
    """For each optional contract (`signed`: the plan's decision by name), the objective signing it adds."""
    out = []
    for name, outcome in zip(signed, map_tasks(partial(flip_contract, case, dict(signed)), list(signed))):
        added = None
        if outcome.has_plan and outcome.objective_usd is not None:
            gain = objective_usd - outcome.objective_usd  # the plan's decision over the flipped one
            added = gain if signed[name] else -gain
        out.append(ContractDecision(name, signed[name], added, outcome.status))
        if progress:
            progress(1)
    return out
