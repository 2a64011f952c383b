"""What a sweep records per scenario, read from a `Solution`: NPV, MW by year, crossover, key shadow prices.

Result columns, in order (Y = each calendar year of the horizon, SITE = each site):

    scenario_id, scenario, <parameter keys>, status, why (without a plan: what stops it), npv_usd, crossover_period,
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
from ..results.figures import PlanFigures
from .live import Solution

FIXED_COLUMNS = ("scenario_id", "scenario")
STATUS_COLUMNS = ("status", "why", "npv_usd", "crossover_period")
TAIL_COLUMNS = ("iterations", "seconds", "detail")

SITE_PERIOD_METRICS: dict[str, Callable[[PlanFigures], np.ndarray]] = {
    "ai_started_mw": lambda f: f.values["build_a"],
    "ai_ready_mw": lambda f: f.values["cap_a"],
    "ai_contract_mw": lambda f: f.contract_mw,
    "ai_spot_mw": lambda f: f.values["spot_a"],
    "ai_delivered_mw": lambda f: f.contract_mw + f.values["spot_a"],
    "mining_installed_mw": lambda f: f.values["cap_m"].sum(axis=1),
    "mining_bought_mw": lambda f: f.values["buy_m"].sum(axis=1),
    "mining_retired_mw": lambda f: f.values["ret_m"].sum(axis=1),
    "mining_running_mw": lambda f: f.values["run_m"].sum(axis=1),
}


def site_period_metric(figures: PlanFigures, name: str) -> np.ndarray:
    """[S, T] IT MW of a plan quantity (a key of SITE_PERIOD_METRICS)."""
    return SITE_PERIOD_METRICS[name](figures)


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


def result_figures(s: Solution) -> dict[str, object]:
    """The figures of one solved scenario (status to detail columns); blank (None) where there is no plan."""
    row: dict[str, object] = {"status": s.status, "why": s.why.replace("\n", " ") or None,
                              "iterations": s.iterations, "seconds": round(s.seconds, 6),
                              "detail": s.detail.replace("\n", " ")}
    f = s.figures
    if f is None:
        return row
    d = f.data
    row["npv_usd"] = s.npv_usd
    row["crossover_period"] = f.crossover_period
    year_of = np.array([label[:4] for label in d.horizon.labels])
    ai_ready = site_period_metric(f, "ai_ready_mw").sum(axis=0)
    installed = site_period_metric(f, "mining_installed_mw").sum(axis=0)
    for y in years(d.horizon):
        row[f"ai_ready_mw_{y}"] = float(ai_ready[year_of == y].mean())
        row[f"mining_installed_mw_{y}"] = float(installed[year_of == y].mean())
    shadow = f.shadow_prices or {}
    for family, column in (("power", "power_value_usd_per_mw"), ("floor_space", "floor_value_usd_per_sqft")):
        for site, value in zip(d.site_names, shadow[family].sum(axis=1)):
            row[f"{column}_{site}"] = float(value) + 0.0
    budget_rows = f.dual_rows["capex_budget"]
    row["budget_value_usd_per_usd"] = float(shadow["capex_budget"].sum()) + 0.0 if len(budget_rows) else None
    return row
