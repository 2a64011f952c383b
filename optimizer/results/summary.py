"""The summary of a plan: what summary.json holds and every writer shows, as typed records.

`Summary.to_json()` gives summary.json with the keys of docs/formulation.md's "The results file": `status`,
`objective_usd`, `npv_usd` (deterministic plans), `mip_gap` and `best_bound_usd` (MILPs), `expected_npv_usd`,
`cvar_usd` and `npv_by_scenario_usd` (scenario plans), and `evpi_usd` and `vss_usd` when the value of information
was computed; the other sections follow under their own keys.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class HorizonInfo:
    start: str
    periods: int
    months_per_period: int
    discount_rate: float
    first: str
    last: str


@dataclass(frozen=True)
class SizeInfo:
    sites: int
    asic_models: int
    tranches: int
    periods: int
    variables: int
    constraints: int
    integer_variables: int
    scenarios: int = 1


@dataclass(frozen=True)
class SolverInfo:
    name: str
    detail: str
    build_seconds: float
    handoff_seconds: float
    solve_seconds: float


@dataclass(frozen=True)
class TerminalValueInfo:
    """The option `terminal_value`: the depreciated value at the horizon's end of what the plan builds and buys."""

    method: str
    ai_life_years: float | None
    asic_life_years: float | None
    value_at_horizon_end_usd: float
    present_value_usd: float


@dataclass(frozen=True)
class Shortfall:
    """A contract not delivered in full at a site (its short tranches together): how much, when, what it costs and
    what stops it."""

    contract: str
    tranches: str  # e.g. "3" or "9-12"
    site: str
    short_mw: float  # the most MW short in a period
    periods: int
    first: str
    last: str
    penalty_usd: float  # undiscounted
    penalty_present_value_usd: float
    why: str


@dataclass
class Economics:
    """The money of one plan: NPV and its terms (probability-weighted means, for a scenario plan)."""

    npv_usd: float
    npv_of_cash_flows_usd: float
    terminal_value: TerminalValueInfo
    undiscounted_cash_flow_usd: float
    crossover_period: str | None
    present_value_usd: dict[str, float]
    undiscounted_usd: dict[str, float]
    commitments_beyond_horizon: list[dict] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)


@dataclass
class WholeDecisions:
    """A MILP's search and its whole decisions (extension A)."""

    problem: str  # "MILP" or "LP relaxation of a MILP"
    mip_gap: float | None
    best_bound_usd: float | None
    shadow_prices_from: str
    ai_halls_started: list[dict] = field(default_factory=list)
    asic_lots_bought: list[dict] = field(default_factory=list)
    optional_contracts: list[dict] = field(default_factory=list)
    lp_relaxation_objective_usd: float | None = None  # the same model with fractional halls, lots and signatures


@dataclass
class ScenarioOutcomes:
    """A scenario plan (extension C): the distribution of NPVs and what is committed now."""

    expected_npv_usd: float
    cvar_usd: float
    cvar_alpha: float
    risk_weight: float
    npv_by_scenario_usd: dict[str, float]
    probability_by_scenario: dict[str, float]
    crossover_period_by_scenario: dict[str, str | None]
    commit_through: str
    committed: list[dict]


@dataclass
class Summary:
    """Everything a plan's writers show besides its tables."""

    name: str
    status: str
    objective_usd: float
    horizon: HorizonInfo
    size: SizeInfo
    solver: SolverInfo
    economics: Economics
    whole: WholeDecisions | None = None
    scenarios: ScenarioOutcomes | None = None
    value_of_information: dict | None = None  # studies.ValueOfInformation.to_json(), with --value-of-information
    contract_decisions: list[dict] | None = None  # studies.ContractDecision.to_json(), with --explain-decisions
    model_file: str | None = None

    @property
    def is_mip(self) -> bool:
        return self.whole is not None and self.whole.problem == "MILP"

    def to_json(self) -> dict:
        """summary.json: the results-file keys first, then every section."""
        out: dict = {"name": self.name, "status": self.status, "objective_usd": self.objective_usd}
        economics = asdict(self.economics)
        if self.scenarios is None:
            out["npv_usd"] = self.economics.npv_usd
        else:
            out.update({k: v for k, v in asdict(self.scenarios).items()})
            economics = {f"expected_{k}" if k in ("present_value_usd", "undiscounted_usd") else k: v
                         for k, v in economics.items() if k not in ("npv_usd", "crossover_period")}
        if self.whole is not None:
            out.update(asdict(self.whole))
        if self.value_of_information is not None:
            out.update(self.value_of_information)
        if self.contract_decisions is not None:
            out["contract_decisions"] = self.contract_decisions
        out.update(economics)
        out.update({"horizon": asdict(self.horizon), "size": asdict(self.size), "solver": self.solver.name,
                    "solver_detail": self.solver.detail, "build_seconds": self.solver.build_seconds,
                    "handoff_seconds": self.solver.handoff_seconds, "solve_seconds": self.solver.solve_seconds,
                    "model_file": self.model_file})
        return {key: _finite(value) for key, value in out.items()}


def _finite(value: object) -> object:
    """`value` with every non-finite float as None (null): strict JSON has no Infinity or NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
