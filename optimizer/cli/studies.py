"""`capopt scenarios` (futures from fundamentals), `capopt frontier` (the risk frontier of a scenario model) and
`capopt export` (the model as an LP or MPS file for other solvers)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np

from ..files import atomic_file, check_replaceable
from ..limits import MAX_CASE_SCENARIOS
from ..model import build_model
from ..model.scenarios import build_scenario_model
from ..solvers.pulp_backend import EXPORT_FORMATS, export, is_capopt_export
from ..studies import frontier_tables, risk_frontier, task_mapper
from .common import load_case, progress_bar, writing

MAX_PATHS = 100_000


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--paths", "n_paths", type=click.IntRange(1, MAX_PATHS), default=1000, show_default=True,
              help="Monthly futures simulated over the horizon.")
@click.option("--keep", type=click.IntRange(1, MAX_CASE_SCENARIOS), default=10, show_default=True,
              help="Scenarios kept (each with its probability).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: the same seed gives the same files.")
@click.option("--method", type=click.Choice(["kmedoids", "quantiles"]), default="kmedoids", show_default=True,
              help="How paths are grouped: k-medoids on the hashprice paths, or bands of mean hashprice.")
@click.option("--representative", type=click.Choice(["mean", "medoid"]), default="mean", show_default=True,
              help="A scenario is its group's mean path (keeps the mean exactly) or its medoid path.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for scenarios.csv, scenario_periods.csv, scenario_summary.csv, summary.json and "
                   "fan_chart.png.")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files (they are kept).")
def scenarios(model_file: str, n_paths: int, keep: int, seed: int, method: str, representative: str,
              out_dir: str, force: bool) -> None:
    """Simulate futures of bitcoin price, network hashrate and fees over MODEL_FILE's horizon and reduce them to
    scenarios with probabilities (the scenarios and scenario_periods tables)."""
    # scipy (the reduction) and matplotlib (the fan chart): loaded only when scenarios are generated
    from ..futures.generate import generate_scenarios
    from ..writers.fan_chart import fan_chart
    from ..writers.study_files import SCENARIO_SET_OWNER, check_study_folder, write_scenario_set

    case = load_case(model_file)
    if keep > n_paths:
        raise click.BadParameter(f"--keep ({keep}) cannot exceed --paths ({n_paths})", param_hint="--keep")
    with writing("the scenarios"):
        check_study_folder(out_dir, SCENARIO_SET_OWNER, force=force)
    first = case.inputs.periods.iloc[0]
    start_price = None if np.isnan(first["btc_price_usd"]) else float(first["btc_price_usd"])
    start_hashrate = None if np.isnan(first["network_hashrate_eh_s"]) else float(first["network_hashrate_eh_s"])
    paths, reduced = generate_scenarios(case.horizon, case.generation, n_paths, keep, seed,
                                        case.inputs.halving_months, start_price, start_hashrate, method, representative)
    with writing(f"the scenarios to {out_dir}"):
        files = write_scenario_set(Path(out_dir), reduced.scenarios, reduced.scenario_periods, reduced.summary,
                                   fan_chart(paths, reduced, case.horizon), force=force)
    s = reduced.summary
    mean_path = s["mean_hashprice_path"]
    errors = s["reduction_error"]
    click.echo(f"{case.name}: {n_paths} paths ({s['settings']['price_model']}, seed {seed}) reduced to {keep} "
               f"scenarios by {method} ({representative} of each group)")
    click.echo(f"  probability-weighted mean hashprice vs the mean of all paths: at most "
               f"{mean_path['max_relative_deviation']:.2%} apart in any period (criterion 5%)")
    click.echo(f"  reduction error: paths lie {errors['mean_rms_relative_distance_to_scenario']:.0%} (RMS, relative) "
               f"from their scenario; Wasserstein distance {errors['wasserstein_relative_mean']:.0%} of the mean "
               "hashprice per period")
    click.echo(f"{'scenario':<16}{'probability':>12}{'mean hashprice':>16}{'end BTC price':>16}")
    for row in reduced.scenarios.itertuples(index=False):
        click.echo(f"{row.scenario:<16}{row.probability:>12.1%}{row.mean_hashprice_usd_per_ph_day:>16,.1f}"
                   f"{row.end_btc_price_usd:>16,.0f}")
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    click.echo(f"next: plan against them (copy scenarios.csv and scenario_periods.csv into the case's inputs and add "
               f"`scenarios: {{commit_through: ...}}` to the model file), or sweep them: capopt sweep {model_file} "
               f"--scenarios {Path(out_dir) / 'scenarios.csv'}")


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.option("--weights", default="0,0.25,0.5,0.75,1", show_default=True, metavar="W,W,...",
              help="CVaR weights in [0, 1] at which the scenario model is solved.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for frontier.csv, frontier_committed.csv, frontier.json and frontier.png.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine; dask: a Dask cluster (--scheduler, or a local one).")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files (they are kept).")
def frontier(model_file: str, weights: str, out_dir: str, jobs: int, executor: str, scheduler: str | None,
             no_progress: bool, force: bool) -> None:
    """Solve MODEL_FILE's scenario model at several CVaR weights: expected NPV against CVaR, and how what is
    committed now changes along the frontier."""
    from ..writers.scenario_charts import frontier_chart
    from ..writers.study_files import FRONTIER_OWNER, check_study_folder, write_frontier

    case = load_case(model_file)
    if not case.is_stochastic:
        raise click.UsageError(f"{model_file} has no scenarios: the frontier needs a scenarios table")
    try:
        chosen = [float(w) for w in weights.split(",") if w.strip()]
    except ValueError:
        raise click.BadParameter(f"expected numbers such as 0,0.5,1, found '{weights}'",
                                 param_hint="--weights") from None
    if not chosen or any(not 0 <= w <= 1 for w in chosen):
        raise click.BadParameter(f"weights must be in [0, 1], found '{weights}'", param_hint="--weights")
    with writing("the frontier"):
        check_study_folder(out_dir, FRONTIER_OWNER, force=force)
    with progress_bar(not no_progress, len(chosen), f"{case.name}: frontier") as advance, \
            task_mapper(executor, jobs, scheduler) as map_tasks:
        points = risk_frontier(case, chosen, map_tasks=map_tasks, progress=advance)
    table, committed = frontier_tables(points)
    alpha = case.scenario_settings.cvar_alpha
    click.echo(f"{case.name}: risk frontier, CVaR = mean NPV of the worst {1 - alpha:.0%}")
    click.echo(f"{'weight':>7}{'expected NPV':>18}{'CVaR':>18}  status")
    for row in table.itertuples(index=False):
        expected = "" if row.expected_npv_usd is None else f"{row.expected_npv_usd:,.0f}"
        cvar = "" if row.cvar_usd is None else f"{row.cvar_usd:,.0f}"
        click.echo(f"{row.weight:>7g}{expected:>18}{cvar:>18}  {row.status}")
    with writing(f"the frontier to {out_dir}"):
        files = write_frontier(Path(out_dir), table, committed, {"model_file": model_file, "cvar_alpha": alpha},
                               frontier_chart(table, committed, alpha), force=force)
    click.echo(f"wrote {', '.join(str(f) for f in files)}")
    if (table["status"] != "optimal").any():
        sys.exit(1)


@click.command(name="export")
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if capopt wrote it.")
def export_model(model_file: str, file: str, force: bool) -> None:
    """Write MODEL_FILE's model (the scenario model, with scenarios) as FILE.mps or FILE.lp for another solver;
    variables and rows are named block_i_j... with 0-based indexes (e.g. floor_space_2_14 = site 2, period 14)."""
    target = Path(file)
    if target.suffix.lower() not in EXPORT_FORMATS:
        raise click.BadParameter(f"{file}: the name must end with {' or '.join(EXPORT_FORMATS)}", param_hint="FILE")
    with writing(file):
        check_replaceable(target, is_capopt_export, force=force)
    case = load_case(model_file)
    model = build_scenario_model(case) if case.is_stochastic else build_model(case)
    with writing(file), atomic_file(target) as staging:
        export(model.lp, staging, case.name, file_format=target.suffix)
    kind = "MILP" if model.lp.is_mip else "LP"
    click.echo(f"wrote {file}: {kind} with {model.lp.n_columns:,} variables and {model.lp.n_rows:,} rows, maximising "
               "the NPV")
