"""Decision variables of MODEL.md, all >= 0 and in IT MW, as dense object arrays (None = no such variable)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pulp

from .data import ModelData


def _create(name: str, exists: np.ndarray) -> np.ndarray:
    """An object array shaped like `exists` holding a fresh LpVariable >= 0 where `exists` is True."""
    out = np.full(exists.shape, None, dtype=object)
    for idx in zip(*np.nonzero(exists)):
        out[idx] = pulp.LpVariable(f"{name}_{'_'.join(map(str, idx))}", lowBound=0)
    return out


@dataclass
class Variables:
    """cap_m, buy_m, ret_m, run_m [S, F, T]; cap_a, build_a, spot_a [S, T]; use_c, short_c [C, T]."""

    cap_m: np.ndarray
    buy_m: np.ndarray
    ret_m: np.ndarray
    run_m: np.ndarray
    cap_a: np.ndarray
    build_a: np.ndarray
    spot_a: np.ndarray
    use_c: np.ndarray
    short_c: np.ndarray

    def items(self) -> list[tuple[str, np.ndarray]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def mining_pairs(data: ModelData) -> np.ndarray:
    """[S, F] True where model f can ever be installed at site s: it is in the fleet or can be bought."""
    buyable = ~np.isnan(data.price_usd_per_mw) & (data.available_from_t < data.n_periods)
    return (data.fleet_mw > 0) | buyable[None, :]


def create_variables(data: ModelData) -> Variables:
    """Create every variable that can be non-zero; leave out those MODEL.md fixes at zero.

    ASIC variables exist only for (site, model) pairs with installed fleet or a purchase price;
    `buy_m` only from `available_from` on; `short_c` only for tranches with a penalty;
    `spot_a` only in periods whose spot market takes some MW.
    """
    S, F, T = data.n_sites, data.n_models, data.n_periods
    t = np.arange(T)
    pairs = np.broadcast_to(mining_pairs(data)[:, :, None], (S, F, T))
    can_buy = (~np.isnan(data.price_usd_per_mw)[:, None] & (t[None, :] >= data.available_from_t[:, None]))
    active = data.tranche_active()
    soft = ~np.isnan(data.tranche_penalty_usd_per_kw_month)
    return Variables(
        cap_m=_create("cap_m", pairs),
        buy_m=_create("buy_m", pairs & can_buy[None, :, :]),
        ret_m=_create("ret_m", pairs),
        run_m=_create("run_m", pairs),
        cap_a=_create("cap_a", np.ones((S, T), bool)),
        build_a=_create("build_a", np.ones((S, T), bool)),
        spot_a=_create("spot_a", np.broadcast_to((data.spot_max_mw > 0)[None, :], (S, T))),
        use_c=_create("use_c", active),
        short_c=_create("short_c", active & soft[:, None]),
    )
