"""A1. Whole AI halls (extension A): build_a[s,t] = ai_block_mw_s * nb[s,t], nb[s,t] integer >= 0.

Only at sites with `ai_block_mw`.
"""
from __future__ import annotations

import numpy as np

from ..lp import LinearRows, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    S, T = d.n_sites, d.n_periods
    s, t = np.meshgrid(np.arange(S), np.arange(T), indexing="ij")
    lhs = LinearRows((S, T))
    lhs.add(np.where(v.nb.exists, v.build_a.columns, -1), 1.0, (s, t))
    lhs.add(v.nb, -np.nan_to_num(d.ai_block_mw)[:, None], (s, t))
    return m.lp.add_rows("whole_blocks", ("site", "period"), lhs, 0.0, 0.0)
