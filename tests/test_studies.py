"""Commands and sweeps around plans under uncertainty: `capopt scenarios` feeding `capopt sweep --scenarios`,
sweeps over fundamentals and futures, `capopt frontier`, `capopt export`, and CBC agreeing with HiGHS."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import optimizer
from optimizer.cli import main
from optimizer.fundamentals import hashprice_usd_per_ph_day, period_subsidy_btc_per_block
from optimizer.sweep import ScenarioSolver, apply_scenario
from optimizer.sweep.specs import read_future_set
from optimizer.sweep.store import read_results

from .casebuilder import miner, site, tables
from .smallcase import small_tables, write_case, write_csv_case
from .test_extensions import _hedge_tables


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------------------------------------------------------
# capopt scenarios -> capopt sweep --scenarios
# ---------------------------------------------------------------------------------------------------------------

def test_scenarios_command_is_reproducible_and_feeds_a_sweep(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    first = _run("scenarios", model, "--paths", 200, "--keep", 4, "--seed", 3, "--out", tmp_path / "s1")
    assert first.exit_code == 0, first.output
    assert "at most 0.00% apart" in first.output and "criterion 5%" in first.output
    again = _run("scenarios", model, "--paths", 200, "--keep", 4, "--seed", 3, "--out", tmp_path / "s2")
    for name in ("scenarios.csv", "scenario_periods.csv"):
        assert (tmp_path / "s1" / name).read_bytes() == (tmp_path / "s2" / name).read_bytes(), again.output
    scenarios = pd.read_csv(tmp_path / "s1" / "scenarios.csv")
    assert len(scenarios) == 4 and abs(scenarios["probability"].sum() - 1) < 1e-9
    periods = pd.read_csv(tmp_path / "s1" / "scenario_periods.csv")
    assert list(periods.columns) == ["scenario", "period", "btc_price_usd", "network_hashrate_eh_s",
                                     "fees_btc_per_block"]
    assert (tmp_path / "s1" / "fan_chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result = _run("sweep", model, "--scenarios", tmp_path / "s1" / "scenarios.csv", "--out", tmp_path / "sweep",
                  "--no-progress")
    assert result.exit_code == 0, result.output
    rows = read_results(tmp_path / "sweep")
    assert sorted(rows["set:future"]) == [1, 2, 3, 4] and (rows["status"] == "optimal").all()

    case, _ = read_future_set(tmp_path / "s1" / "scenarios.csv", optimizer.load(model))
    horizon = case.horizon
    subsidy = period_subsidy_btc_per_block(np.array([2027 * 12 + 3 + t for t in range(horizon.periods)]), 1,
                                           case.inputs.halving_months)
    for k, name in enumerate(scenarios["scenario"], start=1):
        rows_k = periods[periods["scenario"] == name]
        derived = hashprice_usd_per_ph_day(rows_k["btc_price_usd"], rows_k["network_hashrate_eh_s"], subsidy,
                                           rows_k["fees_btc_per_block"])
        one = apply_scenario(case, {"set:future": k})
        np.testing.assert_allclose(one.inputs.periods["hashprice_usd_per_ph_day"], derived, rtol=1e-12)
        npv = float(rows.loc[rows["set:future"] == k, "npv_usd"].iloc[0])
        assert npv == pytest.approx(optimizer.solve(one).npv_usd, rel=1e-9, abs=1e-3)


def test_scenario_set_with_a_bad_row_is_an_input_error(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    assert _run("scenarios", model, "--paths", 50, "--keep", 2, "--out", tmp_path / "s").exit_code == 0
    table = pd.read_csv(tmp_path / "s" / "scenarios.csv")
    table.loc[0, "probability"] = 0.9
    table.to_csv(tmp_path / "s" / "scenarios.csv", index=False)
    result = _run("sweep", model, "--scenarios", tmp_path / "s" / "scenarios.csv", "--out", tmp_path / "sweep")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "column probability: probabilities sum to" in result.output
    assert not (tmp_path / "sweep").exists()


# ---------------------------------------------------------------------------------------------------------------
# sweep groups: fundamentals and futures
# ---------------------------------------------------------------------------------------------------------------

def _fundamentals_case() -> optimizer.Case:
    """10 MW of S at no energy cost over two months whose hashprice is derived (bitcoin at 100,000, 1,000 EH/s)."""
    tbl = tables(sites=[site("A", energy_price_usd_per_mwh=0.0)], fleet=[{"site": "A", "model": "S",
                                                                          "installed_mw": 10.0}],
                 periods=[{"period": p, "btc_price_usd": 100_000.0, "network_hashrate_eh_s": 1_000.0}
                          for p in ("2027-04", "2027-05")])
    return optimizer.Case.from_tables(tbl, start="2027-04", periods=2)


def test_btc_price_and_hashrate_move_a_derived_hashprice() -> None:
    """Hashprice = 144 * 3.125 * price / (hashrate * 1000): doubling the price from 2027-05 doubles May's
    hashprice; 1.25 times the hashrate divides it by 1.25; fees of 0.3125 BTC add 10%."""
    case = _fundamentals_case()
    base = case.inputs.periods["hashprice_usd_per_ph_day"].to_numpy()
    assert base == pytest.approx([45.0, 45.0])
    assert apply_scenario(case, {"btc_price[2027-05:]": 2.0}).inputs.periods["hashprice_usd_per_ph_day"].tolist() \
        == pytest.approx([45.0, 90.0])
    assert apply_scenario(case, {"network_hashrate": 1.25}).inputs.periods["hashprice_usd_per_ph_day"].tolist() \
        == pytest.approx([36.0, 36.0])
    assert apply_scenario(case, {"set:fees": 0.3125}).inputs.periods["hashprice_usd_per_ph_day"].tolist() \
        == pytest.approx([49.5, 49.5])
    solver = ScenarioSolver(case)
    doubled = solver.solve({"btc_price[2027-05:]": 2.0})
    assert doubled.npv_usd == pytest.approx(45.0 * 500 * 30 + 90.0 * 500 * 31, abs=1e-3)


def test_fundamental_groups_refuse_what_changes_nothing_and_futures_refuse_fundamentals() -> None:
    given = optimizer.Case.from_tables(tables(sites=[site("A")], periods=[
        {"period": "2027-04", "hashprice_usd_per_ph_day": 40.0}]), start="2027-04", periods=1)
    with pytest.raises(ValueError, match="changes nothing"):
        apply_scenario(given, {"btc_price": 1.5})
    with pytest.raises(ValueError, match="needs scenarios"):
        apply_scenario(given, {"set:future": 1})
    hedge = optimizer.Case.from_tables(_hedge_tables(), start="2027-04", periods=2)
    with pytest.raises(ValueError, match="row number from 1 to 2"):
        apply_scenario(hedge, {"set:future": 3})
    with pytest.raises(ValueError, match="set:future=3"):
        apply_scenario(hedge, {"future": 1})
    with pytest.raises(ValueError, match="is empty"):
        apply_scenario(hedge, {"hashprice[2027-05:2027-04]": 0.5})


def test_sweep_over_a_case_s_own_futures_gives_perfect_foresight_npvs() -> None:
    """The hedge case's two futures solved alone: A builds 10 MW (400,000), B mines (740,000)."""
    solver = ScenarioSolver(optimizer.Case.from_tables(_hedge_tables(), start="2027-04", periods=2))
    assert solver.solve({"set:future": 1}).npv_usd == pytest.approx(400_000, abs=1.0)
    assert solver.solve({"set:future": 2}).npv_usd == pytest.approx(740_000, abs=1.0)


# ---------------------------------------------------------------------------------------------------------------
# capopt frontier, capopt export, CBC
# ---------------------------------------------------------------------------------------------------------------

def test_frontier_command(tmp_path: Path) -> None:
    model = write_case(tmp_path / "case", _hedge_tables(), 'start: "2027-04"\nperiods: 2\n'
                        'scenarios: {commit_through: "2027-04", risk: {cvar_alpha: 0.5}}\n')
    result = _run("frontier", model, "--weights", "0,1", "--out", tmp_path / "frontier", "--no-progress")
    assert result.exit_code == 0, result.output
    points = pd.read_csv(tmp_path / "frontier" / "frontier.csv")
    assert points["expected_npv_usd"].iloc[0] == pytest.approx(382_000, abs=1.0)
    assert points["cvar_usd"].iloc[1] == pytest.approx(337_600, abs=1.0)  # test_extensions: x = 8.44 MW
    assert points["cvar_usd"].iloc[1] >= points["cvar_usd"].iloc[0]
    committed = pd.read_csv(tmp_path / "frontier" / "frontier_committed.csv")
    assert committed.loc[committed["weight"] == 1, "mw"].iloc[0] == pytest.approx(8.44, abs=1e-6)
    about = json.loads((tmp_path / "frontier" / "frontier.json").read_text())
    assert about["cvar_alpha"] == 0.5 and len(about["points"]) == 2
    bad = _run("frontier", model, "--weights", "0,2", "--out", tmp_path / "f2")
    assert bad.exit_code == 2 and not (tmp_path / "f2").exists()


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_export_writes_the_model_for_other_solvers(tmp_path: Path, suffix: str) -> None:
    model = write_csv_case(tmp_path / "case", small_tables())
    target = tmp_path / f"model{suffix}"
    result = _run("export", model, target)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "floor_space_0_0" in text and "cap_a_0_0" in text
    assert _run("export", model, target).exit_code == 2  # never over an existing file without --force
    assert _run("export", model, tmp_path / "model.txt").exit_code == 2


def test_exported_mps_solves_to_the_same_objective(tmp_path: Path) -> None:
    import highspy

    model = write_csv_case(tmp_path / "case", small_tables())
    assert _run("export", model, tmp_path / "model.mps").exit_code == 0
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(str(tmp_path / "model.mps"))
    highs.run()
    plan = optimizer.solve(optimizer.load(model))
    assert highs.getInfo().objective_function_value == pytest.approx(plan.summary.objective_usd, rel=1e-9)


def _lots_and_option_case() -> optimizer.Case:
    tbl = tables(sites=[site("A", grid_mw=10.0, ai_installed_mw=5.0)],
                 miners=[miner("S", price_usd_per_th=1.0, lot_mw=4.0)],
                 contracts=[{"contract": "lease", "site": "A", "start": "2027-05", "end": "2027-06", "mw": 5.0,
                             "price_usd_per_kw_month": 90.0, "optional": True}],
                 periods=[{"period": p, "hashprice_usd_per_ph_day": 40.0} for p in ("2027-04", "2027-05", "2027-06")])
    return optimizer.Case.from_tables(tbl, start="2027-04", periods=3)


@pytest.mark.parametrize("case", [lambda: optimizer.load(Path(__file__).parents[1] / "models" / "terawulf.yaml"),
                                  _lots_and_option_case], ids=["example LP", "MILP"])
def test_cbc_through_pulp_agrees_with_highs_from_arrays(case) -> None:
    built = case()
    highs, cbc = optimizer.solve(built), optimizer.solve(built, solver="cbc")
    assert cbc.summary.solver.name == "cbc"
    assert cbc.summary.objective_usd == pytest.approx(highs.summary.objective_usd, rel=1e-7)
    assert cbc.npv_usd == pytest.approx(highs.npv_usd, rel=1e-7)


def test_breakeven_in_the_parameter_s_unit_and_its_plan(tmp_path: Path) -> None:
    """The small case's hashprice is 40, 39.5 and 39 USD/PH/day (mean 39.5): a multiplier m reads as 39.5 m."""
    model = write_csv_case(tmp_path / "case", small_tables())
    base = optimizer.solve(optimizer.load(model)).npv_usd
    result = _run("breakeven", model, "--param", "hashprice", "--decision", f"npv_usd>{base + 50_000:.0f}",
                  "--low", "1", "--high", "3", "--plan", tmp_path / "at-breakeven")
    assert result.exit_code == 0, result.output
    line = next(text for text in result.output.splitlines() if text.strip().startswith("in USD/PH/day:"))
    multiplier = float(result.output.split("(multiplier): ")[1].split()[0])
    assert float(line.split(":")[1].split()[0].replace(",", "")) == pytest.approx(39.5 * multiplier, rel=1e-5)
    assert "(the inputs: 39.5)" in line
    summary = json.loads((tmp_path / "at-breakeven" / "summary.json").read_text())
    assert summary["npv_usd"] > base + 50_000  # the high end of the bracket: the decision holds there
