"""9. Spot market: sum_s spot_a[s,t] <= ai_spot_max_mw_t (spot_a exists only where the market takes MW)."""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, LinearRows, make_block


def add(m) -> ConstraintBlock:
    d, v = m.data, m.variables
    S, T = d.n_sites, d.n_periods
    lhs = LinearRows((T,))
    lhs.add(v.spot_a, 1.0, (np.broadcast_to(np.arange(T), (S, T)),))
    return make_block("spot_market", ("period",), lhs.expressions(), pulp.LpConstraintLE, d.spot_max_mw)
