"""3. AI stock and lead time: cap_a[s,t] = cap_a[s,t-1] + build_a[s,t-L_s], cap_a[s,-1] = ai_installed_mw.

A build started in period u is ready from u + L_s; there is no build term while t - L_s < 0. AI capacity is
never converted back. Written as cap_a[s,t] - cap_a[s,t-1] - build_a[s,t-L_s] = ai_installed_mw if t == 0 else 0.
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
    lhs.add(v.cap_a, 1.0, (s, t))
    lhs.add(v.cap_a.columns[:, :-1], -1.0, (s[:, 1:], t[:, 1:]))
    started = t - d.ai_lead_time_periods[:, None]
    lhs.add(np.where(started >= 0, v.build_a.columns[s, np.maximum(started, 0)], -1), -1.0, (s, t))
    rhs = np.zeros((S, T))
    rhs[:, 0] = d.ai_installed_mw
    return m.lp.add_rows("ai_stock", ("site", "period"), lhs, rhs, rhs)
