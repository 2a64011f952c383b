"""A planning case: the model file (YAML) with its horizon, solver settings and validated input tables."""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError, InputProblem
from .fundamentals import FOURTH_HALVING, FOURTH_HALVING_LABEL
from .futures.settings import GenerationSettings, read_generation_settings
from .horizon import Horizon, parse_month
from .limits import MAX_MODEL_CELLS, MAX_PERIODS
from .readers.csv_folder import RawTable, read_csv_folder
from .readers.frames import read_frames
from .readers.model_file import read_yaml_mapping
from .readers.workbook import read_workbook
from .validate import Inputs, validate_tables

SOLVERS = ("highs", "cbc")
_MODEL_KEYS = {"name", "description", "inputs", "start", "periods", "months_per_period", "discount_rate", "solver",
               "terminal_value", "ai_life_years", "asic_life_years", "halving_months", "scenarios",
               "scenario_generation"}
_SCENARIO_KEYS = {"commit_through", "risk"}
_RISK_KEYS = {"cvar_alpha", "weight"}
TERMINAL_VALUES = ("none", "depreciated")
_SOLVER_KEYS = {"name", "time_limit_s", "mip_gap"}
DEFAULT_MIP_GAP = 1e-4


@dataclass(frozen=True)
class SolverSettings:
    """Which solver, how long it may take (seconds; None = no limit) and, for a MILP, the relative gap at which
    the search stops (0 = prove optimality)."""

    name: str = "highs"
    time_limit_s: float | None = None
    mip_gap: float = DEFAULT_MIP_GAP


@dataclass(frozen=True)
class ModelOptions:
    """Options beyond docs/formulation.md; with the defaults the objective is exactly that LP's.

    terminal_value "depreciated": every MW built or bought in period t is worth, at the horizon's end,
    its cost * max(0, 1 - months from the start of t to the horizon's end / (12 * life)).
    """

    terminal_value: str = "none"
    ai_life_years: float | None = None
    asic_life_years: float | None = None

    @property
    def depreciated(self) -> bool:
        return self.terminal_value == "depreciated"


@dataclass(frozen=True)
class ScenarioSettings:
    """Extension C: investment decisions through period `commit_through_t` (0-based) are one in all scenarios; the
    objective is (1 - weight) * expected NPV + weight * CVaR at `cvar_alpha`."""

    commit_through_t: int = 0
    cvar_alpha: float = 0.9
    risk_weight: float = 0.0


@dataclass
class Case:
    """Everything needed to build the model: name, horizon, validated inputs, options and solver settings."""

    name: str
    horizon: Horizon
    inputs: Inputs
    solver: SolverSettings = field(default_factory=SolverSettings)
    source: str | None = None
    options: ModelOptions = field(default_factory=ModelOptions)
    scenario_settings: ScenarioSettings = field(default_factory=ScenarioSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)  # `capopt scenarios` settings
    inputs_path: str | None = None  # the folder of CSV files or the workbook the inputs came from

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], *, start: str, periods: int, months_per_period: int = 1,
                    discount_rate: float = 0.0, name: str = "case", solver: str = "highs",
                    time_limit_s: float | None = None, mip_gap: float = DEFAULT_MIP_GAP, terminal_value: str = "none",
                    ai_life_years: float | None = None, asic_life_years: float | None = None,
                    halving_months: list[str] | None = None, scenarios: dict | None = None) -> Case:
        """Build a case from pandas frames keyed by table name (columns as in docs/formulation.md, NaN = blank);
        the keyword arguments are the model file's keys."""
        source = "<tables>"
        data = {"start": start, "periods": periods, "months_per_period": months_per_period,
                "discount_rate": discount_rate}
        horizon, problems = _horizon(source, data)
        options, option_problems = _options(source, {"terminal_value": terminal_value, "ai_life_years": ai_life_years,
                                                     "asic_life_years": asic_life_years})
        settings, solver_problems = _solver_settings(source, {"name": solver, "time_limit_s": time_limit_s,
                                                              "mip_gap": mip_gap})
        problems += option_problems + solver_problems
        if horizon is None or problems:
            raise InputError(problems)
        extensions: dict[str, object] = {} if halving_months is None else {"halving_months": halving_months}
        if scenarios is not None:
            extensions["scenarios"] = scenarios
        raw, read_problems = read_frames(tables)
        return _validated(name, source, extensions, horizon, options, settings, raw, problems + read_problems)

    @property
    def is_stochastic(self) -> bool:
        """True when the inputs hold scenarios (extension C)."""
        return self.inputs.scenario_values is not None

    def solver_settings(self, *, solver: str | None = None, time_limit_s: float | None = None,
                        mip_gap: float | None = None) -> SolverSettings:
        """The model file's solver settings with any of them overridden (e.g. from the command line)."""
        return SolverSettings((solver or self.solver.name).lower(),
                              self.solver.time_limit_s if time_limit_s is None else time_limit_s,
                              self.solver.mip_gap if mip_gap is None else mip_gap)

    @property
    def warnings(self) -> list[InputProblem]:
        """Warnings found while reading the inputs (unknown columns, unknown files)."""
        return self.inputs.warnings


def _found(value: object) -> str:
    """A model-file value as the planner wrote it."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _horizon(source: str, data: dict) -> tuple[Horizon | None, list[InputProblem]]:
    """The horizon from keys start, periods, months_per_period and discount_rate; None if any is wrong."""
    problems = []
    for key in ("start", "periods"):
        if key not in data:
            problems.append(InputProblem(source, "required key missing", column=key))
    start = data.get("start")
    periods = data.get("periods")
    months_per_period = data.get("months_per_period", 1)
    discount_rate = data.get("discount_rate", 0.0)
    if isinstance(start, datetime.date) and start.day == 1:  # YAML reads 2027-01-01 as a date
        start = f"{start.year:04d}-{start.month:02d}"
    if "start" in data and (not isinstance(start, str) or parse_month(start) is None):
        problems.append(InputProblem(source, f"start must be a month YYYY-MM, found {_found(data['start'])}",
                                     column="start"))
    if "periods" in data and (isinstance(periods, bool) or not isinstance(periods, int)
                              or not 1 <= periods <= MAX_PERIODS):
        problems.append(InputProblem(source, f"periods must be a whole number from 1 to {MAX_PERIODS:,}, found "
                                     f"{_found(periods)}", column="periods"))
    if isinstance(months_per_period, bool) or not isinstance(months_per_period, int) or months_per_period not in (1, 3):
        problems.append(InputProblem(source, f"months_per_period must be 1 or 3, found {_found(months_per_period)}",
                                     column="months_per_period"))
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, (int, float)) or not -1 < discount_rate < 10:
        problems.append(InputProblem(source, f"discount_rate must be an annual fraction such as 0.1, found "
                                     f"{_found(discount_rate)}", column="discount_rate"))
    if problems:
        return None, problems
    try:
        return Horizon(start, periods, months_per_period, float(discount_rate)), []  # type: ignore[arg-type]
    except ValueError as exc:  # a horizon that runs past 9999-12
        return None, [InputProblem(source, str(exc), column="periods")]


def _check_model_size(source: str, horizon: Horizon, inputs: Inputs) -> None:
    """`InputError` if the LP could have more variables than capopt builds (checked before any is allocated)."""
    sites, models, tranches = len(inputs.sites), len(inputs.miners), len(inputs.contracts)
    scenarios = max(len(inputs.scenarios), 1)
    cells = scenarios * horizon.periods * (4 * sites * models + 3 * sites + 2 * tranches)
    if cells > MAX_MODEL_CELLS:
        times = f"{scenarios:,} scenarios x " if scenarios > 1 else ""
        raise InputError([InputProblem(source, f"the model would have up to {cells:,} variables ({times}"
                                       f"{horizon.periods:,} periods x (4 x {sites:,} sites x {models:,} ASIC models "
                                       f"+ 3 x {sites:,} sites + 2 x {tranches:,} tranches)); capopt builds at most "
                                       f"{MAX_MODEL_CELLS:,}: use fewer scenarios, periods, sites, ASIC models or "
                                       "tranches")])


def _options(source: str, data: dict) -> tuple[ModelOptions, list[InputProblem]]:
    """Read terminal_value, ai_life_years and asic_life_years; lives are required with 'depreciated'."""
    value = str(data.get("terminal_value") or "none").lower()
    problems = []
    if value not in TERMINAL_VALUES:
        problems.append(InputProblem(source, f"terminal_value must be one of {', '.join(TERMINAL_VALUES)}, found "
                                     f"{_found(data.get('terminal_value'))}", column="terminal_value"))
    lives = {}
    for key in ("ai_life_years", "asic_life_years"):
        life = data.get(key)
        if life is None:
            if value == "depreciated":
                problems.append(InputProblem(source, "required with terminal_value: depreciated (years, e.g. 15 for "
                                             "AI halls, 4 for ASICs)", column=key))
        elif isinstance(life, bool) or not isinstance(life, (int, float)) or not 0 < life < 200:
            problems.append(InputProblem(source, f"{key} must be a number of years > 0, found {_found(life)}",
                                         column=key))
            life = None
        lives[key] = None if life is None else float(life)
    if problems:
        return ModelOptions(), problems
    return ModelOptions(value, lives["ai_life_years"], lives["asic_life_years"]), []


def _solver_settings(source: str, value: object) -> tuple[SolverSettings, list[InputProblem]]:
    if value is None:
        return SolverSettings(), []
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        return SolverSettings(), [InputProblem(source, "solver must be a name or a mapping {name, time_limit_s, "
                                               "mip_gap}, "
                                               f"found {_found(value)}",
                                               column="solver")]
    problems = [InputProblem(source, f"unknown key '{k}' ignored", column=f"solver.{k}", warning=True)
                for k in value if k not in _SOLVER_KEYS]
    name = str(value.get("name", "highs")).lower()
    if name not in SOLVERS:
        problems.append(InputProblem(source, f"solver must be one of {', '.join(SOLVERS)}, found '{name}'",
                                     column="solver.name"))
    limit = value.get("time_limit_s")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                              or not 0 < limit < math.inf):
        problems.append(InputProblem(source, f"time_limit_s must be a number of seconds > 0, found {_found(limit)}",
                                     column="solver.time_limit_s"))
        limit = None
    gap = value.get("mip_gap", DEFAULT_MIP_GAP)
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not 0 <= gap < 1:
        problems.append(InputProblem(source, f"mip_gap must be a relative gap in [0, 1), e.g. 0.0001, found "
                                     f"{_found(gap)}", column="solver.mip_gap"))
        gap = DEFAULT_MIP_GAP
    return SolverSettings(name, None if limit is None else float(limit), float(gap)), problems


def read_model_file(path: str | Path) -> tuple[dict, Horizon, ModelOptions, SolverSettings, dict[str, RawTable],
                                               list[InputProblem]]:
    """Read a model file and its raw input tables, without validating the tables yet."""
    path = Path(path)
    source = str(path)
    data = read_yaml_mapping(path)
    problems = [InputProblem(source, f"unknown key '{k}' ignored", column=k, warning=True)
                for k in data if k not in _MODEL_KEYS]
    horizon, horizon_problems = _horizon(source, data)
    options, option_problems = _options(source, data)
    solver, solver_problems = _solver_settings(source, data.get("solver"))
    problems += horizon_problems + option_problems + solver_problems
    inputs = data.get("inputs")
    inputs_path = path.parent / str(inputs)
    if "inputs" not in data:
        problems.append(InputProblem(source, "required key missing", column="inputs"))
    elif not isinstance(inputs, str) or not inputs.strip():
        problems.append(InputProblem(source, f"inputs must be the path of the input folder or workbook, relative "
                                     f"to the model file, found {_found(inputs)}", column="inputs"))
    elif not inputs_path.exists():
        looked = "" if str(inputs_path) == inputs else f" (looked for {inputs_path})"
        kind = "workbook" if inputs_path.suffix.lower() in (".xlsx", ".xlsm") else "folder"
        problems.append(InputProblem(source, f"input {kind} '{inputs}' not found{looked}", column="inputs"))
    if horizon is None or any(p.column == "inputs" for p in problems):
        raise InputError(problems)
    if inputs_path.suffix.lower() in (".xlsx", ".xlsm"):  # one workbook, a sheet per table
        raw, read_problems = read_workbook(inputs_path)
    else:
        raw, read_problems = read_csv_folder(inputs_path)
    return data, horizon, options, solver, raw, problems + read_problems


def _halving_months(source: str, data: dict) -> tuple[tuple[int, ...] | None, list[InputProblem]]:
    """`halving_months`: months YYYY-MM after 2024-05 at whose start the block subsidy halves (None = default)."""
    if "halving_months" not in data:
        return None, []
    value = data["halving_months"]
    if not isinstance(value, list):
        return None, [InputProblem(source, f"halving_months must be a list of months YYYY-MM such as [\"2028-04\"], "
                                           f"found {_found(value)}", column="halving_months")]
    months, problems = [], []
    for item in value:
        if isinstance(item, datetime.date):
            item = f"{item.year:04d}-{item.month:02d}"
        parsed = parse_month(item) if isinstance(item, str) else None
        if parsed is None:
            problems.append(InputProblem(source, f"halving_months: {_found(item)} is not a month YYYY-MM",
                                         column="halving_months"))
            continue
        month = parsed[0] * 12 + parsed[1] - 1
        if month <= FOURTH_HALVING:
            problems.append(InputProblem(source, f"halving_months: {item} is not after {FOURTH_HALVING_LABEL} (the "
                                         "subsidy is 3.125 BTC from then until the first month listed)",
                                         column="halving_months"))
        elif month in months:
            problems.append(InputProblem(source, f"halving_months: {item} is listed twice", column="halving_months"))
        else:
            months.append(month)
    return tuple(sorted(months)), problems


def _scenario_settings(source: str, data: dict, horizon: Horizon) -> tuple[ScenarioSettings, list[InputProblem]]:
    """The `scenarios:` mapping: commit_through (a period label, default the first), risk {cvar_alpha, weight}."""
    value = data.get("scenarios")
    if value is None:
        return ScenarioSettings(), []
    if not isinstance(value, dict):
        return ScenarioSettings(), [InputProblem(source, "scenarios must be a mapping {commit_through, risk: "
                                                 f"{{cvar_alpha, weight}}}}, found {_found(value)}",
                                                 column="scenarios")]
    problems = [InputProblem(source, f"unknown key '{k}' ignored", column=f"scenarios.{k}", warning=True)
                for k in value if k not in _SCENARIO_KEYS]
    commit_t = 0
    if "commit_through" in value:
        commit = value["commit_through"]
        if isinstance(commit, datetime.date):
            commit = f"{commit.year:04d}-{commit.month:02d}"
        index = horizon.period_index(commit) if isinstance(commit, str) else None
        if index is None:
            problems.append(InputProblem(source, f"commit_through must be a period of the horizon "
                                         f"({horizon.labels[0]}..{horizon.labels[-1]}), found {_found(commit)}",
                                         column="scenarios.commit_through"))
        else:
            commit_t = index
    risk = value.get("risk") or {}
    if not isinstance(risk, dict):
        problems.append(InputProblem(source, f"risk must be a mapping {{cvar_alpha, weight}}, found {_found(risk)}",
                                     column="scenarios.risk"))
        risk = {}
    problems += [InputProblem(source, f"unknown key '{k}' ignored", column=f"scenarios.risk.{k}", warning=True)
                 for k in risk if k not in _RISK_KEYS]
    alpha, weight = risk.get("cvar_alpha", 0.9), risk.get("weight", 0.0)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha < 1:
        problems.append(InputProblem(source, f"cvar_alpha must be in [0, 1), e.g. 0.9 for the worst 10%, found "
                                     f"{_found(alpha)}", column="scenarios.risk.cvar_alpha"))
        alpha = 0.9
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
        problems.append(InputProblem(source, f"weight must be in [0, 1] (0 = expected NPV only, 1 = CVaR only), "
                                     f"found {_found(weight)}", column="scenarios.risk.weight"))
        weight = 0.0
    return ScenarioSettings(commit_t, float(alpha), float(weight)), problems


def _validated(name: str, source: str, data: dict, horizon: Horizon, options: ModelOptions, solver: SolverSettings,
               raw: dict[str, RawTable], problems: list[InputProblem], path: str | None = None) -> Case:
    """Validate the tables with the model file's extension settings and make the case; InputError if anything
    is wrong."""
    halving, halving_problems = _halving_months(source, data)
    scenario_settings, scenario_problems = _scenario_settings(source, data, horizon)
    generation, generation_problems = read_generation_settings(data, source)
    problems = problems + halving_problems + scenario_problems + generation_problems
    inputs = validate_tables(raw, horizon, read_problems=problems, contract_end_beyond_horizon=options.depreciated,
                             halving_months=halving)
    _check_model_size(source, horizon, inputs)
    if "scenarios" in data and inputs.scenario_values is None:
        raise InputError([*inputs.warnings, InputProblem(source, "scenarios is set, but there is no scenarios table "
                                                         "(scenarios.csv or a 'scenarios' sheet with rows)",
                                                         column="scenarios")])
    inputs_path = None if path is None else str(Path(path).parent / str(data["inputs"]))
    return Case(name, horizon, inputs, solver, path, options, scenario_settings, generation, inputs_path)


def load(path: str | Path) -> Case:
    """Load a model file (YAML) and validate its inputs; raise `InputError` listing every problem."""
    data, horizon, options, solver, raw, problems = read_model_file(path)
    name = str(data.get("name") or Path(path).stem)
    return _validated(name, str(path), data, horizon, options, solver, raw, problems, str(path))
