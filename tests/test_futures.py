"""Scenario generator of issue 10 (optimizer.futures): shipped history, fit, settings, paths, reduction, chart."""
from __future__ import annotations

import calendar
import io
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from optimizer.errors import InputProblem
from optimizer.fundamentals import hashprice_usd_per_ph_day, month_number, subsidy_btc_per_block
from optimizer.futures import defaults
from optimizer.futures.fit import fit_defaults, fit_hashrate
from optimizer.futures.generate import generate_scenarios
from optimizer.futures.history import (
    DIFFICULTY_SOURCE,
    EPOCHS_SOURCE,
    HISTORY_FILE,
    build_history,
    daily_difficulty,
    data_path,
    historical_log_returns,
    historical_subsidy_btc_per_block,
    monthly_history,
)
from optimizer.futures.reduce import SCENARIO_PERIOD_COLUMNS, kmedoids, reduce_paths, scenario_hashprice
from optimizer.futures.settings import (
    BootstrapSettings,
    FeeSettings,
    GbmSettings,
    GenerationSettings,
    HashrateSettings,
    read_generation_settings,
)
from optimizer.futures.simulate import generate_paths
from optimizer.horizon import Horizon
from optimizer.writers.fan_chart import fan_chart

SOURCE = "models/example.yaml"
HALVINGS = [month_number(2028, 4), month_number(2032, 4), month_number(2036, 4)]
EXAMPLE = Horizon("2027-01", 48)  # the example's horizon: 48 months from 2027-01, halving 2028-04
START_PRICE_USD, START_HASHRATE_EH_S = 95_000.0, 1_100.0  # hashprice 39.3 USD/PH/day at the start


def example_paths(n: int = 1000, seed: int = 7, settings: GenerationSettings | None = None,
                  horizon: Horizon = EXAMPLE):
    return generate_paths(horizon, settings or GenerationSettings(), n, seed, HALVINGS, START_PRICE_USD,
                          START_HASHRATE_EH_S)


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
    assert fit.elasticity_per_year > 0 and 1 <= fit.lag_months <= 12 and 0 < fit.momentum < 1
    b_per_year = fit.elasticity_per_year * (1 - fit.momentum)  # 12 b
    assert fit.equilibrium_hashprice_usd_per_ph_day == pytest.approx(math.exp(-fit.intercept_per_year / b_per_year))
    assert fit.sse_by_lag[fit.lag_months] == min(fit.sse_by_lag.values())
    assert abs(fit.residual_lag1_autocorrelation) < 0.15  # the momentum term leaves no serial correlation to speak of


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
                     "momentum": 0.5, "noise_per_year": 0.1},
        "fees": {"btc_per_block": 0.05}}}
    settings, problems = read_generation_settings(data, SOURCE)
    assert problems == []
    assert settings.price_model == "bootstrap" and settings.start_btc_price_usd == 90000
    assert settings.bootstrap == BootstrapSettings(block_months=12, drift_per_year=None)
    assert settings.hashrate == HashrateSettings(start_eh_s=1200, trend_per_year=0.2, elasticity_per_year=0.3,
                                                 lag_months=3, momentum=0.5, noise_per_year=0.1)
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
    ({"hashrate": {"momentum": 1}}, "scenario_generation.hashrate.momentum"),
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


# --- paths -------------------------------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_paths_and_another_seed_other_paths() -> None:
    for settings in (GenerationSettings(), GenerationSettings(price_model="bootstrap")):
        a, b, c = example_paths(200, 3, settings), example_paths(200, 3, settings), example_paths(200, 4, settings)
        for name in ("btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block", "hashprice_usd_per_ph_day"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert not np.allclose(a.btc_price_usd, c.btc_price_usd)


def test_gbm_log_returns_have_mean_drift_minus_half_variance_and_the_volatility() -> None:
    mu, sigma = 0.15, 0.6
    paths = example_paths(20_000, 11, GenerationSettings(gbm=GbmSettings(drift_per_year=mu, volatility_per_year=sigma)))
    r = paths.monthly_log_returns
    expected_mean = (mu - sigma ** 2 / 2) / 12
    standard_error = sigma / math.sqrt(12) / math.sqrt(r.size)
    assert abs(r.mean() - expected_mean) < 4 * standard_error
    assert r.std() == pytest.approx(sigma / math.sqrt(12), rel=0.01)
    # E[S_T] = S_0 exp(mu T): the simulated mean end price, within 4 standard errors.
    end = paths.btc_price_usd[:, -1]
    assert abs(end.mean() / (START_PRICE_USD * math.exp(mu * 47 / 12)) - 1) < 4 * end.std() / end.mean() / math.sqrt(
        end.size)


def test_bootstrap_draws_only_historical_returns_in_blocks_of_consecutive_months() -> None:
    block = 6
    settings = GenerationSettings(price_model="bootstrap",
                                  bootstrap=BootstrapSettings(block_months=block, drift_per_year=None))
    paths = example_paths(300, 5, settings)
    history = historical_log_returns()
    r = paths.monthly_log_returns
    assert np.isin(r, history).all()
    # Inside a block, month k + 1 is the historical month after month k.
    position = {value: i for i, value in enumerate(history)}
    index = np.vectorize(position.get)(r)
    inside = np.arange(r.shape[1] - 1) % block != block - 1
    assert (np.diff(index, axis=1)[:, inside] == 1).all()


def test_bootstrap_with_a_drift_shifts_the_returns_by_one_constant_so_the_expected_price_grows_at_the_drift() -> None:
    history = historical_log_returns()
    block, mu = 6, 0.1
    settings = GenerationSettings(price_model="bootstrap", bootstrap=BootstrapSettings(block, mu))
    paths = example_paths(20_000, 5, settings)
    sums = np.array([history[i:i + block].sum() for i in range(len(history) - block + 1)])
    shift = mu / 12 - math.log(np.exp(sums).mean()) / block
    assert np.isin(np.round(paths.monthly_log_returns - shift, 12), np.round(history, 12)).all()
    # After whole blocks (months 6, 12, ...), E[S_t] = S_0 exp(mu t) up to sampling error.
    for month in (12, 24, 42):
        growth = paths.btc_price_usd[:, month] / START_PRICE_USD
        assert abs(growth.mean() / math.exp(mu * month / 12) - 1) < 4 * growth.std() / math.sqrt(growth.size)


@pytest.mark.parametrize("months_per_period", [1, 3])
def test_hashprice_of_a_path_is_optimizer_fundamentals_on_its_fundamentals(months_per_period: int) -> None:
    horizon = Horizon("2027-01", 48 // months_per_period, months_per_period)
    paths = example_paths(100, 2, horizon=horizon)
    first_months = month_number(2027, 1) + months_per_period * np.arange(horizon.periods)
    months = first_months[:, None] + np.arange(months_per_period)[None, :]
    subsidy = subsidy_btc_per_block(months, HALVINGS).mean(axis=1)
    np.testing.assert_allclose(paths.block_subsidy_btc, subsidy, rtol=0, atol=0)
    expected = hashprice_usd_per_ph_day(paths.btc_price_usd, paths.network_hashrate_eh_s, subsidy[None, :],
                                        paths.fees_btc_per_block)
    np.testing.assert_allclose(paths.hashprice_usd_per_ph_day, expected, rtol=1e-15)
    np.testing.assert_allclose(paths.fees_btc_per_block,
                               defaults.FEE_SHARE_OF_SUBSIDY * subsidy[None, :].repeat(100, 0))


def test_the_first_month_has_the_start_levels_and_their_hashprice() -> None:
    paths = example_paths(10, 2)
    assert (paths.btc_price_usd[:, 0] == START_PRICE_USD).all()
    assert (paths.network_hashrate_eh_s[:, 0] == START_HASHRATE_EH_S).all()
    expected = 144 * 3.125 * (1 + defaults.FEE_SHARE_OF_SUBSIDY) * START_PRICE_USD / (START_HASHRATE_EH_S * 1000)
    assert paths.hashprice_usd_per_ph_day[:, 0] == pytest.approx(expected)
    assert paths.start["hashprice_usd_per_ph_day"] == pytest.approx(expected)


def test_quarterly_periods_are_the_means_of_the_same_monthly_paths() -> None:
    monthly, quarterly = example_paths(50, 9), example_paths(50, 9, horizon=Horizon("2027-01", 16, 3))
    for name in ("btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block"):
        np.testing.assert_allclose(getattr(quarterly, name), getattr(monthly, name).reshape(50, 16, 3).mean(axis=2),
                                   rtol=1e-13)


def test_hashrate_growth_follows_momentum_trend_and_elasticity_times_lagged_log_hashprice() -> None:
    lag, elasticity, equilibrium, momentum = 2, 0.5, 30.0, 0.4
    settings = GenerationSettings(gbm=GbmSettings(drift_per_year=0.2, volatility_per_year=0.5),
                                  hashrate=HashrateSettings(elasticity_per_year=elasticity, lag_months=lag,
                                                            equilibrium_hashprice_usd_per_ph_day=equilibrium,
                                                            momentum=momentum, noise_per_year=0.0))
    paths = example_paths(3, 1, settings)
    hp = paths.monthly_hashprice_usd_per_ph_day
    hp0 = hp[:, 0]
    trend = elasticity * math.log(hp0[0] / equilibrium)
    assert paths.trend_per_year == pytest.approx(trend)
    growth = np.diff(np.log(paths.network_hashrate_eh_s), axis=1)  # monthly horizon: periods are months
    previous = np.full(3, trend / 12)
    for t in range(1, 48):  # the recursion written out month by month
        lagged = np.log(hp[:, t - lag] / hp0) if t >= lag else 0.0
        expected = momentum * previous + (1 - momentum) * (trend + elasticity * lagged) / 12
        np.testing.assert_allclose(growth[:, t - 1], expected, atol=1e-12)
        previous = expected


def test_hashrate_noise_has_the_set_volatility() -> None:
    settings = GenerationSettings(gbm=GbmSettings(volatility_per_year=0.0),
                                  hashrate=HashrateSettings(elasticity_per_year=0.0, trend_per_year=0.1,
                                                            momentum=0.0, noise_per_year=0.3))
    growth = np.diff(np.log(example_paths(5000, 3, settings).network_hashrate_eh_s), axis=1)
    assert growth.mean() == pytest.approx(0.1 / 12, abs=4 * 0.3 / math.sqrt(12 * growth.size))
    assert growth.std() == pytest.approx(0.3 / math.sqrt(12), rel=0.01)


def test_start_levels_come_from_the_model_file_then_the_first_period_then_the_history() -> None:
    last = monthly_history().iloc[-1]
    from_history = generate_paths(EXAMPLE, GenerationSettings(), 5, 1, HALVINGS)
    assert from_history.btc_price_usd[0, 0] == pytest.approx(last["btc_close_usd"])
    assert from_history.network_hashrate_eh_s[0, 0] == pytest.approx(last["network_hashrate_eh_s"])
    assert from_history.start["btc_price_usd_from"] == f"history {last['month']}"
    from_caller = example_paths(5, 1)
    assert from_caller.btc_price_usd[0, 0] == START_PRICE_USD and from_caller.start["btc_price_usd_from"] == \
        "first period"
    own = GenerationSettings(start_btc_price_usd=50_000, hashrate=HashrateSettings(start_eh_s=900))
    from_file = example_paths(5, 1, own)
    assert from_file.btc_price_usd[0, 0] == 50_000 and from_file.network_hashrate_eh_s[0, 0] == 900
    assert from_file.start["network_hashrate_eh_s_from"] == "model file"


def test_fixed_fees_per_block_are_used_as_given() -> None:
    paths = example_paths(10, 1, GenerationSettings(fees=FeeSettings(share_of_subsidy=None, btc_per_block=0.04)))
    assert (paths.fees_btc_per_block == 0.04).all()


def test_a_horizon_before_the_subsidy_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="2020-06"):
        generate_paths(Horizon("2019-01", 12), GenerationSettings(), 5, 1, HALVINGS)


# --- reduction ---------------------------------------------------------------------------------------------------

def _written_hashprice(reduced, paths) -> np.ndarray:
    """Hashprice per scenario and period as capopt derives it from the written fundamentals (MODEL.md B)."""
    table = scenario_hashprice(reduced, paths)
    return table.pivot(index="scenario", columns="period", values="hashprice_usd_per_ph_day").loc[
        reduced.names].to_numpy()


def _probabilities_as_written(reduced) -> np.ndarray:
    buffer = io.StringIO()
    reduced.scenarios[["scenario", "probability"]].to_csv(buffer, index=False, float_format="%.12g")
    return pd.read_csv(io.StringIO(buffer.getvalue()))["probability"].to_numpy()


@pytest.mark.parametrize("model", ["gbm", "bootstrap"])
@pytest.mark.parametrize("method", ["kmedoids", "quantiles"])
@pytest.mark.parametrize("keep, n_paths", [(5, 500), (10, 1000), (20, 2000)])
def test_weighted_mean_hashprice_is_within_5_percent_of_the_path_mean_in_every_period(
        model: str, method: str, keep: int, n_paths: int) -> None:
    paths = example_paths(n_paths, 7, GenerationSettings(price_model=model))
    assert 35 <= paths.hashprice_usd_per_ph_day[0, 0] <= 45
    reduced = reduce_paths(paths, keep, method)
    written = _probabilities_as_written(reduced)
    deviation = np.abs(written @ _written_hashprice(reduced, paths) / paths.mean_hashprice_usd_per_ph_day - 1)
    assert deviation.max() <= 0.05
    assert deviation.max() < 1e-9  # the group means match the mean by construction
    assert reduced.summary["mean_hashprice_path"]["within_criterion"] is True
    assert reduced.summary["mean_hashprice_path"]["max_relative_deviation"] == pytest.approx(deviation.max(),
                                                                                              abs=1e-9)


@pytest.mark.parametrize("method", ["kmedoids", "quantiles"])
@pytest.mark.parametrize("representative", ["mean", "medoid"])
def test_probabilities_are_positive_and_sum_to_1_as_written(method: str, representative: str) -> None:
    reduced = reduce_paths(example_paths(600, 1), 12, method, representative)
    written = _probabilities_as_written(reduced)
    assert (written > 0).all()
    assert abs(written.sum() - 1) <= 1e-9
    assert abs(reduced.probabilities.sum() - 1) <= 1e-12


def test_scenario_tables_have_the_section_c_layout() -> None:
    paths = example_paths(400, 2)
    reduced = reduce_paths(paths, 6)
    periods = reduced.scenario_periods
    assert list(periods.columns) == list(SCENARIO_PERIOD_COLUMNS)
    assert list(reduced.scenarios.columns[:2]) == ["scenario", "probability"]
    assert reduced.scenarios["scenario"].is_unique and len(reduced.scenarios) == 6
    tags = ["low", "mid_low", "mid", "mid_high", "high"]
    assert [name[:4] for name in reduced.names] == [f"s{i:02d}_" for i in range(1, 7)]
    ranks = [tags.index(name[4:]) for name in reduced.names]
    assert ranks == sorted(ranks) and ranks[0] <= 1 and ranks[-1] >= 3
    cumulative = np.concatenate([[0], np.cumsum(reduced.scenarios["share_of_paths"])])
    assert ranks == [min(int(2.5 * (a + b)), 4) for a, b in itertools.pairwise(cumulative)]
    for _, rows in periods.groupby("scenario", sort=False):
        assert list(rows["period"]) == EXAMPLE.labels
    assert periods[["btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block"]].notna().all().all()
    means = reduced.scenarios["mean_hashprice_usd_per_ph_day"].to_numpy()
    assert (np.diff(means) > 0).all()  # ordered from the lowest to the highest hashprice
    summary = reduced.summary
    assert summary["method"] == "kmedoids" and summary["paths"] == 400 and summary["scenarios"] == 6
    assert summary["seed"] == 2 and summary["halving_months"][0] == "2028-04"
    assert set(summary["reduction_error"]) == {"mean_rms_relative_distance_to_scenario", "wasserstein_relative_mean",
                                               "wasserstein_relative_max"}
    assert 0 < summary["reduction_error"]["wasserstein_relative_mean"] < 1
    assert summary["settings"]["price_model"] == "gbm" and "bootstrap" not in summary["settings"]
    assert json.loads(json.dumps(summary)) == summary  # plain JSON for summary.json


def test_quantile_bands_have_equal_probabilities_and_band_names() -> None:
    reduced = reduce_paths(example_paths(1000, 4), 5, "quantiles")
    assert reduced.names == ["q01_p00_20", "q02_p20_40", "q03_p40_60", "q04_p60_80", "q05_p80_100"]
    np.testing.assert_allclose(reduced.probabilities, 0.2)


def test_the_same_seed_gives_the_same_scenarios() -> None:
    a = reduce_paths(example_paths(500, 8), 7)
    b = reduce_paths(example_paths(500, 8), 7)
    pd.testing.assert_frame_equal(a.scenarios, b.scenarios)
    pd.testing.assert_frame_equal(a.scenario_periods, b.scenario_periods)


def test_medoid_scenarios_are_simulated_paths_with_adjusted_probabilities() -> None:
    paths = example_paths(800, 3)
    reduced = reduce_paths(paths, 10, representative="medoid")
    for j, row in enumerate(reduced.path_index):
        rows = reduced.scenario_periods[reduced.scenario_periods["scenario"] == reduced.names[j]]
        np.testing.assert_array_equal(rows["btc_price_usd"], paths.btc_price_usd[row])
        np.testing.assert_array_equal(rows["network_hashrate_eh_s"], paths.network_hashrate_eh_s[row])
    shares = reduced.scenarios["share_of_paths"].to_numpy()
    assert (reduced.probabilities >= 0.25 * shares - 1e-12).all()
    achieved = np.abs(reduced.probabilities @ paths.hashprice_usd_per_ph_day[reduced.path_index]
                      / paths.mean_hashprice_usd_per_ph_day - 1).max()
    mean_path = reduced.summary["mean_hashprice_path"]
    assert mean_path["max_relative_deviation"] == pytest.approx(achieved, abs=1e-9)
    assert achieved <= max(mean_path["tolerance_used"], 0) + 1e-9
    assert achieved <= mean_path["max_relative_deviation_at_shares_of_paths"] + 1e-12


def test_kmedoids_finds_well_separated_groups() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([c + rng.normal(scale=0.5, size=(40, 2)) for c in centres])
    medoids, labels, _ = kmedoids(points, 3, np.random.default_rng(1))
    assert sorted(np.bincount(labels).tolist()) == [40, 40, 40]
    assert (labels[medoids] == np.arange(3)).all()  # each medoid belongs to its own group
    for group in range(3):
        assert len(set(labels[group * 40:(group + 1) * 40])) == 1


def test_bad_reduction_arguments_are_refused() -> None:
    paths = example_paths(20, 1)
    with pytest.raises(ValueError, match="keep"):
        reduce_paths(paths, 21)
    with pytest.raises(ValueError, match="method"):
        reduce_paths(paths, 3, "kmeans")
    with pytest.raises(ValueError, match="representative"):
        reduce_paths(paths, 3, representative="centroid")


# --- chart and one-call generation -------------------------------------------------------------------------------

def test_fan_chart_has_two_labelled_panels_with_every_scenario_and_the_halving(tmp_path) -> None:
    paths, reduced = generate_scenarios(EXAMPLE, GenerationSettings(), 300, 6, 1, HALVINGS, START_PRICE_USD,
                                        START_HASHRATE_EH_S)
    fig = fan_chart(paths, reduced)
    assert isinstance(fig, Figure)
    top, bottom = fig.axes[:2]
    assert "Hashprice" in top.get_title(loc="left") and top.get_ylabel() == "USD per PH/s per day"
    assert "Bitcoin price" in bottom.get_title(loc="left") and bottom.get_yscale() == "log"
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    for name, p in zip(reduced.names, reduced.probabilities):
        assert f"{name}  (probability {100 * p:.1f}%)" in legend_texts
    assert any(t.get_text() == "halving 2028-04" for t in top.texts)
    end = np.percentile(paths.hashprice_usd_per_ph_day[:, -1], [5, 95])
    assert f"90% of the paths between {end[0]:,.0f} and {end[1]:,.0f} USD per PH/s per day" in fig._suptitle.get_text()
    target = tmp_path / "fan.png"
    fig.savefig(target, dpi=80)
    assert target.read_bytes().startswith(b"\x89PNG") and target.stat().st_size > 20_000
