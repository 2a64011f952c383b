"""A plan as files: summary.json, the plan tables as CSV, plan.json, plan.xlsx and charts; and read back."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..files import atomic_directory, escape_formula, unescape_formula
from ..results import Plan


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


PLAN_FORMATS = ("csv", "xlsx", "json")
CHART_TABLES = ("site_periods", "period_totals", "shadow_prices")  # what `capopt plot` needs of a saved plan


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells escaped so that no spreadsheet runs them."""
    text_columns = [c for c in frame.columns if _is_text(frame[c])]
    if not text_columns:
        return frame
    return frame.assign(**{c: frame[c].map(escape_formula) for c in text_columns})


def _json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values; NaN and infinities become null."""
    def plain(value: object) -> object:
        value = _json_default(value) if hasattr(value, "item") else value
        return None if isinstance(value, float) and not math.isfinite(value) else value
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def write_plan(plan: Plan, out_dir: Path, formats: Iterable[str] = ("csv",), *, plots: bool = False) -> list[Path]:
    """Write the plan into `out_dir`, replaced as a whole only when every file is written.

    Always summary.json; per format: "csv" one tidy CSV per plan table, "xlsx" plan.xlsx (a planning workbook
    with charts), "json" plan.json (summary and tables as records). `plots` adds the PNG charts.
    """
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in PLAN_FORMATS]
    if unknown:
        raise ValueError(f"unknown plan format(s) {', '.join(unknown)}: choose from {', '.join(PLAN_FORMATS)}")
    out_dir = Path(out_dir)
    names = ["summary.json"]
    summary = plan.summary.to_json()
    with atomic_directory(out_dir) as staging:
        (staging / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default) + "\n")
        if "csv" in formats:
            for name, frame in plan.tables().items():
                _csv_safe(frame).to_csv(staging / f"{name}.csv", index=False)
                names.append(f"{name}.csv")
        if "xlsx" in formats:
            # openpyxl: loaded only when a workbook is asked for
            from .plan_workbook import write_plan_workbook

            write_plan_workbook(plan, staging / "plan.xlsx")
            names.append("plan.xlsx")
        if "json" in formats:
            document = {"summary": summary,
                        "tables": {name: _json_records(frame) for name, frame in plan.tables().items()}}
            (staging / "plan.json").write_text(json.dumps(document, indent=1, default=_json_default) + "\n")
            names.append("plan.json")
        if plots:
            # matplotlib: loaded only when charts are asked for
            from .charts import write_charts

            names += [p.name for p in write_charts(plan.tables(), staging, months_per_period=plan.summary.horizon
                                                   .months_per_period, crossover_period=plan.crossover_period)]
    return [out_dir / name for name in names]


def read_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Read back a written plan's CSV tables (text escaped against formulas is restored)."""
    tables = {}
    for path in sorted(Path(out_dir).glob("*.csv")):
        frame = pd.read_csv(path)
        text_columns = [c for c in frame.columns if _is_text(frame[c])]
        tables[path.stem] = frame.assign(**{c: frame[c].map(unescape_formula) for c in text_columns})
    return tables


def read_saved_plan(plan_dir: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The summary and tables of a plan folder written by `capopt solve --out`, from its CSVs, plan.json or plan.xlsx.

    Raises FileNotFoundError (naming what is missing) if the folder holds no readable plan.
    """
    plan_dir = Path(plan_dir)
    summary_path = plan_dir / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"{summary_path} not found: not a plan folder written by 'capopt solve --out'")
    summary = json.loads(summary_path.read_text())
    if all((plan_dir / f"{name}.csv").is_file() for name in CHART_TABLES):
        return summary, read_tables(plan_dir)
    if (plan_dir / "plan.json").is_file():
        document = json.loads((plan_dir / "plan.json").read_text())
        return summary, {name: pd.DataFrame(rows) for name, rows in document["tables"].items()}
    if (plan_dir / "plan.xlsx").is_file():
        # openpyxl: loaded only for a plan saved as a workbook
        from .plan_workbook import PLAN_SHEETS

        sheets = pd.read_excel(plan_dir / "plan.xlsx", sheet_name=[PLAN_SHEETS[n] for n in CHART_TABLES], dtype={
            "period": str})
        return summary, {name: sheets[PLAN_SHEETS[name]] for name in CHART_TABLES}
    raise FileNotFoundError(f"{plan_dir} holds no plan tables ({', '.join(f'{n}.csv' for n in CHART_TABLES)}, plan.json "
                            "or plan.xlsx)")
