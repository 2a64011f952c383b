"""`capopt scenarios` in one call: simulate N paths over the horizon and reduce them to K scenarios."""
from __future__ import annotations

from collections.abc import Sequence

from ..horizon import Horizon
from .reduce import Reduced, reduce_paths
from .settings import GenerationSettings
from .simulate import Paths, generate_paths


def generate_scenarios(horizon: Horizon, settings: GenerationSettings, n_paths: int, keep: int, seed: int,
                       halving_months: Sequence[int], start_btc_price_usd: float | None = None,
                       start_hashrate_eh_s: float | None = None, method: str = "kmedoids",
                       representative: str = "mean") -> tuple[Paths, Reduced]:
    """`generate_paths` then `reduce_paths`: the N paths and the K scenarios (tables and summary)."""
    paths = generate_paths(horizon, settings, n_paths, seed, halving_months, start_btc_price_usd,
                           start_hashrate_eh_s)
    return paths, reduce_paths(paths, keep, method=method, representative=representative)
