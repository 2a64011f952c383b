"""plan.xlsx write time: the streamed XlsxWriter workbook against the openpyxl one it replaced, in one run (prints,
asserts nothing).

    python bench/bench_workbook.py                    # 35 sites x 120 months (about 100k variables), 3 runs each
    python bench/bench_workbook.py --sites 105        # about 300k variables
    python bench/bench_workbook.py --baseline REV     # compare with the writer of another commit

The synthetic plan (bench/synthetic.py) is solved once and pickled; each writer then runs in a fresh process on the
same plan, alternating old and new, and the medians are printed with their ratio. The old writer is this
repository's `optimizer` package at --baseline (default: the last commit with the openpyxl writer), taken out of git
into a temporary folder.
"""
from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_tables  # noqa: E402

import optimizer  # noqa: E402

PERIODS = 120
OPENPYXL_WRITER = "5f822a8"  # the last commit whose plan.xlsx was written with openpyxl
_WRITE = textwrap.dedent("""
    import pickle, sys, time
    from optimizer.writers.plan_workbook import write_plan_workbook
    with open(sys.argv[1], "rb") as handle:
        plan = pickle.load(handle)
    started = time.perf_counter()
    write_plan_workbook(plan, sys.argv[2])
    print(time.perf_counter() - started)
""")


def _solved_plan(n_sites: int, folder: Path) -> tuple[Path, int]:
    """The synthetic portfolio's plan, pickled; with its number of variables."""
    case = optimizer.Case.from_tables(synthetic_tables(n_sites, PERIODS), start="2027-01", periods=PERIODS,
                                      discount_rate=0.1, name=f"{n_sites} sites")
    plan = optimizer.solve(case)
    plan.figures = None  # solver arrays: not written, not needed
    path = folder / "plan.pkl"
    path.write_bytes(pickle.dumps(plan))
    return path, plan.summary.size.variables


def _baseline(rev: str, folder: Path) -> Path:
    """The `optimizer` package at `rev`, extracted into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "optimizer"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _time(package_root: Path, plan: Path, out: Path) -> float:
    """Seconds one writer takes, in a fresh process importing `optimizer` from `package_root`."""
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(package_root)!r})\n" + _WRITE,
                           str(plan), str(out)], capture_output=True, text=True, check=True, cwd=package_root)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[35], help="portfolio sizes (sites)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per writer; medians are printed (default 3)")
    parser.add_argument("--baseline", default=OPENPYXL_WRITER, help="commit of the old writer")
    args = parser.parse_args()
    print(f"{'sites':>5} {'vars':>9} {'old s':>7} {'new s':>7} {'old/new':>8} {'old MB':>7} {'new MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old_root = _baseline(args.baseline, folder / "old")
        for n_sites in args.sites:
            plan, variables = _solved_plan(n_sites, folder)
            old, new = [], []
            for _ in range(args.repeat):
                old.append(_time(old_root, plan, folder / "old.xlsx"))
                new.append(_time(REPO, plan, folder / "new.xlsx"))
            o, n = statistics.median(old), statistics.median(new)
            sizes = [(folder / f"{k}.xlsx").stat().st_size / 1e6 for k in ("old", "new")]
            print(f"{n_sites:>5} {variables:>9,} {o:>7.2f} {n:>7.2f} {o / n:>8.1f} {sizes[0]:>7.1f} {sizes[1]:>7.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
