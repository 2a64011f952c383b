"""`capopt template` and `capopt convert`: start a case in Excel."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import InputError
from ..horizon import Horizon, parse_month
from ..limits import MAX_PERIODS
from .common import Number, fail_input, writing

_FORCE_HELP = ("Replace FILE if capopt wrote it (a workbook capopt did not write, or whose cells were changed, is "
               "never replaced).")


def _workbook_path(path: str) -> Path:
    if Path(path).suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{path}: the workbook name must end with .xlsx", param_hint="FILE")
    return Path(path)


def _write_workbook(write: Callable[[], tuple[Path, Path | None]], file: str, *, filled: bool) -> None:
    """Run `write` (template or convert): bad input exits 2, a failed write exits 1, else say what was written and
    what to do next (fill in a template; solve a converted case, whose workbook is filled already)."""
    try:
        with writing(file):
            workbook, model_path = write()
    except InputError as error:
        fail_input(error)
    click.echo(f"wrote {workbook}")
    model = model_path or workbook.with_suffix(".yaml")
    if model_path is None:
        click.echo(f"kept the existing {model} (not overwritten); its 'inputs' must name {workbook.name}")
    else:
        click.echo(f"wrote {model_path} (the model file: horizon, discount rate, inputs: {workbook.name})")
    solve = f"capopt solve {model} --out plans/{workbook.stem} --format xlsx --plots"
    click.echo(f"next: {solve}" if filled else f"next: fill in {workbook.name}, then  {solve}")


def _next_month() -> str:
    today = datetime.date.today()
    year, month = divmod(today.year * 12 + today.month, 12)  # today.month is 1-based: this is next month
    return f"{year:04d}-{month + 1:02d}"


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--start", default=_next_month, show_default="next month", help="First period, YYYY-MM.")
@click.option("--periods", type=click.IntRange(1, MAX_PERIODS), default=24, show_default=True,
              help="Number of periods.")
@click.option("--months-per-period", type=click.Choice(["1", "3"]), default="1", show_default=True,
              help="1 = monthly, 3 = quarterly.")
@click.option("--discount-rate", type=Number(-1, 10, min_open=True, max_open=True), default=0.0, show_default=True,
              help="Annual discount rate written to the model file (0.1 = 10%; 0, as for a model file without "
                   "the key, until you set your cost of capital).")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def template(file: str, start: str, periods: int, months_per_period: str, discount_rate: float, force: bool) -> None:
    """Write an input workbook FILE.xlsx to fill in (one sheet per table, notes, checks, example rows)
    and, unless it exists, its model file FILE.yaml."""
    # XlsxWriter: loaded only by the commands that write workbooks
    from ..writers.input_workbook import write_template

    target = _workbook_path(file)
    parsed = parse_month(start)
    if parsed is None:
        raise click.BadParameter(f"expected a month YYYY-MM, found '{start}'", param_hint="--start")
    try:
        horizon = Horizon(f"{parsed[0]:04d}-{parsed[1]:02d}", periods, int(months_per_period), discount_rate)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--periods") from None
    _write_workbook(lambda: write_template(target, horizon, force=force), file, filled=False)


@click.command()
@click.argument("model_file", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def convert(model_file: str, file: str, force: bool) -> None:
    """Write the input tables of MODEL_FILE as one workbook FILE.xlsx (a sheet per table, cells as given)
    and, unless it exists, a model file FILE.yaml that uses it."""
    # XlsxWriter: loaded only by the commands that write workbooks
    from ..writers.input_workbook import convert_case

    target = _workbook_path(file)
    _write_workbook(lambda: convert_case(Path(model_file), target, force=force), file, filled=True)
