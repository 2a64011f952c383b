"""Time model build, solve and read-back for portfolios of growing size (prints figures, asserts nothing).

    python bench/bench_solve.py            # 3x48, 8x60, 16x60, 32x120
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import optimizer  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.results import read_plan  # noqa: E402
from optimizer.solve import run_solver  # noqa: E402
from synthetic import synthetic_tables  # noqa: E402

SIZES = [(3, 48), (8, 60), (16, 60), (32, 120)]


def main() -> None:
    print(f"{'sites':>5} {'periods':>7} {'vars':>7} {'rows':>7} {'load s':>7} {'build s':>8} {'solve s':>8} "
          f"{'read s':>7} {'total s':>8} {'build/solve':>11}")
    for n_sites, n_periods in SIZES:
        t0 = time.perf_counter()
        case = optimizer.Case.from_tables(synthetic_tables(n_sites, n_periods), start="2027-01", periods=n_periods,
                                          discount_rate=0.1)
        t1 = time.perf_counter()
        model = build_model(case)
        t2 = time.perf_counter()
        outcome = run_solver(model, "highs")
        t3 = time.perf_counter()
        plan = read_plan(model, outcome)
        t4 = time.perf_counter()
        assert plan.status == "optimal"
        print(f"{n_sites:>5} {n_periods:>7} {model.n_variables:>7} {model.n_constraints:>7} {t1 - t0:>7.2f} "
              f"{t2 - t1:>8.2f} {t3 - t2:>8.2f} {t4 - t3:>7.2f} {t4 - t0:>8.2f} {(t2 - t1) / (t3 - t2):>11.2f}")


if __name__ == "__main__":
    main()
