"""4. AI ceiling: cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t) <= ai_max_mw_s (only where a maximum is given)."""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, make_block


def add(m) -> ConstraintBlock:
    d = m.data
    rhs = np.repeat(d.ai_max_mw[:, None], d.n_periods, axis=1)
    return make_block("ai_ceiling", ("site", "period"), m.expressions.ai_committed_mw, pulp.LpConstraintLE, rhs)
