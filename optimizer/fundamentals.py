"""Hashprice from its fundamentals (docs/formulation.md, extension B): bitcoin price, network hashrate, fees and
the block subsidy.

    hashprice_t = 144 * (block_subsidy_t + fees_t) * btc_price_t / (network_hashrate_eh_s_t * 1000)   USD/PH/day

144 blocks a day; 1 EH/s = 1000 PH/s. The subsidy follows the schedule: 6.25 BTC per block for the months 2020-06
to 2024-04, 3.125 BTC from 2024-05 until the first of `halving_months`, halved again at the start of each listed
month. A period's subsidy is the unweighted mean of its months' subsidies. Months before 2020-06 have no subsidy
on the schedule (NaN): a row there must give `block_subsidy_btc`.

Months are counted as `year * 12 + month - 1` (a "month number"), as the validator does.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

BLOCKS_PER_DAY = 144.0
PH_PER_EH = 1000.0
DEFAULT_HALVING_MONTHS: tuple[str, ...] = ("2028-04", "2032-04", "2036-04")
SCHEDULE_START = 2020 * 12 + 5  # 2020-06: the first month of 6.25 BTC on the schedule
FOURTH_HALVING = 2024 * 12 + 4  # 2024-05: the first month of 3.125 BTC
FOURTH_HALVING_LABEL = "2024-05"


def month_number(year: int, month: int) -> int:
    """Month number of `year`-`month` (month 1..12)."""
    return year * 12 + month - 1


def subsidy_btc_per_block(months: np.ndarray, halving_months: Sequence[int]) -> np.ndarray:
    """Block subsidy (BTC) of each month number on the schedule; NaN before 2020-06.

    `halving_months` are month numbers after 2024-05 at whose start the subsidy halves (order does not matter).
    """
    months = np.asarray(months, dtype=np.int64)
    halvings = np.sort(np.asarray(list(halving_months), dtype=np.int64))
    halved = np.searchsorted(halvings, months, side="right")  # listed halvings at or before each month
    subsidy = np.where(months >= FOURTH_HALVING, 3.125 * 0.5 ** halved, 6.25)
    return np.where(months >= SCHEDULE_START, subsidy, np.nan)


def period_subsidy_btc_per_block(first_months: np.ndarray, months_per_period: int,
                                 halving_months: Sequence[int]) -> np.ndarray:
    """Mean schedule subsidy over the months of each period (NaN if any of its months is before 2020-06)."""
    first_months = np.asarray(first_months, dtype=np.int64)
    months = first_months[:, None] + np.arange(months_per_period)[None, :]
    return subsidy_btc_per_block(months, halving_months).mean(axis=1)


def hashprice_usd_per_ph_day(btc_price_usd: ArrayLike, network_hashrate_eh_s: ArrayLike, block_subsidy_btc: ArrayLike,
                             fees_btc_per_block: ArrayLike) -> np.ndarray:
    """144 * (subsidy + fees) * price / (hashrate_eh_s * 1000), element by element."""
    btc_per_day = BLOCKS_PER_DAY * (np.asarray(block_subsidy_btc, float) + np.asarray(fees_btc_per_block, float))
    return btc_per_day * np.asarray(btc_price_usd, float) / (np.asarray(network_hashrate_eh_s, float) * PH_PER_EH)


def derive_hashprice(btc_price_usd: np.ndarray, network_hashrate_eh_s: np.ndarray, fees_btc_per_block: np.ndarray,
                     block_subsidy_btc: np.ndarray, schedule_subsidy_btc: np.ndarray) -> np.ndarray:
    """Hashprice from fundamentals where they are complete, NaN elsewhere.

    Blank (NaN) fees count as 0; a blank subsidy takes the schedule's (NaN before 2020-06, so no hashprice).
    """
    subsidy = np.where(np.isnan(block_subsidy_btc), schedule_subsidy_btc, block_subsidy_btc)
    return hashprice_usd_per_ph_day(btc_price_usd, network_hashrate_eh_s, subsidy, np.nan_to_num(fees_btc_per_block))
