"""7. AI use: sum of use_c over tranches at s active in t + spot_a[s,t] <= cap_a[s,t]."""
from __future__ import annotations

import numpy as np

from ..expressions import ai_delivered_rows
from ..lp import INF, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    s, t = np.meshgrid(np.arange(d.n_sites), np.arange(d.n_periods), indexing="ij")
    lhs = ai_delivered_rows(d, v)
    lhs.add(v.cap_a, -1.0, (s, t))
    return m.lp.add_rows("ai_use", ("site", "period"), lhs, -INF, 0.0)
