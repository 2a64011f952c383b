"""10. Capex budget, cumulative: sum(capex_u for u <= t) <= sum(capex_budget_usd_u for u <= t).

capex_u = sum_s ai_capex_usd_per_mw_s * build_a[s,u] + sum_{s,f} price_usd_per_th_f * (1e6 / efficiency_f) * buy_m[s,f,u].
Unspent money carries forward. A blank budget cell means no limit from that period on (the cumulative sum is
infinite), so those rows are left out; without the column there is no budget row at all.
Dual: present-value USD per USD of cumulative budget through period t.
"""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, make_block


def add(m) -> ConstraintBlock:
    d, e = m.data, m.expressions
    cumulative = np.full(d.n_periods, None, dtype=object)
    running: dict = {}
    for t in range(d.n_periods):
        if not np.isfinite(d.cumulative_budget_usd[t]):
            break
        if e.capex_usd[t] is not None:
            for var, coef in e.capex_usd[t].items():
                running[var] = running.get(var, 0.0) + coef
        cumulative[t] = pulp.LpAffineExpression(dict(running)) if running else None
    return make_block("capex_budget", ("period",), cumulative, pulp.LpConstraintLE, d.cumulative_budget_usd)
