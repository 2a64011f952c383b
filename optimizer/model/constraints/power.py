"""6. Power: mining_pue_s * sum_f run_m[s,f,t] + ai_pue_s * (sum of use_c at s + spot_a[s,t]) <= grid_mw[s,t].

grid_mw[s,t] is the site's grid_mw unless site_periods overrides it. Passthrough tranches still draw power.
"""
from __future__ import annotations

import numpy as np

from ..data import ModelData
from ..lp import INF, Dual, RowBlock

DUAL = Dual("power", "USD/MW", "one more facility MW at that site in that period")


def rhs(d: ModelData) -> np.ndarray:
    """[S, T] facility MW available."""
    return d.grid_mw


def add(m) -> RowBlock:
    return m.lp.add_rows("power", ("site", "period"), m.expressions.facility_power_mw, -INF, rhs(m.data))
