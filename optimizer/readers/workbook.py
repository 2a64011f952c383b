"""Read input tables from one Excel workbook (`.xlsx`), a sheet per table, like a CSV folder.

Layout of an input workbook: one sheet per table of docs/formulation.md, named like the table (`sites`, `miners`,
`fleet`, `contracts`, `periods`, `site_periods`), header in the first non-blank row with the column names, data
below it. A sheet named `README` is documentation and is skipped; any other sheet is ignored with a warning.

The reader returns the same `RawTable`s as `csv_folder.read_csv_folder` (text per cell, spreadsheet row numbers,
source `book.xlsx[sheet]`), so `validate.validate_tables` checks both alike. Numbers keep every digit (repr of
the float), booleans become true/false, and dates on the first of a month become `YYYY-MM`.
"""
from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputProblem
from ..files import display_path
from ..schema import TABLES, Table
from .csv_folder import RawTable

README_SHEET = "README"


def _number_text(value: float) -> str:
    """Exact text of a number: whole numbers without '.0', others as repr (round-trips every bit)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _value_text(value: object, kind: str | None) -> str:
    """Text of one cell value as a CSV file would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "" if isinstance(value, float) and math.isnan(value) else _number_text(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        value = value.date()
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return f"{value.year:04d}-{value.month:02d}" if kind == "period" and value.day == 1 else value.isoformat()
    return str(value).strip()


def _load(path: Path, *, data_only: bool) -> Workbook:
    with warnings.catch_warnings():  # openpyxl warns about features it drops on reading (extensions, styles)
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path, data_only=data_only)


def read_workbook(path: Path) -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Read every table of the schema from the sheets of one workbook (`.xlsx`), as text like the CSV reader."""
    path = Path(path)
    book_name = display_path(path)
    if not path.is_file():
        return {}, [InputProblem(book_name, "input workbook not found")]
    try:
        book = _load(path, data_only=False)
    except Exception as exc:  # noqa: BLE001 - a damaged file fails deep inside openpyxl in many ways; all mean the same
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, [InputProblem(book_name, f"cannot read the workbook ({reason}); save it as an Excel workbook "
                                            "(.xlsx)")]
    cached: list[Workbook] = []  # formula results, loaded on the first formula cell

    def formula_result(sheet: str, coordinate: str) -> object:
        if not cached:
            cached.append(_load(path, data_only=True))
        return cached[0][sheet][coordinate].value

    sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
    tables: dict[str, RawTable] = {}
    problems: list[InputProblem] = []
    for table in TABLES:
        ws = sheets.get(table.name)
        if ws is None:
            if table.required:
                present = ", ".join(ws.title for ws in book.worksheets) or "none"
                problems.append(InputProblem(f"{book_name}[{table.name}]", f"required sheet '{table.name}' not found "
                                                                          f"(sheets: {present})"))
            continue
        raw, sheet_problems = _read_sheet(ws, table, f"{book_name}[{ws.title}]", formula_result)
        problems += sheet_problems
        if raw is not None:
            tables[table.name] = raw
    known = {t.name for t in TABLES} | {README_SHEET.lower()}
    for key, ws in sheets.items():
        if key not in known:
            problems.append(InputProblem(f"{book_name}[{ws.title}]", "unknown sheet ignored (expected: "
                                         f"{', '.join(t.name for t in TABLES)})", warning=True))
    return tables, problems


def _read_sheet(ws: Worksheet, table: Table, source: str,
                formula_result: Callable[[str, str], object]) -> tuple[RawTable | None, list[InputProblem]]:
    """One sheet as text: header = first non-blank row; blank rows skipped; row numbers as the sheet shows them."""
    problems: list[InputProblem] = []
    header: list[str] | None = None
    kinds: list[str | None] = []
    body: list[list[str]] = []
    rows: list[int] = []
    for cells in ws.iter_rows(min_row=1, min_col=1):
        if header is None:
            texts = [_value_text(c.value, None) for c in cells]
            if any(texts):
                while texts and not texts[-1]:
                    texts.pop()  # trailing empty columns
                header = texts
                kinds = [table.column_by_name[h].kind if h in table.column_by_name else None for h in header]
                problems += [InputProblem(source, f"column {get_column_letter(k + 1)} of the header has no name",
                                          cells[0].row) for k, h in enumerate(header) if not h]
            continue
        texts = []
        for i, cell in enumerate(cells):
            value = cell.value
            if cell.data_type == "f":
                value = formula_result(ws.title, cell.coordinate)
                if value is None:
                    name = header[i] if i < len(header) else get_column_letter(cell.column)
                    problems.append(InputProblem(source, "formula without a saved result: open the workbook in a "
                                                 "spreadsheet program, let it calculate and save it", cell.row, name))
            texts.append(_value_text(value, kinds[i] if i < len(kinds) else None))
        if not any(texts):
            continue
        row = cells[0].row
        extra = [t for t in texts[len(header):] if t]
        if extra:
            shown = ", ".join(f"'{t}'" for t in extra)
            problems.append(InputProblem(source, f"{len(extra)} cell{'s' if len(extra) > 1 else ''} beyond the "
                                         f"{len(header)} columns of the header: {shown}", row))
        body.append([texts[k] if k < len(texts) else "" for k, h in enumerate(header) if h])
        rows.append(row)
    if header is None:
        return None, [InputProblem(source, "sheet is empty: expected a header row")]
    frame = pd.DataFrame(body, columns=[h for h in header if h], dtype=object)
    return RawTable(table.name, source, frame, rows), problems
