"""What every command shares: loading a model file, and reporting bad input (exit 2) on stderr."""
from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from ..case import Case, load
from ..errors import InputError
from ..files import OutputError
from ..schema import NUMBER


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


class Number(click.ParamType):
    """A finite number written with ASCII digits (nan, inf and 1_000 refused), within optional bounds."""

    name = "number"

    def __init__(self, minimum: float | None = None, maximum: float | None = None, *, min_open: bool = False,
                 max_open: bool = False):
        self.minimum, self.maximum, self.min_open, self.max_open = minimum, maximum, min_open, max_open

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            number = value
        elif NUMBER.fullmatch(str(value).strip()):
            number = float(str(value).strip())
        else:
            self.fail(f"'{value}' is not a number", param, ctx)
        low_ok = self.minimum is None or (number > self.minimum if self.min_open else number >= self.minimum)
        high_ok = self.maximum is None or (number < self.maximum if self.max_open else number <= self.maximum)
        if not (math.isfinite(number) and low_ok and high_ok):
            self.fail(f"'{value}' is not {self._range()}", param, ctx)
        return number

    def _range(self) -> str:
        parts = ["a finite number"]
        if self.minimum is not None:
            parts.append(f"{'>' if self.min_open else '>='} {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"{'<' if self.max_open else '<='} {self.maximum:g}")
        return " ".join(parts[:1]) + (" " + " and ".join(parts[1:]) if len(parts) > 1 else "")


@contextmanager
def writing(what: str) -> Iterator[None]:
    """Around writing output: one that capopt must not write (`OutputError`: a file it did not write, a folder in
    use) exits 2 with its one line, nothing written; a failed write (`OSError`: disk full, no permission) exits 1
    saying it cannot write `what`."""
    try:
        yield
    except OutputError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(f"error: cannot write {what}: {error.strerror or error}", err=True)
        sys.exit(1)


class ProgressLine:
    """Progress on stderr (a terminal only): a bar, done / total and an ETA. The rate is measured from the first
    result on, so the time spent building the model before it does not inflate the ETA."""

    def __init__(self, label: str, width: int = 30):
        self.label, self.width = label, width
        self.shown = sys.stderr.isatty()
        self.first: tuple[float, int] | None = None  # (time, done) of the first result
        self.last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done and self.first is None:
            self.first = (now, done)
        if not self.shown or not total or (now - self.last_draw < 0.2 and done < total):
            return
        self.last_draw = now
        eta = ""
        if self.first is not None and done > self.first[1]:
            rate = (done - self.first[1]) / max(now - self.first[0], 1e-9)
            eta = f"  ETA {_clock((total - done) / rate)}"
        filled = int(self.width * done / total)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {done}/{total}{eta}   ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown and self.last_draw:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@contextlib.contextmanager
def progress_bar(enabled: bool, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress line on stderr for `total` steps; yields the function to call with the steps just done."""
    if not enabled or total == 0:
        yield lambda steps: None
        return
    line = ProgressLine(label)
    done = 0

    def advance(steps: int) -> None:
        nonlocal done
        done += steps
        line(done, total)

    line(0, total)
    try:
        yield advance
    finally:
        line.close()
