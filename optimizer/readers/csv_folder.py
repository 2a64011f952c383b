"""Read input tables as text, cell by cell, from a folder of CSV files; `RawTable` is what every reader returns.

Every reader (this one, `workbook.py`, `frames.py`) returns `RawTable`s of strings (blank cell = ""), so one
validator (`validate.py`) checks them all the same way, whatever the source.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputProblem
from ..files import display_path
from ..schema import TABLES


@dataclass
class RawTable:
    """One table as text: `frame` holds strings; `rows[i]` is the row number a spreadsheet shows for frame row i."""

    name: str
    source: str
    frame: pd.DataFrame
    rows: list[int]


def read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Read `<table>.csv` for every table of the schema from `folder`."""
    problems: list[InputProblem] = []
    tables: dict[str, RawTable] = {}
    if not folder.is_dir():
        found = "a file, expected a folder of CSV files" if folder.exists() else "input folder not found"
        return tables, [InputProblem(display_path(folder), found)]
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        source = display_path(path)
        if path.is_dir():
            problems.append(InputProblem(source, "is a folder, expected a CSV file"))
        elif not path.is_file():
            if table.required:
                problems.append(InputProblem(source, f"required table '{table.name}' not found"))
        else:
            raw_table, file_problems = read_csv_file(path, table.name)
            problems += file_problems
            if raw_table is not None:
                tables[table.name] = raw_table
    known = {f"{t.name}.csv" for t in TABLES}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in known:
            problems.append(InputProblem(display_path(path), f"unknown table ignored (expected one of: {', '.join(sorted(known))})",
                                         warning=True))
    return tables, problems


def read_csv_file(path: Path, name: str) -> tuple[RawTable | None, list[InputProblem]]:
    """Read one CSV file (UTF-8, optional BOM, any line endings) as table `name`; None if it cannot be read."""
    source = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [InputProblem(source, f"cannot read the file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [_encoding_problem(source, raw, exc.start)]
    try:
        records = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        return None, [InputProblem(source, f"not a readable CSV file ({exc})")]
    numbered = [(row, r) for row, r in records if any(cell.strip() for cell in r)]
    if not numbered:
        return None, [InputProblem(source, "file is empty: expected a header row")]
    header_row, header = numbered[0][0], [h.strip() for h in numbered[0][1]]
    if len(header) == 1 and (sep := next((s for s in ";\t|" if s in header[0]), None)):
        shown = "tab" if sep == "\t" else f"'{sep}'"
        return None, [InputProblem(source, f"columns are separated by {shown}, expected commas; save the file as "
                                   "CSV UTF-8 (comma delimited)", row=header_row)]
    while header and not header[-1]:
        header.pop()  # trailing empty columns, as spreadsheets often export
    width = len(header)
    problems = [InputProblem(source, f"column {k + 1} of the header has no name", row=header_row)
                for k, h in enumerate(header) if not h]
    for row, r in numbered[1:]:
        extra = [c.strip() for c in r[width:] if c.strip()]
        if extra:
            cells = ", ".join(f"'{c}'" for c in extra)
            problems.append(InputProblem(source, f"{len(extra)} cell{'s' if len(extra) > 1 else ''} beyond the "
                                         f"{width} columns of the header: {cells}", row=row))
    named = [k for k, h in enumerate(header) if h]
    body = [[(r[k] if k < len(r) else "").strip() for k in named] for _, r in numbered[1:]]
    frame = pd.DataFrame(body, columns=[header[k] for k in named], dtype=object)
    return RawTable(name, source, frame, [row for row, _ in numbered[1:]]), problems


def _encoding_problem(source: str, raw: bytes, at: int) -> InputProblem:
    """Where the first non-UTF-8 byte is: its row, its column (from the header) and its cell as Windows-1252
    reads it."""
    row = raw[:at].count(b"\n") + 1
    line_start = raw.rfind(b"\n", 0, at) + 1
    line_end = raw.find(b"\n", at)
    line = raw[line_start:None if line_end < 0 else line_end].decode("cp1252", errors="replace")
    before = raw[line_start:at].decode("cp1252", errors="replace")
    index = len(next(csv.reader([before]), [""])) - 1
    cells = next(csv.reader([line]), [])
    header = next(csv.reader([raw[: raw.find(b"\n")].decode("utf-8-sig", errors="replace")]), [])
    column = header[index].strip() if row > 1 and index < len(header) else None
    cell = f" in '{cells[index].strip()}'" if index < len(cells) else ""
    return InputProblem(source, f"not UTF-8 text (byte {raw[at]:#x}{cell}); save the file as CSV UTF-8",
                        row=row, column=column)
