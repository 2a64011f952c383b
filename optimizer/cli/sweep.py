"""`capopt sweep` and `capopt breakeven`: many what-if scenarios of one case, and the value where a decision changes.

Exit codes: 0 done, 1 no result (interrupted or unfinished sweep, no breakeven found), 2 bad input or usage
(printed as one line).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from ..files import slug
from ..limits import MAX_SCENARIOS
from ..results import solve as solve_case
from ..sweep.breakeven import NoBreakeven, find_breakeven, parse_decision
from ..sweep.figures import result_columns
from ..sweep.params import GROUPS, apply_scenario, level, parse_key
from ..sweep.runner import run_sweep
from ..sweep.specs import SpecError, build_scenarios, is_future_set, parse_vary, read_future_set, read_scenario_file
from ..writers.plan_files import check_plan_folder, write_plan
from .common import Number, ProgressLine, fail_input, load_case, writing

_VARY_HELP = ("Parameter values: KEY=LOW:HIGH:N (grid), KEY=A,B,C (list), KEY=X, or KEY=LOW~HIGH (random, with "
              "--samples). KEY is GROUP (a multiplier) or set:GROUP (an absolute value), optionally with a window "
              "[FROM:TO] of periods; GROUP: hashprice, energy_price, ai_contract_price, ai_spot_price, ai_capex, "
              "asic_price, capex_budget, grid_mw, discount_rate. Repeat for more parameters.")


def _unit(key: str) -> str:
    return "" if parse_key(key).absolute else " (multiplier)"


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUES", help=_VARY_HELP)
@click.option("--scenarios", "scenario_file", type=click.Path(dir_okay=False),
              help="CSV or xlsx of scenarios: a column per KEY, a row per scenario (blank = as in the inputs); "
                   "a sweep's results.csv works too. Combined with every --vary value.")
@click.option("--samples", type=click.IntRange(1, MAX_SCENARIOS), help="Random draws of the LOW~HIGH ranges.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random draws.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for results.csv, results.xlsx, tornado.png, heatmap.png (default NAME-sweep, NAME being "
                   "the model's name made a plain file name).")
@click.option("--resume", is_flag=True, help="Continue the sweep in --out, skipping the scenarios already done.")
@click.option("--overwrite", is_flag=True, help="Start over in an --out folder that has results.")
@click.option("--force", is_flag=True, help="Write into an --out folder that holds files capopt did not write (they "
              "are kept; a file named like a sweep file is never replaced unless capopt wrote it).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a pool of processes on this machine; dask: a Dask cluster (pip install capopt[cluster]).")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local "
              "Dask cluster).")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: every core when the sweep would "
              "take over 30 s in one, judged by timing the base case; else 1).")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Scenarios per task (default: up to 16).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def sweep(model_file: str, varies: tuple[str, ...], scenario_file: str | None, samples: int | None, seed: int,
          out_dir: str | None, resume: bool, overwrite: bool, force: bool, executor: str, scheduler: str | None,
          jobs: int | None, chunk_size: int | None, no_progress: bool) -> None:
    """Solve MODEL_FILE under many what-if scenarios; one result row per scenario, appended as it finishes
    (exit 1 if some are left unsolved or ended in an error: run again with --resume)."""
    case = load_case(model_file)
    bar = None if no_progress else ProgressLine(f"{case.name}: scenarios")
    try:
        with writing("the sweep's results"):
            if resume and overwrite:
                raise SpecError("--resume and --overwrite exclude each other")
            axes = [parse_vary(spec) for spec in varies]
            file_rows = None
            if scenario_file and is_future_set(scenario_file):  # a scenario set of `capopt scenarios`: one row each
                case, file_rows = read_future_set(scenario_file, case)
            elif scenario_file:
                file_rows = read_scenario_file(scenario_file, ignore=result_columns(case, []))
            if not axes and file_rows is None:
                raise SpecError("nothing to vary: give --vary KEY=VALUES (e.g. hashprice=0.5:1.5:11) or --scenarios "
                                "FILE")
            scenarios = build_scenarios(axes, samples=samples, seed=seed, file_rows=file_rows)
            out = Path(out_dir or f"{slug(case.name)}-sweep")  # the name is a label, never a path
            result = run_sweep(case, scenarios, out, resume=resume, overwrite=overwrite, force=force,
                               executor=executor, jobs=jobs, scheduler=scheduler, chunk_size=chunk_size,
                               progress=bar, warn=lambda text: click.echo(f"warning: {text}", err=True),
                               about={"vary": list(varies), "scenario_file": scenario_file, "samples": samples,
                                      "seed": seed})
    except SpecError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except InputError as error:
        fail_input(error)
    finally:
        if bar is not None:
            bar.close()
    statuses = ", ".join(f"{n} {status}" for status, n in result.statuses.most_common()) or "none"
    click.echo(f"{case.name}: {result.total} scenarios; {result.solved} solved in {result.seconds:.1f} s "
               f"({result.scenarios_per_second:.1f}/s), {result.skipped} already done; status: {statuses}")
    no_plan = sum(n for status, n in result.statuses.items() if status != "optimal")
    if no_plan:
        click.echo(f"{no_plan} of {result.solved} scenarios solved now have no plan; the column 'why' of "
                   f"results.csv says what stops each")
    if result.files:
        click.echo(f"results: {', '.join(str(p) for p in result.files)}")
    if result.problem:
        click.echo(f"error: {result.problem}", err=True)
    if result.failed:
        click.echo(f"error: {result.failed} scenario{'s' if result.failed > 1 else ''} ended in an error or a time "
                   "limit (see the column detail of results.csv); run the same command with --resume to solve them "
                   "again", err=True)
    if result.unfinished:
        reason = "interrupted" if result.interrupted else "unfinished"
        click.echo(f"{reason}: {result.unfinished} scenarios not solved yet; run the same command with --resume "
                   f"to finish them", err=True)
    if result.unfinished or result.failed:
        sys.exit(1)


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--param", "key", required=True, metavar="KEY", help="The parameter to search, e.g. hashprice "
              "(a multiplier) or set:discount_rate.")
@click.option("--decision", "decision_text", required=True, metavar="EXPR",
              help="METRIC[:FILTER...] OP NUMBER, e.g. 'ai_started_mw:site=lake_mariner:year=2028>0' or "
                   "'npv_usd>0'. Filters: site=, year=, period=, from=, to=.")
@click.option("--low", type=Number(), required=True, help="Lower end of the search.")
@click.option("--high", type=Number(), required=True, help="Upper end of the search.")
@click.option("--tol", "tolerance", type=Number(0, min_open=True),
              help="Width of the final bracket (default (high - low) / 10000; values have 12 significant digits, so "
                   "the bracket narrows no further than that).")
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUE", help="Fix another parameter at one value.")
@click.option("--plan", "plan_dir", type=click.Path(file_okay=False),
              help="Also write the full plan at the breakeven (the high end of the final bracket) to this folder.")
def breakeven(model_file: str, key: str, decision_text: str, low: float, high: float, tolerance: float | None,
              varies: tuple[str, ...], plan_dir: str | None) -> None:
    """Find the value of one parameter at which a decision of the optimal plan changes (bisection; exit 1 if it
    does not change between --low and --high)."""
    case = load_case(model_file)
    if plan_dir:
        with writing(f"the plan to {plan_dir}"):
            check_plan_folder(plan_dir)
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
        sys.exit(2)
    except NoBreakeven as exc:
        click.echo(f"no breakeven: {exc}", err=True)
        sys.exit(1)
    unit = "USD" if decision.metric == "npv_usd" else "MW"
    click.echo(f"breakeven of {result.key}{_unit(result.key)}: {result.value:.6g} "
               f"(between {result.low.value:.12g} and {result.high.value:.12g}, {result.evaluations} solves)")
    means = level(case, result.key, result.value)
    if means is not None:
        group = GROUPS[parse_key(result.key).group]
        window = parse_key(result.key)
        where = f" over {window.first or case.horizon.labels[0]}..{window.last or case.horizon.labels[-1]}" \
            if group.periodic else ""
        click.echo(f"  in {group.unit}: {means[1]:,.6g} on average{where} (the inputs: {means[0]:,.6g})")
    if result.high.value - result.low.value > result.tolerance:
        click.echo(f"  the bracket is wider than --tol {result.tolerance:g}: 12 significant digits cannot narrow it "
                   "further")
    for side in (result.low, result.high):
        click.echo(f"  at {result.key}={side.value:.8g}: {decision.subject} = {side.measured:,.6g} {unit}, "
                   f"'{decision.text}' is {'true' if side.holds else 'false'}; NPV {side.npv_usd:,.0f} USD")
    if plan_dir:
        params = {**result.fixed, result.key: result.high.value}
        plan = solve_case(apply_scenario(case, params))
        with writing(f"the plan to {plan_dir}"):
            write_plan(plan, plan_dir)
        click.echo(f"plan at {', '.join(f'{k}={v:.8g}' for k, v in params.items())} written to {plan_dir}/")
