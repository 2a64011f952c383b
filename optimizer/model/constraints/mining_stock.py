"""1. Mining stock: cap_m[s,f,t] = cap_m[s,f,t-1] + buy_m[s,f,t] - ret_m[s,f,t], cap_m[s,f,-1] = fleet installed_mw.

Written as cap_m[s,f,t] - cap_m[s,f,t-1] - buy_m[s,f,t] + ret_m[s,f,t] = fleet_mw[s,f] if t == 0 else 0.
"""
from __future__ import annotations

import numpy as np

from ..lp import LinearRows, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s, f, t = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    lhs = LinearRows((S, F, T))
    lhs.add(v.cap_m, 1.0, (s, f, t))
    lhs.add(v.cap_m.columns[:, :, :-1], -1.0, (s[:, :, 1:], f[:, :, 1:], t[:, :, 1:]))
    lhs.add(v.buy_m, -1.0, (s, f, t))
    lhs.add(v.ret_m, 1.0, (s, f, t))
    rhs = np.zeros((S, F, T))
    rhs[:, :, 0] = d.fleet_mw
    return m.lp.add_rows("mining_stock", ("site", "model", "period"), lhs, rhs, rhs)
