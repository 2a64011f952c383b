"""Files of the studies beyond one plan: a generated scenario set (`capopt scenarios`) and a risk frontier
(`capopt frontier`), each written into its folder as a whole or not at all."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..files import PNG_SOFTWARE, OutputFolder, escape_formula

SCENARIO_SET_FILES = ("scenarios.csv", "scenario_periods.csv", "scenario_summary.csv", "summary.json",
                      "fan_chart.png")
SECTION_C_SCENARIO_COLUMNS = ("scenario", "probability")
FRONTIER_FILES = ("frontier.csv", "frontier_committed.csv", "frontier.json", "frontier.png")
SCENARIO_SET_OWNER, FRONTIER_OWNER = "scenarios", "frontier"  # owners of these files in a folder's manifest
_DPI = 120


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV with every digit and text that a spreadsheet could run escaped."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame.assign(**{c: frame[c].map(escape_formula) for c in text}).to_csv(path, index=False)


def _png(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=_DPI, metadata={"Software": PNG_SOFTWARE})


def check_study_folder(out_dir: Path | str, owner: str, *, force: bool = False) -> None:
    """`OutputError` (one line) if a study's files cannot be written to `out_dir` without touching a file capopt did
    not write; run it before the work."""
    names = SCENARIO_SET_FILES if owner == SCENARIO_SET_OWNER else FRONTIER_FILES
    OutputFolder(out_dir, owner, force=force).check(names)


def write_scenario_set(out_dir: Path, scenarios: pd.DataFrame, scenario_periods: pd.DataFrame, summary: dict,
                       fan_chart: Figure, *, force: bool = False) -> list[Path]:
    """scenarios.csv and scenario_periods.csv (the tables of the formulation's section C, ready as inputs),
    scenario_summary.csv (each scenario's probability with its mean, lowest and last hashprice, BTC price and
    hashrate), summary.json and fan_chart.png in `out_dir`."""
    def fill(staging: Path) -> list[str]:
        _csv(scenarios[list(SECTION_C_SCENARIO_COLUMNS)], staging / "scenarios.csv")
        _csv(scenarios, staging / "scenario_summary.csv")
        _csv(scenario_periods, staging / "scenario_periods.csv")
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        _png(fan_chart, staging / "fan_chart.png")
        return list(SCENARIO_SET_FILES)

    return OutputFolder(out_dir, SCENARIO_SET_OWNER, force=force).replace_all(fill)


def write_frontier(out_dir: Path, points: pd.DataFrame, committed: pd.DataFrame, about: dict,
                   chart: Figure, *, force: bool = False) -> list[Path]:
    """frontier.csv (weight, expected NPV, CVaR), frontier_committed.csv (the committed decisions at each weight),
    frontier.json and frontier.png in `out_dir`."""
    def fill(staging: Path) -> list[str]:
        _csv(points, staging / "frontier.csv")
        _csv(committed, staging / "frontier_committed.csv")
        (staging / "frontier.json").write_text(json.dumps({**about, "points": points.to_dict(orient="records")},
                                                          indent=2, default=str) + "\n")
        _png(chart, staging / "frontier.png")
        return list(FRONTIER_FILES)

    return OutputFolder(out_dir, FRONTIER_OWNER, force=force).replace_all(fill)
