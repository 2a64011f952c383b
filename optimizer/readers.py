"""Read input tables as text, cell by cell, from a CSV folder or from pandas frames.

Every reader returns `RawTable`s of strings (blank cell = ""), so one validator
(`validate.py`) checks them all the same way, whatever the source.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputProblem
from .schema import TABLE_BY_NAME, TABLES


@dataclass
class RawTable:
    """One table as text: `frame` holds strings; `rows[i]` is the row number a spreadsheet shows for frame row i."""

    name: str
    source: str
    frame: pd.DataFrame
    rows: list[int]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Read `<table>.csv` for every table of the schema from `folder`."""
    problems: list[InputProblem] = []
    tables: dict[str, RawTable] = {}
    if not folder.is_dir():
        return tables, [InputProblem(_display(folder), "input folder not found")]
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        source = _display(path)
        if not path.is_file():
            if table.required:
                problems.append(InputProblem(source, f"required table '{table.name}' not found"))
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(InputProblem(source, f"not UTF-8 text (byte {raw[exc.start]:#x}); save it as CSV UTF-8",
                                         row=line))
            continue
        reader = csv.reader(io.StringIO(text, newline=""))
        numbered = [(reader.line_num, r) for r in reader if any(cell.strip() for cell in r)]
        if not numbered:
            problems.append(InputProblem(source, "file is empty: expected a header row"))
            continue
        header = [h.strip() for h in numbered[0][1]]
        width = len(header)
        for line, r in numbered[1:]:
            if len(r) > width and any(c.strip() for c in r[width:]):
                problems.append(InputProblem(source, f"row has {len(r)} cells but the header has {width}", row=line))
        body = [[c.strip() for c in (r + [""] * width)[:width]] for _, r in numbered[1:]]
        frame = pd.DataFrame(body, columns=header, dtype=object)
        tables[table.name] = RawTable(table.name, source, frame, [line for line, _ in numbered[1:]])
    known = {f"{t.name}.csv" for t in TABLES}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in known:
            problems.append(InputProblem(_display(path), f"unknown table ignored (expected one of: {', '.join(sorted(known))})",
                                         warning=True))
    return tables, problems


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


def read_frames(frames: dict[str, pd.DataFrame], source: str = "<tables>") -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Turn in-memory pandas frames (columns as in MODEL.md, NaN = blank) into raw tables."""
    problems: list[InputProblem] = []
    tables: dict[str, RawTable] = {}
    for name, frame in frames.items():
        if name not in TABLE_BY_NAME:
            problems.append(InputProblem(f"{source}[{name}]", "unknown table ignored", warning=True))
            continue
        text = frame.reset_index(drop=True).astype(object).map(_cell_text) if len(frame) else frame.astype(object)
        text.columns = [str(c).strip() for c in text.columns]
        tables[name] = RawTable(name, f"{source}[{name}]", text, list(range(2, len(text) + 2)))
    for table in TABLES:
        if table.required and table.name not in tables:
            problems.append(InputProblem(f"{source}[{table.name}]", f"required table '{table.name}' not found"))
    return tables, problems
