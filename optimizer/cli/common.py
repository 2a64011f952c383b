"""What every command shares: loading a model file, and reporting bad input (exit 2) on stderr."""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

import click

from ..case import Case, load
from ..errors import InputError


def fail_input(error: InputError) -> NoReturn:
    """Print every problem (and the warnings found with them), one line each, and exit 2."""
    for problem in error.warnings + error.problems:
        click.echo(str(problem), err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} in the inputs; no model was built", err=True)
    sys.exit(2)


def load_case(model_file: str) -> Case:
    """The case of a model file, its warnings printed; exit 2 on bad input."""
    try:
        case = load(model_file)
    except InputError as error:
        fail_input(error)
    for warning in case.warnings:
        click.echo(str(warning), err=True)
    return case


@contextlib.contextmanager
def progress_bar(enabled: bool, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for `total` steps; yields the function to call with the steps just done."""
    if not enabled or total == 0:
        yield lambda steps: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True,
                           width=30) as bar:
        yield bar.update
