"""Scenario generator of issue 10 (optimizer.futures): shipped history, fit, settings, paths, reduction, chart."""
from __future__ import annotations

import calendar
import math

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import InputProblem
from optimizer.fundamentals import month_number, subsidy_btc_per_block
from optimizer.futures import defaults
from optimizer.futures.fit import fit_defaults, fit_hashrate
from optimizer.futures.history import (DIFFICULTY_SOURCE, EPOCHS_SOURCE, HISTORY_FILE, build_history, daily_difficulty,
                                       data_path, historical_subsidy_btc_per_block, monthly_history)
from optimizer.futures.settings import (BootstrapSettings, FeeSettings, GenerationSettings, HashrateSettings,
                                        read_generation_settings)

SOURCE = "models/example.yaml"
HALVINGS = [month_number(2028, 4), month_number(2032, 4), month_number(2036, 4)]


# --- shipped history ---------------------------------------------------------------------------------------------

def test_shipped_history_is_what_the_sources_build() -> None:
    shipped = pd.read_csv(data_path(HISTORY_FILE), dtype={"month": str})
    pd.testing.assert_frame_equal(build_history(), shipped)


def test_history_runs_from_2016_01_without_a_missing_month_and_says_where_days_are_missing() -> None:
    history = monthly_history()
    months = pd.period_range("2016-01", history["month"].iloc[-1], freq="M").strftime("%Y-%m")
    assert list(history["month"]) == list(months) and len(history) >= 120
    days_in_month = [calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in history["month"]]
    short = history.loc[history["difficulty_days"] != days_in_month, "month"].tolist()
    assert short == ["2025-11"]  # 2025-11-13..15 have no difficulty in the source (data/README.md)
    assert history[["btc_close_usd", "network_hashrate_eh_s"]].gt(0).all().all()


def test_daily_difficulty_repeats_the_epoch_list_read_from_bitcoin_core() -> None:
    runs = pd.read_csv(data_path(DIFFICULTY_SOURCE), dtype={"date": str})
    daily = daily_difficulty(runs)
    epochs = pd.read_csv(data_path(EPOCHS_SOURCE))["difficulty"].to_numpy()
    # Values that hold for more than a day before the 2024-04-20 halving are whole epochs.
    values = daily[daily.index < "2024-04-20"].dropna()
    runs_of_values = values[values.ne(values.shift())]
    multi_day = [v for v, length in zip(runs_of_values, values.groupby(values.ne(values.shift()).cumsum()).size())
                 if length > 1]
    positions = [int(np.abs(epochs / v - 1).argmin()) for v in multi_day]
    assert all(abs(epochs[i] / v - 1) < 1e-10 for i, v in zip(positions, multi_day))
    assert positions == list(range(positions[0], len(epochs)))  # every epoch, in order, none skipped
    assert len(positions) >= 220


def test_historical_subsidy_agrees_with_the_schedule_where_the_schedule_has_values() -> None:
    months = pd.period_range("2020-06", "2026-01", freq="M").strftime("%Y-%m")
    numbers = [month_number(int(m[:4]), int(m[5:])) for m in months]
    schedule = subsidy_btc_per_block(np.array(numbers), HALVINGS)
    ours = historical_subsidy_btc_per_block(months)
    differs = [m for m, a, b in zip(months, ours, schedule) if abs(a - b) > 1e-12]
    assert differs == ["2024-04"]  # the schedule puts the whole of April 2024 at 6.25; the halving was on the 20th
    assert historical_subsidy_btc_per_block(["2016-06", "2016-08", "2024-04"]).tolist() == pytest.approx(
        [25.0, 12.5, 6.25 * 19 / 30 + 3.125 * 11 / 30], rel=1e-3)


# --- fit ---------------------------------------------------------------------------------------------------------

def test_code_defaults_equal_what_the_fit_prints(capsys: pytest.CaptureFixture[str]) -> None:
    fitted = fit_defaults()
    for name, value in fitted.items():
        assert getattr(defaults, name) == value, name
    from optimizer.futures.fit import main
    main()
    printed = capsys.readouterr().out
    for name, value in fitted.items():
        assert f"{name} = {value!r}" in printed


def test_fitted_hashrate_model_is_an_error_correction_towards_an_equilibrium_hashprice() -> None:
    fit = fit_hashrate()
    assert fit.elasticity_per_year > 0 and 1 <= fit.lag_months <= 12
    assert fit.equilibrium_hashprice_usd_per_ph_day == pytest.approx(
        math.exp(-fit.intercept_per_year / fit.elasticity_per_year))
    assert fit.sse_by_lag[fit.lag_months] == min(fit.sse_by_lag.values())


# --- settings ----------------------------------------------------------------------------------------------------

def test_no_scenario_generation_mapping_gives_every_default() -> None:
    settings, problems = read_generation_settings({"name": "x"}, SOURCE)
    assert problems == [] and settings == GenerationSettings()
    assert settings.gbm.volatility_per_year == defaults.BTC_VOLATILITY_PER_YEAR
    assert settings.hashrate.elasticity_per_year == defaults.HASHRATE_ELASTICITY_PER_YEAR
    assert settings.fees == FeeSettings(share_of_subsidy=defaults.FEE_SHARE_OF_SUBSIDY)


def test_a_full_mapping_is_read() -> None:
    data = {"scenario_generation": {
        "price_model": "bootstrap", "start_btc_price_usd": 90000,
        "bootstrap": {"block_months": 12, "drift_per_year": "historical"},
        "hashrate": {"start_eh_s": 1200, "trend_per_year": 0.2, "elasticity_per_year": 0.3, "lag_months": 3,
                     "noise_per_year": 0.1},
        "fees": {"btc_per_block": 0.05}}}
    settings, problems = read_generation_settings(data, SOURCE)
    assert problems == []
    assert settings.price_model == "bootstrap" and settings.start_btc_price_usd == 90000
    assert settings.bootstrap == BootstrapSettings(block_months=12, drift_per_year=None)
    assert settings.hashrate == HashrateSettings(start_eh_s=1200, trend_per_year=0.2, elasticity_per_year=0.3,
                                                 lag_months=3, noise_per_year=0.1)
    assert settings.fees == FeeSettings(share_of_subsidy=None, btc_per_block=0.05)
    only_bootstrap, _ = read_generation_settings({"scenario_generation": {"bootstrap": {"block_months": 3}}}, SOURCE)
    assert only_bootstrap.price_model == "bootstrap" and only_bootstrap.bootstrap.drift_per_year == 0.0


@pytest.mark.parametrize("mapping, column", [
    ({"price_model": "garch"}, "scenario_generation.price_model"),
    ({"start_btc_price_usd": 0}, "scenario_generation.start_btc_price_usd"),
    ({"gbm": {"volatility_per_year": -0.1}}, "scenario_generation.gbm.volatility_per_year"),
    ({"gbm": {"volatility_per_year": "high"}}, "scenario_generation.gbm.volatility_per_year"),
    ({"gbm": {"drift_per_year": True}}, "scenario_generation.gbm.drift_per_year"),
    ({"gbm": {"drift_per_year": float("nan")}}, "scenario_generation.gbm.drift_per_year"),
    ({"gbm": {"drift": 0.1}}, "scenario_generation.gbm.drift"),
    ({"gbm": [0.1, 0.6]}, "scenario_generation.gbm"),
    ({"bootstrap": {"block_months": 2.5}}, "scenario_generation.bootstrap.block_months"),
    ({"bootstrap": {"block_months": 0}}, "scenario_generation.bootstrap.block_months"),
    ({"bootstrap": {"drift_per_year": "recent"}}, "scenario_generation.bootstrap.drift_per_year"),
    ({"hashrate": {"elasticity_per_year": -1}}, "scenario_generation.hashrate.elasticity_per_year"),
    ({"hashrate": {"lag_months": 0}}, "scenario_generation.hashrate.lag_months"),
    ({"hashrate": {"start_eh_s": -5}}, "scenario_generation.hashrate.start_eh_s"),
    ({"hashrate": {"equilibrium_hashprice_usd_per_ph_day": 0}},
     "scenario_generation.hashrate.equilibrium_hashprice_usd_per_ph_day"),
    ({"hashrate": {"trend_per_year": 0.1, "equilibrium_hashprice_usd_per_ph_day": 40}},
     "scenario_generation.hashrate.trend_per_year"),
    ({"fees": {"share_of_subsidy": -0.01}}, "scenario_generation.fees.share_of_subsidy"),
    ({"fees": {"share_of_subsidy": 0.01, "btc_per_block": 0.02}}, "scenario_generation.fees.share_of_subsidy"),
    ({"fee": {"share_of_subsidy": 0.01}}, "scenario_generation.fee"),
])
def test_a_bad_value_is_one_input_problem_naming_the_file_and_the_dotted_key(mapping: dict, column: str) -> None:
    settings, problems = read_generation_settings({"scenario_generation": mapping}, SOURCE)
    assert isinstance(settings, GenerationSettings)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert isinstance(problem, InputProblem) and not problem.warning
    assert problem.source == SOURCE and problem.column == column and problem.row is None
    assert "\n" not in problem.message and problem.message
    assert str(problem).startswith(f"error: {SOURCE}, column {column}: ")


def test_a_mapping_that_is_not_a_mapping_is_an_input_problem() -> None:
    _, problems = read_generation_settings({"scenario_generation": "gbm"}, SOURCE)
    assert [p.column for p in problems] == ["scenario_generation"]


def test_every_bad_value_is_reported_at_once() -> None:
    data = {"scenario_generation": {"gbm": {"volatility_per_year": 9}, "hashrate": {"lag_months": 99},
                                    "fees": {"btc_per_block": "x"}}}
    _, problems = read_generation_settings(data, SOURCE)
    assert sorted(p.column for p in problems) == ["scenario_generation.fees.btc_per_block",
                                                  "scenario_generation.gbm.volatility_per_year",
                                                  "scenario_generation.hashrate.lag_months"]


