"""PNG charts of a plan (matplotlib figures on the Agg canvas: no display, no pyplot state): allocation per site,
revenue mix, cash flow, shadow prices; for a scenario plan also its NPV distribution and MW by scenario.

`write_charts` draws from the plan tables and summary.json's content (as in memory or as read back from a plan
folder), so `capopt plot` can redraw a saved plan without solving again. A scenario plan's per-site and per-period
charts show its expected plan: every MW, USD and shadow price weighted by the probabilities of the scenarios (the
plan of no single scenario, but the one whose money adds up to the expected NPV the terminal reports).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from ..files import PNG_SOFTWARE, atomic_file
from ..model.constraints import REPORTED_DUALS
from ..model.objective import TERMS
from ..results.figures import crossover_period
from .chart_style import AI, AI_BUILDING, AI_SPOT, MINING, MINUS, Thousands, musd, rounded
from .layout import CHART_COLUMNS, CHART_FILES, SCENARIO_CHART_FILES
from .scenario_charts import mw_by_scenario, npv_distribution

_TERM_COLORS = {"mining_revenue_usd": MINING, "contract_revenue_usd": AI, "spot_revenue_usd": AI_SPOT,
                "shortfall_penalty_usd": "#e31a1c", "energy_cost_usd": "#b15928", "opex_usd": "#a6a6a6",
                "capex_usd": "#6a3d9a"}
_CROSS, _CUMULATIVE, _DISCOUNTED, _BELOW_ZERO, _TERMINAL = "#444444", "#000000", "#666666", "#d62728", "#2ca02c"
_DPI = 120
_BINDS = 1e-9  # a shadow price below this (in absolute value) is round-off: the limit does not bind


@dataclass(frozen=True)
class PlanView:
    """What the plan charts draw: the chart tables (of the expected plan, for a scenario plan) and the figures their
    titles state."""

    site_plan: pd.DataFrame
    period_totals: pd.DataFrame
    shadow_prices: pd.DataFrame
    months_per_period: int
    crossover: str | None
    terminal_value_usd: float  # present value; 0 without the option
    scenarios: int = 0  # how many scenarios the expected plan weighs; 0 for a plan of one future

    @property
    def period_word(self) -> str:
        return "month" if self.months_per_period == 1 else "quarter"

    def titled(self, title: str) -> str:
        """`title`, saying so where it is of a scenario plan's expected plan."""
        if not self.scenarios:
            return title
        return f"{title}\nexpected plan: each value weighted by the probability of its {self.scenarios} scenarios"


def _expected(frame: pd.DataFrame, table: str, probability: Mapping[str, float]) -> pd.DataFrame:
    """A scenario plan's table as its probability-weighted mean over the scenarios, per row key (site, period...)."""
    texts, numbers = CHART_COLUMNS[table]
    weight = frame["scenario"].astype(str).map(probability)
    if weight.isna().any():
        raise ValueError(f"scenario {frame.loc[weight.isna(), 'scenario'].iloc[0]} of {table} has no probability in "
                         "the summary")
    weighted = frame[list(numbers)].astype(float).mul(weight.to_numpy(), axis=0)
    keys = frame[list(texts)].astype(object).where(frame[list(texts)].notna(), "")  # budget rows have no site
    return pd.concat([keys, weighted], axis=1).groupby(list(texts), sort=False).sum().reset_index()


def plan_view(tables: Mapping[str, pd.DataFrame], summary: Mapping) -> PlanView:
    """The chart tables of a plan and its summary (summary.json's content); of a scenario plan (tables with a
    `scenario` column), its expected plan."""
    months = int(summary["horizon"]["months_per_period"])
    terminal = float((summary.get("terminal_value") or {}).get("present_value_usd") or 0.0)
    if "scenario" not in tables["site_plan"].columns:
        return PlanView(tables["site_plan"], tables["period_totals"], tables["shadow_prices"], months,
                        summary.get("crossover_period"), terminal)
    probability = summary["probability_by_scenario"]
    site_plan, totals, shadow = (_expected(tables[name], name, probability)
                                    for name in ("site_plan", "period_totals", "shadow_prices"))
    revenue = {side: sum(totals[t.name].to_numpy(float) for t in TERMS if t.revenue_of == side)
               for side in ("ai", "mining")}
    return PlanView(site_plan, totals, shadow, months,
                    crossover_period(revenue["ai"], revenue["mining"], list(totals["period"])), terminal,
                    len(probability))


def _period_starts(labels: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(labels.astype(str) + "-01", format="%Y-%m-%d"))


def _edges(labels: pd.Series, months_per_period: int) -> pd.DatetimeIndex:
    """Period starts plus the end of the last period: step plots show each period as the span it covers."""
    starts = _period_starts(labels)
    return starts.append(pd.DatetimeIndex([starts[-1] + pd.DateOffset(months=months_per_period)]))


def _steps(values: pd.Series | np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.append(values, values[-1])


def _dates_axis(ax) -> None:
    locator = AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(Thousands())
    ax.grid(True, axis="y", alpha=0.3)


def allocation_chart(view: PlanView) -> Figure:
    """Stacked IT MW per site on one scale: AI ready, AI under construction, mining installed; AI delivered as a line
    inside the AI band."""
    site_plan = view.site_plan
    sites = list(dict.fromkeys(site_plan["site"]))
    ncols = 1 if len(sites) <= 3 else 2 if len(sites) <= 8 else 3
    nrows = -(-len(sites) // ncols)
    fig = Figure(figsize=(max(10.0, 7.5 * ncols), 2.6 * nrows + 1.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    for ax, site in zip(axes.ravel(), sites):
        rows = site_plan[site_plan["site"] == site].sort_values("period")
        x = _edges(rows["period"], view.months_per_period)
        layers = [_steps(rows[c]) for c in ("ai_ready_mw", "ai_under_construction_mw", "mining_installed_mw")]
        ax.stackplot(x, *layers, step="post", colors=[AI, AI_BUILDING, MINING],
                     labels=["AI ready", "AI under construction", "mining (ASICs installed)"])
        delivered = rows["ai_contract_mw"] + rows["ai_spot_mw"]
        ax.step(x, _steps(delivered), where="post", color="black", lw=1.0, ls="--",
                label="AI delivered to tenants (contracts + spot)")
        ax.set_title(str(site), loc="left", fontsize=10, fontweight="bold")
        ax.set_xlim(x[0], x[-1])
        _dates_axis(ax)
    for ax in axes[:, 0]:
        ax.set_ylabel("IT MW")
    for ax in axes.ravel()[len(sites):]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2 if ncols == 1 else 4, frameon=False)
    totals = site_plan.groupby("period", sort=True)[["ai_ready_mw", "mining_installed_mw"]].sum()
    first, last = totals.iloc[0], totals.iloc[-1]
    fig.suptitle(view.titled(
        f"IT MW per site, every panel on the same scale\nall sites, {totals.index[0]} \u2192 {totals.index[-1]}: "
        f"AI ready {first['ai_ready_mw']:,.0f} \u2192 {last['ai_ready_mw']:,.0f} MW, mining "
        f"{first['mining_installed_mw']:,.0f} \u2192 {last['mining_installed_mw']:,.0f} MW"), fontweight="bold")
    return fig


def revenue_mix_chart(view: PlanView) -> Figure:
    """Revenue per period by source (stacked bars, M USD) with the crossover period marked."""
    totals = view.period_totals
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    ax = fig.subplots()
    x = _period_starts(totals["period"])
    width = 25 * view.months_per_period
    bottom = np.zeros(len(totals))
    for term in (t for t in TERMS if t.revenue_of):
        values = totals[term.name].to_numpy(float) / 1e6
        ax.bar(x, values, width=width, align="edge", bottom=bottom, color=_TERM_COLORS[term.name], label=term.label)
        bottom += values
    if view.crossover:
        at = _period_starts(pd.Series([view.crossover]))[0]
        ax.axvline(at, color=_CROSS, ls="--", lw=1.2)
        ax.annotate(f"AI revenue > mining from {view.crossover}", xy=(at, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", va="top", fontsize=9, color=_CROSS)
        title = f"Revenue per {view.period_word} by source: AI overtakes mining in {view.crossover}"
    else:
        title = f"Revenue per {view.period_word} by source: AI never overtakes mining in this horizon"
    fig.suptitle(view.titled(title), fontweight="bold")
    ax.set_ylim(0, max(float(bottom.max()), 1e-6) * 1.1)  # room above for the note
    ax.set_ylabel(f"M USD per {view.period_word}")
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    _dates_axis(ax)
    return fig


def _payback(labels: list[str], cumulative: np.ndarray, end: str) -> tuple[str, int | None]:
    """When the cumulative cash flow is back above zero, in words, and the index of that period (None if never);
    `end` is the horizon's last month."""
    if cumulative.min() >= 0:
        return f"never below zero; {musd(cumulative[-1])} USD by the end of {end}", None
    trough = int(cumulative.argmin())
    if cumulative[-1] < 0:
        return (f"at most {musd(-cumulative[trough])} USD out of pocket ({labels[trough]}); not paid back by the end "
                f"of {end}, still {musd(cumulative[-1])} USD"), None
    back = trough + int(np.flatnonzero(cumulative[trough:] >= 0)[0])
    return (f"at most {musd(-cumulative[trough])} USD out of pocket ({labels[trough]}); paid back in "
            f"{labels[back]}"), back


def cash_flow_chart(view: PlanView) -> Figure:
    """Top: the cumulative cash flow, undiscounted and discounted (M USD), with the NPV at the end. Bottom: per
    period, revenues up and costs down by term (stacked bars), bars far beyond the operating flows (capex) cut at the
    axis with their value written."""
    totals = view.period_totals
    labels = list(totals["period"].astype(str))
    fig = Figure(figsize=(11, 8.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.25, 1])
    x = _period_starts(totals["period"])
    ends = _edges(totals["period"], view.months_per_period)
    flows = {t.name: totals[t.name].to_numpy(float) / 1e6 for t in TERMS}
    cash = sum(t.sign * flows[t.name] for t in TERMS)
    cumulative = np.append(0.0, np.cumsum(cash))  # at each period's start, and at the horizon's end
    discounted = np.append(0.0, np.cumsum(cash * totals["discount_factor"].to_numpy(float)))
    top.fill_between(ends, cumulative, 0, where=cumulative <= 0, interpolate=True, color=_BELOW_ZERO, alpha=0.15, lw=0,
                     label="out of pocket (cumulative cash flow below zero)")
    top.plot(ends, cumulative, color=_CUMULATIVE, lw=2.0, label="cumulative cash flow")
    top.plot(ends, discounted, color=_DISCOUNTED, lw=1.6, ls="--", label="cumulative discounted cash flow")
    top.axhline(0, color="black", lw=0.8)
    words, back = _payback(labels, cumulative[1:] * 1e6, f"{ends[-1] - pd.DateOffset(months=1):%Y-%m}")
    if back is not None:
        top.axvline(ends[back + 1], color=_CUMULATIVE, ls=":", lw=1.2)
        top.annotate(f"paid back in {labels[back]}", xy=(ends[back + 1], 0), xytext=(4, 6), textcoords="offset points",
                     fontsize=9)
    pv_is = "present value" if view.terminal_value_usd else "NPV"
    higher = cumulative[-1] >= discounted[-1]
    for values, color, text, above in ((cumulative, _CUMULATIVE, "undiscounted", higher),
                                       (discounted, _DISCOUNTED, pv_is, not higher)):
        top.annotate(f"{text} {musd(values[-1] * 1e6)}", xy=(ends[-1], values[-1]), xytext=(5, 2 if above else -2),
                     textcoords="offset points", va="bottom" if above else "top", fontsize=8.5, color=color)
    if view.terminal_value_usd:
        npv = discounted[-1] + view.terminal_value_usd / 1e6
        top.annotate("", xy=(ends[-1], npv), xytext=(ends[-1], discounted[-1]),
                     arrowprops={"arrowstyle": "->", "color": _TERMINAL, "lw": 1.5})
        top.plot([ends[-1]], [npv], marker="D", color=_TERMINAL, ls="none",
                 label=f"+ terminal value {musd(view.terminal_value_usd)} USD (present value)")
        top.annotate(f"NPV {musd(npv * 1e6)}", xy=(ends[-1], npv), xytext=(6, 0), textcoords="offset points",
                     va="center", fontsize=8.5, color=_TERMINAL, fontweight="bold")
    npv_is = "its end plus the terminal value is the NPV" if view.terminal_value_usd else "its end is the NPV"
    top.set_title(f"Cumulative cash flow from {labels[0]}; dashed: discounted to {labels[0]} ({npv_is})", loc="left",
                  fontsize=10, fontweight="bold")
    top.set_ylabel("M USD")
    top.legend(loc="best", fontsize=8.5, frameon=True, framealpha=0.9)
    _dates_axis(top)

    width = 25 * view.months_per_period
    up, down = np.zeros(len(totals)), np.zeros(len(totals))
    for term in TERMS:
        if not np.abs(flows[term.name]).max() > 0:
            continue  # a term that is zero throughout: no legend entry for it
        stack = up if term.sign > 0 else down
        bottom.bar(x, term.sign * flows[term.name], width=width, align="edge", bottom=stack,
                   color=_TERM_COLORS[term.name], label=f"{term.label} ({'+' if term.sign > 0 else MINUS})")
        stack += term.sign * flows[term.name]
    bottom.axhline(0, color="black", lw=0.8)
    operating = down + flows["capex_usd"]  # the costs without capex
    reach = max(float(up.max()), float(-operating.min()), 1e-6)
    floor = float(operating.min()) - 0.6 * reach
    cut = down < floor
    if cut.any():
        bottom.set_ylim(floor, float(up.max()) + 0.1 * reach)
        for at, value in zip(x[cut], flows["capex_usd"][cut]):
            bottom.annotate(f"capex {musd(value * 1e6)}", xy=(at + pd.Timedelta(days=width / 2), floor), xytext=(0, 3),
                            textcoords="offset points", rotation=90, ha="center", va="bottom", fontsize=8,
                            color="white", fontweight="bold")
    bottom.set_title(f"Cash flow per {view.period_word} by term: revenues up, costs down"
                     + (" (capex bars cut at the axis, their value written in them)" if cut.any() else ""),
                     loc="left", fontsize=10, fontweight="bold")
    bottom.set_ylabel(f"M USD per {view.period_word}")
    margin = max(1, round(0.18 * len(labels) * view.months_per_period))  # months of room for the end labels
    bottom.set_xlim(ends[0] - pd.DateOffset(days=10), ends[-1] + pd.DateOffset(months=margin))
    _dates_axis(bottom)
    capex = flows["capex_usd"] * 1e6
    biggest = int(capex.argmax())
    spent = f"{musd(capex.sum())} USD of capex" + (f" ({musd(capex[biggest])} in {labels[biggest]})"
                                                   if capex[biggest] < capex.sum() else f" in {labels[biggest]}")
    fig.suptitle(view.titled(f"Cash flow: {spent}\n{words}"), fontweight="bold")
    fig.legend(*bottom.get_legend_handles_labels(), loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    return fig


def _site_colors(sites: list[str]) -> dict[str, tuple]:
    """A colour per site, the same in every panel; neither mining orange nor AI blue."""
    palette = [colormaps["tab10"](i) for i in (2, 3, 4, 5, 6, 8, 9, 7)]
    palette += [colormaps["tab20"](i) for i in (5, 7, 9, 11, 13, 15, 17, 19, 4, 6, 8, 10)]
    return {site: palette[k % len(palette)] for k, site in enumerate(sites)}


def shadow_price_chart(view: PlanView) -> Figure:
    """Present value of one more unit of each limit that binds, per site and period: one panel per family that
    binds somewhere, lines only where and while it binds."""
    shadow = view.shadow_prices
    periods = pd.Series(sorted(shadow["period"].astype(str).unique()))
    span = _edges(periods, view.months_per_period)
    binding = {}
    for family in REPORTED_DUALS:
        rows = shadow[shadow["constraint"] == family]
        groups = [(site, group.sort_values("period")) for site, group in rows.groupby(
            rows["site"].astype(object).where(rows["site"].notna(), ""), sort=False)]
        found = [(site, group) for site, group in groups if group["shadow_price"].abs().max() > _BINDS]
        if found:
            binding[family] = found
    if not binding:
        fig = Figure(figsize=(10, 2.4), layout="constrained")
        limits = ", ".join(dual.label for dual in REPORTED_DUALS.values())
        words = (f"No shadow prices ({limits}): the solver gave none for this plan."
                 if shadow["shadow_price"].isna().all() else
                 f"No limit ({limits}) binds in any {view.period_word}:\none more unit of any of them would add "
                 "nothing to the NPV.")
        fig.text(0.5, 0.5, words, ha="center", va="center", fontsize=11)
        fig.suptitle(view.titled("Shadow prices: what one more unit of each limit is worth"), fontweight="bold")
        return fig
    colors = _site_colors(list(dict.fromkeys(s for found in binding.values() for s, _ in found if s)))
    few = {family: sum(int((g["shadow_price"].abs() > _BINDS).sum()) for _, g in found) <= 3
           for family, found in binding.items()}  # a few binding periods, values written: a lower panel will do
    heights = [1.6 if few[family] and not all(few.values()) else 3.1 for family in binding]
    fig = Figure(figsize=(11, sum(heights) + 1.6), layout="constrained")
    axes = fig.subplots(len(binding), 1, sharex=True, squeeze=False, height_ratios=heights).ravel()
    most = []
    for ax, (family, found) in zip(axes, binding.items()):
        dual = REPORTED_DUALS[family]
        top = max(float(group["shadow_price"].abs().max()) for _, group in found)
        for site, group in found:
            values = group["shadow_price"].to_numpy(float)
            # drawn only where the limit binds: below 0.1% of the panel's top a value is not a pixel above zero
            shown = np.where(np.abs(values) > 1e-3 * top, values, np.nan)
            edges = _edges(group["period"], view.months_per_period)
            ax.stairs(shown, edges, lw=2.0, baseline=None, color=colors.get(site, "#333333"),
                      label=site or "all sites")
            if few[family]:  # a few short segments in the panel: their values written beside them
                for k in np.flatnonzero(~np.isnan(shown)):
                    ax.annotate(f"{rounded(shown[k])} in {group['period'].iloc[k]}", xy=(edges[k + 1], shown[k]),
                                xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                                color=colors.get(site, "#333333"))
        site, group = max(found, key=lambda item: item[1]["shadow_price"].sum())
        most.append(f"{dual.label}{f' at {site}' if site else ''} {rounded(group['shadow_price'].sum())} {dual.unit}")
        ax.set_title(f"{dual.label.capitalize()}: {dual.meaning}", loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel(f"{dual.unit}, present value", fontsize=9)
        ax.set_ylim(min(0.0, *(float(g["shadow_price"].min()) for _, g in found)), 1.15 * top)
        ax.set_xlim(span[0], span[-1])
        if any(site for site, _ in found):
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8,
                      title="binds at", title_fontsize=8, ncols=-(-len(found) // 16))
        _dates_axis(ax)
    fig.suptitle(view.titled(
        f"Shadow prices: what one more unit for one {view.period_word} adds to the NPV (present value in "
        f"{periods.iloc[0]} USD)\nworth most, one more unit in every {view.period_word}: " + "; ".join(most)),
        fontweight="bold")
    return fig


def write_charts(tables: Mapping[str, pd.DataFrame], out_dir: Path, summary: Mapping) -> list[Path]:
    """Draw a plan's PNG charts into `out_dir` from its tables and summary (summary.json's content), each written
    atomically; a scenario plan adds its NPV distribution and MW by scenario. Returns their paths."""
    out_dir = Path(out_dir)
    view = plan_view(tables, summary)
    figures = dict(zip(CHART_FILES, (allocation_chart(view), revenue_mix_chart(view), cash_flow_chart(view),
                                     shadow_price_chart(view))))
    if view.scenarios:
        figures.update(zip(SCENARIO_CHART_FILES, (
            npv_distribution(summary["npv_by_scenario_usd"], summary["probability_by_scenario"],
                             summary["expected_npv_usd"], summary["cvar_usd"], summary["cvar_alpha"]),
            mw_by_scenario(tables["site_plan"], summary["probability_by_scenario"], summary["npv_by_scenario_usd"],
                           view.months_per_period, summary["commit_through"]))))
    paths = []
    for name, figure in figures.items():
        path = out_dir / name
        FigureCanvasAgg(figure)
        with atomic_file(path) as staging:
            figure.savefig(staging, format="png", dpi=_DPI, metadata={"Software": PNG_SOFTWARE})
        paths.append(path)
    return paths
