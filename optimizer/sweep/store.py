"""A sweep's folder: results.csv appended row by row, sweep.json (what was swept), results.xlsx at the end.

results.csv is only ever appended to and flushed after each batch of rows, so Ctrl-C or a killed process keeps
every row written. A last line cut short by a kill is dropped when the sweep is resumed. A scenario counts as done
when a row with its id has a final status (optimal, infeasible, unbounded); others are solved again.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..case import Case
from .specs import SpecError

FINAL_STATUSES = ("optimal", "infeasible", "unbounded")
RESULTS_CSV = "results.csv"
RESULTS_XLSX = "results.xlsx"
META_JSON = "sweep.json"


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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _drop_partial_line(path: Path) -> None:
    """Cut a last line left unfinished by a killed run (everything after the last newline)."""
    with open(path, "rb+") as handle:
        data = handle.read()
        if data and not data.endswith(b"\n"):
            handle.truncate(data.rfind(b"\n") + 1)


class ResultStore:
    """results.csv of a sweep folder, opened for appending; `done` holds the ids already finished."""

    def __init__(self, out_dir: Path, columns: Sequence[str], meta: Mapping[str, object], *, resume: bool,
                 overwrite: bool):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / RESULTS_CSV
        self.columns = list(columns)
        self.done: set[str] = set()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists and not (resume or overwrite):
            raise SpecError(f"{self.path} exists: add --resume to continue that sweep or --overwrite to start over")
        if exists and resume:
            self._check_meta(meta)
            _drop_partial_line(self.path)
            self.done = self._read_done()
        else:
            (self.out_dir / META_JSON).write_text(json.dumps(dict(meta), indent=2) + "\n")
            with open(self.path, "w", newline="") as handle:
                csv.writer(handle).writerow(self.columns)
        self._handle = open(self.path, "a", newline="")

    def _check_meta(self, meta: Mapping[str, object]) -> None:
        meta_path = self.out_dir / META_JSON
        old = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if old.get("case_fingerprint") != meta.get("case_fingerprint"):
            raise SpecError(f"cannot resume {self.out_dir}: the model or its inputs changed since that sweep started "
                            f"(use another --out, or --overwrite)")

    def _read_done(self) -> set[str]:
        with open(self.path, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:  # only a cut header line was there
                with open(self.path, "w", newline="") as out:
                    csv.writer(out).writerow(self.columns)
                return set()
            if header != self.columns:
                raise SpecError(f"cannot resume {self.out_dir}: its results have other columns (other parameters); "
                                f"use the same --vary/--scenarios, another --out, or --overwrite")
            at_id, at_status = header.index("scenario_id"), header.index("status")
            return {row[at_id] for row in reader if len(row) == len(header) and row[at_status] in FINAL_STATUSES}

    def append(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Write rows (dicts by column) in one write and flush them, so Ctrl-C cannot cut a row in half."""
        text = io.StringIO()
        writer = csv.writer(text)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in self.columns])
        self._handle.write(text.getvalue())
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def read_results(out_dir: Path) -> pd.DataFrame:
    """A sweep's results.csv as a frame: complete rows only, the last row per scenario id, in scenario order."""
    path = Path(out_dir) / RESULTS_CSV
    text = path.read_text()
    rows = list(csv.reader(io.StringIO(text[: text.rfind("\n") + 1])))  # without a last line cut by a kill
    if not rows:
        return pd.DataFrame()
    header = rows[0]
    complete = [r for r in rows[1:] if len(r) == len(header)]  # a row cut by a kill has fewer fields
    frame = pd.DataFrame(complete, columns=header).replace("", None)
    frame = frame.drop_duplicates("scenario_id", keep="last")
    for column in frame.columns:
        if column not in ("scenario_id", "status", "crossover_period", "detail"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.sort_values("scenario").reset_index(drop=True)


def write_xlsx(frame: pd.DataFrame, meta: Mapping[str, object], path: Path) -> Path:
    """results.xlsx: a `scenarios` sheet (the results) and a `sweep` sheet (what was swept); written atomically."""
    path = Path(path)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    about = pd.DataFrame([(k, json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in meta.items()],
                         columns=["item", "value"])
    with pd.ExcelWriter(staging, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="scenarios", index=False)
        about.to_excel(writer, sheet_name="sweep", index=False)
        sheet = writer.sheets["scenarios"]
        sheet.freeze_panes = "C2"
    os.replace(staging, path)
    return path
