"""The example of models/ solves, and the statements docs/example-data.md makes about it hold."""
from __future__ import annotations

from pathlib import Path

import pytest

import optimizer

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))


@pytest.mark.parametrize("model_file", MODELS, ids=lambda p: p.stem)
def test_example_solves(model_file):
    case = optimizer.load(model_file)
    assert not case.warnings
    plan = optimizer.solve(case)
    assert plan.status == "optimal"
    assert plan.crossover_period == "2027-07"
    assert plan.period_totals["discounted_cash_flow_usd"].sum() == pytest.approx(
        plan.summary["npv_of_cash_flows_usd"], rel=1e-12)


def test_terminal_value_builds_the_long_lease_hall():
    """With the option on the last Fluidstack tranche is built instead of paying its penalty every month."""
    plans = {name: optimizer.solve(optimizer.load(ROOT / "models" / f"{name}.yaml"))
             for name in ("terawulf", "terawulf-terminal")}
    started = {name: plan.site_periods.query("site == 'lake_mariner'")["ai_started_mw"].sum()
               for name, plan in plans.items()}
    assert started["terawulf-terminal"] == pytest.approx(started["terawulf"] + 80.0)
    short = {name: plan.contract_periods["short_mw"].sum() for name, plan in plans.items()}
    assert short["terawulf-terminal"] < short["terawulf"]
