"""Random damage to the valid tables of tests/bad_inputs/base, as hand edits do it.

Mutations: a cell replaced by junk text, a negative number, 'nan', 'inf', a blank, a number too large for any column
(1e308, 2**70, 400 digits), a tiny or denormal number, or digits that are not ASCII (1_000, full-width, Arabic-Indic);
a column dropped; a key row duplicated; a reference to an unknown site or model; a period label shifted by one month;
a tranche's start and end swapped. Files are also written with other line endings (CRLF, a Mac's bare CR), a BOM,
and a byte that is not UTF-8. For a mutation that is invalid whatever the draw, `validate` and `solve --out` must both
exit 2 with at least one `error:` line (the line of the damaged cell, where there is one), no traceback and no plan
folder. Any
mutation, valid or not, must end in exit 0 (with a plan), 1 (no plan) or 2 (no plan), never a traceback.
"""
from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from optimizer.cli import main
from optimizer.schema import TABLE_BY_NAME

BASE = Path(__file__).resolve().parent / "bad_inputs" / "base"
Tables = dict[str, list[list[str]]]


def _read_base() -> Tables:
    return {p.stem: list(csv.reader(io.StringIO(p.read_text()))) for p in sorted((BASE / "inputs").glob("*.csv"))}


BASE_TABLES = _read_base()
CELL_KINDS = ("junk", "negative", "nan", "inf", "blank", "huge", "tiny", "not_ascii")
OTHER_KINDS = ("drop_column", "duplicate_row", "unknown_reference", "shift_period", "swap_start_end")
# Text columns where any other value is wrong: references, and the site and model names the fleet refers to.
NAMES_THAT_MUST_MATCH = {("sites", "site"), ("miners", "model"), ("fleet", "site"), ("fleet", "model"),
                         ("contracts", "site"), ("site_periods", "site")}

junk = st.one_of(st.sampled_from(["abc", "#REF!", "N/A", "1.2.3", "12abc", "--", "TRUE?", "1e", "½", "10 MW"]),
                 st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(lambda t: "x" + t))
negative = st.one_of(st.integers(1, 10**9).map(lambda n: f"-{n}"),
                     st.floats(0.001, 1e6).map(lambda x: f"-{x:g}"))
CELL_VALUES = {
    "junk": junk,
    "negative": negative,
    "nan": st.sampled_from(["nan", "NaN", "-nan", "NAN"]),
    "inf": st.sampled_from(["inf", "-inf", "Infinity", "-Infinity", "INF", "1e999"]),
    "blank": st.sampled_from(["", " "]),
    "huge": st.sampled_from(["1e308", "-1e308", "1.7976931348623157e308", str(2 ** 70), "9" * 400, "1e20"]),
    "tiny": st.sampled_from(["1e-320", "4.9e-324", "2.2250738585072014e-308", "1e-300"]),
    "not_ascii": st.sampled_from(["1_000", "\uff11\uff12", "\u0663", "\u0661\u066b\u0665", "2_027-01"]),
}


@dataclass(frozen=True)
class Mutation:
    """One change to the tables: `kind` at `table`, data row `row` (0-based) and `column`, new text `value`."""

    kind: str
    table: str
    row: int | None = None
    column: str | None = None
    value: str = ""

    def guaranteed_invalid(self) -> bool:
        """True when the tables cannot be valid after this mutation, whatever was drawn."""
        table = TABLE_BY_NAME[self.table]
        column = table.column_by_name.get(self.column or "")
        if self.kind == "blank":
            return column.required
        if self.kind == "tiny":  # a valid number wherever 0 is allowed
            return (column.kind not in ("number", "text") or (self.table, self.column) in NAMES_THAT_MUST_MATCH
                    or (column.kind == "number" and (column.minimum or 0) > 1e-300))
        if self.kind in CELL_KINDS:
            return column.kind != "text" or (self.table, self.column) in NAMES_THAT_MUST_MATCH
        if self.kind == "drop_column":
            return column.required
        if self.kind == "duplicate_row":
            return bool(table.key)
        return self.kind in ("unknown_reference", "swap_start_end") or (self.kind == "shift_period"
                                                                        and self.table == "periods")

    def reported_at_cell(self) -> bool:
        """True when the error names the damaged cell itself (renaming a site is reported where it is used)."""
        if self.kind not in CELL_KINDS + ("unknown_reference",) or not self.guaranteed_invalid():
            return False
        column = TABLE_BY_NAME[self.table].column_by_name[self.column]  # type: ignore[index]
        return self.kind == "blank" or column.kind != "text" or column.references is not None

    def applicable(self, tables: Tables) -> bool:
        """False when earlier mutations removed what this one changes (a column, a row, a period label)."""
        rows = tables[self.table]
        header = [h.strip() for h in rows[0]]
        if self.column is not None and self.column not in header:
            return False
        if self.row is not None and self.row >= len(rows) - 1:
            return False
        if self.kind == "swap_start_end":
            return {"start", "end"} <= set(header)
        if self.kind == "shift_period":
            parts = rows[1 + self.row][header.index(self.column)].split("-")  # type: ignore[operator, arg-type]
            return len(parts) == 2 and all(p.isdigit() for p in parts)
        return True

    def apply(self, tables: Tables) -> None:
        rows = tables[self.table]
        header = [h.strip() for h in rows[0]]
        k = header.index(self.column) if self.column in header else None
        if self.kind == "drop_column":
            tables[self.table] = [r[:k] + r[k + 1:] for r in rows]  # type: ignore[operator]
        elif self.kind == "duplicate_row":
            rows.append(list(rows[1 + self.row]))  # type: ignore[operator]
        elif self.kind == "swap_start_end":
            r, s, e = rows[1 + self.row], header.index("start"), header.index("end")  # type: ignore[operator]
            r[s], r[e] = r[e], r[s]
        elif self.kind == "shift_period":
            year, month = (int(x) for x in rows[1 + self.row][k].split("-"))  # type: ignore[operator, index]
            m = year * 12 + month - 1 + int(self.value)
            rows[1 + self.row][k] = f"{m // 12:04d}-{m % 12 + 1:02d}"  # type: ignore[operator, index]
        else:
            rows[1 + self.row][k] = self.value  # type: ignore[operator, index]


def _data_rows(table: str) -> int:
    return len(BASE_TABLES[table]) - 1


@st.composite
def mutations(draw: st.DrawFn, kinds: tuple[str, ...] = CELL_KINDS + OTHER_KINDS) -> Mutation:
    """One mutation: a kind from `kinds`, then where it applies and the new text."""
    kind = draw(st.sampled_from(kinds))
    if kind in CELL_KINDS:
        table = draw(st.sampled_from(sorted(BASE_TABLES)))
        return Mutation(kind, table, draw(st.integers(0, _data_rows(table) - 1)),
                        draw(st.sampled_from(BASE_TABLES[table][0])), draw(CELL_VALUES[kind]))
    if kind == "swap_start_end":
        return Mutation(kind, "contracts", draw(st.integers(0, _data_rows("contracts") - 1)))
    if kind == "unknown_reference":
        table, column = draw(st.sampled_from([("fleet", "site"), ("fleet", "model"), ("contracts", "site"),
                                              ("site_periods", "site")]))
        return Mutation(kind, table, draw(st.integers(0, _data_rows(table) - 1)), column,
                        draw(st.sampled_from(["nowhere", "North", "s21", "north2", "S19 x"])))
    if kind == "shift_period":
        filled = [(t, i, c) for t, c in (("periods", "period"), ("contracts", "start"), ("contracts", "end"),
                                         ("miners", "available_from"), ("site_periods", "period"))
                  for i, r in enumerate(BASE_TABLES[t][1:]) if r[BASE_TABLES[t][0].index(c)]]
        table, row, column = draw(st.sampled_from(filled))
        return Mutation(kind, table, row, column, draw(st.sampled_from(["-1", "1"])))
    table = draw(st.sampled_from(sorted(BASE_TABLES)))
    if kind == "duplicate_row":
        return Mutation(kind, table, draw(st.integers(0, _data_rows(table) - 1)))
    return Mutation(kind, table, column=draw(st.sampled_from(BASE_TABLES[table][0])))


def _run_both(tables: Tables, files: dict[str, bytes] | None = None) -> tuple[Result, Result, bool]:
    """Write the tables (or, for those in `files`, those bytes) next to the base model file; run validate and
    solve --out; say whether the plan was written."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        Path("inputs").mkdir()
        Path("model.yaml").write_text((BASE / "model.yaml").read_text())
        for name, rows in tables.items():
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            Path(f"inputs/{name}.csv").write_bytes((files or {}).get(name, out.getvalue().encode("utf-8")))
        runner = CliRunner()
        validated = runner.invoke(main, ["validate", "model.yaml"])
        solved = runner.invoke(main, ["solve", "model.yaml", "--out", "plan", "--quiet"])
        return validated, solved, Path("plan/summary.json").is_file()


def _assert_rejected(validated: Result, solved: Result, planned: bool) -> list[str]:
    for result in (validated, solved):
        assert isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert not planned
    assert solved.stderr == validated.stderr
    lines = validated.stderr.splitlines()
    assert any(line.startswith("error: ") for line in lines), lines
    assert lines[-1].endswith("in the inputs; no model was built")
    return lines


def _cell_prefix(m: Mutation) -> str:
    return f"error: inputs/{m.table}.csv, row {m.row + 2}, column {m.column}: "  # type: ignore[operator]


def _tables_with(*applied: Mutation) -> Tables:
    tables = {name: [list(r) for r in rows] for name, rows in BASE_TABLES.items()}
    for m in applied:
        m.apply(tables)
    return tables


def test_base_case_solves() -> None:
    validated, solved, planned = _run_both(_tables_with())
    assert validated.exit_code == 0 and solved.exit_code == 0 and planned
    assert validated.stderr == solved.stderr == ""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_one_mutation(m: Mutation) -> None:
    validated, solved, planned = _run_both(_tables_with(m))
    event(f"{m.kind}: {'invalid' if m.guaranteed_invalid() else 'maybe valid'}, exit {solved.exit_code}")
    if m.guaranteed_invalid():
        lines = _assert_rejected(validated, solved, planned)
        if m.reported_at_cell():
            assert any(line.startswith(_cell_prefix(m)) for line in lines), (m, lines)
    else:
        _assert_clean_outcome(validated, solved, planned)


def _assert_clean_outcome(validated: Result, solved: Result, planned: bool) -> None:
    """Exit 0 with a plan, 1 without one, or 2 (bad input, also for validate): never a traceback."""
    for result in (validated, solved):
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exit_code == 0 or isinstance(result.exception, SystemExit), result.exc_info
    event(f"exit {solved.exit_code}")
    assert (validated.exit_code == 2) == (solved.exit_code == 2)
    if solved.exit_code == 2:
        _assert_rejected(validated, solved, planned)
    else:
        assert validated.exit_code == 0
        assert planned == (solved.exit_code == 0)
        if solved.exit_code == 1:  # warnings (a value outside its usual range), then why there is no plan
            *warnings, reason = solved.stderr.splitlines()
            assert reason.startswith("no plan: ") and all(w.startswith("warning: ") for w in warnings), solved.stderr


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutations(CELL_KINDS).filter(Mutation.reported_at_cell), min_size=2, max_size=5,
                unique_by=lambda m: (m.table, m.row, m.column)))
def test_every_damaged_cell_is_reported_at_once(cells: list[Mutation]) -> None:
    validated, solved, planned = _run_both(_tables_with(*cells))
    lines = _assert_rejected(validated, solved, planned)
    for m in cells:
        assert any(line.startswith(_cell_prefix(m)) for line in lines), (m, lines)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutations(), min_size=1, max_size=4))
def test_any_mutations_never_crash(applied: list[Mutation]) -> None:
    """Mutations in sequence (a later one may hit a dropped column or a moved row: then it does nothing)."""
    tables = _tables_with()
    for m in applied:
        if m.applicable(tables):
            m.apply(tables)
    _assert_clean_outcome(*_run_both(tables))


@st.composite
def saved_forms(draw: st.DrawFn) -> tuple[str, str, bool, tuple[int, str, str] | None]:
    """How a spreadsheet program may save one table: its line endings (LF, CRLF, a Mac's bare CR), a BOM or not,
    and perhaps one cell with a character written in Windows-1252 instead of UTF-8: (table, ending, bom, bad)."""
    table = draw(st.sampled_from(sorted(BASE_TABLES)))
    bad = draw(st.none() | st.tuples(st.integers(0, _data_rows(table) - 1), st.sampled_from(BASE_TABLES[table][0]),
                                     st.sampled_from("\u00e9\u00fc\u00f1\u00b0\u00a3")))
    return table, draw(st.sampled_from(["\n", "\r\n", "\r"])), draw(st.booleans()), bad


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(saved_forms())
def test_line_endings_and_encodings(form: tuple[str, str, bool, tuple[int, str, str] | None]) -> None:
    """Any line endings and a BOM solve to the base plan; one byte that is not UTF-8 is one error naming its file,
    row, column and cell."""
    table, ending, bom, bad = form
    tables = _tables_with()
    if bad is not None:
        row, column, char = bad
        k = tables[table][0].index(column)
        tables[table][1 + row][k] += char
    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerows(tables[table])
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("cp1252" if bad else "utf-8")
    validated, solved, planned = _run_both(tables, {table: data})
    if bad is None:
        base_validated, base_solved, _ = _run_both(_tables_with())
        assert validated.exit_code == 0 and solved.exit_code == 0 and planned, solved.output
        assert validated.stderr == solved.stderr == ""
        assert solved.stdout == base_solved.stdout
    else:
        lines = _assert_rejected(validated, solved, planned)
        cell = tables[table][1 + row][k].strip()
        assert lines[0] == (f"error: inputs/{table}.csv, row {row + 2}, column {column}: not UTF-8 text (byte "
                            f"{char.encode('cp1252')[0]:#x} in '{cell}'); save the file as CSV UTF-8"), lines
