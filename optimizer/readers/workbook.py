"""Read input tables from one Excel workbook (`.xlsx`), a sheet per table, like a CSV folder.

Layout of an input workbook: one sheet per table of docs/formulation.md, named like the table (`sites`, `miners`,
`fleet`, `contracts`, `periods`, `site_periods`), header in the first non-blank row with the column names, data
below it. A sheet named `README` is documentation and is skipped; any other sheet is ignored with a warning.

The reader returns the same `RawTable`s as `csv_folder.read_csv_folder` (text per cell, spreadsheet row numbers,
source `book.xlsx[sheet]`), so `validate.validate_tables` checks both alike. Numbers keep every digit (repr of
the float), booleans become true/false, and dates on the first of a month become `YYYY-MM`.

Sheets are streamed from their XML, cell by cell as the file holds them: a sheet whose size claims a million rows
and 16,384 columns (one styled blank cell at XFD1048576) costs what its few cells cost. Rows and columns beyond
the limits of `limits.py` are read only to find a non-blank cell there, which is an error naming it.
"""
from __future__ import annotations

import datetime
import io
import math
import warnings
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputProblem
from ..files import FileError, display_path, read_regular_file
from ..limits import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS, MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNPACKED_BYTES
from ..schema import TABLES, Table
from .csv_folder import RawTable

if TYPE_CHECKING:
    from pathlib import Path

    from openpyxl.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

README_SHEET = "README"
MAX_SHEET_COLUMNS = 16_384  # XFD, the last column of a sheet
_NO_RESULT = "formula without a saved result: open the workbook in a spreadsheet program, let it calculate and save it"
_FORMULA = object()  # a formula cell whose saved result is not read yet (or that has none)


class UnreadableWorkbook(Exception):
    """The workbook cannot be read at all; the message says why, in a few words."""


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 1-based column index: 1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


def _open(raw: bytes, *, data_only: bool) -> Workbook:
    """The workbook in `raw`, read-only (sheets are streamed, not loaded)."""
    import openpyxl  # loaded only when the inputs are a workbook

    with warnings.catch_warnings():  # openpyxl warns about features it drops on reading (extensions, styles)
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=data_only)


def sheet_cells(ws: ReadOnlyWorksheet) -> Iterator[tuple[int, list[dict]]]:
    """(row number, the cells the file holds in that row) of a read-only sheet, in file order.

    openpyxl's own `iter_rows` pads every row to the sheet's claimed size and fills in the missing rows; this reads
    only what is there. Each cell is a dict of openpyxl's sheet parser (`column`, `value`, `data_type`), its dates
    and shared strings resolved. Uses that parser directly (openpyxl is pinned below 3.2 in pyproject.toml).
    """
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    book = ws.parent
    parser = WorkSheetParser(None, ws._shared_strings, data_only=book.data_only, epoch=book.epoch,
                             date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
    row, parent = 0, None
    with ws._get_source() as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == ROW_TAG.replace("}row", "}sheetData"):
                    parent = element
                continue
            if element.tag != ROW_TAG:
                continue
            row = int(element.get("r") or row + 1)
            parser.row_counter, parser.col_counter = row, 0
            cells = [parser.parse_cell(cell) for cell in element]
            if parent is not None:
                parent.remove(element)  # memory stays flat however many rows the sheet has
            yield row, cells


def open_workbook(raw: bytes, *, data_only: bool = False) -> Workbook:
    """The workbook in `raw` (the bytes of an .xlsx file), read-only; `UnreadableWorkbook` if it is damaged or
    unpacks to more than `MAX_WORKBOOK_UNPACKED_BYTES`. Close it after use."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook(_reason(exc)) from None
    if unpacked > MAX_WORKBOOK_UNPACKED_BYTES:
        raise UnreadableWorkbook(f"it unpacks to {unpacked / 1e6:,.0f} MB; capopt reads workbooks of at most "
                                 f"{MAX_WORKBOOK_UNPACKED_BYTES / 1e6:,.0f} MB unpacked")
    try:
        return _open(raw, data_only=data_only)
    except Exception as exc:  # noqa: BLE001 - a damaged file fails inside openpyxl in many ways; all mean the same
        raise UnreadableWorkbook(_reason(exc)) from None


def workbook_cells(book: Workbook) -> Iterator[tuple[str, int, int, object]]:
    """(sheet, row, column, value) of every cell a read-only workbook holds, sheet by sheet, row by row."""
    for ws in book.worksheets:
        for row, cells in sheet_cells(ws):
            for cell in cells:
                yield ws.title, row, cell["column"], cell["value"]


def read_first_sheet(path: Path, *, max_rows: int,
                     max_columns: int = MAX_SHEET_COLUMNS) -> tuple[RawTable | None, list[InputProblem]]:
    """The first sheet of a workbook as a table of text of any columns (a scenario file), or why not."""
    book_name = display_path(path)
    try:
        raw = read_regular_file(path, MAX_WORKBOOK_BYTES, what="the workbook", expected="a workbook (.xlsx)")
        book = _Book(raw, book_name)
        try:
            return book.sheet(book.book.sheetnames[0], None, max_rows=max_rows, max_columns=max_columns)
        finally:
            book.close()
    except FileError as exc:
        return None, [InputProblem(book_name, "not found" if exc.missing else str(exc))]
    except (UnreadableWorkbook, IndexError) as exc:
        return None, [InputProblem(book_name, f"cannot read the workbook ({exc or 'no sheets'}); save it as an Excel "
                                              "workbook (.xlsx)")]


def read_workbook(path: Path) -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Read every table of the schema from the sheets of one workbook (`.xlsx`), as text like the CSV reader."""
    book_name = display_path(path)
    try:
        raw = read_regular_file(path, MAX_WORKBOOK_BYTES, what="the workbook", expected="a workbook (.xlsx)")
        return _Book(raw, book_name).tables()
    except FileError as exc:
        return {}, [InputProblem(book_name, "input workbook not found" if exc.missing else str(exc))]
    except UnreadableWorkbook as exc:
        return {}, [InputProblem(book_name, f"cannot read the workbook ({exc}); save it as an Excel workbook (.xlsx)")]


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _Book:
    """One input workbook, opened read-only; the same workbook with formulas' saved results is opened only if a
    table holds a formula."""

    def __init__(self, raw: bytes, name: str):
        self.raw, self.name = raw, name
        self.book = open_workbook(raw)
        self._results: Workbook | None = None

    def results(self, title: str) -> ReadOnlyWorksheet:
        """Sheet `title` with each formula's saved result instead of the formula."""
        if self._results is None:
            self._results = open_workbook(self.raw, data_only=True)
        return self._results[title]

    def close(self) -> None:
        self.book.close()
        if self._results is not None:
            self._results.close()

    def tables(self) -> tuple[dict[str, RawTable], list[InputProblem]]:
        """Every table's sheet; two sheets that both read as one table's name are an error, never a silent choice."""
        try:
            return self._tables()
        finally:
            self.close()

    def _tables(self) -> tuple[dict[str, RawTable], list[InputProblem]]:
        by_key: dict[str, list[str]] = {}
        for title in self.book.sheetnames:
            by_key.setdefault(title.strip().lower(), []).append(title)
        tables: dict[str, RawTable] = {}
        problems: list[InputProblem] = []
        for table in TABLES:
            titles = by_key.get(table.name, [])
            if len(titles) > 1:
                shown = " and ".join(f"'{t}'" for t in titles)
                problems.append(InputProblem(f"{self.name}[{table.name}]", f"sheets {shown} are both read as table "
                                             f"'{table.name}' (sheet names are read without case and outer spaces); "
                                             "rename or delete one"))
            elif not titles:
                if table.required:
                    present = ", ".join(self.book.sheetnames) or "none"
                    problems.append(InputProblem(f"{self.name}[{table.name}]", f"required sheet '{table.name}' not "
                                                 f"found (sheets: {present})"))
            else:
                raw, sheet_problems = self.sheet(titles[0], table)
                problems += sheet_problems
                if raw is not None:
                    tables[table.name] = raw
        known = {t.name for t in TABLES} | {README_SHEET.lower()}
        for key, titles in by_key.items():
            if key not in known:
                problems += [InputProblem(f"{self.name}[{title}]", "unknown sheet ignored (expected: "
                                          f"{', '.join(t.name for t in TABLES)})", warning=True) for title in titles]
        return tables, problems

    def sheet(self, title: str, table: Table | None, *, max_rows: int = MAX_TABLE_ROWS,
              max_columns: int = MAX_TABLE_COLUMNS) -> tuple[RawTable | None, list[InputProblem]]:
        """One sheet as `table` (None: a table of any columns, read as text), or why it cannot be read."""
        try:
            return self._sheet(title, table, f"{self.name}[{title}]", max_rows, max_columns)
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # noqa: BLE001 - damaged sheet XML fails in openpyxl's parser in many ways
            raise UnreadableWorkbook(f"sheet '{title}': {_reason(exc)}") from None

    def _sheet(self, title: str, table: Table | None, source: str, max_rows: int,
               max_columns: int) -> tuple[RawTable | None, list[InputProblem]]:
        """One sheet as text: header = first non-blank row; blank rows skipped; row numbers as the sheet shows.

        A formula takes its saved result (a result of "" is a blank cell); one without a result is an error.
        """
        collected: list[tuple[int, dict[int, object]]] = []  # (row, {column: value}) of the non-blank rows
        formulas: dict[tuple[int, int], int] = {}  # (row, column) of each formula -> its row's index in collected
        for row, cells in sheet_cells(self.book[title]):
            values: dict[int, object] = {}
            for cell in cells:
                if cell["data_type"] == "f":
                    values[cell["column"]] = _FORMULA
                    formulas[(row, cell["column"])] = len(collected)
                elif _value_text(cell["value"], None):
                    values[cell["column"]] = cell["value"]
            if not values:
                continue
            beyond = max(values)
            if beyond > max_columns:
                shown = "a formula" if values[beyond] is _FORMULA else f"'{_value_text(values[beyond], None)}'"
                return None, [InputProblem(source, f"cell {column_letter(beyond)}{row} holds {shown}, beyond column "
                                           f"{column_letter(max_columns)}, the last capopt reads", row)]
            if len(collected) > max_rows:  # the header and max_rows data rows are in
                return None, [InputProblem(source, f"more than {max_rows:,} data rows; capopt reads at most "
                                           f"{max_rows:,} rows per table", row)]
            collected.append((row, values))
        if formulas:
            self._saved_results(title, formulas, collected)
        collected = [(row, values) for row, values in collected if values]
        if not collected:
            return None, [InputProblem(source, "sheet is empty: expected a header row")]
        (header_row, header_values), data = collected[0], collected[1:]
        problems: list[InputProblem] = []
        if _FORMULA in header_values.values():
            problems.append(InputProblem(source, f"a column name is a {_NO_RESULT}", header_row))
        header = [_value_text(header_values.get(k), None) if header_values.get(k) is not _FORMULA else ""
                  for k in range(1, max(header_values) + 1)]
        kinds = [table.column_by_name[h].kind if table and h in table.column_by_name else None for h in header]
        problems += [InputProblem(source, f"column {column_letter(k + 1)} of the header has no name", header_row)
                     for k, h in enumerate(header) if not h]
        body = []
        for row, values in data:
            texts = {}
            for column, value in values.items():
                name = header[column - 1] if column <= len(header) else column_letter(column)
                if value is _FORMULA:
                    problems.append(InputProblem(source, _NO_RESULT, row, name or column_letter(column)))
                    continue
                texts[column] = _value_text(value, kinds[column - 1] if column <= len(kinds) else None)
            extra = [texts[c] for c in sorted(texts) if c > len(header) and texts[c]]
            if extra:
                shown = ", ".join(f"'{t}'" for t in extra)
                problems.append(InputProblem(source, f"{len(extra)} cell{'s' if len(extra) > 1 else ''} beyond the "
                                             f"{len(header)} columns of the header: {shown}", row))
            body.append([texts.get(k + 1, "") for k, h in enumerate(header) if h])
        frame = pd.DataFrame(body, columns=[h for h in header if h], dtype=object)
        return RawTable(table.name if table else title, source, frame, [row for row, _ in data]), problems

    def _saved_results(self, title: str, formulas: dict[tuple[int, int], int],
                       collected: list[tuple[int, dict[int, object]]]) -> None:
        """Put each formula's saved result in its place; a saved "" is a blank cell (the formula stays marked as
        having no result where the file saved none)."""
        for row, cells in sheet_cells(self.results(title)):
            for cell in cells:
                at = formulas.get((row, cell["column"]))
                if at is None:
                    continue
                values = collected[at][1]
                if cell["value"] is not None:
                    values[cell["column"]] = cell["value"]
                elif cell["data_type"] == "str":  # a text result that is empty: the cell shows nothing
                    del values[cell["column"]]
