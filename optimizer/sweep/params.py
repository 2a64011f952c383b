"""Scenario parameters: named groups of inputs, scaled by a multiplier or set to an absolute value.

A parameter key names a group, optionally a window of periods, and optionally `set:` for an absolute value:

    hashprice                 multiplier of the hashprice of every period (1 = as in the inputs)
    hashprice[2029-01:]       multiplier from 2029-01 on (window `[FROM:TO]`, inclusive, either end may be left out)
    set:discount_rate         the annual discount rate itself (0.08 = 8 %/yr)
    set:capex_budget[:2027-12]  new capex money (USD) in every period through 2027-12

    btc_price[2028-01:]       multiplier of the bitcoin price from 2028-01 on: a derived hashprice follows it
    set:future=3              the 3rd scenario of the case's scenarios table (or of a `--scenarios` scenario set)

Windows apply to the groups that vary by period. Within one scenario the parameters apply group by group, in the
order of `GROUPS` (a future first, then the fundamentals, after which the hashprice of every period that derives it
is derived again, then the rest), absolute values before multipliers and whole-horizon before windowed ones, so
`set:hashprice=40` with `hashprice[2029-01:]=0.5` means 40 USD/PH/day, halved from 2029-01.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..case import Case
from ..horizon import Horizon, parse_month
from ..limits import MAX_CASE_SCENARIOS
from ..schema import TABLE_BY_NAME, number_text
from ..validate import periods_hashprice

MAX_MULTIPLIER = 1_000.0  # a multiplier beyond this is a typo; the result must also stay in its column's range


@dataclass(frozen=True)
class Group:
    """A named set of input cells that a scenario changes together; `unit` is that of an absolute value.

    `columns` ("table.column") are the input cells it changes: an absolute value, and any value a multiplier
    makes, must lie in their allowed range (the first column's, from `schema.py`), as an input would.
    """

    name: str
    description: str
    unit: str
    periodic: bool
    columns: tuple[str, ...] = ()
    bounds: tuple[float, float, bool] | None = None  # (minimum, maximum, minimum exclusive) where no column gives them

    @property
    def allowed(self) -> tuple[float, float, bool]:
        """(minimum, maximum, minimum exclusive) of an absolute value."""
        if self.bounds is not None:
            return self.bounds
        table, column = self.columns[0].split(".")
        spec = TABLE_BY_NAME[table].column_by_name[column]
        return spec.minimum or 0.0, spec.maximum, spec.minimum_exclusive  # type: ignore[return-value]

    def check(self, value: float) -> str | None:
        """None if `value` is a valid absolute value of this group, else why not."""
        low, high, exclusive = self.allowed
        low_ok = value > low if exclusive else value >= low
        if not (math.isfinite(value) and low_ok and value <= high):
            return f"{self.name} must be {'>' if exclusive else '>='} {number_text(low)} and <= {number_text(high)} " \
                   f"{self.unit}, found {value:g}"
        return None


GROUPS: dict[str, Group] = {g.name: g for g in (
    Group("future", "one scenario of the case's scenarios table, by its row number (1 = the first): its hashprice, "
          "spot AI price and MW and energy price factor per period", "row number", False,
          bounds=(1.0, float(MAX_CASE_SCENARIOS), False)),
    Group("btc_price", "bitcoin price (periods.btc_price_usd); derived hashprices follow it", "USD", True,
          ("periods.btc_price_usd",)),
    Group("network_hashrate", "network hashrate (periods.network_hashrate_eh_s); derived hashprices follow it",
          "EH/s", True, ("periods.network_hashrate_eh_s",)),
    Group("fees", "transaction fees per block (periods.fees_btc_per_block); derived hashprices follow them",
          "BTC per block", True, ("periods.fees_btc_per_block",)),
    Group("hashprice", "mining revenue per PH/s per day (periods.hashprice_usd_per_ph_day)", "USD/PH/day", True,
          ("periods.hashprice_usd_per_ph_day",)),
    Group("energy_price", "facility energy price of every site (sites and site_periods energy_price_usd_per_mwh)",
          "USD/MWh", True, ("sites.energy_price_usd_per_mwh", "site_periods.energy_price_usd_per_mwh")),
    Group("ai_contract_price", "price of every AI contract tranche (contracts.price_usd_per_kw_month)",
          "USD/kW-month", False, ("contracts.price_usd_per_kw_month",)),
    Group("ai_spot_price", "price for uncontracted AI capacity (periods.ai_spot_price_usd_per_kw_month)",
          "USD/kW-month", True, ("periods.ai_spot_price_usd_per_kw_month",)),
    Group("ai_capex", "cost to build or convert one AI IT MW at every site (sites.ai_capex_usd_per_mw)", "USD/MW",
          False, ("sites.ai_capex_usd_per_mw",)),
    Group("asic_price", "price of every ASIC model that has one; unpriced models stay unbuyable "
          "(miners.price_usd_per_th)", "USD/TH", False, ("miners.price_usd_per_th",)),
    Group("capex_budget", "new capex money per period (periods.capex_budget_usd); a multiplier keeps blank periods "
          "unlimited, an absolute value limits every period of its window", "USD", True, ("periods.capex_budget_usd",)),
    Group("grid_mw", "facility power of every site (sites and site_periods grid_mw)", "MW", True,
          ("sites.grid_mw", "site_periods.grid_mw")),
    Group("discount_rate", "annual discount rate (model file discount_rate)", "per year", False,
          bounds=(-1.0, 10.0, True)),
)}

_GROUP_ORDER = {name: k for k, name in enumerate(GROUPS)}
FUNDAMENTAL_COLUMNS = {"btc_price": "btc_price_usd", "network_hashrate": "network_hashrate_eh_s",
                       "fees": "fees_btc_per_block"}
_KEY = re.compile(r"^(set:)?([a-z_]+)(?:\[([^\]:]*):([^\]:]*)\])?$")


@dataclass(frozen=True)
class ParamKey:
    """A parsed parameter key: group, absolute (`set:`) or multiplier, and a window of period labels."""

    group: str
    absolute: bool = False
    first: str | None = None
    last: str | None = None

    @property
    def text(self) -> str:
        """The canonical key, as used in result columns and scenario files."""
        window = f"[{self.first or ''}:{self.last or ''}]" if self.first or self.last else ""
        return f"{'set:' if self.absolute else ''}{self.group}{window}"

    @property
    def order(self) -> tuple:
        """Application order within a scenario: by group (in GROUPS' order), absolute before multiplier, whole
        horizon first."""
        return (_GROUP_ORDER[self.group], not self.absolute, bool(self.first or self.last), self.text)

    def check(self, value: float) -> str | None:
        """None if `value` is valid for this key (a multiplier from 0 to MAX_MULTIPLIER or a valid absolute value),
        else why not."""
        if self.absolute:
            return GROUPS[self.group].check(value)
        if not (math.isfinite(value) and 0 <= value <= MAX_MULTIPLIER):
            return f"a multiplier of {self.group} must be >= 0 and <= {number_text(MAX_MULTIPLIER)}, found {value:g}"
        return None

    def raise_if_invalid(self, value: float) -> None:
        """ValueError saying why, if `value` is not valid for this key."""
        problem = self.check(value)
        if problem:
            raise ValueError(f"{self.text}: {problem}")

    def period_mask(self, horizon: Horizon) -> np.ndarray:
        """[T] True for the periods in the window; ValueError if an end is not a period of the horizon."""
        t = np.arange(horizon.periods)
        bounds = []
        for label, default in ((self.first, 0), (self.last, horizon.periods - 1)):
            if label is None:
                bounds.append(default)
                continue
            index = horizon.period_index(label)
            if index is None:
                raise ValueError(f"{self.text}: '{label}' is not a period of the horizon "
                                 f"({horizon.labels[0]}..{horizon.labels[-1]})")
            bounds.append(index)
        return (t >= bounds[0]) & (t <= bounds[1])


@lru_cache(maxsize=4096)
def parse_key(text: str) -> ParamKey:
    """Parse a parameter key such as `hashprice`, `hashprice[2029-01:]` or `set:discount_rate`; ValueError if bad."""
    match = _KEY.match(text.strip())
    if not match or match.group(2) not in GROUPS:
        raise ValueError(f"unknown parameter '{text}': use [set:]GROUP[[FROM:TO]] with GROUP one of "
                         f"{', '.join(GROUPS)}")
    absolute, group, first, last = bool(match.group(1)), match.group(2), match.group(3), match.group(4)
    window = match.group(3) is not None
    if window and not GROUPS[group].periodic:
        raise ValueError(f"'{text}': {group} does not vary by period, so it takes no [FROM:TO] window")
    for label in (first, last):
        if label and parse_month(label) is None:
            raise ValueError(f"'{text}': window ends must be period labels YYYY-MM, found '{label}'")
    if first and last and parse_month(first) > parse_month(last):  # type: ignore[operator]
        raise ValueError(f"'{text}': the window [{first}:{last}] is empty: FROM must not come after TO")
    return ParamKey(group, absolute, first or None, last or None)


def group_maxima(case: Case) -> dict[str, float]:
    """The largest value each group has in the case as given (0 where it has none; blank budgets ignored)."""
    inputs = case.inputs
    maxima = {}
    for name, group in GROUPS.items():
        values = [getattr(inputs, table)[column].to_numpy(float)
                  for table, column in (spec.split(".") for spec in group.columns)]
        present = np.concatenate(values) if values else np.zeros(0)
        present = present[~np.isnan(present)]
        maxima[name] = float(present.max()) if present.size else 0.0
    return maxima


def check_params(case: Case, params: Mapping[str, float], maxima: Mapping[str, float] | None = None) -> None:
    """ValueError if a key is unknown, a value invalid, a window end not a period of the case's horizon, a future
    missing or combined with fundamentals, or the scenario would make an input larger than its column allows
    (`maxima`: `group_maxima(case)`, to check many scenarios fast)."""
    _check_meaning(case, params)
    largest: dict[str, float] = dict(maxima or group_maxima(case))
    factor: dict[str, float] = {}
    for text, value in params.items():
        key = parse_key(text)
        if key.absolute:
            largest[key.group] = max(largest[key.group], float(value))
        else:
            factor[key.group] = factor.get(key.group, 1.0) * float(value)
    if any(largest[g] * f > GROUPS[g].allowed[1] for g, f in factor.items() if GROUPS[g].columns):
        apply_scenario(case, params)  # a bound too loose to decide: the exact check says which cell and why


def _check_meaning(case: Case, params: Mapping[str, float]) -> None:
    """ValueError if a value is invalid, a window end is not a period of the horizon, a fundamental is varied where no
    hashprice derives from it, or a future is missing or combined with fundamentals."""
    groups = set()
    for text, value in params.items():
        key = parse_key(text)
        key.raise_if_invalid(float(value))
        key.period_mask(case.horizon)  # ValueError if an end is not a period of the horizon
        if key.group == "future":
            _check_future(case, key, float(value))
        if key.group in FUNDAMENTAL_COLUMNS and not (case.inputs.periods["hashprice_derived"].to_numpy(bool)
                                                     & key.period_mask(case.horizon)).any():
            raise ValueError(f"{key.text}: every period of it gives its hashprice, so it is not derived from "
                             f"{FUNDAMENTAL_COLUMNS[key.group]} and {key.group} changes nothing (vary hashprice)")
        groups.add(key.group)
    if "future" in groups and groups & set(FUNDAMENTAL_COLUMNS):
        raise ValueError("a future sets the hashprice of every period; it cannot be combined with btc_price, "
                         "network_hashrate or fees (vary the hashprice instead)")


def _check_future(case: Case, key: ParamKey, value: float) -> None:
    values = case.inputs.scenario_values
    if not key.absolute:
        raise ValueError("future takes a scenario's row number with set:, e.g. set:future=3")
    if values is None:
        raise ValueError("future needs scenarios: a scenarios table in the case, or --scenarios scenarios.csv")
    if value != int(value) or not 1 <= value <= len(values.names):
        raise ValueError(f"set:future must be a row number from 1 to {len(values.names)}, found {value:g}")


def _check_range(column: str, values: np.ndarray, key: ParamKey, value: float) -> None:
    """ValueError if a scenario made any of `values` (of input column "table.column") larger than allowed."""
    table, name = column.split(".")
    allowed = TABLE_BY_NAME[table].column_by_name[name].maximum
    present = np.asarray(values, dtype=float)
    present = present[~np.isnan(present)]
    if present.size and allowed is not None and present.max() > allowed:
        raise ValueError(f"{key.text}={value:g} makes {name} {number_text(float(present.max()))}, above the "
                         f"{number_text(allowed)} allowed")


def _change(values: np.ndarray, key: ParamKey, value: float, mask: np.ndarray | None = None) -> np.ndarray:
    """`values` with the cells in `mask` (default all) multiplied by `value`, or set to it with `set:`."""
    out = np.array(values, dtype=float)
    mask = np.ones(out.shape, bool) if mask is None else np.broadcast_to(mask, out.shape)
    out[mask] = value if key.absolute else out[mask] * value
    return out


def _site_period_matrix(case_inputs, column: str, horizon: Horizon) -> np.ndarray:
    """[S, T] effective value of a site column: the site's value unless site_periods overrides it."""
    sites = case_inputs.sites
    values = np.repeat(sites[column].to_numpy(float)[:, None], horizon.periods, axis=1)
    overrides = case_inputs.site_periods.dropna(subset=[column])
    if len(overrides):
        s = overrides["site"].map({name: i for i, name in enumerate(sites["site"])}).to_numpy(int)
        values[s, overrides["period_t"].to_numpy(int)] = overrides[column].to_numpy(float)
    return values


def _site_periods_frame(case_inputs, horizon: Horizon, matrices: dict[str, np.ndarray]) -> pd.DataFrame:
    """A site_periods table giving every site and period explicitly (same typed layout as validate's)."""
    S, T = len(case_inputs.sites), horizon.periods
    year, month = parse_month(horizon.start)  # type: ignore[misc]
    first_month = year * 12 + month - 1
    t = np.tile(np.arange(T), S)
    return pd.DataFrame({
        "period": first_month + t * horizon.months_per_period,
        "site": np.repeat(case_inputs.sites["site"].to_numpy(object), T),
        **{column: matrix.ravel() for column, matrix in matrices.items()},
        "period_t": t,
    })


def apply_scenario(case: Case, params: Mapping[str, float]) -> Case:
    """A copy of `case` with every parameter applied, as one deterministic future (a case's scenario tables are used
    only through `set:future`); `case` itself is not changed.

    Site-period groups (grid_mw, energy_price) are written out as a full site_periods table, so windows apply
    to every site and period whatever the original overrides were.
    """
    _check_meaning(case, params)
    inputs, horizon = case.inputs, case.horizon
    tables: dict[str, pd.DataFrame] = {}
    site_period: dict[str, np.ndarray] = {}

    def table(name: str) -> pd.DataFrame:
        if name not in tables:
            tables[name] = getattr(inputs, name).copy()
        return tables[name]

    for key, value in sorted(((parse_key(k), float(v)) for k, v in params.items()), key=lambda kv: kv[0].order):
        key.raise_if_invalid(value)
        mask = key.period_mask(horizon)
        if key.group == "future":
            future = inputs.scenario_values.row(int(value) - 1)  # type: ignore[union-attr]
            periods = table("periods")
            for column in ("hashprice_usd_per_ph_day", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw"):
                periods[column] = getattr(future, column)
            periods["hashprice_derived"] = future.hashprice_derived
            site_period = site_period or {c: _site_period_matrix(inputs, c, horizon)
                                          for c in ("grid_mw", "energy_price_usd_per_mwh")}
            site_period["energy_price_usd_per_mwh"] = (site_period["energy_price_usd_per_mwh"]
                                                       * future.energy_price_factor[None, :])
        elif key.group in FUNDAMENTAL_COLUMNS:
            periods = table("periods")
            column = FUNDAMENTAL_COLUMNS[key.group]
            periods[column] = _change(periods[column].fillna(0.0) if key.group == "fees" else periods[column],
                                      key, value, mask)
            _check_range(f"periods.{column}", periods[column], key, value)
            periods["hashprice_usd_per_ph_day"] = periods_hashprice(periods, horizon, inputs.halving_months)
            _check_range("periods.hashprice_usd_per_ph_day", periods["hashprice_usd_per_ph_day"], key, value)
        elif key.group == "hashprice":
            periods = table("periods")
            periods["hashprice_usd_per_ph_day"] = _change(periods["hashprice_usd_per_ph_day"], key, value, mask)
            _check_range("periods.hashprice_usd_per_ph_day", periods["hashprice_usd_per_ph_day"], key, value)
        elif key.group == "ai_spot_price":
            periods = table("periods")
            column = "ai_spot_price_usd_per_kw_month"
            periods[column] = _change(periods[column], key, value, mask)
            _check_range(f"periods.{column}", periods[column], key, value)
        elif key.group == "capex_budget":
            periods = table("periods")
            periods["capex_budget_usd"] = _change(periods["capex_budget_usd"], key, value, mask)
            _check_range("periods.capex_budget_usd", periods["capex_budget_usd"], key, value)
        elif key.group in ("grid_mw", "energy_price"):
            column = "grid_mw" if key.group == "grid_mw" else "energy_price_usd_per_mwh"
            if not site_period:
                site_period = {c: _site_period_matrix(inputs, c, horizon)
                               for c in ("grid_mw", "energy_price_usd_per_mwh")}
            site_period[column] = _change(site_period[column], key, value, mask[None, :])
            _check_range(f"site_periods.{column}", site_period[column], key, value)
        elif key.group == "ai_contract_price":
            contracts = table("contracts")
            contracts["price_usd_per_kw_month"] = _change(contracts["price_usd_per_kw_month"], key, value)
            _check_range("contracts.price_usd_per_kw_month", contracts["price_usd_per_kw_month"], key, value)
        elif key.group == "ai_capex":
            sites = table("sites")
            sites["ai_capex_usd_per_mw"] = _change(sites["ai_capex_usd_per_mw"], key, value)
            _check_range("sites.ai_capex_usd_per_mw", sites["ai_capex_usd_per_mw"], key, value)
        elif key.group == "asic_price":
            miners = table("miners")
            price = miners["price_usd_per_th"].to_numpy(float)
            miners["price_usd_per_th"] = _change(price, key, value, ~np.isnan(price))
            _check_range("miners.price_usd_per_th", miners["price_usd_per_th"], key, value)
        elif key.group == "discount_rate":
            rate = value if key.absolute else horizon.discount_rate * value
            problem = GROUPS["discount_rate"].check(rate)
            if problem:
                raise ValueError(f"{key.text}={value:g}: {problem}")
            horizon = Horizon(horizon.start, horizon.periods, horizon.months_per_period, float(rate))
    if site_period:
        tables["site_periods"] = _site_periods_frame(inputs, horizon, site_period)
    # a sweep solves one future at a time: the scenario tables served `future`, the case is now deterministic
    return dataclasses.replace(case, inputs=dataclasses.replace(inputs, **tables, scenario_values=None),
                               horizon=horizon)


def level(case: Case, key_text: str, value: float) -> tuple[float, float] | None:
    """(mean over its cells in the case as given, mean at `value`) of what a parameter sets, in its group's unit:
    e.g. the mean hashprice (USD/PH/day) over the key's window before and after a multiplier; None for a group that
    sets no input cells (discount rate, future) or has no cell with a value."""
    key = parse_key(key_text)
    group = GROUPS[key.group]
    if not group.columns:
        return None
    table, column = group.columns[0].split(".")
    frame = getattr(case.inputs, table)
    cells = frame[column].to_numpy(float)
    if table == "periods":
        cells = cells[key.period_mask(case.horizon)]
    cells = cells[~np.isnan(cells)]
    if not cells.size:
        return None
    before = float(cells.mean())
    return before, (value if key.absolute else before * value)
