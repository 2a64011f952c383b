"""`capopt validate`, `capopt solve` and `capopt plot`: check a case, solve it and write the plan, redraw charts."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..case import SOLVERS
from ..errors import NoPlanError
from ..results import solve as solve_case
from ..writers.plan_files import PLAN_FORMATS, read_saved_plan, write_plan
from ..writers.terminal import npv_line, summary_text
from .common import load_case


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
def validate(model_file: str) -> None:
    """Check a model file and its input tables; list every problem (exit 2 if any)."""
    case = load_case(model_file)
    inputs = case.inputs
    click.echo(f"{model_file}: inputs are valid ({len(inputs.sites)} sites, {len(inputs.miners)} ASIC models, "
               f"{len(inputs.contracts)} contract tranches, {case.horizon.periods} periods)")


def _formats(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--format csv --format xlsx, or --format csv,xlsx,json; default csv."""
    chosen = [f.strip().lower() for value in values for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in PLAN_FORMATS]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(PLAN_FORMATS)}")
    return tuple(dict.fromkeys(chosen)) or ("csv",)


@click.command()
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
    if not out_dir and (plots or formats != ("csv",)):
        raise click.UsageError("--format and --plots need --out DIR (the folder to write the plan to)")
    case = load_case(model_file)
    try:
        plan = solve_case(case, solver=solver, time_limit_s=time_limit_s)
    except NoPlanError as error:
        click.echo(f"no plan: {error.status}: {error.explanation}", err=True)
        sys.exit(1)
    click.echo(npv_line(plan) if quiet else summary_text(plan))
    if out_dir:
        try:
            write_plan(plan, Path(out_dir), formats, plots=plots)
        except OSError as error:
            click.echo(f"error: cannot write the plan to {out_dir}: {error.strerror or error}", err=True)
            sys.exit(1)
        click.echo(f"plan written to {out_dir}/")


@click.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the PNG files (default PLAN_DIR).")
def plot(plan_dir: str, out_dir: str | None) -> None:
    """Draw PNG charts of a plan saved by 'capopt solve --out PLAN_DIR': allocation per site, revenue mix,
    shadow prices."""
    # matplotlib: loaded only by the commands that draw
    from ..writers.charts import write_charts

    try:
        summary, tables = read_saved_plan(Path(plan_dir))
    except FileNotFoundError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except (ValueError, KeyError, OSError) as error:
        click.echo(f"error: cannot read the plan in {plan_dir}: {error}", err=True)
        sys.exit(2)
    try:
        paths = write_charts(tables, Path(out_dir or plan_dir), months_per_period=summary["horizon"]["months_per_period"],
                             crossover_period=summary.get("crossover_period"))
    except KeyError as error:
        click.echo(f"error: the plan in {plan_dir} lacks column {error}; write it again with capopt solve", err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(f"error: cannot write the charts: {error.strerror or error}", err=True)
        sys.exit(1)
    for path in paths:
        click.echo(f"wrote {path}")
