"""Explain why there is no plan, in the planner's terms.

For an infeasible model: first the limits that fail at the horizon's start whatever the plan (AI installed
above the site's ceiling or floor), then an elastic re-solve in which hard contract deliveries may fall short
at a price, which finds the tranches and periods that cannot be served and the limits that stop them.
"""
from __future__ import annotations

import numpy as np
import pulp

from .model import CapacityModel
from .model.build import pulp3_quiet
from .solve import SolveOutcome, run_solver

_LIMIT_WORDS = {
    "ai_stock": "lead time",
    "ai_ceiling": "AI ceiling (ai_max_mw)",
    "floor_space": "floor space",
    "power": "grid power",
    "capex_budget": "capex budget",
}


def explain_no_plan(model: CapacityModel, outcome: SolveOutcome) -> str:
    """A planner-readable reason for a non-optimal solve."""
    if outcome.status == "infeasible":
        return explain_infeasible(model)
    if outcome.status == "unbounded":
        return "the NPV has no upper bound: some revenue is not limited by power, space or a market cap"
    if outcome.status == "time_limit":
        return (f"the solver stopped at its time limit before proving a plan optimal ({outcome.detail}), so no plan "
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


def _single_limits(model: CapacityModel, s: int, t: int) -> list[tuple[float, str]]:
    """Upper bounds on the AI MW site s can deliver in period t, each from one limit alone."""
    d = model.data
    label = d.horizon.labels[t]
    lead, installed = int(d.ai_lead_time_periods[s]), d.ai_installed_mw[s]
    bounds = [(d.ai_max_mw[s], f"the site's AI ceiling is {d.ai_max_mw[s]:g} MW")]
    if t < lead:
        bounds.append((installed, f"at most {installed:g} MW of AI can be ready by {label} "
                                  f"(lead time {lead} periods, {installed:g} MW installed at the start)"))
    bounds.append((d.grid_mw[s, t] / d.ai_pue[s], f"grid power of {d.grid_mw[s, t]:g} MW at ai_pue "
                                                   f"{d.ai_pue[s]:g} serves at most {d.grid_mw[s, t] / d.ai_pue[s]:.1f} MW of AI"))
    if d.ai_sqft_per_mw[s] > 0:
        bounds.append((d.floor_sqft[s] / d.ai_sqft_per_mw[s], f"floor space of {d.floor_sqft[s]:,.0f} sqft holds at "
                       f"most {d.floor_sqft[s] / d.ai_sqft_per_mw[s]:.1f} MW of AI"))
    if t >= lead and np.isfinite(d.cumulative_budget_usd[t - lead]) and d.ai_capex_usd_per_mw[s] > 0:
        affordable = installed + d.cumulative_budget_usd[t - lead] / d.ai_capex_usd_per_mw[s]
        bounds.append((affordable, f"the capex budget through {d.horizon.labels[t - lead]} "
                                   f"({d.cumulative_budget_usd[t - lead]:,.0f} USD) pays for at most "
                                   f"{affordable - installed:.1f} MW of new AI ready by {label}"))
    return bounds


def _binding_limits(model: CapacityModel, s: int, t: int) -> list[str]:
    """Families whose rows at site s up to period t (or the budget) carry a dual in the elastic solve."""
    found = []
    for family, words in _LIMIT_WORDS.items():
        block = model.constraints.get(family)
        if block is None:
            continue
        for idx, constraint in zip(block.index, block.constraints):
            at_site = block.dims[0] != "site" or idx[0] == s
            if at_site and idx[-1] <= t and abs(constraint.pi or 0.0) > 1e-9:
                found.append(words)
                break
    return found


def explain_infeasible(model: CapacityModel) -> str:
    """Name the hard commitments that cannot be met and the limits that conflict with them."""
    start = _start_conflicts(model)
    if start:
        return "; ".join(start)
    d, v = model.data, model.variables
    hard = np.isnan(d.tranche_penalty_usd_per_kw_month)
    block = model.constraints["contracts"]
    deficits: dict[tuple[int, int], pulp.LpVariable] = {}
    with pulp3_quiet():
        for (c, t), constraint in zip(block.index, block.constraints):
            if hard[c]:
                deficit = pulp.LpVariable(f"deficit_{c}_{t}", lowBound=0)
                constraint.expr[deficit] = 1.0
                deficits[(c, t)] = deficit
    if not deficits:
        return "no plan meets every limit together, and no hard contract is involved"
    model.problem.sense = pulp.LpMinimize
    model.problem.setObjective(pulp.LpAffineExpression({var: 1.0 for var in deficits.values()}))
    outcome = run_solver(model, "highs")
    if outcome.status != "optimal":
        return "no plan meets every hard commitment and limit together, even with contract deliveries relaxed"
    contracts = d.inputs.contracts
    messages = []
    for c in sorted({c for (c, _), var in deficits.items() if (var.varValue or 0.0) > 1e-6}):
        periods = sorted(t for (cc, t), var in deficits.items() if cc == c and (var.varValue or 0.0) > 1e-6)
        t, s = periods[0], int(d.tranche_site[c])
        row = contracts.iloc[c]
        site = d.site_names[s]
        delivered = sum((v.use_c[k, t].varValue or 0.0) for k in range(d.n_tranches)
                        if d.tranche_site[k] == s and v.use_c[k, t] is not None)
        needed = sum(d.tranche_mw[k] for k in range(d.n_tranches)
                     if d.tranche_site[k] == s and hard[k] and d.tranche_start_t[k] <= t <= d.tranche_end_t[k])
        label = d.horizon.labels[t]
        limits = [text for bound, text in sorted(_single_limits(model, s, t)) if bound < needed - 1e-6]
        why = limits[0] if limits else ("limited by " + ", ".join(_binding_limits(model, s, t) or ["the limits together"]))
        span = f"{label}" if len(periods) == 1 else f"{label} (and {len(periods) - 1} later period(s))"
        others = f" (with the other hard commitments there, {needed:g} MW)" if needed > row.mw + 1e-9 else ""
        messages.append(f"contract {row.contract} (tranche {row.tranche}) at site {site} needs {row.mw:g} MW in "
                        f"{span}{others}; at most {delivered:.1f} MW of AI can be delivered there then: {why}")
    return "; ".join(messages) or "no plan meets every hard commitment and limit together"
