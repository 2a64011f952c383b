"""The shipped monthly history (data/btc_monthly.csv): bitcoin month-end close and network hashrate, 2016 onward.

`build_history()` derives the monthly table from the two source files in data/sources/ (see data/README.md):

    btc_close_usd          = Yahoo Finance BTC-USD close of the last day of the month (UTC), rounded to cents
    network_hashrate_eh_s  = mean over the month's days of the daily difficulty D, times 2^32 / 600 s, in EH/s

D * 2^32 / 600 is the hashrate that finds one block every 600 s at difficulty D (the difficulty-implied hashrate).
It is the hashrate that makes the formulation's 144 blocks a day exact: a miner's expected revenue per hash is
(subsidy + fees) * price / (D * 2^32), which equals hashprice formula B with H = D * 2^32 / 600.

`monthly_history()` reads the shipped table and adds the historical block subsidy (day-weighted across the
halvings of 2016-07-09, 2020-05-11 and 2024-04-20, which predate the schedule of `optimizer.fundamentals`) and the
hashprice of the subsidy alone (no fee history is shipped): the series the fit of `optimizer.futures.fit` uses.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..fundamentals import hashprice_usd_per_ph_day

HASHES_PER_DIFFICULTY = 2.0 ** 32
TARGET_BLOCK_SECONDS = 600.0
HASHES_PER_EH = 1e18

HISTORY_FILE = "btc_monthly.csv"
PRICE_SOURCE = "sources/yahoo_btc_usd_monthly_close.csv"
DIFFICULTY_SOURCE = "sources/difficulty_daily_runs.csv"
EPOCHS_SOURCE = "sources/difficulty_epochs_bitcoin_core.csv"
HISTORY_COLUMNS = ("month", "btc_close_usd", "network_hashrate_eh_s", "difficulty_mean", "difficulty_days")

# Halvings before the subsidy schedule of optimizer.fundamentals starts (UTC time of the halving block:
# 420,000, 630,000 and 840,000) and the subsidy in force up to each of them.
HISTORICAL_HALVINGS = (pd.Timestamp("2016-07-09 16:46"), pd.Timestamp("2020-05-11 19:23"),
                       pd.Timestamp("2024-04-20 00:09"))
HISTORICAL_SUBSIDIES_BTC = (25.0, 12.5, 6.25, 3.125)


def data_path(name: str) -> Path:
    """Path of a file in the package's data folder (installed or in the source tree)."""
    return Path(str(resources.files("optimizer.futures").joinpath("data", name)))


def hashrate_eh_s_from_difficulty(difficulty: np.ndarray | pd.Series) -> np.ndarray:
    """Difficulty-implied hashrate: D * 2^32 / 600 s, in EH/s."""
    return np.asarray(difficulty, dtype=float) * HASHES_PER_DIFFICULTY / TARGET_BLOCK_SECONDS / HASHES_PER_EH


def daily_difficulty(runs: pd.DataFrame) -> pd.Series:
    """Expand the run-length source (first day of each value; blank = no data from that day) to one value a day.

    The last row is blank and marks the day after the last day of data.
    """
    dates = pd.to_datetime(runs["date"], format="%Y-%m-%d")
    days = pd.date_range(dates.iloc[0], dates.iloc[-1] - pd.Timedelta(days=1), freq="D")
    return pd.Series(runs["difficulty"].to_numpy(dtype=float), index=dates).reindex(days, method="ffill")


def build_history(data_dir: Path | None = None) -> pd.DataFrame:
    """The monthly history from the sources: months with a full month-end close and at least one difficulty day.

    `difficulty_days` counts the days with a difficulty value in the month (fewer than the month's days where
    the source has a gap: it is said in data/README.md).
    """
    folder = Path(data_dir) if data_dir is not None else data_path("")
    prices = pd.read_csv(folder / PRICE_SOURCE, dtype={"month": str})
    daily = daily_difficulty(pd.read_csv(folder / DIFFICULTY_SOURCE, dtype={"date": str})).dropna()
    by_month = daily.groupby(daily.index.strftime("%Y-%m"))
    monthly = pd.DataFrame({"difficulty_mean": by_month.mean(), "difficulty_days": by_month.size()})
    table = prices.merge(monthly, left_on="month", right_index=True, how="inner")
    return pd.DataFrame({
        "month": table["month"],
        "btc_close_usd": table["close"].round(2),
        "network_hashrate_eh_s": hashrate_eh_s_from_difficulty(table["difficulty_mean"]).round(6),
        "difficulty_mean": table["difficulty_mean"].round(1),
        "difficulty_days": table["difficulty_days"].astype(int),
    }).reset_index(drop=True)


def historical_subsidy_btc_per_block(months: pd.Series | list[str]) -> np.ndarray:
    """Block subsidy of each `YYYY-MM` month, weighted by the time before and after a halving inside it."""
    starts = pd.to_datetime(pd.Series(list(months)) + "-01", format="%Y-%m-%d").to_numpy(dtype="datetime64[s]")
    ends = (starts.astype("datetime64[M]") + 1).astype("datetime64[s]")
    edges = np.asarray([np.datetime64(h, "s") for h in HISTORICAL_HALVINGS]).astype(np.int64)
    lo, hi = starts.astype(np.int64), ends.astype(np.int64)
    # Time of the month spent in each subsidy era: overlap of [lo, hi) with [edge_{k-1}, edge_k).
    bounds = np.concatenate(([np.iinfo(np.int64).min], edges, [np.iinfo(np.int64).max]))
    overlap = (np.minimum(hi[:, None], bounds[None, 1:]) - np.maximum(lo[:, None], bounds[None, :-1])).clip(0)
    return (overlap * np.asarray(HISTORICAL_SUBSIDIES_BTC)[None, :]).sum(axis=1) / (hi - lo)


@lru_cache(maxsize=1)
def _shipped() -> pd.DataFrame:
    return pd.read_csv(data_path(HISTORY_FILE), dtype={"month": str})


def monthly_history() -> pd.DataFrame:
    """The shipped history plus `block_subsidy_btc`, `hashprice_usd_per_ph_day` (subsidy only) and
    `log_return` (monthly log return of the close; NaN in the first month)."""
    table = _shipped().copy()
    table["block_subsidy_btc"] = historical_subsidy_btc_per_block(table["month"])
    table["hashprice_usd_per_ph_day"] = hashprice_usd_per_ph_day(
        table["btc_close_usd"], table["network_hashrate_eh_s"], table["block_subsidy_btc"], 0.0)
    table["log_return"] = np.log(table["btc_close_usd"]).diff()
    return table


def historical_log_returns() -> np.ndarray:
    """Monthly log returns of the month-end close over the shipped history (one fewer than its months)."""
    return monthly_history()["log_return"].to_numpy()[1:]


def main() -> None:
    """Rebuild data/btc_monthly.csv from data/sources/ (python -m optimizer.futures.history)."""
    table = build_history()
    target = data_path(HISTORY_FILE)
    table.to_csv(target, index=False, lineterminator="\n")
    print(f"{target}: {len(table)} months, {table['month'].iloc[0]} to {table['month'].iloc[-1]}")


if __name__ == "__main__":
    main()
