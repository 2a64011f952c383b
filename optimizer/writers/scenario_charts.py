"""Charts of plans under uncertainty (matplotlib on the Agg canvas): the NPV distribution of a scenario plan with its
expected value and CVaR, IT MW to mining and AI per scenario, and the risk frontier."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .chart_style import AI, MINING, Thousands, musd

_EXPECTED, _CVAR = "#2ca02c", "#d62728"
_GAIN, _LOSS, _TAIL = "#5b6770", "#c44e52", "#e8a2a4"
_BARS_UP_TO = 40  # more scenarios than this: a histogram of NPV, weighted by probability
_NAMED_UP_TO = 12  # more scenarios than this: lines coloured by NPV with a colour bar instead of a legend


def tail_shares(npv_usd: np.ndarray, probability: np.ndarray, alpha: float) -> np.ndarray:
    """The share of each scenario's probability that lies in the worst (1 - alpha) of outcomes (the scenarios the
    CVaR averages; the one at the edge in part)."""
    shares = np.zeros(len(npv_usd))
    taken = 0.0
    for w in np.argsort(npv_usd, kind="stable"):
        shares[w] = max(0.0, min(probability[w], (1.0 - alpha) - taken))
        taken += shares[w]
    return shares


def npv_distribution(npv_by_scenario_usd: Mapping[str, float], probability_by_scenario: Mapping[str, float],
                     expected_npv_usd: float, cvar_usd: float, cvar_alpha: float) -> Figure:
    """NPV per scenario as bars, worst at the top, labelled with NPV and probability, the scenarios the CVaR averages
    shaded; lines at the expected NPV and the CVaR. More than 40 scenarios: a histogram weighted by probability."""
    names = sorted(npv_by_scenario_usd, key=lambda n: npv_by_scenario_usd[n])
    npv = np.array([npv_by_scenario_usd[n] for n in names], dtype=float)
    p = np.array([probability_by_scenario[n] for n in names], dtype=float)
    tail = tail_shares(npv, p, cvar_alpha)
    worst = f"worst {1 - cvar_alpha:.0%}"
    many = len(names) > _BARS_UP_TO
    fig = Figure(figsize=(10, 4.8 if many else max(3.6, 2.2 + 0.36 * len(names))), layout="constrained")
    ax = fig.add_subplot()
    if many:
        edges = np.histogram_bin_edges(npv / 1e6, bins=min(30, len(names) // 3)).tolist()
        ax.hist(npv / 1e6, bins=edges, weights=100 * p, color=_GAIN, label="probability of the scenarios in the bin")
        ax.hist(npv / 1e6, bins=edges, weights=100 * tail, color=_LOSS, label=f"of which in the {worst}")
        ax.set_ylabel("probability, %")
        ax.set_xlabel("NPV, M USD")
    else:
        y = np.arange(len(names))[::-1]
        in_tail = tail > 1e-12
        ax.barh(y, npv / 1e6, height=0.7, color=np.where(npv < 0, _LOSS, _GAIN), zorder=2)
        ax.barh(y[in_tail], npv[in_tail] / 1e6, height=0.7, color="none", edgecolor=_CVAR, hatch="////", lw=0,
                zorder=2)
        span = max(float(np.abs(npv).max()), 1.0) / 1e6
        for yi, value, prob, share in zip(y, npv / 1e6, p, tail):
            right = value >= 0
            part = f", {share:.1%} of it in the {worst}" if 1e-12 < share < prob - 1e-12 else ""
            ax.annotate(f"{musd(value * 1e6)} ({prob:.1%}{part})", xy=(value, yi), va="center",
                        ha="left" if right else "right", fontsize=8, color="#333333", zorder=4,
                        xytext=(3 if right else -3, 0), textcoords="offset points",
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        low, high = min(0.0, float(npv.min()) / 1e6), max(0.0, float(npv.max()) / 1e6)
        ax.set_xlim(low - (0.22 * span if low < 0 else 0.02 * span), high + (0.22 * span if high > 0 else 0.02 * span))
        ax.set_yticks(y, names)
        ax.set_xlabel("NPV, M USD (labels: NPV and probability of the scenario)")
        ax.set_ylim(-0.6, len(names) - 0.4)
    ax.axvline(expected_npv_usd / 1e6, color=_EXPECTED, lw=2, zorder=3,
               label=f"expected NPV {musd(expected_npv_usd)} USD")
    ax.axvline(cvar_usd / 1e6, color=_CVAR, lw=2, ls="--", zorder=3,
               label=f"CVaR: mean NPV of the {worst}, {musd(cvar_usd)} USD")
    ax.axvline(0, color="grey", lw=0.8)
    ax.xaxis.set_major_formatter(Thousands())
    ax.grid(True, axis="x", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if not many:
        handles.append(Patch(facecolor=_GAIN, edgecolor=_CVAR, hatch="////", lw=0))
        labels.append(f"scenarios the CVaR averages (the {worst} of outcomes by probability)")
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8.5, frameon=False)
    below = float(p[npv < 0].sum())
    fig.suptitle(f"NPV by scenario: expected {musd(expected_npv_usd)} USD, the {worst} average {musd(cvar_usd)} USD"
                 f"\n{len(names)} scenarios, from {musd(npv.min())} to {musd(npv.max())} USD; "
                 + (f"probability of a negative NPV {below:.0%}" if below else "no scenario has a negative NPV"),
                 fontweight="bold")
    return fig


def mw_by_scenario(site_plan: pd.DataFrame, probability_by_scenario: Mapping[str, float],
                   npv_by_scenario_usd: Mapping[str, float], months_per_period: int, commit_through: str) -> Figure:
    """IT MW of ASICs installed and of AI ready, all sites, per period and scenario (coloured from worst to best NPV),
    with the probability-weighted mean and the committed window (the same in every scenario) shaded."""
    names = sorted(npv_by_scenario_usd, key=lambda n: npv_by_scenario_usd[n])
    scenario = site_plan["scenario"].astype(str)  # names read back from a CSV may have turned into numbers
    totals = site_plan.groupby([scenario, "period"], sort=True)[["mining_installed_mw", "ai_ready_mw"]].sum()
    periods = sorted(site_plan["period"].astype(str).unique())
    starts = pd.DatetimeIndex(pd.to_datetime([f"{p}-01" for p in periods], format="%Y-%m-%d"))
    edges = starts.append(pd.DatetimeIndex([starts[-1] + pd.DateOffset(months=months_per_period)]))
    npv = np.array([npv_by_scenario_usd[n] for n in names]) / 1e6
    norm = Normalize(float(npv.min()), float(npv.max()) if npv.max() > npv.min() else float(npv.min()) + 1)
    cmap = colormaps["viridis"]
    named = len(names) <= _NAMED_UP_TO
    # named: evenly spaced by NPV rank, so that neighbours differ; else by NPV value, read on a colour bar
    colors = cmap(np.linspace(0.0, 0.9, len(names))) if named else cmap(norm(npv))
    fig = Figure(figsize=(13 if named else 12, 5.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    committed_end = pd.Timestamp(f"{commit_through}-01") + pd.DateOffset(months=months_per_period)
    ends: dict[str, list[float]] = {}
    for ax, column, title in ((axes[0], "mining_installed_mw", "Mining: ASIC IT MW installed, all sites"),
                              (axes[1], "ai_ready_mw", "AI: IT MW ready, all sites")):
        ax.axvspan(edges[0], committed_end, color="#eeeeee", lw=0)
        ax.annotate(f"committed through {commit_through}:\nthe same in every scenario", xy=(edges[0], 1.0),
                    xycoords=("data", "axes fraction"), xytext=(4, -4), textcoords="offset points", va="top",
                    fontsize=8, color="#555555", zorder=5,
                    bbox={"boxstyle": "square,pad=0.2", "facecolor": "#eeeeee", "edgecolor": "none", "alpha": 0.85})
        mean = np.zeros(len(periods))
        for name, value, color in zip(names, npv, colors):
            rows = totals.loc[name].reindex(periods)[column].to_numpy(float)
            mean += probability_by_scenario[name] * rows
            ax.stairs(rows, edges, baseline=None, color=color, lw=1.2 + 4.0 * probability_by_scenario[name],
                      label=f"{name} ({probability_by_scenario[name]:.0%}, NPV {musd(value * 1e6)})")
            ends.setdefault(column, []).append(rows[-1])
        ax.stairs(mean, edges, baseline=None, color="black", lw=1.6, ls="--", label="probability-weighted mean")
        ax.set_title(title, loc="left", fontweight="bold", fontsize=10)
        ax.set_xlim(edges[0], edges[-1])
        locator = AutoDateLocator(minticks=4, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.grid(True, alpha=0.3)
    axes[0].set_ylim(0, 1.08 * max(max(totals[c].max() for c in ends), 1.0))
    axes[0].set_ylabel("IT MW (same scale in both panels)")
    if named:
        axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False,
                       title="scenario (probability, NPV)\nworst to best; thicker = more probable", title_fontsize=8)
    else:
        fig.colorbar(ScalarMappable(norm, cmap), ax=axes, label="NPV of the scenario, M USD",
                     format=Thousands())
        mean_line = [h for h, label in zip(*axes[1].get_legend_handles_labels()) if label.startswith("probability")]
        fig.legend(mean_line, ["probability-weighted mean of the scenarios"], loc="outside lower center",
                   frameon=False, fontsize=8)
    last = periods[-1]
    spread = "; ".join(f"{word} {min(ends[c]):,.0f} to {max(ends[c]):,.0f} MW" if max(ends[c]) - min(ends[c]) > 0.5
                       else f"{word} {max(ends[c]):,.0f} MW in every scenario"
                       for word, c in (("mining", "mining_installed_mw"), ("AI ready", "ai_ready_mw")))
    fig.suptitle(f"How the plan adapts to each scenario after {commit_through}\nin {last}: {spread}",
                 fontweight="bold")
    return fig


def frontier_chart(points: pd.DataFrame, committed: pd.DataFrame, cvar_alpha: float) -> Figure:
    """Left: expected NPV against CVaR, one point per risk weight, each labelled with both. Right: the IT MW
    committed now at each weight (AI builds started, ASICs bought and retired through the commitment period), with
    the optional contracts signed."""
    worst = f"worst {1 - cvar_alpha:.0%}"
    fig = Figure(figsize=(12, 5.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    ok = points.dropna(subset=["expected_npv_usd", "cvar_usd"]).sort_values("weight")
    left.plot(ok["cvar_usd"] / 1e6, ok["expected_npv_usd"] / 1e6, marker="o", color="#333333", zorder=3)
    for row in ok.itertuples(index=False):
        left.annotate(f"weight {row.weight:g}\nexpected {musd(row.expected_npv_usd)}, CVaR {musd(row.cvar_usd)}",
                      (row.cvar_usd / 1e6, row.expected_npv_usd / 1e6), fontsize=8, xytext=(6, 4),
                      textcoords="offset points", bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                                                        "edgecolor": "none", "alpha": 0.85})
    left.margins(x=0.35, y=0.15)  # room for the labels beside the points
    left.xaxis.set_major_formatter(Thousands())
    left.yaxis.set_major_formatter(Thousands())
    left.set_xlabel(f"CVaR: mean NPV of the {worst} of outcomes, M USD (better \u2192)")
    left.set_ylabel("expected NPV, M USD (better \u2191)")
    left.set_title("Expected NPV against the bad case, one point per weight", loc="left", fontsize=10,
                   fontweight="bold")
    left.grid(True, alpha=0.3)
    weights = list(points["weight"])
    x = np.arange(len(weights))
    decisions = ("start AI build", "buy ASICs", "retire ASICs")
    width = 0.8 / len(decisions)
    for k, (decision, color) in enumerate(zip(decisions, (AI, MINING, "#7f7f7f"))):
        mw = [float(committed.loc[(committed["weight"] == w) & (committed["decision"] == decision), "mw"].sum())
              if len(committed) else 0.0 for w in weights]
        bars = right.bar(x + (k - 1) * width, mw, width, color=color, label=decision)
        right.bar_label(bars, [f"{v:,.0f}" if v > 0 else "" for v in mw], fontsize=7, padding=2)
    status = dict(zip(points["weight"], points["status"]))
    labels = [f"{w:g}" + ("" if status[w] == "optimal" else f"\n({status[w]}, no plan)") for w in weights]
    signed = [sorted(committed.loc[(committed["weight"] == w) & (committed["decision"] == "sign contract"),
                                   "contract"].astype(str)) if len(committed) else [] for w in weights]
    if any(signed):
        labels = [f"{text}\nsigns {', '.join(s) if s else 'nothing'}" for text, s in zip(labels, signed)]
    right.set_xticks(x, labels, fontsize=8)
    right.set_xlabel("CVaR weight in the objective (0: expected NPV only, 1: CVaR only)")
    right.set_ylabel("IT MW committed now")
    right.set_ylim(top=right.get_ylim()[1] * 1.08)  # room for the bar labels
    right.set_title("Committed now, the same in every scenario", loc="left", fontsize=10, fontweight="bold")
    fig.legend(*right.get_legend_handles_labels(), loc="outside lower right", ncols=3, fontsize=8, frameon=False)
    right.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"Risk frontier: how much expected NPV it costs to protect the {worst}\n" + _trade(ok),
                 fontweight="bold")
    return fig


def _trade(points: pd.DataFrame) -> str:
    """The frontier's answer in words: what moving from the lowest to the highest weight gains and gives up."""
    if len(points) < 2:
        return "one weight solved: no trade-off to show"
    first, last = points.iloc[0], points.iloc[-1]
    cvar = last["cvar_usd"] - first["cvar_usd"]
    expected = last["expected_npv_usd"] - first["expected_npv_usd"]
    return (f"weight {first['weight']:g} \u2192 {last['weight']:g}: CVaR {'+' if cvar >= 0 else ''}{musd(cvar)} USD, "
            f"expected NPV {'+' if expected >= 0 else ''}{musd(expected)} USD")
