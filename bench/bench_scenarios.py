"""The extensive form at scale: the example planned against 10, 50 and 200 generated scenarios (prints figures).

For each scenario count, in one run: the model's size, build, hand-off and HiGHS time inside capopt; HiGHS alone on
the same model read from an MPS file (its own process): its solve of the MILP, and (`+ duals`) that solve followed by
the two LPs capopt also solves for a MILP's report (the LP relaxation, then the LP with the integers fixed, warm from
its basis, for shadow prices); `capopt solve MODEL --out DIR` as a whole process with its peak RSS; `ratio` = the
whole process / HiGHS's MILP solve, `ratio 2` = the whole process / HiGHS doing the same three solves.

    python bench/bench_scenarios.py                  # 10, 50, 200 scenarios
    python bench/bench_scenarios.py --scenarios 400  # where the extensive form stops being practical (README)
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_solve import timed_process  # noqa: E402

import optimizer  # noqa: E402
from optimizer.model.scenarios import build_scenario_model  # noqa: E402
from optimizer.solvers.highs import HighsRun  # noqa: E402

# HiGHS alone: the MILP, then what capopt also solves for a MILP's report (the LP relaxation, and the LP with the
# integers fixed, warm from its basis, whose duals are the shadow prices)
_PURE_HIGHS = textwrap.dedent("""
    import sys, time
    import highspy
    import numpy as np
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(sys.argv[1])
    started = time.perf_counter()
    h.run()
    milp = time.perf_counter() - started
    lp = h.getLp()
    integer = np.flatnonzero(np.asarray(lp.integrality_) == highspy.HighsVarType.kInteger).astype(np.int32)
    n = len(integer)
    fixed = np.round(np.asarray(h.getSolution().col_value)[integer])
    h.changeColsIntegrality(n, integer, np.zeros(n, dtype=np.int32))
    h.run()
    h.changeColsBounds(n, integer, fixed, fixed)
    h.run()
    print(milp, time.perf_counter() - started, h.getInfo().objective_function_value)
""")


def _case_with_scenarios(folder: Path, count: int) -> Path:
    """The example's inputs with `count` scenarios from `capopt scenarios` (seed 1), committed through 2027-12."""
    example = optimizer.load(ROOT / "models" / "terawulf.yaml")
    inputs = folder / "inputs"
    shutil.copytree(Path(example.source).parent / "../inputs/terawulf", inputs)  # type: ignore[arg-type]
    capopt = str(Path(sys.executable).with_name("capopt"))
    subprocess.run([capopt, "scenarios", str(ROOT / "models" / "terawulf.yaml"), "--paths", str(max(1000, 5 * count)),
                    "--keep", str(count), "--seed", "1", "--out", str(folder / "set")], check=True,
                   capture_output=True)
    for name in ("scenarios.csv", "scenario_periods.csv"):
        shutil.copy(folder / "set" / name, inputs / name)
    model = folder / "model.yaml"
    text = (ROOT / "models" / "terawulf.yaml").read_text().replace("../inputs/terawulf", "inputs")
    # an hour instead of the example's 60 s: the whole solve is what is measured
    text = text.replace("time_limit_s: 60", "time_limit_s: 3600")
    model.write_text(text + 'scenarios: {commit_through: "2027-12"}\n')
    return model


def measure(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model_file = _case_with_scenarios(folder, count)
        case = optimizer.load(model_file)
        started = time.perf_counter()
        model = build_scenario_model(case)
        build = time.perf_counter() - started
        run = HighsRun(model.lp)
        outcome = run.solve()
        mps = folder / "model.mps"
        run.highs.writeModel(str(mps))
        _, _, out = timed_process([sys.executable, "-c", _PURE_HIGHS, str(mps)])
        pure, pure_with_duals = (float(v) for v in out.strip().splitlines()[-1].split()[:2])
        capopt = [str(Path(sys.executable).with_name("capopt")), "solve", str(model_file), "--out",
                  str(folder / "plan"), "--quiet"]
        whole, peak_mb, _ = timed_process(capopt)
        print(f"{count:>9} {model.lp.n_columns:>10,} {model.lp.n_rows:>9,} {model.lp.matrix().nnz:>11,} {build:>8.2f} "
              f"{outcome.handoff_seconds:>10.2f} {outcome.solve_seconds:>8.2f} {pure:>12.2f} {pure_with_duals:>10.2f} "
              f"{whole:>14.2f} {whole / pure:>6.2f} {whole / pure_with_duals:>7.2f} {peak_mb:>11,.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, nargs="+", default=[10, 50, 200])
    args = parser.parse_args()
    print(f"{'scenarios':>9} {'vars':>10} {'rows':>9} {'nnz':>11} {'build s':>8} {'hand-off s':>10} {'HiGHS s':>8} "
          f"{'pure HiGHS s':>12} {'+ duals s':>10} {'capopt solve s':>14} {'ratio':>6} {'ratio 2':>7} "
          f"{'peak RSS MB':>11}")
    for count in args.scenarios:
        measure(count)


if __name__ == "__main__":
    main()
