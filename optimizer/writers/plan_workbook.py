"""A plan as one Excel workbook for planners: a Summary that explains itself, with native charts, the plan tables,
and the inputs echoed.

Sheets: Summary (status, NPV and its terms, key figures, whole decisions of a MILP, binding limits, and charts of
IT MW, revenue mix and cash flow by term), Scenarios (a scenario plan: expected NPV, CVaR, NPV and probability per
scenario with a chart, the committed decisions, MW to mining vs AI per scenario and year), Plan
(site_plan.csv), ASICs (miner_periods.csv), Contracts (contract_periods.csv), Cash flow (period_totals.csv),
Shadow prices (shadow_prices.csv), Committed and Scenario years (a scenario plan's committed.csv and
scenario_years.csv), `Input <table>` per input table with defaults applied, and Chart data (the series the charts
draw). Table sheets have the CSV columns in row 1 and the same numbers below, kept as numbers with display formats
only. Written streamed with XlsxWriter (`xlsx.Book`), sheet after sheet.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.chart import Chart

from ..model.objective import TERMS
from ..results import Plan
from .input_workbook import add_input_sheets, inputs_as_frames
from .layout import PLAN_SHEETS, SCENARIO_SHEETS
from .wording import binding_limits, binds_text, contract_worth, counted, status_text, why_negative
from .xlsx import BOLD, TITLE, Book, Sheet, print_setup, writing_book

INPUT_SHEET_TITLE = "Input {table}"
SCENARIOS_SHEET = "Scenarios"
CHART_DATA_SHEET = "Chart data"
_FROZEN = {"site_plan": (1, 2), "miner_periods": (1, 3), "contract_periods": (1, 4), "period_totals": (1, 1),
           "shadow_prices": (1, 3), "committed": (1, 1), "scenario_years": (1, 3)}  # first unfrozen row, column
_USD = "#,##0"
_MW = "0.0"
_COLORS = {"mining_installed_mw": "#F7931A", "ai_ready_mw": "#1F77B4", "ai_under_construction_mw": "#9ECAE9",
           "mining_revenue_usd": "#F7931A", "ai_revenue_usd": "#1F77B4", "crossover_usd": "#7F7F7F",
           "contract_revenue_usd": "#1F77B4", "spot_revenue_usd": "#9ECAE9", "shortfall_penalty_usd": "#D62728",
           "energy_cost_usd": "#8C564B", "opex_usd": "#BCBD22", "capex_usd": "#7F7F7F",
           "cumulative_cash_flow_usd": "#000000"}
_SUMMARY_WIDTHS = {0: 64, 1: 20, 2: 80}  # figure, value, unit (characters)
_CHART_PX = (960, 380)  # the width of the Summary's three columns, and a height readable when printed
_NOTE_CHARS = 150  # a note's line length: it runs over the figure, value and unit columns


def plan_number_format(column: str) -> str:
    """Display format of a plan column from its name: MW 0.0, USD and sqft #,##0, prices with cents."""
    if column == "discount_factor":
        return "0.0000"
    if column == "probability":
        return "0.0%"
    if column in ("tranche", "ai_halls_started", "lots_bought", "whole_units"):
        return "0"
    if column.endswith("_per_usd"):
        return "0.000"
    if column.startswith("shadow_price"):
        return "#,##0.00"
    if column.endswith("_mw") or column == "mw":
        return _MW
    if column.endswith(("_usd", "_sqft")):
        return _USD
    return "General"


def _table_sheet(book: Book, title: str, frame: pd.DataFrame, freeze: tuple[int, int]) -> Sheet:
    sheet = book.sheet(title)
    sheet.table(frame, [plan_number_format(str(c)) for c in frame.columns], freeze=freeze)
    print_setup(sheet.ws)
    return sheet


@dataclass(frozen=True)
class _Line:
    """A line of the Summary or Scenarios sheet: a figure (label, value, unit, number format), a section heading
    (value None), a note (text over the whole width) or a blank line (empty label)."""

    label: str
    value: object = None
    unit: str = ""
    number_format: str | None = None
    note: bool = False


_BLANK = _Line("")


def _expected(plan: Plan, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per period sums of `columns` of a plan table, in horizon order; probability-weighted over the scenarios of a
    scenario plan (the expected value)."""
    values = frame[columns]
    outcomes = plan.summary.scenarios
    if outcomes is not None and "scenario" in frame.columns:
        weight = frame["scenario"].map(outcomes.probability_by_scenario).to_numpy(float)
        values = values.mul(weight, axis=0)
    return values.groupby(frame["period"].to_numpy(), sort=False).sum()


def _note(text: str) -> list[_Line]:
    return [_Line(line, note=True) for line in textwrap.wrap(text, _NOTE_CHARS, subsequent_indent="  ")]


# key MW figures of the Summary sheet, each at the first and last period: label, period_totals column, unit
_KEY_MW = (
    ("Mining IT MW installed", "mining_installed_mw", "IT MW installed"),
    ("Mining IT MW running", "mining_running_mw", "IT MW running (installed x uptime at most)"),
    ("AI IT MW ready", "ai_ready_mw", "IT MW installed (built and ready)"),
    ("AI IT MW delivered", "ai_delivered_mw", "IT MW running for tenants (contracts and spot)"),
)


def _key_figures(plan: Plan) -> list[_Line]:
    """The lines of the Summary sheet."""
    s = plan.summary
    h, money, outcomes = s.horizon, s.economics, s.scenarios
    scenario = outcomes is not None
    weighted = ", probability-weighted" if scenario else ""
    totals = _expected(plan, plan.period_totals, ["mining_installed_mw", "mining_running_mw", "ai_ready_mw",
                                                  "ai_delivered_mw", "mining_revenue_usd", "ai_revenue_usd"])
    sites = _expected(plan, plan.site_plan, ["ai_started_mw", "mining_bought_mw", "mining_retired_mw"]).sum()
    first, last = totals.index[0], totals.index[-1]
    tv = money.terminal_value
    lines = [_Line("Status", status_text(s)),
             _Line("Expected NPV" if scenario else "NPV", money.npv_usd, f"USD{weighted}", _USD)]
    negative = why_negative(s)
    if negative:
        lines += _note(f"Why negative: {negative}")
    if outcomes is not None:
        lines += [_Line(f"CVaR (mean NPV of the worst {1 - outcomes.cvar_alpha:.0%} of outcomes)", outcomes.cvar_usd,
                        f"USD, at alpha {outcomes.cvar_alpha:g}; the objective weights it by {outcomes.risk_weight:g}",
                        _USD),
                  _Line("NPV and probability of each scenario", f"sheet {SCENARIOS_SHEET}")]
    if tv.method != "none":
        lines += [_Line("NPV of cash flows", money.npv_of_cash_flows_usd, f"USD{weighted}", _USD),
                  _Line("Terminal value, present value", tv.present_value_usd, f"USD ({tv.method}){weighted}", _USD)]
    crossover = (_Line("AI revenue first exceeds mining revenue in", plan.crossover_period or "never in this horizon",
                       "period") if not scenario else
                 _Line("AI revenue first exceeds mining revenue in",
                       f"each scenario's period: sheet {SCENARIOS_SHEET}"))
    lines += [
        _Line("Undiscounted cash flow", money.undiscounted_cash_flow_usd, f"USD{weighted}", _USD),
        crossover,
        _Line("Horizon", f"{h.first} to {h.last}", f"{h.periods} periods of {h.months_per_period} month(s)"),
        _Line("Discount rate", h.discount_rate, "per year", "0.0%"),
        _BLANK,
        _Line("Present value by term" + (" (probability-weighted)" if scenario else "")),
    ]
    for term in TERMS:
        lines.append(_Line(f"  {term.label[0].upper()}{term.label[1:]}", term.sign * money.present_value_usd[term.name],
                           "USD, present value (costs negative)", _USD))
    revenue_last = totals.loc[last, "mining_revenue_usd"] + totals.loc[last, "ai_revenue_usd"]
    lines += [
        _BLANK,
        _Line("Key figures" + (" (expected: probability-weighted over the scenarios)" if scenario else "")),
        *(_Line(f"  {label}, {period}", totals.loc[period, column], unit, _MW)
          for label, column, unit in _KEY_MW for period in (first, last)),
        _Line("  AI IT MW started (all sites, whole horizon)", sites["ai_started_mw"], "IT MW of builds started", _MW),
        _Line("  ASIC IT MW bought", sites["mining_bought_mw"], "IT MW installed by purchases", _MW),
        _Line("  ASIC IT MW retired", sites["mining_retired_mw"], "IT MW removed", _MW),
        _Line("  Capex, undiscounted", money.undiscounted_usd["capex_usd"], f"USD{weighted}", _USD),
        _Line(f"  AI share of revenue, {last}",
              totals.loc[last, "ai_revenue_usd"] / revenue_last if revenue_last else 0.0, "", "0.0%"),
    ]
    for item in money.commitments_beyond_horizon:
        lines.append(_Line(f"  Revenue of {item['contract']} tranche {item['tranche']} after the horizon (not in NPV)",
                           item["revenue_beyond_horizon_usd"], f"USD over {item['months_beyond_horizon']} months",
                           _USD))
    for short in money.shortfalls:
        tranches = f"tranche {short.tranches}" if short.tranches.isdigit() else f"tranches {short.tranches}"
        lines.append(_Line(f"  Shortfall: {short.contract} ({tranches}) at {short.site}",
                           short.penalty_usd, f"USD of penalties (undiscounted): up to {short.short_mw:g} MW short in "
                                              f"{counted(short.periods, 'period')}, {short.first} to {short.last}",
                           _USD))
        lines += [_Line(f"    {line}", note=True) for line in textwrap.wrap(f"why: {short.why}", _NOTE_CHARS - 4)]
    lines += _whole_lines(plan) + _binding_lines(plan)
    lines += [
        _BLANK,
        _Line("Solver", s.solver.name, s.solver.detail),
        _Line("Solve time", s.solver.solve_seconds, "seconds", "0.00"),
        _Line("Variables", s.size.variables, f"{s.size.integer_variables:,} of them integer", "#,##0"),
        _Line("Constraints", s.size.constraints, "", "#,##0"),
    ]
    if plan.case is not None and plan.case.source:
        lines.append(_Line("Model file", plan.case.source))
    return lines


def _whole_lines(plan: Plan) -> list[_Line]:
    """A MILP's whole decisions and search: halls, lots, optional contracts, gap and best bound."""
    s = plan.summary
    whole = s.whole
    if whole is None:
        return []
    lines = [_BLANK, _Line(f"Whole decisions ({whole.problem})")]
    if whole.problem == "MILP":
        lines += [_Line("  Gap (objective to best bound)", whole.mip_gap,
                        "not reported by the solver" if whole.mip_gap is None else "of the objective", "0.00%"),
                  _Line("  Best bound", whole.best_bound_usd, "USD: no plan can do better than this", _USD)]
    if s.scenarios is not None:  # halls and lots differ by scenario after the commitment
        lines.append(_Line("  Halls and lots", f"committed: sheet {SCENARIOS_SHEET}; later ones per scenario: sheet "
                                               f"{PLAN_SHEETS['site_plan']}"))
    for hall in whole.ai_halls_started if s.scenarios is None else ():
        lines.append(_Line(f"  AI halls started at {hall['site']} in {hall['period']}", hall["halls"],
                           f"halls x {hall['hall_mw']:g} MW = {hall['mw']:g} IT MW", "0"))
    for lot in whole.asic_lots_bought if s.scenarios is None else ():
        lines.append(_Line(f"  ASIC lots of {lot['model']} bought for {lot['site']} in {lot['period']}", lot["lots"],
                           f"lots x {lot['lot_mw']:g} MW = {lot['mw']:g} IT MW", "0"))
    explained = {d["contract"]: d for d in s.contract_decisions or []}
    for contract in whole.optional_contracts:
        name = contract["contract"]
        added = (explained.get(name) or {}).get("npv_added_usd")
        lines.append(_Line(f"  Optional contract {name}", "signed" if contract["signed"] else "not signed",
                           contract_worth(s, name)))
        if added is not None:
            lines.append(_Line("    NPV added by signing it", added, "USD (objective with it signed minus without)",
                               _USD))
    if whole.lp_relaxation_objective_usd is not None:
        lines.append(_Line("  What whole decisions cost", whole.lp_relaxation_objective_usd - s.objective_usd,
                           "USD: the objective with fractional halls, lots and signatures, minus this plan's", _USD))
    lines.append(_Line("  Shadow prices from", whole.shadow_prices_from))
    return lines


def _binding_lines(plan: Plan) -> list[_Line]:
    """Each binding limit: how often it binds and its largest shadow price, in present value and in the money of
    its period, with the units the constraint family declares."""
    outcomes = plan.summary.scenarios
    limits = binding_limits(plan.shadow_prices)
    heading = "Binding limits: what one more unit, for one period, adds to the NPV"
    lines = [_BLANK, _Line(heading + (" if that scenario happens" if outcomes else ""))]
    if not limits:
        return lines + [_Line("  none: no floor-space, power or budget limit binds")]
    for limit in limits:
        dual, best = limit.dual, limit.best
        place = f" at {limit.site}" if limit.site is not None else ""
        when = binds_text(limit, outcomes.probability_by_scenario if outcomes else None)
        fmt = "0.000" if abs(best.shadow_price_in_period_usd) < 100 else "#,##0"
        at = f"{best.period}" + (f" of {best.scenario}" if outcomes is not None else "")
        lines += [_Line(f"  {dual.label[0].upper()}{dual.label[1:]}{place}: {when}"),
                  _Line(f"    most valuable in {at}", best.shadow_price, str(best.unit), fmt),
                  _Line("    the same in that period's money", best.shadow_price_in_period_usd,
                        f"{dual.unit} in {best.period}'s money, of {dual.meaning}", fmt)]
    return lines


def _write_lines(book: Book, sheet: Sheet, lines: list[_Line], first_row: int) -> int:
    """Write figure lines from `first_row`; returns the next free row."""
    section, note = book.format(**BOLD), book.format(italic=True)
    unit = book.format(indent=1)
    r = first_row
    for line in lines:
        if line.note:
            sheet.row(r, [line.label], note)
        elif line.value is None and line.label:
            sheet.row(r, [line.label], section)
        elif line.label:
            number = book.format(num_format=line.number_format) if line.number_format else None
            sheet.row(r, [line.label, line.value, line.unit or None], [None, number, unit])
        r += 1
    return r


def _summary_sheet(book: Book, plan: Plan, charts: list[Chart]) -> None:
    sheet = book.sheet("Summary")
    sheet.row(0, [f"capopt plan: {plan.name}"], book.format(**TITLE))
    heading = book.format(**BOLD, bottom=1)
    sheet.row(2, ["figure", "value", "unit"], [heading, book.format(**BOLD, bottom=1, align="right"),
                                               book.format(**BOLD, bottom=1, indent=1)])
    r = _write_lines(book, sheet, _key_figures(plan), 3)
    sheet.ws.freeze_panes(3, 0)
    sheet.widths(_SUMMARY_WIDTHS)
    breaks = []
    for i, chart in enumerate(charts):
        r += 1
        if i % 2 == 0:  # two charts a printed page, never one cut in half
            breaks.append(r)
        sheet.ws.insert_chart(r, 0, chart, {"object_position": 3})
        r += math.ceil(_CHART_PX[1] / 20)  # rows of 20 px
    sheet.ws.set_h_pagebreaks(breaks)
    print_setup(sheet.ws, repeat_header=None)


def _chart_frame(plan: Plan) -> pd.DataFrame:
    """The series the charts draw, one row per period (expected values for a scenario plan)."""
    totals = _expected(plan, plan.period_totals, ["mining_installed_mw", "ai_ready_mw", "ai_revenue_usd",
                                                  *(t.name for t in TERMS), "cash_flow_usd"])
    building = _expected(plan, plan.site_plan, ["ai_under_construction_mw"])["ai_under_construction_mw"]
    frame = pd.DataFrame({
        "period": totals.index.astype(str),
        "mining_installed_mw": totals["mining_installed_mw"].to_numpy(float),
        "ai_ready_mw": totals["ai_ready_mw"].to_numpy(float),
        "ai_under_construction_mw": building.reindex(totals.index).to_numpy(float),
        "mining_revenue_usd": totals["mining_revenue_usd"].to_numpy(float),
        "ai_revenue_usd": totals["ai_revenue_usd"].to_numpy(float),
    })
    if plan.crossover_period is not None:
        top = max(frame["ai_revenue_usd"].max(), frame["mining_revenue_usd"].max())
        frame["crossover_usd"] = np.where(frame["period"] == plan.crossover_period, top, np.nan)
    for term in TERMS:
        if term.sign < 0:
            frame[f"minus_{term.name}"] = -totals[term.name].to_numpy(float)
        elif term.name not in frame:
            frame[term.name] = totals[term.name].to_numpy(float)
    frame["cumulative_cash_flow_usd"] = np.cumsum(totals["cash_flow_usd"].to_numpy(float))
    return frame


class _Series:
    """References to the Chart data sheet's columns, by name."""

    def __init__(self, frame: pd.DataFrame):
        self.columns = list(frame.columns)
        self.last = len(frame)

    def categories(self) -> list:
        return [CHART_DATA_SHEET, 1, 0, self.last, 0]

    def values(self, column: str) -> list:
        i = self.columns.index(column)
        return [CHART_DATA_SHEET, 1, i, self.last, i]


def _axes(chart: Chart, title: str, y_title: str, y_format: str, n_periods: int, months: int) -> None:
    """Title, axes and legend as a planner reads them: a period label about every year (every half year on short
    horizons), slanted; the value axis in its unit."""
    per_year = 12 // months
    step = per_year if n_periods > 3 * per_year else max(1, per_year // 2)
    step *= max(1, math.ceil(n_periods / step / 20))
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    chart.set_x_axis({"name": "period", "interval_unit": step, "interval_tick": step,
                      "num_font": {"rotation": -45, "size": 9}, "label_position": "low"})
    chart.set_y_axis({"name": y_title, "num_format": y_format, "num_font": {"size": 9},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": _CHART_PX[0], "height": _CHART_PX[1]})


def _bar(series: _Series, column: str, name: str, **extra: object) -> dict:
    color = _COLORS[column.removeprefix("minus_")]
    return {"name": name, "categories": series.categories(), "values": series.values(column),
            "fill": {"color": color}, "border": {"color": color}, **extra}


def _line(series: _Series, column: str, name: str) -> dict:
    return {"name": name, "categories": series.categories(), "values": series.values(column),
            "line": {"color": _COLORS[column], "width": 2.25}, "marker": {"type": "none"}}


def _charts(book: Book, plan: Plan, frame: pd.DataFrame) -> list[Chart]:
    """Native charts of the Summary: IT MW to mining vs AI, the revenue mix, and cash flow by term."""
    series = _Series(frame)
    n, months = len(frame), plan.summary.horizon.months_per_period
    expected = " (expected)" if plan.summary.scenarios is not None else ""
    mw = book.chart({"type": "column", "subtype": "stacked"})
    for column, name in (("mining_installed_mw", "mining installed"), ("ai_ready_mw", "AI ready"),
                         ("ai_under_construction_mw", "AI under construction")):
        mw.add_series(_bar(series, column, name, gap=0, overlap=100))
    _axes(mw, f"IT MW to mining vs AI by period{expected}", "IT MW", "#,##0", n, months)

    lines = book.chart({"type": "line"})
    lines.add_series(_line(series, "mining_revenue_usd", "mining revenue"))
    lines.add_series(_line(series, "ai_revenue_usd", "AI revenue"))
    crossover = plan.crossover_period
    if crossover is None:
        revenue = lines
        title = ("Revenue mix per period: AI never overtakes mining in this horizon" if not expected
                 else "Revenue mix per period (expected)")
    else:
        revenue = book.chart({"type": "column"})  # a thin grey bar marks the crossover period behind the two lines
        revenue.add_series(_bar(series, "crossover_usd", f"crossover {crossover}", gap=500))
        revenue.combine(lines)
        title = f"Revenue mix per period: AI overtakes mining in {crossover}"
    _axes(revenue, title, "M USD per period", '#,##0.0,,', n, months)

    cash = book.chart({"type": "column", "subtype": "stacked"})
    for term in TERMS:
        column = term.name if term.sign > 0 else f"minus_{term.name}"
        cash.add_series(_bar(series, column, term.label, gap=30, overlap=100))
    cumulative = book.chart({"type": "line"})
    cumulative.add_series(_line(series, "cumulative_cash_flow_usd", "cumulative cash flow"))
    cash.combine(cumulative)
    _axes(cash, f"Cash flow per period by term{expected}: revenues up, costs down; cumulative line",
          "M USD (undiscounted)", '#,##0,,', n, months)
    return [mw, revenue, cash]


def _scenarios_sheet(book: Book, plan: Plan) -> None:
    """Expected NPV, CVaR, NPV and probability per scenario (with a chart), what is committed now, and the MW to
    mining and AI per scenario and year."""
    s = plan.summary
    outcomes = s.scenarios
    if outcomes is None:
        raise ValueError("the Scenarios sheet needs a scenario plan")
    sheet = book.sheet(SCENARIOS_SHEET)
    sheet.row(0, [f"{len(outcomes.npv_by_scenario_usd)} scenarios, one plan: decisions through "
                  f"{outcomes.commit_through} are the same in all of them"], book.format(**TITLE))
    lines = [_Line("Expected NPV", outcomes.expected_npv_usd, "USD, probability-weighted", _USD),
             _Line(f"CVaR (mean NPV of the worst {1 - outcomes.cvar_alpha:.0%} of outcomes)", outcomes.cvar_usd,
                   f"USD, at alpha {outcomes.cvar_alpha:g}", _USD),
             _Line("Risk weight of the CVaR in the objective", outcomes.risk_weight, "0 = risk-neutral", "0.00")]
    voi = s.value_of_information
    if voi is not None:
        lines.append(_Line("EVPI: what knowing the future before committing would add", voi["evpi_usd"], "USD", _USD))
        vss = voi["vss_usd"]
        lines.append(_Line("VSS: what planning for these scenarios adds over planning for their average",
                           vss if not isinstance(vss, str) else "unbounded", "USD", _USD))
    r = _write_lines(book, sheet, lines, 2) + 1
    names = list(outcomes.npv_by_scenario_usd)
    npv = pd.DataFrame({"scenario": names, "probability": [outcomes.probability_by_scenario[n] for n in names],
                        "npv_usd": [outcomes.npv_by_scenario_usd[n] for n in names],
                        "crossover_period": [outcomes.crossover_period_by_scenario[n] or "never" for n in names]})
    sheet.row(r, ["NPV by scenario"], book.format(**BOLD))
    header = r + 1
    last = _block(book, sheet, npv, header)
    chart = book.chart({"type": "bar"})
    chart.add_series({"name": "NPV", "categories": [SCENARIOS_SHEET, header + 1, 0, last, 0],
                      "values": [SCENARIOS_SHEET, header + 1, 2, last, 2], "fill": {"color": _COLORS["ai_ready_mw"]},
                      "invert_if_negative": False, "gap": 60})
    chart.set_title({"name": "NPV by scenario (M USD)", "name_font": {"size": 12, "bold": True}})
    chart.set_x_axis({"num_format": "#,##0,,", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    height = max(240, 26 * len(names) + 90)
    chart.set_size({"width": 620, "height": height})
    r = last + 2
    sheet.ws.insert_chart(r, 0, chart, {"object_position": 3})
    r += math.ceil(height / 20) + 1
    sheet.row(r, [f"Committed now, the same in every scenario (through {outcomes.commit_through})"],
              book.format(**BOLD))
    committed = plan.extra_tables["committed"]
    if len(committed):
        r = _block(book, sheet, committed, r + 1) + 2
    else:
        sheet.row(r + 1, ["nothing: every investment can wait until after the commitment period"])
        r += 3
    years = plan.extra_tables["scenario_years"]
    sheet.ws.set_h_pagebreaks([r])  # the three tables by year start a printed page
    for column, words in (("mining_installed_mw", "Mining IT MW installed"), ("ai_ready_mw", "AI IT MW ready"),
                          ("ai_delivered_mw", "AI IT MW delivered")):
        pivot = years.pivot(index="scenario", columns="year", values=column).reindex(names)
        sheet.row(r, [f"{words}: mean over each year's periods, by scenario"], book.format(**BOLD))
        r = _block(book, sheet, pivot.reset_index(), r + 1, number_format=_MW) + 2
    sheet.widths({0: 46, **{i: 16 for i in range(1, 9)}})
    print_setup(sheet.ws, repeat_header=None)


def _block(book: Book, sheet: Sheet, frame: pd.DataFrame, header_row: int, *,
           number_format: str | None = None) -> int:
    """A small table inside a sheet: a bold header, then the rows with the plan's number formats; returns the last
    row written."""
    columns = [str(c) for c in frame.columns]
    sheet.row(header_row, columns, book.format(bold=True, bottom=1, bg_color="#DDEBF7", align="center"))
    formats = [book.format(num_format=number_format or plan_number_format(c)) if frame[c].dtype.kind in "fiu" or
               plan_number_format(c) != "General" else book.format(indent=1) for c in columns]
    r = header_row
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        sheet.row(r, list(values), formats)
    return r


def write_plan_workbook(plan: Plan, path: Path) -> Path:
    """Write `plan` as an .xlsx workbook (atomically): Summary with charts, Scenarios of a scenario plan, plan
    tables, inputs echoed, chart data."""
    with writing_book(path) as book:
        frame = _chart_frame(plan)
        _summary_sheet(book, plan, _charts(book, plan, frame))
        if plan.summary.scenarios is not None:
            _scenarios_sheet(book, plan)
        sheets = {**PLAN_SHEETS, **SCENARIO_SHEETS}
        for name, table in plan.tables().items():
            freeze = _FROZEN[name]
            if "scenario" in table.columns and name in PLAN_SHEETS:
                freeze = (freeze[0], freeze[1] + 1)
            _table_sheet(book, sheets[name], table, freeze)
        if plan.case is not None:
            add_input_sheets(book, inputs_as_frames(plan.case.inputs, plan.case.horizon), horizon=plan.case.horizon,
                             title=INPUT_SHEET_TITLE)
        _table_sheet(book, CHART_DATA_SHEET, frame, (1, 1))
    return Path(path)
