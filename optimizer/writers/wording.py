"""What the terminal report and the plan workbook both say, written once: the status of a solve, why an NPV is
negative, what an optional contract adds, and which limits bind."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..model.constraints import REPORTED_DUALS
from ..model.lp import Dual
from ..results.summary import Summary


def musd(value: float) -> str:
    """USD as M USD with one decimal and thousands separators."""
    return f"{value / 1e6:,.1f}"


def counted(n: float, noun: str) -> str:
    """'1 period', '33 periods', '2 AI halls'."""
    return f"{n:g} {noun}" + ("" if n == 1 else "s")


def status_text(s: Summary) -> str:
    """The status as a planner reads it: a MILP stopped early says it is not proven optimal, with its gap and best
    bound; an LP relaxation says its whole decisions may be fractional."""
    if s.whole is not None and s.whole.problem == "MILP":
        gap, bound = s.whole.mip_gap, s.whole.best_bound_usd
        gap_text = "gap not reported by the solver" if gap is None else f"gap {gap:.2%}"
        if s.status == "feasible":
            return f"feasible, not proven optimal, {gap_text}" + ("" if bound is None else
                                                                   f", best bound {bound:,.0f} USD")
        return f"optimal (MILP, {gap_text if gap is None else f'within a gap of {gap:.2%}'})"
    if s.whole is not None:
        return f"{s.status} (LP relaxation: halls, lots and signatures may be fractional)"
    return s.status


def why_negative(s: Summary) -> str | None:
    """Why the NPV is negative when it is only because the horizon cuts off what capex buys; None otherwise."""
    money = s.economics
    capex = money.present_value_usd["capex_usd"]
    if money.terminal_value.method == "none" and money.npv_usd < 0 < capex:
        return (f"{musd(capex)} M USD of capex (present value) is counted in full, but revenue only through "
                f"{s.horizon.last}; halls and ASICs keep earning after it. Set terminal_value: depreciated (with "
                "ai_life_years, asic_life_years) to count what they are still worth then.")
    return None


def contract_worth(s: Summary, contract: str) -> str:
    """What signing optional contract `contract` adds, as `--explain-decisions` found it (or how to find it)."""
    detail = {d["contract"]: d for d in s.contract_decisions or []}.get(contract)
    if detail is None:
        return "--explain-decisions shows what it adds"
    if detail["npv_added_usd"] is None:
        return f"the other choice has no plan ({detail['flipped_plan']})"
    if detail["npv_added_usd"] >= 0:
        return f"signing it adds {detail['npv_added_usd']:,.0f} USD to the objective"
    return f"signing it would lower the objective by {-detail['npv_added_usd']:,.0f} USD"


@dataclass(frozen=True)
class BindingLimit:
    """A limit that binds at one site (or for the whole portfolio): where, how often, and its largest shadow price
    (`best`, a row of the shadow_prices table: present value, in-period value, period, unit, scenario)."""

    dual: Dual
    site: str | None
    rows: int  # periods (scenario-periods for a scenario plan) in which it binds
    first_period: str
    scenarios: tuple[str, ...]  # the scenarios in which it binds (none for a deterministic plan)
    best: pd.Series


def binds_text(limit: BindingLimit, probability_by_scenario: dict[str, float] | None) -> str:
    """How often a limit binds: 'binds in 2 periods from 2027-07', or for a scenario plan 'binds in 3 of 10
    scenarios (31% of the probability), 94 scenario-periods'."""
    if probability_by_scenario is None:
        return f"binds in {counted(limit.rows, 'period')} from {limit.first_period}"
    p = sum(probability_by_scenario[n] for n in limit.scenarios)
    return (f"binds in {len(limit.scenarios)} of {len(probability_by_scenario)} scenarios ({p:.0%} of the "
            f"probability), {counted(limit.rows, 'scenario-period')}")


def binding_limits(shadow_prices: pd.DataFrame, *, tolerance: float = 1e-6) -> list[BindingLimit]:
    """The limits that bind, by constraint family and site, in the shadow_prices table's order."""
    binding = shadow_prices[shadow_prices["shadow_price"].abs() > tolerance]
    out = []
    for constraint, group in binding.groupby("constraint", sort=False):
        for site, rows in group.groupby("site", dropna=False, sort=False):
            scenarios = tuple(dict.fromkeys(rows["scenario"])) if "scenario" in rows.columns else ()
            out.append(BindingLimit(REPORTED_DUALS[str(constraint)], site if pd.notna(site) else None, len(rows),
                                    str(rows["period"].iloc[0]), scenarios,
                                    rows.loc[rows["shadow_price"].abs().idxmax()]))
    return out
