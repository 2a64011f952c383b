"""The `capopt` command line. Exit codes: 0 optimal plan, 1 no plan (infeasible, unbounded, solver failure),
2 bad input or usage."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .case import SOLVERS, Case, load
from .errors import InputError, NoPlanError


def _fail_input(error: InputError) -> None:
    for problem in error.problems:
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


@main.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for summary.json and plan CSVs "
              "(replaced as a whole when the run succeeds).")
@click.option("--solver", type=click.Choice(SOLVERS), help="Override the model file's solver.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True),
              help="Solver time limit in seconds.")
@click.option("--quiet", is_flag=True, help="Print only the NPV line.")
def solve(model_file: str, out_dir: str | None, solver: str | None, time_limit_s: float | None, quiet: bool) -> None:
    """Solve MODEL_FILE and print the plan; with --out, write it as files."""
    from .report import summary_text, write_plan
    from .solve import solve as solve_case

    case = _load(model_file)
    try:
        plan = solve_case(case, solver=solver, time_limit_s=time_limit_s)
    except NoPlanError as error:
        click.echo(f"no plan: {error.status}: {error.explanation}", err=True)
        sys.exit(1)
    click.echo(f"NPV: {plan.npv_usd:,.0f} USD ({plan.status})" if quiet else summary_text(plan))
    if out_dir:
        try:
            write_plan(plan, Path(out_dir))
        except OSError as error:
            click.echo(f"error: cannot write the plan to {out_dir}: {error.strerror or error}", err=True)
            sys.exit(1)
        click.echo(f"plan written to {out_dir}/")


if __name__ == "__main__":
    main()
