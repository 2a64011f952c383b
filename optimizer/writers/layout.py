"""What plan and sweep folders hold: a plan's files by format, its tables, their sheets in plan.xlsx and its chart
files; a sweep's files.

Shared by the writers, `capopt plot` (which reads a plan back) and the sweep, without loading XlsxWriter or matplotlib.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..model.objective import TERMS
from ..results.plan import PLAN_TABLES
from ..results.scenario_plan import SCENARIO_TABLES

PLAN_FORMATS = ("csv", "xlsx", "json")
SUMMARY_JSON = "summary.json"
PLAN_XLSX = "plan.xlsx"
PLAN_JSON = "plan.json"
PLAN_SHEETS = {  # the sheet of each plan table in plan.xlsx
    "site_plan": "Plan",
    "miner_periods": "ASICs",
    "contract_periods": "Contracts",
    "period_totals": "Cash flow",
    "shadow_prices": "Shadow prices",
}
SCENARIO_SHEETS = {"committed": "Committed", "scenario_years": "Scenario years"}  # a scenario plan's extra tables
CHART_TABLES = ("site_plan", "period_totals", "shadow_prices")  # what the charts (and `capopt plot`) need
CHART_COLUMNS = {  # table -> (text columns, number columns) the charts draw from
    "site_plan": (("site", "period"), ("mining_installed_mw", "ai_ready_mw", "ai_under_construction_mw",
                                          "ai_contract_mw", "ai_spot_mw")),
    "period_totals": (("period",), (*(term.name for term in TERMS), "discount_factor")),
    "shadow_prices": (("constraint", "site", "period"), ("shadow_price", "shadow_price_in_period_usd")),
}
CHART_FILES = ("allocation_by_site.png", "revenue_mix.png", "cash_flow.png", "shadow_prices.png")
SCENARIO_CHART_FILES = ("npv_distribution.png", "mw_by_scenario.png")  # a scenario plan's, besides CHART_FILES


def check_formats(formats: Iterable[str]) -> list[str]:
    """The formats in order, each once; ValueError naming any unknown one."""
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in PLAN_FORMATS]
    if unknown:
        raise ValueError(f"unknown plan format(s) {', '.join(unknown)}: choose from {', '.join(PLAN_FORMATS)}")
    return chosen


def plan_file_names(formats: Iterable[str], plots: bool, scenarios: bool = False) -> list[str]:
    """The files a plan written in `formats` (and with `plots`) consists of; a scenario plan has more tables."""
    chosen = check_formats(formats)
    names = [SUMMARY_JSON]
    if "csv" in chosen:
        names += [f"{table}.csv" for table in PLAN_TABLES + (SCENARIO_TABLES if scenarios else ())]
    if "xlsx" in chosen:
        names.append(PLAN_XLSX)
    if "json" in chosen:
        names.append(PLAN_JSON)
    return names + ([*CHART_FILES, *(SCENARIO_CHART_FILES if scenarios else ())] if plots else [])


# a sweep's folder
RESULTS_CSV = "results.csv"
RESULTS_XLSX = "results.xlsx"
META_JSON = "sweep.json"
TORNADO_PNG = "tornado.png"
HEATMAP_PNG = "heatmap.png"
SWEEP_FILES = (RESULTS_CSV, RESULTS_XLSX, META_JSON, TORNADO_PNG, HEATMAP_PNG)
