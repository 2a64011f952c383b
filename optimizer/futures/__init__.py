"""Scenario generation (issue 10): futures of bitcoin price, network hashrate, fees and hashprice over a model's
horizon, reduced to a few scenarios with probabilities in the tables of MODEL.md section C.

    settings, problems = read_generation_settings(model_file_data, "models/x.yaml")
    paths = generate_paths(horizon, settings, n_paths=1000, seed=1, halving_months=[...])
    reduced = reduce_paths(paths, keep=10)              # reduced.scenarios, reduced.scenario_periods, reduced.summary
    figure = fan_chart(paths, reduced)                  # matplotlib Figure (Agg)

`generate_scenarios` does the first three steps in one call (what `capopt scenarios` runs); `sweep_scenarios`
gives the scenarios' hashprice as a `capopt sweep --scenarios` file (one `set:hashprice[P:P]` column per period).
"""
from __future__ import annotations

from collections.abc import Sequence

from ..horizon import Horizon
from .chart import fan_chart
from .history import build_history, monthly_history
from .reduce import Reduced, reduce_paths, scenario_hashprice, sweep_scenarios
from .settings import GenerationSettings, read_generation_settings
from .simulate import Paths, generate_paths

__all__ = ["GenerationSettings", "Paths", "Reduced", "build_history", "fan_chart", "generate_paths",
           "generate_scenarios", "monthly_history", "read_generation_settings", "reduce_paths",
           "scenario_hashprice", "sweep_scenarios"]


def generate_scenarios(horizon: Horizon, settings: GenerationSettings, n_paths: int, keep: int, seed: int,
                       halving_months: Sequence[int], start_btc_price_usd: float | None = None,
                       start_hashrate_eh_s: float | None = None, method: str = "kmedoids",
                       representative: str = "mean") -> tuple[Paths, Reduced]:
    """`generate_paths` then `reduce_paths`: the N paths and the K scenarios (tables and summary)."""
    paths = generate_paths(horizon, settings, n_paths, seed, halving_months, start_btc_price_usd,
                           start_hashrate_eh_s)
    return paths, reduce_paths(paths, keep, method=method, representative=representative)
