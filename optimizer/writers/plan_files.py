"""A plan as files: summary.json, the plan tables as CSV, plan.json, plan.xlsx and charts; and read back."""
from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ..files import (
    FileError,
    OutputError,
    OutputFolder,
    check_replaceable,
    display_path,
    escape_formula,
    is_capopt_png,
    read_regular_file,
    unescape_formula,
)
from ..horizon import parse_month
from ..limits import MAX_TABLE_FILE_BYTES
from ..results import Plan
from .layout import (
    CHART_COLUMNS,
    CHART_FILES,
    CHART_TABLES,
    PLAN_JSON,
    PLAN_SHEETS,
    PLAN_XLSX,
    SCENARIO_CHART_FILES,
    SUMMARY_JSON,
    check_formats,
    plan_file_names,
)

PLAN_OWNER = "plan"  # the owner of a plan's files in a folder's manifest (files.OutputFolder)


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells escaped so that no spreadsheet runs them (each distinct text looked at once:
    the columns are names and periods that repeat over thousands of rows)."""
    escaped = {}
    for column in (c for c in frame.columns if _is_text(frame[c])):
        mapping = {value: escape_formula(value) for value in frame[column].unique()}
        if any(value is not escape for value, escape in mapping.items()):
            escaped[column] = frame[column].map(mapping)
    return frame.assign(**escaped) if escaped else frame


def _json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values; NaN and infinities become null."""
    def plain(value: object) -> object:
        value = _json_default(value) if hasattr(value, "item") else value
        return None if isinstance(value, float) and not math.isfinite(value) else value
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def check_plan_folder(out_dir: Path | str, formats: Iterable[str] = ("csv",), *, plots: bool = False,
                      force: bool = False, scenarios: bool = False, inputs_path: Path | str | None = None) -> None:
    """`OutputError` (one line) if a plan (a scenario plan, with `scenarios`) cannot be written to `out_dir` without
    touching a file capopt did not write, or `out_dir` is the case's folder of input CSV files (`inputs_path`),
    where its CSV files would be read as inputs; run it before solving, so a doomed run stops at once."""
    if (inputs_path is not None and os.path.isdir(inputs_path) and os.path.isdir(out_dir)
            and os.path.samefile(out_dir, inputs_path)):
        raise OutputError(f"{display_path(out_dir)} is the case's inputs folder: a plan there would be read as input "
                          "tables; choose another folder")
    OutputFolder(out_dir, PLAN_OWNER, force=force).check(plan_file_names(formats, plots, scenarios))


def write_plan(plan: Plan, out_dir: Path | str, formats: Iterable[str] = ("csv",), *, plots: bool = False,
               force: bool = False) -> list[Path]:
    """Write the plan into `out_dir`, replacing the plan files there only when every file is written.

    Always summary.json; per format: "csv" one tidy CSV per plan table, "xlsx" plan.xlsx (a planning workbook
    with charts), "json" plan.json (summary and tables as records). `plots` adds the PNG charts. Files in
    `out_dir` that capopt did not write are kept (a folder of them needs `force`; `OutputError` otherwise).
    """
    formats = check_formats(formats)
    summary = plan.summary.to_json()

    def fill(staging: Path) -> list[str]:
        names = [SUMMARY_JSON]
        (staging / SUMMARY_JSON).write_text(json.dumps(summary, indent=2, default=_json_default) + "\n")
        if "csv" in formats:
            for name, frame in plan.tables().items():
                _csv_safe(frame).to_csv(staging / f"{name}.csv", index=False)
                names.append(f"{name}.csv")
        if "xlsx" in formats:
            # XlsxWriter: loaded only when a workbook is asked for
            from .plan_workbook import write_plan_workbook

            write_plan_workbook(plan, staging / PLAN_XLSX)
            names.append(PLAN_XLSX)
        if "json" in formats:
            document = {"summary": summary,
                        "tables": {name: _json_records(frame) for name, frame in plan.tables().items()}}
            (staging / PLAN_JSON).write_text(json.dumps(document, indent=1, default=_json_default) + "\n")
            names.append(PLAN_JSON)
        if plots:
            # matplotlib: loaded only when charts are asked for
            from .charts import write_charts

            names += [p.name for p in write_charts(plan.tables(), staging, summary)]
        return names

    return OutputFolder(out_dir, PLAN_OWNER, force=force).replace_all(fill)


def read_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Read back a written plan's CSV tables (text escaped against formulas is restored)."""
    return {path.stem: _unescaped(pd.read_csv(path)) for path in sorted(Path(out_dir).glob("*.csv"))}


def _unescaped(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = [c for c in frame.columns if _is_text(frame[c])]
    return frame.assign(**{c: frame[c].map(unescape_formula) for c in text_columns})


class PlanFileError(ValueError):
    """A plan folder that cannot be read back (missing, damaged or of another kind); the message is one line."""


def _read(path: Path, shown: str) -> bytes:
    try:
        return read_regular_file(path, MAX_TABLE_FILE_BYTES)
    except FileError as exc:
        raise PlanFileError(f"{shown}: {exc}") from None


def _damaged(shown: str, reason: str) -> PlanFileError:
    return PlanFileError(f"{shown}: damaged ({reason}); write the plan again with capopt solve --out")


def _read_summary(plan_dir: Path) -> dict:
    path = plan_dir / SUMMARY_JSON
    shown = display_path(path)
    if not os.path.lexists(path):
        raise PlanFileError(f"{shown} not found: not a plan folder written by 'capopt solve --out'")
    try:
        summary = json.loads(_read(path, shown))
    except ValueError as exc:
        raise _damaged(shown, str(exc).split(":")[0]) from None
    if not isinstance(summary, dict):
        raise _damaged(shown, f"expected a JSON object, found {type(summary).__name__}")
    months = (summary.get("horizon") or {}).get("months_per_period") if isinstance(summary.get("horizon"), dict) \
        else None
    if months not in (1, 3) or isinstance(months, bool):
        raise _damaged(shown, f"horizon.months_per_period must be 1 or 3, found {months!r}")
    crossover = summary.get("crossover_period")
    if crossover is not None and (not isinstance(crossover, str) or parse_month(crossover) is None):
        raise _damaged(shown, f"crossover_period must be a period YYYY-MM or null, found {crossover!r}")
    terminal = summary.get("terminal_value")
    if terminal is not None and not (isinstance(terminal, dict) and _is_number(terminal.get("present_value_usd", 0))):
        raise _damaged(shown, "terminal_value.present_value_usd must be a number")
    return summary


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_scenario_summary(summary: dict, scenarios: pd.Series, shown: str) -> None:
    """`PlanFileError` unless the summary of a scenario plan holds what its charts draw: the NPV and probability of
    every scenario in its tables, the expected NPV, CVaR and its alpha, and the end of the commitment."""
    npv, probability = summary.get("npv_by_scenario_usd"), summary.get("probability_by_scenario")
    for key, values in (("npv_by_scenario_usd", npv), ("probability_by_scenario", probability)):
        if not isinstance(values, dict) or not all(_is_number(v) for v in values.values()):
            raise _damaged(shown, f"{key} must map each scenario to a number")
    missing = sorted(set(scenarios.astype(str)) - (set(npv) & set(probability)))  # type: ignore[arg-type]
    if missing:
        raise _damaged(shown, f"scenario {missing[0]} of the plan tables has no NPV or probability")
    for key in ("expected_npv_usd", "cvar_usd"):
        if not _is_number(summary.get(key)):
            raise _damaged(shown, f"{key} must be a number, found {summary.get(key)!r}")
    alpha = summary.get("cvar_alpha")
    if not _is_number(alpha) or not 0 < alpha < 1:  # type: ignore[operator]
        raise _damaged(shown, f"cvar_alpha must be a number between 0 and 1, found {alpha!r}")
    commit = summary.get("commit_through")
    if not isinstance(commit, str) or parse_month(commit) is None:
        raise _damaged(shown, f"commit_through must be a period YYYY-MM, found {commit!r}")


def _chart_tables(plan_dir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables the charts need, from the plan's CSVs, plan.json or plan.xlsx (in that order); with the file
    each came from, for messages."""
    if all(os.path.lexists(plan_dir / f"{name}.csv") for name in CHART_TABLES):
        tables, sources = {}, {}
        for name in CHART_TABLES:
            path = plan_dir / f"{name}.csv"
            sources[name] = display_path(path)
            raw = _read(path, sources[name])
            if raw and not raw.endswith(b"\n"):  # capopt ends every line, the last one too
                raise _damaged(sources[name], "it ends in the middle of a row: the file was cut short")
            try:
                tables[name] = _unescaped(pd.read_csv(io.BytesIO(raw)))
            except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
                raise _damaged(sources[name], str(exc).strip().splitlines()[-1]) from None
        return tables, sources
    if os.path.lexists(plan_dir / PLAN_JSON):
        shown = display_path(plan_dir / PLAN_JSON)
        try:
            document = json.loads(_read(plan_dir / PLAN_JSON, shown))
            tables = {name: pd.DataFrame(document["tables"][name]) for name in CHART_TABLES}
        except (ValueError, KeyError, TypeError) as exc:
            raise _damaged(shown, f"{type(exc).__name__}: {exc}") from None
        return tables, dict.fromkeys(CHART_TABLES, shown)
    if os.path.lexists(plan_dir / PLAN_XLSX):
        shown = display_path(plan_dir / PLAN_XLSX)
        raw = _read(plan_dir / PLAN_XLSX, shown)
        try:
            sheets = pd.read_excel(io.BytesIO(raw), sheet_name=[PLAN_SHEETS[n] for n in CHART_TABLES],
                                   dtype={"period": str})
        except Exception as exc:  # noqa: BLE001 - a damaged workbook fails inside openpyxl in many ways
            raise _damaged(shown, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        return {name: sheets[PLAN_SHEETS[name]] for name in CHART_TABLES}, dict.fromkeys(CHART_TABLES, shown)
    table_files = ", ".join(f"{name}.csv" for name in CHART_TABLES)
    raise PlanFileError(f"{display_path(plan_dir)} holds no plan tables ({table_files}, {PLAN_JSON} or {PLAN_XLSX})")


def _checked(name: str, frame: pd.DataFrame, shown: str) -> pd.DataFrame:
    """The columns the charts draw from, typed; a missing column or a cell that is not what it must be is a
    `PlanFileError` naming its row (as a spreadsheet shows the CSV) and column."""
    texts, numbers = CHART_COLUMNS[name]
    where = f"{shown}[{PLAN_SHEETS[name]}]" if shown.endswith(PLAN_XLSX) else shown
    missing = [c for c in (*texts, *numbers) if c not in frame.columns]
    if missing:
        raise _damaged(where, f"column {missing[0]} is missing")
    if len(frame) == 0:
        raise _damaged(where, "no rows")
    frame = frame.reset_index(drop=True)
    values = {}
    for column in numbers:
        typed = pd.to_numeric(frame[column], errors="coerce")
        bad = typed.isna() | ~typed.map(math.isfinite, na_action="ignore").fillna(False).astype(bool)
        if bad.any():
            row = int(bad.idxmax())
            raise _damaged(where, f"row {row + 2}, column {column}: expected a number, found "
                                  f"{_shown_cell(frame[column].iloc[row])}")
        values[column] = typed.astype(float)
    periods = frame["period"].astype(str)
    bad = periods.map(lambda p: parse_month(p) is None)
    if bad.any():
        row = int(bad.idxmax())
        raise _damaged(where, f"row {row + 2}, column period: expected a period YYYY-MM, found "
                              f"{_shown_cell(frame['period'].iloc[row])}")
    return frame.assign(period=periods, **values)


def _shown_cell(value: object) -> str:
    return "nothing (the file may be cut short)" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"'{value}'"


def read_saved_plan(plan_dir: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The summary and the chart tables of a plan folder written by `capopt solve --out`, from its CSVs, plan.json
    or plan.xlsx. `PlanFileError` (one line naming the file, and the row and column where it applies) if the
    folder holds no plan or a damaged one."""
    plan_dir = Path(plan_dir)
    summary = _read_summary(plan_dir)
    tables, sources = _chart_tables(plan_dir)
    if any("scenario" in frame.columns for frame in tables.values()):  # a scenario plan: every table per scenario
        without = next((name for name, frame in tables.items() if "scenario" not in frame.columns), None)
        if without:
            raise _damaged(sources[without], "column scenario is missing")
        _check_scenario_summary(summary, pd.concat([frame["scenario"] for frame in tables.values()]),
                                display_path(plan_dir / SUMMARY_JSON))
    return summary, {name: _checked(name, frame, sources[name]) for name, frame in tables.items()}


def write_chart_files(folder: Path, draw: Callable[[Path], list[Path]]) -> list[Path]:
    """Draw a plan's PNG charts into `folder` with `draw(folder) -> paths`, never over a file capopt did not draw.

    In a plan folder they join its plan files (listed in its manifest); elsewhere an existing chart file is
    replaced only if capopt drew it (its PNG says so)."""
    plan_folder = OutputFolder(folder, PLAN_OWNER)
    if plan_folder.owned():
        return plan_folder.add(lambda staging: [path.name for path in draw(staging)])
    for name in (*CHART_FILES, *SCENARIO_CHART_FILES):
        check_replaceable(folder / name, is_capopt_png, shown=os.path.join(str(folder), name))
    folder.mkdir(parents=True, exist_ok=True)
    return draw(folder)
