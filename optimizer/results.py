"""Read the solved LP back into plan tables: per site-period, ASIC model, contract tranche and period, and duals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .model import CapacityModel
from .model.objective import COSTS, REVENUES, TERMINAL
from .solve import SolveOutcome

if TYPE_CHECKING:
    from .case import Case

SHADOW_UNITS = {
    "floor_space": "USD (present value) per sqft of floor, for that site and period",
    "power": "USD (present value) per facility MW, for that site and period",
    "capex_budget": "USD (present value) per USD of cumulative capex budget through that period",
}
_DUAL_SIGN = {"highs": -1.0, "cbc": 1.0}  # PuLP passes HiGHS the minimisation of -NPV; CBC reports max-sense duals


def _values(variables: np.ndarray) -> np.ndarray:
    """Solution values of an object array of variables, 0 where there is no variable."""
    flat = np.array([0.0 if v is None or v.varValue is None else float(v.varValue) for v in variables.ravel()])
    return _clean(flat).reshape(variables.shape)


def _clean(values: np.ndarray) -> np.ndarray:
    """Solver round-off below 1e-9 shown as 0 (and no negative zero)."""
    return np.where(np.abs(values) < 1e-9, 0.0, values) + 0.0


def _expression_values(expressions: np.ndarray) -> np.ndarray:
    flat = np.array([0.0 if e is None else float(e.value() or 0.0) for e in expressions.ravel()])
    return _clean(flat).reshape(expressions.shape)


@dataclass
class Plan:
    """An optimal plan: `npv_usd`, tables as pandas frames, shadow prices and a `summary` dict."""

    name: str
    status: str
    npv_usd: float
    site_periods: pd.DataFrame
    miner_periods: pd.DataFrame
    contract_periods: pd.DataFrame
    period_totals: pd.DataFrame
    shadow_prices: pd.DataFrame
    crossover_period: str | None
    summary: dict = field(default_factory=dict)
    case: Case | None = field(default=None, repr=False, compare=False)  # the solved case (inputs echoed in plan.xlsx)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The plan tables by file name stem."""
        return {
            "site_periods": self.site_periods,
            "miner_periods": self.miner_periods,
            "contract_periods": self.contract_periods,
            "period_totals": self.period_totals,
            "shadow_prices": self.shadow_prices,
        }


def read_plan(model: CapacityModel, outcome: SolveOutcome) -> Plan:
    """Turn the solved model into a `Plan`."""
    d, v, e = model.data, model.variables, model.expressions
    S, F, T = d.n_sites, d.n_models, d.n_periods
    labels = d.horizon.labels
    val = {name: _values(arr) for name, arr in v.items()}
    value_of = {id(arr): val[name] for name, arr in v.items()}  # cash-flow parts hold these same variable arrays
    committed = _expression_values(e.ai_committed_mw)

    # cash flows by term, site and period
    flows = {term: np.zeros((S, T)) for term in REVENUES + COSTS + (TERMINAL,)}
    for part in model.cash_flows:
        amount = part.usd_per_mw * value_of[id(part.variables)]
        np.add.at(flows[part.term], (part.site.ravel(), part.period.ravel()), amount.ravel())
    terminal_value = flows.pop(TERMINAL)  # by site and period of purchase; valued at the horizon's end
    cash_flow = sum(flows[t] for t in REVENUES) - sum(flows[t] for t in COSTS)

    contract_mw = np.zeros((S, T))
    np.add.at(contract_mw, (np.repeat(d.tranche_site, T), np.tile(np.arange(T), d.n_tranches)), val["use_c"].ravel())

    site_periods = pd.DataFrame({
        "site": np.repeat(d.site_names, T),
        "period": np.tile(labels, S),
        "mining_installed_mw": val["cap_m"].sum(axis=1).ravel(),
        "mining_bought_mw": val["buy_m"].sum(axis=1).ravel(),
        "mining_retired_mw": val["ret_m"].sum(axis=1).ravel(),
        "mining_running_mw": val["run_m"].sum(axis=1).ravel(),
        "ai_ready_mw": val["cap_a"].ravel(),
        "ai_under_construction_mw": (committed - val["cap_a"]).ravel(),
        "ai_started_mw": val["build_a"].ravel(),
        "ai_contract_mw": contract_mw.ravel(),
        "ai_spot_mw": val["spot_a"].ravel(),
        "floor_used_sqft": _expression_values(e.floor_use_sqft).ravel(),
        "floor_limit_sqft": np.repeat(d.floor_sqft, T),
        "facility_power_used_mw": _expression_values(e.facility_power_mw).ravel(),
        "grid_limit_mw": d.grid_mw.ravel(),
        **{term: flows[term].ravel() for term in REVENUES + COSTS},
        "cash_flow_usd": cash_flow.ravel(),
    })

    s3, f3, t3 = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    exists = v.cap_m != None  # noqa: E711
    miner_periods = pd.DataFrame({
        "site": np.array(d.site_names, dtype=object)[s3[exists]],
        "model": np.array(d.model_names, dtype=object)[f3[exists]],
        "period": np.array(labels, dtype=object)[t3[exists]],
        "installed_mw": val["cap_m"][exists],
        "bought_mw": val["buy_m"][exists],
        "retired_mw": val["ret_m"][exists],
        "running_mw": val["run_m"][exists],
    })

    contracts = d.inputs.contracts
    active = d.tranche_active()
    c_idx, t_idx = np.nonzero(active)
    kw_months = 1000.0 * d.months
    contract_periods = pd.DataFrame({
        "contract": contracts["contract"].to_numpy(object)[c_idx],
        "tranche": contracts["tranche"].to_numpy(int)[c_idx],
        "site": np.array(d.site_names, dtype=object)[d.tranche_site[c_idx]] if len(c_idx) else [],
        "period": np.array(labels, dtype=object)[t_idx],
        "hard": np.isnan(d.tranche_penalty_usd_per_kw_month)[c_idx],
        "committed_mw": d.tranche_mw[c_idx],
        "delivered_mw": val["use_c"][c_idx, t_idx],
        "short_mw": val["short_c"][c_idx, t_idx],
        "revenue_usd": kw_months * d.tranche_price_usd_per_kw_month[c_idx] * val["use_c"][c_idx, t_idx],
        "penalty_usd": kw_months * np.nan_to_num(d.tranche_penalty_usd_per_kw_month)[c_idx] * val["short_c"][c_idx, t_idx],
    })

    shadow_prices, budget_duals = _shadow_prices(model, outcome.solver)
    by_period = {term: flows[term].sum(axis=0) for term in REVENUES + COSTS}
    ai_revenue = by_period["contract_revenue_usd"] + by_period["spot_revenue_usd"]
    mining_revenue = by_period["mining_revenue_usd"]
    total_cash = cash_flow.sum(axis=0)
    period_totals = pd.DataFrame({
        "period": labels,
        "discount_factor": d.discount_factor,
        "mining_installed_mw": val["cap_m"].sum(axis=(0, 1)),
        "mining_running_mw": val["run_m"].sum(axis=(0, 1)),
        "ai_ready_mw": val["cap_a"].sum(axis=0),
        "ai_delivered_mw": contract_mw.sum(axis=0) + val["spot_a"].sum(axis=0),
        "ai_revenue_usd": ai_revenue,
        **by_period,
        "cash_flow_usd": total_cash,
        "discounted_cash_flow_usd": total_cash * d.discount_factor,
        "capex_budget_usd": d.inputs.periods["capex_budget_usd"].to_numpy(float),
        "cumulative_capex_usd": np.cumsum(by_period["capex_usd"]),
        "budget_value_usd_per_usd": np.cumsum(budget_duals[::-1])[::-1],
    })

    crossover = next((labels[t] for t in range(T) if ai_revenue[t] > mining_revenue[t] + 0.01), None)
    terminal_usd = float(terminal_value.sum())
    npv = float(period_totals["discounted_cash_flow_usd"].sum()) + terminal_usd * d.end_discount_factor
    options = model.case.options
    summary = {
        "name": model.case.name,
        "status": outcome.status,
        "npv_usd": npv,
        "npv_of_cash_flows_usd": float(period_totals["discounted_cash_flow_usd"].sum()),
        "terminal_value": {
            "method": options.terminal_value,
            "ai_life_years": options.ai_life_years,
            "asic_life_years": options.asic_life_years,
            "value_at_horizon_end_usd": terminal_usd,
            "present_value_usd": terminal_usd * d.end_discount_factor,
        },
        "commitments_beyond_horizon": _beyond_horizon(d),
        "undiscounted_cash_flow_usd": float(total_cash.sum()),
        "crossover_period": crossover,
        "present_value_usd": {term: float((by_period[term] * d.discount_factor).sum()) for term in REVENUES + COSTS},
        "undiscounted_usd": {term: float(by_period[term].sum()) for term in REVENUES + COSTS},
        "horizon": {"start": d.horizon.start, "periods": T, "months_per_period": d.horizon.months_per_period,
                    "discount_rate": d.horizon.discount_rate, "first": labels[0], "last": labels[-1]},
        "size": {"sites": S, "asic_models": F, "tranches": d.n_tranches, "periods": T,
                 "variables": model.n_variables, "constraints": model.n_constraints},
        "solver": outcome.solver,
        "solver_detail": outcome.detail,
        "build_seconds": round(model.build_seconds, 4),
        "solve_seconds": round(outcome.seconds, 4),
    }
    return Plan(model.case.name, outcome.status, npv, site_periods, miner_periods, contract_periods, period_totals,
                shadow_prices, crossover, summary, model.case)


def _beyond_horizon(d) -> list[dict]:
    """Contract tranches running past the horizon: MW, months and revenue (undiscounted) not in the NPV."""
    contracts = d.inputs.contracts
    beyond = contracts[contracts["months_beyond_horizon"] > 0]
    return [
        {"contract": row.contract, "tranche": int(row.tranche), "site": row.site, "end": row.end,
         "mw": float(row.mw), "months_beyond_horizon": int(row.months_beyond_horizon),
         "revenue_beyond_horizon_usd": float(1000.0 * row.mw * row.price_usd_per_kw_month * row.months_beyond_horizon)}
        for row in beyond.itertuples(index=False)
    ]


def _shadow_prices(model: CapacityModel, solver: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Duals of floor space, power and capex budget as d NPV / d limit (>= 0 where the limit binds)."""
    d = model.data
    sign = _DUAL_SIGN.get(solver, 1.0)
    rows = []
    budget = np.zeros(d.n_periods)
    for family, unit in SHADOW_UNITS.items():
        block = model.constraints[family]
        for idx, constraint in zip(block.index, block.constraints):
            price = sign * float(constraint.pi or 0.0) + 0.0
            t = idx[-1]
            site = d.site_names[idx[0]] if block.dims[0] == "site" else None
            if family == "capex_budget":
                budget[t] = price
            rows.append((family, site, d.horizon.labels[t], price, price / d.discount_factor[t], unit))
    frame = pd.DataFrame(rows, columns=["constraint", "site", "period", "shadow_price", "shadow_price_in_period_usd",
                                        "unit"])
    return frame, budget
