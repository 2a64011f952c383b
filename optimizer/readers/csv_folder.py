"""Read input tables as text, cell by cell, from a folder of CSV files; `RawTable` is what every reader returns.

Every reader (this one, `workbook.py`, `frames.py`) returns `RawTable`s of strings (blank cell = ""), so one
validator (`validate.py`) checks them all the same way, whatever the source.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputProblem
from ..files import FileError, NotUtf8, display_path, read_regular_file, utf8_text
from ..limits import MAX_TABLE_COLUMNS, MAX_TABLE_FILE_BYTES, MAX_TABLE_ROWS
from ..schema import TABLES


@dataclass
class RawTable:
    """One table as text: `frame` holds strings; `rows[i]` is the row number a spreadsheet shows for frame row i."""

    name: str
    source: str
    frame: pd.DataFrame
    rows: list[int]


def read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[InputProblem]]:
    """Read `<table>.csv` for every table of the schema from `folder`.

    A table is absent only if nothing at all has its name: a broken link, a folder, a FIFO or a device named like
    a table is an error (never silently an empty table).
    """
    problems: list[InputProblem] = []
    tables: dict[str, RawTable] = {}
    if not folder.is_dir():
        found = "a file, expected a folder of CSV files" if folder.exists() else "input folder not found"
        return tables, [InputProblem(display_path(folder), found)]
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        try:
            raw = read_regular_file(path, MAX_TABLE_FILE_BYTES, expected="a CSV file")
        except FileError as exc:
            if not exc.missing:
                problems.append(InputProblem(display_path(path), str(exc)))
            elif table.required:
                problems.append(InputProblem(display_path(path), f"required table '{table.name}' not found"))
            continue
        raw_table, file_problems = parse_csv(raw, display_path(path), table.name)
        problems += file_problems
        if raw_table is not None:
            tables[table.name] = raw_table
    known = {f"{t.name}.csv" for t in TABLES}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in known:
            problems.append(InputProblem(display_path(path), f"unknown table ignored (expected one of: "
                                         f"{', '.join(sorted(known))})", warning=True))
    return tables, problems


def read_csv_file(path: Path, name: str, *, max_rows: int = MAX_TABLE_ROWS,
                  max_columns: int | None = MAX_TABLE_COLUMNS) -> tuple[RawTable | None, list[InputProblem]]:
    """Read one CSV file as table `name`; None (and why) if it cannot be read."""
    try:
        raw = read_regular_file(path, MAX_TABLE_FILE_BYTES, expected="a CSV file")
    except FileError as exc:
        return None, [InputProblem(display_path(path), "not found" if exc.missing else str(exc))]
    return parse_csv(raw, display_path(path), name, max_rows=max_rows, max_columns=max_columns)


def parse_csv(raw: bytes, source: str, name: str, *, max_rows: int = MAX_TABLE_ROWS,
              max_columns: int | None = MAX_TABLE_COLUMNS) -> tuple[RawTable | None, list[InputProblem]]:
    """The bytes of a CSV file (UTF-8, optional BOM, any line endings) as table `name`; None if unreadable.

    Reading stops past `max_rows` data rows (an error), so a huge file never fills memory; a header of more than
    `max_columns` columns (None: any number) is an error.
    """
    try:
        text = utf8_text(raw)
    except NotUtf8 as exc:
        return None, [_encoding_problem(source, raw, exc.at)]
    numbered: list[tuple[int, list[str]]] = []
    try:
        for row, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if any(cell.strip() for cell in cells):
                if len(numbered) > max_rows:
                    return None, [InputProblem(source, f"more than {max_rows:,} data rows; capopt reads at most "
                                               f"{max_rows:,} rows per table", row=row)]
                numbered.append((row, cells))
    except csv.Error as exc:
        return None, [InputProblem(source, f"not a readable CSV file ({exc})")]
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
    if max_columns is not None and width > max_columns:
        return None, [InputProblem(source, f"the header has {width} columns; capopt reads at most "
                                   f"{max_columns} per table", row=header_row)]
    problems = [InputProblem(source, f"column {k + 1} of the header has no name", row=header_row)
                for k, h in enumerate(header) if not h]
    for row, r in numbered[1:]:
        extra = [c.strip() for c in r[width:] if c.strip()]
        if extra:
            shown = ", ".join(f"'{c}'" for c in extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
            problems.append(InputProblem(source, f"{len(extra)} cell{'s' if len(extra) > 1 else ''} beyond the "
                                         f"{width} columns of the header: {shown}", row=row))
    named = [k for k, h in enumerate(header) if h]
    body = [[(r[k] if k < len(r) else "").strip() for k in named] for _, r in numbered[1:]]
    frame = pd.DataFrame(body, columns=[header[k] for k in named], dtype=object)
    return RawTable(name, source, frame, [row for row, _ in numbered[1:]]), problems


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _encoding_problem(source: str, raw: bytes, at: int) -> InputProblem:
    """Where the first non-UTF-8 byte is: its row, its column (from the header) and its cell as Windows-1252
    reads it. Lines end with CR LF, LF or a bare CR (a Mac "CSV (Macintosh)" file)."""
    breaks = list(_LINE_BREAK.finditer(raw, 0, at))
    row = len(breaks) + 1
    line_start = breaks[-1].end() if breaks else 0
    after = _LINE_BREAK.search(raw, at)
    line = raw[line_start:after.start() if after else len(raw)].decode("cp1252", errors="replace")
    before = raw[line_start:at].decode("cp1252", errors="replace")
    first = _LINE_BREAK.search(raw)
    header_text = raw[: first.start() if first else len(raw)].decode("utf-8-sig", errors="replace")
    index = len(_cells(before) or [""]) - 1
    cells, header = _cells(line), _cells(header_text)
    column = header[index].strip() if row > 1 and index < len(header) else None
    cell = f" in '{cells[index].strip()}'" if index < len(cells) else ""
    return InputProblem(source, f"not UTF-8 text (byte {raw[at]:#x}{cell}); save the file as CSV UTF-8",
                        row=row, column=column)


def _cells(line: str) -> list[str]:
    """The cells of one line of CSV text; [] if the line cannot be split (an open quote)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return []
