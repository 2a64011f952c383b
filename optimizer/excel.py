"""Input tables as one Excel workbook: read it like a CSV folder, and write templates and converted cases.

Layout of an input workbook: one sheet per table of MODEL.md, named like the table (`sites`, `miners`,
`fleet`, `contracts`, `periods`, `site_periods`), header in the first non-blank row with the MODEL.md column
names, data below it. Column notes are comments on the header cells, so data starts at row 2. A sheet named
`README` is documentation and is skipped; any other sheet is ignored with a warning.

The reader returns the same `RawTable`s as `readers.read_csv_folder` (text per cell, spreadsheet row numbers,
source `book.xlsx[sheet]`), so `validate.validate_tables` checks both alike. Numbers keep every digit
(repr of the float), booleans become true/false, and dates on the first of a month become `YYYY-MM`.
"""
from __future__ import annotations

import datetime
import math
import re
import textwrap
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .errors import InputProblem
from .horizon import Horizon
from .files import FORMULA_PREFIXES, atomic_file, display_path
from .readers import RawTable
from .schema import TABLE_BY_NAME, TABLES, Column, Table
from .validate import Inputs

README_SHEET = "README"
_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_VALIDATED_ROWS = 1000  # data validations cover the example rows and this many rows below the header at least


# ---------------------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------------
# writing cells safely and exactly
# ---------------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------------
# input workbooks: template, converted case, echo of validated inputs
# ---------------------------------------------------------------------------------------------------------------

def input_number_format(column: str) -> str:
    """Display format of an input number column: thousands separators for USD totals and areas."""
    if column.endswith(("_usd", "_sqft")) or column == "ai_capex_usd_per_mw":
        return "#,##0"
    return "General"


def _input_value(value: object, column: Column | None) -> object:
    """A cell value for an input table: numbers, booleans and text as the schema column expects.

    Text that is not a clean value of its kind stays text, so the validator still reports it.
    """
    value = plain_value(value)
    if not isinstance(value, str) or column is None:
        return value
    text = value.strip()
    if text == "":
        return None
    if column.kind in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            return text
        if not math.isfinite(number):
            return text
        return int(text) if _INTEGER_TEXT.match(text) else number
    if column.kind == "bool" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text  # other spellings (yes, 1, ...) stay text: the validator reads them


def _comment(column: Column, table: Table, horizon: Horizon | None) -> Comment:
    lines = [column.description + "."]
    if column.required:
        lines.append("Required.")
    elif column.default is not None:
        shown = str(column.default).lower() if isinstance(column.default, bool) else f"{column.default:g}"
        lines.append(f"Blank = {shown}.")
    if column.kind == "bool":
        lines.append("true or false.")
    elif column.kind == "period":
        span = f" ({horizon.labels[0]} to {horizon.labels[-1]})" if horizon else ""
        lines.append(f"A period start of the horizon{span}, as text YYYY-MM.")
    elif column.kind == "integer":
        lines.append("Whole number >= 0.")
    elif column.minimum is not None:
        lines.append(f"Number {'>' if column.minimum_exclusive else '>='} {column.minimum:g}"
                     + (f" and <= {column.maximum:g}." if column.maximum is not None else "."))
    if column.references:
        target, key = column.references.split(".")
        lines.append(f"Must name a {key} of sheet '{target}'.")
    if table.key and column.name in table.key:
        lines.append("Key: " + ", ".join(table.key) + " must be unique.")
    comment = Comment("\n".join(lines), "capopt")
    comment.width = 320
    comment.height = 26 * (len(lines) + 2)
    return comment


def _column_range(frames: dict[str, pd.DataFrame], reference: str, last_row: int) -> str | None:
    """`sheet!$A$2:$A$N` for a 'table.column' reference, None if that sheet or column is not written."""
    table, column = reference.split(".")
    frame = frames.get(table)
    if frame is None or column not in frame.columns:
        return None
    letter = get_column_letter(list(frame.columns).index(column) + 1)
    return f"{quote_sheetname(table)}!${letter}$2:${letter}${last_row}"


def _validation(column: Column, table: Table, letter: str, frames: dict[str, pd.DataFrame],
                last_row: int) -> DataValidation | None:
    """The data validation that helps a planner fill this column, None where none helps."""
    rule: DataValidation | None = None
    if column.references:
        source = _column_range(frames, column.references, last_row)
        if source:
            rule = DataValidation("list", formula1=source, errorStyle="warning",
                                  error=f"Not a {column.references.split('.')[1]} of sheet "
                                        f"'{column.references.split('.')[0]}'.")
    elif column.kind == "bool":
        rule = DataValidation("list", formula1='"TRUE,FALSE"', error="Enter TRUE or FALSE.")
    elif column.kind == "period" and table.name != "periods":
        source = _column_range(frames, "periods.period", last_row)
        if source:
            rule = DataValidation("list", formula1=source, errorStyle="warning",
                                  error="Not a period of sheet 'periods' (a period start of the horizon).")
    elif column.kind == "period":
        cell = f"{letter}2"
        rule = DataValidation("custom", formula1=f'OR(AND(ISTEXT({cell}),LEN({cell})=7,MID({cell},5,1)="-"),'
                                                 f"AND(ISNUMBER({cell}),DAY({cell})=1))",
                              error="Enter the period as text YYYY-MM, e.g. 2027-01.")
    elif column.kind == "integer":
        rule = DataValidation("whole", operator="greaterThanOrEqual", formula1="0", error="Enter a whole number >= 0.")
    elif column.kind == "number" and column.minimum is not None:
        low = f"{column.minimum:g}"
        if column.maximum is not None:
            rule = DataValidation("decimal", operator="between", formula1=low, formula2=f"{column.maximum:g}",
                                  error=f"Enter a number from {low} to {column.maximum:g}.")
        elif column.minimum_exclusive:
            rule = DataValidation("decimal", operator="greaterThan", formula1=low, error=f"Enter a number > {low}.")
        else:
            rule = DataValidation("decimal", operator="greaterThanOrEqual", formula1=low,
                                  error=f"Enter a number >= {low}.")
    if rule is not None:
        rule.allow_blank = True
        rule.showErrorMessage = True
        rule.errorTitle = column.name
        rule.add(f"{letter}2:{letter}{last_row}")
    return rule


def _input_sheet(book: Workbook, title: str, table: Table, frame: pd.DataFrame, frames: dict[str, pd.DataFrame],
                 horizon: Horizon | None, *, validations: bool) -> None:
    ws = book.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    last_row = max(_VALIDATED_ROWS, len(frame) + 500)
    for i, name in enumerate(columns, start=1):
        column = table.column_by_name.get(name)
        put(ws, 1, i, name)
        letter = get_column_letter(i)
        if column is None:
            continue
        ws.cell(row=1, column=i).comment = _comment(column, table, horizon)
        if column.kind in ("text", "period"):
            ws.column_dimensions[letter].number_format = "@"  # typed periods stay text, not dates
        else:
            ws.column_dimensions[letter].number_format = input_number_format(name)
        if validations:
            rule = _validation(column, table, letter, frames, last_row)
            if rule is not None:
                ws.add_data_validation(rule)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for i, (name, value) in enumerate(zip(columns, values), start=1):
            column = table.column_by_name.get(name)
            cell_value = _input_value(value, column)
            put(ws, r, i, cell_value, input_number_format(name))
            if isinstance(cell_value, str) and column is not None and column.kind in ("text", "period"):
                ws.cell(row=r, column=i).number_format = "@"
    style_header(ws, columns)
    for i, name in enumerate(columns, start=1):
        column = table.column_by_name.get(name)
        if column is not None and column.required:
            ws.cell(row=1, column=i).fill = _REQUIRED_FILL
    fit_widths(ws, frame)
    print_landscape(ws, fit_height=False)


def add_input_sheets(book: Workbook, frames: dict[str, pd.DataFrame], *, horizon: Horizon | None = None,
                     validations: bool = True, title: str = "{table}") -> None:
    """Append one sheet per input table in `frames` (MODEL.md columns; text or typed values), in schema order.

    `title` names each sheet from its table; data validations (which refer to the sheets by table name)
    are added only when `validations` is set and the sheets carry the table names.
    """
    validations = validations and title == "{table}"
    for table in TABLES:
        if table.name in frames:
            _input_sheet(book, title.format(table=table.name), table, frames[table.name], frames, horizon,
                         validations=validations)


def _readme(book: Workbook, paragraphs: list[str]) -> None:
    """A first sheet of notes, one short line per row (wrapped by hand: row heights do not grow by themselves)."""
    ws = book.create_sheet(README_SHEET, 0)
    ws.column_dimensions["A"].width = 110
    row = 1
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, 100, subsequent_indent="  ") or [""]:
            put(ws, row, 1, line)
            row += 1
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    print_landscape(ws, fit_height=False)


def _readme_lines(model_yaml: str | None, horizon: Horizon | None) -> list[str]:
    lines = [
        "capopt input workbook",
        "One sheet per input table of the planning model. Keep the sheet names and the column names in row 1 "
        "(the units are in the names: _mw = IT MW unless it says facility, _usd = nominal USD, _sqft = square feet).",
        "Hover over a column name to read what it means, its default and its allowed values. Red headers are "
        "required; a blank optional cell takes the default. Data starts in row 2; blank rows are skipped.",
        "Periods are text YYYY-MM (the first month of the period). Money is nominal USD.",
        "Sheets: sites (one row per site), miners (ASIC models), fleet (ASICs installed at the start), contracts "
        "(AI hosting tranches), periods (one row per period: hashprice, capex budget, AI spot market), "
        "site_periods (optional per-site, per-period overrides of grid MW and energy price).",
        "Optional sheets (fleet, contracts, site_periods) may be left empty or deleted. This README sheet is "
        "ignored by capopt; any other extra sheet is ignored with a warning.",
        "Check and solve with:  capopt validate MODEL.yaml   and   capopt solve MODEL.yaml --out plans/NAME "
        "--format xlsx --plots",
    ]
    if horizon is not None:
        lines.append(f"Horizon of this workbook: {horizon.periods} periods of {horizon.months_per_period} month(s) "
                     f"from {horizon.start} ({horizon.labels[0]} to {horizon.labels[-1]}).")
    if model_yaml:
        lines += ["", "The model file that points at this workbook:", *model_yaml.splitlines()]
    return lines


def write_input_workbook(path: Path, frames: dict[str, pd.DataFrame], *, horizon: Horizon | None = None,
                         model_yaml: str | None = None) -> Path:
    """Write input tables as a workbook a planner can fill in: header comments, data validation, README sheet.

    `frames` holds MODEL.md tables (text cells as read from CSV, or typed values); written atomically.
    """
    book = Workbook()
    book.remove(book.active)
    add_input_sheets(book, frames, horizon=horizon)
    _readme(book, _readme_lines(model_yaml, horizon))
    book.active = 0
    return save_workbook(book, path)


def inputs_as_frames(inputs: Inputs, horizon: Horizon) -> dict[str, pd.DataFrame]:
    """Validated inputs back in the MODEL.md layout, defaults applied (blank ai_max_mw = unlimited)."""
    labels = horizon.labels
    sites = inputs.sites.reset_index(drop=True)[[c.name for c in TABLE_BY_NAME["sites"].columns]].astype(object)
    sites["ai_max_mw"] = [None if math.isinf(v) else v for v in inputs.sites["ai_max_mw"]]
    miners = inputs.miners.reset_index(drop=True).copy()
    miners["available_from"] = [labels[t] for t in miners["available_from_t"]]
    site_periods = inputs.site_periods.copy()
    site_periods["period"] = [labels[t] for t in site_periods["period_t"]]
    frames = {
        "sites": sites,
        "miners": miners,
        "fleet": inputs.fleet,
        "contracts": inputs.contracts,
        "periods": inputs.periods,
        "site_periods": site_periods,
    }
    return {name: frame.reset_index(drop=True)[[c.name for c in TABLE_BY_NAME[name].columns]].astype(object)
            for name, frame in frames.items()}
