"""A scenario plan (extension C) read back: what to commit now, and how each scenario's plan adapts afterwards.

Each scenario's figures come from the one reader (`figures.read_figures`) on its own part of the extensive form;
its shadow prices are the objective's gain per unit of that scenario's limit divided by the scenario's probability
(with risk weight 0: the gain in that scenario's NPV).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..model.scenarios import ScenarioModel, committed_columns, cvar_usd
from ..model.variables import DIMS
from ..solvers.outcome import SolveOutcome
from .figures import PlanFigures, read_figures
from .plan import PLAN_TABLES, Plan, economics, plan_summary, plan_tables
from .summary import Economics, ScenarioOutcomes, TerminalValueInfo

_DECISIONS = {"build_a": "start AI build", "buy_m": "buy ASICs", "ret_m": "retire ASICs"}
SCENARIO_TABLES = ("committed", "scenario_years")  # a scenario plan's tables besides the plan tables


def committed_decisions(model: ScenarioModel, col_value: np.ndarray) -> pd.DataFrame:
    """The decisions taken now, the same in every scenario: AI builds started, ASICs bought and retired through
    `commit_through` (MW > 0, with whole halls and lots counted), and every optional contract signed or not."""
    member = model.members[0]
    d = member.data
    labels = d.horizon.labels
    rows = []
    shared = committed_columns(member, model.commit_through_t)
    for name, words in _DECISIONS.items():
        values = np.where(shared[name] >= 0, col_value[np.maximum(shared[name], 0)], 0.0)
        for index in np.argwhere(values > 1e-6):
            idx = dict(zip(DIMS[name], index))
            site = d.site_names[idx["site"]]
            model_name = d.model_names[idx["model"]] if "model" in idx else None
            units, unit_mw = None, None
            if name == "build_a" and not np.isnan(d.ai_block_mw[idx["site"]]):
                unit_mw = float(d.ai_block_mw[idx["site"]])
            if name == "buy_m" and not np.isnan(d.lot_mw[idx["model"]]):
                unit_mw = float(d.lot_mw[idx["model"]])
            if unit_mw:
                units = int(round(values[tuple(index)] / unit_mw))
            rows.append({"decision": words, "site": site, "model": model_name, "contract": None,
                         "period": labels[idx["period"]], "mw": float(values[tuple(index)]), "whole_units": units,
                         "unit_mw": unit_mw})
    signs = np.where(shared["sign"] >= 0, col_value[np.maximum(shared["sign"], 0)], 0.0)
    for k in np.flatnonzero(d.contract_optional):
        rows.append({"decision": "sign contract" if signs[k] > 0.5 else "do not sign contract", "site": None,
                     "model": None, "contract": d.contract_names[k], "period": None, "mw": None,
                     "whole_units": None, "unit_mw": None})
    return pd.DataFrame(rows, columns=["decision", "site", "model", "contract", "period", "mw", "whole_units",
                                       "unit_mw"])


def _scenario_years(model: ScenarioModel, figures: list[PlanFigures]) -> pd.DataFrame:
    """Per scenario and calendar year: mean IT MW to mining and AI, revenue and cash flow."""
    labels = figures[0].data.horizon.labels
    periods = len(labels)
    per_period = pd.DataFrame({
        "scenario": np.repeat(np.arange(len(figures)), periods),
        "year": np.tile([label[:4] for label in labels], len(figures)),
        "mining_installed_mw": np.concatenate([f.values["cap_m"].sum(axis=(0, 1)) for f in figures]),
        "ai_ready_mw": np.concatenate([f.values["cap_a"].sum(axis=0) for f in figures]),
        "ai_delivered_mw": np.concatenate([f.contract_mw.sum(axis=0) + f.values["spot_a"].sum(axis=0)
                                           for f in figures]),
        "mining_revenue_usd": np.concatenate([f.revenue_by_period("mining") for f in figures]),
        "ai_revenue_usd": np.concatenate([f.revenue_by_period("ai") for f in figures]),
        "cash_flow_usd": np.concatenate([f.cash_flow_usd.sum(axis=0) for f in figures]),
    })
    by_year = per_period.groupby(["scenario", "year"], sort=True).agg(
        mining_installed_mw=("mining_installed_mw", "mean"), ai_ready_mw=("ai_ready_mw", "mean"),
        ai_delivered_mw=("ai_delivered_mw", "mean"), mining_revenue_usd=("mining_revenue_usd", "sum"),
        ai_revenue_usd=("ai_revenue_usd", "sum"), cash_flow_usd=("cash_flow_usd", "sum")).reset_index()
    w = by_year["scenario"].to_numpy(int)
    by_year.insert(1, "probability", model.probability[w])
    by_year["scenario"] = np.asarray(model.names, dtype=object)[w]
    return by_year


def read_scenario_plan(model: ScenarioModel, outcome: SolveOutcome) -> Plan:
    """Turn a solved scenario model into a `Plan`: tables with a `scenario` column, the committed decisions, the
    outcome per scenario by year, and the summary (expected NPV, CVaR, NPV per scenario)."""
    x = outcome.col_value
    if x is None:
        raise ValueError(f"no plan to read: {outcome.status}")
    figures = []
    for member, p in zip(model.members, model.probability):
        duals = None if outcome.row_dual is None else outcome.row_dual / p
        figures.append(read_figures(member, x, duals))
    npv = np.array([f.npv_usd for f in figures])
    expected = float(model.probability @ npv)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in PLAN_TABLES}
    for name, f, member in zip(model.names, figures, model.members):
        for table, frame in plan_tables(f, member).items():
            frame.insert(0, "scenario", name)
            tables[table].append(frame)
    frames = {table: pd.concat(parts, ignore_index=True) for table, parts in tables.items()}
    committed = committed_decisions(model, x)
    p = model.probability
    summary = plan_summary(model.members[0], outcome, figures[0])
    each = [economics(f) for f in figures]
    summary.economics = Economics(
        npv_usd=expected,
        npv_of_cash_flows_usd=float(p @ [e.npv_of_cash_flows_usd for e in each]),
        terminal_value=TerminalValueInfo(
            each[0].terminal_value.method, each[0].terminal_value.ai_life_years, each[0].terminal_value.asic_life_years,
            float(p @ [e.terminal_value.value_at_horizon_end_usd for e in each]),
            float(p @ [e.terminal_value.present_value_usd for e in each])),
        undiscounted_cash_flow_usd=float(p @ [e.undiscounted_cash_flow_usd for e in each]),
        crossover_period=None,
        present_value_usd={term: float(p @ [e.present_value_usd[term] for e in each])
                           for term in each[0].present_value_usd},
        undiscounted_usd={term: float(p @ [e.undiscounted_usd[term] for e in each])
                          for term in each[0].undiscounted_usd},
        commitments_beyond_horizon=each[0].commitments_beyond_horizon,
    )
    summary.scenarios = ScenarioOutcomes(
        expected_npv_usd=expected,
        cvar_usd=float(cvar_usd(npv, p, model.cvar_alpha)),
        cvar_alpha=model.cvar_alpha,
        risk_weight=model.risk_weight,
        npv_by_scenario_usd={name: float(v) for name, v in zip(model.names, npv)},
        probability_by_scenario={name: float(v) for name, v in zip(model.names, p)},
        crossover_period_by_scenario={name: f.crossover_period for name, f in zip(model.names, figures)},
        commit_through=model.members[0].data.horizon.labels[model.commit_through_t],
        committed=committed.replace({np.nan: None}).to_dict(orient="records"),
    )
    summary.size = dataclasses.replace(summary.size, scenarios=len(model.members))
    summary.solver = dataclasses.replace(summary.solver, build_seconds=round(model.build_seconds, 4))
    extra = dict(zip(SCENARIO_TABLES, (committed, _scenario_years(model, figures))))
    return Plan(model.case.name, outcome.status, expected, frames["site_plan"], frames["miner_periods"],
                frames["contract_periods"], frames["period_totals"], frames["shadow_prices"], None, summary,
                model.case, figures[0], extra)
