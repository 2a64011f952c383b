"""Scenario generation (issue 10): futures of bitcoin price, network hashrate, fees and hashprice over a model's
horizon. The shipped history (data/btc_monthly.csv) and the fit of the generator's defaults live here."""
