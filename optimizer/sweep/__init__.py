"""What-if sweeps and breakevens: many scenarios of one case, re-solved warm in a live HiGHS model.

    from optimizer.sweep import apply_scenario, build_scenarios, parse_vary, run_sweep
    scenarios = build_scenarios([parse_vary("hashprice=0.5:1.5:11"), parse_vary("set:discount_rate=0.08,0.12")])
    run_sweep(optimizer.load("models/terawulf.yaml"), scenarios, "terawulf-sweep")

Any result row is reproduced by `optimizer.solve(apply_scenario(case, params))` with the row's parameters.
"""
from .breakeven import Breakeven, Decision, NoBreakeven, find_breakeven, parse_decision
from .live import LiveModel, ScenarioSolver, Solution
from .params import GROUPS, apply_scenario, parse_key
from .runner import SweepResult, run_sweep
from .specs import SpecError, build_scenarios, parse_vary, read_scenario_file, scenario_id

__all__ = ["GROUPS", "Breakeven", "Decision", "LiveModel", "NoBreakeven", "ScenarioSolver", "Solution", "SpecError",
           "SweepResult", "apply_scenario", "build_scenarios", "find_breakeven", "parse_decision", "parse_key",
           "parse_vary", "read_scenario_file", "run_sweep", "scenario_id"]
