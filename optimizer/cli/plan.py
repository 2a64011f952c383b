"""`capopt validate`, `capopt solve` and `capopt plot`: check a case, solve it and write the plan, redraw charts."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..case import SOLVERS, Case
from ..errors import NoPlanError
from ..results import Plan
from ..results import solve as solve_case
from ..studies import explain_contracts, task_mapper, value_of_information
from ..studies.executors import EXECUTORS
from ..sweep.params import apply_scenario
from ..sweep.specs import SpecError, parse_vary
from ..writers.layout import check_formats
from ..writers.plan_files import PlanFileError, check_plan_folder, read_saved_plan, write_chart_files, write_plan
from ..writers.terminal import VIEWS, npv_line, summary_text
from .common import Number, load_case, progress_bar, writing

EXIT_NOT_PROVEN = 3  # a MILP plan found at the time limit, not proven optimal: written, labelled, exit 3


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
def validate(model_file: str) -> None:
    """Check a model file and its input tables; list every problem (exit 2 if any)."""
    case = load_case(model_file)
    inputs = case.inputs
    counts = [(len(inputs.sites), "site"), (len(inputs.miners), "ASIC model"),
              (len(inputs.contracts), "contract tranche"), (case.horizon.periods, "period")]
    if case.is_stochastic:
        counts.append((len(inputs.scenarios), "scenario"))
    shown = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
    click.echo(f"{model_file}: inputs are valid ({shown})")


def _formats(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--format csv --format xlsx, or --format csv,xlsx,json; default csv."""
    chosen = [f.strip().lower() for value in values for f in value.split(",") if f.strip()]
    try:
        return tuple(check_formats(chosen)) or ("csv",)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _what_if(case: Case, varies: tuple[str, ...]) -> Case:
    """The case with each --vary KEY=VALUE applied (sweep parameters at one value each); exit 2 if one is bad."""
    if not varies:
        return case
    try:
        if case.is_stochastic:
            raise SpecError("--vary solves one deterministic what-if, and this case has scenarios: sweep them with "
                            "capopt sweep, or vary the inputs of the scenario tables")
        params = {}
        for spec in varies:
            axis = parse_vary(spec)
            if axis.is_random or len(axis.values) != 1:
                raise SpecError(f"--vary '{spec}': solve takes one value per parameter (KEY=VALUE); use capopt "
                                "sweep for ranges")
            params[axis.key.text] = axis.values[0]
        return apply_scenario(case, params)
    except (SpecError, ValueError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


def _studies(plan: Plan, case: Case, explain: bool, information: bool, executor: str, jobs: int,
             scheduler: str | None, progress: bool) -> None:
    """The optional studies of a solve, added to the plan's summary: what each optional contract adds, and EVPI
    and VSS."""
    whole = plan.summary.whole
    optional = {c["contract"]: c["signed"] for c in whole.optional_contracts} if whole is not None else {}
    with task_mapper(executor, jobs, scheduler) as map_tasks:
        if explain and optional:
            with progress_bar(progress, len(optional), f"{case.name}: optional contracts flipped") as advance:
                plan.summary.contract_decisions = [
                    d.to_json() for d in explain_contracts(case, plan.summary.objective_usd, optional,
                                                           map_tasks=map_tasks, progress=advance)]
        if information:
            count = len(case.inputs.scenario_values.names) + 1  # type: ignore[union-attr]
            with progress_bar(progress, count, f"{case.name}: value of information") as advance:
                plan.summary.value_of_information = value_of_information(case, map_tasks=map_tasks,
                                                                         progress=advance).to_json()


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder for summary.json and the plan files "
              "(capopt's previous plan files there are replaced when the run succeeds; other files are kept).")
@click.option("--format", "formats", multiple=True, callback=_formats, metavar="csv|xlsx|json",
              help="Plan files to write with --out: csv (default; one CSV per table), xlsx (plan.xlsx with charts), "
                   "json (plan.json). Repeat or give a comma list.")
@click.option("--plots", is_flag=True, help="With --out, also draw PNG charts (allocation, revenue mix, cash flow, "
              "shadow prices; for scenarios the NPV distribution and MW by scenario).")
@click.option("--force", is_flag=True, help="Write into an --out folder that holds files capopt did not write (they "
              "are kept; a file named like a plan file is never replaced unless capopt wrote it).")
@click.option("--by", "view", type=click.Choice(VIEWS), help="MW and money on the terminal by year, site or period "
              "(default: by period up to 24 periods, else by year).")
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUE",
              help="Solve one what-if: a sweep parameter at one value, e.g. hashprice[2029-01:]=0.5 or "
                   "set:discount_rate=0.08 (repeat for more; see capopt sweep --help for the keys).")
@click.option("--solver", type=click.Choice(SOLVERS), help="Override the model file's solver.")
@click.option("--time-limit", "time_limit_s", type=Number(0, min_open=True), help="Solver time limit in seconds.")
@click.option("--mip-gap", type=Number(0, 1, max_open=True),
              help="Relative gap at which a MILP search stops (default the model file's, else 1e-4; 0 = prove "
                   "optimality).")
@click.option("--relax", is_flag=True, help="Solve the LP relaxation: halls, lots and signatures may be fractional.")
@click.option("--explain-decisions", is_flag=True,
              help="For each optional contract, the NPV signing it adds: one more solve per contract.")
@click.option("--value-of-information", "information", is_flag=True,
              help="With scenarios: EVPI and VSS (one solve per scenario, plus the mean-value plan and the scenario "
                   "model with its commitments).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes for the solves of --explain-decisions and --value-of-information.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="local processes, or a Dask cluster (--scheduler, else a local one) for those solves.")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--no-progress", is_flag=True, help="No progress bar for those solves.")
@click.option("--quiet", is_flag=True, help="Print only the NPV line.")
def solve(model_file: str, out_dir: str | None, formats: tuple[str, ...], plots: bool, force: bool,
          view: str | None, varies: tuple[str, ...], solver: str | None, time_limit_s: float | None,
          mip_gap: float | None, relax: bool, explain_decisions: bool, information: bool, jobs: int, executor: str,
          scheduler: str | None, no_progress: bool, quiet: bool) -> None:
    """Solve MODEL_FILE and print the plan; with --out, write it as files. Exit 0 with an optimal plan, 3 with a
    plan found at the time limit but not proven optimal (written, labelled), 1 without a plan, 2 on bad input."""
    if not out_dir and (plots or force or formats != ("csv",)):
        raise click.UsageError("--format, --plots and --force need --out DIR (the folder to write the plan to)")
    case = _what_if(load_case(model_file), varies)
    if information and not case.is_stochastic:
        raise click.UsageError("--value-of-information needs scenarios (a scenarios table in the inputs)")
    if out_dir:
        with writing(f"the plan to {out_dir}"):  # before solving: a plan that cannot be written is not worth solving
            check_plan_folder(out_dir, formats, plots=plots, force=force, scenarios=case.is_stochastic,
                              inputs_path=case.inputs_path)
    try:
        plan = solve_case(case, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax)
        _studies(plan, case, explain_decisions, information, executor, jobs, scheduler, not no_progress)
    except NoPlanError as error:
        click.echo(f"no plan: {error.status}: {error.explanation}", err=True)
        sys.exit(1)
    click.echo(npv_line(plan) if quiet else summary_text(plan, view))
    if out_dir:
        with writing(f"the plan to {out_dir}"):
            write_plan(plan, out_dir, formats, plots=plots, force=force)
        click.echo(f"plan written to {out_dir}/")
    if plan.status == "feasible":
        sys.exit(EXIT_NOT_PROVEN)


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
