"""Where a solve's time goes, at portfolio scale: capopt against HiGHS alone on the same LP (prints, asserts nothing).

For synthetic portfolios of 120 monthly periods (bench/synthetic.py), in one run and as the median of --repeat runs:

    vars, nnz         size of the LP capopt hands to HiGHS
    build             validated inputs -> LP arrays (in process)
    hand-off          LP arrays -> HiGHS (passModel)
    HiGHS in capopt   HiGHS' solve of the LP inside capopt
    pure HiGHS        highspy alone solving the same LP read from an MPS file, in its own process: its solve time
                      (and, in brackets, the whole process: interpreter start, import, reading the file)
    capopt solve      `capopt solve MODEL --out DIR` as a whole process (interpreter start and imports included,
                      plan written as CSV)
    ratio             capopt solve / pure HiGHS solve
    peak RSS          of the `capopt solve` process

    python bench/bench_solve.py                       # 4, 35, 105 sites (about 11k, 100k, 300k variables)
    python bench/bench_solve.py --sites 350           # about 1M variables
    python bench/bench_solve.py --repeat 1
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_tables  # noqa: E402

import optimizer  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solvers.highs import HighsRun  # noqa: E402

PERIODS = 120
_PURE_HIGHS = textwrap.dedent("""
    import sys, time
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(sys.argv[1])
    started = time.perf_counter()
    h.run()
    print(time.perf_counter() - started, h.getInfo().objective_function_value)
""")


def timed_process(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a command run under GNU time."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kb = float(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024, done.stdout


def _write_case(tables: dict, folder: Path) -> Path:
    inputs = folder / "inputs"
    inputs.mkdir()
    for name, frame in tables.items():
        frame.to_csv(inputs / f"{name}.csv", index=False)
    model = folder / "model.yaml"
    model.write_text(f"name: bench\ninputs: inputs\nstart: \"2027-01\"\nperiods: {PERIODS}\ndiscount_rate: 0.1\n")
    return model


def measure(n_sites: int, folder: Path) -> dict[str, float]:
    """One run of every figure for a portfolio of `n_sites` sites."""
    tables = synthetic_tables(n_sites, PERIODS)
    case = optimizer.Case.from_tables(tables, start="2027-01", periods=PERIODS, discount_rate=0.1)
    started = time.perf_counter()
    model = build_model(case)
    build = time.perf_counter() - started
    run = HighsRun(model.lp)
    outcome = run.solve()
    mps = folder / "model.mps"
    run.highs.writeModel(str(mps))
    pure_process, _, out = timed_process([sys.executable, "-c", _PURE_HIGHS, str(mps)])
    pure_solve, pure_objective = (float(x) for x in out.strip().splitlines()[-1].split())  # after the banner
    model_file = _write_case(tables, folder)
    capopt = [str(Path(sys.executable).with_name("capopt")), "solve", str(model_file), "--out", str(folder / "plan"),
              "--quiet"]
    whole, peak_mb, _ = timed_process(capopt)
    if abs(pure_objective - outcome.objective_usd) > 1e-6 * abs(outcome.objective_usd):  # type: ignore[operator]
        raise SystemExit(f"pure HiGHS found {pure_objective}, capopt {outcome.objective_usd}")
    return {"vars": model.lp.n_columns, "nnz": model.lp.matrix().nnz, "build": build,
            "handoff": outcome.handoff_seconds, "highs": outcome.solve_seconds, "pure": pure_solve,
            "pure_process": pure_process, "capopt": whole, "rss": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[4, 35, 105], help="portfolio sizes (sites)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are printed (default 3)")
    args = parser.parse_args()
    print(f"{'sites':>5} {'vars':>9} {'nnz':>10} {'build s':>8} {'hand-off s':>10} {'HiGHS s':>8} "
          f"{'pure HiGHS s':>18} {'capopt solve s':>14} {'ratio':>6} {'peak RSS MB':>11}")
    for n_sites in args.sites:
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                runs.append(measure(n_sites, Path(folder)))
        m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        pure = f"{m['pure']:.2f} ({m['pure_process']:.2f})"
        print(f"{n_sites:>5} {int(m['vars']):>9,} {int(m['nnz']):>10,} {m['build']:>8.2f} {m['handoff']:>10.2f} "
              f"{m['highs']:>8.2f} {pure:>18} {m['capopt']:>14.2f} {m['capopt'] / m['pure']:>6.2f} "
              f"{m['rss']:>11.0f}", flush=True)


if __name__ == "__main__":
    main()
