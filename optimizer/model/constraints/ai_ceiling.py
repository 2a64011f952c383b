"""4. AI ceiling: cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t) <= ai_max_mw_s (only where a maximum is given)."""
from __future__ import annotations

import numpy as np

from ..lp import INF, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d = m.data
    rhs = np.repeat(d.ai_max_mw[:, None], d.n_periods, axis=1)
    return m.lp.add_rows("ai_ceiling", ("site", "period"), m.expressions.ai_committed_mw, -INF, rhs)
