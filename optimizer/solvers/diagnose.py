"""Explain why there is no plan, in the planner's terms.

For an infeasible model: first the limits that fail at the horizon's start whatever the plan (AI installed above
the site's ceiling or floor), then an elastic re-solve in which hard contract deliveries may fall short, which
finds the tranches and periods that cannot be served; what stops them is a limit that alone caps the site below
the commitment, else the limits which, lifted one at a time in further elastic re-solves, let it be met.
"""
from __future__ import annotations

import numpy as np

from ..model import CapacityModel, build_model
from .highs import solve_highs
from .outcome import SolveOutcome


def explain_no_plan(model: CapacityModel, outcome: SolveOutcome) -> str:
    """A planner-readable reason for a solve without a plan."""
    if outcome.status == "infeasible":
        return explain_infeasible(model)
    if outcome.status == "unbounded":
        return "the NPV has no upper bound: some revenue is not limited by power, space or a market cap"
    if outcome.status == "time_limit":
        kind = "any plan" if outcome.is_mip else "a plan optimal"
        return (f"the solver stopped at its time limit before finding {kind} ({outcome.detail}), so no plan "
                "is reported; raise solver.time_limit_s or --time-limit")
    return f"the solver failed ({outcome.detail})"


def _start_conflicts(model: CapacityModel) -> list[str]:
    """Limits broken at the horizon's start by capacity that cannot be removed (AI is never converted back)."""
    d = model.data
    out = []
    for s, site in enumerate(d.site_names):
        installed = d.ai_installed_mw[s]
        if installed > d.ai_max_mw[s] + 1e-9:
            out.append(f"site {site} has {installed:g} MW of AI installed at the start but ai_max_mw is "
                       f"{d.ai_max_mw[s]:g}")
        if installed * d.ai_sqft_per_mw[s] > d.floor_sqft[s] + 1e-6:
            out.append(f"site {site}: its {installed:g} MW of installed AI need {installed * d.ai_sqft_per_mw[s]:,.0f} "
                       f"sqft but floor_sqft is {d.floor_sqft[s]:,.0f}")
    return out


def _whole_halls(model: CapacityModel, s: int, new_mw: float) -> float:
    """The new AI MW a site can add when builds come in whole halls: `new_mw` rounded down to whole halls."""
    block = model.data.ai_block_mw[s]
    return new_mw if np.isnan(block) else np.floor(new_mw / block + 1e-9) * block


def _single_limits(model: CapacityModel, s: int, t: int) -> list[tuple[float, str]]:
    """Upper bounds on the AI MW site s can deliver in period t, each from one limit alone."""
    d = model.data
    label = d.horizon.labels[t]
    lead, installed = int(d.ai_lead_time_periods[s]), d.ai_installed_mw[s]
    block = d.ai_block_mw[s]
    halls = "" if np.isnan(block) else f" in whole halls of {block:g} MW"
    bounds = [(installed + _whole_halls(model, s, d.ai_max_mw[s] - installed),
               f"the site's AI ceiling is {d.ai_max_mw[s]:g} MW" + (f", {halls.strip()}" if halls else ""))]
    if t < lead:
        lead_text = f"{lead} period{'' if lead == 1 else 's'}"
        bounds.append((installed, f"at most {installed:g} MW of AI can be ready by {label} "
                                  f"(lead time {lead_text}, {installed:g} MW installed at the start)"))
    ai_mw = d.grid_mw[s, t] / d.ai_pue[s]
    bounds.append((ai_mw, f"grid power of {d.grid_mw[s, t]:g} MW at ai_pue {d.ai_pue[s]:g} serves at most "
                          f"{ai_mw:.1f} MW of AI"))
    if d.ai_sqft_per_mw[s] > 0:
        fits = d.floor_sqft[s] / d.ai_sqft_per_mw[s]
        bounds.append((installed + _whole_halls(model, s, fits - installed),
                       f"floor space of {d.floor_sqft[s]:,.0f} sqft holds at most {fits:.1f} MW of AI{halls}"))
    if t >= lead and np.isfinite(d.cumulative_budget_usd[t - lead]) and d.ai_capex_usd_per_mw[s] > 0:
        affordable = _whole_halls(model, s, d.cumulative_budget_usd[t - lead] / d.ai_capex_usd_per_mw[s])
        bounds.append((installed + affordable, f"the capex budget through {d.horizon.labels[t - lead]} "
                                               f"({d.cumulative_budget_usd[t - lead]:,.0f} USD) pays for at most "
                                               f"{affordable:.1f} MW of new AI{halls} ready by {label}"))
    return bounds


# Limits an elastic re-solve can lift one at a time, with how the explanation names them.
_LIFTABLE = {
    "capex_budget": "a larger capex budget",
    "floor_space": "more floor space",
    "power": "more grid power",
    "ai_ceiling": "a higher AI ceiling (ai_max_mw)",
}
_WHOLE = "halls and lots of any size (not whole ones of ai_block_mw, lot_mw)"


def _elastic(model: CapacityModel, hard: np.ndarray, *, lift: str | None = None,
             fractional: bool = False) -> np.ndarray | None:
    """MW short of each hard tranche in each period [C, T] in the plan that falls least short of the hard
    commitments, with limit family `lift` lifted or halls and lots `fractional`; None if even that has no plan."""
    elastic = build_model(model.case, model.data)
    contracts = elastic.constraints["contracts"]
    mask = (contracts.rows >= 0) & hard[:, None]
    lp = elastic.lp
    deficit = lp.add_variables("deficit", ("tranche", "period"), mask)
    lp.add_entries(contracts.rows[mask], deficit.columns[mask], np.ones(int(mask.sum())))
    if lift is not None and lift in elastic.constraints:
        lp.free_rows(elastic.constraints[lift].row_indexes)
    lp.cost = np.zeros(lp.n_columns)
    lp.cost[deficit.columns[mask]] = -1.0  # maximise -(MW short of hard commitments)
    outcome = solve_highs(lp, time_limit_s=model.case.solver.time_limit_s, mip_gap=model.case.solver.mip_gap,
                          relax=fractional)
    return deficit.values(outcome.col_value) if outcome.has_plan else None  # type: ignore[arg-type]


def _what_lifts(model: CapacityModel, hard: np.ndarray, short: np.ndarray) -> dict[int, list[str]]:
    """For each short tranche, the limits that, lifted alone, let it be met in full."""
    lifted: dict[int, list[str]] = {int(c): [] for c in np.flatnonzero((short > 1e-6).any(axis=1))}
    trials: list[tuple[str | None, str, bool]] = [(family, words, False) for family, words in _LIFTABLE.items()
                                                  if family in model.constraints]
    if model.lp.is_mip:
        trials.append((None, _WHOLE, True))
    for family, words, fractional in trials:
        remaining = _elastic(model, hard, lift=family, fractional=fractional)
        if remaining is None:
            continue
        for c in lifted:
            if not (remaining[c] > 1e-6).any():
                lifted[c].append(words)
    return lifted


def explain_infeasible(model: CapacityModel) -> str:
    """Name the hard commitments that cannot be met, and what stops them: one limit that alone caps the site below
    the commitment, else the limits whose lifting lets it be met."""
    start = _start_conflicts(model)
    if start:
        return "; ".join(start)
    d = model.data
    hard = np.isnan(d.tranche_penalty_usd_per_kw_month)
    if not (model.constraints["contracts"].rows[hard] >= 0).any():
        return "no plan meets every limit together, and no hard contract is involved"
    short = _elastic(model, hard)
    if short is None:
        return "no plan meets every hard commitment and limit together, even with contract deliveries relaxed"
    if not (short > 1e-6).any():
        return "no plan meets every limit together, though every hard commitment could be met"
    lifted = _what_lifts(model, hard, short)
    rows = d.inputs.contracts
    messages = []
    for c, lifts in lifted.items():
        periods = np.flatnonzero(short[c] > 1e-6)
        t, s = int(periods[0]), int(d.tranche_site[c])
        row = rows.iloc[c]
        at_site = d.tranche_site == s
        needed = float(d.tranche_mw[at_site & hard & (d.tranche_start_t <= t) & (d.tranche_end_t >= t)].sum())
        most = needed - float(short[at_site, t].sum())
        limits = [text for bound, text in sorted(_single_limits(model, s, t)) if bound < needed - 1e-6]
        if limits:
            why = limits[0]
        elif lifts:
            why = f"it could be met with {' or with '.join(lifts)}"
        else:
            why = "no single limit is to blame: it takes several of floor space, grid power, budget, lead time and " \
                  "the AI ceiling together"
        span = d.horizon.labels[t] if len(periods) == 1 else f"{d.horizon.labels[t]} (and {len(periods) - 1} " \
                                                             "later period(s))"
        others = f" (with the other hard commitments there, {needed:g} MW)" if needed > row.mw + 1e-9 else ""
        messages.append(f"contract {row.contract} (tranche {row.tranche}) at site {d.site_names[s]} needs {row.mw:g} "
                        f"MW in {span}{others}; at most {most:.1f} MW of AI can be delivered there then: {why}")
    return "; ".join(messages)
