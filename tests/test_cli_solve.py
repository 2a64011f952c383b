"""`capopt solve` for MILPs and scenario models through click's CliRunner: exit 3 for a plan not proven optimal,
--relax, --mip-gap, --explain-decisions, --value-of-information, --vary, --by, and a scenario plan's files."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import optimizer
from optimizer.cli import main
from optimizer.sweep import apply_scenario

from .smallcase import small_tables, write_case, write_csv_case
from .test_extensions import _hedge_tables, _many_halls_tables, _optional_case


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _halls_model(folder: Path) -> Path:
    return write_case(folder, _many_halls_tables(), 'start: "2027-01"\nperiods: 12\nsolver: {mip_gap: 0}\n')


def test_a_plan_not_proven_optimal_is_written_labelled_and_exits_3(tmp_path: Path, stop_at_first_plan) -> None:
    model = _halls_model(tmp_path / "case")
    result = _run("solve", model, "--out", tmp_path / "plan")
    assert result.exit_code == 3, result.output
    assert "feasible, not proven optimal, gap" in result.output and "best bound" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["status"] == "feasible"
    assert summary["mip_gap"] > 0 and summary["best_bound_usd"] > summary["objective_usd"]
    assert (tmp_path / "plan" / "site_plan.csv").is_file()


def test_milp_summary_json_has_the_results_file_keys(tmp_path: Path) -> None:
    model = _halls_model(tmp_path / "case")
    result = _run("solve", model, "--out", tmp_path / "plan", "--mip-gap", "0.01")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["problem"] == "MILP"
    assert {"objective_usd", "npv_usd", "mip_gap", "best_bound_usd"} <= set(summary)
    assert summary["mip_gap"] <= 0.01
    assert summary["lp_relaxation_objective_usd"] >= summary["objective_usd"] - 1e-6
    relaxed = _run("solve", model, "--relax")
    assert relaxed.exit_code == 0 and "LP relaxation: halls, lots and signatures may be fractional" in relaxed.output


def test_explain_decisions_says_what_each_optional_contract_adds(tmp_path: Path) -> None:
    model = write_case(tmp_path / "case", _optional_case(20.0), 'start: "2027-04"\nperiods: 1\n')
    result = _run("solve", model, "--explain-decisions", "--out", tmp_path / "plan", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "do not sign optional contract lease; signing it would lower the objective by 160,000 USD" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["contract_decisions"] == [{"contract": "lease", "signed": False, "npv_added_usd": pytest.approx(
        -160_000, abs=1.0), "flipped_plan": "optimal"}]
    plain = _run("solve", model)
    assert "--explain-decisions shows what it adds" in plain.output


def test_value_of_information_and_a_scenario_plan_s_files(tmp_path: Path) -> None:
    """The hedge case of test_extensions: EVPI 188,000 and VSS 30,000; build 4 MW now."""
    model = write_case(tmp_path / "case", _hedge_tables(), 'start: "2027-04"\nperiods: 2\n'
                        'scenarios: {commit_through: "2027-04"}\n')
    result = _run("solve", model, "--value-of-information", "--out", tmp_path / "plan", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "EVPI 188,000 USD" in result.output and "VSS 30,000 USD" in result.output
    assert "start AI build at A in 2027-04: 4.0 MW" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["evpi_usd"] == pytest.approx(188_000, abs=1.0) and summary["vss_usd"] == pytest.approx(30_000,
                                                                                                         abs=1.0)
    assert summary["expected_npv_usd"] == pytest.approx(382_000, abs=1.0) and "npv_usd" not in summary
    assert summary["npv_by_scenario_usd"] == pytest.approx({"A": 160_000, "B": 604_000}, abs=1.0)
    committed = pd.read_csv(tmp_path / "plan" / "committed.csv")
    assert list(committed["decision"]) == ["start AI build"] and committed["mw"].iloc[0] == pytest.approx(4.0)
    years = pd.read_csv(tmp_path / "plan" / "scenario_years.csv")
    assert set(years["scenario"]) == {"A", "B"}
    assert set(pd.read_csv(tmp_path / "plan" / "site_plan.csv")["scenario"]) == {"A", "B"}


def test_value_of_information_needs_scenarios(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    result = _run("solve", model, "--value-of-information")
    assert result.exit_code == 2 and "needs scenarios" in result.output


def test_vary_solves_one_what_if(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    result = _run("solve", model, "--vary", "hashprice[2027-05:]=0.5", "--vary", "set:discount_rate=0.2", "--quiet")
    assert result.exit_code == 0, result.output
    expected = optimizer.solve(apply_scenario(optimizer.load(model),
                                              {"hashprice[2027-05:]": 0.5, "set:discount_rate": 0.2})).npv_usd
    assert result.stdout.strip() == f"NPV: {expected:,.0f} USD (optimal)"
    for bad in ("hashprice=0.5:1:3", "nonsense=1", "hashprice=abc"):
        refused = _run("solve", model, "--vary", bad)
        assert refused.exit_code == 2 and "Traceback" not in refused.output, (bad, refused.output)


@pytest.mark.parametrize("view, first_column", [("year", "2027"), ("site", "A"), ("period", "2027-04")])
def test_by_chooses_the_view(tmp_path: Path, view: str, first_column: str) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    result = _run("solve", model, "--by", view)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith(f"by {view} "))
    assert lines[header + 2].startswith(first_column)
    assert any(line.startswith("total") for line in lines[header:])
