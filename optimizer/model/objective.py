"""Objective: maximize NPV = sum_t df_t * CF_t, with CF_t split into named cash-flow terms.

CF_t =  sum_{s,f} hashprice_t * days_t * (1000 / efficiency_f) * run_m[s,f,t]      mining_revenue_usd
      + sum_c 1000 * price_c * months_t * use_c[c,t]                             contract_revenue_usd
      + sum_s 1000 * ai_spot_price_t * months_t * spot_a[s,t]                    spot_revenue_usd
      - sum_c 1000 * penalty_c * months_t * short_c[c,t]                         shortfall_penalty_usd
      - sum_s energy_price[s,t] * hours_t * ( mining_pue_s * sum_f run_m[s,f,t]
              + ai_pue_s * (sum of use_c over non-passthrough tranches at s + spot_a[s,t]) )   energy_cost_usd
      - sum_s months_t * ( mining_opex_s * sum_f cap_m[s,f,t] + ai_opex_s * cap_a[s,t] )   opex_usd
      - capex_t                                                                   capex_usd

With `terminal_value: depreciated` (an option; off by default) the NPV gains, discounted with the factor of
the period after the last, df_T = (1 + r) ** (-(T * months_per_period) / 12):

TV =  sum_{s,t} ai_capex_s * build_a[s,t] * share_ai(t)
    + sum_{s,f,t} price_usd_per_th_f * (1e6 / efficiency_f) * buy_m[s,f,t] * share_asic(t)      terminal_value_usd
share(t) = max(0, 1 - (months from the start of t to the horizon's end) / (12 * life_years)),
months from the start of t to the horizon's end = (T - t) * months_per_period.
Capacity installed before the horizon has no terminal value.

Each term keeps, per variable, its USD per MW in its period, its site and its period, so the same numbers
give the objective (times df_t) and the report (times the solution).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from .data import ModelData
from .variables import Variables

REVENUES = ("mining_revenue_usd", "contract_revenue_usd", "spot_revenue_usd")
COSTS = ("shortfall_penalty_usd", "energy_cost_usd", "opex_usd", "capex_usd")
TERMINAL = "terminal_value_usd"


@dataclass
class CashFlowPart:
    """`usd_per_mw * variable` flows in `period` at `site`; `sign` +1 for revenue, -1 for cost.

    `at_horizon_end`: the amount is valued at the horizon's end (terminal value), not in `period`.
    """

    term: str
    sign: float
    variables: np.ndarray
    usd_per_mw: np.ndarray
    site: np.ndarray
    period: np.ndarray
    at_horizon_end: bool = False

    def discount(self, d: ModelData) -> np.ndarray:
        """Discount factor of each entry."""
        if self.at_horizon_end:
            return np.full(self.period.shape, d.end_discount_factor)
        return d.discount_factor[self.period]


def _grid(*shape: int) -> list[np.ndarray]:
    return np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")


def cash_flow_parts(d: ModelData, v: Variables) -> list[CashFlowPart]:
    """Every cash-flow term of MODEL.md's CF_t as flat parts (variables with their USD per MW)."""
    S, F, C, T = d.n_sites, d.n_models, d.n_tranches, d.n_periods
    s3, f3, t3 = _grid(S, F, T)
    s2, t2 = _grid(S, T)
    c2, tc = _grid(C, T)
    site_c = d.tranche_site[c2]
    kw_months = 1000.0 * d.months
    energy_ai_usd_per_mw = d.energy_price_usd_per_mwh * d.hours[None, :] * d.ai_pue[:, None]  # [S, T]
    passthrough = d.tranche_passthrough[c2]
    return [
        CashFlowPart("mining_revenue_usd", 1, v.run_m,
                     d.hashprice_usd_per_ph_day[t3] * d.days[t3] * d.ph_per_mw[f3], s3, t3),
        CashFlowPart("contract_revenue_usd", 1, v.use_c, kw_months * d.tranche_price_usd_per_kw_month[c2], site_c, tc),
        CashFlowPart("spot_revenue_usd", 1, v.spot_a, kw_months * d.spot_price_usd_per_kw_month[t2], s2, t2),
        CashFlowPart("shortfall_penalty_usd", -1, v.short_c,
                     kw_months * np.nan_to_num(d.tranche_penalty_usd_per_kw_month)[c2], site_c, tc),
        CashFlowPart("energy_cost_usd", -1, v.run_m,
                     d.energy_price_usd_per_mwh[s3, t3] * d.hours[t3] * d.mining_pue[s3], s3, t3),
        CashFlowPart("energy_cost_usd", -1, v.use_c,
                     np.where(passthrough, 0.0, energy_ai_usd_per_mw[site_c, tc]), site_c, tc),
        CashFlowPart("energy_cost_usd", -1, v.spot_a, energy_ai_usd_per_mw, s2, t2),
        CashFlowPart("opex_usd", -1, v.cap_m, d.months * d.mining_opex_usd_per_mw_month[s3], s3, t3),
        CashFlowPart("opex_usd", -1, v.cap_a, d.months * d.ai_opex_usd_per_mw_month[s2], s2, t2),
        CashFlowPart("capex_usd", -1, v.build_a, d.ai_capex_usd_per_mw[s2], s2, t2),
        CashFlowPart("capex_usd", -1, v.buy_m, np.nan_to_num(d.price_usd_per_mw)[f3], s3, t3),
    ]


def remaining_life_share(d: ModelData, life_years: float) -> np.ndarray:
    """[T] max(0, 1 - months from the start of t to the horizon's end / (12 * life_years))."""
    months_to_end = (d.n_periods - np.arange(d.n_periods)) * d.horizon.months_per_period
    return np.maximum(0.0, 1.0 - months_to_end / (12.0 * life_years))


def terminal_value_parts(d: ModelData, v: Variables) -> list[CashFlowPart]:
    """Depreciated value at the horizon's end of the MW built or bought in the horizon (option; else none)."""
    if not d.options.depreciated:
        return []
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s3, f3, t3 = _grid(S, F, T)
    s2, t2 = _grid(S, T)
    ai_share = remaining_life_share(d, d.options.ai_life_years)  # type: ignore[arg-type]
    asic_share = remaining_life_share(d, d.options.asic_life_years)  # type: ignore[arg-type]
    return [
        CashFlowPart(TERMINAL, 1, v.build_a, d.ai_capex_usd_per_mw[s2] * ai_share[t2], s2, t2, at_horizon_end=True),
        CashFlowPart(TERMINAL, 1, v.buy_m, np.nan_to_num(d.price_usd_per_mw)[f3] * asic_share[t3], s3, t3,
                     at_horizon_end=True),
    ]


def objective_parts(d: ModelData, v: Variables) -> list[CashFlowPart]:
    """Every part of the NPV: the cash-flow terms of CF_t and, with the option on, the terminal value."""
    return cash_flow_parts(d, v) + terminal_value_parts(d, v)


def npv_coefficients(parts: list[CashFlowPart], d: ModelData) -> dict[pulp.LpVariable, float]:
    """Objective coefficient of every variable: sum over parts of sign * discount * usd_per_mw."""
    coefs: dict[pulp.LpVariable, float] = {}
    for part in parts:
        present = part.variables != None  # noqa: E711
        weights = part.sign * part.discount(d)[present] * part.usd_per_mw[present]
        for var, weight in zip(part.variables[present], weights):
            if weight:
                coefs[var] = coefs.get(var, 0.0) + float(weight)
    return coefs


def npv_expression(parts: list[CashFlowPart], d: ModelData) -> pulp.LpAffineExpression:
    """The NPV to maximize."""
    return pulp.LpAffineExpression(npv_coefficients(parts, d))
