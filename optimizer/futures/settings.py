"""Settings of the scenario generator: the optional `scenario_generation:` mapping of a model file.

```yaml
scenario_generation:
  price_model: gbm                  # gbm (default) or bootstrap
  start_btc_price_usd: 95000        # default: the first period's btc_price_usd, else the history's last close
  gbm: {drift_per_year: 0.0, volatility_per_year: 0.6849}
  bootstrap: {block_months: 6, drift_per_year: 0.0}    # or drift_per_year: historical (returns as they were)
  hashrate:
    start_eh_s: 1100                # default: the first period's network_hashrate_eh_s, else the history's last month
    equilibrium_hashprice_usd_per_ph_day: 36.78
    # trend_per_year: 0.25          # instead of the equilibrium hashprice: log growth per year at the start hashprice
    elasticity_per_year: 0.4211
    lag_months: 1
    momentum: 0.3148
    noise_per_year: 0.2368
  fees: {share_of_subsidy: 0.01}    # or {btc_per_block: 0.02}
```

Every bad value is an `InputProblem` naming the model file and the dotted key, never an exception.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from ..errors import InputProblem
from . import defaults

ROOT = "scenario_generation"
PriceModel = Literal["gbm", "bootstrap"]
PRICE_MODELS = ("gbm", "bootstrap")
MAX_BLOCK_MONTHS = 60
HISTORICAL = "historical"


@dataclass(frozen=True)
class GbmSettings:
    """Geometric Brownian motion: log S_{t+1} = log S_t + (mu - sigma^2 / 2) / 12 + sigma * sqrt(1/12) * Z."""

    drift_per_year: float = defaults.BTC_DRIFT_PER_YEAR
    volatility_per_year: float = defaults.BTC_VOLATILITY_PER_YEAR


@dataclass(frozen=True)
class BootstrapSettings:
    """Moving-block bootstrap of the history's monthly log returns, blocks of `block_months` in a row.

    With a number `drift_per_year` (mu) every return is shifted by one constant so that a block grows in expectation
    by exp(mu B / 12), the drift meaning of `gbm` (E[S_t] = S_0 exp(mu t)); with "historical" (None here) they are
    drawn as they happened.
    """

    block_months: int = defaults.BOOTSTRAP_BLOCK_MONTHS
    drift_per_year: float | None = defaults.BTC_DRIFT_PER_YEAR


@dataclass(frozen=True)
class HashrateSettings:
    """Network hashrate, monthly log growth g_t = log H_t - log H_{t-1}:

        g_t = momentum * g_{t-1} + (1 - momentum) * (trend + elasticity * log(HP_{t-L} / HP_0)) / 12 + noise

    (g_0 = trend / 12). The growth settles at (trend + elasticity * log(HP / HP_0)) per year while hashprice holds
    still at HP. Without `trend_per_year`, trend = elasticity * log(HP_0 / HP*), HP* =
    `equilibrium_hashprice_usd_per_ph_day`: the fitted growth at the start hashprice HP_0.
    """

    start_eh_s: float | None = None
    trend_per_year: float | None = None
    equilibrium_hashprice_usd_per_ph_day: float = defaults.EQUILIBRIUM_HASHPRICE_USD_PER_PH_DAY
    elasticity_per_year: float = defaults.HASHRATE_ELASTICITY_PER_YEAR
    lag_months: int = defaults.HASHRATE_LAG_MONTHS
    momentum: float = defaults.HASHRATE_MOMENTUM
    noise_per_year: float = defaults.HASHRATE_NOISE_PER_YEAR


@dataclass(frozen=True)
class FeeSettings:
    """Fees per block: `share_of_subsidy` times the subsidy of the month, or a fixed `btc_per_block`."""

    share_of_subsidy: float | None = defaults.FEE_SHARE_OF_SUBSIDY
    btc_per_block: float | None = None


@dataclass(frozen=True)
class GenerationSettings:
    """Everything the generator needs besides the horizon, the number of paths and the seed."""

    price_model: PriceModel = "gbm"
    start_btc_price_usd: float | None = None
    gbm: GbmSettings = field(default_factory=GbmSettings)
    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    hashrate: HashrateSettings = field(default_factory=HashrateSettings)
    fees: FeeSettings = field(default_factory=FeeSettings)

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (for the summary), only the price model in use."""
        out = asdict(self)
        out.pop("bootstrap" if self.price_model == "gbm" else "gbm")
        return out


_ALLOWED = {
    ROOT: ("price_model", "start_btc_price_usd", "gbm", "bootstrap", "hashrate", "fees"),
    "gbm": ("drift_per_year", "volatility_per_year"),
    "bootstrap": ("block_months", "drift_per_year"),
    "hashrate": ("start_eh_s", "trend_per_year", "equilibrium_hashprice_usd_per_ph_day", "elasticity_per_year",
                 "lag_months", "momentum", "noise_per_year"),
    "fees": ("share_of_subsidy", "btc_per_block"),
}


class _Reader:
    """Reads values of one mapping, collecting a problem per bad value."""

    def __init__(self, source: str, problems: list[InputProblem]):
        self.source, self.problems = source, problems

    def problem(self, key: str, message: str) -> None:
        self.problems.append(InputProblem(self.source, message, column=key))

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"expected a mapping of {', '.join(allowed)}, found {value!r}")
            return {}
        for name in value:
            if name not in allowed:
                self.problem(f"{key}.{name}", f"unknown key; allowed: {', '.join(allowed)}")
        return {k: v for k, v in value.items() if k in allowed}

    def number(self, section: dict[str, Any], key: str, name: str, low: float, high: float, *,
               low_open: bool = False, integer: bool = False, default: Any = None, alternative: str = "") -> Any:
        if name not in section or section[name] is None:
            return default
        value, dotted = section[name], f"{key}.{name}"
        kind = "a whole number" if integer else "a number"
        interval = f"{'above' if low_open else 'from'} {low:g}" + (f" to {high:g}" if math.isfinite(high) else "")
        if alternative:
            interval += f" or {alternative}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                integer and not float(value).is_integer()):
            self.problem(dotted, f"expected {kind} {interval}, found {value!r}")
            return default
        value = float(value)
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            self.problem(dotted, f"expected {kind} {interval}, found {value:g}")
            return default
        return int(value) if integer else value


def read_generation_settings(data: dict, source: str) -> tuple[GenerationSettings, list[InputProblem]]:
    """Settings from the model file's `scenario_generation:` mapping (absent = every default).

    `data` is the parsed model file, `source` its name for messages. Returns the settings (defaults where a
    value is missing or bad) and the problems found; use the settings only when there is no problem.
    """
    problems: list[InputProblem] = []
    read = _Reader(source, problems)
    root = read.mapping(data.get(ROOT) if isinstance(data, dict) else None, ROOT, _ALLOWED[ROOT])
    sections = {name: read.mapping(root.get(name), f"{ROOT}.{name}", _ALLOWED[name])
                for name in ("gbm", "bootstrap", "hashrate", "fees")}

    model = root.get("price_model")
    if model is None:
        model = "bootstrap" if sections["bootstrap"] and not sections["gbm"] else "gbm"
    elif model not in PRICE_MODELS:
        read.problem(f"{ROOT}.price_model", f"expected gbm or bootstrap, found {model!r}")
        model = "gbm"
    start_price = read.number(root, ROOT, "start_btc_price_usd", 0, math.inf, low_open=True)

    key = f"{ROOT}.gbm"
    gbm = GbmSettings(
        drift_per_year=read.number(sections["gbm"], key, "drift_per_year", -2, 2,
                                   default=defaults.BTC_DRIFT_PER_YEAR),
        volatility_per_year=read.number(sections["gbm"], key, "volatility_per_year", 0, 3,
                                        default=defaults.BTC_VOLATILITY_PER_YEAR))
    key = f"{ROOT}.bootstrap"
    bootstrap = BootstrapSettings(
        block_months=read.number(sections["bootstrap"], key, "block_months", 1, MAX_BLOCK_MONTHS, integer=True,
                                 default=defaults.BOOTSTRAP_BLOCK_MONTHS),
        drift_per_year=None if sections["bootstrap"].get("drift_per_year") == HISTORICAL else read.number(
            sections["bootstrap"], key, "drift_per_year", -2, 2, default=defaults.BTC_DRIFT_PER_YEAR,
            alternative=HISTORICAL))

    key, section = f"{ROOT}.hashrate", sections["hashrate"]
    if section.get("trend_per_year") is not None and section.get("equilibrium_hashprice_usd_per_ph_day") is not None:
        read.problem(f"{key}.trend_per_year", "give trend_per_year or equilibrium_hashprice_usd_per_ph_day, not both")
    hashrate = HashrateSettings(
        start_eh_s=read.number(section, key, "start_eh_s", 0, math.inf, low_open=True),
        trend_per_year=read.number(section, key, "trend_per_year", -3, 3),
        equilibrium_hashprice_usd_per_ph_day=read.number(
            section, key, "equilibrium_hashprice_usd_per_ph_day", 0, math.inf, low_open=True,
            default=defaults.EQUILIBRIUM_HASHPRICE_USD_PER_PH_DAY),
        elasticity_per_year=read.number(section, key, "elasticity_per_year", 0, 10,
                                        default=defaults.HASHRATE_ELASTICITY_PER_YEAR),
        lag_months=read.number(section, key, "lag_months", 1, 24, integer=True,
                               default=defaults.HASHRATE_LAG_MONTHS),
        momentum=read.number(section, key, "momentum", 0, 0.95, default=defaults.HASHRATE_MOMENTUM),
        noise_per_year=read.number(section, key, "noise_per_year", 0, 3, default=defaults.HASHRATE_NOISE_PER_YEAR))

    key, section = f"{ROOT}.fees", sections["fees"]
    share = read.number(section, key, "share_of_subsidy", 0, 10)
    fixed = read.number(section, key, "btc_per_block", 0, 100)
    if share is not None and fixed is not None:
        read.problem(f"{key}.share_of_subsidy", "give share_of_subsidy or btc_per_block, not both")
    fees = FeeSettings(share_of_subsidy=None, btc_per_block=fixed) if fixed is not None and share is None else \
        FeeSettings(share_of_subsidy=defaults.FEE_SHARE_OF_SUBSIDY if share is None else share)

    settings = GenerationSettings(price_model=cast(PriceModel, model), start_btc_price_usd=start_price, gbm=gbm,
                                  bootstrap=bootstrap, hashrate=hashrate, fees=fees)
    return settings, problems
