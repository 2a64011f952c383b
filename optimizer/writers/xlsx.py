"""Workbooks written with XlsxWriter, streamed row by row: text never runs as a formula, floats keep every bit,
every sheet prints landscape one page wide, and each file is marked as capopt's (`is_capopt_workbook`).

XlsxWriter is pinned below 3.4: `_ExactWorksheet` replaces its number writer (`%.16G`, 16 digits) with repr (17).
Sheets are written one after the other, rows in order (XlsxWriter's constant-memory mode keeps only the current row),
so a plan of a million cells costs what one row costs in memory.
"""
from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.chart import Chart
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..files import FORMULA_PREFIXES, PNG_SOFTWARE, FileError, read_regular_file
from ..limits import MAX_WORKBOOK_BYTES
from ..readers.workbook import UnreadableWorkbook, open_workbook, workbook_cells

FINGERPRINT_PROPERTY = "capopt_cells_sha256"  # custom document property of every workbook capopt writes
MAX_TEXT = 32_767  # UTF-16 units a cell holds
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 cannot hold
HEADER = {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "bottom": 1}
TITLE = {"bold": True, "font_size": 14}
BOLD = {"bold": True}
_CELL_TYPES = (float, int, str, bool)
BOOLEAN = '"TRUE";"TRUE";"FALSE"'  # booleans shown as TRUE/FALSE everywhere (LibreOffice would show 1/0)


class _ExactWorksheet(Worksheet):
    """XlsxWriter's worksheet writing numbers with repr, so every bit of a float survives (Excel stores 17 digits)."""

    def _xml_number_element(self, number, attributes=()) -> None:  # XlsxWriter's signature
        value = number if type(number) is int else float(number)
        attr = "".join(f' {key}="{item}"' for key, item in attributes)  # a cell reference and a style index
        self.fh.write(f"<c{attr}><v>{value!r}</v></c>")


def plain_value(value: object) -> object:
    """A cell value from pandas/numpy: Python scalars, blank (None) for NaN, None and infinities."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def clean_text(text: str) -> str:
    """Text as a cell holds it: without the control characters XML cannot hold, at most 32,767 UTF-16 units."""
    text = _ILLEGAL.sub("", text)
    if len(text) > MAX_TEXT // 2 and len(text.encode("utf-16-le")) > 2 * MAX_TEXT:
        text = text.encode("utf-16-le")[: 2 * MAX_TEXT].decode("utf-16-le", "ignore")
    return text


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def column_values(values: pd.Series) -> list[object]:
    """A column as plain cell values (None for blanks), converted in bulk."""
    if pd.api.types.is_float_dtype(values) and not pd.api.types.is_extension_array_dtype(values):
        array = values.to_numpy(float)
        return [None if not math.isfinite(v) else v for v in array.tolist()]
    if pd.api.types.is_integer_dtype(values) and not pd.api.types.is_extension_array_dtype(values):
        return values.to_numpy().tolist()
    return [plain_value(v) for v in values.tolist()]


class Sheet:
    """One worksheet being written: cells row by row (a row once left cannot be written again), each cell's value
    added to the workbook's fingerprint."""

    def __init__(self, book: Book, worksheet: Worksheet):
        self.book = book
        self.ws = worksheet
        self.title = worksheet.name
        self._prefix = f"{self.title}\0"

    def row(self, r: int, values: Sequence[object], formats: Sequence[Format | None] | Format | None = None) -> None:
        """Write `values` into row `r` (0-based) from column A; None and non-finite numbers stay blank.

        Text is always stored as text, and text a spreadsheet could run (=, +, - or @ first) is quote-prefixed so
        that editing the cell keeps it text. `formats`: one per value, or one for all (numbers and text)."""
        ws, book = self.ws, self.book
        parts = []
        head = f"{self._prefix}{r + 1}\0"
        for c, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind not in _CELL_TYPES:  # numpy scalars, pandas blanks
                value = plain_value(value)
                kind = type(value)
                if value is None:
                    continue
                if kind not in _CELL_TYPES:
                    raise TypeError(f"{self.title}: cannot write a {kind.__name__} to a cell")
            fmt = formats[c] if isinstance(formats, (list, tuple)) else formats
            if kind is float or kind is int:
                number = cast(float, value)
                if kind is float and not math.isfinite(number):
                    continue
                ws._write_number(r, c, number, fmt)
                parts.append(f"{head}{c + 1}\0n{float(number)!r}\n")
            elif kind is str:
                text, formula_like = book.text(cast(str, value))
                if formula_like:  # stored as text; the quote keeps it text when edited
                    fmt = book.quoted(fmt)
                if text:
                    ws._write_string(r, c, text, fmt)
                    parts.append(f"{head}{c + 1}\0s{text}\n")
            else:
                ws._write_boolean(r, c, value, fmt or book.format(num_format=BOOLEAN, align="center"))
                parts.append(f"{head}{c + 1}\0b{value}\n")
        if parts:
            book.digest("".join(parts))

    def table(self, frame: pd.DataFrame, number_formats: Sequence[str], *, freeze: tuple[int, int] = (1, 0)) -> None:
        """The frame as a table: a styled header in row 1 with the column names, wrapped in a row tall enough, one
        row per record with its number format per column (text indented), an autofilter, frozen panes (`freeze`: the
        first unfrozen row and column, 0-based) and column widths."""
        columns = [str(c) for c in frame.columns]
        sizes = column_widths(frame, number_formats)
        for i, width in enumerate(sizes):
            self.ws.set_column(i, i, width)
        self.ws.set_row(0, 15 * min(header_lines(columns, sizes), 4))
        self.row(0, columns, self.book.format(**HEADER, text_wrap=True))
        formats = [self.book.format(num_format=f) if f != "General" else
                   self.book.format(indent=1) if _is_text(frame.iloc[:, i]) else None  # apart from numbers before it
                   for i, f in enumerate(number_formats)]
        cells = [column_values(frame[c]) for c in frame.columns]
        for r, values in enumerate(zip(*cells), start=1):
            self.row(r, values, formats)
        if columns:
            self.ws.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
        self.ws.freeze_panes(*freeze)

    def widths(self, widths: Mapping[int, float]) -> None:
        """Column widths in characters, by 0-based column."""
        for column, width in widths.items():
            self.ws.set_column(column, column, width)


def _shown(value: float, number_format: str) -> str:
    """A number as a spreadsheet shows it in `number_format` (the formats capopt uses), to size its column."""
    if number_format == "0.0%":
        return f"{value * 100:.1f}%"
    decimals = number_format.split(".")[1].count("0") if "." in number_format else 0
    if number_format in ("General", "@"):
        return f"{value:.10g}"
    return f"{value:{',' if '#,##0' in number_format else ''}.{decimals}f}"


def column_widths(frame: pd.DataFrame, number_formats: Sequence[str] | None = None, *, minimum: int = 8,
                  maximum: int = 45) -> list[int]:
    """Column widths in characters: the widest value as shown (numbers in their format, text up to 2,000 rows), and
    the header over at most three lines (`header_lines`) with room for the autofilter button."""
    widths = []
    for i, name in enumerate(frame.columns):
        values = frame.iloc[:, i]
        if pd.api.types.is_bool_dtype(values):
            width = 6
        elif not _is_text(values):
            fmt = number_formats[i] if number_formats else "General"
            finite = values.to_numpy(float)[np.isfinite(values.to_numpy(float))]
            width = max((len(_shown(v, fmt)) for v in (finite.min(), finite.max())), default=0) + 2 if len(finite) \
                else 0
        else:  # text, or cells of any kind (input tables as read)
            fmt = number_formats[i] if number_formats else "General"
            width = max((len(v) + 3 if isinstance(v, str) else len(_shown(float(v), fmt)) + 2
                         for v in values.head(2000) if isinstance(v, str) or plain_value(v) is not None), default=0)
        header = len(str(name))
        lines = math.ceil(header / max(max(width, min(header + 3, 20)) - 3, 1))  # a header over at most ~20 chars
        width = max(width, math.ceil(header / lines) + 3)  # its lines of even length, no short last fragment
        widths.append(min(max(width, minimum), maximum))
    return widths


def header_lines(columns: Sequence[str], widths: Sequence[int]) -> int:
    """Lines the widest-wrapping header needs in its column (the autofilter button takes three characters)."""
    return max((math.ceil(len(name) / max(width - 3, 1)) for name, width in zip(columns, widths)), default=1)


def print_setup(ws: Worksheet, *, repeat_header: int | None = 0) -> None:
    """Landscape, one page wide and as many tall as needed, row `repeat_header` (0-based; None: none) repeated on
    every page, the sheet's name and page numbers in the footer."""
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if repeat_header is not None:
        ws.repeat_rows(repeat_header)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&L&A&RPage &P of &N")


class Book:
    """An .xlsx file being written (XlsxWriter, constant memory). Sheets are written in their order; `close` marks
    the file as capopt's (creator, and a fingerprint of its cell values) and writes it."""

    def __init__(self, path: Path):
        self._book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False})
        self._formats: dict[tuple, Format] = {}
        self._quoted: dict[int, Format] = {}
        self._digest = hashlib.sha256()
        self._sheets: list[Sheet] = []
        self._texts: dict[str, tuple[str, bool]] = {}

    def digest(self, text: str) -> None:
        """Add cell lines to the fingerprint (in sheet, row and column order, as `is_capopt_workbook` reads them)."""
        self._digest.update(text.encode("utf-8", "surrogatepass"))

    def text(self, value: str) -> tuple[str, bool]:
        """`clean_text(value)` and whether a spreadsheet could run it as a formula (remembered: names repeat)."""
        known = self._texts.get(value)
        if known is None:
            text = clean_text(value)
            known = self._texts[value] = (text, text.startswith(FORMULA_PREFIXES))
        return known

    def format(self, **properties: object) -> Format:
        """A cell format (XlsxWriter properties), one object per distinct set of properties."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self._book.add_format(dict(properties))
        return self._formats[key]

    def quoted(self, fmt: Format | None) -> Format:
        """`fmt` with the quote prefix: text that looks like a formula stays text when edited."""
        key = id(fmt)
        if key not in self._quoted:
            properties = dict(next((k for k, v in self._formats.items() if v is fmt), ()))
            self._quoted[key] = self.format(**properties, quote_prefix=True)
        return self._quoted[key]

    def sheet(self, title: str) -> Sheet:
        """A new worksheet after the others; the ones before it can no longer be written."""
        sheet = Sheet(self, self._book.add_worksheet(title, worksheet_class=_ExactWorksheet))
        self._sheets.append(sheet)
        return sheet

    def chart(self, options: Mapping[str, object]) -> Chart:
        """A native chart (XlsxWriter `add_chart` options), to insert into a sheet."""
        return self._book.add_chart(dict(options))

    def close(self) -> None:
        """Write the file. A failed write raises the `OSError` behind it (disk full, no permission)."""
        self._book.set_properties({"creator": PNG_SOFTWARE})
        self._book.set_custom_property(FINGERPRINT_PROPERTY, self._digest.hexdigest())
        if self._sheets:
            self._sheets[0].ws.activate()
        try:
            self._book.close()
        except FileCreateError as exc:
            cause = exc.args[0] if exc.args else exc
            raise cause if isinstance(cause, OSError) else OSError(str(cause)) from None

    def discard(self) -> None:
        """Give up the file: remove the sheets' temporary files."""
        for sheet in self._sheets:
            handle = getattr(sheet.ws, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
            name = getattr(sheet.ws, "row_data_filename", None)
            if name:
                Path(name).unlink(missing_ok=True)
        self._book.fileclosed = True  # nothing left for XlsxWriter's destructor to warn about


@contextmanager
def writing_book(path: Path) -> Iterator[Book]:
    """A `Book` writing `path`, a staging path the caller renames into place (`files.atomic_file`, or an output
    folder's staging): on any error the partial file and the temporary files are removed."""
    book = Book(Path(path))
    try:
        yield book
        book.close()
    except BaseException:
        book.discard()
        Path(path).unlink(missing_ok=True)
        raise


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
