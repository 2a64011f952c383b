"""Sweep speed (prints figures, asserts nothing): warm re-solves in the live HiGHS model against building and solving
each scenario anew, for LPs and MILPs, and a whole sweep on 1 and 2 processes, each pair measured in one run.

    python bench/bench_sweep.py                  # example + synthetic portfolio of about 100k variables
    python bench/bench_sweep.py --sites 8        # a smaller synthetic portfolio
    python bench/bench_sweep.py --scenarios 40

1. LP, per parameter group (hashprice, asic_price, btc-free groups the example and synthetic cases share): scenarios
   per second rebuilt (build + hand-off + cold solve) and live (push + warm solve + read-back), same NPVs.
2. MILP (the synthetic case with halls, lots and optional leases of bench_milp.py): each scenario started from the
   previous scenario's plan (HiGHS setSolution) against cold solves.
3. A whole sweep (results appended to CSV, xlsx and charts at the end) with --jobs 1 and --jobs 2.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_milp import milp_tables  # noqa: E402
from synthetic import synthetic_tables  # noqa: E402

import optimizer  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solvers import run_solver  # noqa: E402
from optimizer.sweep import ScenarioSolver, apply_scenario, build_scenarios, parse_vary, run_sweep  # noqa: E402
from optimizer.sweep.specs import neighbour_order  # noqa: E402


def _rebuilt(case: optimizer.Case, scenarios: list[dict]) -> tuple[float, list[float | None]]:
    started = time.perf_counter()
    npvs = []
    for params in scenarios:
        model = build_model(apply_scenario(case, params))
        outcome = run_solver(model.lp, case.solver)
        npvs.append(outcome.objective_usd if outcome.has_plan else None)
    return time.perf_counter() - started, npvs


def _live(case: optimizer.Case, scenarios: list[dict]) -> tuple[float, list[float | None], int]:
    started = time.perf_counter()
    solver = ScenarioSolver(case)
    npvs = [s.npv_usd if s.figures is not None else None for s in map(solver.solve, scenarios)]
    return time.perf_counter() - started, npvs, solver.builds


def compare(label: str, case: optimizer.Case, spec: str, count: int) -> None:
    """Rebuilt vs live on the scenarios of one --vary spec."""
    scenarios = build_scenarios([parse_vary(spec)])[:count]
    scenarios = [scenarios[i] for i in neighbour_order(scenarios)]
    rebuild_s, rebuilt = _rebuilt(case, scenarios)
    live_s, live, builds = _live(case, scenarios)
    pairs = [(a, b) for a, b in zip(live, rebuilt) if a is not None and b is not None]
    worst = max((abs(a - b) / max(abs(b), 1.0) for a, b in pairs), default=float("nan"))
    n = len(scenarios)
    print(f"{label:<22} {spec:<28} {n:>4} {n / rebuild_s:>12.1f} {n / live_s:>10.1f} {rebuild_s / live_s:>8.1f}x "
          f"{builds:>6} {worst:>10.1e}", flush=True)


def whole_sweep(case: optimizer.Case, spec: str, jobs: int) -> float:
    scenarios = build_scenarios([parse_vary(spec)])
    with tempfile.TemporaryDirectory() as out:
        result = run_sweep(case, scenarios, Path(out) / "sweep", jobs=jobs)
    return result.scenarios_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=35, help="synthetic portfolio: 35 sites x 120 months is about "
                                                               "100k variables (default)")
    parser.add_argument("--scenarios", type=int, default=20, help="scenarios per comparison (default 20)")
    args = parser.parse_args()
    example = optimizer.load(HERE.parent / "models" / "terawulf.yaml")
    synthetic = optimizer.Case.from_tables(synthetic_tables(args.sites, 120), start="2027-01", periods=120,
                                           discount_rate=0.1, name=f"{args.sites} sites x 120")
    milp = optimizer.Case.from_tables(milp_tables(8), start="2027-01", periods=60, discount_rate=0.1,
                                      name="8 sites MILP")
    size = build_model(synthetic).lp.n_columns
    print(f"synthetic portfolio: {args.sites} sites x 120 months, {size:,} variables")
    print(f"{'case':<22} {'scenarios':<28} {'n':>4} {'rebuilt /s':>12} {'live /s':>10} {'speed-up':>9} "
          f"{'builds':>6} {'max dNPV':>10}")
    count = args.scenarios
    compare(example.name, example, "hashprice=0.5:1.5:41", count)
    compare(example.name, example, "asic_price=0.5:1.5:41", count)
    compare(synthetic.name, synthetic, "hashprice=0.5:1.5:41", count)
    compare(synthetic.name, synthetic, "asic_price=0.5:1.5:41", count)
    compare(milp.name, milp, "hashprice=0.7:1.3:41", min(count, 10))
    print()
    for case in (example, synthetic):
        one, two = whole_sweep(case, "hashprice=0.5:1.5:40", 1), whole_sweep(case, "hashprice=0.5:1.5:40", 2)
        print(f"whole sweep of 40 scenarios, {case.name}: {one:.1f}/s on 1 process, {two:.1f}/s on 2 "
              f"({two / one:.2f}x)", flush=True)



if __name__ == "__main__":
    main()
