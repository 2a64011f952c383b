"""2. Mining run (uptime): run_m[s,f,t] <= uptime_f * cap_m[s,f,t]."""
from __future__ import annotations

import numpy as np

from ..lp import INF, LinearRows, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s, f, t = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    lhs = LinearRows((S, F, T))
    lhs.add(v.run_m, 1.0, (s, f, t))
    lhs.add(v.cap_m, -d.uptime[f], (s, f, t))
    return m.lp.add_rows("mining_run", ("site", "model", "period"), lhs, -INF, 0.0)
