"""Charts of plans under uncertainty (matplotlib on the Agg canvas): the NPV distribution of a scenario plan with its
expected value and CVaR, IT MW to mining and AI per scenario, and the risk frontier."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

SCENARIO_CHART_FILES = ("npv_distribution.png", "mw_by_scenario.png")
_MINING, _AI, _EXPECTED, _CVAR = "#f7931a", "#1f77b4", "#2ca02c", "#d62728"


def npv_distribution(npv_by_scenario_usd: dict[str, float], probability_by_scenario: dict[str, float],
                     expected_npv_usd: float, cvar_usd: float, cvar_alpha: float) -> Figure:
    """One bar per scenario, worst at the top, its length the NPV and its label the probability; lines at the
    expected NPV and the CVaR (the mean of the worst 1 - alpha)."""
    names = sorted(npv_by_scenario_usd, key=npv_by_scenario_usd.get)  # type: ignore[arg-type]
    npv = np.array([npv_by_scenario_usd[n] for n in names]) / 1e6
    p = np.array([probability_by_scenario[n] for n in names])
    fig = Figure(figsize=(9, 1.6 + 0.38 * len(names)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    colors = np.where(npv < 0, "#c44e52", "#4c72b0")
    ax.barh(y, npv, color=colors, height=0.7)
    for yi, value, prob in zip(y, npv, p):
        ax.annotate(f" {prob:.1%}", xy=(value, yi), va="center", ha="left" if value >= 0 else "right",
                    fontsize=8, color="#333333", xytext=(3 if value >= 0 else -3, 0), textcoords="offset points")
    ax.axvline(expected_npv_usd / 1e6, color=_EXPECTED, lw=2, label=f"expected NPV {expected_npv_usd / 1e6:,.0f} M")
    ax.axvline(cvar_usd / 1e6, color=_CVAR, lw=2, ls="--",
               label=f"CVaR, mean of the worst {1 - cvar_alpha:.0%}: {cvar_usd / 1e6:,.0f} M")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel("NPV, M USD (labels: probability of the scenario)")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax.set_title("NPV by scenario of the plan that commits now and adapts later", fontweight="bold")
    return fig


def mw_by_scenario(scenario_years: pd.DataFrame) -> Figure:
    """Mean IT MW to mining and AI per year, one line per scenario (coloured from worst to best NPV order given)."""
    names = list(dict.fromkeys(scenario_years["scenario"]))
    colors = colormaps["viridis"](np.linspace(0.05, 0.9, max(len(names), 2)))
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, column, title in ((axes[0], "mining_installed_mw", "Mining: ASIC IT MW installed"),
                              (axes[1], "ai_ready_mw", "AI: IT MW ready")):
        for color, name in zip(colors, names):
            rows = scenario_years[scenario_years["scenario"] == name]
            ax.plot(rows["year"].astype(int), rows[column], marker="o", ms=3, lw=1.4, color=color,
                    label=f"{name} ({rows['probability'].iloc[0]:.0%})")
        ax.set_title(title, loc="left", fontweight="bold", fontsize=10)
        ax.set_xlabel("year (mean over its periods)")
        ax.xaxis.set_major_locator(_year_locator(scenario_years))
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("IT MW (same scale in both panels)")
    axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False, title="scenario (p)")
    fig.suptitle("How the plan adapts in each scenario after the commitment", fontweight="bold")
    return fig


def _year_locator(scenario_years: pd.DataFrame):
    from matplotlib.ticker import FixedLocator

    return FixedLocator(sorted(scenario_years["year"].astype(int).unique()))


def frontier_chart(points: pd.DataFrame, committed: pd.DataFrame) -> Figure:
    """Left: expected NPV against CVaR, one point per risk weight. Right: the MW committed at each weight (AI builds
    started, ASICs bought and retired through the commitment period)."""
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    ok = points.dropna(subset=["expected_npv_usd", "cvar_usd"])
    left.plot(ok["cvar_usd"] / 1e6, ok["expected_npv_usd"] / 1e6, marker="o", color=_AI)
    for row in ok.itertuples(index=False):
        left.annotate(f"weight {row.weight:g}", (row.cvar_usd / 1e6, row.expected_npv_usd / 1e6), fontsize=8,
                      xytext=(5, 4), textcoords="offset points")
    left.set_xlabel("CVaR (mean NPV of the worst outcomes), M USD")
    left.set_ylabel("expected NPV, M USD")
    left.set_title("Risk frontier: giving up expected NPV to protect the bad case", loc="left", fontsize=10,
                   fontweight="bold")
    left.grid(True, alpha=0.3)
    weights = list(points["weight"])
    x = np.arange(len(weights))
    decisions = ("start AI build", "buy ASICs", "retire ASICs")
    width = 0.8 / len(decisions)
    for k, (decision, color) in enumerate(zip(decisions, (_AI, _MINING, "#7f7f7f"))):
        mw = [committed.loc[(committed["weight"] == w) & (committed["decision"] == decision), "mw"].sum()
              if len(committed) else 0.0 for w in weights]
        right.bar(x + (k - 1) * width, mw, width, color=color, label=decision)
    right.set_xticks(x, [f"{w:g}" for w in weights])
    right.set_xlabel("CVaR weight in the objective")
    right.set_ylabel("IT MW committed now")
    right.set_title("What is committed now, by weight", loc="left", fontsize=10, fontweight="bold")
    right.legend(fontsize=8, frameon=False)
    right.grid(True, axis="y", alpha=0.3)
    return fig
