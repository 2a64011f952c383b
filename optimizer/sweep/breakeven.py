"""Breakeven: the value of one parameter at which a decision of the optimal plan changes, found by bisection.

A decision is `METRIC[:FILTER...] OP NUMBER`, for example

    ai_started_mw:site=lake_mariner:year=2028>0    AI builds started at lake_mariner during 2028 exceed 0 MW
    mining_installed_mw:period=2030-12<=50         at most 50 MW of ASICs installed in 2030-12 (all sites)
    npv_usd>0                                      the plan's NPV is positive

METRIC is a plan quantity per site and period in IT MW, or npv_usd. Over the sites and periods the filters select
(site=NAME, year=YYYY, period=YYYY-MM, from=YYYY-MM, to=YYYY-MM; none = all) it is summed over sites, and over
periods summed for what happens in a period (ai_started_mw, mining_bought_mw, mining_retired_mw) or averaged for
levels (ai_ready_mw, ai_contract_mw, ai_spot_mw, ai_delivered_mw, mining_installed_mw, mining_running_mw).
OP is >, >=, < or <=. Comparisons allow 1e-6 (MW or USD) of solver round-off.

Bisection assumes the decision changes once between --low and --high; with several changes it finds one of them.
Each evaluation re-solves the live LP warm. Parameter values are kept to 12 significant digits (as in sweeps), so the
bisection stops when the bracket cannot be halved at that resolution, whatever tolerance was asked for.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..case import Case
from ..schema import NUMBER_PATTERN
from .figures import SITE_PERIOD_METRICS, site_period_metric
from .live import ScenarioSolver, Solution
from .params import check_params, parse_key
from .specs import SpecError, canonical

_DECISION = re.compile(rf"^\s*([a-z_]+)((?::[a-z]+=[^:<>=]+)*)\s*(>=|<=|>|<)\s*({NUMBER_PATTERN})\s*$")
_FILTERS = ("site", "year", "period", "from", "to")
_EPS = 1e-6
FLOWS = ("ai_started_mw", "mining_bought_mw", "mining_retired_mw")  # summed over periods; the others averaged


@dataclass(frozen=True)
class Decision:
    """A parsed decision: metric, site and period masks from its filters, comparison and threshold."""

    text: str
    subject: str
    metric: str
    sites: np.ndarray
    periods: np.ndarray
    op: str
    threshold: float

    def measure(self, solution: Solution) -> float:
        """The metric in an optimal solution: USD for npv_usd, else IT MW of the selected sites, summed (flows)
        or averaged (levels) over the selected periods."""
        if self.metric == "npv_usd":
            return solution.npv_usd
        assert solution.figures is not None, "measured only on a solution with a plan"
        per_period = site_period_metric(solution.figures, self.metric)[self.sites].sum(axis=0)[self.periods]
        return float(per_period.sum() if self.metric in FLOWS else per_period.mean())

    def holds(self, measured: float) -> bool:
        """The comparison, with 1e-6 of round-off allowed on the side of the threshold."""
        return {">": measured > self.threshold + _EPS, ">=": measured >= self.threshold - _EPS,
                "<": measured < self.threshold - _EPS, "<=": measured <= self.threshold + _EPS}[self.op]


def parse_decision(text: str, case: Case) -> Decision:
    """Parse a decision against the case's sites and periods; SpecError with a one-line reason if it is bad."""
    match = _DECISION.match(text)
    metrics = (*SITE_PERIOD_METRICS, "npv_usd")
    if not match:
        raise SpecError(f"--decision '{text}': expected METRIC[:site=NAME][:year=YYYY][:period=YYYY-MM]"
                        f"[:from=YYYY-MM][:to=YYYY-MM] OP NUMBER, e.g. ai_started_mw:site=A:year=2028>0")
    metric, filter_text, op, threshold = match.groups()
    if metric not in metrics:
        raise SpecError(f"--decision '{text}': unknown metric '{metric}', choose one of {', '.join(metrics)}")
    sites = np.ones(len(case.inputs.sites), bool)
    periods = np.ones(case.horizon.periods, bool)
    site_names = list(case.inputs.sites["site"])
    labels = case.horizon.labels
    t = np.arange(case.horizon.periods)
    for item in filter(None, filter_text.split(":")):
        name, value = item.split("=", 1)
        value = value.strip()
        if name not in _FILTERS:
            raise SpecError(f"--decision '{text}': unknown filter '{name}', use {', '.join(_FILTERS)}")
        if metric == "npv_usd":
            raise SpecError(f"--decision '{text}': npv_usd takes no filters")
        if name == "site":
            if value not in site_names:
                raise SpecError(f"--decision '{text}': unknown site '{value}' (sites: {', '.join(site_names)})")
            sites &= np.array([s == value for s in site_names])
        elif name == "year":
            in_year = np.array([label[:4] == value for label in labels])
            if not in_year.any():
                raise SpecError(f"--decision '{text}': year {value} is not in the horizon "
                                f"({labels[0]}..{labels[-1]})")
            periods &= in_year
        else:
            index = case.horizon.period_index(value)
            if index is None:
                raise SpecError(f"--decision '{text}': '{value}' is not a period of the horizon "
                                f"({labels[0]}..{labels[-1]})")
            periods &= {"period": t == index, "from": t >= index, "to": t <= index}[name]
    if not sites.any() or not periods.any():
        raise SpecError(f"--decision '{text}': the filters select no site-period")
    return Decision(text.strip(), f"{metric}{filter_text}".strip(), metric, sites, periods, op, float(threshold))


@dataclass
class Side:
    """One evaluation: the parameter's value, the decision's metric there, whether it holds, and the NPV."""

    value: float
    measured: float
    holds: bool
    npv_usd: float


@dataclass
class Breakeven:
    """The bracket [low.value, high.value] (narrower than `tolerance`) in which the decision changes."""

    key: str
    decision: Decision
    low: Side
    high: Side
    tolerance: float
    evaluations: int
    fixed: dict[str, float] = field(default_factory=dict)  # the other parameters, at one value each

    @property
    def value(self) -> float:
        """The breakeven estimate: the middle of the final bracket."""
        return (self.low.value + self.high.value) / 2


class NoBreakeven(Exception):
    """The decision does not change between the ends, or a scenario on the way has no optimal plan."""


def find_breakeven(case: Case, key: str, decision: Decision, low: float, high: float, *,
                   tolerance: float | None = None, fixed: Mapping[str, float] | None = None) -> Breakeven:
    """Bisect `key` over [low, high] (other parameters at `fixed`) to where `decision` changes.

    `tolerance`: width of the final bracket, in the parameter's own unit (default (high - low) / 10000).
    SpecError for a bad key or range; NoBreakeven if the decision is the same at both ends or a solve fails.
    """
    try:
        key = parse_key(key).text
    except ValueError as exc:
        raise SpecError(f"--param: {exc}") from None
    fixed = dict(fixed or {})
    if key in fixed:
        raise SpecError(f"{key} is the parameter searched; it cannot also be fixed with --vary")
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise SpecError(f"--low ({low:g}) must be below --high ({high:g}), both finite")
    tolerance = (high - low) / 1e4 if tolerance is None else tolerance
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise SpecError("--tol must be a finite number > 0")
    try:
        for value in (low, high):
            check_params(case, {**fixed, key: value})
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    solver = ScenarioSolver(case)
    evaluations = 0

    def evaluate(value: float) -> Side:
        nonlocal evaluations
        evaluations += 1
        value = canonical(value)
        solution = solver.solve({**fixed, key: value})
        if solution.status != "optimal":
            raise NoBreakeven(f"no plan at {key}={value:g}: {solution.status} ({solution.detail})")
        measured = decision.measure(solution)
        return Side(value, measured, decision.holds(measured), solution.npv_usd)

    lo, hi = evaluate(low), evaluate(high)
    if lo.holds == hi.holds:
        raise NoBreakeven(f"'{decision.text}' is {'true' if lo.holds else 'false'} at both {key}={low:g} "
                          f"({lo.measured:,.6g}) and {key}={high:g} ({hi.measured:,.6g}); no change in between found")
    while hi.value - lo.value > tolerance:
        middle = canonical((lo.value + hi.value) / 2)
        if middle in (lo.value, hi.value):  # the finest bracket 12 significant digits can tell apart
            break
        mid = evaluate(middle)
        if mid.holds == lo.holds:
            lo = mid
        else:
            hi = mid
    return Breakeven(key, decision, lo, hi, tolerance, evaluations, dict(fixed))
