"""A plan as one Excel workbook for planners: Summary with native charts, the plan tables, and the inputs echoed.

Sheets: Summary (NPV, status, key figures, crossover, two charts), Plan (site_periods.csv), ASICs
(miner_periods.csv), Contracts (contract_periods.csv), Cash flow (period_totals.csv), Shadow prices
(shadow_prices.csv), Chart data, and `Input <table>` per input table with defaults applied. Plan sheets have
the CSV columns in row 1 and the same numbers below, kept as numbers with display formats only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Font
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..model.objective import TERMS
from ..results import Plan
from .input_workbook import add_input_sheets, inputs_as_frames
from .layout import PLAN_SHEETS
from .xlsx import fit_widths, print_landscape, put, save_workbook, style_header

INPUT_SHEET_TITLE = "Input {table}"
_FROZEN = {"site_periods": "C2", "miner_periods": "D2", "contract_periods": "E2", "period_totals": "B2",
           "shadow_prices": "D2"}
_USD = "#,##0"
_MW = "0.0"
_MINING_COLOR, _AI_COLOR, _BUILD_COLOR, _MARK_COLOR = "F7931A", "1F77B4", "9ECAE9", "7F7F7F"


def plan_number_format(column: str) -> str:
    """Display format of a plan column from its name: MW 0.0, USD and sqft #,##0, prices with cents."""
    if column == "discount_factor":
        return "0.0000"
    if column == "tranche":
        return "0"
    if column.endswith("_per_usd"):
        return "0.000"
    if column.startswith("shadow_price"):
        return "#,##0.00"
    if column.endswith("_mw"):
        return _MW
    if column.endswith(("_usd", "_sqft")):
        return _USD
    return "General"


def _table_sheet(book: Workbook, title: str, frame: pd.DataFrame, freeze: str) -> Worksheet:
    ws = book.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    formats = [plan_number_format(c) for c in columns]
    for i, name in enumerate(columns, start=1):
        put(ws, 1, i, name)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for i, value in enumerate(values):
            put(ws, r, i + 1, value, formats[i])
    style_header(ws, columns, freeze=freeze)
    fit_widths(ws, frame)
    return ws


def _key_figures(plan: Plan) -> list[tuple[str, object, str, str | None]]:
    """(figure, value, unit, number format) rows of the Summary sheet."""
    s = plan.summary
    h, money = s.horizon, s.economics
    totals = plan.period_totals
    sites = plan.site_periods
    first, last = totals.iloc[0], totals.iloc[-1]
    tv = money.terminal_value
    rows: list[tuple[str, object, str, str | None]] = [
        ("Status", plan.status, "", None),
        ("NPV", plan.npv_usd, "USD", _USD),
    ]
    if tv.method != "none":
        rows += [("NPV of cash flows", money.npv_of_cash_flows_usd, "USD", _USD),
                 ("Terminal value, present value", tv.present_value_usd, f"USD ({tv.method})", _USD)]
    rows += [
        ("Undiscounted cash flow", money.undiscounted_cash_flow_usd, "USD", _USD),
        ("AI revenue first exceeds mining revenue in", plan.crossover_period or "never in this horizon", "period",
         None),
        ("Horizon", f"{h.first} to {h.last}", f"{h.periods} periods of {h.months_per_period} month(s)", None),
        ("Discount rate", h.discount_rate, "per year", "0.0%"),
        ("", None, "", None),
        ("Present value by term", None, "", None),
    ]
    for term in TERMS:
        rows.append((f"  {term.label[0].upper()}{term.label[1:]}", term.sign * money.present_value_usd[term.name], "USD",
                     _USD))
    revenue_last = last["mining_revenue_usd"] + last["ai_revenue_usd"]
    rows += [
        ("", None, "", None),
        ("Key figures", None, "", None),
        (f"  Mining IT MW installed, {first['period']}", first["mining_installed_mw"], "MW", _MW),
        (f"  Mining IT MW installed, {last['period']}", last["mining_installed_mw"], "MW", _MW),
        (f"  AI IT MW ready, {first['period']}", first["ai_ready_mw"], "MW", _MW),
        (f"  AI IT MW ready, {last['period']}", last["ai_ready_mw"], "MW", _MW),
        ("  AI IT MW started (all sites, whole horizon)", sites["ai_started_mw"].sum(), "MW", _MW),
        ("  ASIC IT MW bought", sites["mining_bought_mw"].sum(), "MW", _MW),
        ("  ASIC IT MW retired", sites["mining_retired_mw"].sum(), "MW", _MW),
        ("  Capex, undiscounted", money.undiscounted_usd["capex_usd"], "USD", _USD),
        (f"  AI share of revenue, {last['period']}", last["ai_revenue_usd"] / revenue_last if revenue_last else 0.0,
         "", "0.0%"),
    ]
    for item in money.commitments_beyond_horizon:
        rows.append((f"  Revenue of {item['contract']} tranche {item['tranche']} after the horizon (not in NPV)",
                     item["revenue_beyond_horizon_usd"], f"USD over {item['months_beyond_horizon']} months", _USD))
    rows += [
        ("", None, "", None),
        ("Solver", s.solver.name, s.solver.detail, None),
        ("Solve time", s.solver.solve_seconds, "seconds", "0.00"),
        ("Variables", s.size.variables, "", "#,##0"),
        ("Constraints", s.size.constraints, "", "#,##0"),
    ]
    if plan.case is not None and plan.case.source:
        rows.append(("Model file", plan.case.source, "", None))
    return rows


def _summary_sheet(book: Workbook, plan: Plan) -> Worksheet:
    ws = book.create_sheet("Summary", 0)
    put(ws, 1, 1, f"capopt plan: {plan.name}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for i, name in enumerate(("figure", "value", "unit"), start=1):
        put(ws, 3, i, name)
        ws.cell(row=3, column=i).font = Font(bold=True)
    for r, (label, value, unit, number_format) in enumerate(_key_figures(plan), start=4):
        put(ws, r, 1, label)
        put(ws, r, 2, value, number_format)
        put(ws, r, 3, unit)
        ws.cell(row=r, column=3).alignment = Alignment(indent=1)
        if value is None and label:
            ws.cell(row=r, column=1).font = Font(bold=True)
    ws.freeze_panes = "A4"
    print_landscape(ws, fit_height=True)
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 30
    return ws


def _chart_data(book: Workbook, plan: Plan) -> tuple[Worksheet, int]:
    """The series the Summary charts draw, one row per period; returns the sheet and its last row."""
    totals = plan.period_totals
    building = plan.site_periods.groupby("period", sort=False)["ai_under_construction_mw"].sum()
    ai_revenue = totals["ai_revenue_usd"].to_numpy(float)
    mining_revenue = totals["mining_revenue_usd"].to_numpy(float)
    marker = np.where(totals["period"] == plan.crossover_period, max(ai_revenue.max(), mining_revenue.max()), np.nan)
    frame = pd.DataFrame({
        "period": totals["period"],
        "mining_installed_mw": totals["mining_installed_mw"],
        "ai_ready_mw": totals["ai_ready_mw"],
        "ai_under_construction_mw": building.reindex(totals["period"]).to_numpy(float),
        "mining_revenue_usd": mining_revenue,
        "ai_revenue_usd": ai_revenue,
        "crossover_usd": marker,
    })
    ws = _table_sheet(book, "Chart data", frame, "B2")
    return ws, len(frame) + 1


def _style(series, name: str, rgb: str, *, line: bool = False) -> None:
    """A series' legend name and colour (a thick line for line charts, a fill for bars)."""
    series.tx = SeriesLabel(v=name)
    if line:
        series.graphicalProperties.line.solidFill = rgb
        series.graphicalProperties.line.width = 28575  # 2.25 pt
        series.smooth = False
    else:
        series.graphicalProperties.solidFill = rgb
        series.graphicalProperties.line.solidFill = rgb


def _axes(chart, y_title: str, y_format: str) -> None:
    chart.y_axis.title = y_title
    chart.y_axis.numFmt = y_format
    chart.x_axis.title = "period"
    chart.x_axis.delete = False  # openpyxl 3.1 hides axes unless told
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = 22, 10  # cm


def _mw_chart(data: Worksheet, last_row: int) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 0  # periods side by side, like an area
    chart.title = "IT MW to mining vs AI by period"
    chart.add_data(Reference(data, min_col=2, max_col=4, min_row=1, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=last_row))
    names = ("mining installed", "AI ready", "AI under construction")
    for series, name, rgb in zip(chart.series, names, (_MINING_COLOR, _AI_COLOR, _BUILD_COLOR)):
        _style(series, name, rgb)
    _axes(chart, "IT MW", "0")
    return chart


def _revenue_chart(data: Worksheet, last_row: int, crossover: str | None) -> BarChart | LineChart:
    lines = LineChart()
    lines.add_data(Reference(data, min_col=5, max_col=6, min_row=1, max_row=last_row), titles_from_data=True)
    lines.set_categories(Reference(data, min_col=1, min_row=2, max_row=last_row))
    for series, name, rgb in zip(lines.series, ("mining revenue", "AI revenue"), (_MINING_COLOR, _AI_COLOR)):
        _style(series, name, rgb, line=True)
    title = (f"Revenue mix per period: AI overtakes mining in {crossover}" if crossover
             else "Revenue mix per period: AI never overtakes mining in this horizon")
    if crossover is None:
        chart: BarChart | LineChart = lines
    else:
        chart = BarChart()  # a thin grey bar marks the crossover period behind the two revenue lines
        chart.type = "col"
        chart.gapWidth = 500
        chart.add_data(Reference(data, min_col=7, min_row=1, max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=last_row))
        _style(chart.series[0], f"crossover {crossover}", _MARK_COLOR)
        chart += lines
    chart.title = title
    _axes(chart, "USD per period", '#,##0.0,," M"')
    return chart


def write_plan_workbook(plan: Plan, path: Path) -> Path:
    """Write `plan` as an .xlsx workbook (atomically): summary with charts, plan tables, inputs echoed."""
    book = Workbook()
    book.remove(book.active)
    summary = _summary_sheet(book, plan)
    for name, frame in plan.tables().items():
        _table_sheet(book, PLAN_SHEETS[name], frame, _FROZEN[name])
    if plan.case is not None:
        add_input_sheets(book, inputs_as_frames(plan.case.inputs, plan.case.horizon), horizon=plan.case.horizon,
                         title=INPUT_SHEET_TITLE)
    data, last_row = _chart_data(book, plan)
    summary.add_chart(_mw_chart(data, last_row), "E3")
    summary.add_chart(_revenue_chart(data, last_row, plan.crossover_period), "E25")
    book.active = 0
    return save_workbook(book, path)
