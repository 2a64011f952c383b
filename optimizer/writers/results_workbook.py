"""A sweep's results.xlsx: the results table formatted like plan.xlsx, a chart of the NPVs, and what was swept.

Sheets: `scenarios` (results.csv: one row per scenario, numbers kept as numbers with display formats, header frozen,
filtered, sized), `NPV chart` (NPV against the first swept parameter, or per scenario when that parameter is not a
number) and `sweep` (what was swept). Every text cell is text, never a formula (`xlsx.Sheet.row`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .plan_workbook import plan_number_format
from .xlsx import Book, print_setup, writing_book

RESULTS_SHEET = "scenarios"
CHART_SHEET = "NPV chart"
ABOUT_SHEET = "sweep"
_CHART_PX = (900, 480)


def results_number_format(column: str) -> str:
    """Display format of a results column: as in plan.xlsx, and for per-year and per-site columns by their unit
    (`ai_ready_mw_2027` MW, `power_value_usd_per_mw_<site>` USD, `floor_value_usd_per_sqft_<site>` with cents)."""
    if column in ("scenario", "iterations"):
        return "0"
    if column == "seconds":
        return "0.000"
    if "_usd_per_usd" in column:
        return "0.000"
    if "_usd_per_sqft" in column:
        return "#,##0.00"
    if "_usd_per_mw" in column:
        return "#,##0"
    if "_mw_" in column:
        return "0.0"
    return plan_number_format(column)


def _npv_chart(book: Book, frame: pd.DataFrame, parameter: str | None):
    """NPV against `parameter` (a scatter) when it is a number column with more than one value; else NPV per
    scenario (columns)."""
    columns = list(frame.columns)
    last = len(frame)
    npv = [RESULTS_SHEET, 1, columns.index("npv_usd"), last, columns.index("npv_usd")]
    numeric = (parameter in columns and pd.api.types.is_numeric_dtype(frame[parameter])
               and frame[parameter].nunique() > 1)
    if numeric:
        x = columns.index(parameter)
        chart = book.chart({"type": "scatter"})
        chart.add_series({"name": "NPV", "categories": [RESULTS_SHEET, 1, x, last, x], "values": npv,
                          "marker": {"type": "circle", "size": 6, "fill": {"color": "#1F77B4"},
                                     "border": {"color": "#1F77B4"}}})
        chart.set_title({"name": f"NPV against {parameter} (each point a scenario)", "name_font": {"size": 12}})
        chart.set_x_axis({"name": parameter, "label_position": "low",
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    else:
        x = columns.index("scenario")
        chart = book.chart({"type": "column"})
        chart.add_series({"name": "NPV", "categories": [RESULTS_SHEET, 1, x, last, x], "values": npv,
                          "fill": {"color": "#1F77B4"}, "gap": 50})
        chart.set_title({"name": "NPV per scenario", "name_font": {"size": 12}})
        chart.set_x_axis({"name": "scenario (row of the scenarios sheet)", "num_font": {"rotation": -45},
                          "label_position": "low"})
    chart.set_y_axis({"name": "NPV, M USD", "num_format": "#,##0,,",
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"none": True})
    chart.set_size({"width": _CHART_PX[0], "height": _CHART_PX[1]})
    return chart


def write_results_workbook(frame: pd.DataFrame, meta: Mapping[str, object], path: Path) -> Path:
    """Write results.xlsx to `path` (a staging path: written atomically)."""
    about = pd.DataFrame([(k, json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in meta.items()],
                         columns=["item", "value"])
    parameters = meta.get("parameters")
    first_parameter = str(parameters[0]) if isinstance(parameters, list) and parameters else None
    with writing_book(path) as book:
        results = book.sheet(RESULTS_SHEET)
        results.table(frame, [results_number_format(str(c)) for c in frame.columns], freeze=(1, 2))
        print_setup(results.ws)
        if "npv_usd" in frame.columns and len(frame):
            sheet = book.sheet(CHART_SHEET)
            sheet.row(0, [f"{len(frame):,} scenarios; the table is on sheet '{RESULTS_SHEET}'"])
            sheet.ws.insert_chart(1, 0, _npv_chart(book, frame, first_parameter))
            print_setup(sheet.ws, repeat_header=None)
        sheet = book.sheet(ABOUT_SHEET)
        sheet.table(about, ["General", "General"])
        sheet.widths({0: 20, 1: 100})
        print_setup(sheet.ws)
    return Path(path)
