"""8. Contracts: use_c[c,t] + short_c[c,t] = mw_c for every t in [start_c, end_c].

Hard tranches (blank penalty) have no short_c, so use_c[c,t] = mw_c: they must be delivered in full.
Optional contracts (extension A) are signed whole or not at all: use_c[c,t] + short_c[c,t] - mw_c * sign_k = 0
for every tranche c of contract k, so a contract not signed delivers, earns and is penalised nothing.
"""
from __future__ import annotations

import numpy as np

from ..lp import LinearRows, RowBlock

DUAL = None


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    C, T = d.n_tranches, d.n_periods
    c, t = np.meshgrid(np.arange(C), np.arange(T), indexing="ij")
    lhs = LinearRows((C, T))
    lhs.add(v.use_c, 1.0, (c, t))
    lhs.add(v.short_c, 1.0, (c, t))
    optional = d.contract_optional[d.tranche_contract] if C else np.zeros(0, bool)
    active = v.use_c.exists
    sign_columns = np.where(active & optional[:, None], v.sign.columns[d.tranche_contract][:, None], -1)
    lhs.add(sign_columns, -d.tranche_mw[:, None], (c, t))
    rhs = np.where(optional[:, None], 0.0, np.repeat(d.tranche_mw[:, None], T, axis=1))
    return m.lp.add_rows("contracts", ("tranche", "period"), lhs, rhs, rhs)
