"""Which scenarios to run: `--vary` specs (grids, lists, random ranges), scenario files, ids and run order.

A spec is `KEY=VALUES` (KEY as in `params`):

    hashprice=0.5:1.5:11      grid: 11 evenly spaced values from 0.5 to 1.5, ends included
    ai_capex=0.8,1,1.25       list
    set:discount_rate=0.08    one value
    energy_price=0.7~1.3      uniform random range; needs a sample count (`--samples N`, seeded by `--seed`)

The scenarios are every combination of the scenario-file rows, the grid and list values, and the random draws.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..case import Case
from ..errors import InputError, InputProblem
from ..limits import MAX_SCENARIOS
from ..readers.csv_folder import read_csv_file
from ..readers.workbook import read_first_sheet
from ..schema import NUMBER, NUMBER_PATTERN
from ..validate import validate_scenario_tables
from .params import ParamKey, parse_key

_GRID = re.compile(rf"^({NUMBER_PATTERN}):({NUMBER_PATTERN}):([0-9]+)$")
_RANGE = re.compile(rf"^({NUMBER_PATTERN})~({NUMBER_PATTERN})$")
_LIST = re.compile(rf"^{NUMBER_PATTERN}(?:,{NUMBER_PATTERN})*$")


class SpecError(ValueError):
    """A scenario spec or scenario file that cannot be read; the message is one line for the user."""


def canonical(value: float | str) -> float:
    """A value rounded to 12 significant digits, so grids give clean, reproducible parameters."""
    return float(f"{float(value):.12g}")


@dataclass(frozen=True)
class Axis:
    """One `--vary` spec: the key and either its values (grid, list, single) or a random range."""

    key: ParamKey
    values: tuple[float, ...] = ()
    random_range: tuple[float, float] | None = None

    @property
    def is_random(self) -> bool:
        return self.random_range is not None


def parse_vary(spec: str) -> Axis:
    """Parse `KEY=VALUES`; SpecError with a one-line reason if it is malformed or a value is invalid."""
    if "=" not in spec:
        raise SpecError(f"--vary '{spec}': expected KEY=VALUES, e.g. hashprice=0.5:1.5:11")
    text, values_text = (part.strip() for part in spec.split("=", 1))
    try:
        key = parse_key(text)
    except ValueError as exc:
        raise SpecError(f"--vary '{spec}': {exc}") from None
    values_text = values_text.replace(" ", "")
    axis: Axis
    if grid := _GRID.match(values_text):
        low, high, count = float(grid.group(1)), float(grid.group(2)), int(grid.group(3))
        if not 1 <= count <= MAX_SCENARIOS:  # checked before the grid is made
            raise SpecError(f"--vary '{spec}': a grid LOW:HIGH:N needs N from 1 to {MAX_SCENARIOS:,}, the most "
                            "scenarios one sweep may hold")
        axis = Axis(key, tuple(canonical(v) for v in np.linspace(low, high, count)))
    elif rng := _RANGE.match(values_text):
        low, high = float(rng.group(1)), float(rng.group(2))
        if not low < high:
            raise SpecError(f"--vary '{spec}': a random range LOW~HIGH needs LOW < HIGH")
        axis = Axis(key, random_range=(low, high))
    elif _LIST.match(values_text):
        if values_text.count(",") >= MAX_SCENARIOS:
            raise SpecError(f"--vary '{spec}': more than {MAX_SCENARIOS:,} values, the most scenarios one sweep may "
                            "hold")
        axis = Axis(key, tuple(dict.fromkeys(canonical(v) for v in values_text.split(","))))
    else:
        raise SpecError(f"--vary '{spec}': values must be LOW:HIGH:N, A,B,C, a number, or LOW~HIGH")
    for value in axis.random_range or axis.values:
        problem = key.check(value)
        if problem:
            raise SpecError(f"--vary '{spec}': {problem}")
    return axis


def scenario_id(params: Mapping[str, float]) -> str:
    """A stable id of a scenario: a hash of its keys and values (order does not matter)."""
    canon = {parse_key(k).text: repr(canonical(v)) for k, v in params.items()}
    return hashlib.sha1(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:16]


def _scenario_problem(problem: InputProblem) -> SpecError:
    where = "".join(f", {label} {value}" for label, value in (("row", problem.row), ("column", problem.column))
                    if value)
    return SpecError(f"scenario file {problem.source}{where}: {problem.message}")


def read_scenario_file(path: str | Path, ignore: Iterable[str] = ()) -> list[dict[str, float]]:
    """Scenarios from a CSV or .xlsx file: one row each, one column per parameter key; a blank cell leaves that
    parameter as in the inputs. Columns in `ignore` are skipped (so a sweep's results.csv can be read back).

    Read like an input table (a regular file of bounded size, at most MAX_SCENARIOS rows, ASCII numbers)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table, problems = read_first_sheet(path, max_rows=MAX_SCENARIOS)
    else:
        table, problems = read_csv_file(path, "scenarios", max_rows=MAX_SCENARIOS, max_columns=None)
    errors = [p for p in problems if not p.warning]
    if table is None or errors:
        raise _scenario_problem(errors[0])
    source = table.source
    ignored = set(ignore)
    keys: dict[str, str] = {}
    for column in table.frame.columns:
        if column in ignored:
            continue
        try:
            keys[column] = parse_key(str(column)).text
        except ValueError as exc:
            raise SpecError(f"scenario file {source}: column '{column}': {exc}") from None
        if list(keys.values()).count(keys[column]) > 1:
            raise SpecError(f"scenario file {source}: parameter {keys[column]} has more than one column")
    if not keys:
        raise SpecError(f"scenario file {source}: no parameter columns")
    rows = []
    for row, record in zip(table.rows, table.frame[list(keys)].itertuples(index=False, name=None)):
        params = {}
        for (column, key), cell in zip(keys.items(), record):
            text = str(cell).strip()
            if text == "":
                continue
            if not NUMBER.fullmatch(text):
                raise SpecError(f"scenario file {source}, row {row}, column {column}: expected a number, found "
                                f"'{cell}'")
            value = canonical(float(text))
            problem = parse_key(key).check(value)
            if problem:
                raise SpecError(f"scenario file {source}, row {row}, column {column}: {problem}")
            params[key] = value
        rows.append(params)
    return rows


def build_scenarios(axes: Sequence[Axis], *, samples: int | None = None, seed: int = 0,
                    file_rows: Sequence[Mapping[str, float]] | None = None) -> list[dict[str, float]]:
    """Every combination of file rows x grid/list values x random draws, each as {key: value}, duplicates dropped."""
    texts = [a.key.text for a in axes]
    file_keys = {k for row in file_rows or () for k in row}
    repeated = {k for k in texts if texts.count(k) > 1} | (set(texts) & file_keys)
    if repeated:
        raise SpecError(f"parameter {', '.join(sorted(repeated))} is given more than once")
    fixed = [a for a in axes if not a.is_random]
    random = [a for a in axes if a.is_random]
    if random and not samples:
        raise SpecError(f"the random range of {random[0].key.text} needs a sample count (--samples N)")
    if samples and not random:
        raise SpecError("--samples needs at least one random range LOW~HIGH in --vary")
    if samples is not None and samples < 1:
        raise SpecError("--samples must be at least 1")
    rows = list(file_rows) if file_rows is not None else [{}]
    count = len(rows) * math.prod(len(a.values) for a in fixed) * (samples or 1)
    if count > MAX_SCENARIOS:
        raise SpecError(f"{count:,} scenarios is more than the {MAX_SCENARIOS:,} one sweep may hold")
    if random:
        lows, highs = (np.array([a.random_range[i] for a in random]) for i in (0, 1))  # type: ignore[index]
        draws = np.random.default_rng(seed).uniform(lows, highs, size=(samples, len(random)))  # type: ignore[arg-type]
        draw_params = [{a.key.text: canonical(v) for a, v in zip(random, draw)} for draw in draws]
    else:
        draw_params = [{}]
    scenarios: dict[str, dict[str, float]] = {}
    for row in rows:
        for combo in itertools.product(*(a.values for a in fixed)):
            base = {**row, **{a.key.text: v for a, v in zip(fixed, combo)}}
            for draw in draw_params:
                params = {**base, **draw}
                scenarios.setdefault(scenario_id(params), params)
    return list(scenarios.values())


def neighbour_order(scenarios: Sequence[Mapping[str, float]], greedy_limit: int = 5000) -> list[int]:
    """An order in which each scenario is close to the one before (so a warm start has little to change).

    Parameters are scaled to their range in the sweep; up to `greedy_limit` scenarios a nearest-neighbour chain
    from the first, beyond that a lexicographic order.
    """
    n = len(scenarios)
    keys = list(dict.fromkeys(k for s in scenarios for k in s))
    if n < 3 or not keys:
        return list(range(n))
    matrix = np.array([[s.get(k, np.nan) for k in keys] for s in scenarios], dtype=float)
    matrix = np.where(np.isnan(matrix), np.nanmedian(matrix, axis=0)[None, :], matrix)  # every key has a value
    spread = np.ptp(matrix, axis=0)
    matrix = (matrix - matrix.min(axis=0)) / np.where(spread > 0, spread, 1.0)
    if n > greedy_limit:
        return list(np.lexsort(matrix.T[::-1]))
    order = [0]
    left = np.ones(n, bool)
    left[0] = False
    current = matrix[0]
    for _ in range(n - 1):
        distance = np.abs(matrix - current).sum(axis=1)
        distance[~left] = np.inf
        nxt = int(np.argmin(distance))
        order.append(nxt)
        left[nxt] = False
        current = matrix[nxt]
    return order


def is_future_set(path: str | Path) -> bool:
    """True if `path` is a scenario set of the formulation's section C (a `scenarios.csv` with `scenario` and
    `probability` columns, its `scenario_periods.csv` beside it), as `capopt scenarios` writes."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    table, _ = read_csv_file(path, "scenarios")
    return table is not None and {"scenario", "probability"} <= {str(c).strip() for c in table.frame.columns}


def read_future_set(path: str | Path, case: Case) -> tuple[Case, list[dict[str, float]]]:
    """The case with the futures of a section-C scenario set (validated against its horizon and periods), and one
    sweep scenario per future: `set:future` = its row number. `InputError` if a table is bad."""
    path = Path(path)
    raw, problems = {}, []
    for name, file in (("scenarios", path), ("scenario_periods", path.with_name("scenario_periods.csv"))):
        if name == "scenario_periods" and not file.exists():
            continue
        table, file_problems = read_csv_file(file, name)
        problems += file_problems
        if table is not None:
            raw[name] = table
    if any(not p.warning for p in problems):
        raise InputError(problems)
    values = validate_scenario_tables(raw, case.inputs, case.horizon)
    futures = dataclasses.replace(case, inputs=dataclasses.replace(case.inputs, scenario_values=values))
    return futures, [{"set:future": float(k + 1)} for k in range(len(values.names))]
