"""`capopt validate`, `capopt solve` and `capopt plot`: check a case, solve it and write the plan, redraw charts."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..case import SOLVERS
from ..errors import NoPlanError
from ..results import solve as solve_case
from ..writers.plan_files import PlanFileError, check_plan_folder, read_saved_plan, write_chart_files, write_plan
from ..writers.layout import check_formats
from ..writers.terminal import npv_line, summary_text
from .common import Number, load_case, writing


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
    try:
        return tuple(check_formats(chosen)) or ("csv",)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for summary.json and the plan files "
              "(capopt's previous plan files there are replaced when the run succeeds; other files are kept).")
@click.option("--format", "formats", multiple=True, callback=_formats, metavar="csv|xlsx|json",
              help="Plan files to write with --out: csv (default; one CSV per table), xlsx (plan.xlsx with charts), "
                   "json (plan.json). Repeat or give a comma list.")
@click.option("--plots", is_flag=True, help="With --out, also draw PNG charts (allocation, revenue mix, cash flow, "
              "shadow prices).")
@click.option("--force", is_flag=True, help="Write into an --out folder that holds files capopt did not write (they "
              "are kept; a file named like a plan file is never replaced unless capopt wrote it).")
@click.option("--solver", type=click.Choice(SOLVERS), help="Override the model file's solver.")
@click.option("--time-limit", "time_limit_s", type=Number(0, min_open=True), help="Solver time limit in seconds.")
@click.option("--quiet", is_flag=True, help="Print only the NPV line.")
def solve(model_file: str, out_dir: str | None, formats: tuple[str, ...], plots: bool, force: bool,
          solver: str | None, time_limit_s: float | None, quiet: bool) -> None:
    """Solve MODEL_FILE and print the plan; with --out, write it as files."""
    if not out_dir and (plots or force or formats != ("csv",)):
        raise click.UsageError("--format, --plots and --force need --out DIR (the folder to write the plan to)")
    case = load_case(model_file)
    if out_dir:
        with writing(f"the plan to {out_dir}"):  # before solving: a plan that cannot be written is not worth solving
            check_plan_folder(out_dir, formats, plots=plots, force=force)
    try:
        plan = solve_case(case, solver=solver, time_limit_s=time_limit_s)
    except NoPlanError as error:
        click.echo(f"no plan: {error.status}: {error.explanation}", err=True)
        sys.exit(1)
    click.echo(npv_line(plan) if quiet else summary_text(plan))
    if out_dir:
        with writing(f"the plan to {out_dir}"):
            write_plan(plan, out_dir, formats, plots=plots, force=force)
        click.echo(f"plan written to {out_dir}/")


@click.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the PNG files (default PLAN_DIR).")
def plot(plan_dir: str, out_dir: str | None) -> None:
    """Draw PNG charts of a plan saved by 'capopt solve --out PLAN_DIR': allocation per site, revenue mix, cash flow,
    shadow prices."""
    # matplotlib: loaded only by the commands that draw
    from ..writers.charts import write_charts

    try:
        summary, tables = read_saved_plan(Path(plan_dir))
    except PlanFileError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    with writing("the charts"):
        paths = write_chart_files(Path(out_dir or plan_dir), lambda folder: write_charts(tables, folder, summary))
    for path in paths:
        click.echo(f"wrote {path}")
