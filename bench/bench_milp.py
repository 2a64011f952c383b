"""MILP solve time and final gap with whole halls on every site and optional contracts (prints, asserts nothing).

    python bench/bench_milp.py                          # the example, then 8, 16, 32 sites x 60 months
    python bench/bench_milp.py --sites 32 --time-limit 120

Synthetic portfolios (bench/synthetic.py) get halls of 20, 30 or 40 IT MW at every site, ASICs of the buyable models
in lots of 2.5 MW, and 3 optional 30 MW leases; each is solved to the default gap (1e-4) within the time limit.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_tables  # noqa: E402

import optimizer  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solvers import run_solver  # noqa: E402

PERIODS = 60


def milp_tables(n_sites: int) -> dict[str, pd.DataFrame]:
    """The synthetic portfolio with halls, lots and three optional leases."""
    tables = synthetic_tables(n_sites, PERIODS)
    tables["sites"]["ai_block_mw"] = 20.0 + 10.0 * (np.arange(n_sites) % 3)
    tables["miners"] = tables["miners"].assign(lot_mw=np.where(tables["miners"]["price_usd_per_th"].notna(), 2.5,
                                                               np.nan))
    labels = optimizer.horizon.Horizon("2027-01", PERIODS).labels
    options = pd.DataFrame([
        {"contract": f"option_{k + 1}", "site": tables["sites"]["site"].iloc[k % n_sites], "start": labels[18 + 6 * k],
         "end": labels[-1], "mw": 30.0, "price_usd_per_kw_month": 150.0 + 20 * k, "shortfall_penalty_usd_per_kw_month":
         None, "power_passthrough": False, "optional": True} for k in range(3)])
    tables["contracts"] = pd.concat([tables["contracts"].assign(optional=False), options], ignore_index=True)
    return tables


def _case(n_sites: int | None, time_limit_s: float) -> optimizer.Case:
    if n_sites is None:
        case = optimizer.load(HERE.parent / "models" / "terawulf.yaml")
    else:
        case = optimizer.Case.from_tables(milp_tables(n_sites), start="2027-01", periods=PERIODS, discount_rate=0.1,
                                          name=f"{n_sites} sites")
    case.solver = case.solver_settings(time_limit_s=time_limit_s)
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[8, 16, 32], help="synthetic portfolio sizes")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve (default 120)")
    parser.add_argument("--no-example", action="store_true", help="skip the example")
    args = parser.parse_args()
    print(f"{'case':<12} {'vars':>7} {'integers':>8} {'build s':>8} {'solve s':>8} {'status':>9} {'gap':>9} "
          f"{'objective USD':>18} {'LP relaxation USD':>18}")
    for n_sites in ([] if args.no_example else [None]) + args.sites:
        case = _case(n_sites, args.time_limit)
        started = time.perf_counter()
        model = build_model(case)
        build = time.perf_counter() - started
        outcome = run_solver(model.lp, case.solver)
        relaxed = run_solver(model.lp, case.solver, relax=True)
        gap = "" if outcome.mip_gap is None else f"{outcome.mip_gap:.2e}"
        objective = "" if outcome.objective_usd is None else f"{outcome.objective_usd:,.0f}"
        print(f"{case.name:<12} {model.lp.n_columns:>7,} {int(model.lp.integrality.sum()):>8,} {build:>8.2f} "
              f"{outcome.solve_seconds:>8.2f} {outcome.status:>9} {gap:>9} {objective:>18} "
              f"{relaxed.objective_usd or float('nan'):>18,.0f}", flush=True)


if __name__ == "__main__":
    main()
