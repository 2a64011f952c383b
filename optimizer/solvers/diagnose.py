"""Explain why there is no plan, in the planner's terms.

For an infeasible model: first the limits that fail at the horizon's start whatever the plan (AI installed above
the site's ceiling or floor), then an elastic re-solve in which hard contract deliveries may fall short, which
finds the tranches and periods that cannot be served and the limits that stop them.
"""
from __future__ import annotations

import numpy as np

from ..model import CapacityModel, build_model
from .highs import solve_highs
from .outcome import SolveOutcome

_LIMIT_WORDS = {
    "ai_stock": "lead time",
    "ai_ceiling": "AI ceiling (ai_max_mw)",
    "floor_space": "floor space",
    "power": "grid power",
    "capex_budget": "capex budget",
    "whole_blocks": "whole AI halls (ai_block_mw)",
}


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
        bounds.append((installed, f"at most {installed:g} MW of AI can be ready by {label} "
                                  f"(lead time {lead} periods, {installed:g} MW installed at the start)"))
    bounds.append((d.grid_mw[s, t] / d.ai_pue[s], f"grid power of {d.grid_mw[s, t]:g} MW at ai_pue "
                                                   f"{d.ai_pue[s]:g} serves at most {d.grid_mw[s, t] / d.ai_pue[s]:.1f} MW of AI"))
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


def _binding_limits(model: CapacityModel, row_dual: np.ndarray | None, s: int, t: int) -> list[str]:
    """Families whose rows at site s up to period t (or the budget) carry a dual in the elastic solve."""
    if row_dual is None:
        return []
    found = []
    for family, words in _LIMIT_WORDS.items():
        block = model.constraints.get(family)
        if block is None or not len(block):
            continue
        index, duals = block.present, block.values(row_dual)
        at_site = index[:, 0] == s if block.dims[0] == "site" else np.ones(len(index), bool)
        if np.any(at_site & (index[:, -1] <= t) & (np.abs(duals) > 1e-9)):
            found.append(words)
    return found


def explain_infeasible(model: CapacityModel) -> str:
    """Name the hard commitments that cannot be met and the limits that conflict with them."""
    start = _start_conflicts(model)
    if start:
        return "; ".join(start)
    d = model.data
    hard = np.isnan(d.tranche_penalty_usd_per_kw_month)
    elastic = build_model(model.case, model.data)
    contracts = elastic.constraints["contracts"]
    mask = (contracts.rows >= 0) & hard[:, None]
    if not mask.any():
        return "no plan meets every limit together, and no hard contract is involved"
    lp = elastic.lp
    deficit = lp.add_variables("deficit", ("tranche", "period"), mask)
    lp.add_entries(contracts.rows[mask], deficit.columns[mask], np.ones(int(mask.sum())))
    lp.cost = np.zeros(lp.n_columns)
    lp.cost[deficit.columns[mask]] = -1.0  # maximise -(MW short of hard commitments)
    outcome = solve_highs(lp, time_limit_s=model.case.solver.time_limit_s, mip_gap=model.case.solver.mip_gap)
    if not outcome.has_plan:
        return "no plan meets every hard commitment and limit together, even with contract deliveries relaxed"
    short = deficit.values(outcome.col_value)  # type: ignore[arg-type]
    delivered_by_tranche = elastic.variables.use_c.values(outcome.col_value)  # type: ignore[arg-type]
    rows = d.inputs.contracts
    messages = []
    for c in np.flatnonzero((short > 1e-6).any(axis=1)):
        periods = np.flatnonzero(short[c] > 1e-6)
        t, s = int(periods[0]), int(d.tranche_site[c])
        row = rows.iloc[c]
        at_site = d.tranche_site == s
        delivered = float(delivered_by_tranche[at_site, t].sum())
        needed = float(d.tranche_mw[at_site & hard & (d.tranche_start_t <= t) & (d.tranche_end_t >= t)].sum())
        label = d.horizon.labels[t]
        limits = [text for bound, text in sorted(_single_limits(model, s, t)) if bound < needed - 1e-6]
        binding = _binding_limits(elastic, outcome.row_dual, s, t) or ["the limits together"]
        why = limits[0] if limits else "limited by " + ", ".join(binding)
        span = label if len(periods) == 1 else f"{label} (and {len(periods) - 1} later period(s))"
        others = f" (with the other hard commitments there, {needed:g} MW)" if needed > row.mw + 1e-9 else ""
        messages.append(f"contract {row.contract} (tranche {row.tranche}) at site {d.site_names[s]} needs {row.mw:g} "
                        f"MW in {span}{others}; at most {delivered:.1f} MW of AI can be delivered there then: {why}")
    if not messages and model.lp.is_mip:
        return ("every hard commitment can be met with fractional halls or lots, but not with whole ones "
                "(ai_block_mw, lot_mw) together with the other limits; try smaller blocks or --relax to see the "
                "fractional plan")
    return "; ".join(messages) or "no plan meets every hard commitment and limit together"
