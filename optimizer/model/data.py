"""Model parameters: the validated inputs as numpy arrays indexed [site, model, tranche, period]."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..case import ModelOptions
from ..horizon import Horizon
from ..validate import Inputs, PeriodValues


@dataclass
class ModelData:
    """Every parameter of docs/formulation.md as an array; S sites, F ASIC models, C tranches, T periods."""

    horizon: Horizon
    inputs: Inputs
    options: ModelOptions
    site_names: list[str]
    model_names: list[str]
    # per period [T]
    days: np.ndarray
    hours: np.ndarray
    months: float
    discount_factor: np.ndarray
    end_discount_factor: float  # df of the period after the last: (1 + r) ** (-(T * months_per_period) / 12)
    hashprice_usd_per_ph_day: np.ndarray
    hashprice_derived: np.ndarray  # [T] True where derived from bitcoin price and network hashrate (extension B)
    capex_budget_usd: np.ndarray  # new capex money per period; NaN = no limit from that period on
    cumulative_budget_usd: np.ndarray  # inf where no limit
    spot_price_usd_per_kw_month: np.ndarray
    spot_max_mw: np.ndarray
    # per site [S] and site-period [S, T]
    grid_mw: np.ndarray
    energy_price_usd_per_mwh: np.ndarray
    floor_sqft: np.ndarray
    mining_pue: np.ndarray
    ai_pue: np.ndarray
    mining_opex_usd_per_mw_month: np.ndarray
    ai_opex_usd_per_mw_month: np.ndarray
    ai_sqft_per_mw: np.ndarray
    ai_capex_usd_per_mw: np.ndarray
    ai_lead_time_periods: np.ndarray
    ai_max_mw: np.ndarray
    ai_installed_mw: np.ndarray
    # per ASIC model [F] and site-model [S, F]
    efficiency_j_per_th: np.ndarray
    miner_sqft_per_mw: np.ndarray
    uptime: np.ndarray
    price_usd_per_mw: np.ndarray  # price_usd_per_th * 1e6 / efficiency; NaN = cannot be bought
    available_from_t: np.ndarray
    fleet_mw: np.ndarray  # [S, F]
    # per tranche [C]
    tranche_site: np.ndarray
    tranche_start_t: np.ndarray
    tranche_end_t: np.ndarray
    tranche_mw: np.ndarray
    tranche_price_usd_per_kw_month: np.ndarray
    tranche_penalty_usd_per_kw_month: np.ndarray  # NaN = hard
    tranche_passthrough: np.ndarray
    tranche_contract: np.ndarray  # [C] index into contract_names
    # per contract [K] (rows sharing a name); extension A: signed whole or not at all
    contract_names: list[str]
    contract_optional: np.ndarray
    # extension A: whole AI halls per site [S], whole ASIC lots per model [F]; NaN = any amount
    ai_block_mw: np.ndarray
    lot_mw: np.ndarray

    @property
    def n_sites(self) -> int:
        return len(self.site_names)

    @property
    def n_models(self) -> int:
        return len(self.model_names)

    @property
    def n_tranches(self) -> int:
        return len(self.tranche_site)

    @property
    def n_periods(self) -> int:
        return self.horizon.periods

    @property
    def n_contracts(self) -> int:
        return len(self.contract_names)

    @property
    def ph_per_mw(self) -> np.ndarray:
        """PH/s per IT MW of each ASIC model: 1000 / efficiency_j_per_th."""
        return 1000.0 / self.efficiency_j_per_th

    def tranche_active(self) -> np.ndarray:
        """[C, T] True where tranche c is in its window in period t."""
        t = np.arange(self.n_periods)
        return (t[None, :] >= self.tranche_start_t[:, None]) & (t[None, :] <= self.tranche_end_t[:, None])


def _site_period(inputs: Inputs, column: str, base: np.ndarray, site_index: dict[str, int], periods: int) -> np.ndarray:
    """Site value for every period, overridden by site_periods where the cell is not blank."""
    values = np.repeat(base[:, None], periods, axis=1).astype(float)
    overrides = inputs.site_periods.dropna(subset=[column])
    if len(overrides):
        s = overrides["site"].map(site_index).to_numpy(int)
        values[s, overrides["period_t"].to_numpy(int)] = overrides[column].to_numpy(float)
    return values


def model_data(inputs: Inputs, horizon: Horizon, options: ModelOptions | None = None,
               period_values: PeriodValues | None = None) -> ModelData:
    """Arrange validated inputs as arrays for the model builder; `period_values` are a scenario's (extension C):
    its hashprice, spot AI price and MW, and the factor on every site's energy price."""
    sites, miners, periods, contracts = inputs.sites, inputs.miners, inputs.periods, inputs.contracts
    site_names, model_names = list(sites["site"]), list(miners["model"])
    site_index = {s: i for i, s in enumerate(site_names)}
    model_index = {m: i for i, m in enumerate(model_names)}
    T = horizon.periods
    values = period_values or inputs.period_values()

    fleet_mw = np.zeros((len(site_names), len(model_names)))
    if len(inputs.fleet):
        np.add.at(fleet_mw, (inputs.fleet["site"].map(site_index).to_numpy(int),
                             inputs.fleet["model"].map(model_index).to_numpy(int)),
                  inputs.fleet["installed_mw"].to_numpy(float))

    contract_names = list(dict.fromkeys(contracts["contract"]))
    contract_index = {name: k for k, name in enumerate(contract_names)}
    optional = contracts.groupby("contract", sort=False)["optional"].first() if "optional" in contracts else None
    budget = periods["capex_budget_usd"].to_numpy(float)
    cumulative_budget = np.cumsum(np.where(np.isnan(budget), np.inf, budget))
    efficiency = miners["efficiency_j_per_th"].to_numpy(float)

    return ModelData(
        horizon=horizon,
        inputs=inputs,
        options=options or ModelOptions(),
        site_names=site_names,
        model_names=model_names,
        days=horizon.days,
        hours=horizon.hours,
        months=horizon.months,
        discount_factor=horizon.discount_factors,
        end_discount_factor=float((1.0 + horizon.discount_rate) ** (-(T * horizon.months_per_period) / 12.0)),
        hashprice_usd_per_ph_day=values.hashprice_usd_per_ph_day,
        hashprice_derived=values.hashprice_derived,
        capex_budget_usd=budget,
        cumulative_budget_usd=cumulative_budget,
        spot_price_usd_per_kw_month=values.ai_spot_price_usd_per_kw_month,
        spot_max_mw=values.ai_spot_max_mw,
        grid_mw=_site_period(inputs, "grid_mw", sites["grid_mw"].to_numpy(float), site_index, T),
        energy_price_usd_per_mwh=_site_period(inputs, "energy_price_usd_per_mwh",
                                              sites["energy_price_usd_per_mwh"].to_numpy(float), site_index, T)
        * values.energy_price_factor[None, :],
        floor_sqft=sites["floor_sqft"].to_numpy(float),
        mining_pue=sites["mining_pue"].to_numpy(float),
        ai_pue=sites["ai_pue"].to_numpy(float),
        mining_opex_usd_per_mw_month=sites["mining_opex_usd_per_mw_month"].to_numpy(float),
        ai_opex_usd_per_mw_month=sites["ai_opex_usd_per_mw_month"].to_numpy(float),
        ai_sqft_per_mw=sites["ai_sqft_per_mw"].to_numpy(float),
        ai_capex_usd_per_mw=sites["ai_capex_usd_per_mw"].to_numpy(float),
        ai_lead_time_periods=np.minimum(sites["ai_lead_time_periods"].to_numpy(int), T),  # >= T: never ready
        ai_max_mw=sites["ai_max_mw"].to_numpy(float),
        ai_installed_mw=sites["ai_installed_mw"].to_numpy(float),
        efficiency_j_per_th=efficiency,
        miner_sqft_per_mw=miners["sqft_per_mw"].to_numpy(float),
        uptime=miners["uptime"].to_numpy(float),
        price_usd_per_mw=miners["price_usd_per_th"].to_numpy(float) * 1e6 / efficiency,
        available_from_t=miners["available_from_t"].to_numpy(int),
        fleet_mw=fleet_mw,
        tranche_site=contracts["site"].map(site_index).to_numpy(int),
        tranche_start_t=contracts["start_t"].to_numpy(int),
        tranche_end_t=contracts["end_t"].to_numpy(int),
        tranche_mw=contracts["mw"].to_numpy(float),
        tranche_price_usd_per_kw_month=contracts["price_usd_per_kw_month"].to_numpy(float),
        tranche_penalty_usd_per_kw_month=contracts["shortfall_penalty_usd_per_kw_month"].to_numpy(float),
        tranche_passthrough=contracts["power_passthrough"].to_numpy(bool),
        tranche_contract=contracts["contract"].map(contract_index).to_numpy(int),
        contract_names=contract_names,
        contract_optional=(np.zeros(len(contract_names), bool) if optional is None
                           else optional.reindex(contract_names).fillna(False).to_numpy(bool)),
        ai_block_mw=_optional_column(sites, "ai_block_mw"),
        lot_mw=_optional_column(miners, "lot_mw"),
    )


def with_period_values(data: ModelData, values: PeriodValues) -> ModelData:
    """`data`, built from the periods table, with a scenario's period values instead (extension C): the arrays that
    do not depend on the scenario are shared, not rebuilt."""
    return replace(data, hashprice_usd_per_ph_day=values.hashprice_usd_per_ph_day,
                   hashprice_derived=values.hashprice_derived,
                   spot_price_usd_per_kw_month=values.ai_spot_price_usd_per_kw_month,
                   spot_max_mw=values.ai_spot_max_mw,
                   energy_price_usd_per_mwh=data.energy_price_usd_per_mwh * values.energy_price_factor[None, :])


def _optional_column(frame, column: str) -> np.ndarray:
    """A numeric column of extension A, NaN (any amount) where blank or absent."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].to_numpy(float)
