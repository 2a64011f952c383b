"""9. Spot market: sum_s spot_a[s,t] <= ai_spot_max_mw_t (spot_a exists only where the market takes MW)."""
from __future__ import annotations

import numpy as np

from ..data import ModelData
from ..lp import INF, LinearRows, RowBlock

DUAL = None


def rhs(d: ModelData) -> np.ndarray:
    """[T] uncontracted AI MW the market takes."""
    return d.spot_max_mw


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    S, T = d.n_sites, d.n_periods
    lhs = LinearRows((T,))
    lhs.add(v.spot_a, 1.0, (np.broadcast_to(np.arange(T), (S, T)),))
    return m.lp.add_rows("spot_market", ("period",), lhs, -INF, rhs(d))
