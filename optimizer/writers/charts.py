"""PNG charts of a plan (matplotlib figures on the Agg canvas: no display, no pyplot state): allocation per
site, revenue mix, shadow prices.

`write_charts` draws from the plan tables (as in memory or as read back from a plan folder), so `capopt plot`
can redraw a saved plan without solving again.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from ..files import PNG_SOFTWARE, atomic_file
from .layout import CHART_FILES
_MINING, _AI, _BUILD, _SPOT, _CROSS = "#f7931a", "#1f77b4", "#9ecae9", "#17becf", "#444444"
_DPI = 120


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
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.6g}"))
    ax.grid(True, axis="y", alpha=0.3)


def _allocation(site_periods: pd.DataFrame, months_per_period: int) -> Figure:
    """Stacked IT MW per site: mining installed, AI ready, AI under construction; AI delivered as a line."""
    sites = list(dict.fromkeys(site_periods["site"]))
    ncols = 1 if len(sites) <= 3 else 2 if len(sites) <= 8 else 3
    nrows = -(-len(sites) // ncols)
    fig = Figure(figsize=(7.5 * ncols, 2.6 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, site in zip(axes, sites):
        rows = site_periods[site_periods["site"] == site].sort_values("period")
        x = _edges(rows["period"], months_per_period)
        layers = [_steps(rows[c]) for c in ("mining_installed_mw", "ai_ready_mw", "ai_under_construction_mw")]
        ax.stackplot(x, *layers, step="post", colors=[_MINING, _AI, _BUILD],
                     labels=["mining installed", "AI ready", "AI under construction"])
        delivered = rows["ai_contract_mw"] + rows["ai_spot_mw"]
        ax.step(x, _steps(delivered), where="post", color="black", lw=1.0, ls="--", label="AI delivered")
        ax.set_title(str(site), loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel("IT MW")
        ax.set_xlim(x[0], x[-1])
        _dates_axis(ax)
    for ax in axes[len(sites):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    fig.suptitle("IT MW allocation per site over time", fontweight="bold")
    return fig


def _revenue_mix(totals: pd.DataFrame, crossover: str | None, months_per_period: int) -> Figure:
    """Revenue per period by source (stacked bars, M USD) with the crossover period marked."""
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.subplots()
    x = _period_starts(totals["period"])
    width = 25 * months_per_period
    mining = totals["mining_revenue_usd"].to_numpy(float) / 1e6
    contract = totals["contract_revenue_usd"].to_numpy(float) / 1e6
    spot = totals["spot_revenue_usd"].to_numpy(float) / 1e6
    ax.bar(x, mining, width=width, align="edge", color=_MINING, label="mining")
    ax.bar(x, contract, width=width, align="edge", bottom=mining, color=_AI, label="AI contracts")
    ax.bar(x, spot, width=width, align="edge", bottom=mining + contract, color=_SPOT, label="AI spot")
    if crossover:
        at = _period_starts(pd.Series([crossover]))[0]
        ax.axvline(at, color=_CROSS, ls="--", lw=1.2)
        ax.annotate(f"AI revenue > mining from {crossover}", xy=(at, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", va="top", fontsize=9, color=_CROSS)
        title = f"Revenue mix per period: AI overtakes mining in {crossover}"
    else:
        title = "Revenue mix per period: AI never overtakes mining in this horizon"
    ax.set_title(title, fontweight="bold")
    ax.set_ylim(0, max(float((mining + contract + spot).max()), 1e-6) * 1.1)  # room above for the note
    ax.set_ylabel("M USD per period")
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    _dates_axis(ax)
    return fig


def _shadow_prices(shadow: pd.DataFrame, months_per_period: int) -> Figure:
    """Value in its own period of one more facility MW and one more sqft, per site where it binds (and of the
    budget, if it binds)."""
    panels = [("power", "USD per facility MW for that period"), ("floor_space", "USD per sqft for that period")]
    budget = shadow[shadow["constraint"] == "capex_budget"]
    if len(budget) and budget["shadow_price"].abs().max() > 1e-9:
        panels.append(("capex_budget", "USD (present value) per budget USD"))
    fig = Figure(figsize=(10, 3.0 * len(panels) + 0.8), layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False).ravel()
    labels = pd.Series(sorted(shadow["period"].astype(str).unique()))
    span = _edges(labels, months_per_period)
    for ax, (constraint, unit) in zip(axes, panels):
        rows = shadow[shadow["constraint"] == constraint]
        column = "shadow_price" if constraint == "capex_budget" else "shadow_price_in_period_usd"
        groups = [("all sites", rows)] if constraint == "capex_budget" else rows.groupby("site", sort=False)
        binding = [(site, group.sort_values("period")) for site, group in groups
                   if group[column].abs().max() > 1e-9]  # sites where the limit never binds add only a zero line
        for site, group in binding:
            ax.step(_edges(group["period"], months_per_period), _steps(group[column]), where="post", lw=1.6,
                    label=str(site))
        ax.set_title({"power": "Power", "floor_space": "Floor space", "capex_budget": "Capex budget"}[constraint],
                     loc="left", fontsize=10, fontweight="bold")
        ax.set_ylabel(unit, fontsize=8)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_xlim(span[0], span[-1])
        if not binding:
            ax.text(0.5, 0.75, "does not bind in any period", transform=ax.transAxes, ha="center", va="center",
                    color="grey")
        elif len(binding) <= 10:
            ax.legend(loc="upper right", frameon=False, fontsize=8)
        else:  # many sites: the legend goes beside the panel
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=7,
                      ncols=-(-len(binding) // 16))
        _dates_axis(ax)
    fig.suptitle("Shadow prices: what one more unit of each limit is worth", fontweight="bold")
    return fig


def write_charts(tables: dict[str, pd.DataFrame], out_dir: Path, *, months_per_period: int,
                 crossover_period: str | None) -> list[Path]:
    """Draw the three PNG charts of a plan's tables into `out_dir`, each written atomically; returns their paths."""
    out_dir = Path(out_dir)
    months = int(months_per_period)
    figures = dict(zip(CHART_FILES, (
        _allocation(tables["site_periods"], months),
        _revenue_mix(tables["period_totals"], crossover_period, months),
        _shadow_prices(tables["shadow_prices"], months),
    )))
    paths = []
    for name, figure in figures.items():
        path = out_dir / name
        FigureCanvasAgg(figure)
        with atomic_file(path) as staging:
            figure.savefig(staging, format="png", dpi=_DPI, metadata={"Software": PNG_SOFTWARE})
        paths.append(path)
    return paths
