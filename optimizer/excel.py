"""Input tables as one Excel workbook: write templates and converted cases (reading is in readers/workbook.py)."""
from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .files import FORMULA_PREFIXES, atomic_file
from .horizon import Horizon
from .readers.workbook import README_SHEET
from .schema import TABLE_BY_NAME, TABLES, Column, Table
from .validate import Inputs

_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_VALIDATED_ROWS = 1000  # data validations cover the example rows and this many rows below the header at least


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
