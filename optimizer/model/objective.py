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

Each part keeps, per variable, its USD per MW in its period, its site and its period, so the same numbers give the
objective (times df_t) and the report (times the solution).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import ModelData
from .variables import Variables


@dataclass(frozen=True)
class Term:
    """A cash-flow term: its column name in the plan, its label in reports, +1 revenue / -1 cost, and which side's
    revenue it is ("mining", "ai" or None for costs), from which the crossover period is found."""

    name: str
    label: str
    sign: float
    revenue_of: str | None = None


TERMS: tuple[Term, ...] = (
    Term("mining_revenue_usd", "mining revenue", 1.0, "mining"),
    Term("contract_revenue_usd", "AI contract revenue", 1.0, "ai"),
    Term("spot_revenue_usd", "AI spot revenue", 1.0, "ai"),
    Term("shortfall_penalty_usd", "shortfall penalties", -1.0),
    Term("energy_cost_usd", "energy", -1.0),
    Term("opex_usd", "fixed opex", -1.0),
    Term("capex_usd", "capex", -1.0),
)
TERM_BY_NAME = {term.name: term for term in TERMS}
TERMINAL = Term("terminal_value_usd", "terminal value", 1.0)


@dataclass
class CashFlowPart:
    """`usd_per_mw * variable` flows in `period` at `site` (arrays shaped like the variable's block).

    `at_horizon_end`: the amount is valued at the horizon's end (terminal value), not in `period`.
    """

    term: Term
    variable: str
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
    return list(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"))


def cash_flow_parts(d: ModelData) -> list[CashFlowPart]:
    """Every cash-flow term of CF_t as parts (a variable name with its USD per MW, site and period)."""
    S, F, C, T = d.n_sites, d.n_models, d.n_tranches, d.n_periods
    s3, f3, t3 = _grid(S, F, T)
    s2, t2 = _grid(S, T)
    c2, tc = _grid(C, T)
    site_c = d.tranche_site[c2]
    kw_months = 1000.0 * d.months
    energy_ai_usd_per_mw = d.energy_price_usd_per_mwh * d.hours[None, :] * d.ai_pue[:, None]  # [S, T]
    passthrough = d.tranche_passthrough[c2]
    term = TERM_BY_NAME
    return [
        CashFlowPart(term["mining_revenue_usd"], "run_m",
                     d.hashprice_usd_per_ph_day[t3] * d.days[t3] * d.ph_per_mw[f3], s3, t3),
        CashFlowPart(term["contract_revenue_usd"], "use_c", kw_months * d.tranche_price_usd_per_kw_month[c2], site_c,
                     tc),
        CashFlowPart(term["spot_revenue_usd"], "spot_a", kw_months * d.spot_price_usd_per_kw_month[t2], s2, t2),
        CashFlowPart(term["shortfall_penalty_usd"], "short_c",
                     kw_months * np.nan_to_num(d.tranche_penalty_usd_per_kw_month)[c2], site_c, tc),
        CashFlowPart(term["energy_cost_usd"], "run_m",
                     d.energy_price_usd_per_mwh[s3, t3] * d.hours[t3] * d.mining_pue[s3], s3, t3),
        CashFlowPart(term["energy_cost_usd"], "use_c",
                     np.where(passthrough, 0.0, energy_ai_usd_per_mw[site_c, tc]), site_c, tc),
        CashFlowPart(term["energy_cost_usd"], "spot_a", energy_ai_usd_per_mw, s2, t2),
        CashFlowPart(term["opex_usd"], "cap_m", d.months * d.mining_opex_usd_per_mw_month[s3], s3, t3),
        CashFlowPart(term["opex_usd"], "cap_a", d.months * d.ai_opex_usd_per_mw_month[s2], s2, t2),
        CashFlowPart(term["capex_usd"], "build_a", d.ai_capex_usd_per_mw[s2], s2, t2),
        CashFlowPart(term["capex_usd"], "buy_m", np.nan_to_num(d.price_usd_per_mw)[f3], s3, t3),
    ]


def remaining_life_share(d: ModelData, life_years: float) -> np.ndarray:
    """[T] max(0, 1 - months from the start of t to the horizon's end / (12 * life_years))."""
    months_to_end = (d.n_periods - np.arange(d.n_periods)) * d.horizon.months_per_period
    return np.maximum(0.0, 1.0 - months_to_end / (12.0 * life_years))


def terminal_value_parts(d: ModelData) -> list[CashFlowPart]:
    """Depreciated value at the horizon's end of the MW built or bought in the horizon (option; else none)."""
    if not d.options.depreciated:
        return []
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s3, f3, t3 = _grid(S, F, T)
    s2, t2 = _grid(S, T)
    ai_share = remaining_life_share(d, d.options.ai_life_years)  # type: ignore[arg-type]
    asic_share = remaining_life_share(d, d.options.asic_life_years)  # type: ignore[arg-type]
    return [
        CashFlowPart(TERMINAL, "build_a", d.ai_capex_usd_per_mw[s2] * ai_share[t2], s2, t2, at_horizon_end=True),
        CashFlowPart(TERMINAL, "buy_m", np.nan_to_num(d.price_usd_per_mw)[f3] * asic_share[t3], s3, t3,
                     at_horizon_end=True),
    ]


def objective_parts(d: ModelData) -> list[CashFlowPart]:
    """Every part of the NPV: the cash-flow terms of CF_t and, with the option on, the terminal value."""
    return cash_flow_parts(d) + terminal_value_parts(d)


def npv_costs(parts: list[CashFlowPart], d: ModelData, v: Variables, n_columns: int) -> np.ndarray:
    """NPV per unit of every LP column: sum over parts of sign * discount * usd_per_mw."""
    columns, weights = [], []
    for part in parts:
        block = v[part.variable]
        present = block.exists
        columns.append(block.columns[present])
        weights.append(part.term.sign * part.discount(d)[present] * part.usd_per_mw[present])
    if not columns:
        return np.zeros(n_columns)
    return np.bincount(np.concatenate(columns), np.concatenate(weights), minlength=n_columns)
