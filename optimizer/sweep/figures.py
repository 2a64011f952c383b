"""What a sweep records per scenario, read from a `Solution`: NPV, MW by year, crossover, key shadow prices.

Result columns, in order (Y = each calendar year of the horizon, SITE = each site):

    scenario_id, scenario, <parameter keys>, status, npv_usd, crossover_period,
    ai_ready_mw_Y            mean over the year's periods of AI IT MW ready, all sites
    mining_installed_mw_Y    mean over the year's periods of ASIC IT MW installed, all sites
    power_value_usd_per_mw_SITE     PV of one more facility MW at SITE in every period (sum of power duals)
    floor_value_usd_per_sqft_SITE   PV of one more sqft at SITE in every period (sum of floor_space duals)
    budget_value_usd_per_usd        PV of one more capex budget dollar from the first period (sum of budget duals)
    iterations, seconds, detail     simplex iterations, seconds spent (with the build if one was needed), solver text
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..case import Case
from ..horizon import Horizon
from .live import Solution

FIXED_COLUMNS = ("scenario_id", "scenario")
STATUS_COLUMNS = ("status", "npv_usd", "crossover_period")
TAIL_COLUMNS = ("iterations", "seconds", "detail")


def _clean(values: np.ndarray) -> np.ndarray:
    """Solver round-off below 1e-9 shown as 0, as the plan tables do."""
    return np.where(np.abs(values) < 1e-9, 0.0, values) + 0.0


def _contract_mw(s: Solution) -> np.ndarray:
    """[S, T] MW delivered to contract tranches, added up per site."""
    d = s.data
    out = np.zeros((d.n_sites, d.n_periods))
    np.add.at(out, d.tranche_site, s.values["use_c"])
    return out


SITE_PERIOD_METRICS: dict[str, Callable[[Solution], np.ndarray]] = {
    "ai_started_mw": lambda s: s.values["build_a"],
    "ai_ready_mw": lambda s: s.values["cap_a"],
    "ai_contract_mw": _contract_mw,
    "ai_spot_mw": lambda s: s.values["spot_a"],
    "ai_delivered_mw": lambda s: _contract_mw(s) + s.values["spot_a"],
    "mining_installed_mw": lambda s: s.values["cap_m"].sum(axis=1),
    "mining_bought_mw": lambda s: s.values["buy_m"].sum(axis=1),
    "mining_retired_mw": lambda s: s.values["ret_m"].sum(axis=1),
    "mining_running_mw": lambda s: s.values["run_m"].sum(axis=1),
}


def site_period_metric(solution: Solution, name: str) -> np.ndarray:
    """[S, T] IT MW of a plan quantity (a key of SITE_PERIOD_METRICS) in an optimal solution."""
    return _clean(SITE_PERIOD_METRICS[name](solution))


def years(horizon: Horizon) -> list[str]:
    """Calendar years of the horizon's periods, in order."""
    return list(dict.fromkeys(label[:4] for label in horizon.labels))


def result_columns(case: Case, keys: Sequence[str]) -> list[str]:
    """The header of a sweep's results for `case` with parameter columns `keys`."""
    sites = list(case.inputs.sites["site"])
    ys = years(case.horizon)
    return [*FIXED_COLUMNS, *keys, *STATUS_COLUMNS,
            *(f"ai_ready_mw_{y}" for y in ys), *(f"mining_installed_mw_{y}" for y in ys),
            *(f"power_value_usd_per_mw_{s}" for s in sites), *(f"floor_value_usd_per_sqft_{s}" for s in sites),
            "budget_value_usd_per_usd", *TAIL_COLUMNS]


def _revenue_by_period(s: Solution, terms: tuple[str, ...]) -> np.ndarray:
    """[T] revenue of the given cash-flow terms per period, as the plan's period totals add it up."""
    out = np.zeros(s.data.n_periods)
    for part in s.parts:
        if part.term in terms and not part.at_horizon_end:
            np.add.at(out, part.period.ravel(), (part.usd_per_mw * _part_values(s, part)).ravel())
    return out


def _part_values(s: Solution, part) -> np.ndarray:
    """Solution values of a cash-flow part's variables (parts hold one of the model's variable arrays)."""
    for name, array in s.model.variables.items():
        if array is part.variables:
            return _clean(s.values[name])
    raise RuntimeError(f"cash-flow part {part.term} does not use a whole variable array")


def _site_sums(s: Solution, family: str) -> np.ndarray:
    """Sum of a (site, period) family's duals per site."""
    block = s.model.constraints[family]
    out = np.zeros(s.data.n_sites)
    if block.index:
        np.add.at(out, np.array([idx[0] for idx in block.index]), s.duals[family])
    return out + 0.0


def result_figures(s: Solution) -> dict[str, object]:
    """The figures of one solved scenario (status to detail columns); blank (None) where there is no plan."""
    d = s.data
    ys = years(d.horizon)
    labels = d.horizon.labels
    row: dict[str, object] = {"status": s.status, "iterations": s.iterations,
                              "seconds": round(s.seconds, 6), "detail": s.detail.replace("\n", " ")}
    if s.status != "optimal":
        return row
    mining = _revenue_by_period(s, ("mining_revenue_usd",))
    ai = _revenue_by_period(s, ("contract_revenue_usd", "spot_revenue_usd"))
    row["npv_usd"] = s.npv_usd
    row["crossover_period"] = next((labels[t] for t in range(d.n_periods) if ai[t] > mining[t] + 0.01), None)
    year_of = np.array([label[:4] for label in labels])
    ai_ready = site_period_metric(s, "ai_ready_mw").sum(axis=0)
    installed = site_period_metric(s, "mining_installed_mw").sum(axis=0)
    for y in ys:
        row[f"ai_ready_mw_{y}"] = float(ai_ready[year_of == y].mean())
        row[f"mining_installed_mw_{y}"] = float(installed[year_of == y].mean())
    for family, column in (("power", "power_value_usd_per_mw"), ("floor_space", "floor_value_usd_per_sqft")):
        for site, value in zip(d.site_names, _site_sums(s, family)):
            row[f"{column}_{site}"] = float(value)
    budget = s.duals["capex_budget"]
    row["budget_value_usd_per_usd"] = float(budget.sum()) + 0.0 if len(budget) else None
    return row
