"""Check raw input tables against the schema and turn them into typed frames.

All problems are collected and reported together, one line each, naming the
file, the spreadsheet row and the column. No model is built from bad input.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, InputProblem
from .horizon import Horizon, parse_month
from .readers.csv_folder import RawTable
from .schema import NUMBER, TABLE_BY_NAME, TABLES, Column, Table, number_text

_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_THOUSANDS = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
_DECIMAL_COMMA = re.compile(r"^-?[0-9]+,[0-9]+$")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass
class Inputs:
    """Validated, typed input tables (defaults applied; period columns as 0-based period indexes).

    sites: indexed by site, in file order. miners: indexed by model. fleet: site, model, installed_mw.
    contracts: one row per tranche, with `tranche` (1-based within its contract), `start_t`, `end_t`.
    periods: one row per horizon period, in order. site_periods: period_t, site, overrides (NaN = keep).
    """

    sites: pd.DataFrame
    miners: pd.DataFrame
    fleet: pd.DataFrame
    contracts: pd.DataFrame
    periods: pd.DataFrame
    site_periods: pd.DataFrame
    warnings: list[InputProblem]


def _parse_cell(text: str, column: Column) -> tuple[object, str | None]:
    """Parse one non-blank cell; return (value, problem or None)."""
    if column.kind == "text":
        return text, None
    if column.kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"expected true or false, found '{text}'"
    if column.kind == "period":
        parsed = parse_month(text)
        if parsed is None:
            return None, f"expected a period label YYYY-MM, found '{text}'"
        return parsed[0] * 12 + parsed[1] - 1, None
    cleaned = text.replace(",", "") if _THOUSANDS.match(text) else text
    if _NOT_FINITE.fullmatch(cleaned):
        return None, f"expected a finite number, found '{text}'"
    if not NUMBER.fullmatch(cleaned):
        hint = f" (decimals take a point: {text.replace(',', '.')})" if _DECIMAL_COMMA.match(text) else ""
        return None, f"expected a number, found '{text}'{hint}"
    value = float(cleaned)
    if not math.isfinite(value):
        return None, f"expected a finite number, found '{text}'"
    whole = column.kind == "integer"
    if whole and value != int(value):
        return None, f"expected a whole number, found '{text}'"
    low, high = column.minimum, column.maximum
    too_low = low is not None and (value < low or (column.minimum_exclusive and value == low))
    if too_low or (high is not None and value > high):
        hint = f" (a fraction: {value:g}% is {value / 100:g})" if high == 1 and 10 <= value <= 100 else ""
        return None, f"expected a {'whole number' if whole else 'number'} {column.allowed_text()}, found '{text}'{hint}"
    return (int(value) if column.kind == "integer" else value), None


class _Checker:
    """Collects problems while typing each table."""

    def __init__(self, horizon: Horizon, contract_end_beyond_horizon: bool):
        self.horizon = horizon
        self.contract_end_beyond_horizon = contract_end_beyond_horizon
        self.problems: list[InputProblem] = []
        start = parse_month(horizon.start)
        self.first_month = start[0] * 12 + start[1] - 1  # type: ignore[index]
        self.step = horizon.months_per_period
        self.last_month = self.first_month + (horizon.periods - 1) * self.step

    def add(self, raw: RawTable, message: str, i: int | None = None, column: str | None = None, *,
            warning: bool = False) -> None:
        row = None if i is None else raw.rows[i]
        self.problems.append(InputProblem(raw.source, message, row, column, warning))

    def period_of(self, month: int) -> int | None:
        offset = month - self.first_month
        if offset < 0 or offset % self.step or offset // self.step >= self.horizon.periods:
            return None
        return offset // self.step

    def horizon_text(self) -> str:
        labels = self.horizon.labels
        kind = "monthly" if self.step == 1 else "quarterly"
        return f"{labels[0]}..{labels[-1]}, {kind}"

    def typed(self, raw: RawTable, table: Table) -> pd.DataFrame:
        """Type every column of `raw` per `table`; blank cells take defaults; bad cells are reported."""
        frame = raw.frame
        for name in frame.columns:
            if name not in table.column_by_name:
                close = difflib.get_close_matches(name.lower(), table.column_by_name, n=1, cutoff=0.75)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.add(raw, f"unknown column '{name}' ignored{hint}", column=name, warning=True)
        dupes = frame.columns[frame.columns.duplicated()]
        for name in dupes.unique():
            self.add(raw, "column appears more than once", column=name)
        out: dict[str, list[object]] = {}
        for column in table.columns:
            if column.name not in frame.columns:
                if column.required:
                    self.add(raw, "required column missing", column=column.name)
                out[column.name] = [column.default] * len(frame)
                continue
            cells = frame.loc[:, column.name]
            if isinstance(cells, pd.DataFrame):
                cells = cells.iloc[:, 0]
            values: list[object] = []
            unusual: list[int] = []
            for i, text in enumerate(cells.tolist()):
                text = "" if text is None else str(text).strip()
                if text == "":
                    if column.required:
                        self.add(raw, "required value missing", i, column.name)
                    values.append(column.default)
                    continue
                value, problem = _parse_cell(text, column)
                if problem:
                    self.add(raw, problem, i, column.name)
                elif column.kind == "period" and not self._period_ok(raw, table, column, i, text, value):
                    value = None
                elif column.typical and value and not column.typical[0] <= value <= column.typical[1]:
                    unusual.append(i)
                values.append(value)
            out[column.name] = values
            if unusual:
                self._warn_scale(raw, column, unusual, values)
        typed = pd.DataFrame(out, index=range(len(frame)))
        if not table.may_be_empty and len(typed) == 0:
            self.add(raw, f"table '{table.name}' has no rows")
        self._check_duplicates(raw, table, typed)
        return typed

    def _warn_scale(self, raw: RawTable, column: Column, rows: list[int], values: list[object]) -> None:
        """One warning for the values of a column outside its usual range, at the first of them."""
        low, high = column.typical  # type: ignore[misc]
        value = values[rows[0]]
        side = "below" if value < low else "above"  # type: ignore[operator]
        more = f" (and {len(rows) - 1} more row{'s' if len(rows) > 2 else ''})" if len(rows) > 1 else ""
        self.add(raw, f"{number_text(value)} is far {side} the usual range {number_text(low)} to {number_text(high)}; "
                      f"check its unit{more}", rows[0], column.name, warning=True)

    def _period_ok(self, raw: RawTable, table: Table, column: Column, i: int, text: str, month: object) -> bool:
        if self.period_of(month) is not None:  # type: ignore[arg-type]
            return True
        beyond = month > self.last_month  # type: ignore[operator]
        if table.name == "contracts" and column.name == "end" and beyond and self.contract_end_beyond_horizon:
            return True
        self.add(raw, f"'{text}' is not a period start of the horizon ({self.horizon_text()})", i, column.name)
        return False

    def _check_duplicates(self, raw: RawTable, table: Table, typed: pd.DataFrame) -> None:
        if not table.key or len(typed) == 0:
            return
        keys = typed.loc[:, list(table.key)]
        valid = keys.notna().all(axis=1)
        seen: dict[tuple, int] = {}
        for i, key in zip(keys.index[valid], keys[valid].itertuples(index=False, name=None)):
            if key in seen:
                shown = ", ".join(f"{c}={_show(c, v)}" for c, v in zip(table.key, key))
                self.add(raw, f"duplicate key {shown} (first at row {raw.rows[seen[key]]})", i, table.key[-1])
            else:
                seen[key] = i

    def check_references(self, raw: RawTable, table: Table, typed: pd.DataFrame,
                         known: dict[str, set | None]) -> None:
        """Report names that are not keys of the table they refer to (skipped when that table is unusable)."""
        for column in table.columns:
            if not column.references or column.name not in typed:
                continue
            names = known.get(column.references)
            if names is None:
                continue
            for i, value in typed[column.name].items():
                if pd.notna(value) and value not in names:
                    target = column.references.split(".")[0]
                    self.add(raw, f"unknown {column.name} '{value}' (not in table '{target}')", i, column.name)


def _table_rank(source: str) -> int:
    """-1 for the model file, then the tables in schema order (`.../sites.csv` or `book.xlsx[sites]`), then others."""
    if source.endswith("]"):
        name = source[source.rfind("[") + 1:-1]
    elif source.endswith(".csv"):
        name = source.replace("\\", "/").rsplit("/", 1)[-1][:-4]
    else:
        return -1
    return next((k for k, t in enumerate(TABLES) if t.name == name), len(TABLES))


def _in_file_order(problems: list[InputProblem]) -> list[InputProblem]:
    """Problems by file (model file first, then tables in schema order), then by row; lines about a whole file
    first, and in the order found within a row."""
    return sorted(problems, key=lambda p: (_table_rank(p.source), p.source, p.row or 0))


def _known_keys(raw: dict[str, RawTable], typed: dict[str, pd.DataFrame], reference: str) -> set | None:
    """Keys of `reference` ("table.column"); None if that table is missing, unreadable or without its key column,
    so that one missing table is reported once, not once per row naming it."""
    name, column = reference.split(".")
    if name not in typed or column not in raw[name].frame.columns:
        return None
    if len(typed[name]) == 0 and not TABLE_BY_NAME[name].may_be_empty:
        return None
    return set(typed[name][column].dropna())


def _show(column: str, value: object) -> str:
    if column == "period" and isinstance(value, (int, np.integer)):
        return f"{value // 12:04d}-{value % 12 + 1:02d}"
    return str(value)


def validate_tables(raw: dict[str, RawTable], horizon: Horizon, *, read_problems: list[InputProblem] | None = None,
                    contract_end_beyond_horizon: bool = False) -> Inputs:
    """Validate every table and return typed `Inputs`; raise `InputError` listing every problem found."""
    checker = _Checker(horizon, contract_end_beyond_horizon)
    checker.problems.extend(read_problems or [])
    typed: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        if table.name not in raw:
            continue
        if len(raw[table.name].frame) > table.max_rows:  # too big to check cell by cell, or to build a model of
            checker.add(raw[table.name], f"table '{table.name}' has {len(raw[table.name].frame):,} rows; capopt takes "
                                         f"at most {table.max_rows:,}", table.max_rows)
            continue
        typed[table.name] = checker.typed(raw[table.name], table)
    references = {c.references for t in TABLES for c in t.columns if c.references}
    known = {reference: _known_keys(raw, typed, reference) for reference in references}
    for name, frame in typed.items():
        checker.check_references(raw[name], TABLE_BY_NAME[name], frame, known)
    if "contracts" in typed:
        _check_contract_windows(checker, raw["contracts"], typed["contracts"])
    if "periods" in typed:
        _check_periods_cover_horizon(checker, raw["periods"], typed["periods"])
    errors = [p for p in checker.problems if not p.warning]
    if errors:
        raise InputError(_in_file_order(checker.problems))
    return _assemble(typed, checker)


def _check_contract_windows(checker: _Checker, raw: RawTable, contracts: pd.DataFrame) -> None:
    for i, (start, end) in enumerate(zip(contracts["start"], contracts["end"])):
        if pd.notna(start) and pd.notna(end) and end < start:
            checker.add(raw, f"end {_show('period', int(end))} is before start "
                             f"{_show('period', int(start))}", i, "end")


def _check_periods_cover_horizon(checker: _Checker, raw: RawTable, periods: pd.DataFrame) -> None:
    present = {checker.period_of(int(m)) for m in periods["period"] if pd.notna(m)}
    missing = [label for t, label in enumerate(checker.horizon.labels) if t not in present]
    if missing and len(periods):
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        checker.add(raw, f"missing period(s) {shown} of the horizon ({checker.horizon_text()})", column="period")


def _period_indexes(months: pd.Series, checker: _Checker) -> np.ndarray:
    return np.array([-1 if pd.isna(m) else checker.period_of(int(m)) for m in months], dtype=int)


def _assemble(typed: dict[str, pd.DataFrame], checker: _Checker) -> Inputs:
    """Apply the defaults that depend on other tables and shape the typed frames for the model."""
    horizon = checker.horizon
    sites = typed["sites"].astype({"ai_lead_time_periods": int}).set_index("site", drop=False)
    # A lead time beyond the horizon is the horizon's length: a build started in it is never ready in it.
    sites["ai_lead_time_periods"] = sites["ai_lead_time_periods"].clip(upper=horizon.periods)
    sites["ai_max_mw"] = sites["ai_max_mw"].astype(float).fillna(np.inf)
    for c in sites.columns.drop(["site", "ai_lead_time_periods"]):
        sites[c] = sites[c].astype(float)

    miners = typed["miners"].set_index("model", drop=False)
    months = miners["available_from"]
    miners["available_from_t"] = [0 if pd.isna(m) else checker.period_of(int(m)) for m in months]
    miners = miners.drop(columns="available_from")
    for c in ("efficiency_j_per_th", "sqft_per_mw", "price_usd_per_th", "uptime"):
        miners[c] = miners[c].astype(float)

    fleet = typed.get("fleet", pd.DataFrame(columns=["site", "model", "installed_mw"]))
    fleet = fleet.astype({"installed_mw": float}).reset_index(drop=True)

    contracts = typed.get("contracts", pd.DataFrame(columns=[c.name for c in TABLE_BY_NAME["contracts"].columns]))
    contracts = contracts.reset_index(drop=True)
    contracts["tranche"] = contracts.groupby("contract", sort=False).cumcount() + 1 if len(contracts) else []
    contracts["start_t"] = _period_indexes(contracts["start"], checker)
    end_months = contracts["end"].astype(float).to_numpy() if len(contracts) else np.zeros(0)
    contracts["end_t"] = np.minimum((end_months - checker.first_month) // checker.step, horizon.periods - 1).astype(int)
    contracts["months_beyond_horizon"] = np.maximum(end_months + 1 - (checker.last_month + checker.step), 0)
    contracts["start"] = [horizon.labels[t] for t in contracts["start_t"]]
    contracts["end"] = [f"{int(m) // 12:04d}-{int(m) % 12 + 1:02d}" for m in end_months]
    for c in ("mw", "price_usd_per_kw_month", "shortfall_penalty_usd_per_kw_month"):
        contracts[c] = contracts[c].astype(float)
    contracts["power_passthrough"] = contracts["power_passthrough"].astype(bool)

    periods = typed["periods"].copy()
    periods["period_t"] = _period_indexes(periods["period"], checker)
    periods = periods.sort_values("period_t").reset_index(drop=True)
    periods["period"] = horizon.labels
    for c in ("hashprice_usd_per_ph_day", "capex_budget_usd", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw"):
        periods[c] = periods[c].astype(float)

    site_periods = typed.get("site_periods", pd.DataFrame(columns=["period", "site", "grid_mw", "energy_price_usd_per_mwh"]))
    site_periods = site_periods.reset_index(drop=True)
    site_periods["period_t"] = _period_indexes(site_periods["period"], checker)
    for c in ("grid_mw", "energy_price_usd_per_mwh"):
        site_periods[c] = site_periods[c].astype(float)

    warnings = _in_file_order([p for p in checker.problems if p.warning])
    return Inputs(sites, miners, fleet, contracts, periods, site_periods, warnings)
