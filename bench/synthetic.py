"""A synthetic portfolio of any size, with the magnitudes of the example (for benchmarks)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.horizon import Horizon

MINERS = pd.DataFrame({
    "model": ["S19j Pro", "S19 XP", "S21", "S21 Pro", "S21 XP"],
    "efficiency_j_per_th": [29.5, 21.5, 17.5, 15.0, 13.5],
    "sqft_per_mw": [1000.0] * 5,
    "price_usd_per_th": [np.nan, np.nan, 16.1, 18.9, 21.0],
    "uptime": [0.98] * 5,
})


def synthetic_tables(n_sites: int, n_periods: int, start: str = "2027-01", seed: int = 0) -> dict[str, pd.DataFrame]:
    """Input tables for `n_sites` sites over `n_periods` monthly periods from `start`."""
    rng = np.random.default_rng(seed)
    labels = Horizon(start, n_periods).labels
    grid = rng.uniform(100, 300, n_sites).round()
    sites = pd.DataFrame({
        "site": [f"site_{i + 1}" for i in range(n_sites)],
        "grid_mw": grid,
        "floor_sqft": (grid * rng.uniform(1500, 3000, n_sites)).round(),
        "energy_price_usd_per_mwh": rng.uniform(28, 50, n_sites).round(1),
        "mining_pue": 1.05,
        "mining_opex_usd_per_mw_month": 4000.0,
        "ai_pue": 1.25,
        "ai_sqft_per_mw": 5000.0,
        "ai_capex_usd_per_mw": rng.uniform(8.5e6, 9.5e6, n_sites).round(-4),
        "ai_lead_time_periods": rng.integers(6, 13, n_sites),
        "ai_max_mw": (grid * 0.7).round(),
        "ai_installed_mw": np.where(np.arange(n_sites) % 3 == 0, 20.0, 0.0),
        "ai_opex_usd_per_mw_month": 15000.0,
    })
    fleet = pd.DataFrame([
        {"site": s, "model": m, "installed_mw": round(float(g) * share, 1)}
        for s, g in zip(sites["site"], grid)
        for m, share in (("S19j Pro", 0.3), ("S19 XP", 0.3), ("S21", 0.2))
    ])
    t = np.arange(n_periods)
    hashprice = 45.0 * 0.99 ** t * np.where(t >= 15, 0.55, 1.0)
    periods = pd.DataFrame({
        "period": labels,
        "hashprice_usd_per_ph_day": hashprice.round(2),
        "capex_budget_usd": 120e6,
        "ai_spot_price_usd_per_kw_month": 120.0,
        "ai_spot_max_mw": 40.0,
    })
    contracts = []
    for i, site in enumerate(sites["site"]):
        start_t = int(rng.integers(12, max(13, n_periods // 2)))
        for k, mw in enumerate((20.0, 30.0)):
            contracts.append({
                "contract": f"tenant_{i + 1}", "site": site, "start": labels[min(start_t + 6 * k, n_periods - 1)],
                "end": labels[-1], "mw": mw, "price_usd_per_kw_month": float(round(rng.uniform(125, 190))),
                "shortfall_penalty_usd_per_kw_month": 200.0, "power_passthrough": bool(i % 2),
            })
    return {"sites": sites, "miners": MINERS, "fleet": fleet, "contracts": pd.DataFrame(contracts), "periods": periods}
