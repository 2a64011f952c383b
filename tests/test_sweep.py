"""Sweeps and breakevens: spec parsing, live re-solve = independent solve, resume, CLI, Dask, breakeven.

The live model must give, for every scenario, the NPV that `optimizer.solve` gives for the modified case built
from scratch (to 1e-6 relative), whatever scenario it re-solved before.
"""
from __future__ import annotations

import csv
import fcntl
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.cli import main
from optimizer.files import OutputFolder
from optimizer.sweep import (
    NoBreakeven,
    ScenarioSolver,
    SpecError,
    apply_scenario,
    build_scenarios,
    find_breakeven,
    parse_decision,
    parse_vary,
    read_scenario_file,
    run_sweep,
    runner,
    scenario_id,
)
from optimizer.sweep.figures import result_figures
from optimizer.sweep.specs import neighbour_order
from optimizer.sweep.store import read_results

from .bounded import run_capped
from .casebuilder import miner, site, tables

LABELS = [f"2027-{m:02d}" for m in range(1, 13)]


def _rich_tables(budget: bool = True) -> dict[str, pd.DataFrame]:
    """Two sites, three ASIC models (one bought later), a hard and a soft tranche, a spot market from April,
    a capex budget that ends in October (blank = unlimited after), grid and energy overrides."""
    periods = []
    for t, label in enumerate(LABELS):
        row = {"period": label, "hashprice_usd_per_ph_day": round(50 * 0.97 ** t, 2),
               "ai_spot_price_usd_per_kw_month": 110.0, "ai_spot_max_mw": 0.0 if t < 3 else 5.0}
        if budget:
            row["capex_budget_usd"] = (80e6 if t == 0 else 5e6) if t < 9 else None
        periods.append(row)
    return tables(
        sites=[site("A", grid_mw=60.0, floor_sqft=200_000.0, energy_price_usd_per_mwh=45.0, mining_pue=1.05,
                    mining_opex_usd_per_mw_month=3000.0, ai_pue=1.25, ai_sqft_per_mw=4000.0, ai_capex_usd_per_mw=6e6,
                    ai_lead_time_periods=2, ai_max_mw=40.0, ai_installed_mw=5.0, ai_opex_usd_per_mw_month=12000.0),
               site("B", grid_mw=40.0, floor_sqft=150_000.0, energy_price_usd_per_mwh=35.0, ai_sqft_per_mw=4000.0,
                    ai_capex_usd_per_mw=7e6, ai_lead_time_periods=1, ai_max_mw=30.0)],
        miners=[miner("S19", efficiency_j_per_th=25.0, uptime=0.97),
                miner("S21", efficiency_j_per_th=17.5, price_usd_per_th=15.0, uptime=0.98),
                miner("S21XP", efficiency_j_per_th=13.5, price_usd_per_th=20.0, available_from="2027-04")],
        fleet=[{"site": "A", "model": "S19", "installed_mw": 30.0}, {"site": "B", "model": "S19", "installed_mw": 20.0},
               {"site": "B", "model": "S21", "installed_mw": 10.0}],
        contracts=[{"contract": "T1", "site": "A", "start": "2027-04", "end": "2027-12", "mw": 10.0,
                    "price_usd_per_kw_month": 150.0, "power_passthrough": True},
                   {"contract": "T2", "site": "B", "start": "2027-06", "end": "2027-12", "mw": 8.0,
                    "price_usd_per_kw_month": 140.0, "shortfall_penalty_usd_per_kw_month": 200.0}],
        periods=periods,
        site_periods=[{"period": "2027-06", "site": "A", "grid_mw": 50.0, "energy_price_usd_per_mwh": None},
                      {"period": "2027-03", "site": "B", "grid_mw": None, "energy_price_usd_per_mwh": 55.0}],
    )


def _rich_case(**options) -> optimizer.Case:
    budget = options.pop("budget", True)
    return optimizer.Case.from_tables(_rich_tables(budget), start="2027-01", periods=12, discount_rate=0.1,
                                      name="rich", **options)


def _tiny_tables() -> dict[str, pd.DataFrame]:
    """One site, one January. 10 MW of ASICs (50 PH/MW) or AI sold spot at 100 USD/kW-month for 22,500 USD/MW of
    capex; energy costs the same either way, so AI wins when 1550 * hashprice < 100,000 - 22,500, i.e. hashprice
    < 50 USD/PH/day: a multiplier of 50 / 60 on the 60 given."""
    return tables(
        sites=[site("A", grid_mw=10.0, ai_capex_usd_per_mw=22_500.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=[{"period": "2027-01", "hashprice_usd_per_ph_day": 60.0, "ai_spot_price_usd_per_kw_month": 100.0,
                  "ai_spot_max_mw": 10.0}])


def _tiny_case() -> optimizer.Case:
    return optimizer.Case.from_tables(_tiny_tables(), start="2027-01", periods=1, name="tiny")


def _independent_npv(case: optimizer.Case, params: dict) -> float | None:
    try:
        return optimizer.solve(apply_scenario(case, params)).npv_usd
    except optimizer.NoPlanError:
        return None


def _assert_same(live, reference: float | None, params: dict) -> None:
    if reference is None:
        assert live.status != "optimal", params
    else:
        assert live.status == "optimal", (params, live.status)
        assert live.npv_usd == pytest.approx(reference, rel=1e-6, abs=1e-3), params


# ---- specs ------------------------------------------------------------------------------------------------------

def test_grid_list_single_and_window_specs():
    grid = parse_vary("hashprice=0.5:1.5:11")
    assert grid.key.text == "hashprice" and len(grid.values) == 11
    assert grid.values[0] == 0.5 and grid.values[-1] == 1.5 and grid.values[1] == 0.6  # rounded, not 0.6000000001
    assert parse_vary("ai_capex=0.8, 1,1.25").values == (0.8, 1.0, 1.25)
    single = parse_vary("set:discount_rate=0.08")
    assert single.key.absolute and single.values == (0.08,)
    window = parse_vary("hashprice[2029-01:]=0.5")
    assert (window.key.first, window.key.last, window.key.text) == ("2029-01", None, "hashprice[2029-01:]")


@pytest.mark.parametrize("spec", [
    "hashprice", "hashrate=1", "hashprice=abc", "hashprice=-0.5", "set:discount_rate=-1.5", "hashprice=1:0.5",
    "ai_capex[2027-01:]=1", "hashprice[2027-13:]=1", "hashprice=2~1", "hashprice=0.5:1.5:0"])
def test_bad_specs_are_one_line_errors(spec):
    with pytest.raises(SpecError) as error:
        parse_vary(spec)
    assert "\n" not in str(error.value)


def test_random_samples_are_seeded_and_in_range():
    axes = [parse_vary("hashprice=0.5~1.5"), parse_vary("ai_capex=0.9,1.1")]
    first = build_scenarios(axes, samples=20, seed=7)
    assert first == build_scenarios(axes, samples=20, seed=7)
    assert first != build_scenarios(axes, samples=20, seed=8)
    assert len(first) == 40
    assert all(0.5 <= s["hashprice"] <= 1.5 for s in first)
    with pytest.raises(SpecError):
        build_scenarios(axes)  # a random range needs --samples
    with pytest.raises(SpecError):
        build_scenarios([parse_vary("hashprice=1,2")], samples=5)
    with pytest.raises(SpecError):
        build_scenarios([parse_vary("hashprice=1,2"), parse_vary("hashprice=3")])


def test_grid_product_ids_and_order():
    scenarios = build_scenarios([parse_vary("hashprice=0.5:1.5:3"), parse_vary("set:discount_rate=0.05,0.1")])
    assert len(scenarios) == 6 and len({scenario_id(s) for s in scenarios}) == 6
    assert scenario_id({"hashprice": 0.5, "set:discount_rate": 0.05}) == \
        scenario_id({"set:discount_rate": 0.05, "hashprice": 0.5000000000000001})
    order = neighbour_order(scenarios)
    assert sorted(order) == list(range(6))
    steps = [sum(scenarios[a][k] != scenarios[b][k] for k in scenarios[a]) for a, b in zip(order, order[1:])]
    assert max(steps) == 1  # a grid is walked one parameter step at a time


def test_scenario_file_with_blanks_and_a_results_file(tmp_path):
    path = tmp_path / "scenarios.csv"
    path.write_text("hashprice,set:discount_rate,energy_price[2027-06:]\n0.5,,1.2\n1.5,0.08,\n")
    rows = read_scenario_file(path)
    assert rows == [{"hashprice": 0.5, "energy_price[2027-06:]": 1.2}, {"hashprice": 1.5, "set:discount_rate": 0.08}]
    combined = build_scenarios([parse_vary("ai_capex=1,2")], file_rows=rows)
    assert len(combined) == 4
    (tmp_path / "bad.csv").write_text("hashprice,colour\n1,red\n")
    with pytest.raises(SpecError, match="colour"):
        read_scenario_file(tmp_path / "bad.csv")
    (tmp_path / "text.csv").write_text("hashprice\nlots\n")
    with pytest.raises(SpecError, match="row 2"):
        read_scenario_file(tmp_path / "text.csv")


# ---- what a scenario changes ------------------------------------------------------------------------------------

def test_apply_scenario_changes_the_named_cells_only():
    case = _rich_case()
    changed = apply_scenario(case, {"hashprice[2027-07:]": 0.5, "set:capex_budget": 1e6, "asic_price": 2.0,
                                    "energy_price[2027-03:2027-03]": 2.0, "set:discount_rate": 0.2})
    hp = case.inputs.periods["hashprice_usd_per_ph_day"].to_numpy()
    new_hp = changed.inputs.periods["hashprice_usd_per_ph_day"].to_numpy()
    assert np.allclose(new_hp[:6], hp[:6]) and np.allclose(new_hp[6:], hp[6:] * 0.5)
    assert (changed.inputs.periods["capex_budget_usd"] == 1e6).all()  # blank periods get the limit too
    prices = changed.inputs.miners["price_usd_per_th"]
    assert math.isnan(prices["S19"]) and prices["S21"] == 30.0  # an unpriced model stays unbuyable
    assert changed.horizon.discount_rate == 0.2 and case.horizon.discount_rate == 0.1
    data = optimizer.model.data.model_data(changed.inputs, changed.horizon)
    assert data.energy_price_usd_per_mwh[1, 2] == 110.0  # B's March override 55, doubled
    assert data.energy_price_usd_per_mwh[0, 2] == 90.0 and data.energy_price_usd_per_mwh[0, 3] == 45.0
    assert data.grid_mw[0, 5] == 50.0  # untouched override kept
    assert case.inputs.periods["hashprice_usd_per_ph_day"].to_numpy()[-1] == hp[-1]  # the case is not changed


# ---- live re-solve = independent solve ----------------------------------------------------------------------------

SCENARIOS = [
    {}, {"hashprice": 0.5}, {"hashprice[2027-07:]": 0.5}, {"set:discount_rate": 0.15}, {"set:discount_rate": 0.0},
    {"energy_price": 1.3}, {"energy_price[2027-06:2027-08]": 0.5}, {"ai_contract_price": 0.6}, {"ai_spot_price": 2.0},
    {"ai_capex": 1.5}, {"ai_capex": 0.0}, {"asic_price": 0.5}, {"set:asic_price": 10.0}, {"capex_budget": 0.5},
    {"capex_budget": 0.01}, {"set:capex_budget": 2e6}, {"grid_mw": 0.7}, {"set:grid_mw[2027-05:]": 30.0},
    {"hashprice": 1.4, "set:discount_rate": 0.05, "ai_capex": 0.8, "capex_budget": 2.0, "grid_mw": 1.2},
    {"hashprice": 0.7, "ai_contract_price": 1.3, "energy_price": 0.8, "asic_price": 1.2}, {},
]


def test_live_resolve_equals_independent_solve():
    case = _rich_case()
    solver = ScenarioSolver(case)
    statuses = set()
    for params in SCENARIOS:
        live = solver.solve(params)
        _assert_same(live, _independent_npv(case, params), params)
        statuses.add(live.status)
    assert statuses == {"optimal", "infeasible"}  # capex_budget x0.01 cannot build for the hard tranche
    assert solver.builds >= 2  # ai_capex 0 and set:capex_budget change the LP's structure


def test_live_resolve_with_terminal_value_and_without_budget_rows():
    depreciated = _rich_case(terminal_value="depreciated", ai_life_years=15, asic_life_years=4)
    no_budget = _rich_case(budget=False)
    for case, scenarios in ((depreciated, [{}, {"set:discount_rate": 0.2}, {"ai_capex": 1.4}, {"asic_price": 0.6}]),
                            (no_budget, [{}, {"set:capex_budget": 1e7}, {"hashprice": 1.2},
                                         {"set:capex_budget": 3e6, "ai_capex": 0.9}])):
        solver = ScenarioSolver(case)
        for params in scenarios:
            _assert_same(solver.solve(params), _independent_npv(case, params), params)


_SHARED: dict = {}
_KEYS = st.dictionaries(
    st.sampled_from(["hashprice", "hashprice[2027-05:]", "energy_price", "ai_contract_price", "ai_spot_price",
                     "ai_capex", "asic_price", "capex_budget", "grid_mw"]),
    st.floats(0.3, 1.8).map(lambda v: round(v, 3)), max_size=4)


@settings(max_examples=25, deadline=None)
@given(params=_KEYS, rate=st.none() | st.floats(0.0, 0.3).map(lambda v: round(v, 3)))
def test_live_resolve_equals_independent_solve_property(params, rate):
    if "solver" not in _SHARED:
        _SHARED["case"] = _rich_case()
        _SHARED["solver"] = ScenarioSolver(_SHARED["case"])
    if rate is not None:
        params = {**params, "set:discount_rate": rate}
    _assert_same(_SHARED["solver"].solve(params), _independent_npv(_SHARED["case"], params), params)


def test_result_figures_match_the_plan():
    case = _rich_case()
    params = {"hashprice": 0.8, "ai_capex": 0.7}
    solver = ScenarioSolver(case)
    solver.solve({"hashprice": 1.5})
    row = result_figures(solver.solve(params))
    plan = optimizer.solve(apply_scenario(case, params))
    assert row["npv_usd"] == pytest.approx(plan.npv_usd, rel=1e-9)
    assert row["crossover_period"] == plan.crossover_period
    totals = plan.period_totals
    assert row["ai_ready_mw_2027"] == pytest.approx(totals["ai_ready_mw"].mean(), abs=1e-6)
    assert row["mining_installed_mw_2027"] == pytest.approx(totals["mining_installed_mw"].mean(), abs=1e-6)


# ---- the sweep: rows, resume, CLI, executors ------------------------------------------------------------------

GRID = ["hashprice=0.6:1.4:5", "set:discount_rate=0.05,0.15", "ai_capex=0.9,1.2"]


def _rows(out: Path) -> list[list[str]]:
    with open(out / "results.csv", newline="") as handle:
        return list(csv.reader(handle))


def test_sweep_rows_equal_independent_solves_and_resume_skips_done(tmp_path):
    case = _rich_case()
    scenarios = build_scenarios([parse_vary(s) for s in GRID])
    out = tmp_path / "sweep"
    result = run_sweep(case, scenarios, out, jobs=1)
    assert (result.total, result.solved, result.unfinished) == (20, 20, 0)
    assert {p.name for p in result.files} >= {"results.csv", "results.xlsx", "tornado.png", "heatmap.png"}
    frame = read_results(out)
    assert len(frame) == 20 and frame["scenario_id"].is_unique
    for number in (0, 7, 19):  # each row reproduced from its own parameters
        row = frame[frame["scenario"] == number].iloc[0]
        params = {k: row[k] for k in ("hashprice", "set:discount_rate", "ai_capex")}
        assert row["scenario_id"] == scenario_id(params)
        reference = _independent_npv(case, params)
        assert row["npv_usd"] == pytest.approx(reference, rel=1e-6)
    assert pd.read_excel(out / "results.xlsx", sheet_name="scenarios").shape[0] == 20

    with pytest.raises(SpecError, match="--resume"):
        run_sweep(case, scenarios, out, jobs=1)
    again = run_sweep(case, scenarios, out, jobs=1, resume=True)
    assert (again.skipped, again.solved) == (20, 0)

    OutputFolder(out, "sweep").growing("results.csv")  # as a run that is appending rows leaves it, until it is killed
    lines = (out / "results.csv").read_text().splitlines(keepends=True)
    cut = "".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2]  # a kill in the middle of writing a row
    (out / "results.csv").write_text(cut)
    resumed = run_sweep(case, scenarios, out, jobs=1, resume=True)
    assert (resumed.skipped, resumed.solved) == (18, 2)
    rows = _rows(out)
    assert len(rows) == 21 and all(len(r) == len(rows[0]) for r in rows)
    assert len({r[0] for r in rows[1:]}) == 20

    changed = _rich_case(terminal_value="depreciated", ai_life_years=15, asic_life_years=4)
    with pytest.raises(SpecError, match="changed"):
        run_sweep(changed, scenarios, out, jobs=1, resume=True)
    fresh = run_sweep(case, scenarios[:3], out, jobs=1, overwrite=True)
    assert fresh.solved == 3 and len(_rows(out)) == 4


def test_default_jobs_stay_in_process_unless_the_rest_would_take_long():
    assert runner._default_jobs(100, 0.05) == 1  # 5 s of warm re-solves: not worth starting workers
    assert runner._default_jobs(1000, 0.05) == (os.cpu_count() or 1)  # 50 s: every core


@pytest.mark.slow
def test_without_jobs_the_probe_runs_here_and_the_rest_on_every_core(tmp_path, monkeypatch):
    case = _rich_case()
    scenarios = build_scenarios([parse_vary(s) for s in GRID])
    inline = read_results(run_sweep(case, scenarios, tmp_path / "inline", jobs=1).out_dir)
    monkeypatch.setattr(runner, "LONG_SWEEP_SECONDS", 0.0)  # whatever the probe measures, the rest goes to a pool
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    seen = []
    result = run_sweep(case, scenarios, tmp_path / "default", progress=lambda done, total: seen.append((done, total)))
    assert result.solved == len(scenarios) and result.problem is None
    assert seen[-1] == (len(scenarios), len(scenarios))  # one total for the probe and the rest
    default = read_results(tmp_path / "default")
    assert sorted(default["scenario_id"]) == sorted(inline["scenario_id"])  # every scenario once
    merged = default.merge(inline, on="scenario_id")
    assert np.allclose(merged["npv_usd_x"], merged["npv_usd_y"], rtol=1e-6)


@pytest.mark.slow
def test_process_pool_and_dask_give_the_same_rows(tmp_path):
    distributed = pytest.importorskip("distributed")
    case = _rich_case()
    scenarios = build_scenarios([parse_vary(s) for s in GRID])
    inline = read_results(run_sweep(case, scenarios, tmp_path / "inline", jobs=1).out_dir)
    pool = read_results(run_sweep(case, scenarios, tmp_path / "pool", jobs=2, chunk_size=3).out_dir)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        result = run_sweep(case, scenarios, tmp_path / "dask", executor="dask",
                           scheduler=cluster.scheduler_address, chunk_size=4)
    assert result.solved == 20 and result.problem is None
    dask = read_results(tmp_path / "dask")
    for other in (pool, dask):
        assert list(other["scenario_id"]) == list(inline["scenario_id"])
        assert np.allclose(other["npv_usd"], inline["npv_usd"], rtol=1e-6)


def _write_model(folder: Path, tbls: dict[str, pd.DataFrame], name: str, periods: int) -> Path:
    inputs = folder / f"{name}_inputs"
    inputs.mkdir(parents=True)
    for table, frame in tbls.items():
        frame.to_csv(inputs / f"{table}.csv", index=False)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "inputs": inputs.name, "start": "2027-01", "periods": periods,
                                    "discount_rate": 0.1}))
    return path


def test_cli_sweep_and_breakeven(tmp_path):
    model = _write_model(tmp_path, _rich_tables(), "rich", 12)
    runner = CliRunner()
    out = tmp_path / "cli-sweep"
    args = ["sweep", str(model), "--vary", "hashprice=0.5:1.5:3", "--vary", "set:grid_mw[2027-06:]=30,60",
            "--out", str(out), "--no-progress"]
    done = runner.invoke(main, args)
    assert done.exit_code == 0, done.output
    assert "6 scenarios; 6 solved" in done.output and (out / "heatmap.png").exists()
    assert runner.invoke(main, args).exit_code == 2  # exists: needs --resume or --overwrite
    resumed = runner.invoke(main, [*args, "--resume"])
    assert resumed.exit_code == 0 and "0 solved" in resumed.output and "6 already done" in resumed.output

    bad = runner.invoke(main, ["sweep", str(model), "--vary", "hashprice=lots", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert bad.output.strip().count("\n") == 0 and "hashprice=lots" in bad.output
    assert runner.invoke(main, ["sweep", str(model), "--out", str(tmp_path / "y")]).exit_code == 2

    from_file = runner.invoke(main, ["sweep", str(model), "--scenarios", str(out / "results.csv"), "--out",
                                     str(tmp_path / "again"), "--no-progress"])
    assert from_file.exit_code == 0, from_file.output
    assert set(read_results(tmp_path / "again")["scenario_id"]) == set(read_results(out)["scenario_id"])

    tiny = _write_model(tmp_path, _tiny_tables(), "tiny", 1)
    found = runner.invoke(main, ["breakeven", str(tiny), "--param", "hashprice", "--decision",
                                 "ai_started_mw:site=A:period=2027-01>0", "--low", "0.2", "--high", "2"])
    assert found.exit_code == 0, found.output
    assert "breakeven of hashprice (multiplier): 0.8333" in found.output
    same = runner.invoke(main, ["breakeven", str(tiny), "--param", "hashprice", "--decision",
                                "ai_started_mw:site=A>0", "--low", "0.9", "--high", "2"])
    assert same.exit_code == 1 and "false at both" in same.output
    wrong = runner.invoke(main, ["breakeven", str(tiny), "--param", "hashprice", "--decision",
                                 "ai_started_mw:site=Z>0", "--low", "0.2", "--high", "2"])
    assert wrong.exit_code == 2 and "unknown site 'Z'" in wrong.output


# ---- breakeven ----------------------------------------------------------------------------------------------------

def test_breakeven_finds_the_hand_computed_hashprice():
    case = _tiny_case()
    decision = parse_decision("ai_started_mw:site=A:period=2027-01 > 0", case)
    result = find_breakeven(case, "hashprice", decision, 0.2, 2.0, tolerance=1e-6)
    assert result.value == pytest.approx(50 / 60, abs=1e-6)
    assert result.low.holds and not result.high.holds
    assert result.low.measured == pytest.approx(10.0) and result.high.measured == 0.0
    absolute = find_breakeven(case, "set:hashprice", parse_decision("npv_usd>500000", case), 10, 100, tolerance=1e-4)
    # NPV = 10 MW * max(40,300, 1550 * hp - 37,200): 500,000 is reached at hp = (50,000 + 37,200) / 1550
    assert absolute.value == pytest.approx(87_200 / 1550, abs=1e-4)
    with pytest.raises(NoBreakeven):
        find_breakeven(case, "hashprice", decision, 1.0, 2.0)
    with pytest.raises(SpecError):
        parse_decision("ai_started_mw:year=2031>0", case)


def test_decisions_sum_flows_and_average_levels():
    case = _rich_case()
    solution = ScenarioSolver(case).solve({})
    sites = optimizer.solve(case).site_plan
    spring = sites[sites["period"].isin(["2027-04", "2027-05", "2027-06"])]
    installed = parse_decision("mining_installed_mw:from=2027-04:to=2027-06>0", case).measure(solution)
    assert installed == pytest.approx(spring.groupby("period")["mining_installed_mw"].sum().mean())
    started = parse_decision("ai_started_mw:site=A>0", case).measure(solution)
    assert started == pytest.approx(sites.loc[sites["site"] == "A", "ai_started_mw"].sum())
    assert started > 0


# ---- stop and resume a real run ---------------------------------------------------------------------------------

def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "optimizer.cli", *args]


def _wait_rows(path: Path, count: int, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_text().count("\n") > count:
            return
        time.sleep(0.05)
    pytest.fail(f"the sweep did not write {count} rows in time (exit {process.poll()})")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_keeps_finished_rows_and_resume_finishes(tmp_path, jobs):
    model = _write_model(tmp_path, _rich_tables(), "rich", 12)
    out = tmp_path / "run"
    args = ["sweep", str(model), "--vary", "hashprice=0.5:1.5:30", "--vary", "ai_contract_price=0.8:1.2:10",
            "--out", str(out), "--jobs", jobs, "--chunk-size", "2", "--no-progress"]
    process = subprocess.Popen(_cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_rows(out / "results.csv", 10, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "--resume" in err
    rows = _rows(out)
    assert 10 <= len(rows) - 1 < 300 and all(len(r) == len(rows[0]) for r in rows)
    kept = {r[0] for r in rows[1:]}
    finished = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert f"{len(kept)} already done" in finished.stdout
    rows = _rows(out)
    assert len(rows) == 301 and len({r[0] for r in rows[1:]}) == 300


def _start_pool_sweep(tmp_path: Path) -> tuple[subprocess.Popen, Path, list[str]]:
    """A 300-scenario sweep on two worker processes, started as a command and running: (process, out, args)."""
    model = _write_model(tmp_path, _rich_tables(), "rich", 12)
    out = tmp_path / "run"
    args = ["sweep", str(model), "--vary", "hashprice=0.5:1.5:30", "--vary", "ai_contract_price=0.8:1.2:10",
            "--out", str(out), "--jobs", "2", "--chunk-size", "2", "--no-progress"]
    process = subprocess.Popen(_cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_rows(out / "results.csv", 10, process)
    return process, out, args


def _pool_workers(parent: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _is_pool_worker(int(p), parent)]


@pytest.mark.slow
def test_a_killed_worker_loses_no_finished_row(tmp_path):
    process, out, _ = _start_pool_sweep(tmp_path)
    workers = _pool_workers(process.pid)
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    out_text, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "worker process died" in err
    rows = _rows(out)
    assert len(rows) == 301 and all(len(r) == len(rows[0]) for r in rows)
    assert len({r[0] for r in rows[1:]}) == 300


def _is_pool_worker(pid: int, parent: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    ppid = int(stat.rsplit(")", 1)[1].split()[1])
    return ppid == parent and "spawn_main" in cmdline and "resource_tracker" not in cmdline


# ---- issue 14: sizes, bad values, formula injection, locks, one row per scenario, workers that outlive -----------

def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    return _write_model(tmp_path, _tiny_tables(), "tiny", 1)


@pytest.mark.parametrize("args, line", [
    (["--vary", "hashprice=1:2:1000000000"],
     "error: --vary 'hashprice=1:2:1000000000': a grid LOW:HIGH:N needs N from 1 to 100,000, the most scenarios one "
     "sweep may hold"),
    (["--vary", "hashprice=0.5:1.5:400", "--vary", "ai_capex=0.5:1.5:400"],
     "error: 160,000 scenarios is more than the 100,000 one sweep may hold"),
    (["--vary", "hashprice[2027-03:2027-01]=0.5"],
     "error: --vary 'hashprice[2027-03:2027-01]=0.5': 'hashprice[2027-03:2027-01]': the window [2027-03:2027-01] is "
     "empty: FROM must not come after TO"),
    (["--vary", "hashprice=\uff11"],
     "error: --vary 'hashprice=\uff11': values must be LOW:HIGH:N, A,B,C, a number, or LOW~HIGH"),
    (["--vary", "hashprice=1_000"],
     "error: --vary 'hashprice=1_000': values must be LOW:HIGH:N, A,B,C, a number, or LOW~HIGH"),
    (["--vary", "set:hashprice=1e308"],
     "error: --vary 'set:hashprice=1e308': hashprice must be >= 0 and <= 1,000,000 USD/PH/day, found 1e+308"),
    (["--vary", "hashprice=1e6"],
     "error: --vary 'hashprice=1e6': a multiplier of hashprice must be >= 0 and <= 1,000, found 1e+06"),
    (["--vary", "hashprice=900"],  # 60 USD/PH/day x 900 = 54,000: allowed; the spot price x 900 is not
     None),
    (["--vary", "ai_spot_price=900,1000", "--vary", "set:ai_spot_price[2027-01:]=2000"],
     "error: scenario 0: ai_spot_price=900 makes ai_spot_price_usd_per_kw_month 1,800,000, above the 1,000,000 "
     "allowed"),
], ids=["huge_grid", "too_many_scenarios", "empty_window", "full_width_digit", "underscore", "absolute_1e308",
        "multiplier_1e6", "large_but_allowed", "product_too_large"])
def test_sweep_specs_are_checked_before_anything_is_allocated(tiny_model: Path, tmp_path: Path, args: list[str],
                                                              line: str | None) -> None:
    result = _run("sweep", tiny_model, *args, "--out", tmp_path / "out", "--no-progress")
    if line is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    *warnings, last = result.stderr.splitlines()  # the tiny case's capex is far below the usual range: a warning
    assert last == line and all(w.startswith("warning: ") for w in warnings)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_huge_grid_is_refused_within_a_memory_cap(tiny_model: Path, tmp_path: Path) -> None:
    result = run_capped("sweep", tiny_model, "--vary", "hashprice=1:2:1000000000", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "needs N from 1 to 100,000" in result.stderr


def test_bad_numbers_on_the_command_line_are_usage_errors(tiny_model: Path) -> None:
    for args in (["solve", tiny_model, "--time-limit", "nan"], ["solve", tiny_model, "--time-limit", "inf"],
                 ["breakeven", tiny_model, "--param", "hashprice", "--decision", "npv_usd>0", "--low", "nan",
                  "--high", "2"],
                 ["breakeven", tiny_model, "--param", "hashprice", "--decision", "npv_usd>0", "--low", "0.1",
                  "--high", "2", "--tol", "nan"],
                 ["sweep", tiny_model, "--vary", "hashprice=2~1", "--samples", "1000000000"],
                 ["template", tiny_model.with_name("t.xlsx"), "--discount-rate", "nan"],
                 ["template", tiny_model.with_name("t.xlsx"), "--periods", "100000000"]):
        result = _run(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (args, result.output)
        assert "Traceback" not in result.output and "Error: Invalid value" in result.stderr, (args, result.stderr)
    assert not tiny_model.with_name("t.xlsx").exists()


def test_breakeven_absolute_values_have_the_inputs_range(tiny_model: Path) -> None:
    result = _run("breakeven", tiny_model, "--param", "set:capex_budget", "--decision", "npv_usd>0", "--low", "0",
                  "--high", "1e308")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == ("error: set:capex_budget: capex_budget must be >= 0 and <= "
                                              "1,000,000,000,000,000 USD, found 1e+308")


def test_breakeven_stops_at_the_resolution_of_its_values(tiny_model: Path) -> None:
    """--tol 1e-300 cannot be met: bisection stops where 12 significant digits can no longer halve the bracket."""
    result = _run("breakeven", tiny_model, "--param", "hashprice", "--decision", "ai_started_mw:site=A>0", "--low",
                  "0.2", "--high", "2", "--tol", "1e-300")
    assert result.exit_code == 0, result.output
    low, high = (float(x) for x in result.stdout.split("(between ")[1].split(",")[0].split(" and "))
    assert abs((low + high) / 2 - 50 / 60) < 1e-6 and 0 < high - low < 1e-10  # the LP decides ties to ~1e-9
    assert "12 significant digits cannot narrow it further" in result.stdout


def test_results_workbook_holds_no_live_formula(tmp_path: Path) -> None:
    """A model named like a formula, and a scenario file named =1+1.csv: every text cell of results.xlsx is text."""
    name = '=HYPERLINK("http://x","y")'
    model = _write_model(tmp_path, _tiny_tables(), "tiny", 1)
    model.write_text(model.read_text().replace("name: tiny", f"name: '{name}'"))
    scenarios = tmp_path / "=1+1.csv"
    scenarios.write_text("hashprice\n0.5\n1.5\n")
    result = _run("sweep", model, "--scenarios", scenarios, "--out", tmp_path / "out", "--no-progress")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx")
    texts = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} = {cell.value!r} is a formula"
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                    texts.add(cell.value)
    assert name in texts  # the case's name, in the sweep sheet
    assert any(str(c.value).endswith("=1+1.csv") for row in book["sweep"].iter_rows() for c in row)


def test_results_workbook_is_formatted_like_the_plan_workbook_and_charts_the_npv(tmp_path: Path) -> None:
    """NPV as #,##0 (not -4.55E+08), MW 0.0, headers whole (wrapped, in a wide enough column), frozen and filtered,
    landscape one page wide, and a native chart of NPV against the first swept parameter."""
    model = _write_model(tmp_path, _tiny_tables(), "tiny", 1)
    result = _run("sweep", model, "--vary", "hashprice=0.5:1.5:3", "--out", tmp_path / "out", "--no-progress")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx")
    assert book.sheetnames == ["scenarios", "NPV chart", "sweep"]
    ws = book["scenarios"]
    header = [c.value for c in ws[1]]
    column = {name: i + 1 for i, name in enumerate(header)}
    npv = ws.cell(row=2, column=column["npv_usd"])
    assert isinstance(npv.value, float) and npv.number_format == "#,##0"
    assert ws.cell(row=2, column=column["ai_ready_mw_2027"]).number_format == "0.0"
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:{ws.cell(row=4, column=len(header)).coordinate}"
    assert ws.cell(row=1, column=1).alignment.wrap_text and ws.row_dimensions[1].height >= 15
    for name, i in column.items():  # a header fits its column in at most three lines
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        assert len(name) <= 3 * (width - 3), name
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$1"
    charts = book["NPV chart"]._charts
    assert len(charts) == 1
    [series] = charts[0].series
    assert series.xVal.numRef.f == "scenarios!$C$2:$C$4"
    assert series.yVal.numRef.f == f"scenarios!${npv.column_letter}$2:${npv.column_letter}$4"


def test_a_model_name_is_a_label_not_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _write_model(tmp_path, _tiny_tables(), "tiny", 1)
    target = tmp_path / "elsewhere" / "x"
    model.write_text(model.read_text().replace("name: tiny", f"name: {target}"))
    monkeypatch.chdir(tmp_path)
    result = _run("sweep", model, "--vary", "hashprice=1,2", "--no-progress")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "elsewhere").exists()
    assert (tmp_path / f"{str(target).strip('/').replace('/', '_')}-sweep" / "results.csv").is_file()


def test_a_sweep_keeps_a_folder_of_other_files_and_another_run_is_locked_out(tmp_path: Path,
                                                                             tiny_model: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["sweep", tiny_model, "--vary", "hashprice=1,2", "--out", out, "--no-progress"]
    refused = _run(*args)
    assert refused.exit_code == 2 and "holds files capopt did not write (notes.txt)" in refused.stderr
    assert _run(*args, "--force").exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a sweep still running into it
        busy = _run(*args, "--resume")
    finally:
        os.close(fd)
    assert busy.exit_code == 2
    assert busy.stderr.splitlines()[-1] == (f"error: {out} is in use by another capopt run; wait for it to end or "
                                            "choose another folder")


def test_errors_exit_1_and_results_keep_one_row_per_scenario(tmp_path: Path, tiny_model: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    args = ["sweep", tiny_model, "--vary", "hashprice=0.5:1.5:5", "--out", out, "--no-progress"]
    solve = ScenarioSolver.solve

    def fails_at_1_25(self, params):
        if params.get("hashprice") == 1.25:
            raise RuntimeError("solver crashed")
        return solve(self, params)

    monkeypatch.setattr(ScenarioSolver, "solve", fails_at_1_25)
    for attempt in ("first run", "resumed, still failing"):
        result = _run(*args, *(["--resume"] if attempt != "first run" else []))
        assert result.exit_code == 1, (attempt, result.output)
        assert "1 scenario ended in an error or a time limit" in result.stderr
        rows = _rows(out)
        assert len(rows) == 6 and len({r[0] for r in rows[1:]}) == 5, attempt  # one row per scenario
        assert [r[rows[0].index("status")] for r in rows[1:]].count("error") == 1
    monkeypatch.undo()
    fixed = _run(*args, "--resume")
    assert fixed.exit_code == 0, fixed.output
    rows = _rows(out)
    assert len(rows) == 6 and {r[rows[0].index("status")] for r in rows[1:]} == {"optimal"}


def _gone(pids: list[int], timeout_s: float = 15) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{p}").exists() and "zombie" not in _state(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_workers_die_with_their_sweep(tmp_path: Path, how: signal.Signals) -> None:
    process, out, args = _start_pool_sweep(tmp_path)
    workers = _pool_workers(process.pid)
    assert len(workers) == 2
    process.send_signal(how)
    _, err = process.communicate(timeout=60)
    assert _gone(workers), f"workers {workers} outlived their sweep"
    if how == signal.SIGTERM:  # stopped like Ctrl-C: rows kept, exit 1, --resume finishes
        assert process.returncode == 1, err
        assert "--resume" in err
        finished = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
        rows = _rows(out)
        assert len(rows) == 301 and len({r[0] for r in rows[1:]}) == 300
