"""Shared expressions: quantities several constraint families and the report add up.

Like GenX's balances, each is a table over (site, period) or (period,) that collects terms from the mining and AI
sides; the constraint families in `constraints/` only compare them with their limits.

    ai_committed_mw[s,t]   = cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t)       ready or under construction
    ai_delivered_mw[s,t]   = sum of use_c over tranches at s active in t + spot_a[s,t]
    floor_use_sqft[s,t]    = sum_f sqft_per_mw_f * cap_m[s,f,t] + ai_sqft_per_mw_s * ai_committed_mw[s,t]
    facility_power_mw[s,t] = mining_pue_s * sum_f run_m[s,f,t] + ai_pue_s * ai_delivered_mw[s,t]
    capex_usd[t]           = sum_s ai_capex_usd_per_mw_s * build_a[s,t]
                             + sum_{s,f} price_usd_per_th_f * (1e6 / efficiency_f) * buy_m[s,f,t]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import ModelData
from .lp import LinearRows
from .variables import Variables


@dataclass
class Expressions:
    """ai_committed_mw, ai_delivered_mw, floor_use_sqft, facility_power_mw [S, T]; capex_usd [T]."""

    ai_committed_mw: LinearRows
    ai_delivered_mw: LinearRows
    floor_use_sqft: LinearRows
    facility_power_mw: LinearRows
    capex_usd: LinearRows


def _grid(*shape: int) -> list[np.ndarray]:
    return list(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"))


def ai_committed_rows(d: ModelData, v: Variables) -> LinearRows:
    """AI MW ready or under construction: cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t)."""
    S, T = d.n_sites, d.n_periods
    rows = LinearRows((S, T))
    s, t = _grid(S, T)
    rows.add(v.cap_a, 1.0, (s, t))
    lead = d.ai_lead_time_periods
    for lag in range(int(lead.max(initial=0))):  # builds started `lag` periods ago, not ready yet
        started = t[:, : T - lag]
        columns = np.where((lead > lag)[:, None], v.build_a.columns[:, : T - lag], -1)
        rows.add(columns, 1.0, (s[:, : T - lag], started + lag))
    return rows


def ai_delivered_rows(d: ModelData, v: Variables) -> LinearRows:
    """AI MW delivered at s in t: sum of use_c over tranches at s active in t, plus spot_a[s,t]."""
    S, T = d.n_sites, d.n_periods
    rows = LinearRows((S, T))
    s, t = _grid(S, T)
    rows.add(v.spot_a, 1.0, (s, t))
    rows.add(v.use_c, 1.0, (d.tranche_site[:, None], np.arange(T)[None, :]))
    return rows


def capex_coefficients(d: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """USD per MW of an AI build at each site [S] and of an ASIC purchase of each model [F] (0 where unpriced)."""
    return d.ai_capex_usd_per_mw, np.nan_to_num(d.price_usd_per_mw)


def capex_rows(d: ModelData, v: Variables) -> LinearRows:
    """capex_usd[t]: AI builds and ASIC purchases started in t, in USD."""
    S, F, T = d.n_sites, d.n_models, d.n_periods
    ai_usd_per_mw, asic_usd_per_mw = capex_coefficients(d)
    s2, t2 = _grid(S, T)
    _, f3, t3 = _grid(S, F, T)
    rows = LinearRows((T,))
    rows.add(v.build_a, ai_usd_per_mw[s2], (t2,))
    rows.add(v.buy_m, asic_usd_per_mw[f3], (t3,))
    return rows


def build_expressions(d: ModelData, v: Variables) -> Expressions:
    """Build the shared expressions of constraints 4-7 and 10 (formulas in the module docstring)."""
    S, F, T = d.n_sites, d.n_models, d.n_periods
    s3, f3, t3 = _grid(S, F, T)
    committed, delivered = ai_committed_rows(d, v), ai_delivered_rows(d, v)

    floor = LinearRows((S, T))
    floor.add(v.cap_m, d.miner_sqft_per_mw[f3], (s3, t3))
    floor.add_rows(committed, d.ai_sqft_per_mw[:, None])

    power = LinearRows((S, T))
    power.add(v.run_m, d.mining_pue[s3], (s3, t3))
    power.add_rows(delivered, d.ai_pue[:, None])

    return Expressions(
        ai_committed_mw=committed,
        ai_delivered_mw=delivered,
        floor_use_sqft=floor,
        facility_power_mw=power,
        capex_usd=capex_rows(d, v),
    )
