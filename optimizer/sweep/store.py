"""A sweep's folder: results.csv appended row by row, sweep.json (what was swept), results.xlsx at the end.

The folder is an `OutputFolder` of owner "sweep", locked for the whole run: a second sweep into it stops at once,
and only files capopt wrote for a sweep are ever replaced. results.csv is appended to and flushed after each batch
of rows, so Ctrl-C or a killed process keeps every row written; when a sweep is resumed and when it ends, the file
is rewritten atomically with one row per scenario (its latest), without a last line cut short by a kill. A scenario
counts as done when its row has a final status (optimal, infeasible, unbounded); others are solved again.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..case import Case
from ..files import FileError, OutputFolder, escape_formula, read_regular_file, unescape_formula
from ..limits import MAX_RESULTS_FILE_BYTES, MAX_TABLE_FILE_BYTES
from ..writers.layout import META_JSON, RESULTS_CSV, RESULTS_XLSX
from .specs import SpecError

FINAL_STATUSES = ("optimal", "infeasible", "unbounded")
SWEEP_OWNER = "sweep"  # the owner of a sweep's files in its folder's manifest
TEXT_COLUMNS = ("scenario_id", "status", "why", "crossover_period", "detail")


def case_fingerprint(case: Case) -> str:
    """A hash of everything that defines the case's model: horizon, options, every input table and its futures."""
    digest = hashlib.sha1(repr((case.horizon, case.options)).encode())
    for name in ("sites", "miners", "fleet", "contracts", "periods", "site_periods", "scenarios"):
        digest.update(name.encode())
        digest.update(getattr(case.inputs, name).to_csv(index=False).encode())
    futures = case.inputs.scenario_values
    if futures is not None:
        for array in (futures.hashprice_usd_per_ph_day, futures.ai_spot_price_usd_per_kw_month,
                      futures.ai_spot_max_mw, futures.energy_price_factor):
            digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _cell(value: object) -> str:
    """A result cell as text; text a spreadsheet could run as a formula is escaped (`files.escape_formula`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)  # a number, negative ones included, is never escaped
    return str(escape_formula(str(value)))


def _complete_rows(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    """(header, rows) of results.csv: only complete rows (a last line cut short by a kill is left out)."""
    try:
        text = read_regular_file(path, MAX_RESULTS_FILE_BYTES).decode("utf-8", errors="replace")
    except FileError as exc:
        raise SpecError(f"{path}: {exc}") from None
    rows = list(csv.reader(io.StringIO(text[: text.rfind("\n") + 1], newline="")))
    if not rows:
        return None, []
    header = rows[0]
    return header, [r for r in rows[1:] if len(r) == len(header)]


def _one_per_scenario(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The latest row of each scenario id, in scenario order."""
    at_id, at_number = header.index("scenario_id"), header.index("scenario")
    latest = {row[at_id]: row for row in rows}
    return sorted(latest.values(), key=lambda row: int(row[at_number]) if row[at_number].isdigit() else -1)


class ResultStore:
    """results.csv of a sweep folder (held by `folder` for the run), opened for appending; `done` holds the ids
    already finished."""

    def __init__(self, folder: OutputFolder, columns: Sequence[str], meta: Mapping[str, object], *, resume: bool,
                 overwrite: bool):
        self.folder = folder
        self.path = folder.path / RESULTS_CSV
        self.columns = list(columns)
        self.done: set[str] = set()
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists and not (resume or overwrite):
            raise SpecError(f"{self.path} exists: add --resume to continue that sweep or --overwrite to start over")
        if exists and resume:
            self._check_meta(meta)
            header, rows = _complete_rows(self.path)
            if header is not None and header != self.columns:
                raise SpecError(f"cannot resume {folder.shown}: its results have other columns (other parameters); "
                                f"use the same --vary/--scenarios, another --out, or --overwrite")
            at_id, at_status = self.columns.index("scenario_id"), self.columns.index("status")
            rows = self._rewrite(rows)
            self.done = {row[at_id] for row in rows if row[at_status] in FINAL_STATUSES}
        else:
            with folder.replacing(META_JSON) as staging:
                staging.write_text(json.dumps(dict(meta), indent=2) + "\n")
            self._rewrite([])
        folder.growing(RESULTS_CSV)
        self._handle = open(self.path, "a", newline="")

    def _check_meta(self, meta: Mapping[str, object]) -> None:
        try:
            old = json.loads(read_regular_file(self.folder.path / META_JSON, MAX_TABLE_FILE_BYTES))
        except (FileError, ValueError):
            old = {}
        if not isinstance(old, dict) or old.get("case_fingerprint") != meta.get("case_fingerprint"):
            raise SpecError(f"cannot resume {self.folder.shown}: the model or its inputs changed since that sweep "
                            f"started (use another --out, or --overwrite)")

    def _rewrite(self, rows: list[list[str]]) -> list[list[str]]:
        """Write results.csv anew, atomically: the header and one row per scenario; returns those rows."""
        rows = _one_per_scenario(self.columns, rows)
        with self.folder.replacing(RESULTS_CSV) as staging, open(staging, "w", newline="") as handle:
            csv.writer(handle).writerows([self.columns, *rows])
        return rows

    def append(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Write rows (dicts by column) in one write and flush them, so Ctrl-C cannot cut a row in half."""
        text = io.StringIO()
        writer = csv.writer(text)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in self.columns])
        self._handle.write(text.getvalue())
        self._handle.flush()

    def close(self) -> list[list[str]]:
        """Stop appending and leave one row per scenario in results.csv; returns those rows."""
        self._handle.close()
        return self._rewrite(_complete_rows(self.path)[1])


def read_results(out_dir: Path) -> pd.DataFrame:
    """A sweep's results.csv as a frame: complete rows only, the last row per scenario id, in scenario order."""
    header, rows = _complete_rows(Path(out_dir) / RESULTS_CSV)
    if header is None:
        return pd.DataFrame()
    frame = pd.DataFrame(_one_per_scenario(header, rows), columns=header).replace("", None)
    for column in frame.columns:
        if column in TEXT_COLUMNS:
            frame[column] = frame[column].map(unescape_formula)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.reset_index(drop=True)


def write_xlsx(frame: pd.DataFrame, meta: Mapping[str, object], folder: OutputFolder) -> Path:
    """results.xlsx: a `scenarios` sheet (the results, formatted), a chart of the NPVs and a `sweep` sheet (what was
    swept); every text cell is stored as text, never as a formula; written atomically."""
    # XlsxWriter: loaded only when a sweep writes its workbook
    from ..writers.results_workbook import write_results_workbook

    with folder.replacing(RESULTS_XLSX) as staging:
        write_results_workbook(frame, meta, staging)
    return folder.path / RESULTS_XLSX
