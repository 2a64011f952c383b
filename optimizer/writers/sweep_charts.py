"""Sweep charts as PNG: a tornado of NPV swing per parameter and a heatmap of NPV over the two widest-swinging
parameters (drawn with matplotlib's Agg canvas, no display needed).

Tornado: for each parameter with two or more values, the NPV at its lowest and at its highest value with every other
parameter at its base value (1 for a multiplier, the input's value for an absolute one, a blank cell), around the NPV
of the base case. Where the sweep holds no such one-at-a-time scenarios for a parameter (a random sample, a grid that
leaves out another parameter's base) its bar is the mean NPV of the optimal scenarios at its lowest and highest value
(lowest and highest tenth for more than 25 distinct values), drawn hatched and said so.
Heatmap: NPV per cell of the two parameters, with the others at base where the sweep holds such scenarios (else
averaged); a cell without an optimal plan shows its status.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..files import PNG_SOFTWARE, OutputFolder
from .chart_style import Thousands, musd, rounded
from .layout import HEATMAP_PNG, TORNADO_PNG

_MANY = 25  # above this many distinct values a parameter is binned
_BELOW, _ABOVE, _RANGE, _BASE = "#c44e52", "#55a868", "#8c8c8c", "#222222"


@dataclass
class Swing:
    """NPV (USD) at the low and the high end of one parameter; an NPV is None where that scenario has no plan (its
    status says why). `one_at_a_time`: the other parameters at base; else means over the other parameters."""

    key: str
    low_value: float
    high_value: float
    low_npv_usd: float | None
    high_npv_usd: float | None
    one_at_a_time: bool
    low_status: str = "optimal"
    high_status: str = "optimal"
    binned: bool = False  # means over the lowest and highest tenth of many values

    def width_usd(self, base_npv_usd: float | None) -> float:
        """The NPV range the bar covers: between its ends, or from one end to the base where the other has no plan."""
        ends = [v for v in (self.low_npv_usd, self.high_npv_usd) if v is not None]
        if base_npv_usd is not None and self.one_at_a_time:
            ends.append(base_npv_usd)
        return max(ends) - min(ends) if ends else 0.0


def base_values(keys: Sequence[str], multipliers: Collection[str],
                given: Mapping[str, float] | None = None) -> dict[str, float]:
    """The base value of every key that has one: 1 for a multiplier, else as `given` (an absolute key's input
    value, where the inputs give it as one number)."""
    out = {key: 1.0 for key in keys if key in multipliers}
    out.update({key: float(value) for key, value in (given or {}).items() if key in keys})
    return out


def _at_base(column: pd.Series, base: float) -> pd.Series:
    """Rows where the parameter is at its base: the base value, or blank (as in the inputs)."""
    return column.isna() | np.isclose(column.astype(float), base, rtol=1e-9, atol=1e-12)


def _others_at_base(frame: pd.DataFrame, keys: Sequence[str], bases: Mapping[str, float],
                    free: Collection[str]) -> pd.Series | None:
    """Rows where every key not in `free` is at its base; None if one of them has no known base."""
    mask = pd.Series(True, index=frame.index)
    for key in keys:
        if key in free:
            continue
        if key not in bases:
            return None
        mask &= _at_base(frame[key], bases[key])
    return mask


def base_npv(frame: pd.DataFrame, keys: Sequence[str], bases: Mapping[str, float]) -> float | None:
    """The NPV of a scenario with every parameter at base, if the sweep holds one with a plan."""
    mask = _others_at_base(frame, keys, bases, ())
    if mask is None:
        return None
    rows = frame[mask & (frame["status"] == "optimal")]
    return float(rows["npv_usd"].iloc[0]) if len(rows) else None


def _end(rows: pd.DataFrame) -> tuple[float | None, str]:
    """NPV and status of the scenario(s) at one end: the first with a plan, else the first one's status."""
    ok = rows[rows["status"] == "optimal"]
    if len(ok):
        return float(ok["npv_usd"].iloc[0]), "optimal"
    return None, str(rows["status"].iloc[0])


def _conditional(frame: pd.DataFrame, key: str) -> Swing | None:
    """Mean NPV of the optimal scenarios at the lowest and at the highest value of `key` (tenths if many)."""
    ok = frame[frame["status"] == "optimal"]
    column = ok[key]
    values = column.dropna()
    if values.nunique() < 2:
        return None
    binned = values.nunique() > _MANY
    if binned:
        low, high = column <= values.quantile(0.1), column >= values.quantile(0.9)
    else:
        low, high = column == values.min(), column == values.max()
    return Swing(key, float(column[low].mean()), float(column[high].mean()), float(ok.loc[low, "npv_usd"].mean()),
                 float(ok.loc[high, "npv_usd"].mean()), one_at_a_time=False, binned=binned)


def swings(frame: pd.DataFrame, keys: Sequence[str], bases: Mapping[str, float],
           base_npv_usd: float | None = None) -> list[Swing]:
    """The NPV swing of every parameter with two or more values, widest first: one at a time (the other parameters
    at base) where the sweep holds such scenarios for two of its values, else the conditional means."""
    out = []
    for key in keys:
        if frame[key].dropna().nunique() < 2:
            continue
        mask = _others_at_base(frame, keys, bases, (key,))
        rows = frame[mask & frame[key].notna()] if mask is not None else frame.iloc[:0]
        if rows[key].nunique() >= 2:
            low, high = rows[key].min(), rows[key].max()
            (low_npv, low_status), (high_npv, high_status) = _end(rows[rows[key] == low]), _end(rows[rows[key] == high])
            out.append(Swing(key, float(low), float(high), low_npv, high_npv, True, low_status, high_status))
            continue
        fallback = _conditional(frame, key)
        if fallback is not None:
            out.append(fallback)
    return sorted(out, key=lambda s: s.width_usd(base_npv_usd), reverse=True)


def _show(value: float, multiplier: bool, rough: bool = False) -> str:
    """A parameter value as shown: x0.5 for a multiplier; `rough` (a mean or a bin's middle) to 3 digits."""
    text = f"{value:.3g}" if rough else f"{value:g}"
    return f"x{text}" if multiplier else text


def tornado(frame: pd.DataFrame, keys: Sequence[str], base_npv_usd: float | None,
            multipliers: Collection[str] = (), given_bases: Mapping[str, float] | None = None) -> Figure | None:
    """The tornado chart; None if no parameter has two values with plans.

    `base_npv_usd`: the NPV of the case as given, if known; else taken from a scenario with every parameter at base,
    if the sweep holds one. Without it the one-at-a-time bars span their two ends, with no base line."""
    bases = base_values(keys, multipliers, given_bases)
    center = base_npv_usd if base_npv_usd is not None else base_npv(frame, keys, bases)
    bars = swings(frame, keys, bases, center)[::-1]  # widest at the top
    if not bars:
        return None
    fig = Figure(figsize=(10, 2.6 + 0.6 * len(bars)), layout="constrained")
    ax = fig.add_subplot()
    labels: list[tuple[float, str, bool]] = []
    for y, bar in enumerate(bars):
        labels += _draw_swing(ax, y, bar, center if bar.one_at_a_time else None, bar.key in multipliers)
    ax.set_yticks(range(len(bars)), [b.key + ("\n(mean over the others)" if not b.one_at_a_time else "")
                                     for b in bars])
    ax.set_xlim(*_room_for(labels, [] if center is None else [center / 1e6]))
    ax.set_ylim(-0.7, len(bars) - 0.3)
    ax.xaxis.set_major_formatter(Thousands())
    ax.grid(True, axis="x", alpha=0.3)
    key = []
    if center is not None:
        ax.axvline(center / 1e6, color=_BASE, lw=1.6, zorder=3)
        ax.annotate(f"base case {musd(center)} USD", xy=(center / 1e6, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=9,
                    fontweight="bold", color=_BASE)
        key.append("red: NPV below the base case, green: above")
    if center is None or any(not b.one_at_a_time for b in bars):
        key.append("hatched: the range between the two ends")
    ax.set_xlabel(f"NPV, M USD ({'; '.join(key)})")
    widest = bars[-1]
    title = ("NPV swing, one parameter at a time (the others at their base value)" if all(b.one_at_a_time for b in bars)
             else "NPV swing per parameter (one at a time where the sweep allows)")
    fig.suptitle(f"{title}\n{widest.key} moves NPV most: {musd(widest.width_usd(center))} USD between its ends",
                 fontweight="bold", fontsize=11)
    notes = [_fallback_note(b, keys, bases) for b in bars[::-1] if not b.one_at_a_time]
    if center is None:
        notes.append("The base case (every parameter at base) is not among the scenarios: no base line.")
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=8, color="#444444", x=0.01, ha="left")
    return fig


def _room_for(labels: list[tuple[float, str, bool]], xs: list[float]) -> tuple[float, float]:
    """x limits (M USD) that hold every bar end and its label (text beside x, to the right or left), with the base
    line off the spines: each character takes about 0.9% of the axis width."""
    xs = xs + [x for x, _, _ in labels]
    low, high = min(xs), max(xs)
    span = max(high - low, abs(high) * 0.05, 1.0)
    left, right = low - 0.05 * span, high + 0.05 * span
    for _ in range(4):  # the width a label takes grows with the limits it widens
        width = right - left
        right = max([high + 0.05 * span] + [x + (0.009 * len(t) + 0.01) * width for x, t, r in labels if r])
        left = min([low - 0.05 * span] + [x - (0.009 * len(t) + 0.01) * width for x, t, r in labels if not r])
    return left, right


def _fallback_note(bar: Swing, keys: Sequence[str], bases: Mapping[str, float]) -> str:
    """Why a bar is a conditional mean, and what it is."""
    unknown = [k for k in keys if k != bar.key and k not in bases]
    why = (f"the base value of {', '.join(unknown)} is not known" if unknown
           else "the sweep holds no scenarios with it varied alone")
    which = "lowest and highest tenth of its values" if bar.binned else "lowest and highest value"
    return f"{bar.key}: {why}, so its bar is the mean NPV over the other parameters at its {which}."


def _draw_swing(ax, y: int, bar: Swing, center: float | None, multiplier: bool) -> list[tuple[float, str, bool]]:
    """One bar (M USD): from the base to each end, coloured by side, or the range between its ends (hatched); labels
    at the ends give the parameter value and the NPV, or the status of a scenario without a plan. Returns the labels
    as (x, text, to the right)."""
    ends = [(bar.low_value, bar.low_npv_usd, bar.low_status), (bar.high_value, bar.high_npv_usd, bar.high_status)]
    known = [npv / 1e6 for _, npv, _ in ends if npv is not None]
    mean = "" if bar.one_at_a_time else " (mean)"
    labels = []
    if center is None:
        ax.barh(y, max(known) - min(known), left=min(known), height=0.55, color="white", edgecolor=_RANGE,
                hatch="///", zorder=2)
        for value, npv, status in ends:
            shown = musd(npv) if npv is not None else f"{status}, no plan"
            text = f"{_show(value, multiplier, bar.binned)}{mean}: {shown}"
            x = npv / 1e6 if npv is not None else known[0]
            labels.append((x, text, x >= (min(known) + max(known)) / 2 if npv is not None else True))
    else:
        c = center / 1e6
        for value, npv, status in sorted(ends, key=lambda e: 0.0 if e[1] is None else -abs(e[1] - center)):
            if npv is None:  # no plan at this end: said on the side the other end does not use
                labels.append((c, f"{_show(value, multiplier)}: {status}, no plan", not known or known[0] < c))
                continue
            x = npv / 1e6
            longest = abs(x - c) >= max(abs(k - c) for k in known if (k - c) * (x - c) >= 0)
            ax.barh(y, x - c, left=c, height=0.55 if longest else 0.35, color=_BELOW if x < c else _ABOVE,
                    zorder=2)  # longest first: the other end, if on the same side, drawn thinner on top
            labels.append((x, f"{_show(value, multiplier)}: {musd(npv)}", x >= c))
    for x, text, right in labels:
        ax.annotate(text, xy=(x, y), xytext=(4 if right else -4, 0), textcoords="offset points", va="center",
                    ha="left" if right else "right", fontsize=8.5, zorder=4,
                    color="#555555" if "no plan" in text else "#222222")
    return labels


def _levels(column: pd.Series, multiplier: bool) -> tuple[pd.Series, list[str], list[float]]:
    """Category of each row, the category labels and their values: the values themselves, or 10 equal-width bins."""
    values = column.dropna()
    if values.nunique() <= _MANY:
        levels = sorted(values.unique())
        return column.map({v: i for i, v in enumerate(levels)}), [_show(v, multiplier) for v in levels], levels
    cut = pd.cut(column, 10)
    mids = [float(iv.mid) for iv in cut.cat.categories]
    return cut.cat.codes.where(column.notna()), [_show(m, multiplier, rough=True) for m in mids], mids


def _axis_label(key: str, multiplier: bool, binned: bool) -> str:
    parts = [*(["multiplier of the input"] if multiplier else []), *(["middle of each of 10 bins"] if binned else [])]
    return key + (f" ({', '.join(parts)})" if parts else "")


def heatmap(frame: pd.DataFrame, keys: Sequence[str], multipliers: Collection[str] = (),
            given_bases: Mapping[str, float] | None = None) -> Figure | None:
    """The NPV heatmap over the two widest-swinging parameters; None if fewer than two vary."""
    bases = base_values(keys, multipliers, given_bases)
    top = [s.key for s in swings(frame, keys, bases, base_npv(frame, keys, bases))[:2]]
    if len(top) < 2:
        return None
    x_key, y_key = top
    others = [k for k in keys if k not in top]
    mask = _others_at_base(frame, keys, bases, top) if others else pd.Series(True, index=frame.index)
    at_base = mask is not None and bool(mask.any()) and bool(others)
    rows = frame[mask] if at_base else frame
    x, x_labels, x_levels = _levels(rows[x_key], x_key in multipliers)
    y, y_labels, y_levels = _levels(rows[y_key], y_key in multipliers)
    grid = pd.DataFrame({"x": x, "y": y, "npv": rows["npv_usd"].where(rows["status"] == "optimal"),
                         "status": rows["status"]}).dropna(subset=["x", "y"])
    shape = dict(index=range(len(y_labels)), columns=range(len(x_labels)))
    values = grid.groupby(["y", "x"])["npv"].mean().unstack().reindex(**shape).to_numpy(float) / 1e6
    statuses = grid.groupby(["y", "x"])["status"].first().unstack().reindex(**shape)
    fig = Figure(figsize=(max(7.5, 0.75 * len(x_labels) + 3.5), max(4.8, 0.5 * len(y_labels) + 2.4)),
                 layout="constrained")
    ax = fig.add_subplot()
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm: Normalize
    if low < 0 < high:  # red below zero, green above: the sign of NPV is what a reader looks for first
        cmap, norm = colormaps["RdYlGn"], TwoSlopeNorm(0.0, low, high)
    else:
        cmap, norm = colormaps["viridis"], Normalize(low, high if high > low else low + 1)
    image = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap=cmap, norm=norm)
    fig.colorbar(image, ax=ax, label="NPV, M USD" + ("" if at_base or not others else " (mean over the others)"),
                 format=Thousands())
    ax.set_xticks(range(len(x_labels)), x_labels, rotation=45 if len(x_labels) > 12 else 0,
                  ha="right" if len(x_labels) > 12 else "center")
    ax.set_yticks(range(len(y_labels)), y_labels)
    x_binned, y_binned = len(x_labels) < rows[x_key].nunique(), len(y_labels) < rows[y_key].nunique()
    ax.set_xlabel(_axis_label(x_key, x_key in multipliers, x_binned))
    ax.set_ylabel(_axis_label(y_key, y_key in multipliers, y_binned))
    base_cell = _base_cell(x_levels, y_levels, bases.get(x_key), bases.get(y_key)) if at_base or not others else None
    labelled = values.shape[0] <= 12 and values.shape[1] <= 12
    if labelled:
        for (i, j), v in np.ndenumerate(values):
            note = "\nbase case" if (i, j) == base_cell else ""
            if np.isfinite(v):
                r, g, b, _ = cmap(norm(v))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                ax.text(j, i, f"{rounded(v)}{note}", ha="center", va="center", fontsize=9,
                        color="white" if dark else "black", fontweight="bold" if note else "normal")
            elif isinstance(statuses.iloc[i, j], str):
                ax.text(j, i, f"{statuses.iloc[i, j]}{note}", ha="center", va="center", fontsize=8.5,
                        color="#555555", style="italic")
    if base_cell is not None:
        i, j = base_cell
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", lw=2.2, zorder=3))
    binned = x_binned or y_binned
    answer = f"from {musd(low * 1e6)} to {musd(high * 1e6)} USD" if finite.size else "no scenario has a plan"
    notes = ([f"{', '.join(others)} at base" if at_base else f"averaged over {', '.join(others)}"] if others else [])
    blanks = [*(["no plan"] if (np.isnan(values) & statuses.notna().to_numpy()).any() and not labelled else []),
              *(["no scenario"] if statuses.isna().to_numpy().any() else [])]
    notes += [f"blank: {' or '.join(blanks)}"] if blanks else []
    ax.set_title(f"{'Mean NPV of the scenarios in each cell' if binned else 'NPV'} over {x_key} and {y_key}: {answer}"
                 + (f"\n{'; '.join(notes)}" if notes else ""), fontsize=10, fontweight="bold")
    return fig


def _base_cell(x_levels: list[float], y_levels: list[float], x_base: float | None,
               y_base: float | None) -> tuple[int, int] | None:
    """(row, column) of the base case's cell, where both parameters have their base among the levels."""
    if x_base is None or y_base is None:
        return None
    i = next((k for k, v in enumerate(y_levels) if np.isclose(v, y_base)), None)
    j = next((k for k, v in enumerate(x_levels) if np.isclose(v, x_base)), None)
    return None if i is None or j is None else (i, j)


def write_sweep_charts(frame: pd.DataFrame, keys: Sequence[str], folder: OutputFolder,
                       base_npv_usd: float | None = None, multipliers: Collection[str] = (),
                       given_bases: Mapping[str, float] | None = None) -> list[Path]:
    """tornado.png and heatmap.png in the sweep's folder where the results allow them (a stale one of capopt's is
    removed), each written atomically and listed in the folder's manifest.

    `base_npv_usd`: the NPV of the case as given, if known (else found among the scenarios). `multipliers`: the
    keys whose values multiply an input (shown as x0.5, base 1); `given_bases`: the base value of absolute keys
    whose input is one number (e.g. set:discount_rate), without which their base is only a blank cell.
    """
    figures = {TORNADO_PNG: tornado(frame, keys, base_npv_usd, multipliers, given_bases),
               HEATMAP_PNG: heatmap(frame, keys, multipliers, given_bases)}
    written = []
    for name, figure in figures.items():
        if figure is None:
            folder.remove(name)
            continue
        with folder.replacing(name) as staging:
            figure.savefig(staging, format="png", dpi=120, metadata={"Software": PNG_SOFTWARE})
        written.append(folder.path / name)
    return written
