"""A small case that exercises every input table, for the Excel and chart tests, written as a CSV folder + model file.

Site A has 8 MW of ASICs on a 10 MW grid and a 5 MW AI contract from 2027-05 that pays far more than mining,
so the plan builds AI (lead time 1), power binds and AI revenue overtakes mining in 2027-05.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .casebuilder import miner, site, tables

HORIZON = {"start": "2027-04", "periods": 3, "discount_rate": 0.1}


def small_tables(site_a: str = "A", site_b: str = "B", model: str = "S",
                 contract: str = "C") -> dict[str, pd.DataFrame]:
    """The case's tables; names can be replaced (e.g. by text a spreadsheet would run as a formula)."""
    return tables(
        sites=[site(site_a, grid_mw=10.0, ai_capex_usd_per_mw=100_000.0, ai_lead_time_periods=1, mining_pue=1.05,
                    ai_pue=1.3, ai_max_mw=8.0),
               site(site_b, grid_mw=3.0, floor_sqft=2500.0, energy_price_usd_per_mwh=0.1 + 0.2)],
        miners=[miner(model), miner("NEW", efficiency_j_per_th=15.0, price_usd_per_th=2.5, uptime=0.97,
                                    available_from="2027-05")],
        fleet=[{"site": site_a, "model": model, "installed_mw": 8.0},
               {"site": site_b, "model": model, "installed_mw": 2.5}],
        contracts=[{"contract": contract, "site": site_a, "start": "2027-05", "end": "2027-06", "mw": 5.0,
                    "price_usd_per_kw_month": 200.0, "shortfall_penalty_usd_per_kw_month": 300.0,
                    "power_passthrough": True}],
        periods=[{"period": p, "hashprice_usd_per_ph_day": hp, "capex_budget_usd": budget,
                  "ai_spot_price_usd_per_kw_month": 20.0, "ai_spot_max_mw": 1.0}
                 for p, hp, budget in (("2027-04", 40.0, 2_000_000.0), ("2027-05", 39.5, 0.0),
                                       ("2027-06", 39.0, None))],
        site_periods=[{"period": "2027-06", "site": site_b, "grid_mw": None, "energy_price_usd_per_mwh": 61.25}],
    )


def write_case(folder: Path, frames: dict[str, pd.DataFrame], model_keys: str, name: str = "case") -> Path:
    """Write `frames` as `folder/inputs/*.csv` and a model file `folder/<name>.yaml` with `name`, `inputs` and
    `model_keys` (YAML lines); return the model file."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        frame.to_csv(inputs / f"{table}.csv", index=False)
    model = folder / f"{name}.yaml"
    model.write_text(f"name: {name}\ninputs: inputs\n" + model_keys)
    return model


def write_csv_case(folder: Path, frames: dict[str, pd.DataFrame], name: str = "small") -> Path:
    """`write_case` on the small case's horizon."""
    return write_case(folder, frames, f"start: \"{HORIZON['start']}\"\nperiods: {HORIZON['periods']}\n"
                                      f"discount_rate: {HORIZON['discount_rate']}\n", name)
