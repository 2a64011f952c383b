"""Fan chart of the simulated paths with the kept scenarios (matplotlib Figure on Agg, no pyplot state)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, StrMethodFormatter

from ..futures.history import monthly_history
from ..futures.reduce import Reduced, scenario_hashprice
from ..futures.simulate import Paths
from ..horizon import Horizon

_BAND_OUTER, _BAND_INNER, _MEDIAN, _MEAN, _HALVING = "#c6dbef", "#6baed6", "#08306b", "#000000", "#b2182b"


def _usd(value: float, _pos: object = None) -> str:
    if value >= 1e6:
        return f"${value / 1e6:,.3g}M"
    if value >= 1e3:
        return f"${value / 1e3:,.3g}k"
    return f"${value:,.3g}"


def _edges(horizon: Horizon) -> pd.DatetimeIndex:
    starts = pd.DatetimeIndex(pd.to_datetime([f"{label}-01" for label in horizon.labels], format="%Y-%m-%d"))
    return starts.append(pd.DatetimeIndex([starts[-1] + pd.DateOffset(months=horizon.months_per_period)]))


def _steps(values: np.ndarray) -> np.ndarray:
    """Values per period with the last repeated: a step drawn over each period's span."""
    return np.concatenate([values, values[..., -1:]], axis=-1)


def _panel(ax, x: pd.DatetimeIndex, values: np.ndarray, scenarios: np.ndarray, names: list[str],
           probabilities: np.ndarray, colors: np.ndarray) -> None:
    p5, p25, p50, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(x, _steps(p5), _steps(p95), step="post", color=_BAND_OUTER, lw=0,
                    label="5% to 95% of simulated paths")
    ax.fill_between(x, _steps(p25), _steps(p75), step="post", color=_BAND_INNER, lw=0, alpha=0.8,
                    label="25% to 75% of simulated paths")
    ax.step(x, _steps(p50), where="post", color=_MEDIAN, lw=1.4, ls="--", label="median of simulated paths")
    ax.step(x, _steps(values.mean(axis=0)), where="post", color=_MEAN, lw=1.6,
            label="mean of simulated paths (= probability-weighted mean of scenarios)")
    for row, name, p, color in zip(scenarios, names, probabilities, colors):
        ax.step(x, _steps(row), where="post", color=color, lw=1.2 + 3.0 * p,
                label=f"{name}  (probability {100 * p:.1f}%)")
    ax.set_xlim(x[0], x[-1])
    ax.grid(True, axis="y", alpha=0.3)
    locator = AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _halvings(ax, paths: Paths, x: pd.DatetimeIndex, label: bool) -> None:
    for month in paths.halving_months:
        when = pd.Timestamp(year=month // 12, month=month % 12 + 1, day=1)
        if x[0] < when < x[-1]:
            ax.axvline(when, color=_HALVING, lw=1.2, ls=":")
            if label:
                ax.annotate(f"halving {when:%Y-%m}", (when, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(4, -12), textcoords="offset points", color=_HALVING, fontsize=9)


def fan_chart(paths: Paths, reduced: Reduced, horizon: Horizon | None = None) -> Figure:
    """Two panels over the horizon: hashprice (USD/PH/day) and BTC price (USD, log scale), each with the 5-95%
    and 25-75% bands and the median and mean of the N paths, the K scenarios as lines (thicker = more probable,
    probabilities in the legend) and the halvings marked."""
    horizon = horizon or paths.horizon
    x = _edges(horizon)
    k = len(reduced.names)
    colors = colormaps["viridis"](np.linspace(0.0, 0.85, k)) if k > 1 else np.array([[0.85, 0.37, 0.0, 1.0]])
    table = scenario_hashprice(reduced, paths)
    wide = {column: table.pivot(index="scenario", columns="period", values=column).loc[reduced.names].to_numpy()
            for column in ("hashprice_usd_per_ph_day", "btc_price_usd")}

    fig = Figure(figsize=(12, 9), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    _panel(top, x, paths.hashprice_usd_per_ph_day, wide["hashprice_usd_per_ph_day"], reduced.names,
           reduced.probabilities, colors)
    top.set_title("Hashprice: mining revenue per PH/s per day", loc="left", fontweight="bold")
    top.set_ylabel("USD per PH/s per day")
    top.set_ylim(bottom=0)
    top.yaxis.set_major_formatter(StrMethodFormatter("${x:,.0f}"))
    _halvings(top, paths, x, label=True)

    _panel(bottom, x, paths.btc_price_usd, wide["btc_price_usd"], reduced.names, reduced.probabilities, colors)
    bottom.set_yscale("log")
    bottom.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    bottom.yaxis.set_major_formatter(FuncFormatter(_usd))
    bottom.yaxis.set_minor_formatter(NullFormatter())
    bottom.set_title("Bitcoin price (log scale)", loc="left", fontweight="bold")
    bottom.set_ylabel("USD per BTC")
    _halvings(bottom, paths, x, label=False)

    handles, labels = top.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2 if k <= 8 else 3, fontsize=8, frameon=False,
               title=f"shaded and black: all simulated paths; coloured: the {k} scenarios, lowest to highest "
                     "hashprice (thicker = more probable)", title_fontsize=9)
    settings = paths.settings
    if settings.price_model == "gbm":
        price = (f"price a random walk (GBM), drift {100 * settings.gbm.drift_per_year:+.0f}%/yr, "
                 f"volatility {100 * settings.gbm.volatility_per_year:.0f}%/yr")
    else:
        drift = settings.bootstrap.drift_per_year
        months = monthly_history()["month"]
        price = (f"price bootstrapped from {months.iloc[0]} to {months.iloc[-1]} in "
                 f"{settings.bootstrap.block_months}-month blocks, "
                 + ("historical drift" if drift is None else f"drift {100 * drift:+.0f}%/yr"))
    mean_dev = reduced.summary["mean_hashprice_path"]["max_relative_deviation"]
    last = x[-1] - pd.DateOffset(months=1)
    method = {"kmedoids": "grouped by k-medoids", "quantiles": "grouped in bands of mean hashprice"}.get(
        reduced.summary["method"], reduced.summary["method"])
    end_low, end_high = np.percentile(paths.hashprice_usd_per_ph_day[:, -1], [5, 95])
    fig.suptitle(f"Scenarios {horizon.labels[0]} to {last:%Y-%m}: {paths.n_paths:,} simulated paths {method} into "
                 f"{k} scenarios (seed {paths.seed})\nhashprice in {horizon.labels[-1]}: 90% of the paths between "
                 f"{end_low:,.0f} and {end_high:,.0f} USD per PH/s per day", fontweight="bold")
    bottom.set_xlabel(f"{price}; network hashrate responds to hashprice with elasticity "
                      f"{settings.hashrate.elasticity_per_year:.2g}/yr, lag {settings.hashrate.lag_months} month(s).\n"
                      + ("The probability-weighted mean hashprice of the scenarios equals the mean of all simulated "
                         "paths in every period." if mean_dev < 1e-5 else
                         f"The probability-weighted mean hashprice of the scenarios is within {100 * mean_dev:.1f}% "
                         "of the mean of all simulated paths in every period."), fontsize=8, color="#444444")
    return fig
