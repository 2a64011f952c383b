"""8. Contracts: use_c[c,t] + short_c[c,t] = mw_c for every t in [start_c, end_c].

Hard tranches (blank penalty) have no short_c, so use_c[c,t] = mw_c: they must be delivered in full.
"""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, LinearRows, make_block


def add(m) -> ConstraintBlock:
    d, v = m.data, m.variables
    C, T = d.n_tranches, d.n_periods
    c, t = np.meshgrid(np.arange(C), np.arange(T), indexing="ij")
    lhs = LinearRows((C, T))
    lhs.add(v.use_c, 1.0, (c, t))
    lhs.add(v.short_c, 1.0, (c, t))
    rhs = np.repeat(d.tranche_mw[:, None], T, axis=1)
    return make_block("contracts", ("tranche", "period"), lhs.expressions(), pulp.LpConstraintEQ, rhs)
