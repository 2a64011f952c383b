"""Defaults of the scenario generator.

Fitted on data/btc_monthly.csv by `python -m optimizer.futures.fit`, which prints these values (4 significant
digits); tests/test_futures.py checks that they still agree with the fit:
"""
from __future__ import annotations

HASHRATE_LAG_MONTHS = 1
HASHRATE_MOMENTUM = 0.3148
HASHRATE_ELASTICITY_PER_YEAR = 0.4211
EQUILIBRIUM_HASHPRICE_USD_PER_PH_DAY = 36.78
HASHRATE_NOISE_PER_YEAR = 0.2368
BTC_VOLATILITY_PER_YEAR = 0.6849

# Chosen, not fitted (README.md, "Scenarios from fundamentals", says why):
BTC_DRIFT_PER_YEAR = 0.0  # no view on the price: its expected value stays at the start level
BOOTSTRAP_BLOCK_MONTHS = 6  # blocks keep half-year runs of the history (returns' lag-1 autocorrelation 0.14)
FEE_SHARE_OF_SUBSIDY = 0.01  # fees were 0.6% to 2.4% of miner revenue from Dec 2024 to Feb 2026
