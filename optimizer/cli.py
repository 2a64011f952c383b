"""The `capopt` command line. Exit codes: 0 optimal plan, 1 no plan (infeasible, unbounded, solver failure),
2 bad input or usage."""
from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from pathlib import Path

import click

from .case import SOLVERS, Case, load
from .errors import InputError, NoPlanError


def _fail_input(error: InputError) -> None:
    for problem in error.warnings + error.problems:
        click.echo(str(problem), err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} in the inputs; no model was built", err=True)
    sys.exit(2)


def _load(model_file: str) -> Case:
    try:
        case = load(model_file)
    except InputError as error:
        _fail_input(error)
    for warning in case.warnings:
        click.echo(str(warning), err=True)
    return case


@click.group()
@click.version_option(package_name="capopt")
def main() -> None:
    """capopt: split power and floor space between Bitcoin mining and AI hosting, period by period."""


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
def validate(model_file: str) -> None:
    """Check a model file and its input tables; list every problem (exit 2 if any)."""
    case = _load(model_file)
    inputs = case.inputs
    click.echo(f"{model_file}: inputs are valid ({len(inputs.sites)} sites, {len(inputs.miners)} ASIC models, "
               f"{len(inputs.contracts)} contract tranches, {case.horizon.periods} periods)")


def _formats(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--format csv --format xlsx, or --format csv,xlsx,json; default csv."""
    from .report import PLAN_FORMATS

    chosen = [f.strip().lower() for value in values for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in PLAN_FORMATS]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(PLAN_FORMATS)}")
    return tuple(dict.fromkeys(chosen)) or ("csv",)


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for summary.json and plan CSVs "
              "(replaced as a whole when the run succeeds).")
@click.option("--format", "formats", multiple=True, callback=_formats, metavar="csv|xlsx|json",
              help="Plan files to write with --out: csv (default; one CSV per table), xlsx (plan.xlsx with charts), "
                   "json (plan.json). Repeat or give a comma list.")
@click.option("--plots", is_flag=True, help="With --out, also draw PNG charts (allocation, revenue mix, shadow prices).")
@click.option("--solver", type=click.Choice(SOLVERS), help="Override the model file's solver.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True),
              help="Solver time limit in seconds.")
@click.option("--quiet", is_flag=True, help="Print only the NPV line.")
def solve(model_file: str, out_dir: str | None, formats: tuple[str, ...], plots: bool, solver: str | None,
          time_limit_s: float | None, quiet: bool) -> None:
    """Solve MODEL_FILE and print the plan; with --out, write it as files."""
    from .report import summary_text, write_plan
    from .results import solve as solve_case

    if not out_dir and (plots or formats != ("csv",)):
        raise click.UsageError("--format and --plots need --out DIR (the folder to write the plan to)")
    case = _load(model_file)
    try:
        plan = solve_case(case, solver=solver, time_limit_s=time_limit_s)
    except NoPlanError as error:
        click.echo(f"no plan: {error.status}: {error.explanation}", err=True)
        sys.exit(1)
    click.echo(f"NPV: {plan.npv_usd:,.0f} USD ({plan.status})" if quiet else summary_text(plan))
    if out_dir:
        try:
            write_plan(plan, Path(out_dir), formats, plots=plots)
        except OSError as error:
            click.echo(f"error: cannot write the plan to {out_dir}: {error.strerror or error}", err=True)
            sys.exit(1)
        click.echo(f"plan written to {out_dir}/")


def _new_workbook_path(path: str, force: bool) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{path}: the workbook name must end with .xlsx", param_hint="FILE")
    if target.exists() and not force:
        raise click.BadParameter(f"{path} exists; give --force to replace it", param_hint="FILE")
    return target


def _write_workbook(write: Callable[[], tuple[Path, Path | None]], file: str) -> None:
    """Run `write` (template or convert): bad input exits 2, a failed write exits 1, else say what was written."""
    try:
        workbook, model_path = write()
    except InputError as error:
        _fail_input(error)
    except OSError as error:
        click.echo(f"error: cannot write {file}: {error.strerror or error}", err=True)
        sys.exit(1)
    _wrote(workbook, model_path)


def _wrote(workbook: Path, model_path: Path | None) -> None:
    click.echo(f"wrote {workbook}")
    model = model_path or workbook.with_suffix(".yaml")
    if model_path is None:
        click.echo(f"kept the existing {model} (not overwritten); its 'inputs' must name {workbook.name}")
    else:
        click.echo(f"wrote {model_path} (the model file: horizon, discount rate, inputs: {workbook.name})")
    click.echo(f"next: fill in {workbook.name}, then  capopt solve {model} --out plans/{workbook.stem} "
               "--format xlsx --plots")


def _next_month() -> str:
    today = datetime.date.today()
    year, month = divmod(today.year * 12 + today.month, 12)  # today.month is 1-based: this is next month
    return f"{year:04d}-{month + 1:02d}"


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--start", default=_next_month, show_default="next month", help="First period, YYYY-MM.")
@click.option("--periods", type=click.IntRange(min=1), default=24, show_default=True, help="Number of periods.")
@click.option("--months-per-period", type=click.Choice(["1", "3"]), default="1", show_default=True,
              help="1 = monthly, 3 = quarterly.")
@click.option("--discount-rate", type=click.FloatRange(min=-1, max=10, min_open=True, max_open=True), default=0.1,
              show_default=True, help="Annual discount rate (0.1 = 10%).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def template(file: str, start: str, periods: int, months_per_period: str, discount_rate: float, force: bool) -> None:
    """Write an input workbook FILE.xlsx to fill in (one sheet per table, notes, checks, example rows)
    and, unless it exists, its model file FILE.yaml."""
    from .horizon import Horizon, parse_month
    from .template import write_template

    target = _new_workbook_path(file, force)
    parsed = parse_month(start)
    if parsed is None:
        raise click.BadParameter(f"expected a month YYYY-MM, found '{start}'", param_hint="--start")
    horizon = Horizon(f"{parsed[0]:04d}-{parsed[1]:02d}", periods, int(months_per_period), discount_rate)
    _write_workbook(lambda: write_template(target, horizon), file)


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def convert(model_file: str, file: str, force: bool) -> None:
    """Write the input tables of MODEL_FILE as one workbook FILE.xlsx (a sheet per table, cells as given)
    and, unless it exists, a model file FILE.yaml that uses it."""
    from .template import convert_case

    target = _new_workbook_path(file, force)
    _write_workbook(lambda: convert_case(Path(model_file), target), file)


@main.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the PNG files (default PLAN_DIR).")
def plot(plan_dir: str, out_dir: str | None) -> None:
    """Draw PNG charts of a plan saved by 'capopt solve --out PLAN_DIR': allocation per site, revenue mix,
    shadow prices."""
    from .charts import read_saved_plan, write_charts

    try:
        summary, tables = read_saved_plan(Path(plan_dir))
    except FileNotFoundError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except (ValueError, KeyError, OSError) as error:
        click.echo(f"error: cannot read the plan in {plan_dir}: {error}", err=True)
        sys.exit(2)
    try:
        paths = write_charts(summary, tables, Path(out_dir or plan_dir))
    except KeyError as error:
        click.echo(f"error: the plan in {plan_dir} lacks column {error}; write it again with capopt solve", err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(f"error: cannot write the charts: {error.strerror or error}", err=True)
        sys.exit(1)
    for path in paths:
        click.echo(f"wrote {path}")


_VARY_HELP = ("Parameter values: KEY=LOW:HIGH:N (grid), KEY=A,B,C (list), KEY=X, or KEY=LOW~HIGH (random, with "
              "--samples). KEY is GROUP (a multiplier) or set:GROUP (an absolute value), optionally with a window "
              "[FROM:TO] of periods; GROUP: hashprice, energy_price, ai_contract_price, ai_spot_price, ai_capex, "
              "asic_price, capex_budget, grid_mw, discount_rate. Repeat for more parameters.")


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUES", help=_VARY_HELP)
@click.option("--scenarios", "scenario_file", type=click.Path(dir_okay=False),
              help="CSV or xlsx of scenarios: a column per KEY, a row per scenario (blank = as in the inputs); "
                   "a sweep's results.csv works too. Combined with every --vary value.")
@click.option("--samples", type=click.IntRange(min=1), help="Random draws of the LOW~HIGH ranges.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random draws.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for results.csv, results.xlsx, tornado.png, heatmap.png (default NAME-sweep).")
@click.option("--resume", is_flag=True, help="Continue the sweep in --out, skipping the scenarios already done.")
@click.option("--overwrite", is_flag=True, help="Start over in an --out folder that has results.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a pool of processes on this machine; dask: a Dask cluster (pip install capopt[cluster]).")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local "
              "Dask cluster).")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the cores, or 1 for fewer than "
              "200 scenarios).")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Scenarios per task (default: up to 16).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def sweep(model_file: str, varies: tuple[str, ...], scenario_file: str | None, samples: int | None, seed: int,
          out_dir: str | None, resume: bool, overwrite: bool, executor: str, scheduler: str | None, jobs: int | None,
          chunk_size: int | None, no_progress: bool) -> None:
    """Solve MODEL_FILE under many what-if scenarios; one result row per scenario, appended as it finishes
    (exit 1 if some are left unsolved: run again with --resume)."""
    from .sweep.commands import sweep_command

    case = _load(model_file)
    sys.exit(sweep_command(case, varies=varies, scenario_file=scenario_file, samples=samples, seed=seed,
                           out_dir=out_dir, resume=resume, overwrite=overwrite, executor=executor,
                           scheduler=scheduler, jobs=jobs, chunk_size=chunk_size, progress=not no_progress))


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--param", "key", required=True, metavar="KEY", help="The parameter to search, e.g. hashprice "
              "(a multiplier) or set:discount_rate.")
@click.option("--decision", "decision_text", required=True, metavar="EXPR",
              help="METRIC[:FILTER...] OP NUMBER, e.g. 'ai_started_mw:site=lake_mariner:year=2028>0' or "
                   "'npv_usd>0'. Filters: site=, year=, period=, from=, to=.")
@click.option("--low", type=float, required=True, help="Lower end of the search.")
@click.option("--high", type=float, required=True, help="Upper end of the search.")
@click.option("--tol", "tolerance", type=click.FloatRange(min=0, min_open=True),
              help="Width of the final bracket (default (high - low) / 10000).")
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUE", help="Fix another parameter at one value.")
def breakeven(model_file: str, key: str, decision_text: str, low: float, high: float, tolerance: float | None,
              varies: tuple[str, ...]) -> None:
    """Find the value of one parameter at which a decision of the optimal plan changes (bisection; exit 1 if it
    does not change between --low and --high)."""
    from .sweep.commands import breakeven_command

    case = _load(model_file)
    sys.exit(breakeven_command(case, key=key, decision_text=decision_text, low=low, high=high, tolerance=tolerance,
                               varies=varies))


if __name__ == "__main__":
    main()
