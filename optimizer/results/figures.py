"""The one solution reader: column values and row duals (arrays) in, the figures of a plan out.

Plans (`plan.py`), sweeps and breakevens all read solutions here, so a figure is derived once: the value cleaning,
the cash flows by term, contract MW per site, revenue per period, the crossover rule and the shadow prices (duals
normalised to present-value USD per unit of the limit, as each family declares them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import CapacityModel
from ..model.constraints import REPORTED_DUALS
from ..model.data import ModelData
from ..model.lp import RowBlock
from ..model.objective import TERMINAL, TERMS

ROUND_OFF = 1e-9  # solver round-off shown as 0
CROSSOVER_MARGIN_USD = 0.01  # AI revenue must exceed mining revenue by more than a cent


def clean(values: np.ndarray) -> np.ndarray:
    """Solver round-off below 1e-9 shown as 0 (and no negative zero)."""
    return np.where(np.abs(values) < ROUND_OFF, 0.0, values) + 0.0


def crossover_period(ai_revenue_usd: np.ndarray, mining_revenue_usd: np.ndarray, labels: list[str]) -> str | None:
    """The first period in which AI revenue (contracts + spot) exceeds mining revenue; None if none does."""
    ahead = np.flatnonzero(ai_revenue_usd > mining_revenue_usd + CROSSOVER_MARGIN_USD)
    return labels[int(ahead[0])] if len(ahead) else None


@dataclass
class PlanFigures:
    """The figures of one solved plan, as arrays over [site, (model,) period] or [period].

    `values`: every variable block's values by name; `flows_usd`: every cash-flow term by site and period (USD in
    that period); `terminal_value_usd`: by site and period of the build or purchase, valued at the horizon's end;
    `shadow_prices`: per reported family, d NPV / d limit laid out like its rows (present-value USD per unit),
    None without duals.
    """

    data: ModelData
    values: dict[str, np.ndarray]
    committed_mw: np.ndarray
    floor_used_sqft: np.ndarray
    facility_power_mw: np.ndarray
    flows_usd: dict[str, np.ndarray]
    terminal_value_usd: np.ndarray
    shadow_prices: dict[str, np.ndarray] | None = None
    dual_rows: dict[str, RowBlock] = field(default_factory=dict)  # the row blocks of the reported families

    @property
    def contract_mw(self) -> np.ndarray:
        """[S, T] MW delivered to contract tranches, added up per site."""
        d = self.data
        out = np.zeros((d.n_sites, d.n_periods))
        np.add.at(out, d.tranche_site, self.values["use_c"])
        return out

    def revenue_by_period(self, side: str) -> np.ndarray:
        """[T] revenue of the "mining" or "ai" side per period."""
        return sum((self.flows_usd[t.name].sum(axis=0) for t in TERMS if t.revenue_of == side),
                   np.zeros(self.data.n_periods))

    @property
    def cash_flow_usd(self) -> np.ndarray:
        """[S, T] cash flow: revenues minus costs."""
        return sum(t.sign * self.flows_usd[t.name] for t in TERMS)  # type: ignore[return-value]

    @property
    def npv_of_cash_flows_usd(self) -> float:
        return float(self.cash_flow_usd.sum(axis=0) @ self.data.discount_factor)

    @property
    def terminal_value_present_usd(self) -> float:
        return float(self.terminal_value_usd.sum()) * self.data.end_discount_factor

    @property
    def npv_usd(self) -> float:
        """The NPV of the plan: discounted cash flows plus the present value of the terminal value."""
        return self.npv_of_cash_flows_usd + self.terminal_value_present_usd

    @property
    def crossover_period(self) -> str | None:
        return crossover_period(self.revenue_by_period("ai"), self.revenue_by_period("mining"),
                                self.data.horizon.labels)


def read_figures(model: CapacityModel, col_value: np.ndarray, row_dual: np.ndarray | None = None) -> PlanFigures:
    """The figures of `model`'s plan in a solution (column values, and row duals as d objective / d row bound)."""
    d, v, e = model.data, model.variables, model.expressions
    S, T = d.n_sites, d.n_periods
    values = {name: clean(block.values(col_value)) for name, block in v.items()}
    flows = {term.name: np.zeros((S, T)) for term in TERMS}
    terminal = np.zeros((S, T))
    for part in model.cash_flows:
        amount = part.usd_per_mw * values[part.variable]
        target = terminal if part.term is TERMINAL else flows[part.term.name]
        np.add.at(target, (part.site.ravel(), part.period.ravel()), amount.ravel())
    shadow = None
    if row_dual is not None:
        shadow = {}
        for family, dual in REPORTED_DUALS.items():
            grid = model.constraints[family].grid(row_dual)
            shadow[family] = clean(dual.reported(grid) if dual.reported else grid)
    return PlanFigures(
        data=d,
        values=values,
        committed_mw=clean(e.ai_committed_mw.evaluate(col_value)),
        floor_used_sqft=clean(e.floor_use_sqft.evaluate(col_value)),
        facility_power_mw=clean(e.facility_power_mw.evaluate(col_value)),
        flows_usd=flows,
        terminal_value_usd=terminal,
        shadow_prices=shadow,
        dual_rows={family: model.constraints[family] for family in REPORTED_DUALS},
    )
