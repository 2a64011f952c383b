"""Fit the generator's defaults on the shipped history: `python -m optimizer.futures.fit` prints them.

Network hashrate (monthly, on data/btc_monthly.csv): an error-correction regression of the log growth of the
hashrate on the log hashprice L months earlier and on the previous month's growth,

    g_t = log H_t - log H_{t-1} = c + b * log HP_{t-L} + a * g_{t-1} + e_t,       e_t ~ N(0, s^2) i.i.d.

HP is the hashprice of the subsidy alone (no fee history is shipped). Because HP = k * price / H, this is a
partial adjustment of the hashrate towards the level at which hashprice equals HP* = exp(-c / b): the network
grows while hashprice is above HP* and shrinks below it, faster the further away it is. The growth term a * g_{t-1}
(momentum: machines ordered months earlier keep arriving) is there because without it the residuals are
autocorrelated (lag-1 correlation 0.35, 0.06 with it), which would also bias b. L is chosen among 1..12 months
by the smallest sum of squared residuals on the common sample (months 13 onward), then a, b, c and s are
estimated by least squares on every month the chosen lag allows.

Reported per year, as the generator uses them: momentum = a; elasticity = 12 b / (1 - a), the log growth per year
per unit of log hashprice at which the growth settles when hashprice holds still; HP*; noise = s * sqrt(12).

Bitcoin price: monthly log returns of the month-end close; volatility = their standard deviation * sqrt(12)
(the default GBM volatility); the mean and the lag-1 autocorrelation are reported, not used as defaults.

`optimizer.futures.defaults` holds these values rounded to 4 significant digits; tests check they agree with
`fit_defaults()`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .history import monthly_history

MAX_LAG_MONTHS = 12
SIGNIFICANT_DIGITS = 4


def significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """`value` rounded to `digits` significant digits."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


@dataclass(frozen=True)
class HashrateFit:
    """Error-correction fit of the network hashrate on the lagged hashprice (see the module docstring)."""

    lag_months: int
    momentum: float
    elasticity_per_year: float
    intercept_per_year: float
    equilibrium_hashprice_usd_per_ph_day: float
    noise_per_year: float
    r_squared: float
    residual_lag1_autocorrelation: float
    observations: int
    sse_by_lag: dict[int, float]
    growth_per_year_at_last_month: float
    last_month: str
    last_hashprice_usd_per_ph_day: float


@dataclass(frozen=True)
class PriceFit:
    """Statistics of the monthly log returns of the bitcoin month-end close."""

    returns: int
    first_month: str
    last_month: str
    mean_log_return_per_year: float
    volatility_per_year: float
    lag1_autocorrelation: float
    last_close_usd: float


def _least_squares(y: np.ndarray, *x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    design = np.column_stack([np.ones_like(y), *x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    return beta, y - design @ beta


def fit_hashrate(max_lag_months: int = MAX_LAG_MONTHS) -> HashrateFit:
    """Choose the lag and fit g_t = c + b log HP_{t-L} + a g_{t-1} + e_t on the shipped history."""
    history = monthly_history()
    log_h = np.log(history["network_hashrate_eh_s"].to_numpy())
    log_hp = np.log(history["hashprice_usd_per_ph_day"].to_numpy())
    n = len(log_h)

    def regress(t: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        y = log_h[t] - log_h[t - 1]
        beta, resid = _least_squares(y, log_hp[t - lag], log_h[t - 1] - log_h[t - 2])
        return beta, resid, y

    common = np.arange(max_lag_months, n)  # months whose growth, previous growth and every candidate lag exist
    sse = {lag: float(np.sum(regress(common, lag)[1] ** 2)) for lag in range(1, max_lag_months + 1)}
    lag = min(sse, key=lambda candidate: sse[candidate])
    (c, b, a), resid, y = regress(np.arange(max(2, lag), n), lag)
    s = float(np.sqrt(resid @ resid / (len(y) - 3)))
    growth_next = c + b * log_hp[n - lag] + a * (log_h[-1] - log_h[-2])
    return HashrateFit(
        lag_months=lag,
        momentum=float(a),
        elasticity_per_year=12.0 * b / (1.0 - a),
        intercept_per_year=12.0 * c,
        equilibrium_hashprice_usd_per_ph_day=float(np.exp(-c / b)),
        noise_per_year=s * math.sqrt(12.0),
        r_squared=1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum()),
        residual_lag1_autocorrelation=float(np.corrcoef(resid[:-1], resid[1:])[0, 1]),
        observations=len(y),
        sse_by_lag=sse,
        growth_per_year_at_last_month=12.0 * float(growth_next),
        last_month=str(history["month"].iloc[-1]),
        last_hashprice_usd_per_ph_day=float(np.exp(log_hp[-1])),
    )


def fit_price() -> PriceFit:
    """Mean, volatility and lag-1 autocorrelation of the monthly log returns."""
    history = monthly_history()
    r = history["log_return"].to_numpy()[1:]
    return PriceFit(
        returns=len(r),
        first_month=str(history["month"].iloc[1]),
        last_month=str(history["month"].iloc[-1]),
        mean_log_return_per_year=12.0 * float(r.mean()),
        volatility_per_year=math.sqrt(12.0) * float(r.std(ddof=1)),
        lag1_autocorrelation=float(np.corrcoef(r[:-1], r[1:])[0, 1]),
        last_close_usd=float(history["btc_close_usd"].iloc[-1]),
    )


def fit_defaults() -> dict[str, float | int]:
    """The fitted defaults, rounded as `optimizer.futures.defaults` stores them."""
    hashrate, price = fit_hashrate(), fit_price()
    return {
        "HASHRATE_LAG_MONTHS": hashrate.lag_months,
        "HASHRATE_MOMENTUM": significant(hashrate.momentum),
        "HASHRATE_ELASTICITY_PER_YEAR": significant(hashrate.elasticity_per_year),
        "EQUILIBRIUM_HASHPRICE_USD_PER_PH_DAY": significant(hashrate.equilibrium_hashprice_usd_per_ph_day),
        "HASHRATE_NOISE_PER_YEAR": significant(hashrate.noise_per_year),
        "BTC_VOLATILITY_PER_YEAR": significant(price.volatility_per_year),
    }


def main() -> None:
    """Print the fit and the defaults it gives."""
    hashrate, price = fit_hashrate(), fit_price()
    print("network hashrate: g_t = c + b * log HP_{t-L} + a * g_{t-1} + e_t on data/btc_monthly.csv")
    print("  sum of squared residuals by lag (months 13 onward): "
          + ", ".join(f"{lag}: {value:.4f}" for lag, value in hashrate.sse_by_lag.items()))
    for key, value in asdict(hashrate).items():
        if key != "sse_by_lag":
            print(f"  {key}: {value}")
    print("bitcoin price: monthly log returns of the month-end close")
    for key, value in asdict(price).items():
        print(f"  {key}: {value}")
    print("defaults (optimizer/futures/defaults.py):")
    for key, value in fit_defaults().items():
        print(f"  {key} = {value!r}")


if __name__ == "__main__":
    main()
