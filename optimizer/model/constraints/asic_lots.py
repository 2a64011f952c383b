"""A2. Whole ASIC lots (extension A): buy_m[s,f,t] = lot_mw_f * nl[s,f,t], nl[s,f,t] integer >= 0.

Only for models with `lot_mw`; retirements stay continuous.
"""
from __future__ import annotations

import numpy as np

from ..lp import LinearRows, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s, f, t = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    lhs = LinearRows((S, F, T))
    lhs.add(np.where(v.nl.exists, v.buy_m.columns, -1), 1.0, (s, f, t))
    lhs.add(v.nl, -np.nan_to_num(d.lot_mw)[f], (s, f, t))
    return m.lp.add_rows("asic_lots", ("site", "model", "period"), lhs, 0.0, 0.0)
