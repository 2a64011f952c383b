"""Read input tables from in-memory pandas frames (`optimizer.Case.from_tables`), as text like the file readers."""
from __future__ import annotations

import math

import pandas as pd

from ..errors import InputProblem
from ..limits import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from ..schema import TABLE_BY_NAME, TABLES
from .csv_folder import RawTable


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value).strip()


def read_frames(frames: dict[str, pd.DataFrame],
                source: str = "<tables>") -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Turn in-memory pandas frames (columns as in docs/formulation.md, NaN = blank) into raw tables; a frame of
    more rows or columns than a table file may have is refused before any cell is read."""
    problems: list[InputProblem] = []
    tables: dict[str, RawTable] = {}
    for name, frame in frames.items():
        if name not in TABLE_BY_NAME:
            problems.append(InputProblem(f"{source}[{name}]", "unknown table ignored", warning=True))
            continue
        if len(frame) > MAX_TABLE_ROWS or len(frame.columns) > MAX_TABLE_COLUMNS:
            problems.append(InputProblem(f"{source}[{name}]", f"{len(frame):,} rows and {len(frame.columns):,} "
                                         f"columns; capopt reads at most {MAX_TABLE_ROWS:,} rows and "
                                         f"{MAX_TABLE_COLUMNS} columns per table"))
            continue
        text = frame.reset_index(drop=True).astype(object).map(_cell_text) if len(frame) else frame.astype(object)
        text.columns = [str(c).strip() for c in text.columns]
        tables[name] = RawTable(name, f"{source}[{name}]", text, list(range(2, len(text) + 2)))
    for table in TABLES:
        if table.required and table.name not in frames:
            problems.append(InputProblem(f"{source}[{table.name}]", f"required table '{table.name}' not found"))
    return tables, problems
