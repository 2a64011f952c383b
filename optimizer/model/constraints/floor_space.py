"""5. Floor space: sum_f sqft_per_mw_f * cap_m[s,f,t]
                  + ai_sqft_per_mw_s * (cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t)) <= floor_sqft_s.

Space under construction is taken, so converting a hall means first retiring the ASICs in it.
Dual: present-value USD per sqft of floor at site s in period t.
"""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, make_block


def add(m) -> ConstraintBlock:
    d = m.data
    rhs = np.repeat(d.floor_sqft[:, None], d.n_periods, axis=1)
    return make_block("floor_space", ("site", "period"), m.expressions.floor_use_sqft, pulp.LpConstraintLE, rhs)
