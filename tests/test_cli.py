"""The `capopt` command line through click's CliRunner: exit codes 0 / 1 / 2, files, atomic output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import optimizer
from optimizer.cli import main

SITES = """site,grid_mw,floor_sqft,energy_price_usd_per_mwh,ai_sqft_per_mw,ai_capex_usd_per_mw,ai_lead_time_periods
A,10,20000,40,5000,1000000,{lead}
"""
MINERS = "model,efficiency_j_per_th,sqft_per_mw,price_usd_per_th\nS21,20,1000,15\n"
FLEET = "site,model,installed_mw\nA,S21,5\n"
CONTRACTS = "contract,site,start,end,mw,price_usd_per_kw_month\nX,A,2027-03,2027-04,2,150\n"
PERIODS = "period,hashprice_usd_per_ph_day\n2027-01,50\n2027-02,50\n2027-03,50\n2027-04,50\n"
TINY_NPV_USD = -593_120.0


def write_case(folder: Path, *, lead: int = 1, sites: str | None = None) -> Path:
    """A one-site, four-month case; the 2 MW contract from 2027-03 needs a build in 2027-02 (lead 1)."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    (inputs / "sites.csv").write_text(sites or SITES.format(lead=lead))
    (inputs / "miners.csv").write_text(MINERS)
    (inputs / "fleet.csv").write_text(FLEET)
    (inputs / "contracts.csv").write_text(CONTRACTS)
    (inputs / "periods.csv").write_text(PERIODS)
    model = folder / "case.yaml"
    model.write_text("name: tiny\ninputs: inputs\nstart: '2027-01'\nperiods: 4\n")
    return model


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_tiny_case_npv_by_hand(tmp_path):
    """5 MW S21 (50 PH/s per MW) at 50 USD/PH/day and 40 USD/MWh over Jan-Apr 2027 (120 days):
    mining 5 * 50 * 50 * 120 = 1,500,000; energy 40 * 24 * 120 * 5 = 576,000 for ASICs plus
    40 * 24 * 61 * 2 = 117,120 for the 2 MW of AI in Mar-Apr; contract 2 * 1000 * 150 * 2 = 600,000;
    capex 2 MW * 1 M = 2,000,000. NPV = 1,500,000 + 600,000 - 693,120 - 2,000,000 = -593,120."""
    case = optimizer.load(write_case(tmp_path))
    assert optimizer.solve(case).npv_usd == pytest.approx(TINY_NPV_USD, abs=1.0)


def test_solve_writes_summary_and_tables(tmp_path):
    model = write_case(tmp_path)
    result = run("solve", model, "--out", tmp_path / "plan")
    assert result.exit_code == 0, result.output
    assert "NPV: -593,120 USD" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["npv_usd"] == pytest.approx(TINY_NPV_USD, abs=1.0)
    assert summary["present_value_usd"]["capex_usd"] == pytest.approx(2_000_000)
    assert summary["size"]["periods"] == 4 and summary["solve_seconds"] >= 0
    for name in ("site_plan", "miner_periods", "contract_periods", "period_totals", "shadow_prices"):
        assert (tmp_path / "plan" / f"{name}.csv").is_file()
    assert not list(tmp_path.glob(".plan.*"))  # no staging folder left behind


def test_solve_with_cbc_gives_same_npv(tmp_path):
    result = run("solve", write_case(tmp_path), "--solver", "cbc", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "NPV: -593,120 USD (optimal)"


def test_infeasible_exits_1_with_explanation_and_keeps_previous_output(tmp_path):
    out = tmp_path / "plan"
    assert run("solve", write_case(tmp_path / "good"), "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run("solve", write_case(tmp_path / "bad", lead=3), "--out", out)
    assert result.exit_code == 1
    assert "no plan: infeasible: contract X (tranche 1) at site A needs 2 MW in 2027-03" in result.stderr
    assert "lead time 3 periods" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path):
    bad = SITES.format(lead=1).replace("A,10,20000,40", "A,ten,20000,-40")
    result = run("solve", write_case(tmp_path, sites=bad), "--out", tmp_path / "plan")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("error: ") and "sites.csv, row 2, column grid_mw: expected a number, found 'ten'"
               in line for line in lines), lines
    assert any("sites.csv, row 2, column energy_price_usd_per_mwh: expected a number >= 0 and <= 1,000,000, "
               "found '-40'" in line for line in lines), lines
    assert lines[-1] == "2 problems in the inputs; no model was built"
    assert not (tmp_path / "plan").exists()


def test_validate_ok_and_missing_model_file(tmp_path):
    result = run("validate", write_case(tmp_path))
    assert result.exit_code == 0
    assert "inputs are valid (1 site, 1 ASIC model, 1 contract tranche, 4 periods)" in result.output
    missing = run("validate", tmp_path / "nope.yaml")
    assert missing.exit_code == 2
    assert "nope.yaml: model file not found" in missing.stderr


def test_usage_error_exits_2(tmp_path):
    result = run("solve", write_case(tmp_path), "--solver", "gurobi")
    assert result.exit_code == 2


def test_time_limit_is_never_reported_as_a_plan(tmp_path):
    """A time limit far too short for the example: exit 1, status time_limit, nothing written."""
    example = Path(__file__).resolve().parent.parent / "models" / "terawulf.yaml"
    result = run("solve", example, "--time-limit", "0.000001", "--out", tmp_path / "plan")
    assert result.exit_code == 1
    assert result.stderr.startswith("no plan: time_limit: the solver stopped at its time limit")
    assert not (tmp_path / "plan").exists()


def test_progress_eta_ignores_the_time_before_the_first_result(monkeypatch, capsys) -> None:
    """60 s of model build, then 10 rows every 10 s: after 20 rows, 80 are left at 1 row/s: ETA 0:01:20."""
    from optimizer.cli import common

    clock = iter([60.0, 70.0, 80.0])
    monkeypatch.setattr(common.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: True)
    line = common.ProgressLine("sweep")
    for done in (10, 20):
        line(done, 100)
    line(30, 100)
    shown = capsys.readouterr().err
    assert "20/100  ETA 0:01:20" in shown and "30/100  ETA 0:01:10" in shown


def test_convert_says_to_solve_and_template_says_to_fill_in(tmp_path: Path) -> None:
    """A converted workbook holds the case already; a template holds an example to replace."""
    from .smallcase import small_tables, write_csv_case

    model = write_csv_case(tmp_path / "case", small_tables())
    converted = CliRunner().invoke(main, ["convert", str(model), str(tmp_path / "book.xlsx")])
    assert converted.exit_code == 0, converted.output
    assert "next: capopt solve" in converted.output and "fill in" not in converted.output
    template = CliRunner().invoke(main, ["template", str(tmp_path / "new.xlsx")])
    assert template.exit_code == 0 and "next: fill in new.xlsx" in template.output
    assert "discount_rate: 0.0" in (tmp_path / "new.yaml").read_text()  # the formulation's default, stated
