"""A plan on the terminal: NPV and its terms, MW to mining vs AI by period, crossover, binding limits."""
from __future__ import annotations

from ..model.objective import TERMS
from ..results import Plan


def _musd(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def summary_text(plan: Plan) -> str:
    """A readable summary: NPV and its terms, MW to mining vs AI by period, crossover, binding limits."""
    s = plan.summary
    h = s["horizon"]
    lines = [
        f"{plan.name}: {plan.status}, {h['periods']} periods {h['first']}..{h['last']}, "
        f"discount rate {h['discount_rate']:.1%}/yr",
        f"NPV: {plan.npv_usd:,.0f} USD   (undiscounted cash flow {s['undiscounted_cash_flow_usd']:,.0f} USD)",
        "",
        "present value by term, M USD:",
    ]
    for term in TERMS:
        sign = "+" if term.sign > 0 else "-"
        lines.append(f"  {sign} {term.label:<22}{_musd(s['present_value_usd'][term.name]):>12}")
    tv = s["terminal_value"]
    if tv["method"] != "none":
        lines.append(f"  + {'terminal value':<22}{_musd(tv['present_value_usd']):>12}   (not a cash flow: "
                     f"{_musd(tv['value_at_horizon_end_usd'])} M USD of depreciated capex at the horizon's end)")
    for item in s["commitments_beyond_horizon"]:
        lines.append(f"  note: {item['contract']} tranche {item['tranche']} runs {item['months_beyond_horizon']} months "
                     f"past the horizon ({item['mw']:g} MW, {_musd(item['revenue_beyond_horizon_usd'])} M USD revenue "
                     f"not in the NPV)")
    lines += ["", "period    mining MW   AI MW   AI ready MW   mining rev M$   AI rev M$   cash flow M$"]
    for row in plan.period_totals.itertuples(index=False):
        lines.append(f"{row.period:<9}{row.mining_running_mw:>10.1f}{row.ai_delivered_mw:>8.1f}{row.ai_ready_mw:>14.1f}"
                     f"{_musd(row.mining_revenue_usd):>16}{_musd(row.ai_revenue_usd):>12}{_musd(row.cash_flow_usd):>15}")
    lines.append("")
    crossover = plan.crossover_period
    lines.append(f"AI revenue first exceeds mining revenue in {crossover}" if crossover
                 else "AI revenue never exceeds mining revenue in this horizon")
    binding = plan.shadow_prices[plan.shadow_prices["shadow_price"].abs() > 1e-6]
    if len(binding):
        lines.append("binding limits (shadow price, present value):")
        for constraint, group in binding.groupby("constraint", sort=False):
            unit = {"floor_space": "USD/sqft", "power": "USD/MW", "capex_budget": "USD/USD"}[constraint]
            where = group.groupby("site", dropna=False)["period"] if constraint != "capex_budget" else None
            if where is None:
                lines.append(f"  capex budget: binding in {len(group)} period(s), first {group['period'].iloc[0]}, "
                             f"up to {group['shadow_price'].max():,.3f} {unit}")
                continue
            for site, periods in where:
                prices = group.loc[periods.index, "shadow_price"]
                lines.append(f"  {constraint.replace('_', ' ')} at {site}: binding in {len(periods)} period(s) "
                             f"from {periods.iloc[0]}, up to {prices.max():,.2f} {unit}")
    else:
        lines.append("no floor-space, power or budget limit binds")
    lines.append(f"solved by {s['solver']} in {s['solve_seconds']:.2f} s (build {s['build_seconds']:.2f} s), "
                 f"{s['size']['variables']} variables, {s['size']['constraints']} constraints")
    return "\n".join(lines)
