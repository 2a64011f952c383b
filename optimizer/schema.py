"""Schemas of the input tables of docs/formulation.md: every table is checked against these before a model is
built."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .limits import MAX_CASE_SCENARIOS, MAX_PERIODS, MAX_TABLE_ROWS

Kind = Literal["text", "number", "integer", "bool", "period"]

# A number as capopt reads it, in a table, a --vary spec or an option: ASCII digits, a point, an exponent. float()
# alone would also take 1_000 and full-width or Arabic-Indic digits.
NUMBER_PATTERN = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
NUMBER = re.compile(NUMBER_PATTERN)


def number_text(value: float) -> str:
    """A number as a planner writes it: 100,000 rather than 1e+05, 0.05 as it is."""
    return f"{value:,.0f}" if abs(value) >= 1_000 and value == round(value) else f"{value:g}"


@dataclass(frozen=True)
class Column:
    """One input column: its kind, whether it is required, its default, its allowed range and its usual range.

    Every number column has an allowed range (`minimum`, `maximum`), far wider than any real value and narrow
    enough that no product of inputs overflows or loses the LP's precision; a value outside it is an error. A
    value outside `typical` (low, high) is allowed but warned about: it is most likely in another unit (M USD
    where USD is expected, per EH instead of per PH). Zero is never warned about.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: object = None  # value of a blank cell; None = stays blank (meaning given in description)
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    references: str | None = None  # key column of another table this column must name, "table.column"
    typical: tuple[float, float] | None = None

    def allowed_text(self) -> str:
        """The allowed range in words, e.g. '>= 0 and <= 1,000,000' (empty for columns without one)."""
        parts = []
        if self.minimum is not None:
            parts.append(f"{'>' if self.minimum_exclusive else '>='} {number_text(self.minimum)}")
        if self.maximum is not None:
            parts.append(f"<= {number_text(self.maximum)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Table:
    """One input table: its columns, its key, whether the file must exist and how many rows it may have."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    may_be_empty: bool = False
    max_rows: int = MAX_TABLE_ROWS
    column_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_by_name", {c.name: c for c in self.columns})


def _num(name: str, description: str, *, maximum: float, required: bool = False, default: object = None,
         minimum: float = 0.0, exclusive: bool = False, typical: tuple[float, float] | None = None) -> Column:
    return Column(name, "number", description, required, default, minimum, exclusive, maximum, typical=typical)


# Usual ranges, wide enough for any real site and narrow enough to catch a unit slip of x1000.
_MW = (0.05, 10_000.0)  # IT or facility MW (kW would be x1000, GW /1000)
_ENERGY = (1.0, 2_000.0)  # USD/MWh (USD/kWh would be /1000)
_OPEX = (100.0, 1_000_000.0)  # USD per MW-month (k USD would be /1000)
_KW_MONTH = (5.0, 2_000.0)  # USD per kW-month (per MW-month would be x1000)
_BTC_PRICE = (1_000.0, 10_000_000.0)  # USD per bitcoin (k USD would be /1000)
_HASHRATE = (1.0, 100_000.0)  # EH/s (PH/s would be x1000, TH/s x1e6)
_FEES = (0.0001, 10.0)  # BTC per block (satoshis would be x1e8)

# Allowed maxima: a thousand times the usual range or more, and every product of inputs the LP forms stays far
# below 1e20 (HiGHS's infinity): e.g. 1e6 MW x 1000 kW x 1e6 USD/kW-month x 3 months x 1,200 periods.
_MAX_MW = 1e6
_MAX_PRICE = 1e6  # USD per MWh, per kW-month, per PH/s-day, per TH
_MAX_OPEX = 1e9  # USD per MW-month
_MAX_SQFT_PER_MW = 1e7
_PUE_RANGE = (0.1, 100.0)  # a facility/IT ratio; a denormal would divide by almost nothing


SITES = Table(
    "sites", "one row per site",
    (
        Column("site", "text", "site name (key)", required=True),
        _num("grid_mw", "facility power available, MW at the meter", required=True, maximum=_MAX_MW, typical=_MW),
        _num("floor_sqft", "usable floor space, sqft", required=True, maximum=1e10,
             typical=(1_000.0, 100_000_000.0)),
        _num("energy_price_usd_per_mwh", "price of facility energy, USD/MWh", required=True, maximum=_MAX_PRICE,
             typical=_ENERGY),
        _num("mining_pue", "facility MW per mining IT MW", default=1.0, minimum=_PUE_RANGE[0], maximum=_PUE_RANGE[1],
             typical=(1.0, 3.0)),
        _num("mining_opex_usd_per_mw_month", "fixed cost per installed mining IT MW, USD/MW-month", default=0.0,
             maximum=_MAX_OPEX, typical=_OPEX),
        _num("ai_pue", "facility MW per AI IT MW", default=1.0, minimum=_PUE_RANGE[0], maximum=_PUE_RANGE[1],
             typical=(1.0, 3.0)),
        _num("ai_sqft_per_mw", "floor space per AI IT MW built or under construction, sqft/MW", required=True,
             maximum=_MAX_SQFT_PER_MW, typical=(500.0, 100_000.0)),
        _num("ai_capex_usd_per_mw", "cost to build or convert one AI IT MW, USD/MW", required=True,
             maximum=1e11, typical=(100_000.0, 100_000_000.0)),
        Column("ai_lead_time_periods", "integer", "periods from the start of a build to ready", default=0, minimum=0,
               maximum=MAX_PERIODS),
        _num("ai_max_mw", "most AI IT MW the site holds, ready plus under construction; blank = unlimited",
             maximum=_MAX_MW, typical=_MW),
        _num("ai_installed_mw", "AI IT MW ready at horizon start", default=0.0, maximum=_MAX_MW, typical=_MW),
        _num("ai_opex_usd_per_mw_month", "fixed cost per ready AI IT MW, USD/MW-month", default=0.0, maximum=_MAX_OPEX,
             typical=_OPEX),
        _num("ai_block_mw", "AI builds come in whole halls of this many IT MW; blank = any amount", minimum=0.001,
             maximum=_MAX_MW, typical=_MW),
    ),
    key=("site",),
    max_rows=1_000,
)

MINERS = Table(
    "miners", "ASIC models",
    (
        Column("model", "text", "ASIC model name (key)", required=True),
        _num("efficiency_j_per_th", "joules per terahash, J/TH", required=True, minimum=0.1, maximum=10_000.0,
             typical=(5.0, 200.0)),
        _num("sqft_per_mw", "floor space per installed IT MW, sqft/MW", required=True, maximum=_MAX_SQFT_PER_MW,
             typical=(100.0, 50_000.0)),
        _num("price_usd_per_th", "price of new units, USD/TH; blank = cannot be bought", maximum=_MAX_PRICE,
             typical=(0.5, 500.0)),
        _num("uptime", "fraction of installed MW that can run, (0, 1]", default=1.0, exclusive=True, maximum=1.0),
        Column("available_from", "period", "first period in which it can be bought; blank = horizon start"),
        _num("lot_mw", "ASICs of this model are bought in whole lots of this many IT MW; blank = any amount",
             minimum=0.001, maximum=_MAX_MW, typical=(0.01, 1_000.0)),
    ),
    key=("model",),
    may_be_empty=True,
    max_rows=500,
)

FLEET = Table(
    "fleet", "installed ASICs at horizon start",
    (
        Column("site", "text", "site", required=True, references="sites.site"),
        Column("model", "text", "ASIC model", required=True, references="miners.model"),
        _num("installed_mw", "installed IT MW at horizon start", required=True, maximum=_MAX_MW, typical=_MW),
    ),
    key=("site", "model"),
    required=False,
    may_be_empty=True,
)

CONTRACTS = Table(
    "contracts", "AI hosting commitments, one row per tranche (rows sharing a contract name form a ramp)",
    (
        Column("contract", "text", "contract name", required=True),
        Column("site", "text", "site that must deliver", required=True, references="sites.site"),
        Column("start", "period", "first period of the tranche", required=True),
        Column("end", "period", "last period of the tranche (inclusive)", required=True),
        _num("mw", "committed AI IT MW in each period of the window", required=True, maximum=_MAX_MW, typical=_MW),
        _num("price_usd_per_kw_month", "what the tenant pays per kW-month delivered, USD/kW-month", required=True,
             maximum=_MAX_PRICE, typical=_KW_MONTH),
        _num("shortfall_penalty_usd_per_kw_month",
             "cost per kW-month not delivered, USD/kW-month; blank = hard commitment", maximum=_MAX_PRICE,
             typical=(1.0, 10_000.0)),
        Column("power_passthrough", "bool", "true: the tenant pays the energy of its load", default=False),
        Column("optional", "bool", "true: the contract (all rows sharing its name) is signed whole or not at all",
               default=False),
    ),
    required=False,
    may_be_empty=True,
    max_rows=10_000,
)

PERIODS = Table(
    "periods", "one row per period of the horizon",
    (
        Column("period", "period", "period label YYYY-MM", required=True),
        _num("hashprice_usd_per_ph_day", "mining revenue per PH/s per day, USD/PH/day; blank = derived from "
             "btc_price_usd and network_hashrate_eh_s", maximum=_MAX_PRICE, typical=(1.0, 5_000.0)),
        _num("capex_budget_usd", "new money for capex this period, USD; blank = no limit from this period on",
             maximum=1e15, typical=(10_000.0, 100_000_000_000.0)),
        _num("ai_spot_price_usd_per_kw_month", "price for uncontracted AI capacity, USD/kW-month", default=0.0,
             maximum=_MAX_PRICE, typical=_KW_MONTH),
        _num("ai_spot_max_mw", "most uncontracted AI IT MW the market takes, all sites together", default=0.0,
             maximum=_MAX_MW, typical=_MW),
        _num("btc_price_usd", "bitcoin price, USD (with network_hashrate_eh_s, gives the hashprice where it is blank)",
             minimum=0.01, maximum=1e9, typical=_BTC_PRICE),
        _num("network_hashrate_eh_s", "total network hashrate, EH/s", minimum=1e-6, maximum=1e9, typical=_HASHRATE),
        _num("fees_btc_per_block", "transaction fees per block, BTC", default=0.0, maximum=1_000.0, typical=_FEES),
        _num("block_subsidy_btc", "block subsidy, BTC; blank = the halving schedule", maximum=50.0,
             typical=(0.01, 50.0)),
    ),
    key=("period",),
    max_rows=MAX_PERIODS,
)

SITE_PERIODS = Table(
    "site_periods", "optional per-site, per-period overrides (blank keeps the site's value)",
    (
        Column("period", "period", "period label YYYY-MM", required=True),
        Column("site", "text", "site", required=True, references="sites.site"),
        _num("grid_mw", "facility power available this period, MW", maximum=_MAX_MW, typical=_MW),
        _num("energy_price_usd_per_mwh", "price of facility energy this period, USD/MWh", maximum=_MAX_PRICE,
             typical=_ENERGY),
    ),
    key=("period", "site"),
    required=False,
    may_be_empty=True,
)

SCENARIOS = Table(
    "scenarios", "futures the plan must hold up in (optional; with it the model commits now and adapts later)",
    (
        Column("scenario", "text", "scenario name (key)", required=True),
        _num("probability", "probability of the scenario, > 0; the column sums to 1", required=True, exclusive=True,
             maximum=1.0),
    ),
    key=("scenario",),
    required=False,
    may_be_empty=True,
    max_rows=MAX_CASE_SCENARIOS,
)

SCENARIO_PERIODS = Table(
    "scenario_periods", "per-scenario, per-period values (a blank cell or a missing row keeps the periods table's)",
    (
        Column("scenario", "text", "scenario", required=True, references="scenarios.scenario"),
        Column("period", "period", "period label YYYY-MM", required=True),
        _num("hashprice_usd_per_ph_day", "hashprice in this scenario, USD/PH/day", maximum=_MAX_PRICE,
             typical=(1.0, 5_000.0)),
        _num("btc_price_usd", "bitcoin price in this scenario, USD", minimum=0.01, maximum=1e9, typical=_BTC_PRICE),
        _num("network_hashrate_eh_s", "network hashrate in this scenario, EH/s", minimum=1e-6, maximum=1e9,
             typical=_HASHRATE),
        _num("fees_btc_per_block", "fees per block in this scenario, BTC", maximum=1_000.0, typical=_FEES),
        _num("ai_spot_price_usd_per_kw_month", "spot AI price in this scenario, USD/kW-month", maximum=_MAX_PRICE,
             typical=_KW_MONTH),
        _num("ai_spot_max_mw", "spot AI MW the market takes in this scenario", maximum=_MAX_MW, typical=_MW),
        _num("energy_price_factor", "multiplies every site's energy price in this scenario and period",
             maximum=1_000.0, typical=(0.1, 10.0)),
    ),
    key=("scenario", "period"),
    required=False,
    may_be_empty=True,
)

TABLES: tuple[Table, ...] = (SITES, MINERS, FLEET, CONTRACTS, PERIODS, SITE_PERIODS, SCENARIOS, SCENARIO_PERIODS)
TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
