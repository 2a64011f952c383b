"""Excel in and out: input workbooks (read, template, convert), the plan workbook, formula injection, atomic writes."""
from __future__ import annotations

import datetime
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import openpyxl.styles
import pandas as pd
import pytest
import xlsxwriter
import xlsxwriter.exceptions
from click.testing import CliRunner

import optimizer
from optimizer.case import read_model_file
from optimizer.cli import main
from optimizer.model.constraints import REPORTED_DUALS
from optimizer.model.objective import TERMS
from optimizer.readers.workbook import read_workbook
from optimizer.schema import TABLES
from optimizer.studies import explain_contracts
from optimizer.writers.plan_files import read_tables, write_plan
from optimizer.writers.plan_workbook import INPUT_SHEET_TITLE, PLAN_SHEETS
from optimizer.writers.terminal import summary_text
from optimizer.writers.wording import why_negative
from optimizer.writers.xlsx import writing_book

from .bounded import run_capped
from .casebuilder import site, tables
from .edited import save_edited
from .smallcase import HORIZON, small_tables, write_csv_case
from .test_extensions import _hedge_case, _many_halls_case

REPO = Path(__file__).resolve().parents[1]
INJECTIONS = {"site_a": '=HYPERLINK("http://x","y")', "site_b": "+1", "model": "@SUM(A1)", "contract": "-2"}


def _run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _convert(model: Path, workbook: Path) -> Path:
    """`capopt convert`; returns the model file written beside the workbook."""
    result = _run("convert", model, workbook)
    assert result.exit_code == 0, result.output
    return workbook.with_suffix(".yaml")


def _assert_same_inputs(a: optimizer.Case, b: optimizer.Case) -> None:
    for name in ("sites", "miners", "fleet", "contracts", "periods", "site_periods"):
        pd.testing.assert_frame_equal(getattr(a.inputs, name), getattr(b.inputs, name), check_exact=True)


# ---------------------------------------------------------------------------------------------------------------
# input workbooks
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("names", [{}, INJECTIONS], ids=["plain", "formula-like names"])
def test_round_trip_csv_folder_to_workbook_gives_same_inputs_and_npv(tmp_path: Path, names: dict) -> None:
    csv_model = write_csv_case(tmp_path / "csv", small_tables(**names))
    book_model = _convert(csv_model, tmp_path / "book" / "small.xlsx")
    assert "inputs: small.xlsx" in book_model.read_text()
    csv_case, book_case = optimizer.load(csv_model), optimizer.load(book_model)
    _assert_same_inputs(csv_case, book_case)  # every number bit for bit, e.g. 0.1 + 0.2 USD/MWh
    assert book_case.inputs.sites["energy_price_usd_per_mwh"].iloc[1] == 0.1 + 0.2
    csv_npv, book_npv = optimizer.solve(csv_case).npv_usd, optimizer.solve(book_case).npv_usd
    assert book_npv == pytest.approx(csv_npv, rel=1e-9)
    if names:
        sheet = openpyxl.load_workbook(tmp_path / "book" / "small.xlsx")["sites"]
        assert sheet["A2"].value == INJECTIONS["site_a"] and sheet["A2"].data_type == "s"


def test_workbook_reader_gives_raw_tables_like_the_csv_reader(tmp_path: Path) -> None:
    csv_model = write_csv_case(tmp_path, small_tables())
    book = tmp_path / "small.xlsx"
    _convert(csv_model, book)
    _, _, _, _, csv_raw, _ = read_model_file(csv_model)
    book_raw, problems = read_workbook(book)
    assert problems == []
    assert set(book_raw) == set(csv_raw)
    for name, raw in book_raw.items():
        assert raw.source.endswith(f"small.xlsx[{name}]")
        assert raw.rows == csv_raw[name].rows
        assert list(raw.frame.columns) == list(csv_raw[name].frame.columns)


@pytest.mark.skipif(not (REPO / "models" / "terawulf.yaml").is_file(), reason="example model not present")
def test_round_trip_of_the_example_model(tmp_path: Path) -> None:
    book_model = _convert(REPO / "models" / "terawulf.yaml", tmp_path / "terawulf.xlsx")
    csv_case, book_case = optimizer.load(REPO / "models" / "terawulf.yaml"), optimizer.load(book_model)
    _assert_same_inputs(csv_case, book_case)
    assert optimizer.solve(book_case).npv_usd == pytest.approx(optimizer.solve(csv_case).npv_usd, rel=1e-9)


def test_cells_typed_as_a_planner_would_type_them(tmp_path: Path) -> None:
    """Dates for periods, numbers as text, TRUE/FALSE booleans, blank rows and formulas with saved results."""
    csv_model = write_csv_case(tmp_path / "csv", small_tables())
    book = tmp_path / "small.xlsx"
    book_model = _convert(csv_model, book)
    wb = openpyxl.load_workbook(book)
    periods = wb["periods"]
    for row in range(2, 5):
        label = periods.cell(row=row, column=1).value
        periods.cell(row=row, column=1).value = datetime.datetime(int(label[:4]), int(label[5:]), 1)
        periods.cell(row=row, column=1).number_format = "mmm yyyy"
    periods.insert_rows(3)  # a blank row inside the table is skipped
    sites = wb["sites"]
    sites["B2"].value = "10"  # a number stored as text
    contracts = wb["contracts"]
    assert contracts["H2"].value is True  # written as a boolean
    contracts["C2"].value = datetime.date(2027, 5, 1)
    save_edited(wb, book)
    _assert_same_inputs(optimizer.load(csv_model), optimizer.load(book_model))


def test_bad_cell_names_workbook_sheet_row_and_column_and_exits_2(tmp_path: Path) -> None:
    book_model = _convert(write_csv_case(tmp_path / "csv", small_tables()), tmp_path / "small.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "small.xlsx")
    wb["sites"]["B3"].value = "lots"
    wb["periods"]["A4"].value = datetime.datetime(2027, 6, 15)  # a date that is not a period start
    wb.create_sheet("notes")
    save_edited(wb, tmp_path / "small.xlsx")
    result = _run("validate", book_model)
    assert result.exit_code == 2
    assert "small.xlsx[sites], row 3, column grid_mw: expected a number, found 'lots'" in result.output
    assert "small.xlsx[periods], row 4, column period: expected a period label YYYY-MM, found '2027-06-15'" \
        in result.output
    assert "warning: " in result.output and "small.xlsx[notes]: unknown sheet ignored" in result.output


def test_missing_sheet_formula_without_result_and_unreadable_file(tmp_path: Path) -> None:
    book = tmp_path / "small.xlsx"
    _convert(write_csv_case(tmp_path / "csv", small_tables()), book)
    wb = openpyxl.load_workbook(book)
    del wb["periods"]
    wb["sites"]["C2"].value = "=2*500000"  # openpyxl saves formulas without a calculated result
    save_edited(wb, book)
    _, problems = read_workbook(book)
    shown = [str(p) for p in problems]
    assert any("small.xlsx[periods]: required sheet 'periods' not found" in s for s in shown), shown
    assert any("small.xlsx[sites], row 2, column floor_sqft: formula without a saved result" in s for s in shown)
    (tmp_path / "bad.xlsx").write_text("not a zip file")
    _, problems = read_workbook(tmp_path / "bad.xlsx")
    assert len(problems) == 1 and "cannot read the workbook" in problems[0].message


def test_floats_keep_every_bit_in_written_workbooks(tmp_path: Path) -> None:
    values = [0.1 + 0.2, 1 / 3, 2.0 ** -1074, 1.7976931348623157e308, -123456.78901234567, np.float64(2 / 3)]
    with writing_book(tmp_path / "f.xlsx") as book:
        sheet = book.sheet("numbers")
        for r, v in enumerate(values):
            sheet.row(r, [v], book.format(num_format="0.0"))
    back = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert [back.cell(row=i, column=1).value for i in range(1, len(values) + 1)] == values


def test_template_has_notes_validations_and_example_that_solves(tmp_path: Path) -> None:
    book = tmp_path / "portfolio.xlsx"
    result = _run("template", book, "--start", "2027-01", "--periods", "12")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["README"] + [t.name for t in TABLES]
    for table in TABLES:
        ws = wb[table.name]
        header = [c.value for c in ws[1]]
        assert header == [c.name for c in table.columns]
        assert all(ws.cell(row=1, column=i).comment is not None for i in range(1, len(header) + 1))
        assert ws.freeze_panes == "A2"
        if table.name in ("scenarios", "scenario_periods"):  # empty: the example plans one future
            assert ws.max_row == 1
        else:
            assert ws.max_row >= 2, f"{table.name} has no example row"
    rules = {(ws.title, dv.type, dv.formula1, str(dv.sqref)) for ws in wb.worksheets
             for dv in ws.data_validations.dataValidation}
    assert ("sites", "decimal", "0", "B2:B1000") in rules  # grid_mw >= 0
    assert ("contracts", "list", '"TRUE,FALSE"', "H2:H1000") in rules  # power_passthrough
    assert ("fleet", "list", "'sites'!$A$2:$A$1000", "A2:A1000") in rules  # a site of sheet sites
    assert ("contracts", "list", "'periods'!$A$2:$A$1000", "C2:C1000") in rules  # a period of the horizon
    assert any(t == "periods" and kind == "custom" for t, kind, _, _ in rules)
    assert wb["sites"]["A1"].comment.text.startswith("site name (key)")
    model = tmp_path / "portfolio.yaml"
    assert "inputs: portfolio.xlsx" in model.read_text()
    assert _run("validate", model).exit_code == 0
    solved = _run("solve", model, "--quiet")
    assert solved.exit_code == 0 and solved.output.startswith("NPV: ")
    again = CliRunner().invoke(main, ["template", str(book)])
    assert again.exit_code == 2 and "--force" in again.output


def test_template_number_formats_follow_one_rule(tmp_path: Path) -> None:
    """Thousands separators on every number column whose usual values are at least 100 (opex 4,000 like capex
    9,000,000), the other numbers as typed (18.9 USD/TH stays 18.9), text and periods as text, booleans as TRUE or
    FALSE (LibreOffice would show 1 or 0); every sheet prints
    landscape one page wide with its header repeated."""
    book = tmp_path / "portfolio.xlsx"
    assert _run("template", book, "--start", "2027-01", "--periods", "12").exit_code == 0
    wb = openpyxl.load_workbook(book)
    for table in TABLES:
        ws = wb[table.name]
        for i, column in enumerate(table.columns, start=1):
            usual = column.typical is not None and column.typical[0] >= 100
            want = ("@" if column.kind in ("text", "period") else "#,##0" if usual else
                    '"TRUE";"TRUE";"FALSE"' if column.kind == "bool" else "General")
            [dimension] = [d for d in ws.column_dimensions.values() if d.min <= i <= d.max]  # for cells typed later
            assert dimension.number_format == want, (table.name, column.name)
            if ws.max_row >= 2 and ws.cell(row=2, column=i).value is not None:
                assert ws.cell(row=2, column=i).number_format == want, (table.name, column.name)
    sites = {c.value: i for i, c in enumerate(wb["sites"][1], start=1)}
    assert wb["sites"].cell(row=2, column=sites["mining_opex_usd_per_mw_month"]).number_format == "#,##0"
    assert wb["sites"].cell(row=2, column=sites["ai_capex_usd_per_mw"]).number_format == "#,##0"
    _assert_prints_one_page_wide(wb, tables={t.name for t in TABLES})


# ---------------------------------------------------------------------------------------------------------------
# plan workbook
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def injected_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[optimizer.Plan, Path]:
    """A plan whose site, ASIC model and contract names start with =, +, @ and -; written as csv, xlsx and json."""
    folder = tmp_path_factory.mktemp("plan")
    plan = optimizer.solve(optimizer.load(write_csv_case(folder, small_tables(**INJECTIONS))))
    write_plan(plan, folder / "out", ["csv", "xlsx", "json"])
    return plan, folder / "out"


def test_plan_workbook_sheets_and_numbers_equal_the_csv_tables(injected_plan) -> None:
    plan, out = injected_plan
    wb = openpyxl.load_workbook(out / "plan.xlsx")
    expected = ["Summary", *PLAN_SHEETS.values(), *(INPUT_SHEET_TITLE.format(table=t.name) for t in TABLES),
                "Chart data"]
    assert wb.sheetnames == expected
    csv_tables = read_tables(out)
    for name, sheet in PLAN_SHEETS.items():
        ws = wb[sheet]
        rows = list(ws.iter_rows(values_only=True))
        csv = csv_tables[name]
        assert list(rows[0]) == list(csv.columns)
        assert len(rows) - 1 == len(csv)
        for j, column in enumerate(csv.columns):
            cells = [r[j] for r in rows[1:]]
            if pd.api.types.is_numeric_dtype(csv[column]) and not pd.api.types.is_bool_dtype(csv[column]):
                got = np.array([np.nan if c is None else c for c in cells], dtype=float)
                np.testing.assert_array_equal(got, csv[column].to_numpy(float), err_msg=f"{sheet}.{column}")
            else:
                want = [None if isinstance(v, float) and np.isnan(v) else v for v in csv[column]]
                assert cells == want, f"{sheet}.{column}"
        assert ws.freeze_panes is not None and ws.freeze_panes != "A1"
    plan_sheet = wb["Plan"]
    header = [c.value for c in plan_sheet[1]]
    assert plan_sheet.cell(row=2, column=header.index("mining_installed_mw") + 1).number_format == "0.0"
    assert plan_sheet.cell(row=2, column=header.index("cash_flow_usd") + 1).number_format == "#,##0"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert summary["NPV"] == plan.npv_usd
    assert summary["AI revenue first exceeds mining revenue in"] == plan.crossover_period == "2027-05"
    assert summary["Status"] == "optimal"
    echoed = pd.DataFrame(list(wb["Input sites"].iter_rows(min_row=2, values_only=True)),
                          columns=[c.value for c in wb["Input sites"][1]])
    assert echoed["grid_mw"].tolist() == plan.case.inputs.sites["grid_mw"].tolist()


def _chart_series(xml: str) -> list[tuple[str, str]]:
    """(series name, values reference) of each series of a chart part, in order."""
    return re.findall(r"<c:ser>.*?<c:tx><c:v>(.*?)</c:v></c:tx>.*?<c:val><c:numRef><c:f>(.*?)</c:f>", xml)


def _referenced(book: openpyxl.Workbook, reference: str) -> list[object]:
    """The cell values of a one-column reference like 'Chart data'!$H$2:$H$49."""
    sheet, cells = reference.rsplit("!", 1)
    return [cell.value for (cell,) in book[sheet.strip("'")][cells.replace("$", "")]]


def test_plan_workbook_has_three_native_charts(injected_plan) -> None:
    _, out = injected_plan
    with zipfile.ZipFile(out / "plan.xlsx") as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 3
        xml = [z.read(n).decode() for n in charts]
    assert "barChart" in xml[0] and "IT MW to mining vs AI" in xml[0]
    assert "lineChart" in xml[1] and "crossover 2027-05" in xml[1]
    assert "barChart" in xml[2] and "lineChart" in xml[2] and "Cash flow per period by term" in xml[2]


def test_cash_flow_chart_draws_every_term_signed_and_the_cumulative_cash_flow(injected_plan) -> None:
    """Revenues up, costs down (stacked bars, one series per term), and a line of the cumulative cash flow: each
    series refers to the Chart data cells holding exactly those numbers."""
    plan, out = injected_plan
    with zipfile.ZipFile(out / "plan.xlsx") as z:
        cash = z.read("xl/charts/chart3.xml").decode()
    assert '<c:grouping val="stacked"/>' in cash
    book = openpyxl.load_workbook(out / "plan.xlsx")
    series = _chart_series(cash)
    totals = plan.period_totals
    assert [name for name, _ in series] == [t.label for t in TERMS] + ["cumulative cash flow"]
    for term, (_, reference) in zip(TERMS, series):
        np.testing.assert_allclose(_referenced(book, reference), term.sign * totals[term.name], rtol=0, atol=1e-6)
    np.testing.assert_allclose(_referenced(book, series[-1][1]), np.cumsum(totals["cash_flow_usd"]), rtol=1e-12)
    assert "lineChart" in cash.split("</c:barChart>")[1]  # the cumulative line is drawn over the bars


def test_formula_like_text_stays_text_everywhere(injected_plan) -> None:
    plan, out = injected_plan
    wb = openpyxl.load_workbook(out / "plan.xlsx")
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if cell.value in INJECTIONS.values():
                    assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                    found.add(cell.value)
    assert found == set(INJECTIONS.values())
    raw_csv = (out / "site_plan.csv").read_text()
    assert "'=HYPERLINK" in raw_csv and "\n+1," not in raw_csv and "\n'+1," in raw_csv
    assert set(read_tables(out)["site_plan"]["site"]) == {INJECTIONS["site_a"], INJECTIONS["site_b"]}
    document = json.loads((out / "plan.json").read_text())
    assert {r["site"] for r in document["tables"]["site_plan"]} == {INJECTIONS["site_a"], INJECTIONS["site_b"]}


def _summary_rows(book: openpyxl.Workbook) -> dict[str, tuple]:
    """Summary lines by label (outer spaces removed): (value, unit)."""
    return {str(r[0]).strip(): (r[1], r[2]) for r in book["Summary"].iter_rows(min_row=4, values_only=True) if r[0]}


def _assert_prints_one_page_wide(book: openpyxl.Workbook, *, tables: set[str]) -> None:
    """Every sheet prints landscape, one page wide and as many tall as needed; table sheets repeat their header."""
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title  # OOXML default 1
        if ws.title in tables:
            assert ws.print_title_rows == "$1:$1", ws.title


def test_every_plan_sheet_prints_landscape_one_page_wide(injected_plan) -> None:
    _, out = injected_plan
    book = openpyxl.load_workbook(out / "plan.xlsx")
    _assert_prints_one_page_wide(book, tables=set(book.sheetnames) - {"Summary"})


def test_summary_explains_units_and_why_the_npv_is_negative(tmp_path: Path) -> None:
    """MW installed vs running, shadow prices in present value and in their period's money with the units the
    constraint families declare, and the terminal's note on a negative NPV, word for word."""
    tbl = small_tables()
    tbl["sites"]["ai_capex_usd_per_mw"] = 60_000_000.0  # a hall the hard contract needs, paid back after the horizon
    tbl["contracts"]["shortfall_penalty_usd_per_kw_month"] = None
    tbl["periods"]["capex_budget_usd"] = None
    plan = optimizer.solve(optimizer.Case.from_tables(tbl, **HORIZON))
    assert plan.npv_usd < 0
    write_plan(plan, tmp_path / "out", ["xlsx"])
    book = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")
    rows = _summary_rows(book)
    first, last = plan.period_totals["period"].iloc[[0, -1]]
    assert rows[f"Mining IT MW installed, {last}"] == (plan.period_totals["mining_installed_mw"].iloc[-1],
                                                       "IT MW installed")
    assert rows[f"Mining IT MW running, {first}"][1].startswith("IT MW running")
    notes = " ".join(str(r[0]).strip() for r in book["Summary"].iter_rows(values_only=True)
                     if r[0] and r[1] is None and str(r[0]).strip())
    assert f"Why negative: {why_negative(plan.summary)}" in notes
    assert f"why negative: {why_negative(plan.summary)}" in summary_text(plan)
    binding = plan.shadow_prices[plan.shadow_prices["shadow_price"].abs() > 1e-6]
    assert len(binding)
    best = binding.loc[binding["shadow_price"].abs().idxmax()]
    present = [v for k, v in rows.items() if k.startswith("most valuable in")]
    assert (best.shadow_price, best.unit) in present  # the table's unit column: per unit, present value
    dual = REPORTED_DUALS[best.constraint]
    in_period = [v for k, v in rows.items() if k.startswith("the same in that period's money")]
    assert (best.shadow_price_in_period_usd, f"{dual.unit} in {best.period}'s money, of {dual.meaning}") in in_period


def test_milp_summary_shows_halls_contracts_gap_and_bound(tmp_path: Path) -> None:
    """Whole halls (count x MW), each optional contract signed or not with the NPV it adds, gap and best bound."""
    tbl = tables(sites=[site("A", ai_capex_usd_per_mw=40_000.0, ai_block_mw=20.0)], miners=[],
                 contracts=[{"contract": "lease", "site": "A", "start": "2027-04", "end": "2027-04", "mw": 10.0,
                             "price_usd_per_kw_month": 100.0, "optional": True}],
                 periods=[{"period": "2027-04", "hashprice_usd_per_ph_day": 0.0,
                           "ai_spot_price_usd_per_kw_month": 100.0, "ai_spot_max_mw": 30.0}])
    case = optimizer.Case.from_tables(tbl, start="2027-04", periods=1)
    plan = optimizer.solve(case)
    plan.summary.contract_decisions = [d.to_json() for d in explain_contracts(case, plan.summary.objective_usd,
                                                                             {"lease": True})]
    write_plan(plan, tmp_path / "out", ["xlsx"])
    rows = _summary_rows(openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx"))
    whole = plan.summary.whole
    [hall] = whole.ai_halls_started
    assert rows["AI halls started at A in 2027-04"] == (hall["halls"], f"halls x 20 MW = {hall['mw']:g} IT MW")
    assert rows["Optional contract lease"][0] == "signed"
    assert rows["NPV added by signing it"][0] == plan.summary.contract_decisions[0]["npv_added_usd"]
    assert rows["Gap (objective to best bound)"][0] == whole.mip_gap
    assert rows["Best bound"][0] == whole.best_bound_usd


@pytest.mark.usefixtures("stop_at_first_plan")
def test_a_stopped_milp_says_it_is_not_proven_optimal(tmp_path: Path) -> None:
    plan = optimizer.solve(_many_halls_case())
    assert plan.status == "feasible"
    write_plan(plan, tmp_path / "out", ["xlsx"])
    status = _summary_rows(openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx"))["Status"][0]
    whole = plan.summary.whole
    assert status == (f"feasible, not proven optimal, gap {whole.mip_gap:.2%}, best bound "
                      f"{whole.best_bound_usd:,.0f} USD")


def test_scenario_plan_workbook_has_a_scenarios_sheet(tmp_path: Path) -> None:
    """Expected NPV, CVaR, NPV and probability per scenario with a bar chart of them, the committed decisions and
    MW per scenario and year; the plan tables keep their scenario column, every number equal to its CSV."""
    plan = optimizer.solve(_hedge_case())
    out = tmp_path / "out"
    write_plan(plan, out, ["csv", "xlsx"])
    book = openpyxl.load_workbook(out / "plan.xlsx")
    assert book.sheetnames[:2] == ["Summary", "Scenarios"]
    assert {"Committed", "Scenario years", *PLAN_SHEETS.values()} <= set(book.sheetnames)
    csv_tables = read_tables(out)
    for name, sheet in {**PLAN_SHEETS, "committed": "Committed", "scenario_years": "Scenario years"}.items():
        rows = list(book[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == list(csv_tables[name].columns) and len(rows) - 1 == len(csv_tables[name]), sheet
    assert [r[0] for r in list(book["Plan"].iter_rows(min_row=2, values_only=True))] == \
        list(plan.site_plan["scenario"])
    cells = [list(r) for r in book["Scenarios"].iter_rows(values_only=True)]
    cells = [r[: max((i + 1 for i, v in enumerate(r) if v is not None), default=0)] for r in cells]  # no blank tail
    outcomes = plan.summary.scenarios
    figures = {r[0]: r[1] for r in cells if len(r) > 1}
    assert figures["Expected NPV"] == outcomes.expected_npv_usd
    assert figures["CVaR (mean NPV of the worst 10% of outcomes)"] == outcomes.cvar_usd
    header = cells.index(["scenario", "probability", "npv_usd", "crossover_period"])
    by_scenario = {r[0]: (r[1], r[2]) for r in cells[header + 1: header + 3]}
    assert by_scenario == {n: (outcomes.probability_by_scenario[n], outcomes.npv_by_scenario_usd[n])
                           for n in ("A", "B")}
    committed = cells.index(["decision", "site", "model", "contract", "period", "mw", "whole_units", "unit_mw"])
    assert cells[committed + 1][0] == "start AI build" and cells[committed + 1][5] == pytest.approx(4.0)
    mining = next(i for i, r in enumerate(cells) if r and str(r[0]).startswith("Mining IT MW installed"))
    years = plan.extra_tables["scenario_years"]
    assert cells[mining + 1][:2] == ["scenario", "2027"]
    assert cells[mining + 2][:2] == ["A", years.set_index("scenario").loc["A", "mining_installed_mw"]]
    with zipfile.ZipFile(out / "plan.xlsx") as z:
        xml = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    [npv_chart] = [x for x in xml if "NPV by scenario" in x]
    [(_, reference)] = _chart_series(npv_chart)
    assert _referenced(book, reference) == [outcomes.npv_by_scenario_usd[n] for n in ("A", "B")]
    assert "Cash flow per period by term (expected)" in " ".join(xml)
    _assert_prints_one_page_wide(book, tables=set(book.sheetnames) - {"Summary", "Scenarios"})


def test_json_plan_has_every_table(injected_plan) -> None:
    plan, out = injected_plan
    document = json.loads((out / "plan.json").read_text())
    assert document["summary"]["npv_usd"] == plan.npv_usd
    for name, frame in plan.tables().items():
        assert len(document["tables"][name]) == len(frame)
    budget = [r for r in document["tables"]["shadow_prices"] if r["constraint"] == "capex_budget"]
    assert budget and all(r["site"] is None for r in budget)


def test_cli_solve_writes_formats_and_rejects_bad_ones(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path, small_tables())
    result = _run("solve", model, "--out", tmp_path / "plan", "--format", "xlsx,json", "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "plan").iterdir()) == [".capopt-manifest.json", "plan.json", "plan.xlsx",
                                                                      "summary.json"]
    bad = CliRunner().invoke(main, ["solve", str(model), "--out", str(tmp_path / "p2"), "--format", "pdf"])
    assert bad.exit_code == 2 and not (tmp_path / "p2").exists()
    no_out = CliRunner().invoke(main, ["solve", str(model), "--format", "xlsx"])
    assert no_out.exit_code == 2 and "--out" in no_out.output


# ---------------------------------------------------------------------------------------------------------------
# atomic writes
# ---------------------------------------------------------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failed_plan_write_leaves_the_previous_plan_intact(tmp_path: Path, monkeypatch) -> None:
    plan = optimizer.solve(optimizer.load(write_csv_case(tmp_path, small_tables())))
    out = tmp_path / "out"
    write_plan(plan, out)
    before = _snapshot(out)

    def fail_midway(*args, **kwargs):
        raise RuntimeError("disk unplugged while writing the workbook")

    monkeypatch.setattr("optimizer.writers.plan_workbook._chart_frame", fail_midway)
    with pytest.raises(RuntimeError):
        write_plan(plan, out, ["csv", "xlsx"], plots=True)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging left


def test_failed_workbook_save_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch) -> None:
    book = tmp_path / "portfolio.xlsx"
    assert _run("template", book, "--start", "2027-01", "--periods", "3").exit_code == 0
    before = book.read_bytes()

    def half_written(self):
        Path(self.filename).write_bytes(b"PK\x03\x04 half a zip")
        raise xlsxwriter.exceptions.FileCreateError(OSError(28, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", half_written)
    result = _run("template", book, "--start", "2027-01", "--periods", "6", "--force")
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["portfolio.xlsx", "portfolio.yaml"]


# ---------------------------------------------------------------------------------------------------------------
# workbooks that are small files but claim to be huge, or are ambiguous
# ---------------------------------------------------------------------------------------------------------------

def _workbook_case(folder: Path) -> Path:
    """The bad-input corpus' base case converted to book.xlsx; returns its model file book.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    return _convert(REPO / "tests" / "bad_inputs" / "base" / "model.yaml", folder / "book.xlsx")


def _replace_part(book: Path, part: str, edit) -> None:
    """Rewrite one part of an .xlsx file (a zip) with `edit(xml text) -> xml text`."""
    with zipfile.ZipFile(book) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            target.writestr(info, edit(data.decode()).encode() if info.filename == part else data)


SITES_PART = "xl/worksheets/sheet2.xml"  # README is sheet1, then the tables in schema order
FLEET_PART = "xl/worksheets/sheet4.xml"


@pytest.mark.slow
def test_a_styled_blank_cell_at_xfd1048576_costs_nothing(tmp_path: Path) -> None:
    """A 22 KB workbook whose sheet claims 1,048,576 rows x 16,384 columns: read as the few cells it holds."""
    model = _workbook_case(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    wb["sites"]["XFD1048576"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    save_edited(wb, tmp_path / "book.xlsx")
    assert (tmp_path / "book.xlsx").stat().st_size < 30_000
    result = run_capped("validate", model.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "inputs are valid (2 sites" in result.stdout


def test_a_value_beyond_the_columns_read_is_an_error_naming_its_cell(tmp_path: Path) -> None:
    model = _workbook_case(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    wb["sites"]["XFD1048576"] = "x"
    save_edited(wb, tmp_path / "book.xlsx")
    result = CliRunner().invoke(main, ["validate", str(model)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith("book.xlsx[sites], row 1048576: cell XFD1048576 holds 'x', beyond "
                                                  "column CV, the last capopt reads")


@pytest.mark.slow
def test_a_sheet_of_more_rows_than_a_table_takes_stops_at_the_limit(tmp_path: Path) -> None:
    model = _workbook_case(tmp_path)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>north</t></is></c><c r="B{r}" t="inlineStr"><is>'
                   f'<t>S19</t></is></c><c r="C{r}"><v>1</v></c></row>' for r in range(2, 100_003))
    _replace_part(tmp_path / "book.xlsx", FLEET_PART,
                  lambda xml: xml[: xml.index("</row>") + len("</row>")] + rows + xml[xml.index("</sheetData>"):])
    result = run_capped("validate", model.name, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0] == ("error: book.xlsx[fleet], row 100002: more than 100,000 data rows; "
                                             "capopt reads at most 100,000 rows per table")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    model = _workbook_case(tmp_path)
    with zipfile.ZipFile(tmp_path / "book.xlsx", "a", zipfile.ZIP_DEFLATED) as book:
        with book.open("xl/media/padding.bin", "w", force_zip64=True) as padding:
            for _ in range(250):
                padding.write(bytes(1_000_000))
    assert (tmp_path / "book.xlsx").stat().st_size < 1_000_000
    result = CliRunner().invoke(main, ["validate", str(model)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith("book.xlsx: cannot read the workbook (it unpacks to 250 MB; capopt "
                                                  "reads workbooks of at most 200 MB unpacked); save it as an Excel "
                                                  "workbook (.xlsx)")


def test_two_sheets_read_as_one_table_are_an_error(tmp_path: Path) -> None:
    """' sites' would otherwise silently replace (or be replaced by) 'sites'."""
    model = _workbook_case(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    wb.copy_worksheet(wb["sites"]).title = " Sites"
    save_edited(wb, tmp_path / "book.xlsx")
    result = CliRunner().invoke(main, ["validate", str(model)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith(
        "book.xlsx[sites]: sheets 'sites' and ' Sites' are both read as table 'sites' (sheet names are read without "
        "case and outer spaces); rename or delete one")


def test_formula_results_as_a_spreadsheet_saves_them(tmp_path: Path) -> None:
    """A formula whose saved result is "" is a blank cell (not 'no saved result'); a number result is the number;
    a formula saved without a result (written by a script) is an error naming its cell."""
    model = _workbook_case(tmp_path)
    plain = CliRunner().invoke(main, ["solve", str(model), "--quiet"])

    def formulas(xml: str) -> str:
        # south's ai_max_mw (K3) is blank; north's grid_mw (B2) is 100
        xml = xml.replace('<c r="B2" s="', '<c r="B2" s="').replace(
            xml[xml.index('<c r="B2"'): xml.index("</c>", xml.index('<c r="B2"')) + 4],
            '<c r="B2"><f>50*2</f><v>100</v></c>')
        return xml.replace('<c r="J3"', '<c r="K3" t="str"><f>IF(TRUE,"","")</f><v></v></c><c r="J3"', 1)

    _replace_part(tmp_path / "book.xlsx", SITES_PART, formulas)
    solved = CliRunner().invoke(main, ["solve", str(model), "--quiet"])
    assert solved.exit_code == 0, solved.output
    assert solved.stdout == plain.stdout
    _replace_part(tmp_path / "book.xlsx", SITES_PART, lambda xml: xml.replace("<v>100</v>", ""))
    unsaved = CliRunner().invoke(main, ["validate", str(model)])
    assert unsaved.exit_code == 2
    assert unsaved.stderr.splitlines()[0].endswith("book.xlsx[sites], row 2, column grid_mw: formula without a saved "
                                                   "result: open the workbook in a spreadsheet program, let it "
                                                   "calculate and save it")


def test_a_workbook_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    model = _workbook_case(tmp_path)
    os.truncate(tmp_path / "book.xlsx", 60_000_000)
    result = CliRunner().invoke(main, ["validate", str(model)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith("book.xlsx: is 60.0 MB; capopt reads files of at most 50.0 MB")
