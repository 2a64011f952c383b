"""6. Power: mining_pue_s * sum_f run_m[s,f,t] + ai_pue_s * (sum of use_c at s + spot_a[s,t]) <= grid_mw[s,t].

grid_mw[s,t] is the site's grid_mw unless site_periods overrides it. Passthrough tranches still draw power.
Dual: present-value USD per facility MW at site s in period t.
"""
from __future__ import annotations

import pulp

from ..rows import ConstraintBlock, make_block


def add(m) -> ConstraintBlock:
    return make_block("power", ("site", "period"), m.expressions.facility_power_mw, pulp.LpConstraintLE, m.data.grid_mw)
