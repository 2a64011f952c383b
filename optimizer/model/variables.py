"""Decision variables of docs/formulation.md, all >= 0, as blocks of LP columns (-1 where a variable does not exist).

| name    | dims                  | meaning (IT MW unless said)                                          |
|---------|-----------------------|----------------------------------------------------------------------|
| cap_m   | site, model, period   | ASICs installed                                                      |
| buy_m   | site, model, period   | ASICs bought at the start of the period                              |
| ret_m   | site, model, period   | ASICs retired at the start of the period                             |
| run_m   | site, model, period   | ASICs running                                                        |
| cap_a   | site, period          | AI capacity ready                                                    |
| build_a | site, period          | AI builds started (ready L_s periods later)                          |
| spot_a  | site, period          | uncontracted AI MW sold on the spot market                           |
| use_c   | tranche, period       | MW delivered to a contract tranche                                   |
| short_c | tranche, period       | MW not delivered (tranches with a penalty)                           |
| carry   | period                | capex budget not spent by the end of the period, USD (budget rows)   |
| nb      | site, period          | whole AI halls started (integer; sites with ai_block_mw)             |
| nl      | site, model, period   | whole ASIC lots bought (integer; models with lot_mw)                 |
| sign    | contract              | 1 if an optional contract is signed (binary)                         |

Which variables exist is decided once, in `variable_masks`; the sweep's structure key uses the same masks.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .data import ModelData
from .lp import LinearProgram, VariableBlock

DIMS: dict[str, tuple[str, ...]] = {
    "cap_m": ("site", "model", "period"),
    "buy_m": ("site", "model", "period"),
    "ret_m": ("site", "model", "period"),
    "run_m": ("site", "model", "period"),
    "cap_a": ("site", "period"),
    "build_a": ("site", "period"),
    "spot_a": ("site", "period"),
    "use_c": ("tranche", "period"),
    "short_c": ("tranche", "period"),
    "carry": ("period",),
    "nb": ("site", "period"),
    "nl": ("site", "model", "period"),
    "sign": ("contract",),
}
INTEGER = ("nb", "nl", "sign")
# Investment decisions: equal in every scenario up to and including `commit_through` (extension C).
NONANTICIPATIVE = ("buy_m", "ret_m", "build_a", "nb", "nl")
ALWAYS_SHARED = ("sign",)  # a contract is signed in every scenario or in none


@dataclass
class Variables:
    """Every variable block of the model, by its formulation name."""

    cap_m: VariableBlock
    buy_m: VariableBlock
    ret_m: VariableBlock
    run_m: VariableBlock
    cap_a: VariableBlock
    build_a: VariableBlock
    spot_a: VariableBlock
    use_c: VariableBlock
    short_c: VariableBlock
    carry: VariableBlock
    nb: VariableBlock
    nl: VariableBlock
    sign: VariableBlock

    def items(self) -> list[tuple[str, VariableBlock]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def __getitem__(self, name: str) -> VariableBlock:
        return getattr(self, name)


def mining_pairs(data: ModelData) -> np.ndarray:
    """[S, F] True where model f can ever be installed at site s: it is in the fleet or can be bought."""
    buyable = ~np.isnan(data.price_usd_per_mw) & (data.available_from_t < data.n_periods)
    return (data.fleet_mw > 0) | buyable[None, :]


def variable_masks(data: ModelData) -> dict[str, np.ndarray]:
    """Where each variable exists; those the formulation fixes at zero are left out.

    ASIC variables exist only for (site, model) pairs with installed fleet or a purchase price; `buy_m` only from
    `available_from` on; `short_c` only for tranches with a penalty; `spot_a` only in periods whose spot market
    takes some MW; `carry` in the periods with a finite cumulative budget; `nb` at sites with `ai_block_mw`,
    `nl` where lots of a model with `lot_mw` can be bought; `sign` for optional contracts.
    """
    S, F, T = data.n_sites, data.n_models, data.n_periods
    t = np.arange(T)
    pairs = np.broadcast_to(mining_pairs(data)[:, :, None], (S, F, T))
    can_buy = ~np.isnan(data.price_usd_per_mw)[:, None] & (t[None, :] >= data.available_from_t[:, None])
    buy = pairs & can_buy[None, :, :]
    active = data.tranche_active()
    soft = ~np.isnan(data.tranche_penalty_usd_per_kw_month)
    return {
        "cap_m": pairs,
        "buy_m": buy,
        "ret_m": pairs,
        "run_m": pairs,
        "cap_a": np.ones((S, T), bool),
        "build_a": np.ones((S, T), bool),
        "spot_a": np.broadcast_to((data.spot_max_mw > 0)[None, :], (S, T)),
        "use_c": active,
        "short_c": active & soft[:, None],
        "carry": np.isfinite(data.cumulative_budget_usd),
        "nb": np.broadcast_to(~np.isnan(data.ai_block_mw)[:, None], (S, T)),
        "nl": buy & ~np.isnan(data.lot_mw)[None, :, None],
        "sign": data.contract_optional.copy(),
    }


# sign is binary; every other variable is only >= 0 (tighter bounds, e.g. halls that fit the ceiling, would also
# tighten the LP relaxation that --relax must solve as the formulation states it)
UPPER_BOUNDS = {"sign": 1.0}


def create_variables(data: ModelData, lp: LinearProgram, shared: Variables | None = None,
                     commit_through_t: int = -1) -> Variables:
    """Create every variable block in `lp`.

    With `shared` (the first scenario's variables), this scenario reuses its columns for the investment decisions
    in periods up to `commit_through_t` and for contract signing, so those decisions are one in all scenarios.
    """
    blocks = {}
    for name, mask in variable_masks(data).items():
        reuse = None
        if shared is not None and name in NONANTICIPATIVE:
            reuse = np.where(np.arange(data.n_periods) <= commit_through_t, shared[name].columns, -1)
        elif shared is not None and name in ALWAYS_SHARED:
            reuse = shared[name].columns
        blocks[name] = lp.add_variables(name, DIMS[name], mask, integer=name in INTEGER,
                                        upper=UPPER_BOUNDS.get(name, np.inf), shared=reuse)
    return Variables(**blocks)
