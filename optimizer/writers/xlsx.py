"""Writing workbook cells safely and exactly: text never runs as a formula, floats keep every bit, atomic saves.

openpyxl is pinned below 3.2: `_exact_floats` swaps its cell writer's number formatting while saving.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..files import FORMULA_PREFIXES, atomic_file

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")



_openpyxl_safe_string = openpyxl_cell_writer.safe_string


def _exact_safe_string(value: object) -> str:
    """openpyxl's number text, but floats as repr so every bit survives (openpyxl 3.1 writes %.16g)."""
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return _openpyxl_safe_string(value)


@contextmanager
def _exact_floats() -> Iterator[None]:
    """While saving, write floats with all 17 significant digits (Excel itself stores them that way)."""
    openpyxl_cell_writer.safe_string = _exact_safe_string
    try:
        yield
    finally:
        openpyxl_cell_writer.safe_string = _openpyxl_safe_string


def save_workbook(book: Workbook, path: Path) -> Path:
    """Save `book` to `path` atomically (temporary file, then rename) with exact floats."""
    path = Path(path)
    with atomic_file(path) as staging, _exact_floats():
        book.save(staging)
    return path


def plain_value(value: object) -> object:
    """A cell value from pandas/numpy: Python scalars, blank for NaN, None and infinities."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def put(ws: Worksheet, row: int, column: int, value: object, number_format: str | None = None) -> None:
    """Write one cell; text is always stored as text, and text that a spreadsheet could run
    (starting with =, +, - or @) is marked quote-prefixed so editing the cell keeps it text."""
    cell = ws.cell(row=row, column=column)
    value = plain_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"  # openpyxl would store '=...' as a formula
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
        return
    cell.value = value
    if number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = number_format


def style_header(ws: Worksheet, columns: list[str], *, freeze: str = "A2") -> None:
    """Bold header row 1, frozen panes at `freeze`, an autofilter over the table, landscape print with row 1
    repeated on every page (wide tables print over several pages rather than too small to read)."""
    for i in range(1, len(columns) + 1):
        cell = ws.cell(row=1, column=i)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.freeze_panes = freeze
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"


def print_landscape(ws: Worksheet, *, fit_height: bool) -> None:
    """Print setup: landscape, one page wide (and one page tall if `fit_height`)."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if fit_height else 0


def fit_widths(ws: Worksheet, frame: pd.DataFrame, *, minimum: int = 9, maximum: int = 45) -> None:
    """Column widths from the header and the longest text (numbers count as 14 characters)."""
    for i, name in enumerate(frame.columns, start=1):
        width = len(str(name)) + 3  # room for the autofilter button
        values = frame.iloc[:, i - 1]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            width = max(width, max((len(v) + 1 for v in values.head(2000) if isinstance(v, str)), default=0))
        else:
            width = max(width, 14)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, minimum), maximum)
