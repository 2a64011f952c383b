"""A plan: the solved model read back into tables (per site-period, ASIC model, contract tranche, period and shadow
prices) and a summary, from the figures of `figures.read_figures`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..case import Case
from ..model import CapacityModel
from ..model.constraints import REPORTED_DUALS
from ..model.objective import TERMS
from ..solvers.outcome import SolveOutcome
from .figures import PlanFigures, read_figures
from .summary import Economics, HorizonInfo, Shortfall, SizeInfo, SolverInfo, Summary, TerminalValueInfo, WholeDecisions

PLAN_TABLES = ("site_plan", "miner_periods", "contract_periods", "period_totals", "shadow_prices")


@dataclass
class Plan:
    """A plan with a solution: `npv_usd` (the expected NPV of a scenario plan), tables as pandas frames (a scenario
    plan's have a `scenario` column, and add `committed` and `scenario_years`) and its `summary`."""

    name: str
    status: str
    npv_usd: float
    site_plan: pd.DataFrame
    miner_periods: pd.DataFrame
    contract_periods: pd.DataFrame
    period_totals: pd.DataFrame
    shadow_prices: pd.DataFrame
    crossover_period: str | None
    summary: Summary
    case: Case | None = field(default=None, repr=False, compare=False)  # the solved case (inputs echoed in plan.xlsx)
    figures: PlanFigures | None = field(default=None, repr=False, compare=False)
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # a scenario plan's committed, scenario_years

    def tables(self) -> dict[str, pd.DataFrame]:
        """The plan tables by file name stem."""
        return {**{name: getattr(self, name) for name in PLAN_TABLES}, **self.extra_tables}


def _site_plan(f: PlanFigures) -> pd.DataFrame:
    d = f.data
    S, T = d.n_sites, d.n_periods
    val = f.values
    frame = pd.DataFrame({
        "site": np.repeat(d.site_names, T),
        "period": np.tile(d.horizon.labels, S),
        "mining_installed_mw": val["cap_m"].sum(axis=1).ravel(),
        "mining_bought_mw": val["buy_m"].sum(axis=1).ravel(),
        "mining_retired_mw": val["ret_m"].sum(axis=1).ravel(),
        "mining_running_mw": val["run_m"].sum(axis=1).ravel(),
        "ai_ready_mw": val["cap_a"].ravel(),
        "ai_under_construction_mw": (f.committed_mw - val["cap_a"]).ravel(),
        "ai_started_mw": val["build_a"].ravel(),
        "ai_contract_mw": f.contract_mw.ravel(),
        "ai_spot_mw": val["spot_a"].ravel(),
        "floor_used_sqft": f.floor_used_sqft.ravel(),
        "floor_limit_sqft": np.repeat(d.floor_sqft, T),
        "facility_power_used_mw": f.facility_power_mw.ravel(),
        "grid_limit_mw": d.grid_mw.ravel(),
        **{term.name: f.flows_usd[term.name].ravel() for term in TERMS},
        "cash_flow_usd": f.cash_flow_usd.ravel(),
    })
    if (~np.isnan(d.ai_block_mw)).any():
        frame.insert(frame.columns.get_loc("ai_started_mw") + 1, "ai_halls_started", np.round(val["nb"]).ravel())
    return frame


def _miner_periods(f: PlanFigures, model: CapacityModel) -> pd.DataFrame:
    d = f.data
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s3, f3, t3 = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    exists = model.variables.cap_m.exists
    frame = pd.DataFrame({
        "site": np.array(d.site_names, dtype=object)[s3[exists]],
        "model": np.array(d.model_names, dtype=object)[f3[exists]],
        "period": np.array(d.horizon.labels, dtype=object)[t3[exists]],
        "installed_mw": f.values["cap_m"][exists],
        "bought_mw": f.values["buy_m"][exists],
        "retired_mw": f.values["ret_m"][exists],
        "running_mw": f.values["run_m"][exists],
    })
    if (~np.isnan(d.lot_mw)).any():
        frame.insert(frame.columns.get_loc("bought_mw") + 1, "lots_bought", np.round(f.values["nl"][exists]))
    return frame


def _contract_periods(f: PlanFigures) -> pd.DataFrame:
    d = f.data
    contracts = d.inputs.contracts
    c_idx, t_idx = np.nonzero(d.tranche_active())
    kw_months = 1000.0 * d.months
    use, short = f.values["use_c"][c_idx, t_idx], f.values["short_c"][c_idx, t_idx]
    frame = pd.DataFrame({
        "contract": contracts["contract"].to_numpy(object)[c_idx],
        "tranche": contracts["tranche"].to_numpy(int)[c_idx],
        "site": np.array(d.site_names, dtype=object)[d.tranche_site[c_idx]] if len(c_idx) else [],
        "period": np.array(d.horizon.labels, dtype=object)[t_idx],
        "hard": np.isnan(d.tranche_penalty_usd_per_kw_month)[c_idx],
        "committed_mw": d.tranche_mw[c_idx],
        "delivered_mw": use,
        "short_mw": short,
        "revenue_usd": kw_months * d.tranche_price_usd_per_kw_month[c_idx] * use,
        "penalty_usd": kw_months * np.nan_to_num(d.tranche_penalty_usd_per_kw_month)[c_idx] * short,
    })
    if d.contract_optional.any():
        signed = _signed(f)[d.tranche_contract[c_idx]] if len(c_idx) else []
        frame.insert(frame.columns.get_loc("hard") + 1, "signed", signed)
        frame["committed_mw"] = np.where(frame["signed"].astype(bool), frame["committed_mw"], 0.0)
    return frame


def _signed(f: PlanFigures) -> np.ndarray:
    """[K] True for contracts in force: every contract that is not optional, and optional ones signed."""
    d = f.data
    return ~d.contract_optional | (f.values["sign"] > 0.5)


def _shadow_prices(f: PlanFigures) -> pd.DataFrame:
    """Shadow prices of the families that declare a dual, one row per constraint row: present value and in-period."""
    d = f.data
    rows = []
    for family, dual in REPORTED_DUALS.items():
        block = f.dual_rows[family]
        index = block.present
        exists = block.rows >= 0
        prices = f.shadow_prices[family][exists] if f.shadow_prices else np.full(len(index), np.nan)
        t = index[:, -1]
        site = (np.array(d.site_names, dtype=object)[index[:, 0]] if block.dims[0] == "site"
                else np.full(len(index), None, dtype=object))
        rows.append(pd.DataFrame({
            "constraint": family,
            "site": site,
            "period": np.array(d.horizon.labels, dtype=object)[t],
            "shadow_price": prices,
            "shadow_price_in_period_usd": prices / d.discount_factor[t],
            "unit": dual.description,
        }))
    return pd.concat(rows, ignore_index=True)


def _period_totals(f: PlanFigures) -> pd.DataFrame:
    d = f.data
    val = f.values
    by_period = {term.name: f.flows_usd[term.name].sum(axis=0) for term in TERMS}
    cash = f.cash_flow_usd.sum(axis=0)
    cumulative_duals = f.shadow_prices["capex_budget"] if f.shadow_prices else np.full(d.n_periods, np.nan)
    return pd.DataFrame({
        "period": d.horizon.labels,
        "discount_factor": d.discount_factor,
        "mining_installed_mw": val["cap_m"].sum(axis=(0, 1)),
        "mining_running_mw": val["run_m"].sum(axis=(0, 1)),
        "ai_ready_mw": val["cap_a"].sum(axis=0),
        "ai_delivered_mw": f.contract_mw.sum(axis=0) + val["spot_a"].sum(axis=0),
        "hashprice_usd_per_ph_day": d.hashprice_usd_per_ph_day,
        "hashprice_source": np.where(_hashprice_derived(f), "derived", "given"),
        "ai_revenue_usd": f.revenue_by_period("ai"),
        **by_period,
        "cash_flow_usd": cash,
        "discounted_cash_flow_usd": cash * d.discount_factor,
        "capex_budget_usd": d.capex_budget_usd,
        "cumulative_capex_usd": np.cumsum(by_period["capex_usd"]),
        # value of one more budget dollar in period t = the sum of the cumulative duals from t on
        "budget_value_usd_per_usd": np.cumsum(cumulative_duals[::-1])[::-1],
    })


def _hashprice_derived(f: PlanFigures) -> np.ndarray:
    """[T] True where the plan's hashprice was derived from bitcoin price and network hashrate (extension B)."""
    return f.data.hashprice_derived


def _beyond_horizon(f: PlanFigures) -> list[dict]:
    """Contract tranches in force running past the horizon: MW, months and revenue (undiscounted) not in the NPV."""
    contracts = f.data.inputs.contracts
    in_force = _signed(f)[f.data.tranche_contract]
    beyond = contracts[(contracts["months_beyond_horizon"] > 0).to_numpy() & in_force]
    return [
        {"contract": row.contract, "tranche": int(row.tranche), "site": row.site, "end": row.end,
         "mw": float(row.mw), "months_beyond_horizon": int(row.months_beyond_horizon),
         "revenue_beyond_horizon_usd": float(1000.0 * row.mw * row.price_usd_per_kw_month * row.months_beyond_horizon)}
        for row in beyond.itertuples(index=False)
    ]


def _whole_decisions(f: PlanFigures, outcome: SolveOutcome) -> WholeDecisions:
    """Extension A in words: halls started, lots bought, optional contracts signed or not, and the search."""
    d = f.data
    whole = WholeDecisions(
        problem="LP relaxation of a MILP" if outcome.relaxed else "MILP",
        mip_gap=outcome.mip_gap, best_bound_usd=outcome.best_bound_usd,
        shadow_prices_from=("the LP relaxation" if outcome.relaxed else
                            "the LP with every integer decision fixed at its value in the plan"
                            if outcome.duals_from_fixed_lp else "not available"))
    if (~np.isnan(d.ai_block_mw)).any():
        halls = np.round(f.values["nb"]) if not outcome.relaxed else f.values["nb"]
        whole.ai_halls_started = [
            {"site": d.site_names[s], "period": d.horizon.labels[t], "halls": float(halls[s, t]),
             "hall_mw": float(d.ai_block_mw[s]), "mw": float(halls[s, t] * d.ai_block_mw[s])}
            for s, t in zip(*np.nonzero(halls > 1e-9))]
    if (~np.isnan(d.lot_mw)).any():
        lots = np.round(f.values["nl"]) if not outcome.relaxed else f.values["nl"]
        whole.asic_lots_bought = [
            {"site": d.site_names[s], "model": d.model_names[m], "period": d.horizon.labels[t],
             "lots": float(lots[s, m, t]), "lot_mw": float(d.lot_mw[m]), "mw": float(lots[s, m, t] * d.lot_mw[m])}
            for s, m, t in zip(*np.nonzero(lots > 1e-9))]
    if d.contract_optional.any():
        signed = f.values["sign"]
        whole.optional_contracts = [{"contract": d.contract_names[k], "signed": bool(signed[k] > 0.5),
                                     "share_signed": float(signed[k])} for k in np.flatnonzero(d.contract_optional)]
    return whole


def _why_short(f: PlanFigures, c: int, periods: np.ndarray) -> str:
    """What stops a tranche from being delivered: the limits binding at its site then, the lead time, or cost."""
    d = f.data
    s, first = int(d.tranche_site[c]), int(periods[0])
    lead = int(d.ai_lead_time_periods[s])
    reasons = []
    if first < lead and d.ai_installed_mw[s] < d.tranche_mw[c]:
        ready = f"from {d.horizon.labels[lead]}" if lead < d.n_periods else "after the horizon"
        reasons.append(f"lead time: AI started at the horizon's start is ready only {ready}")
    prices = f.shadow_prices or {}
    for family, words in (("floor_space", "floor space"), ("power", "grid power")):
        if family in prices and (np.abs(prices[family][s, periods]) > 1e-6).any():
            reasons.append(f"{words} binds at {d.site_names[s]}")
    if "capex_budget" in prices and (np.abs(prices["capex_budget"][: int(periods[-1]) + 1]) > 1e-9).any():
        reasons.append("the capex budget binds")
    if not reasons:
        penalty = np.nan_to_num(d.tranche_penalty_usd_per_kw_month[c]) * 1000.0 * d.months
        reasons.append(f"no limit stops it: building and running the MW ({d.ai_capex_usd_per_mw[s]:,.0f} USD per MW "
                       f"to build, plus opex and whatever it displaces) is worth less than the rent it would earn and "
                       f"the penalty it would avoid ({penalty:,.0f} USD per MW per period)")
    return "; ".join(reasons)


def _shortfalls(f: PlanFigures) -> list[Shortfall]:
    """Every contract that falls short (its tranches at one site together), with its penalty and why."""
    d = f.data
    short = f.values["short_c"]
    penalty = 1000.0 * d.months * np.nan_to_num(d.tranche_penalty_usd_per_kw_month)[:, None] * short
    contracts = d.inputs.contracts
    out = []
    for k, name in enumerate(d.contract_names):
        for s in np.unique(d.tranche_site[d.tranche_contract == k]):
            tranches = np.flatnonzero((d.tranche_contract == k) & (d.tranche_site == s) & (short > 1e-6).any(axis=1))
            if not len(tranches):
                continue
            per_period = short[tranches].sum(axis=0)
            periods = np.flatnonzero(per_period > 1e-6)
            numbers = contracts["tranche"].to_numpy(int)[tranches]
            out.append(Shortfall(name, _tranche_span(numbers), d.site_names[int(s)], float(per_period.max()),
                                 len(periods), d.horizon.labels[int(periods[0])], d.horizon.labels[int(periods[-1])],
                                 float(penalty[tranches].sum()),
                                 float(penalty[tranches].sum(axis=0) @ d.discount_factor),
                                 _why_short(f, int(tranches[0]), periods)))
    return out


def _tranche_span(numbers: np.ndarray) -> str:
    """Tranche numbers as a planner reads them: "3", "9-12" or "2, 5"."""
    ordered = sorted(int(n) for n in numbers)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(map(str, ordered))


def economics(f: PlanFigures) -> Economics:
    """NPV, its terms, the terminal value, what runs past the horizon and what falls short."""
    d, options = f.data, f.data.options
    totals = {term.name: f.flows_usd[term.name].sum(axis=0) for term in TERMS}
    return Economics(
        npv_usd=f.npv_usd,
        npv_of_cash_flows_usd=f.npv_of_cash_flows_usd,
        terminal_value=TerminalValueInfo(options.terminal_value, options.ai_life_years, options.asic_life_years,
                                         float(f.terminal_value_usd.sum()), f.terminal_value_present_usd),
        undiscounted_cash_flow_usd=float(f.cash_flow_usd.sum()),
        crossover_period=f.crossover_period,
        present_value_usd={name: float(flow @ d.discount_factor) for name, flow in totals.items()},
        undiscounted_usd={name: float(flow.sum()) for name, flow in totals.items()},
        commitments_beyond_horizon=_beyond_horizon(f),
        shortfalls=_shortfalls(f),
    )


def plan_summary(model: CapacityModel, outcome: SolveOutcome, f: PlanFigures) -> Summary:
    """The summary of a plan: status, objective, NPV and its terms, whole decisions, sizes, solver and times."""
    d, case = f.data, model.case
    labels = d.horizon.labels
    return Summary(
        name=case.name,
        status=outcome.status,
        objective_usd=outcome.objective_usd if outcome.objective_usd is not None else f.npv_usd,
        horizon=HorizonInfo(d.horizon.start, d.n_periods, d.horizon.months_per_period, d.horizon.discount_rate,
                            labels[0], labels[-1]),
        size=SizeInfo(d.n_sites, d.n_models, d.n_tranches, d.n_periods, model.n_variables, model.n_constraints,
                      int(model.lp.integrality.sum())),
        solver=SolverInfo(outcome.solver, outcome.detail, round(model.build_seconds, 4),
                          round(outcome.handoff_seconds, 4), round(outcome.solve_seconds, 4)),
        economics=economics(f),
        whole=_whole_decisions(f, outcome) if outcome.is_mip or outcome.relaxed else None,
        model_file=case.source,
    )


def plan_tables(f: PlanFigures, model: CapacityModel) -> dict[str, pd.DataFrame]:
    """The plan tables of one plan's figures, by name."""
    return {"site_plan": _site_plan(f), "miner_periods": _miner_periods(f, model),
            "contract_periods": _contract_periods(f), "period_totals": _period_totals(f),
            "shadow_prices": _shadow_prices(f)}


def read_plan(model: CapacityModel, outcome: SolveOutcome) -> Plan:
    """Turn a solve with a plan into a `Plan`."""
    if outcome.col_value is None:
        raise ValueError(f"no plan to read: {outcome.status}")
    f = read_figures(model, outcome.col_value, outcome.row_dual)
    tables = plan_tables(f, model)
    return Plan(model.case.name, outcome.status, f.npv_usd, tables["site_plan"], tables["miner_periods"],
                tables["contract_periods"], tables["period_totals"], tables["shadow_prices"], f.crossover_period,
                plan_summary(model, outcome, f), model.case, f)
