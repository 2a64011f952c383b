"""Sweep charts as PNG: a tornado of NPV swing per parameter and a heatmap of NPV over the two widest-swinging
parameters (drawn with matplotlib's Agg canvas, no display needed).

Tornado: for each parameter with two or more values, the mean NPV of the optimal scenarios at its lowest and at its
highest value (lowest and highest tenth for more than 25 distinct values), around the NPV of the case as given.
Heatmap: mean NPV per cell of the two parameters (other parameters averaged out); blank cells had no optimal plan.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..files import PNG_SOFTWARE, OutputFolder
from .layout import HEATMAP_PNG, TORNADO_PNG

_MANY = 25  # above this many distinct values a parameter is binned


@dataclass
class Swing:
    """NPV (USD) at the low and the high end of one parameter."""

    key: str
    low_value: float
    high_value: float
    low_npv_usd: float
    high_npv_usd: float

    @property
    def width_usd(self) -> float:
        return abs(self.high_npv_usd - self.low_npv_usd)


def _show(value: float, multiplier: bool) -> str:
    return f"x{value:g}" if multiplier else f"{value:g}"


def _axis_label(key: str, multipliers: Collection[str]) -> str:
    return key + (" (multiplier)" if key in multipliers else "")


def swings(frame: pd.DataFrame, keys: Sequence[str]) -> list[Swing]:
    """NPV swing of every parameter with two or more values among the optimal scenarios, widest first."""
    ok = frame[frame["status"] == "optimal"]
    out = []
    for key in keys:
        column = ok[key]
        values = column.dropna()
        if values.nunique() < 2:
            continue
        if values.nunique() <= _MANY:
            low, high = column == values.min(), column == values.max()
        else:
            low, high = column <= values.quantile(0.1), column >= values.quantile(0.9)
        out.append(Swing(key, float(column[low].mean()), float(column[high].mean()),
                         float(ok.loc[low, "npv_usd"].mean()), float(ok.loc[high, "npv_usd"].mean())))
    return sorted(out, key=lambda s: s.width_usd, reverse=True)


def tornado(frame: pd.DataFrame, keys: Sequence[str], base_npv_usd: float | None,
            multipliers: Collection[str] = ()) -> Figure | None:
    """The tornado chart; None if no parameter has two values with optimal plans."""
    bars = swings(frame, keys)[::-1]  # widest at the top
    if not bars:
        return None
    ok = frame.loc[frame["status"] == "optimal", "npv_usd"]
    center = (base_npv_usd if base_npv_usd is not None else float(ok.median())) / 1e6
    fig = Figure(figsize=(8, 1.2 + 0.55 * len(bars)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(bars))
    ax.barh(y, [b.low_npv_usd / 1e6 - center for b in bars], left=center, color="#4c72b0", label="at the low value")
    ax.barh(y, [b.high_npv_usd / 1e6 - center for b in bars], left=center, color="#dd8452", alpha=0.85,
            label="at the high value")
    ax.axvline(center, color="black", linewidth=1)
    ax.set_yticks(y, [f"{b.key}  {_show(b.low_value, b.key in multipliers)} .. "
                      f"{_show(b.high_value, b.key in multipliers)}" for b in bars])
    ax.set_xlabel("NPV, M USD" + (" (line: the case as given)" if base_npv_usd is not None else " (line: median)"))
    ax.set_title(f"NPV swing per parameter, {len(ok)} optimal scenarios")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def _bins(column: pd.Series) -> tuple[pd.Series, list[str]]:
    """Category of each row and the category labels: the values themselves, or 10 equal-width bins."""
    values = column.dropna()
    if values.nunique() <= _MANY:
        levels = sorted(values.unique())
        return column.map({v: i for i, v in enumerate(levels)}), [f"{v:g}" for v in levels]
    cut = pd.cut(column, 10)
    return cut.cat.codes.where(column.notna()), [f"{iv.mid:.3g}" for iv in cut.cat.categories]


def heatmap(frame: pd.DataFrame, keys: Sequence[str], multipliers: Collection[str] = ()) -> Figure | None:
    """The NPV heatmap over the two widest-swinging parameters; None if fewer than two vary."""
    top = [s.key for s in swings(frame, keys)[:2]]
    if len(top) < 2:
        return None
    x_key, y_key = top
    x, x_labels = _bins(frame[x_key])
    y, y_labels = _bins(frame[y_key])
    npv = frame["npv_usd"].where(frame["status"] == "optimal")
    grid = pd.DataFrame({"x": x, "y": y, "npv": npv}).dropna(subset=["x", "y"])
    cells = grid.groupby(["y", "x"])["npv"].mean().unstack().reindex(index=range(len(y_labels)),
                                                                     columns=range(len(x_labels)))
    values = cells.to_numpy(float) / 1e6
    fig = Figure(figsize=(max(6.0, 0.6 * len(x_labels) + 3), max(4.5, 0.45 * len(y_labels) + 2)), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, label="mean NPV, M USD")
    ax.set_xticks(range(len(x_labels)), x_labels, rotation=45, ha="right")
    ax.set_yticks(range(len(y_labels)), y_labels)
    ax.set_xlabel(_axis_label(x_key, multipliers))
    ax.set_ylabel(_axis_label(y_key, multipliers))
    others = len(keys) > 2
    ax.set_title(f"NPV over {x_key} and {y_key}" + (", other parameters averaged" if others else "")
                 + "; blank = no plan", fontsize="medium")
    if values.shape[0] <= 12 and values.shape[1] <= 12:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                bright = image.norm(v) > 0.6  # viridis is light at the top: dark text there
                ax.text(j, i, f"{v:,.0f}", ha="center", va="center", fontsize="x-small",
                        color="black" if bright else "white")
    return fig


def write_sweep_charts(frame: pd.DataFrame, keys: Sequence[str], folder: OutputFolder,
                       base_npv_usd: float | None = None, multipliers: Collection[str] = ()) -> list[Path]:
    """tornado.png and heatmap.png in the sweep's folder where the results allow them (a stale one of capopt's is
    removed), each written atomically and listed in the folder's manifest.

    `multipliers`: the parameter keys whose values multiply an input (shown as x0.5), the others are absolute.
    """
    figures = {TORNADO_PNG: tornado(frame, keys, base_npv_usd, multipliers),
               HEATMAP_PNG: heatmap(frame, keys, multipliers)}
    written = []
    for name, figure in figures.items():
        if figure is None:
            folder.remove(name)
            continue
        with folder.replacing(name) as staging:
            figure.savefig(staging, format="png", dpi=120, metadata={"Software": PNG_SOFTWARE})
        written.append(folder.path / name)
    return written
