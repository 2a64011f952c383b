"""Issue 14, data loss: a command replaces only what it wrote itself, checks its output before solving, never
leaves half-written output, and recovers what a killed run left behind.

Tried as a hostile user would: --out into a folder of notes, the inputs folder, the case folder, '.' and '/';
a plan folder the user added notes to or edited; a run killed between the two renames of a plan swap; staging
folders left by kills; a folder another run holds; template, convert and plot over files capopt did not write.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from optimizer import NoPlanError, files
from optimizer.cli import main
from optimizer.files import MANIFEST
from optimizer.writers.layout import CHART_FILES, PLAN_TABLES

CORPUS = Path(__file__).resolve().parent / "bad_inputs"

PLAN_CSVS = sorted(f"{table}.csv" for table in PLAN_TABLES)


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under `folder` (recursively) with its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """A copy of the bad-input corpus' valid base case (no warnings); its model file."""
    shutil.copytree(CORPUS / "base", tmp_path / "case")
    return tmp_path / "case" / "model.yaml"


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# ---- solve --out ----------------------------------------------------------------------------------------------

def test_a_folder_of_notes_is_refused_before_solving_and_kept(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "P"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("x\n")
    before = snapshot(out)
    result = run("solve", model, "--out", out)
    assert result.exit_code == 2
    assert result.stdout == ""  # refused before solving: no plan printed
    assert result.stderr.splitlines() == [f"error: {out} holds files capopt did not write (notes.txt, sub); choose an "
                                          "empty or new folder, or add --force to write beside them (they are kept)"]
    assert snapshot(out) == before


def test_force_writes_beside_the_users_files_and_never_deletes_them(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "P"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "deep.txt").write_text("deep\n")
    (out / "notes.txt").write_text("x\n")
    result = run("solve", model, "--out", out, "--force", "--quiet")
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text() == "x\n" and (out / "sub" / "deep.txt").read_text() == "deep\n"
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "notes.txt", "sub", "summary.json", *PLAN_CSVS])
    # a second run, now csv + xlsx: the folder is a plan folder, so no --force is needed; notes stay
    again = run("solve", model, "--out", out, "--format", "xlsx", "--quiet")
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "notes.txt", "sub", "summary.json", "plan.xlsx"])
    assert (out / "notes.txt").read_text() == "x\n"


def test_the_inputs_folder_is_never_written_over(tmp_path: Path, model: Path) -> None:
    inputs = model.parent / "inputs"
    before = snapshot(inputs)
    for force in ([], ["--force"]):  # its CSV files would be read as input tables
        result = run("solve", model, "--out", inputs, *force)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [f"error: {inputs} is the case's inputs folder: a plan there would be "
                                              "read as input tables; choose another folder"]
    assert snapshot(inputs) == before


def test_the_case_folder_keeps_its_model_file_and_inputs(tmp_path: Path, model: Path) -> None:
    case = model.parent
    before = snapshot(case)
    assert run("solve", model, "--out", case).exit_code == 2
    assert snapshot(case) == before
    forced = run("solve", model, "--out", case, "--force", "--quiet")
    assert forced.exit_code == 0, forced.output
    after = snapshot(case)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {MANIFEST, "summary.json", *PLAN_CSVS}


@pytest.mark.parametrize("where", [".", "/"])
def test_dot_and_root_are_checked_before_solving(tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    monkeypatch.chdir(model.parent)
    result = run("solve", model.name, "--out", where)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {where} holds files capopt did not write (")


def test_a_plan_file_the_user_edited_is_never_replaced(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "plan"
    assert run("solve", model, "--out", out, "--quiet").exit_code == 0
    (out / "period_totals.csv").write_text("my own numbers\n")
    for args in ([], ["--force"]):
        result = run("solve", model, "--out", out, "--quiet", *args)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [f"error: {out}/period_totals.csv was not written by capopt (or was "
                                              "changed since); capopt will not overwrite it: move it away or choose "
                                              "another folder"]
    assert (out / "period_totals.csv").read_text() == "my own numbers\n"


def test_renameat2_exchanges_folders_here(tmp_path: Path) -> None:
    """The swap uses the atomic exchange on this system (the fallback is tested on its own below)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    assert files._renameat2(a, b, 2)
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


def test_stale_plan_files_go_and_the_manifest_lists_what_is_there(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "plan"
    assert run("solve", model, "--out", out, "--format", "csv,xlsx,json", "--plots", "--quiet").exit_code == 0
    assert run("solve", model, "--out", out, "--format", "json", "--quiet").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "plan.json", "summary.json"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["written_by"] == "capopt" and sorted(manifest["files"]["plan"]) == ["plan.json", "summary.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder beside it


def test_a_folder_in_use_is_refused(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "plan"
    assert run("solve", model, "--out", out, "--quiet").exit_code == 0
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running sweep or solve holds it
        result = run("solve", model, "--out", out, "--quiet")
    finally:
        os.close(fd)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {out} is in use by another capopt run; wait for it to end or "
                                          "choose another folder"]


# ---- runs killed part way ---------------------------------------------------------------------------------------

def test_a_swap_killed_between_its_two_renames_is_undone_by_the_next_run(tmp_path: Path, model: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Without renameat2's exchange a swap is two renames; a kill between them leaves the folder absent and the
    previous plan beside it. The next run (of any capopt process) puts it back before doing anything else."""
    out = tmp_path / "plan"
    assert run("solve", model, "--out", out, "--quiet").exit_code == 0
    previous = snapshot(out)
    monkeypatch.setattr(files, "_renameat2", lambda source, target, flags: False)
    renames = []

    def rename_then_die(source, target):
        renames.append(target)
        if len(renames) == 2:
            raise SystemExit("killed")  # the process dies between the two renames
        os.replace(source, target)

    monkeypatch.setattr(files.os, "rename", rename_then_die)
    assert run("solve", model, "--out", out, "--format", "json", "--quiet").exit_code != 0
    monkeypatch.undo()
    assert not out.exists()
    pid = dead_pid()
    for leftover in tmp_path.iterdir():  # as if that process had died: its pid no longer runs
        if leftover.name.startswith(".plan.capopt-"):
            leftover.rename(leftover.with_name(leftover.name.replace(f"-{os.getpid()}-", f"-{pid}-")))
    def no_plan(*args, **kwargs):
        raise NoPlanError("infeasible", "for the test")

    monkeypatch.setattr("optimizer.cli.plan.solve_case", no_plan)
    result = run("solve", model, "--out", out, "--quiet")  # the next run recovers before it solves, or fails
    assert result.exit_code == 1, result.output
    assert snapshot(out) == previous
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_leftovers_of_dead_runs_are_cleaned_and_those_of_live_ones_kept(tmp_path: Path, model: Path) -> None:
    out = tmp_path / "plan"
    assert run("solve", model, "--out", out, "--quiet").exit_code == 0
    dead = dead_pid()
    for k in range(19):  # staging folders of killed runs, half written
        staging = tmp_path / f".plan.capopt-{dead}-{k:08x}.new"
        staging.mkdir()
        (staging / "summary.json").write_text("{")
    (out / f".summary.json.capopt-{dead}-0000abcd.tmp").write_text("half a file")
    live = tmp_path / f".plan.capopt-{os.getpid()}-0000beef.new"  # a run still going (this process)
    live.mkdir()
    assert run("solve", model, "--out", out, "--quiet").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [live.name]
    assert not [p for p in out.iterdir() if p.name.startswith(".summary")]


def test_a_failed_write_leaves_no_staging_and_the_previous_plan(tmp_path: Path, model: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "plan"
    (out).mkdir()
    (out / "notes.txt").write_text("mine")
    assert run("solve", model, "--out", out, "--force", "--quiet").exit_code == 0
    before = snapshot(out)
    monkeypatch.setattr("optimizer.writers.plan_files._json_records", lambda frame: 1 / 0)
    result = run("solve", model, "--out", out, "--format", "json", "--quiet")
    assert result.exit_code != 0
    assert snapshot(out) == before


# ---- template, convert, plot ------------------------------------------------------------------------------------

def test_template_never_replaces_a_workbook_capopt_did_not_write_or_that_was_filled_in(tmp_path: Path) -> None:
    book = tmp_path / "portfolio.xlsx"
    book.write_bytes(b"my own spreadsheet")
    for args in ([], ["--force"]):
        result = run("template", book, *args)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"error: {book} exists and was not written by capopt (or was changed "
                                              "since); capopt will not overwrite it: move it away or choose another "
                                              "name"]
    assert book.read_bytes() == b"my own spreadsheet"
    book.unlink()
    assert run("template", book, "--periods", "6").exit_code == 0
    assert run("template", book, "--periods", "6").exit_code == 2  # capopt's own: only with --force
    assert run("template", book, "--periods", "12", "--force").exit_code == 0
    filled = openpyxl.load_workbook(book)
    filled["sites"]["B2"] = 123  # the planner fills it in
    filled.save(book)
    result = run("template", book, "--force")
    assert result.exit_code == 2 and "was changed since" in result.stderr
    assert openpyxl.load_workbook(book)["sites"]["B2"].value == 123


def test_convert_refuses_the_cases_own_input_workbook(tmp_path: Path, model: Path) -> None:
    book = tmp_path / "book.xlsx"
    assert run("convert", model, book).exit_code == 0
    book_model = book.with_suffix(".yaml")
    before = book.read_bytes()
    result = run("convert", book_model, book, "--force")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {book} is the input workbook of {book_model}; convert writes a new "
                                          "workbook: choose another name"]
    assert book.read_bytes() == before


def test_plot_never_draws_over_a_png_capopt_did_not_draw(tmp_path: Path, model: Path) -> None:
    plan = tmp_path / "plan"
    assert run("solve", model, "--out", plan, "--quiet").exit_code == 0
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "revenue_mix.png").write_bytes(b"\x89PNG\r\n\x1a\nholiday photo")
    result = run("plot", plan, "--out", pictures)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {pictures}/revenue_mix.png exists and was not written by capopt "
                                          "(or was changed since); capopt will not overwrite it: move it away or "
                                          "choose another name"]
    assert sorted(p.name for p in pictures.iterdir()) == ["revenue_mix.png"]
    (pictures / "revenue_mix.png").unlink()
    assert run("plot", plan, "--out", pictures).exit_code == 0
    assert run("plot", plan, "--out", pictures).exit_code == 0  # its own charts: redrawn
    assert sorted(p.name for p in pictures.iterdir()) == sorted(CHART_FILES)


def test_charts_drawn_into_a_plan_folder_join_the_plan(tmp_path: Path, model: Path) -> None:
    plan = tmp_path / "plan"
    assert run("solve", model, "--out", plan, "--quiet").exit_code == 0
    assert run("plot", plan).exit_code == 0
    listed = json.loads((plan / MANIFEST).read_text())["files"]["plan"]
    assert set(CHART_FILES) <= set(listed) and "summary.json" in listed
    assert run("solve", model, "--out", plan, "--quiet").exit_code == 0  # a new plan: its old charts go
    assert not any((plan / name).exists() for name in CHART_FILES)
