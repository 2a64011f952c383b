"""Monte Carlo paths of bitcoin price, network hashrate, fees and hashprice over a model's horizon.

Monthly simulation, month 0 = the horizon's first month, vectorised over paths (the only loop runs over months,
because each month's hashrate depends on an earlier month's hashprice):

    price      log S_t = log S_{t-1} + r_t,  r_t from GBM, r_t = (mu - sigma^2/2)/12 + sigma sqrt(1/12) Z_t,
               or a moving-block bootstrap of the history's monthly log returns (blocks of B months in a row),
               shifted by a constant so that E[S_t] = S_0 exp(mu t) as with GBM (or as they were: "historical")
    subsidy    R_t from the schedule of optimizer.fundamentals (with the model's halving months)
    fees       F_t = share * R_t, or a fixed F in BTC per block
    hashprice  HP_t = 144 (R_t + F_t) S_t / (1000 H_t)           (optimizer.fundamentals)
    hashrate   log H_t = log H_{t-1} + g_t,
               g_t = a g_{t-1} + (1 - a) (trend + e log(HP_{t-L} / HP_0)) / 12 + s sqrt(1/12) W_t,
               g_0 = trend / 12, HP_{t-L} = HP_0 for t - L < 0; trend = e log(HP_0 / HP*) unless given

Periods of 3 months take the mean of their months' price, hashrate and fees; the period's hashprice is
`optimizer.fundamentals` on those means and the period's mean subsidy, exactly as capopt derives a hashprice
from a scenario row, so what is written is what is planned with.

Runs are reproducible: `np.random.SeedSequence(seed)` spawns one stream for the price, one for the hashrate
noise and one for the reduction.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..fundamentals import hashprice_usd_per_ph_day, period_subsidy_btc_per_block, subsidy_btc_per_block
from ..horizon import Horizon, parse_month
from .history import historical_log_returns, monthly_history
from .settings import GenerationSettings

STREAMS = ("price", "hashrate", "reduction")


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for the price, the hashrate noise and the reduction, all from one seed."""
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}


@dataclass(frozen=True)
class Paths:
    """N simulated paths over the horizon's periods (arrays of shape (N, periods) unless said otherwise)."""

    horizon: Horizon
    seed: int
    settings: GenerationSettings
    halving_months: tuple[int, ...]
    start: dict[str, float | str]  # start levels used and where each came from
    trend_per_year: float  # hashrate log growth per year at the start hashprice
    btc_price_usd: np.ndarray
    network_hashrate_eh_s: np.ndarray
    fees_btc_per_block: np.ndarray
    block_subsidy_btc: np.ndarray  # (periods,)
    hashprice_usd_per_ph_day: np.ndarray
    monthly_log_returns: np.ndarray = field(repr=False)  # (N, months - 1): r_1 .. r_{M-1}
    monthly_hashprice_usd_per_ph_day: np.ndarray = field(repr=False)  # (N, months)

    @property
    def n_paths(self) -> int:
        return self.btc_price_usd.shape[0]

    @property
    def labels(self) -> list[str]:
        return self.horizon.labels

    @property
    def mean_hashprice_usd_per_ph_day(self) -> np.ndarray:
        """The N-path mean hashprice of each period."""
        return self.hashprice_usd_per_ph_day.mean(axis=0)


def _first_month(horizon: Horizon) -> int:
    year, month = parse_month(horizon.start)  # type: ignore[misc]
    return year * 12 + month - 1


def _price_log_returns(settings: GenerationSettings, n_paths: int, steps: int,
                       rng: np.random.Generator) -> np.ndarray:
    """(n_paths, steps) monthly log returns from the chosen price model."""
    if steps == 0:
        return np.zeros((n_paths, 0))
    if settings.price_model == "gbm":
        mu, sigma = settings.gbm.drift_per_year, settings.gbm.volatility_per_year
        return (mu - 0.5 * sigma ** 2) / 12.0 + sigma * math.sqrt(1.0 / 12.0) * rng.standard_normal((n_paths, steps))
    history = historical_log_returns()
    block = min(settings.bootstrap.block_months, len(history))
    blocks = -(-steps // block)
    starts = rng.integers(0, len(history) - block + 1, size=(n_paths, blocks))
    index = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_paths, blocks * block)[:, :steps]
    returns = history[index]
    if settings.bootstrap.drift_per_year is not None:
        returns = returns + bootstrap_shift(history, block, settings.bootstrap.drift_per_year)
    return returns


def bootstrap_shift(history: np.ndarray, block: int, drift_per_year: float) -> float:
    """Constant c added to every bootstrapped monthly log return so that a block grows in expectation as GBM with
    drift mu does: mean over block starts of exp(sum of the block's returns + B c) = exp(mu B / 12), i.e.
    c = mu / 12 - log(mean_b exp(S_b)) / B. Fat tails and autocorrelation inside blocks are kept."""
    sums = np.convolve(history, np.ones(block), mode="valid")
    return drift_per_year / 12.0 - math.log(np.exp(sums).mean()) / block


def _start_levels(settings: GenerationSettings, start_btc_price_usd: float | None,
                  start_hashrate_eh_s: float | None) -> dict[str, float | str]:
    """Model file's value, else the caller's (the first period's), else the history's last month."""
    last = monthly_history().iloc[-1]
    history_note = f"history {last['month']}"
    out: dict[str, float | str] = {}
    for name, own, given, fallback in (
            ("btc_price_usd", settings.start_btc_price_usd, start_btc_price_usd, float(last["btc_close_usd"])),
            ("network_hashrate_eh_s", settings.hashrate.start_eh_s, start_hashrate_eh_s,
             float(last["network_hashrate_eh_s"]))):
        if own is not None:
            out[name], out[f"{name}_from"] = float(own), "model file"
        elif given is not None and math.isfinite(given) and given > 0:
            out[name], out[f"{name}_from"] = float(given), "first period"
        else:
            out[name], out[f"{name}_from"] = fallback, history_note
    return out


def generate_paths(horizon: Horizon, settings: GenerationSettings, n_paths: int, seed: int,
                   halving_months: Sequence[int], start_btc_price_usd: float | None = None,
                   start_hashrate_eh_s: float | None = None) -> Paths:
    """Simulate `n_paths` monthly paths over `horizon` and aggregate them to its periods (see the module doc).

    `halving_months` are month numbers (year * 12 + month - 1) as in `optimizer.fundamentals`; the start levels
    are the first period's `btc_price_usd` and `network_hashrate_eh_s` where the caller has them (the model
    file's settings win, the history's last month is the fallback).
    """
    if n_paths < 1:
        raise ValueError(f"n_paths must be at least 1, found {n_paths}")
    months = horizon.periods * horizon.months_per_period
    month_numbers = _first_month(horizon) + np.arange(months)
    subsidy = subsidy_btc_per_block(month_numbers, halving_months)
    if np.isnan(subsidy).any():
        raise ValueError(f"the horizon starts at {horizon.start}, before 2020-06: the subsidy schedule has no value")
    streams = random_streams(seed)
    start = _start_levels(settings, start_btc_price_usd, start_hashrate_eh_s)

    returns = _price_log_returns(settings, n_paths, months - 1, streams["price"])
    growth = np.concatenate([np.zeros((n_paths, 1)), np.cumsum(returns, axis=1)], axis=1)
    price = float(start["btc_price_usd"]) * np.exp(growth)  # month 0 is the start level exactly
    log_price = np.log(price)

    fee_settings = settings.fees
    fees = (fee_settings.share_of_subsidy * subsidy if fee_settings.btc_per_block is None
            else np.full(months, fee_settings.btc_per_block))
    btc_per_day = 144.0 * (subsidy + fees)  # (months,)

    hr = settings.hashrate
    hashprice0 = float(hashprice_usd_per_ph_day(start["btc_price_usd"], start["network_hashrate_eh_s"],
                                                subsidy[0], fees[0]))
    trend = hr.trend_per_year if hr.trend_per_year is not None else \
        hr.elasticity_per_year * math.log(hashprice0 / hr.equilibrium_hashprice_usd_per_ph_day)
    noise = hr.noise_per_year * math.sqrt(1.0 / 12.0) * streams["hashrate"].standard_normal((n_paths, months - 1))
    log_hashrate = np.empty((n_paths, months))
    log_hashprice = np.empty((n_paths, months))
    log_hashrate[:, 0] = math.log(float(start["network_hashrate_eh_s"]))
    log_k = np.log(btc_per_day / 1000.0)  # log HP = log k + log S - log H
    log_hashprice[:, 0] = log_k[0] + log_price[:, 0] - log_hashrate[:, 0]
    log_hp0 = math.log(hashprice0)
    growth = np.full(n_paths, trend / 12.0)  # g_0: the steady growth at the start hashprice
    for t in range(1, months):
        lagged = log_hashprice[:, t - hr.lag_months] - log_hp0 if t >= hr.lag_months else 0.0
        growth = hr.momentum * growth + (1.0 - hr.momentum) * (trend + hr.elasticity_per_year * lagged) / 12.0 \
            + noise[:, t - 1]
        log_hashrate[:, t] = log_hashrate[:, t - 1] + growth
        log_hashprice[:, t] = log_k[t] + log_price[:, t] - log_hashrate[:, t]
    hashrate = float(start["network_hashrate_eh_s"]) * np.exp(log_hashrate - log_hashrate[:, :1])

    per = horizon.months_per_period
    shape = (n_paths, horizon.periods, per)
    price_p = price.reshape(shape).mean(axis=2)
    hashrate_p = hashrate.reshape(shape).mean(axis=2)
    fees_p = np.broadcast_to(fees.reshape(horizon.periods, per).mean(axis=1), (n_paths, horizon.periods)).copy()
    subsidy_p = period_subsidy_btc_per_block(month_numbers[::per], per, halving_months)
    hashprice_p = hashprice_usd_per_ph_day(price_p, hashrate_p, subsidy_p[None, :], fees_p)
    start["hashprice_usd_per_ph_day"] = hashprice0
    return Paths(
        horizon=horizon, seed=int(seed), settings=settings, halving_months=tuple(int(m) for m in halving_months),
        start=start, trend_per_year=float(trend), btc_price_usd=price_p, network_hashrate_eh_s=hashrate_p,
        fees_btc_per_block=fees_p, block_subsidy_btc=subsidy_p, hashprice_usd_per_ph_day=hashprice_p,
        monthly_log_returns=returns, monthly_hashprice_usd_per_ph_day=np.exp(log_hashprice),
    )
