"""10. Capex budget, cumulative: sum(capex_u for u <= t) <= sum(capex_budget_usd_u for u <= t).

capex_u = sum_s ai_capex_usd_per_mw_s * build_a[s,u]
          + sum_{s,f} price_usd_per_th_f * (1e6 / efficiency_f) * buy_m[s,f,u].
Unspent money carries forward. Written with one carry-over variable per period (carry_t >= 0, carry_{-1} = 0), so
each row holds one period's capex instead of every earlier one (the cumulative rows grow with periods squared):

    capex_t + carry_t - carry_{t-1} = capex_budget_usd_t

Summing these rows up to t gives sum(capex_u, u <= t) + carry_t = sum(budget_u, u <= t) with carry_t >= 0: the
cumulative constraint exactly. A blank budget cell means no limit from that period on (the cumulative budget is
infinite), so the rows stop there; without the column there is no budget row at all.

Duals: the dual of row t is the value of one more budget dollar in period t (present-value USD per USD), reported as
`budget_value_usd_per_usd` per period. The dual of the cumulative row through t, reported in the shadow prices, is
the difference of consecutive row duals: value(t) - value(t+1) (0 after the last row).
"""
from __future__ import annotations

import numpy as np

from ..data import ModelData
from ..lp import Dual, LinearRows, RowBlock


def rhs(d: ModelData) -> np.ndarray:
    """[T] new capex money in each period (inf once the cumulative budget is unlimited: no row)."""
    return np.where(np.isfinite(d.cumulative_budget_usd), np.nan_to_num(d.capex_budget_usd), np.inf)


def add(m) -> RowBlock:
    d, v = m.data, m.variables
    T = d.n_periods
    t = np.arange(T)
    lhs = LinearRows((T,))
    lhs.add_rows(m.expressions.capex_usd)
    lhs.add(v.carry, 1.0, (t,))
    lhs.add(v.carry.columns[:-1], -1.0, (t[1:],))
    budget = rhs(d)
    return m.lp.add_rows("capex_budget", ("period",), lhs, np.where(np.isfinite(budget), budget, -np.inf), budget)


def cumulative_duals(value: np.ndarray) -> np.ndarray:
    """[T] dual of the cumulative constraint through t from the row duals (the value of one more budget dollar in
    each period, 0 where there is no row): value(t) - value(t+1), with value after the horizon = 0."""
    return value - np.append(value[1:], 0.0)


DUAL = Dual("capex budget", "USD/USD", "one more USD of cumulative capex budget through that period",
            reported=cumulative_duals)
