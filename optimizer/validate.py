"""Check raw input tables against the schema and turn them into typed frames.

All problems are collected and reported together, one line each, naming the
file, the spreadsheet row and the column. No model is built from bad input.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError, InputProblem
from .fundamentals import DEFAULT_HALVING_MONTHS, derive_hashprice, period_subsidy_btc_per_block
from .horizon import Horizon, parse_month
from .readers.csv_folder import RawTable
from .schema import NUMBER, TABLE_BY_NAME, TABLES, Column, Table, number_text

_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_THOUSANDS = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
_DECIMAL_COMMA = re.compile(r"^-?[0-9]+,[0-9]+$")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


SCENARIO_QUANTITIES = ("hashprice_usd_per_ph_day", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw",
                        "energy_price_factor")
FUNDAMENTALS = ("btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block")


@dataclass
class PeriodValues:
    """The period quantities a scenario changes, [T] each: hashprice (USD/PH/day, after extension B), spot AI price
    (USD/kW-month), spot AI MW and the factor on every site's energy price."""

    hashprice_usd_per_ph_day: np.ndarray
    ai_spot_price_usd_per_kw_month: np.ndarray
    ai_spot_max_mw: np.ndarray
    energy_price_factor: np.ndarray
    hashprice_derived: np.ndarray  # [T] True where derived from the fundamentals (extension B)


@dataclass
class ScenarioValues:
    """Every scenario's period quantities, [W, T] each, resolved by extension C's rules, with probabilities [W]."""

    names: list[str]
    probability: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    hashprice_derived: np.ndarray
    ai_spot_price_usd_per_kw_month: np.ndarray
    ai_spot_max_mw: np.ndarray
    energy_price_factor: np.ndarray

    def row(self, w: int) -> PeriodValues:
        """Scenario w's quantities."""
        return PeriodValues(self.hashprice_usd_per_ph_day[w], self.ai_spot_price_usd_per_kw_month[w],
                            self.ai_spot_max_mw[w], self.energy_price_factor[w], self.hashprice_derived[w])

    def mean(self) -> PeriodValues:
        """The probability-weighted mean of every quantity (the mean-value scenario of extension C)."""
        p = self.probability
        return PeriodValues(p @ self.hashprice_usd_per_ph_day, p @ self.ai_spot_price_usd_per_kw_month,
                            p @ self.ai_spot_max_mw, p @ self.energy_price_factor,
                            np.asarray(self.hashprice_derived.any(axis=0)))


@dataclass
class Inputs:
    """Validated, typed input tables (defaults applied; period columns as 0-based period indexes).

    sites: indexed by site, in file order. miners: indexed by model. fleet: site, model, installed_mw.
    contracts: one row per tranche, with `tranche` (1-based within its contract), `start_t`, `end_t`.
    periods: one row per horizon period, in order, with the hashprice used (given, or derived from the fundamentals:
    `hashprice_derived`). site_periods: period_t, site, overrides (NaN = keep). scenarios: scenario, probability
    (empty = no scenarios), their period quantities resolved in `scenario_values`. `halving_months`: month numbers
    at whose start the block subsidy halves.
    """

    sites: pd.DataFrame
    miners: pd.DataFrame
    fleet: pd.DataFrame
    contracts: pd.DataFrame
    periods: pd.DataFrame
    site_periods: pd.DataFrame
    warnings: list[InputProblem]
    scenarios: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["scenario", "probability"]))
    scenario_periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario_values: ScenarioValues | None = None
    halving_months: tuple[int, ...] = ()

    def period_values(self) -> PeriodValues:
        """The periods table's scenario-dependent quantities (energy price factor 1)."""
        p = self.periods
        return PeriodValues(p["hashprice_usd_per_ph_day"].to_numpy(float),
                            p["ai_spot_price_usd_per_kw_month"].to_numpy(float), p["ai_spot_max_mw"].to_numpy(float),
                            np.ones(len(p)), p["hashprice_derived"].to_numpy(bool))


def _parse_cell(text: str, column: Column) -> tuple[object, str | None]:
    """Parse one non-blank cell; return (value, problem or None)."""
    if column.kind == "text":
        return text, None
    if column.kind == "bool":
        word = text.lower()
        if word in _TRUE:
            return True, None
        if word in _FALSE:
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

    def __init__(self, horizon: Horizon, contract_end_beyond_horizon: bool, halving_months: tuple[int, ...] = ()):
        self.horizon = horizon
        self.halving_months = halving_months
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
                elif column.typical and isinstance(value, (int, float)) and value and \
                        not column.typical[0] <= value <= column.typical[1]:
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
        value = float(values[rows[0]])  # type: ignore[arg-type]  # a number column's parsed value
        side = "below" if value < low else "above"
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


def default_halving_months() -> tuple[int, ...]:
    """Month numbers of the default halving months (docs/formulation.md, extension B)."""
    return tuple(year * 12 + month - 1 for year, month in map(parse_month, DEFAULT_HALVING_MONTHS))  # type: ignore[misc]


def validate_tables(raw: dict[str, RawTable], horizon: Horizon, *, read_problems: list[InputProblem] | None = None,
                    contract_end_beyond_horizon: bool = False,
                    halving_months: tuple[int, ...] | None = None) -> Inputs:
    """Validate every table and return typed `Inputs`; raise `InputError` listing every problem found.

    `halving_months`: month numbers at whose start the subsidy halves (default: the formulation's list).
    """
    halving = default_halving_months() if halving_months is None else tuple(halving_months)
    checker = _Checker(horizon, contract_end_beyond_horizon, halving)
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
        _check_optional_agrees(checker, raw["contracts"], typed["contracts"])
    if "sites" in typed:
        _check_blocks_fit(checker, raw["sites"], typed["sites"])
    if "periods" in typed:
        _check_periods_cover_horizon(checker, raw["periods"], typed["periods"])
        _check_hashprice_derivable(checker, raw["periods"], typed["periods"])
    if "scenarios" in typed:
        _check_probabilities(checker, raw["scenarios"], typed["scenarios"])
    if any(not p.warning for p in checker.problems):
        raise InputError(_in_file_order(checker.problems))
    inputs = _assemble(typed, checker, raw)
    if any(not p.warning for p in checker.problems):  # scenario rows whose hashprice cannot be derived
        raise InputError(_in_file_order(checker.problems))
    return inputs


def _check_contract_windows(checker: _Checker, raw: RawTable, contracts: pd.DataFrame) -> None:
    for i, (start, end) in enumerate(zip(contracts["start"], contracts["end"])):
        if pd.notna(start) and pd.notna(end) and end < start:
            checker.add(raw, f"end {_show('period', int(end))} is before start "
                             f"{_show('period', int(start))}", i, "end")


def _check_optional_agrees(checker: _Checker, raw: RawTable, contracts: pd.DataFrame) -> None:
    """Rows of one contract must agree on `optional` (a contract is signed whole or not at all)."""
    first: dict[str, tuple[int, bool]] = {}
    for i, (name, optional) in enumerate(zip(contracts["contract"], contracts["optional"])):
        if pd.isna(name) or optional is None:
            continue
        if name not in first:
            first[name] = (i, bool(optional))
        elif bool(optional) != first[name][1]:
            checker.add(raw, f"optional is {str(bool(optional)).lower()} here but {str(first[name][1]).lower()} at "
                             f"row {raw.rows[first[name][0]]} of the same contract '{name}': a contract is signed "
                             "whole, so all its rows must agree", i, "optional")


def _check_blocks_fit(checker: _Checker, raw: RawTable, sites: pd.DataFrame) -> None:
    """A hall may not be larger than the site's AI ceiling."""
    for i, (block, ceiling) in enumerate(zip(sites["ai_block_mw"], sites["ai_max_mw"])):
        if block is not None and ceiling is not None and pd.notna(block) and pd.notna(ceiling) and block > ceiling:
            checker.add(raw, f"a hall of {number_text(block)} MW is larger than the site's ai_max_mw of "
                             f"{number_text(ceiling)} MW, so no hall could ever be built", i, "ai_block_mw")


def _blank_cells(raw: RawTable, column: str) -> np.ndarray:
    """True where the raw cell of `column` is blank (or the column is absent), per row."""
    if column not in raw.frame.columns:
        return np.ones(len(raw.frame), bool)
    cells = raw.frame.loc[:, column]
    if isinstance(cells, pd.DataFrame):
        cells = cells.iloc[:, 0]
    return np.array([str(c if c is not None else "").strip() == "" for c in cells], dtype=bool)


def _check_hashprice_derivable(checker: _Checker, raw: RawTable, periods: pd.DataFrame) -> None:
    """Each row gives a hashprice, or the bitcoin price and network hashrate it is derived from (with a subsidy on
    the schedule or given). Rows whose cells are invalid are reported for those cells only."""
    months = periods["period"].astype(float).to_numpy()
    schedule = period_subsidy_btc_per_block(np.nan_to_num(months).astype(np.int64), checker.step,
                                            checker.halving_months)
    blank = {c: _blank_cells(raw, c) for c in ("hashprice_usd_per_ph_day", *FUNDAMENTALS, "block_subsidy_btc")}
    for i in (int(k) for k in np.flatnonzero(blank["hashprice_usd_per_ph_day"] & ~np.isnan(months))):
        missing = [c for c in ("btc_price_usd", "network_hashrate_eh_s") if blank[c][i]]
        if any(pd.isna(periods[c].iloc[i]) and not blank[c][i] for c in (*FUNDAMENTALS, "block_subsidy_btc")):
            continue  # a fundamental of this row is invalid: reported at its cell
        if missing:
            fee = (" (fees_btc_per_block is given, but a hashprice is derived only with btc_price_usd)"
                   if "btc_price_usd" in missing and not blank["fees_btc_per_block"][i] else "")
            checker.add(raw, f"no hashprice: give hashprice_usd_per_ph_day, or btc_price_usd and "
                             f"network_hashrate_eh_s to derive it (missing: {', '.join(missing)}){fee}", i,
                        "hashprice_usd_per_ph_day")
        elif np.isnan(schedule[i]) and blank["block_subsidy_btc"][i]:
            checker.add(raw, "the subsidy schedule starts in 2020-06: give block_subsidy_btc to derive the hashprice "
                             "of an earlier period", i, "block_subsidy_btc")


def _check_probabilities(checker: _Checker, raw: RawTable, scenarios: pd.DataFrame) -> None:
    probabilities = scenarios["probability"].astype(float)
    if len(scenarios) and probabilities.notna().all() and abs(probabilities.sum() - 1.0) > 1e-6:
        checker.add(raw, f"probabilities sum to {probabilities.sum():.9g}, not 1 (within 1e-6)", column="probability")


def _check_periods_cover_horizon(checker: _Checker, raw: RawTable, periods: pd.DataFrame) -> None:
    present = {checker.period_of(int(m)) for m in periods["period"] if pd.notna(m)}
    missing = [label for t, label in enumerate(checker.horizon.labels) if t not in present]
    if missing and len(periods):
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        checker.add(raw, f"missing period(s) {shown} of the horizon ({checker.horizon_text()})", column="period")


def _period_indexes(months: pd.Series, checker: _Checker) -> np.ndarray:
    return np.array([-1 if pd.isna(m) else checker.period_of(int(m)) for m in months], dtype=int)


def _assemble(typed: dict[str, pd.DataFrame], checker: _Checker, raw: dict[str, RawTable]) -> Inputs:
    """Apply the defaults that depend on other tables and shape the typed frames for the model."""
    horizon = checker.horizon
    sites = typed["sites"].astype({"ai_lead_time_periods": int}).set_index("site", drop=False)
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
    contracts["optional"] = contracts["optional"].astype(bool)

    periods = typed["periods"].copy()
    periods["period_t"] = _period_indexes(periods["period"], checker)
    periods = periods.sort_values("period_t").reset_index(drop=True)
    periods["period"] = horizon.labels
    for c in ("hashprice_usd_per_ph_day", "capex_budget_usd", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw",
              *FUNDAMENTALS, "block_subsidy_btc"):
        periods[c] = periods[c].astype(float)
    periods["hashprice_derived"] = periods["hashprice_usd_per_ph_day"].isna()
    periods["hashprice_usd_per_ph_day"] = periods_hashprice(periods, horizon, checker.halving_months)

    site_periods = typed.get("site_periods",
                             pd.DataFrame(columns=["period", "site", "grid_mw", "energy_price_usd_per_mwh"]))
    site_periods = site_periods.reset_index(drop=True)
    site_periods["period_t"] = _period_indexes(site_periods["period"], checker)
    for c in ("grid_mw", "energy_price_usd_per_mwh"):
        site_periods[c] = site_periods[c].astype(float)

    scenarios = typed.get("scenarios", pd.DataFrame(columns=["scenario", "probability"])).reset_index(drop=True)
    scenarios["probability"] = scenarios["probability"].astype(float)
    scenario_periods = typed.get("scenario_periods", pd.DataFrame(
        columns=[c.name for c in TABLE_BY_NAME["scenario_periods"].columns])).reset_index(drop=True)
    scenario_periods["period_t"] = _period_indexes(scenario_periods["period"], checker)
    values = None
    if len(scenarios):
        values, problems = resolve_scenario_values(periods, scenarios, scenario_periods, horizon,
                                                   checker.halving_months)
        for i, message, column in problems:
            checker.add(raw["scenario_periods"], message, i, column)
    warnings = _in_file_order([p for p in checker.problems if p.warning])
    return Inputs(sites, miners, fleet, contracts, periods, site_periods, warnings, scenarios, scenario_periods, values,
                  checker.halving_months)


def periods_hashprice(periods: pd.DataFrame, horizon: Horizon, halving_months: tuple[int, ...]) -> np.ndarray:
    """[T] the hashprice of each period: given, or derived from its fundamentals where `hashprice_derived`."""
    first = parse_month(horizon.start)
    start = first[0] * 12 + first[1] - 1  # type: ignore[index]
    months = start + np.arange(horizon.periods) * horizon.months_per_period
    schedule = period_subsidy_btc_per_block(months, horizon.months_per_period, halving_months)
    derived = derive_hashprice(periods["btc_price_usd"].to_numpy(float),
                               periods["network_hashrate_eh_s"].to_numpy(float),
                               periods["fees_btc_per_block"].to_numpy(float),
                               periods["block_subsidy_btc"].to_numpy(float), schedule)
    return np.where(periods["hashprice_derived"].to_numpy(bool), derived,
                    periods["hashprice_usd_per_ph_day"].to_numpy(float))


def resolve_scenario_values(periods: pd.DataFrame, scenarios: pd.DataFrame, scenario_periods: pd.DataFrame,
                            horizon: Horizon, halving_months: tuple[int, ...]
                            ) -> tuple[ScenarioValues, list[tuple[int, str, str]]]:
    """Every scenario's period quantities by extension C's rules, and (row, message, column) problems.

    A blank cell or a missing row takes the periods table's value (factor 1). Hashprice: a row's own wins; else, if
    the row gives any fundamental, it is derived from the row's fundamentals (the periods table's where the row is
    blank); else the periods table's hashprice is used.
    """
    W, T = len(scenarios), horizon.periods
    index = {name: w for w, name in enumerate(scenarios["scenario"])}
    base = {name: np.broadcast_to(periods[name].to_numpy(float), (W, T)).copy()
            for name in ("hashprice_usd_per_ph_day", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw", *FUNDAMENTALS)}
    base["energy_price_factor"] = np.ones((W, T))
    derived = np.broadcast_to(periods["hashprice_derived"].to_numpy(bool), (W, T)).copy()
    own = {name: np.full((W, T), np.nan) for name in (*SCENARIO_QUANTITIES, *FUNDAMENTALS)}
    row_of = np.full((W, T), -1)
    if len(scenario_periods):
        w = scenario_periods["scenario"].map(index).to_numpy(int)
        t = scenario_periods["period_t"].to_numpy(int)
        row_of[w, t] = np.arange(len(scenario_periods))
        for name in own:
            own[name][w, t] = scenario_periods[name].to_numpy(float)
    values = {name: np.where(np.isnan(own[name]), base[name], own[name]) for name in base}
    has_fundamental = np.zeros((W, T), bool)
    for name in FUNDAMENTALS:
        has_fundamental |= ~np.isnan(own[name])
    rederive = np.isnan(own["hashprice_usd_per_ph_day"]) & has_fundamental
    first = parse_month(horizon.start)
    months = first[0] * 12 + first[1] - 1 + np.arange(T) * horizon.months_per_period  # type: ignore[index]
    schedule = period_subsidy_btc_per_block(months, horizon.months_per_period, halving_months)
    subsidy = np.broadcast_to(periods["block_subsidy_btc"].to_numpy(float), (W, T))
    from_fundamentals = derive_hashprice(values["btc_price_usd"], values["network_hashrate_eh_s"],
                                         values["fees_btc_per_block"], subsidy, schedule[None, :])
    hashprice = np.where(rederive, from_fundamentals, values["hashprice_usd_per_ph_day"])
    problems = []
    for w_bad, t_bad in zip(*np.nonzero(rederive & np.isnan(from_fundamentals))):
        missing = [c for c in ("btc_price_usd", "network_hashrate_eh_s") if np.isnan(values[c][w_bad, t_bad])]
        reason = (f"missing {', '.join(missing)} in this row and in the periods table" if missing else
                  "the subsidy schedule starts in 2020-06: give block_subsidy_btc in the periods table")
        problems.append((int(row_of[w_bad, t_bad]), f"a fundamental is given, so the hashprice is derived, but it "
                                                    f"cannot be: {reason}", "hashprice_usd_per_ph_day"))
    return ScenarioValues(list(scenarios["scenario"]), scenarios["probability"].to_numpy(float), hashprice,
                          (derived & ~rederive & np.isnan(own["hashprice_usd_per_ph_day"])) | rederive,
                          values["ai_spot_price_usd_per_kw_month"], values["ai_spot_max_mw"],
                          values["energy_price_factor"]), problems


def validate_scenario_tables(raw: dict[str, RawTable], inputs: Inputs, horizon: Horizon) -> ScenarioValues:
    """A scenario set given apart from the case (e.g. written by `capopt scenarios`): its `scenarios` and
    `scenario_periods` tables checked like the case's own and resolved against the case's periods table;
    `InputError` listing every problem."""
    checker = _Checker(horizon, False, inputs.halving_months)
    typed: dict[str, pd.DataFrame] = {name: checker.typed(raw[name], TABLE_BY_NAME[name])
                                      for name in ("scenarios", "scenario_periods") if name in raw}
    if "scenarios" not in typed:
        raise InputError([InputProblem("scenarios", "no scenarios table")])
    known = {"scenarios.scenario": _known_keys(raw, typed, "scenarios.scenario")}
    if "scenario_periods" in typed:
        checker.check_references(raw["scenario_periods"], TABLE_BY_NAME["scenario_periods"],
                                 typed["scenario_periods"], known)
    _check_probabilities(checker, raw["scenarios"], typed["scenarios"])
    if len(typed["scenarios"]) == 0:
        checker.add(raw["scenarios"], "table 'scenarios' has no rows")
    if any(not p.warning for p in checker.problems):
        raise InputError(_in_file_order(checker.problems))
    scenarios = typed["scenarios"].reset_index(drop=True)
    scenario_periods = typed.get("scenario_periods", pd.DataFrame(
        columns=[c.name for c in TABLE_BY_NAME["scenario_periods"].columns])).reset_index(drop=True)
    scenario_periods["period_t"] = _period_indexes(scenario_periods["period"], checker)
    values, problems = resolve_scenario_values(inputs.periods, scenarios, scenario_periods, horizon,
                                               inputs.halving_months)
    for i, message, column in problems:
        checker.add(raw["scenario_periods"], message, i, column)
    if any(not p.warning for p in checker.problems):
        raise InputError(_in_file_order(checker.problems))
    return values
