"""Shared expressions: quantities several constraint families and the report add up.

Like GenX's balances, each is a table over (site, period) or (period,) that collects terms from the
mining and AI sides; the constraint families in `constraints/` only compare them with their limits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import ModelData
from .rows import LinearRows
from .variables import Variables


@dataclass
class Expressions:
    """ai_committed_mw, ai_delivered_mw, floor_use_sqft, facility_power_mw [S, T]; capex_usd [T]."""

    ai_committed_mw: np.ndarray
    ai_delivered_mw: np.ndarray
    floor_use_sqft: np.ndarray
    facility_power_mw: np.ndarray
    capex_usd: np.ndarray


def ai_committed_rows(data: ModelData, v: Variables) -> LinearRows:
    """AI MW ready or under construction: cap_a[s,t] + sum(build_a[s,u] for u in t-L_s+1..t)."""
    S, T = data.n_sites, data.n_periods
    rows = LinearRows((S, T))
    s, t = np.meshgrid(np.arange(S), np.arange(T), indexing="ij")
    rows.add(v.cap_a, 1.0, (s, t))
    for site in range(S):
        for lag in range(int(data.ai_lead_time_periods[site])):  # builds started `lag` periods ago, not ready yet
            started = np.arange(T - lag)
            rows.add(v.build_a[site, started], 1.0, (np.full(T - lag, site), started + lag))
    return rows


def ai_delivered_rows(data: ModelData, v: Variables) -> LinearRows:
    """AI MW delivered at s in t: sum of use_c over tranches at s active in t, plus spot_a[s,t]."""
    S, T = data.n_sites, data.n_periods
    rows = LinearRows((S, T))
    s, t = np.meshgrid(np.arange(S), np.arange(T), indexing="ij")
    rows.add(v.spot_a, 1.0, (s, t))
    rows.add(v.use_c, 1.0, (data.tranche_site[:, None], np.arange(T)[None, :]))
    return rows


def build_expressions(data: ModelData, v: Variables) -> Expressions:
    """Build the shared expressions of MODEL.md constraints 4-7 and 10.

    floor_use_sqft[s,t]    = sum_f sqft_per_mw_f * cap_m[s,f,t] + ai_sqft_per_mw_s * ai_committed_mw[s,t]
    facility_power_mw[s,t] = mining_pue_s * sum_f run_m[s,f,t] + ai_pue_s * ai_delivered_mw[s,t]
    capex_usd[t]           = sum_s ai_capex_usd_per_mw_s * build_a[s,t]
                             + sum_{s,f} price_usd_per_th_f * (1e6 / efficiency_f) * buy_m[s,f,t]
    """
    S, F, T = data.n_sites, data.n_models, data.n_periods
    s3, f3, t3 = np.meshgrid(np.arange(S), np.arange(F), np.arange(T), indexing="ij")
    s2, t2 = np.meshgrid(np.arange(S), np.arange(T), indexing="ij")
    committed, delivered = ai_committed_rows(data, v), ai_delivered_rows(data, v)

    floor = LinearRows((S, T))
    floor.add(v.cap_m, data.miner_sqft_per_mw[f3], (s3, t3))
    floor.add_rows(committed, data.ai_sqft_per_mw[:, None])

    power = LinearRows((S, T))
    power.add(v.run_m, data.mining_pue[s3], (s3, t3))
    power.add_rows(delivered, data.ai_pue[:, None])

    capex = LinearRows((T,))
    capex.add(v.build_a, data.ai_capex_usd_per_mw[s2], (t2,))
    capex.add(v.buy_m, np.nan_to_num(data.price_usd_per_mw)[f3], (t3,))

    return Expressions(
        ai_committed_mw=committed.expressions(),
        ai_delivered_mw=delivered.expressions(),
        floor_use_sqft=floor.expressions(),
        facility_power_mw=power.expressions(),
        capex_usd=capex.expressions(),
    )
