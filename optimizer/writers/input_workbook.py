"""Input tables written as one Excel workbook: a fill-in template with example rows, an existing case converted to
one, and the validated inputs echoed in plan.xlsx (reading them is `readers/workbook.py`).

`template` and `convert` write the workbook and, beside it, a model file (`<workbook stem>.yaml`) that points at
it, unless that model file already exists (it is never overwritten).
"""
from __future__ import annotations

import math
import os
import re
import textwrap
from pathlib import Path

import pandas as pd
import yaml
from xlsxwriter.utility import xl_col_to_name

from ..case import read_model_file
from ..errors import InputError
from ..files import OutputError, atomic_file, check_replaceable
from ..horizon import Horizon
from ..readers.workbook import README_SHEET
from ..schema import TABLE_BY_NAME, TABLES, Column, Table
from ..validate import Inputs
from .xlsx import (
    BOOLEAN,
    HEADER,
    TITLE,
    Book,
    Sheet,
    column_widths,
    header_lines,
    is_capopt_workbook,
    plain_value,
    print_setup,
    writing_book,
)

_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_REQUIRED_FILL = "#F8CBAD"
_VALIDATED_ROWS = 1000  # data validations cover the example rows and this many rows below the header at least
_TITLE_CHARS = 32  # Excel's limit for a data validation's error title


def input_number_format(column: Column | None) -> str:
    """Display format of an input column, one rule for all: text and periods as text (@); numbers whose usual values
    are at least 100 (USD totals and per MW, sqft, BTC price) with thousands separators and no decimals; other
    numbers (MW, prices per unit, PUE, shares) as typed."""
    if column is None:
        return "General"
    if column.kind in ("text", "period"):
        return "@"
    if column.kind in ("number", "integer") and column.typical is not None and column.typical[0] >= 100:
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


def _comment(column: Column, table: Table, horizon: Horizon | None) -> tuple[str, dict]:
    """The note on a header cell (what the column means, its default and allowed values) and its size."""
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
    elif column.kind in ("integer", "number"):
        lines.append(f"{'Whole number' if column.kind == 'integer' else 'Number'} {column.allowed_text()}.")
    if column.references:
        target, key = column.references.split(".")
        lines.append(f"Must name a {key} of sheet '{target}'.")
    if table.key and column.name in table.key:
        lines.append("Key: " + ", ".join(table.key) + " must be unique.")
    return "\n".join(lines), {"author": "capopt", "width": 320, "height": 26 * (len(lines) + 2)}


def _column_range(frames: dict[str, pd.DataFrame], reference: str, last_row: int) -> str | None:
    """`sheet!$A$2:$A$N` for a 'table.column' reference, None if that sheet or column is not written."""
    table, column = reference.split(".")
    frame = frames.get(table)
    if frame is None or column not in frame.columns:
        return None
    letter = xl_col_to_name(list(frame.columns).index(column))
    quoted = "'" + table.replace("'", "''") + "'"
    return f"{quoted}!${letter}$2:${letter}${last_row}"


def _formula_number(value: float) -> str:
    """A number as a formula in a data validation: every digit written out (1000000, not 1e+06)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _validation(column: Column, table: Table, letter: str, frames: dict[str, pd.DataFrame],
                last_row: int) -> dict | None:
    """The data validation (XlsxWriter options) that helps a planner fill this column, None where none helps."""
    rule: dict | None = None
    if column.references:
        source = _column_range(frames, column.references, last_row)
        if source:
            rule = {"validate": "list", "source": f"={source}", "error_type": "warning",
                    "error_message": f"Not a {column.references.split('.')[1]} of sheet "
                                     f"'{column.references.split('.')[0]}'."}
    elif column.kind == "bool":
        rule = {"validate": "list", "source": ["TRUE", "FALSE"], "error_message": "Enter TRUE or FALSE."}
    elif column.kind == "period" and table.name != "periods":
        source = _column_range(frames, "periods.period", last_row)
        if source:
            rule = {"validate": "list", "source": f"={source}", "error_type": "warning",
                    "error_message": "Not a period of sheet 'periods' (a period start of the horizon)."}
    elif column.kind == "period":
        cell = f"{letter}2"
        rule = {"validate": "custom", "value": f'=OR(AND(ISTEXT({cell}),LEN({cell})=7,MID({cell},5,1)="-"),'
                                               f"AND(ISNUMBER({cell}),DAY({cell})=1))",
                "error_message": "Enter the period as text YYYY-MM, e.g. 2027-01."}
    elif column.kind in ("integer", "number") and column.maximum is not None:  # every one has a range (schema.py)
        whole = column.kind == "integer"
        rule = {"validate": "integer" if whole else "decimal", "criteria": "between",
                "minimum": _formula_number(column.minimum or 0), "maximum": _formula_number(column.maximum),
                "error_message": f"Enter a {'whole number' if whole else 'number'} {column.allowed_text()}."}
    if rule is not None:
        rule.update(ignore_blank=True, show_error=True, error_title=column.name[:_TITLE_CHARS])
    return rule


def _input_sheet(book: Book, title: str, table: Table, frame: pd.DataFrame, frames: dict[str, pd.DataFrame],
                 horizon: Horizon | None, *, validations: bool) -> None:
    sheet = book.sheet(title)
    ws = sheet.ws
    names = [str(c) for c in frame.columns]
    columns = [table.column_by_name.get(name) for name in names]
    last_row = max(_VALIDATED_ROWS, len(frame) + 500)
    header = book.format(**HEADER, text_wrap=True)
    required = book.format(**{**HEADER, "bg_color": _REQUIRED_FILL}, text_wrap=True)
    formats = [input_number_format(c) for c in columns]
    widths = column_widths(frame, formats)
    ws.set_row(0, 15 * min(header_lines(names, widths), 4))
    sheet.row(0, names, [required if c is not None and c.required else header for c in columns])
    cell_formats = [book.format(num_format=f, indent=1) if f == "@" else book.format(num_format=f)
                    if f != "General" else book.format(num_format=BOOLEAN, align="center")
                    if c is not None and c.kind == "bool" else None for f, c in zip(formats, columns)]
    for i, (column, width) in enumerate(zip(columns, widths)):
        ws.set_column(i, i, width, cell_formats[i])  # typed periods stay text, not dates; numbers as the rule says
        if column is None:
            continue
        text, options = _comment(column, table, horizon)
        ws.write_comment(0, i, text, options)
        rule = _validation(column, table, xl_col_to_name(i), frames, last_row) if validations else None
        if rule is not None:
            ws.data_validation(1, i, last_row - 1, i, rule)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        sheet.row(r, [_input_value(v, c) for v, c in zip(values, columns)], cell_formats)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(names) - 1, 0))
    ws.freeze_panes(1, 0)
    print_setup(ws)


def add_input_sheets(book: Book, frames: dict[str, pd.DataFrame], *, horizon: Horizon | None = None,
                     validations: bool = True, title: str = "{table}") -> None:
    """Append one sheet per input table in `frames` (columns of docs/formulation.md; text or typed values), in
    schema order.

    `title` names each sheet from its table; data validations (which refer to the sheets by table name)
    are added only when `validations` is set and the sheets carry the table names.
    """
    validations = validations and title == "{table}"
    for table in TABLES:
        if table.name in frames:
            _input_sheet(book, title.format(table=table.name), table, frames[table.name], frames, horizon,
                         validations=validations)


def _readme(book: Book, paragraphs: list[str]) -> Sheet:
    """A first sheet of notes, one short line per row (wrapped by hand: row heights do not grow by themselves)."""
    sheet = book.sheet(README_SHEET)
    lines = [line for paragraph in paragraphs for line in textwrap.wrap(paragraph, 100, subsequent_indent="  ") or [""]]
    for row, line in enumerate(lines):
        sheet.row(row, [line or None], book.format(**TITLE) if row == 0 else None)
    sheet.widths({0: 110})
    print_setup(sheet.ws, repeat_header=None)
    return sheet


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

    `frames` holds docs/formulation.md tables (text cells as read from CSV, or typed values); written atomically.
    """
    with atomic_file(Path(path)) as staging, writing_book(staging) as book:
        _readme(book, _readme_lines(model_yaml, horizon))
        add_input_sheets(book, frames, horizon=horizon)
    return Path(path)


def inputs_as_frames(inputs: Inputs, horizon: Horizon) -> dict[str, pd.DataFrame]:
    """Validated inputs back in the docs/formulation.md layout, defaults applied (blank ai_max_mw = unlimited)."""
    labels = horizon.labels
    sites = inputs.sites.reset_index(drop=True)[[c.name for c in TABLE_BY_NAME["sites"].columns]].astype(object)
    sites["ai_max_mw"] = [None if math.isinf(v) else v for v in inputs.sites["ai_max_mw"]]
    miners = inputs.miners.reset_index(drop=True).copy()
    miners["available_from"] = [labels[t] for t in miners["available_from_t"]]
    site_periods = inputs.site_periods.copy()
    site_periods["period"] = [labels[t] for t in site_periods["period_t"]]
    scenario_periods = inputs.scenario_periods.copy()
    scenario_periods["period"] = [labels[t] for t in scenario_periods["period_t"]]
    frames = {
        "sites": sites,
        "miners": miners,
        "fleet": inputs.fleet,
        "contracts": inputs.contracts,
        "periods": inputs.periods,
        "site_periods": site_periods,
        "scenarios": inputs.scenarios,
        "scenario_periods": scenario_periods,
    }
    return {name: frame.reset_index(drop=True)[[c.name for c in TABLE_BY_NAME[name].columns]].astype(object)
            for name, frame in frames.items()}


def example_tables(horizon: Horizon) -> dict[str, pd.DataFrame]:
    """A small two-site portfolio over `horizon` that solves: it shows a planner what each sheet holds.

    North NY has an AI hall leased to a tenant and more load than grid (power binds); hashprice falls 2.5% a
    month, so mining shrinks and, over two years or more, AI revenue overtakes mining.
    """
    labels = horizon.labels
    months = horizon.months_per_period
    lead = min(6 // months, horizon.periods - 1)  # about six months to build an AI hall
    sites = pd.DataFrame([
        {"site": "north_ny", "grid_mw": 100, "floor_sqft": 400_000, "energy_price_usd_per_mwh": 45,
         "mining_pue": 1.05, "mining_opex_usd_per_mw_month": 4000, "ai_pue": 1.3, "ai_sqft_per_mw": 5000,
         "ai_capex_usd_per_mw": 9_000_000, "ai_lead_time_periods": lead, "ai_max_mw": 60, "ai_installed_mw": 40,
         "ai_opex_usd_per_mw_month": 20_000},
        {"site": "west_tx", "grid_mw": 120, "floor_sqft": 300_000, "energy_price_usd_per_mwh": 38,
         "mining_pue": 1.05, "mining_opex_usd_per_mw_month": 4000, "ai_pue": 1.3, "ai_sqft_per_mw": 5000,
         "ai_capex_usd_per_mw": 9_500_000, "ai_lead_time_periods": lead, "ai_max_mw": None,
         "ai_installed_mw": 0, "ai_opex_usd_per_mw_month": 20_000},
    ])
    miners = pd.DataFrame([
        {"model": "S19_XP", "efficiency_j_per_th": 21.5, "sqft_per_mw": 1000, "price_usd_per_th": None,
         "uptime": 0.97, "available_from": None},
        {"model": "S21_Pro", "efficiency_j_per_th": 15, "sqft_per_mw": 1000, "price_usd_per_th": 18.9,
         "uptime": 0.97, "available_from": labels[0]},
    ])
    fleet = pd.DataFrame([
        {"site": "north_ny", "model": "S19_XP", "installed_mw": 55},
        {"site": "west_tx", "model": "S19_XP", "installed_mw": 70},
    ])
    contracts = pd.DataFrame([
        {"contract": "tenant_a", "site": "north_ny", "start": labels[0], "end": labels[-1], "mw": 40,
         "price_usd_per_kw_month": 130, "shortfall_penalty_usd_per_kw_month": None, "power_passthrough": False},
    ])
    periods = pd.DataFrame({
        "period": labels,
        "hashprice_usd_per_ph_day": [round(48 * 0.975 ** (t * months), 2) for t in range(horizon.periods)],
        "capex_budget_usd": [100_000_000] + [10_000_000 * months] * (horizon.periods - 1),
        "ai_spot_price_usd_per_kw_month": 110,
        "ai_spot_max_mw": 10,
    })
    site_periods = pd.DataFrame([
        {"period": labels[min(lead, horizon.periods - 1)], "site": "west_tx", "grid_mw": 100,
         "energy_price_usd_per_mwh": 60},
    ])
    return {"sites": sites, "miners": miners, "fleet": fleet, "contracts": contracts, "periods": periods,
            "site_periods": site_periods}


def _model_yaml(settings: dict, header: str) -> str:
    return header + yaml.safe_dump(settings, sort_keys=False)


def _write_new_model_file(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically unless `path` exists; True if written."""
    if path.exists():
        return False
    with atomic_file(path) as staging:
        staging.write_text(text, encoding="utf-8")
    return True


def template_tables(horizon: Horizon) -> dict[str, pd.DataFrame]:
    """Every input table with every column of the schema: the example's rows, blank optional columns (whole halls,
    lots, optional contracts, fundamentals) and empty scenario tables, so a planner sees all there is to fill in."""
    example = example_tables(horizon)
    return {table.name: example.get(table.name, pd.DataFrame()).reindex(columns=[c.name for c in table.columns])
            for table in TABLES}


def write_template(path: Path, horizon: Horizon, *, force: bool = False) -> tuple[Path, Path | None]:
    """Write a fill-in input workbook with example rows, and its model file if none exists yet.

    Returns the workbook path and the model file path (None when an existing model file was kept). An existing
    workbook is replaced only with `force` and only if capopt wrote it and nobody changed its cells since;
    `OutputError` otherwise.
    """
    path = Path(path)
    check_replaceable(path, is_capopt_workbook, force=force)
    model_path = path.with_suffix(".yaml")
    settings = {"name": path.stem, "inputs": path.name, "start": horizon.start, "periods": horizon.periods,
                "months_per_period": horizon.months_per_period, "discount_rate": horizon.discount_rate}
    text = _model_yaml(settings, f"# capopt model file for {path.name} (written by capopt template)\n")
    write_input_workbook(path, template_tables(horizon), horizon=horizon, model_yaml=text)
    return path, model_path if _write_new_model_file(model_path, text) else None


def convert_case(model_file: Path, path: Path, *, force: bool = False) -> tuple[Path, Path | None]:
    """Write the input tables of `model_file` (CSV folder or workbook) as one workbook, cell text unchanged,
    and a model file for it (same settings, `inputs` = the workbook) if none exists yet.

    Raises `InputError` if the model file or its tables cannot be read (cell values are not validated here), and
    `OutputError` if `path` is the case's own input workbook or a file capopt may not replace (see
    `write_template`).
    """
    model_file, path = Path(model_file), Path(path)
    data, horizon, _options, _solver, raw, problems = read_model_file(model_file)
    if any(not p.warning for p in problems):
        raise InputError(problems)
    inputs = model_file.parent / str(data["inputs"])
    if path.exists() and inputs.exists() and os.path.samefile(path, inputs):
        raise OutputError(f"{path} is the input workbook of {model_file}; convert writes a new workbook: choose "
                          "another name")
    check_replaceable(path, is_capopt_workbook, force=force)
    model_path = path.with_suffix(".yaml")
    settings = dict(data)
    settings["inputs"] = os.path.relpath(path.resolve(), model_path.parent.resolve())
    text = _model_yaml(settings, f"# capopt model file for {path.name} (converted from {model_file} by capopt "
                                 "convert)\n")
    write_input_workbook(path, {name: table.frame for name, table in raw.items()}, horizon=horizon, model_yaml=text)
    return path, model_path if _write_new_model_file(model_path, text) else None
