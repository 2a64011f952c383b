"""The work of `capopt sweep` and `capopt breakeven` (their options live in optimizer/cli.py).

Each function prints to the terminal and returns the exit code: 0 done, 1 no result (interrupted or unfinished
sweep, no breakeven found), 2 bad input or usage (printed as one line).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..case import Case
from .breakeven import NoBreakeven, find_breakeven, parse_decision
from .figures import result_columns
from .params import parse_key
from .runner import run_sweep
from .specs import SpecError, build_scenarios, parse_vary, read_scenario_file


def _unit(key: str) -> str:
    return "" if parse_key(key).absolute else " (multiplier)"


def sweep_command(case: Case, *, varies: Sequence[str], scenario_file: str | None, samples: int | None, seed: int,
                  out_dir: str | None, resume: bool, overwrite: bool, executor: str, scheduler: str | None,
                  jobs: int | None, chunk_size: int | None, progress: bool) -> int:
    """Run a sweep from command-line options; print where the results are."""
    try:
        if resume and overwrite:
            raise SpecError("--resume and --overwrite exclude each other")
        axes = [parse_vary(spec) for spec in varies]
        file_rows = read_scenario_file(scenario_file, ignore=result_columns(case, [])) if scenario_file else None
        if not axes and file_rows is None:
            raise SpecError("nothing to vary: give --vary KEY=VALUES (e.g. hashprice=0.5:1.5:11) or --scenarios FILE")
        scenarios = build_scenarios(axes, samples=samples, seed=seed, file_rows=file_rows)
        out = Path(out_dir or f"{case.name}-sweep")
        result = run_sweep(case, scenarios, out, resume=resume, overwrite=overwrite, executor=executor,
                           jobs=jobs, scheduler=scheduler, chunk_size=chunk_size, progress=progress,
                           about={"vary": list(varies), "scenario_file": scenario_file, "samples": samples,
                                  "seed": seed})
    except SpecError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:
        click.echo(f"error: cannot write the sweep's results: {exc.strerror or exc}", err=True)
        return 1
    statuses = ", ".join(f"{n} {status}" for status, n in result.statuses.most_common()) or "none"
    click.echo(f"{case.name}: {result.total} scenarios; {result.solved} solved in {result.seconds:.1f} s "
               f"({result.scenarios_per_second:.1f}/s), {result.skipped} already done; status: {statuses}")
    if result.files:
        click.echo(f"results: {', '.join(str(p) for p in result.files)}")
    if result.problem:
        click.echo(f"error: {result.problem}", err=True)
    if result.unfinished:
        reason = "interrupted" if result.interrupted else "unfinished"
        click.echo(f"{reason}: {result.unfinished} scenarios not solved yet; run the same command with --resume "
                   f"to finish them", err=True)
        return 1
    return 0


def breakeven_command(case: Case, *, key: str, decision_text: str, low: float, high: float,
                      tolerance: float | None, varies: Sequence[str]) -> int:
    """Find and print the breakeven value of `key` for a decision."""
    try:
        fixed = {}
        for spec in varies:
            axis = parse_vary(spec)
            if axis.is_random or len(axis.values) != 1:
                raise SpecError(f"--vary '{spec}': breakeven fixes other parameters at one value each")
            fixed[axis.key.text] = axis.values[0]
        decision = parse_decision(decision_text, case)
        result = find_breakeven(case, key, decision, low, high, tolerance=tolerance, fixed=fixed)
    except SpecError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except NoBreakeven as exc:
        click.echo(f"no breakeven: {exc}", err=True)
        return 1
    unit = "USD" if decision.metric == "npv_usd" else "MW"
    click.echo(f"breakeven of {result.key}{_unit(result.key)}: {result.value:.6g} "
               f"(between {result.low.value:.8g} and {result.high.value:.8g}, {result.evaluations} solves)")
    for side in (result.low, result.high):
        click.echo(f"  at {result.key}={side.value:.8g}: {decision.subject} = {side.measured:,.6g} {unit}, "
                   f"'{decision.text}' is {'true' if side.holds else 'false'}; NPV {side.npv_usd:,.0f} USD")
    return 0
