"""Bad input, tried as a new user would: `capopt validate` and `capopt solve --out` exit 2 with one line per
problem (exactly the lines below), no traceback and no plan folder; harmless variations still solve.

Each case copies tests/bad_inputs/base (2 sites, 2 ASIC models, a fleet, 2 tranches, 6 monthly periods) and
breaks one thing; a few cases whose bytes matter are whole folders in tests/bad_inputs/.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import optimizer
from optimizer.cli import main
from optimizer.errors import InputError

from .bounded import run_capped

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
HORIZON = "(2027-01..2027-06, monthly)"

Edit = Callable[[Path], None]


def _file(folder: Path, name: str) -> Path:
    return folder / ("model.yaml" if name == "model" else f"inputs/{name}.csv")


def sub(name: str, old: str, new: str) -> Edit:
    """Replace the one occurrence of `old` in inputs/<name>.csv (or model.yaml for name "model")."""
    def edit(folder: Path) -> None:
        path = _file(folder, name)
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
        path.write_text(text.replace(old, new))
    return edit


def append(name: str, line: str) -> Edit:
    """Add a line at the end of inputs/<name>.csv (or model.yaml)."""
    def edit(folder: Path) -> None:
        path = _file(folder, name)
        path.write_text(path.read_text() + line + "\n")
    return edit


def write(name: str, text: str) -> Edit:
    """Replace the whole of inputs/<name>.csv (or model.yaml)."""
    return lambda folder: _file(folder, name).write_text(text)


def remove(name: str) -> Edit:
    return lambda folder: _file(folder, name).unlink()


def drop_column(name: str, column: str) -> Edit:
    """Remove one column (header and cells) from inputs/<name>.csv."""
    def edit(folder: Path) -> None:
        path = _file(folder, name)
        rows = list(csv.reader(io.StringIO(path.read_text())))
        k = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(r[:k] + r[k + 1:] for r in rows)
        path.write_text(out.getvalue())
    return edit


def both(*edits: Edit) -> Edit:
    def edit(folder: Path) -> None:
        for e in edits:
            e(folder)
    return edit


def table_is_a_folder(folder: Path) -> None:
    _file(folder, "fleet").unlink()
    _file(folder, "fleet").mkdir()


def unreadable_encoding(folder: Path) -> None:
    path = _file(folder, "contracts")
    path.write_bytes(path.read_bytes().replace(b"acme,north,2027-04", "Société,north,2027-04".encode("cp1252")))


def replaced_by(name: str, make: Callable[[Path], object]) -> Edit:
    """Remove inputs/<name>.csv (or model.yaml) and put what `make(path)` creates in its place."""
    def edit(folder: Path) -> None:
        path = _file(folder, name)
        path.unlink()
        make(path)
    return edit


def mac_csv_with_cp1252_byte(folder: Path) -> None:
    """sites.csv as Excel's "CSV (Macintosh)" saves it: bare CR line endings, Mac text, here one Windows-1252 byte."""
    path = _file(folder, "sites")
    text = path.read_text().replace("south,", "süd,").replace("\n", "\r")
    path.write_bytes(text.encode("cp1252"))


# A 600-byte model file whose nested aliases expand `name` into gigabytes ("billion laughs").
BILLION_LAUGHS = ("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                  + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
                  + "name: *i\ninputs: inputs\nstart: '2027-01'\nperiods: 6\n")

SITE_ROW_NORTH = "north,100,400000,40,1.05,5000,1.3,5000,9000000,2,60,20,20000"
SITE_ROW_SOUTH = "south,80,300000,35,1.05,5000,1.3,5000,9500000,3,,0,20000"

BAD: list = [
    # missing file, sheet or column; empty table
    ("missing_file", remove("sites"), ["error: inputs/sites.csv: required table 'sites' not found"]),
    ("missing_column", drop_column("sites", "floor_sqft"),
     ["error: inputs/sites.csv, column floor_sqft: required column missing"]),
    ("missing_key_column", drop_column("sites", "site"),
     ["error: inputs/sites.csv, column site: required column missing"]),
    ("empty_table", sub("sites", f"\n{SITE_ROW_NORTH}\n{SITE_ROW_SOUTH}", ""),
     ["error: inputs/sites.csv: table 'sites' has no rows"]),
    ("empty_file", write("periods", ""), ["error: inputs/periods.csv: file is empty: expected a header row"]),
    ("table_is_a_folder", table_is_a_folder, ["error: inputs/fleet.csv: is a folder, expected a CSV file"]),
    # cells
    ("text_for_number", sub("sites", "north,100,", "north,abc,"),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found 'abc'"]),
    ("negative", sub("fleet", "south,S21,25", "south,S21,-25"),
     ["error: inputs/fleet.csv, row 3, column installed_mw: expected a number >= 0 and <= 1,000,000, found '-25'"]),
    ("nan", sub("periods", "2027-03,44,", "2027-03,nan,"),
     ["error: inputs/periods.csv, row 4, column hashprice_usd_per_ph_day: expected a finite number, found 'nan'"]),
    ("infinite", sub("contracts", ",20,135,", ",inf,135,"),
     ["error: inputs/contracts.csv, row 3, column mw: expected a finite number, found 'inf'"]),
    ("minus_infinite_budget", sub("periods", "2027-05,43,10000000", "2027-05,43,-Infinity"),
     ["error: inputs/periods.csv, row 6, column capex_budget_usd: expected a finite number, found '-Infinity'"]),
    ("decimal_comma", sub("sites", "north,100,", 'north,"100,5",'),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found '100,5' (decimals take a point: "
      "100.5)"]),
    ("not_whole", sub("sites", ",9000000,2,", ",9000000,2.5,"),
     ["error: inputs/sites.csv, row 2, column ai_lead_time_periods: expected a whole number, found '2.5'"]),
    ("uptime_zero", sub("miners", ",0.98,", ",0,"),
     ["error: inputs/miners.csv, row 2, column uptime: expected a number > 0 and <= 1, found '0'"]),
    ("uptime_above_one", sub("miners", ",0.97,", ",1.2,"),
     ["error: inputs/miners.csv, row 3, column uptime: expected a number > 0 and <= 1, found '1.2'"]),
    ("uptime_in_percent", sub("miners", ",0.98,", ",98,"),
     ["error: inputs/miners.csv, row 2, column uptime: expected a number > 0 and <= 1, found '98' (a fraction: 98% is "
      "0.98)"]),
    ("pue_zero", sub("sites", "1.05,5000,1.3,5000,9500000", "1.05,5000,0,5000,9500000"),
     ["error: inputs/sites.csv, row 3, column ai_pue: expected a number >= 0.1 and <= 100, found '0'"]),
    ("blank_required", sub("sites", "north,100,400000,40", "north,100,,40"),
     ["error: inputs/sites.csv, row 2, column floor_sqft: required value missing"]),
    ("blank_key", sub("fleet", "north,S19,30", ",S19,30"),
     ["error: inputs/fleet.csv, row 2, column site: required value missing"]),
    ("boolean_maybe", sub("contracts", ",false", ",maybe"),
     ["error: inputs/contracts.csv, row 2, column power_passthrough: expected true or false, found 'maybe'"]),
    # keys and references
    ("duplicate_site", append("sites", SITE_ROW_SOUTH),
     ["error: inputs/sites.csv, row 4, column site: duplicate key site=south (first at row 3)"]),
    ("fleet_pair_twice", append("fleet", "north,S19,5"),
     ["error: inputs/fleet.csv, row 4, column model: duplicate key site=north, model=S19 (first at row 2)"]),
    ("period_row_twice", append("periods", "2027-03,44,10000000,120,5"),
     ["error: inputs/periods.csv, row 8, column period: duplicate key period=2027-03 (first at row 4)"]),
    ("unknown_site_in_contract", sub("contracts", "acme,north,2027-04", "acme,nrth,2027-04"),
     ["error: inputs/contracts.csv, row 3, column site: unknown site 'nrth' (not in table 'sites')"]),
    ("unknown_site_in_fleet", sub("fleet", "south,S21", "west,S21"),
     ["error: inputs/fleet.csv, row 3, column site: unknown site 'west' (not in table 'sites')"]),
    ("unknown_model_in_fleet", sub("fleet", "south,S21", "south,S9"),
     ["error: inputs/fleet.csv, row 3, column model: unknown model 'S9' (not in table 'miners')"]),
    ("unknown_site_in_site_periods", sub("site_periods", "2027-05,south", "2027-05,west"),
     ["error: inputs/site_periods.csv, row 3, column site: unknown site 'west' (not in table 'sites')"]),
    ("model_named_in_fleet_but_miners_empty", write("miners", "model,efficiency_j_per_th,sqft_per_mw\n"),
     ["error: inputs/fleet.csv, row 2, column model: unknown model 'S19' (not in table 'miners')",
      "error: inputs/fleet.csv, row 3, column model: unknown model 'S21' (not in table 'miners')"]),
    # periods
    ("period_with_a_day", sub("periods", "2027-04,44", "2027-04-15,44"),
     ["error: inputs/periods.csv, column period: missing period(s) 2027-04 of the horizon " + HORIZON,
      "error: inputs/periods.csv, row 5, column period: expected a period label YYYY-MM, found '2027-04-15'"]),
    ("period_as_words", sub("periods", "2027-04,44", "April 2027,44"),
     ["error: inputs/periods.csv, column period: missing period(s) 2027-04 of the horizon " + HORIZON,
      "error: inputs/periods.csv, row 5, column period: expected a period label YYYY-MM, found 'April 2027'"]),
    ("period_missing", sub("periods", "2027-04,44,10000000,120,5\n", ""),
     ["error: inputs/periods.csv, column period: missing period(s) 2027-04 of the horizon " + HORIZON]),
    ("period_beyond_horizon", append("periods", "2027-07,43,10000000,120,5"),
     [f"error: inputs/periods.csv, row 8, column period: '2027-07' is not a period start of the horizon {HORIZON}"]),
    ("end_before_start", sub("contracts", "2027-01,2027-03", "2027-03,2027-01"),
     ["error: inputs/contracts.csv, row 2, column end: end 2027-01 is before start 2027-03"]),
    ("contract_end_beyond_horizon", sub("contracts", "2027-04,2027-06", "2027-04,2027-09"),
     [f"error: inputs/contracts.csv, row 3, column end: '2027-09' is not a period start of the horizon {HORIZON}"]),
    ("available_from_outside", sub("miners", ",2027-03", ",2028-03"),
     [f"error: inputs/miners.csv, row 3, column available_from: '2028-03' is not a period start of the horizon "
      f"{HORIZON}"]),
    ("site_period_outside", sub("site_periods", "2027-05,south", "2027-09,south"),
     [f"error: inputs/site_periods.csv, row 3, column period: '2027-09' is not a period start of the horizon "
      f"{HORIZON}"]),
    ("quarterly_horizon_monthly_labels", both(sub("model", "months_per_period: 1", "months_per_period: 3"),
                                              sub("model", "periods: 6", "periods: 2"),
                                              sub("contracts", "2027-04,2027-06", "2027-04,2027-04"),
                                              sub("contracts", "2027-01,2027-03", "2027-01,2027-01"),
                                              sub("miners", ",2027-03", ",2027-04"),
                                              sub("site_periods", "2027-02,north", "2027-01,north"),
                                              sub("site_periods", "2027-05,south", "2027-04,south")),
     [f"error: inputs/periods.csv, row {r}, column period: '2027-0{m}' is not a period start of the horizon "
      "(2027-01..2027-04, quarterly)" for r, m in ((3, 2), (4, 3), (6, 5), (7, 6))]),
    # file layout
    ("extra_cells", sub("fleet", "north,S19,30", "north,S19,30,7"),
     ["error: inputs/fleet.csv, row 2: 1 cell beyond the 3 columns of the header: '7'"]),
    ("duplicate_column", sub("fleet", "site,model,installed_mw", "site,model,model"),
     ["error: inputs/fleet.csv, column model: column appears more than once",
      "error: inputs/fleet.csv, column installed_mw: required column missing"]),
    ("blank_header_name", sub("fleet", "site,model,installed_mw", "site,,installed_mw"),
     ["error: inputs/fleet.csv, column model: required column missing",
      "error: inputs/fleet.csv, row 1: column 2 of the header has no name"]),
    ("semicolons", write("fleet", "site;model;installed_mw\nnorth;S19;30\n"),
     ["error: inputs/fleet.csv, row 1: columns are separated by ';', expected commas; save the file as CSV UTF-8 "
      "(comma delimited)"]),
    ("header_with_capitals", sub("sites", "site,grid_mw,", "site,Grid_MW,"),
     ["warning: inputs/sites.csv, column Grid_MW: unknown column 'Grid_MW' ignored (did you mean 'grid_mw'?)",
      "error: inputs/sites.csv, column grid_mw: required column missing"]),
    ("unreadable_encoding", unreadable_encoding,
     ["error: inputs/contracts.csv, row 3, column contract: not UTF-8 text (byte 0xe9 in 'Société'); save the file "
      "as CSV UTF-8"]),
    ("blank_lines_keep_spreadsheet_rows", sub("sites", "north,100,", "\nnorth,abc,"),
     ["error: inputs/sites.csv, row 3, column grid_mw: expected a number, found 'abc'"]),
    ("quoted_line_break_keeps_spreadsheet_rows", both(sub("contracts", "acme,north,2027-01", '"ac\nme",north,2027-01'),
                                                      sub("contracts", ",20,135,", ",x,135,")),
     ["error: inputs/contracts.csv, row 3, column mw: expected a number, found 'x'"]),
    # several problems are reported together, file by file, row by row
    ("several_in_one_file", both(sub("sites", "north,100,", "north,abc,"),
                                 sub("sites", "south,80,300000,35,1.05,5000,1.3", "south,80,-1,35,1.05,5000,0")),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found 'abc'",
      "error: inputs/sites.csv, row 3, column floor_sqft: expected a number >= 0 and <= 10,000,000,000, found '-1'",
      "error: inputs/sites.csv, row 3, column ai_pue: expected a number >= 0.1 and <= 100, found '0'"]),
    ("several_files", both(sub("sites", "north,100,", "north,abc,"), sub("fleet", "south,S21", "south,S9"),
                           sub("periods", "2027-04,44,10000000,120,5\n", ""), sub("contracts", ",false", ",maybe")),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found 'abc'",
      "error: inputs/fleet.csv, row 3, column model: unknown model 'S9' (not in table 'miners')",
      "error: inputs/contracts.csv, row 2, column power_passthrough: expected true or false, found 'maybe'",
      "error: inputs/periods.csv, column period: missing period(s) 2027-04 of the horizon " + HORIZON]),
    # the model file
    ("yaml_periods_text", sub("model", "periods: 6", 'periods: "abc"'),
     ["error: model.yaml, column periods: periods must be a whole number from 1 to 1,200, found 'abc'"]),
    ("yaml_several", both(sub("model", '"2027-01"', "2027-13"), sub("model", "periods: 6", "periods: 0"),
                          sub("model", "months_per_period: 1", "months_per_period: 2"),
                          append("model", "solver: gurobi"), append("model", "colour: red")),
     ["warning: model.yaml, column colour: unknown key 'colour' ignored",
      "error: model.yaml, column start: start must be a month YYYY-MM, found '2027-13'",
      "error: model.yaml, column periods: periods must be a whole number from 1 to 1,200, found 0",
      "error: model.yaml, column months_per_period: months_per_period must be 1 or 3, found 2",
      "error: model.yaml, column solver.name: solver must be one of highs, cbc, found 'gurobi'"]),
    ("yaml_and_tables_together", both(append("model", "solver: {time_limit_s: -5}"),
                                      sub("sites", "north,100,", "north,abc,")),
     ["error: model.yaml, column solver.time_limit_s: time_limit_s must be a number of seconds > 0, found -5",
      "error: inputs/sites.csv, row 2, column grid_mw: expected a number, found 'abc'"]),
    ("yaml_missing_keys", both(sub("model", 'start: "2027-01"\n', ""), sub("model", "periods: 6\n", "")),
     ["error: model.yaml, column start: required key missing",
      "error: model.yaml, column periods: required key missing"]),
    ("yaml_start_with_day", sub("model", '"2027-01"', "2027-01-15"),
     ["error: model.yaml, column start: start must be a month YYYY-MM, found 2027-01-15"]),
    ("yaml_key_twice", append("model", "periods: 12"),
     ["error: model.yaml, row 8: malformed YAML: key 'periods' is given twice (first at row 5)"]),
    ("yaml_not_a_mapping", write("model", "- inputs\n- start\n"),
     ["error: model.yaml: model file must be a mapping of keys (name, inputs, start, periods, ...)"]),
    ("yaml_empty", write("model", ""),
     ["error: model.yaml: model file is empty: expected keys name, inputs, start, periods, ..."]),
    ("yaml_terminal_value_without_lives", append("model", "terminal_value: depreciated"),
     ["error: model.yaml, column ai_life_years: required with terminal_value: depreciated (years, e.g. 15 for AI "
      "halls, 4 for ASICs)",
      "error: model.yaml, column asic_life_years: required with terminal_value: depreciated (years, e.g. 15 for AI "
      "halls, 4 for ASICs)"]),
    ("yaml_life_not_a_number", both(append("model", "terminal_value: depreciated"),
                                    append("model", "ai_life_years: abc"), append("model", "asic_life_years: 4")),
     ["error: model.yaml, column ai_life_years: ai_life_years must be a number of years > 0, found 'abc'"]),
    ("inputs_folder_missing", sub("model", "inputs: inputs", "inputs: input"),
     ["error: model.yaml, column inputs: input folder 'input' not found"]),
    ("inputs_not_a_path", sub("model", "inputs: inputs", "inputs: [a, b]"),
     ["error: model.yaml, column inputs: inputs must be the path of the input folder or workbook, relative to the "
      "model file, found ['a', 'b']"]),
    ("inputs_workbook_missing", sub("model", "inputs: inputs", "inputs: plan.xlsx"),
     ["error: model.yaml, column inputs: input workbook 'plan.xlsx' not found"]),
    ("inputs_key_missing", sub("model", "inputs: inputs\n", ""),
     ["error: model.yaml, column inputs: required key missing"]),
    # values a solver cannot take: outside the allowed range of their column (which the message states)
    ("capex_1e308", sub("sites", ",9000000,", ",1e308,"),
     ["error: inputs/sites.csv, row 2, column ai_capex_usd_per_mw: expected a number >= 0 and <= 100,000,000,000, "
      "found '1e308'"]),
    ("contract_mw_1e308", sub("contracts", ",10,130,", ",1e308,130,"),
     ["error: inputs/contracts.csv, row 2, column mw: expected a number >= 0 and <= 1,000,000, found '1e308'"]),
    ("hashprice_1e308", sub("periods", "2027-03,44,", "2027-03,1e308,"),
     ["error: inputs/periods.csv, row 4, column hashprice_usd_per_ph_day: expected a number >= 0 and <= 1,000,000, "
      "found '1e308'"]),
    ("efficiency_denormal", sub("miners", "S19,29.5,", "S19,1e-320,"),
     ["error: inputs/miners.csv, row 2, column efficiency_j_per_th: expected a number >= 0.1 and <= 10,000, found "
      "'1e-320'"]),
    ("pue_denormal", sub("sites", "1.05,5000,1.3,5000,9500000", "1.05,5000,4.9e-324,5000,9500000"),
     ["error: inputs/sites.csv, row 3, column ai_pue: expected a number >= 0.1 and <= 100, found '4.9e-324'"]),
    ("lead_time_1e9", sub("sites", ",9000000,2,", ",9000000,1000000000,"),
     ["error: inputs/sites.csv, row 2, column ai_lead_time_periods: expected a whole number >= 0 and <= 1,200, "
      "found '1000000000'"]),
    ("lead_time_1e20", sub("sites", ",9000000,2,", ",9000000,1e20,"),
     ["error: inputs/sites.csv, row 2, column ai_lead_time_periods: expected a whole number >= 0 and <= 1,200, "
      "found '1e20'"]),
    ("lead_time_2_to_the_70", sub("sites", ",9000000,2,", f",9000000,{2 ** 70},"),
     ["error: inputs/sites.csv, row 2, column ai_lead_time_periods: expected a whole number >= 0 and <= 1,200, "
      f"found '{2 ** 70}'"]),
    # numbers are ASCII numbers: what float() takes besides (1_000, full-width and Arabic-Indic digits) is not one
    ("underscore_in_number", sub("sites", "north,100,", "north,1_000,"),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found '1_000'"]),
    ("full_width_digits", sub("sites", "north,100,", "north,\uff11\uff10\uff10,"),
     ["error: inputs/sites.csv, row 2, column grid_mw: expected a number, found '\uff11\uff10\uff10'"]),
    ("arabic_indic_digits", sub("fleet", "south,S21,25", "south,S21,\u0662\u0665"),
     ["error: inputs/fleet.csv, row 3, column installed_mw: expected a number, found '\u0662\u0665'"]),
    ("arabic_indic_period", sub("contracts", "2027-04,2027-06", "2027-04,\u0662\u0660\u0662\u0667-06"),
     ["error: inputs/contracts.csv, row 3, column end: expected a period label YYYY-MM, found "
      "'\u0662\u0660\u0662\u0667-06'"]),
    # sizes of the horizon, the tables and the LP, checked before anything of that size is built
    ("periods_1e9", sub("model", "periods: 6", "periods: 1000000000"),
     ["error: model.yaml, column periods: periods must be a whole number from 1 to 1,200, found 1000000000"]),
    ("horizon_past_year_9999", both(sub("model", '"2027-01"', '"9999-01"'), sub("model", "periods: 6", "periods: 24")),
     ["error: model.yaml, column periods: a horizon from 9999-01 of 24 periods ends after 9999-12"]),
    ("too_many_sites", append("sites", "\n".join(f"s{k},1,1,1,1,1,1,1,1,1,1,1,1" for k in range(1000))),
     ["error: inputs/sites.csv, row 1002: table 'sites' has 1,002 rows; capopt takes at most 1,000"]),
    ("too_many_periods", append("periods", "\n".join(f"{2028 + k // 12}-{k % 12 + 1:02d},1" for k in range(1200))),
     ["error: inputs/periods.csv, row 1202: table 'periods' has 1,206 rows; capopt takes at most 1,200"]),
    ("lp_too_large", both(append("sites", "\n".join(f"s{k},1,1,1,1,1,1,1,1,1,1,1,1" for k in range(990))),
                          append("miners", "\n".join(f"m{k},20,1,1,1," for k in range(400)))),
     ["error: model.yaml: the model would have up to 9,588,696 variables (6 periods x (4 x 992 sites x 402 ASIC "
      "models + 3 x 992 sites + 2 x 2 tranches)); capopt builds at most 4,000,000: use fewer scenarios, periods, "
      "sites, ASIC models or tranches"]),
    # names of tables that are not readable files: an error, never an absent table
    ("symlink_loop", replaced_by("sites", lambda path: path.symlink_to(path.name)),
     ["error: inputs/sites.csv: is a link that leads back to itself (a symbolic link loop)"]),
    ("optional_table_is_a_broken_link", replaced_by("fleet", lambda path: path.symlink_to("old_fleet.csv")),
     ["error: inputs/fleet.csv: is a broken link (to 'old_fleet.csv', which does not exist)"]),
    ("optional_table_is_a_fifo", replaced_by("contracts", lambda path: os.mkfifo(path)),
     ["error: inputs/contracts.csv: is not a regular file (a FIFO, device or socket), expected a CSV file"]),
    ("optional_table_is_dev_zero", replaced_by("site_periods", lambda path: path.symlink_to("/dev/zero")),
     ["error: inputs/site_periods.csv: is not a regular file (a FIFO, device or socket), expected a CSV file"]),
    ("model_file_is_a_fifo", replaced_by("model", lambda path: os.mkfifo(path)),
     ["error: model.yaml: is not a regular file (a FIFO, device or socket), expected a model file (.yaml)"]),
    # line endings and encodings
    ("mac_csv_with_a_cp1252_byte", mac_csv_with_cp1252_byte,
     ["error: inputs/sites.csv, row 3, column site: not UTF-8 text (byte 0xfc in 'süd'); save the file as CSV UTF-8"]),
    # sizes: refused before they are read
    ("table_too_large", replaced_by("periods", lambda path: path.write_bytes(b"") or os.truncate(path, 60_000_000)),
     ["error: inputs/periods.csv: is 60.0 MB; capopt reads files of at most 50.0 MB"]),
    ("too_many_rows", write("fleet", "site,model,installed_mw\n" + "north,S19,30\n" * 200_000),
     ["error: inputs/fleet.csv, row 100002: more than 100,000 data rows; capopt reads at most 100,000 rows per "
      "table"]),
    ("too_many_columns", write("fleet", ",".join(f"c{k}" for k in range(101)) + "\n"),
     ["error: inputs/fleet.csv, row 1: the header has 101 columns; capopt reads at most 100 per table"]),
    ("model_file_too_large", append("model", "# " + "x" * 2_000_000),
     ["error: model.yaml: is 2.0 MB; capopt reads files of at most 1.0 MB"]),
    ("yaml_anchor", sub("model", "name: base", "name: &n base"),
     ["error: model.yaml, row 2: malformed YAML: an anchor (&n) is not allowed in a model file; write the value out"]),
    ("yaml_alias", append("model", "description: *n"),
     ["error: model.yaml, row 8: malformed YAML: an alias (*n) is not allowed in a model file; write the value out"]),
    ("yaml_nested_aliases_into_name", write("model", BILLION_LAUGHS),
     ["error: model.yaml, row 1: malformed YAML: an anchor (&a) is not allowed in a model file; write the value "
      "out"]),
    ("yaml_nested_too_deep", write("model", "name: " + "[" * 5000 + "]" * 5000 + "\n"),
     ["error: model.yaml: malformed YAML: lists or mappings nested too deeply"]),
]

# Whole folders in tests/bad_inputs/ (bytes that matter): the lines `validate` must print.
FOLDERS = {
    "malformed_yaml": ["error: model.yaml, row 6: malformed YAML: found unexpected end of stream (while scanning a "
                       "quoted scalar started at row 4)"],
    "yaml_not_utf8": ["error: model.yaml, row 2: not UTF-8 text (byte 0xe9); save it as UTF-8"],
    "cp1252_sites": ["error: inputs/sites.csv, row 3, column site: not UTF-8 text (byte 0xe9 in 'montréal'); save "
                     "the file as CSV UTF-8"],
    "mac_csv_cp1252": ["error: inputs/sites.csv, row 3, column site: not UTF-8 text (byte 0xfc in 'süd'); save the "
                       "file as CSV UTF-8"],
    "optional_table_broken_link": ["error: inputs/fleet.csv: is a broken link (to 'old_fleet.csv', which does not "
                                   "exist)"],
    "sites_link_loop": ["error: inputs/sites.csv: is a link that leads back to itself (a symbolic link loop)"],
    "yaml_nested_aliases": ["error: model.yaml, row 2: malformed YAML: an anchor (&a) is not allowed in a model file; "
                            "write the value out"],
    "workbook_far_value": ["error: book.xlsx[sites], row 1048576: cell XFD1048576 holds 'x', beyond column CV, the "
                           "last capopt reads"],
}
SOLVE_AS_BASE = {"base", "excel_crlf_bom", "workbook_far_blank_cell"}  # whole folders that solve to the base plan


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_rejected(folder: Path, lines: list[str]) -> None:
    """validate and solve --out both exit 2 printing exactly `lines` and the count; no traceback, no plan folder."""
    errors = sum(line.startswith("error: ") for line in lines)
    expected = lines + [f"{errors} problem{'s' if errors != 1 else ''} in the inputs; no model was built"]
    for args in (["validate", "model.yaml"], ["solve", "model.yaml", "--out", "plan"]):
        result = run(*args)
        assert isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.splitlines() == expected
        assert not (folder / "plan").exists()


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the base case; the working directory is its folder, so messages name inputs/<table>.csv."""
    folder = tmp_path / "case"
    shutil.copytree(CORPUS / "base", folder)
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("edit, lines", [pytest.param(e, lines, id=name) for name, e, lines in BAD])
def test_bad_input_is_rejected_with_one_line_per_problem(case: Path, edit: Edit, lines: list[str]) -> None:
    edit(case)
    assert_rejected(case, lines)


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_bad_input_folders(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / name
    shutil.copytree(CORPUS / name, folder, symlinks=True)  # links stay links, broken or looping as they are
    monkeypatch.chdir(folder)
    assert_rejected(folder, FOLDERS[name])


def test_every_corpus_folder_is_tested() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders == set(FOLDERS) | SOLVE_AS_BASE


def test_missing_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["validate", "nope.yaml"], ["solve", "nope.yaml", "--out", "plan"]):
        result = run(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines() == ["error: nope.yaml: model file not found",
                                              "1 problem in the inputs; no model was built"]
    assert not (tmp_path / "plan").exists()


def test_input_table_given_as_the_model_file(case: Path) -> None:
    for args in (["validate", "inputs/sites.csv"], ["solve", "inputs/sites.csv", "--out", "plan"]):
        result = run(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines() == [
            "error: inputs/sites.csv: this holds input tables, not a model: give a model file (.yaml) with start, "
            "periods and inputs (the folder of CSV files or the workbook)",
            "1 problem in the inputs; no model was built"]
    assert not (case / "plan").exists()


@pytest.mark.parametrize("name, line", [
    ("model.yaml", "error: model.yaml: cannot read the model file: Permission denied"),
    ("sites.csv", "error: inputs/sites.csv: cannot read the file: Permission denied"),
])
def test_unreadable_file(case: Path, monkeypatch: pytest.MonkeyPatch, name: str, line: str) -> None:
    """A file the user may not read (simulated: the tests may run as root) is one line, not a traceback."""
    open_file = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied")
        return open_file(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert_rejected(case, [line])


def test_model_file_is_a_folder(case: Path) -> None:
    """The CLI refuses it as a usage error (exit 2); the library says so in one line."""
    for args in (["validate", "inputs"], ["solve", "inputs", "--out", "plan"]):
        result = run(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
        assert "'inputs' is a directory" in result.stderr
    assert not (case / "plan").exists()
    with pytest.raises(InputError) as error:
        optimizer.load("inputs")
    assert [str(p) for p in error.value.problems] == ["error: inputs: is a folder, expected a model file (.yaml)"]


# Harmless variations a spreadsheet or a hand edit produces: they solve to the base plan (same NPV).
def _crlf_bom(folder: Path) -> None:
    for path in (folder / "inputs").glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


FINE: list = [
    ("crlf_and_bom", _crlf_bom, []),
    ("header_spaces", sub("fleet", "site,model,installed_mw", " site , model ,installed_mw  "), []),
    ("cell_spaces", sub("fleet", "north,S19,30", " north , S19 , 30 "), []),
    ("trailing_empty_columns", both(sub("fleet", "installed_mw\n", "installed_mw,,\n"),
                                    sub("fleet", "north,S19,30\n", "north,S19,30,,\n")), []),
    ("blank_lines", both(sub("sites", "north,", "\nnorth,"), append("periods", "\n,,,,")), []),
    ("booleans_spelled_otherwise", both(sub("contracts", ",false", ",No"), sub("contracts", ",true", ",TRUE")), []),
    ("thousands_separators", sub("periods", "2027-01,45,100000000,", '2027-01,45,"100,000,000",'), []),
    ("whole_number_written_as_float", sub("sites", ",9000000,2,", ",9000000,2.0,"), []),
    ("period_with_first_day", sub("contracts", "2027-01,2027-03", "2027-01-01,2027-03"), []),
    ("yaml_start_as_date", sub("model", '"2027-01"', "2027-01-01"), []),
    ("yaml_with_bom", lambda folder: (folder / "model.yaml").write_bytes(b"\xef\xbb\xbf" + (
        folder / "model.yaml").read_bytes()), []),
    ("unknown_column", both(sub("fleet", "installed_mw\n", "installed_mw,colour\n"),
                            sub("fleet", "north,S19,30\n", "north,S19,30,red\n")),
     ["warning: inputs/fleet.csv, column colour: unknown column 'colour' ignored"]),
    ("unknown_table", write("notes", "anything\n"),
     ["warning: inputs/notes.csv: unknown table ignored (expected one of: contracts.csv, fleet.csv, miners.csv, "
      "periods.csv, scenario_periods.csv, scenarios.csv, site_periods.csv, sites.csv)"]),
    ("unknown_yaml_key", append("model", "author: me"),
     ["warning: model.yaml, column author: unknown key 'author' ignored"]),
]


@pytest.fixture(scope="module")
def base_npv_line(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("base") / "case"
    shutil.copytree(CORPUS / "base", folder)
    result = run("solve", str(folder / "model.yaml"), "--quiet")
    assert result.exit_code == 0 and result.stderr == "", result.output
    return result.stdout


@pytest.mark.parametrize("edit, warnings", [pytest.param(e, w, id=name) for name, e, w in FINE])
def test_harmless_variation_gives_the_base_plan(case: Path, edit: Edit, warnings: list[str],
                                                base_npv_line: str) -> None:
    edit(case)
    result = run("validate", "model.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == warnings
    result = run("solve", "model.yaml", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == warnings
    assert result.stdout == base_npv_line


def test_lead_time_beyond_the_horizon_is_the_horizon_length(case: Path) -> None:
    """A build whose lead time outlasts the horizon is never ready in it, however long the lead time is."""
    npv_lines = []
    for lead in ("6", "1200"):
        sub("sites", ",9500000,3,", f",9500000,{lead},")(case)
        result = run("solve", "model.yaml", "--quiet")
        assert result.exit_code == 0, result.output
        npv_lines.append(result.stdout)
        sub("sites", f",9500000,{lead},", ",9500000,3,")(case)
    assert npv_lines[0] == npv_lines[1]


@pytest.mark.parametrize("name", sorted(SOLVE_AS_BASE - {"base"}))
def test_corpus_folders_that_solve_give_the_base_plan(name: str, base_npv_line: str) -> None:
    result = run("solve", str(CORPUS / name / "model.yaml"), "--quiet")
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert result.stdout == base_npv_line


# Badly scaled values: one warning per column naming the first row, and the solve goes on.
SCALED: list = [
    ("capex_in_million_usd", both(sub("sites", ",9000000,", ",9,"), sub("sites", ",9500000,", ",9.5,")),
     ["warning: inputs/sites.csv, row 2, column ai_capex_usd_per_mw: 9 is far below the usual range 100,000 to "
      "100,000,000; check its unit (and 1 more row)"]),
    ("hashprice_per_eh", lambda folder: _file(folder, "periods").write_text(
        _file(folder, "periods").read_text().replace(",45,", ",45000,").replace(",44,", ",44000,")
        .replace(",43,", ",43000,")),
     ["warning: inputs/periods.csv, row 2, column hashprice_usd_per_ph_day: 45,000 is far above the usual range 1 "
      "to 5,000; check its unit (and 5 more rows)"]),
    ("energy_per_kwh", sub("sites", "north,100,400000,40,", "north,100,400000,0.04,"),
     ["warning: inputs/sites.csv, row 2, column energy_price_usd_per_mwh: 0.04 is far below the usual range 1 to "
      "2,000; check its unit"]),
    ("grid_in_kw", sub("site_periods", "2027-05,south,70,", "2027-05,south,70000,"),
     ["warning: inputs/site_periods.csv, row 3, column grid_mw: 70,000 is far above the usual range 0.05 to 10,000; "
      "check its unit"]),
    ("contract_price_per_mw_month", sub("contracts", ",10,130,", ",10,130000,"),
     ["warning: inputs/contracts.csv, row 2, column price_usd_per_kw_month: 130,000 is far above the usual range 5 "
      "to 2,000; check its unit"]),
    ("asic_price_per_ph", sub("miners", ",16.1,", ",16100,"),
     ["warning: inputs/miners.csv, row 3, column price_usd_per_th: 16,100 is far above the usual range 0.5 to 500; "
      "check its unit"]),
]


@pytest.mark.parametrize("edit, warnings", [pytest.param(e, w, id=name) for name, e, w in SCALED])
def test_badly_scaled_values_warn_and_still_solve(case: Path, edit: Edit, warnings: list[str]) -> None:
    edit(case)
    for args in (["validate", "model.yaml"], ["solve", "model.yaml", "--out", "plan", "--quiet"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == warnings
    assert (case / "plan" / "summary.json").is_file()


def test_scale_warnings_are_listed_with_errors(case: Path) -> None:
    """A warning found next to errors is printed too (it may explain them), but does not count as a problem."""
    both(sub("sites", ",9000000,", ",9,"), sub("fleet", "south,S21", "south,S9"))(case)
    assert_rejected(case, [
        "warning: inputs/sites.csv, row 2, column ai_capex_usd_per_mw: 9 is far below the usual range 100,000 to "
        "100,000,000; check its unit",
        "error: inputs/fleet.csv, row 3, column model: unknown model 'S9' (not in table 'miners')"])


def test_examples_have_no_scale_warnings() -> None:
    """The usual ranges fit the shipped examples (a warning there would teach users to ignore them)."""
    for model_file in sorted((CORPUS.parent.parent / "models").glob("*.yaml")):
        assert optimizer.load(model_file).warnings == [], model_file.name


# Size limits, in a child process whose memory is capped: each must stop with its one line, never try to allocate.
CAPPED = ["periods_1e9", "yaml_nested_aliases_into_name", "too_many_rows", "lp_too_large", "table_too_large"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CAPPED)
def test_size_limits_hold_within_a_memory_cap(case: Path, name: str) -> None:
    _, edit, lines = next(entry for entry in BAD if entry[0] == name)
    edit(case)
    result = run_capped("validate", "model.yaml", cwd=case)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[: len(lines)] == lines


@pytest.mark.slow
def test_a_template_of_a_hundred_million_periods_is_refused_within_a_memory_cap(tmp_path: Path) -> None:
    result = run_capped("template", "t.xlsx", "--periods", "100000000", cwd=tmp_path)
    assert result.returncode == 2 and "100000000 is not in the range 1<=x<=1200" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_frames_too_large_are_refused_before_their_cells_are_read() -> None:
    """`Case.from_tables` takes frames from Python: the same row limit as a file, checked before any cell is read."""
    sites = pd.DataFrame({"site": [f"s{k}" for k in range(100_001)], "grid_mw": 1.0})
    with pytest.raises(InputError) as error:
        optimizer.Case.from_tables({"sites": sites}, start="2027-01", periods=6)
    assert str(error.value.problems[0]) == ("error: <tables>[sites]: 100,001 rows and 2 columns; capopt reads at most "
                                            "100,000 rows and 100 columns per table")
