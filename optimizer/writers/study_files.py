"""Files of the studies beyond one plan: a generated scenario set (`capopt scenarios`) and a risk frontier
(`capopt frontier`), each written into its folder as a whole or not at all."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..files import atomic_directory, escape_formula

SCENARIO_SET_FILES = ("scenarios.csv", "scenario_periods.csv", "scenario_summary.csv", "summary.json",
                      "fan_chart.png")
SECTION_C_SCENARIO_COLUMNS = ("scenario", "probability")
FRONTIER_FILES = ("frontier.csv", "frontier_committed.csv", "frontier.json", "frontier.png")
_DPI = 120


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV with every digit and text that a spreadsheet could run escaped."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame.assign(**{c: frame[c].map(escape_formula) for c in text}).to_csv(path, index=False)


def _png(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=_DPI)


def write_scenario_set(out_dir: Path, scenarios: pd.DataFrame, scenario_periods: pd.DataFrame, summary: dict,
                       fan_chart: Figure) -> list[Path]:
    """scenarios.csv and scenario_periods.csv (the tables of the formulation's section C, ready as inputs),
    scenario_summary.csv (each scenario's probability with its mean, lowest and last hashprice, BTC price and
    hashrate), summary.json and fan_chart.png in `out_dir`."""
    with atomic_directory(Path(out_dir)) as staging:
        _csv(scenarios[list(SECTION_C_SCENARIO_COLUMNS)], staging / "scenarios.csv")
        _csv(scenarios, staging / "scenario_summary.csv")
        _csv(scenario_periods, staging / "scenario_periods.csv")
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        _png(fan_chart, staging / "fan_chart.png")
    return [Path(out_dir) / name for name in SCENARIO_SET_FILES]


def write_frontier(out_dir: Path, points: pd.DataFrame, committed: pd.DataFrame, about: dict,
                   chart: Figure) -> list[Path]:
    """frontier.csv (weight, expected NPV, CVaR), frontier_committed.csv (the committed decisions at each weight),
    frontier.json and frontier.png in `out_dir`."""
    with atomic_directory(Path(out_dir)) as staging:
        _csv(points, staging / "frontier.csv")
        _csv(committed, staging / "frontier_committed.csv")
        (staging / "frontier.json").write_text(json.dumps({**about, "points": points.to_dict(orient="records")},
                                                          indent=2, default=str) + "\n")
        _png(chart, staging / "frontier.png")
    return [Path(out_dir) / name for name in FRONTIER_FILES]
