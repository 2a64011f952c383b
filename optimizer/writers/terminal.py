"""A plan on the terminal, in a planner's words: the NPV and why it is what it is, where the MW go by year, site or
period, what falls short and why, which limits bind and what one more unit is worth, the whole decisions of a
MILP, and for a scenario plan what is committed now and how each future turns out."""
from __future__ import annotations

import pandas as pd

from ..model.objective import TERMS
from ..results import Plan
from ..results.summary import Summary
from .wording import binding_limits, binds_text, contract_worth, counted, musd, status_text, why_negative

VIEWS = ("year", "site", "period")
_BY_PERIOD_UP_TO = 24  # horizons up to this many periods are shown period by period unless asked otherwise


def _price(value: float) -> str:
    """A shadow price: whole USD when large, three significant digits when small (USD per USD of budget)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def default_view(plan: Plan) -> str:
    """By period for short horizons, by year for longer ones."""
    return "period" if plan.summary.horizon.periods <= _BY_PERIOD_UP_TO else "year"


def _status_line(s: Summary) -> str:
    h = s.horizon
    kind = {1: "monthly", 3: "quarterly"}[h.months_per_period]
    status = status_text(s)
    return (f"{s.name}: {status}; {h.periods} {kind} periods {h.first}..{h.last}, "
            f"discount rate {h.discount_rate:.1%}/yr")


def _npv_lines(s: Summary) -> list[str]:
    money = s.economics
    scenario = s.scenarios is not None
    label = "expected NPV" if scenario else "NPV"
    lines = [f"{label}: {money.npv_usd:,.0f} USD   (undiscounted cash flow {money.undiscounted_cash_flow_usd:,.0f} "
             f"USD{', probability-weighted' if scenario else ''})"]
    negative = why_negative(s)
    if negative:
        lines.append(f"  why negative: {negative}")
    lines += ["", f"present value by term, M USD{' (probability-weighted)' if scenario else ''}:"]
    for term in TERMS:
        sign = "+" if term.sign > 0 else "-"
        lines.append(f"  {sign} {term.label:<22}{musd(money.present_value_usd[term.name]):>12}")
    tv = money.terminal_value
    if tv.method != "none":
        lines.append(f"  + {'terminal value':<22}{musd(tv.present_value_usd):>12}   (not a cash flow: "
                     f"{musd(tv.value_at_horizon_end_usd)} M USD of depreciated capex at the horizon's end)")
    for item in money.commitments_beyond_horizon:
        lines.append(f"  note: {item['contract']} tranche {item['tranche']} runs {item['months_beyond_horizon']} "
                     f"months past the horizon ({item['mw']:g} MW, {musd(item['revenue_beyond_horizon_usd'])} M USD "
                     f"revenue not in the NPV)")
    for short in money.shortfalls:
        tranches = f"tranche {short.tranches}" if short.tranches.isdigit() else f"tranches {short.tranches}"
        lines.append(f"  shortfall: {short.contract} ({tranches}) at {short.site} is up to "
                     f"{short.short_mw:g} MW short in {counted(short.periods, 'period')} {short.first}..{short.last}: "
                     f"{musd(short.penalty_usd)} M USD of penalties ({musd(short.penalty_present_value_usd)} M "
                     f"present value); why: {short.why}")
    return lines


def _view(plan: Plan, by: str) -> list[str]:
    """MW and money by year, site or period, with a total row: MW are averages over the rows' periods, USD sums."""
    sites = plan.site_plan.copy()
    sites["year"] = sites["period"].str[:4]
    sites["ai_delivered_mw"] = sites["ai_contract_mw"] + sites["ai_spot_mw"]
    sites["ai_revenue_usd"] = sites["contract_revenue_usd"] + sites["spot_revenue_usd"]
    mw = ["mining_installed_mw", "mining_running_mw", "ai_ready_mw", "ai_delivered_mw"]
    usd = ["mining_revenue_usd", "ai_revenue_usd", "capex_usd", "cash_flow_usd"]
    per_period = sites.groupby(["period", "year", "site"], sort=True)[mw + usd].sum().reset_index()
    if by == "site":
        rows = per_period.groupby("site", sort=False).agg({**{c: "mean" for c in mw}, **{c: "sum" for c in usd}})
        rows = rows.reindex(list(dict.fromkeys(plan.site_plan["site"])))
    else:
        totals = per_period.groupby(["period", "year"], sort=True)[mw + usd].sum().reset_index()
        rows = totals.groupby(by, sort=True).agg({**{c: "mean" for c in mw}, **{c: "sum" for c in usd}})
    whole = per_period.groupby("period")[mw + usd].sum()
    total = pd.Series({**{c: whole[c].mean() for c in mw}, **{c: whole[c].sum() for c in usd}}, name="total")
    header = (f"{by:<14}{'mining MW':>10}{'running':>9}{'AI ready':>9}{'AI used':>9}{'mining M$':>11}{'AI M$':>9}"
              f"{'capex M$':>10}{'cash M$':>10}")
    note = {"year": "MW: means over each year's periods", "site": "MW: means over the horizon",
            "period": "MW in each period"}[by]
    lines = [f"by {by} (IT MW installed, running, AI ready and AI delivered; {note}; USD sums):", header]
    for name, row in [*rows.iterrows(), ("total", total)]:
        lines.append(f"{str(name):<14}{row.mining_installed_mw:>10.1f}{row.mining_running_mw:>9.1f}"
                     f"{row.ai_ready_mw:>9.1f}{row.ai_delivered_mw:>9.1f}{musd(row.mining_revenue_usd):>11}"
                     f"{musd(row.ai_revenue_usd):>9}{musd(row.capex_usd):>10}{musd(row.cash_flow_usd):>10}")
    return lines


def _binding_lines(plan: Plan) -> list[str]:
    """Limits that bind, by family and site: in how many periods (and scenarios), and what one more unit for one
    period is worth at most."""
    limits = binding_limits(plan.shadow_prices)
    if not limits:
        return ["no floor-space, power or budget limit binds"]
    outcomes = plan.summary.scenarios
    lines = ["binding limits: what one more unit, for one period, adds to the NPV (present value, and in that "
             "period's money)" + (" if that scenario happens:" if outcomes else ":")]
    for limit in limits:
        place = f" at {limit.site}" if limit.site is not None else ""
        best, dual = limit.best, limit.dual
        value = (f"up to {_price(best.shadow_price)} {dual.unit} ({_price(best.shadow_price_in_period_usd)} in "
                 f"{best.period}'s money")
        when = binds_text(limit, outcomes.probability_by_scenario if outcomes else None)
        lines.append(f"  {dual.label}{place}: {when}; {value}" + (f", in {best.scenario})" if outcomes else ")"))
    return lines


def _whole_lines(s: Summary) -> list[str]:
    whole = s.whole
    if whole is None:
        return []
    lines = [f"whole decisions ({whole.problem}; shadow prices from {whole.shadow_prices_from}):"]
    for hall in whole.ai_halls_started:
        lines.append(f"  start {counted(hall['halls'], 'AI hall')} of {hall['hall_mw']:g} MW at {hall['site']} in "
                     f"{hall['period']} ({hall['mw']:g} MW)")
    for lot in whole.asic_lots_bought:
        lines.append(f"  buy {lot['lots']:g} lot(s) of {lot['lot_mw']:g} MW of {lot['model']} for {lot['site']} in "
                     f"{lot['period']} ({lot['mw']:g} MW)")
    for contract in whole.optional_contracts:
        words = "sign" if contract["signed"] else "do not sign"
        worth = f"; {contract_worth(s, contract['contract'])}"
        lines.append(f"  {words} optional contract {contract['contract']}{worth}")
    if whole.lp_relaxation_objective_usd is not None:
        lumps = whole.lp_relaxation_objective_usd - s.objective_usd
        if abs(lumps) < 1.0:
            lines.append("  fractional halls, lots and signatures would do no better: whole decisions cost nothing "
                         "here")
        else:
            lines.append(f"  with fractional halls, lots and signatures the objective would be "
                         f"{whole.lp_relaxation_objective_usd:,.0f} USD: whole decisions cost {lumps:,.0f} USD")
    return lines


def _scenario_lines(plan: Plan) -> list[str]:
    s = plan.summary
    outcomes = s.scenarios
    if outcomes is None:
        return []
    lines = [f"committed now (the same in every scenario, through {outcomes.commit_through}):"]
    committed = plan.extra_tables["committed"]
    if not len(committed):
        lines.append("  nothing: every investment can wait until after the commitment period")
    for row in committed.itertuples(index=False):
        if row.contract is not None and pd.notna(row.contract):
            lines.append(f"  {row.decision} {row.contract}")
            continue
        what = f" {row.model}" if row.model is not None and pd.notna(row.model) else ""
        units = (f" ({row.whole_units:g} x {row.unit_mw:g} MW)" if row.whole_units is not None and
                 pd.notna(row.whole_units) else "")
        lines.append(f"  {row.decision}{what} at {row.site} in {row.period}: {row.mw:,.1f} MW{units}")
    alpha = outcomes.cvar_alpha
    lines += ["", f"expected NPV {outcomes.expected_npv_usd:,.0f} USD; CVaR (mean of the worst {1 - alpha:.0%}) "
                  f"{outcomes.cvar_usd:,.0f} USD; objective weights CVaR by {outcomes.risk_weight:g}"]
    order = sorted(outcomes.npv_by_scenario_usd, key=outcomes.npv_by_scenario_usd.get)  # type: ignore[arg-type]
    years = plan.extra_tables["scenario_years"]
    year_list = sorted(years["year"].unique())
    lines.append("by scenario, worst first: NPV M USD, probability, then mean IT MW mining / AI ready by year")
    lines.append(f"{'scenario':<14}{'NPV':>10}{'p':>7}" + "".join(f"{y:>14}" for y in year_list))
    for name in order:
        rows = years[years["scenario"] == name].set_index("year")
        cells = "".join(f"{rows.loc[y, 'mining_installed_mw']:>7.0f}/{rows.loc[y, 'ai_ready_mw']:<6.0f}"
                        for y in year_list)
        lines.append(f"{name:<14}{musd(outcomes.npv_by_scenario_usd[name]):>10}"
                     f"{outcomes.probability_by_scenario[name]:>7.1%}" + cells)
    voi = s.value_of_information
    if voi is not None:
        vss = voi["vss_usd"]
        vss_text = (f"{vss:,.0f} USD" if not isinstance(vss, str) else
                    f"unbounded (the mean-value plan cannot serve {', '.join(voi['vss_infeasible_scenarios'])})")
        lines += ["", f"value of information (risk-neutral): EVPI {voi['evpi_usd']:,.0f} USD = what knowing the "
                      "future before committing would add; VSS " + vss_text + " = what planning for these scenarios "
                      "adds over planning for their average"]
    return lines


def summary_text(plan: Plan, by: str | None = None) -> str:
    """The plan as text; `by` ("year", "site" or "period") chooses the MW and money view (default: by period up to
    24 periods, else by year). A scenario plan shows its committed decisions and outcomes instead."""
    s = plan.summary
    lines = [_status_line(s), *_npv_lines(s), ""]
    if s.scenarios is None:
        lines += _view(plan, by or default_view(plan))
        crossover = s.economics.crossover_period
        lines += ["", f"AI revenue first exceeds mining revenue in {crossover}" if crossover
                  else "AI revenue never exceeds mining revenue in this horizon"]
    else:
        lines += _scenario_lines(plan)
    whole = _whole_lines(s)
    lines += [*([""] + whole if whole else []), "", *_binding_lines(plan)]
    size = s.size
    scenarios = f", {size.scenarios} scenarios" if size.scenarios > 1 else ""
    lines.append(f"solved by {s.solver.name} in {s.solver.solve_seconds:.2f} s (build {s.solver.build_seconds:.2f} s, "
                 f"hand-off {s.solver.handoff_seconds:.2f} s), {size.variables:,} variables "
                 f"({size.integer_variables:,} integer), {size.constraints:,} constraints{scenarios}")
    return "\n".join(lines)


def npv_line(plan: Plan) -> str:
    """One line: the NPV (expected NPV of a scenario plan) and the status."""
    label = "expected NPV" if plan.summary.scenarios is not None else "NPV"
    return f"{label}: {plan.npv_usd:,.0f} USD ({plan.status})"
