"""3. AI stock and lead time: cap_a[s,t] = cap_a[s,t-1] + build_a[s,t-L_s], cap_a[s,-1] = ai_installed_mw.

A build started in period u is ready from u + L_s; there is no build term while t - L_s < 0.
AI capacity is never converted back. Written as cap_a[s,t] - cap_a[s,t-1] - build_a[s,t-L_s] = rhs.
"""
from __future__ import annotations

import numpy as np
import pulp

from ..rows import ConstraintBlock, LinearRows, make_block


def add(m) -> ConstraintBlock:
    d, v = m.data, m.variables
    S, T = d.n_sites, d.n_periods
    s, t = np.meshgrid(np.arange(S), np.arange(T), indexing="ij")
    lhs = LinearRows((S, T))
    lhs.add(v.cap_a, 1.0, (s, t))
    lhs.add(v.cap_a[:, :-1], -1.0, (s[:, 1:], t[:, 1:]))
    for site in range(S):
        lead = int(d.ai_lead_time_periods[site])
        ready = np.arange(lead, T)
        lhs.add(v.build_a[site, ready - lead], -1.0, (np.full(len(ready), site), ready))
    rhs = np.zeros((S, T))
    rhs[:, 0] = d.ai_installed_mw
    return make_block("ai_stock", ("site", "period"), lhs.expressions(), pulp.LpConstraintEQ, rhs)
