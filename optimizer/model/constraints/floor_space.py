"""5. Floor space: sum_f sqft_per_mw_f * cap_m[s,f,t]
                  + ai_sqft_per_mw_s * (cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t)) <= floor_sqft_s.

Space under construction is taken, so converting a hall means first retiring the ASICs in it.
"""
from __future__ import annotations

import numpy as np

from ..lp import INF, Dual, RowBlock

DUAL = Dual("floor space", "USD/sqft", "one more sqft of floor at that site in that period")


def add(m) -> RowBlock:
    d = m.data
    rhs = np.repeat(d.floor_sqft[:, None], d.n_periods, axis=1)
    return m.lp.add_rows("floor_space", ("site", "period"), m.expressions.floor_use_sqft, -INF, rhs)
