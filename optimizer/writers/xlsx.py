"""Writing workbook cells safely and exactly: text never runs as a formula, floats keep every bit, atomic saves.

openpyxl is pinned below 3.2: `_exact_floats` swaps its cell writer's number formatting while saving.
"""
from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..files import FORMULA_PREFIXES, PNG_SOFTWARE, FileError, atomic_file, read_regular_file
from ..limits import MAX_WORKBOOK_BYTES
from ..readers.workbook import UnreadableWorkbook, open_workbook, workbook_cells

FINGERPRINT_PROPERTY = "capopt_cells_sha256"  # custom document property of every workbook capopt writes
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


def _fingerprint(cells: Iterable[tuple[str, int, int, object]]) -> str:
    """SHA-256 of the non-blank cell values of a workbook, by sheet, row and column (numbers compared as floats)."""
    digest = hashlib.sha256()
    for sheet, row, column, value in cells:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            text = f"b{value}"
        elif isinstance(value, (int, float)):
            text = f"n{float(value)!r}"
        elif isinstance(value, (datetime.date, datetime.time)):
            text = f"d{value.isoformat()}"
        else:
            text = f"s{value}"
        digest.update(f"{sheet}\0{row}\0{column}\0{text}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _book_cells(book: Workbook) -> Iterator[tuple[str, int, int, object]]:
    for ws in book.worksheets:
        for (row, column), cell in sorted(ws._cells.items()):  # the cells that exist (openpyxl pinned below 3.2)
            yield ws.title, row, column, cell.value


def save_workbook(book: Workbook, path: Path) -> Path:
    """Save `book` to `path` atomically (temporary file, then rename) with exact floats, marked as capopt's: the
    creator and a custom property holding a fingerprint of its cell values (`is_capopt_workbook`)."""
    path = Path(path)
    book.properties.creator = PNG_SOFTWARE
    book.custom_doc_props.props = [p for p in book.custom_doc_props.props if p.name != FINGERPRINT_PROPERTY]
    book.custom_doc_props.append(StringProperty(name=FINGERPRINT_PROPERTY, value=_fingerprint(_book_cells(book))))
    with atomic_file(path) as staging, _exact_floats():
        book.save(staging)
    return path


def is_capopt_workbook(path: Path) -> bool:
    """True if `path` is a workbook capopt wrote whose cell values nobody changed since (its fingerprint matches;
    formats, comments and column widths do not count). A damaged or foreign file is not capopt's."""
    try:
        book = open_workbook(read_regular_file(path, MAX_WORKBOOK_BYTES))
    except (FileError, UnreadableWorkbook):
        return False
    try:
        saved = next((p.value for p in book.custom_doc_props.props if p.name == FINGERPRINT_PROPERTY), None)
        return saved is not None and saved == _fingerprint(workbook_cells(book))
    except Exception:  # noqa: BLE001 - damaged sheet XML fails inside openpyxl in many ways: not capopt's file
        return False
    finally:
        book.close()


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


def write_table_workbook(sheets: Mapping[str, pd.DataFrame], path: Path, *,
                         freeze: Mapping[str, str] | None = None) -> Path:
    """A workbook of plain tables, one sheet per frame (header in row 1, filtered and sized), every text cell
    stored as text (`put`); saved atomically with `save_workbook`. `freeze`: sheet -> top-left unfrozen cell."""
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        ws = book.create_sheet(title)
        columns = [str(c) for c in frame.columns]
        for i, name in enumerate(columns, start=1):
            put(ws, 1, i, name)
        for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
            for i, value in enumerate(values, start=1):
                put(ws, r, i, value)
        style_header(ws, columns, freeze=(freeze or {}).get(title, "A2"))
        fit_widths(ws, frame)
    return save_workbook(book, path)
