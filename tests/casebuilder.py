"""Small helpers to build hand-computable cases for the family tests (tests/test_families.py).

Only builds pandas tables in the column layout of docs/formulation.md and reads single values back from a
plan;
it knows nothing about the optimizer's internals.
"""
from __future__ import annotations

import pandas as pd

SITE_COLUMNS = ["site", "grid_mw", "floor_sqft", "energy_price_usd_per_mwh", "ai_sqft_per_mw", "ai_capex_usd_per_mw"]
MINER_COLUMNS = ["model", "efficiency_j_per_th", "sqft_per_mw"]
FLEET_COLUMNS = ["site", "model", "installed_mw"]
CONTRACT_COLUMNS = ["contract", "site", "start", "end", "mw", "price_usd_per_kw_month"]
PERIOD_COLUMNS = ["period", "hashprice_usd_per_ph_day"]


def site(name: str = "A", **overrides) -> dict:
    """A site row with roomy limits and nothing free: override what the case needs."""
    row = {
        "site": name,
        "grid_mw": 1000.0,
        "floor_sqft": 1_000_000.0,
        "energy_price_usd_per_mwh": 50.0,
        "ai_sqft_per_mw": 5000.0,
        "ai_capex_usd_per_mw": 1e9,  # building AI is pointless unless a case lowers this
    }
    row.update(overrides)
    return row


def miner(name: str = "S", **overrides) -> dict:
    """An ASIC model at 20 J/TH (= 50 PH/s per IT MW), 1000 sqft/MW, not for sale unless priced."""
    row = {"model": name, "efficiency_j_per_th": 20.0, "sqft_per_mw": 1000.0}
    row.update(overrides)
    return row


def _frame(rows: list[dict] | None, columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame = pd.DataFrame(rows)
    for c in columns:
        if c not in frame.columns:
            frame[c] = None
    return frame


def tables(*, sites: list[dict], periods: list[dict], miners: list[dict] | None = None,
           fleet: list[dict] | None = None, contracts: list[dict] | None = None,
           site_periods: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """The dict of frames `optimizer.Case.from_tables` takes (one miner 'S' by default, no fleet, no contracts)."""
    out = {
        "sites": _frame(sites, SITE_COLUMNS),
        "miners": _frame(miners if miners is not None else [miner()], MINER_COLUMNS),
        "fleet": _frame(fleet, FLEET_COLUMNS),
        "contracts": _frame(contracts, CONTRACT_COLUMNS),
        "periods": _frame(periods, PERIOD_COLUMNS),
    }
    if site_periods is not None:
        out["site_periods"] = pd.DataFrame(site_periods)
    return out


def _match(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in keys.items():
        if column == "site" and value is None:
            mask &= frame[column].isna()
        else:
            mask &= frame[column].astype(str) == str(value)
    return frame[mask]


def value(frame: pd.DataFrame, column: str, **keys) -> float:
    """The single value of `column` in the row of `frame` matching `keys` (e.g. site="A", period="2027-04")."""
    rows = _match(frame, **keys)
    assert len(rows) == 1, f"expected one row for {keys}, found {len(rows)}:\n{frame}"
    v = rows[column].iloc[0]
    return float(v)


def column(frame: pd.DataFrame, column: str, **keys) -> list[float]:
    """Values of `column` for the rows matching `keys`, in period order."""
    rows = _match(frame, **keys).sort_values("period")
    return [float(v) for v in rows[column]]


def df(rate: float, t: int, months_per_period: int = 1) -> float:
    """docs/formulation.md discount factor of period t."""
    return (1.0 + rate) ** (-(t * months_per_period) / 12.0)
