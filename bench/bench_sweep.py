"""Scenarios per second: re-solving in the live HiGHS model (warm start) vs rebuilding the LP per scenario.

Both run the same scenarios one after another in this process, so the ratio compares like with like on a shared
machine; it prints figures and asserts nothing. The rebuild side only builds and solves (no plan read-back), the
live side also reads every result row, so the ratio is if anything understated. Finally the whole sweep (process
pool, results appended to CSV) runs once for its end-to-end rate.

    python bench/bench_sweep.py                 # models/terawulf.yaml if present, else a synthetic 8x60 case
    python bench/bench_sweep.py --scenarios 300
    python bench/bench_sweep.py --synthetic     # the synthetic 8 sites x 60 months case
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import optimizer  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solvers import run_solver  # noqa: E402
from optimizer.sweep import ScenarioSolver, apply_scenario, build_scenarios, parse_vary, run_sweep  # noqa: E402
from optimizer.sweep.specs import neighbour_order  # noqa: E402
from synthetic import synthetic_tables  # noqa: E402

SPECS = ("hashprice=0.5:1.5:11", "set:discount_rate=0.06:0.14:5", "ai_contract_price=0.9,1,1.1", "energy_price=0.9,1.1")


def _case(synthetic: bool) -> optimizer.Case:
    example = ROOT / "models" / "terawulf.yaml"
    if example.exists() and not synthetic:
        return optimizer.load(example)
    return optimizer.Case.from_tables(synthetic_tables(8, 60), start="2027-01", periods=60, discount_rate=0.1,
                                      name="synthetic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=120, help="scenarios timed on each side (default 120)")
    parser.add_argument("--synthetic", action="store_true", help="the synthetic 8x60 case, not the example")
    args = parser.parse_args()
    case = _case(args.synthetic)
    every = build_scenarios([parse_vary(s) for s in SPECS])
    step = max(1, len(every) // args.scenarios)
    scenarios = every[::step][: args.scenarios]
    scenarios = [scenarios[i] for i in neighbour_order(scenarios)]
    print(f"case {case.name}: {case.horizon.periods} periods, {len(case.inputs.sites)} sites; "
          f"{len(scenarios)} scenarios from {', '.join(SPECS)}")

    started = time.perf_counter()
    rebuilt = []
    for params in scenarios:
        model = build_model(apply_scenario(case, params))
        outcome = run_solver(model, "highs")
        rebuilt.append(-model.problem.solverModel.getInfo().objective_function_value
                       if outcome.status == "optimal" else None)
    rebuild_s = time.perf_counter() - started

    started = time.perf_counter()
    solver = ScenarioSolver(case)
    live = [s.npv_usd if s.status == "optimal" else None for s in map(solver.solve, scenarios)]
    live_s = time.perf_counter() - started

    pairs = [(a, b) for a, b in zip(live, rebuilt) if a is not None and b is not None]
    worst = max((abs(a - b) / max(abs(b), 1.0) for a, b in pairs), default=0.0)
    same_status = sum((a is None) == (b is None) for a, b in zip(live, rebuilt))
    n = len(scenarios)
    print(f"rebuild per scenario : {n / rebuild_s:8.1f} scenarios/s  ({rebuild_s:.2f} s)")
    print(f"live re-solve (warm) : {n / live_s:8.1f} scenarios/s  ({live_s:.2f} s, {solver.builds} build(s))")
    print(f"speed-up             : {rebuild_s / live_s:8.1f} x  (goal >= 5 x)")
    print(f"agreement            : {len(pairs)} optimal on both sides, same status in {same_status}/{n}, "
          f"largest NPV difference {worst:.1e} relative")

    with tempfile.TemporaryDirectory() as out:
        result = run_sweep(case, every, Path(out), progress=False, jobs=2)
    print(f"whole sweep, 2 processes, {result.solved} scenarios with CSV/xlsx/charts: "
          f"{result.scenarios_per_second:.1f} scenarios/s ({result.seconds:.1f} s)")


if __name__ == "__main__":
    main()
