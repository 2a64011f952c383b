"""Start a case in Excel: a fill-in template workbook with example rows, or an existing case converted to one.

Both write the workbook and, beside it, a model file (`<workbook stem>.yaml`) that points at it, unless that
model file already exists (it is never overwritten).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from .case import read_model_file
from .errors import InputError
from .excel import write_input_workbook
from .horizon import Horizon
from .files import atomic_file


def example_tables(horizon: Horizon) -> dict[str, pd.DataFrame]:
    """A small two-site portfolio over `horizon` that solves: it shows a planner what each sheet holds.

    North NY has an AI hall leased to a tenant and more load than grid (power binds); hashprice falls 2.5% a
    month, so mining shrinks and, over two years or more, AI revenue overtakes mining.
    """
    labels = horizon.labels
    months = horizon.months_per_period
    lead = min(6 // months, horizon.periods - 1)  # about six months to build an AI hall
    sites = pd.DataFrame([
        {"site": "north_ny", "grid_mw": 100, "floor_sqft": 400_000, "energy_price_usd_per_mwh": 45,
         "mining_pue": 1.05, "mining_opex_usd_per_mw_month": 4000, "ai_pue": 1.3, "ai_sqft_per_mw": 5000,
         "ai_capex_usd_per_mw": 9_000_000, "ai_lead_time_periods": lead, "ai_max_mw": 60, "ai_installed_mw": 40,
         "ai_opex_usd_per_mw_month": 20_000},
        {"site": "west_tx", "grid_mw": 120, "floor_sqft": 300_000, "energy_price_usd_per_mwh": 38,
         "mining_pue": 1.05, "mining_opex_usd_per_mw_month": 4000, "ai_pue": 1.3, "ai_sqft_per_mw": 5000,
         "ai_capex_usd_per_mw": 9_500_000, "ai_lead_time_periods": lead, "ai_max_mw": None,
         "ai_installed_mw": 0, "ai_opex_usd_per_mw_month": 20_000},
    ])
    miners = pd.DataFrame([
        {"model": "S19_XP", "efficiency_j_per_th": 21.5, "sqft_per_mw": 1000, "price_usd_per_th": None,
         "uptime": 0.97, "available_from": None},
        {"model": "S21_Pro", "efficiency_j_per_th": 15, "sqft_per_mw": 1000, "price_usd_per_th": 18.9,
         "uptime": 0.97, "available_from": labels[0]},
    ])
    fleet = pd.DataFrame([
        {"site": "north_ny", "model": "S19_XP", "installed_mw": 55},
        {"site": "west_tx", "model": "S19_XP", "installed_mw": 70},
    ])
    contracts = pd.DataFrame([
        {"contract": "tenant_a", "site": "north_ny", "start": labels[0], "end": labels[-1], "mw": 40,
         "price_usd_per_kw_month": 130, "shortfall_penalty_usd_per_kw_month": None, "power_passthrough": False},
    ])
    periods = pd.DataFrame({
        "period": labels,
        "hashprice_usd_per_ph_day": [round(48 * 0.975 ** (t * months), 2) for t in range(horizon.periods)],
        "capex_budget_usd": [100_000_000] + [10_000_000 * months] * (horizon.periods - 1),
        "ai_spot_price_usd_per_kw_month": 110,
        "ai_spot_max_mw": 10,
    })
    site_periods = pd.DataFrame([
        {"period": labels[min(lead, horizon.periods - 1)], "site": "west_tx", "grid_mw": 100,
         "energy_price_usd_per_mwh": 60},
    ])
    return {"sites": sites, "miners": miners, "fleet": fleet, "contracts": contracts, "periods": periods,
            "site_periods": site_periods}


def _model_yaml(settings: dict, header: str) -> str:
    return header + yaml.safe_dump(settings, sort_keys=False)


def _write_new_model_file(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically unless `path` exists; True if written."""
    if path.exists():
        return False
    with atomic_file(path) as staging:
        staging.write_text(text, encoding="utf-8")
    return True


def write_template(path: Path, horizon: Horizon) -> tuple[Path, Path | None]:
    """Write a fill-in input workbook with example rows, and its model file if none exists yet.

    Returns the workbook path and the model file path (None when an existing model file was kept).
    """
    path = Path(path)
    model_path = path.with_suffix(".yaml")
    settings = {"name": path.stem, "inputs": path.name, "start": horizon.start, "periods": horizon.periods,
                "months_per_period": horizon.months_per_period, "discount_rate": horizon.discount_rate}
    text = _model_yaml(settings, f"# capopt model file for {path.name} (written by capopt template)\n")
    write_input_workbook(path, example_tables(horizon), horizon=horizon, model_yaml=text)
    return path, model_path if _write_new_model_file(model_path, text) else None


def convert_case(model_file: Path, path: Path) -> tuple[Path, Path | None]:
    """Write the input tables of `model_file` (CSV folder or workbook) as one workbook, cell text unchanged,
    and a model file for it (same settings, `inputs` = the workbook) if none exists yet.

    Raises `InputError` if the model file or its tables cannot be read; cell values are not validated here.
    """
    model_file, path = Path(model_file), Path(path)
    data, horizon, _options, _solver, raw, problems = read_model_file(model_file)
    if any(not p.warning for p in problems):
        raise InputError(problems)
    model_path = path.with_suffix(".yaml")
    settings = dict(data)
    settings["inputs"] = os.path.relpath(path.resolve(), model_path.parent.resolve())
    text = _model_yaml(settings, f"# capopt model file for {path.name} (converted from {model_file} by capopt "
                                 "convert)\n")
    write_input_workbook(path, {name: table.frame for name, table in raw.items()}, horizon=horizon, model_yaml=text)
    return path, model_path if _write_new_model_file(model_path, text) else None
