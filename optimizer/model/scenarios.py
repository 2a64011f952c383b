"""Extension C: one plan that commits now and adapts later, as the extensive form of every scenario.

Every variable and constraint of the formulation exists once per scenario w (each scenario is a `CapacityModel`
built by the same families, on that scenario's data), all in one LP. Non-anticipativity is built into the columns:
the investment decisions buy_m, ret_m, build_a (and nb, nl) in periods up to and including `commit_through`, and
every sign_k, are the same LP columns in all scenarios, so they are equal by construction. Operating decisions are
per scenario in every period.

Objective (maximised):

    (1 - weight) * sum_w p_w * NPV_w + weight * CVaR
    CVaR = eta - (1 / (1 - cvar_alpha)) * sum_w p_w * z_w,   z_w >= eta - NPV_w,   z_w >= 0,   eta free

where NPV_w is scenario w's NPV (its cash flows and terminal value). The rows z_w - eta + NPV_w >= 0 (family
`cvar`, one per scenario) and eta, z exist only when weight > 0.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..case import Case
from .build import CapacityModel, add_plan, no_garbage_collection
from .data import model_data, with_period_values
from .lp import INF, LinearProgram, LinearRows, RowBlock, VariableBlock
from .objective import npv_costs
from .variables import ALWAYS_SHARED, NONANTICIPATIVE


@dataclass
class ScenarioModel:
    """The extensive form: one `CapacityModel` per scenario in one LP, with the risk terms."""

    case: Case
    members: list[CapacityModel]
    probability: np.ndarray
    lp: LinearProgram
    risk_weight: float
    cvar_alpha: float
    eta: VariableBlock | None = None
    z: VariableBlock | None = None
    cvar_rows: RowBlock | None = None
    member_costs: list[np.ndarray] = field(default_factory=list)  # NPV_w per unit of every column
    build_seconds: float = 0.0

    @property
    def names(self) -> list[str]:
        return self.case.inputs.scenario_values.names  # type: ignore[union-attr]

    @property
    def commit_through_t(self) -> int:
        return self.case.scenario_settings.commit_through_t


def committed_columns(model: CapacityModel, commit_through_t: int) -> dict[str, np.ndarray]:
    """The columns of the decisions shared by all scenarios, per block (-1 elsewhere): investments through
    `commit_through_t` and contract signing."""
    out = {}
    for name in NONANTICIPATIVE:
        columns = model.variables[name].columns
        out[name] = np.where(np.arange(columns.shape[-1]) <= commit_through_t, columns, -1)
    for name in ALWAYS_SHARED:
        out[name] = model.variables[name].columns.copy()
    return out


def build_scenario_model(case: Case, *, risk_weight: float | None = None) -> ScenarioModel:
    """Build the extensive form of `case`'s scenarios (`risk_weight` overrides the model file's weight)."""
    started = time.perf_counter()
    values = case.inputs.scenario_values
    if values is None:
        raise ValueError("the case has no scenarios")
    settings = case.scenario_settings
    weight = settings.risk_weight if risk_weight is None else risk_weight
    with no_garbage_collection():
        lp = LinearProgram()
        members: list[CapacityModel] = []
        periods_table_data = model_data(case.inputs, case.horizon, case.options)  # energy price factor 1
        for w in range(len(values.names)):
            lp.scope = f"w{w}_"
            data = with_period_values(periods_table_data, values.row(w))
            shared = members[0].variables if members else None
            members.append(add_plan(lp, case, data, shared=shared, commit_through_t=settings.commit_through_t))
        lp.scope = ""
        model = ScenarioModel(case, members, values.probability, lp, weight, settings.cvar_alpha)
        if weight > 0:
            _add_cvar(model)
        model.member_costs = [npv_costs(m.cash_flows, m.data, m.variables, lp.n_columns) for m in members]
        cost = (1.0 - weight) * sum(p * c for p, c in zip(values.probability, model.member_costs))
        if weight > 0:
            cost[model.eta.columns] += weight  # type: ignore[union-attr]
            cost[model.z.columns] -= weight * values.probability / (1.0 - settings.cvar_alpha)  # type: ignore[union-attr]
        lp.cost = cost
    model.build_seconds = time.perf_counter() - started
    return model


def _add_cvar(model: ScenarioModel) -> None:
    """eta (free), z_w >= 0 and the rows z_w - eta + NPV_w >= 0."""
    lp, W = model.lp, len(model.members)
    model.eta = lp.add_variables("eta", (), np.ones((), bool), lower=-INF)
    model.z = lp.add_variables("z", ("scenario",), np.ones(W, bool))
    rows = LinearRows((W,))
    rows.add(model.z, 1.0, (np.arange(W),))
    rows.add(np.full(W, int(model.eta.columns)), -1.0, (np.arange(W),))
    n = lp.n_columns
    for w, member in enumerate(model.members):
        npv = npv_costs(member.cash_flows, member.data, member.variables, n)
        columns = np.flatnonzero(npv)
        rows.add(columns, npv[columns], (np.full(len(columns), w),))
    model.cvar_rows = lp.add_rows("cvar", ("scenario",), rows, np.zeros(W), np.full(W, INF))


def cvar_usd(npv_usd: np.ndarray, probability: np.ndarray, alpha: float) -> float:
    """The probability-weighted mean of the worst outcomes that make up (1 - alpha) of the probability, splitting
    the scenario at the edge."""
    order = np.argsort(npv_usd, kind="stable")
    tail = 1.0 - alpha
    taken, total = 0.0, 0.0
    for w in order:
        share = min(probability[w], tail - taken)
        if share <= 0:
            break
        total += share * npv_usd[w]
        taken += share
    return total / tail
