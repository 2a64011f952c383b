"""Assemble the LP: parameters, variables, shared expressions, every constraint family and the objective."""
from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pulp

from ..case import Case
from .constraints import FAMILIES
from .data import ModelData, model_data
from .expressions import Expressions, build_expressions
from .objective import CashFlowPart, npv_expression, objective_parts
from .rows import ConstraintBlock
from .variables import Variables, create_variables


# capopt pins PuLP 3.3 (Python 3.11); its notices about the PuLP 4 API do not concern the user.
PULP4_DEPRECATION = r".*(PuLP 4\.0|deprecated and will be removed)"


@contextlib.contextmanager
def pulp3_quiet() -> Iterator[None]:
    """Silence PuLP 3.3's notices about the PuLP 4 API inside this block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PULP4_DEPRECATION, category=DeprecationWarning)
        yield


@dataclass
class CapacityModel:
    """The PuLP problem with everything needed to read its solution back by site, model, tranche and period."""

    case: Case
    data: ModelData
    variables: Variables
    expressions: Expressions
    problem: pulp.LpProblem
    cash_flows: list[CashFlowPart] = field(default_factory=list)
    constraints: dict[str, ConstraintBlock] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def n_variables(self) -> int:
        return sum(int((a != None).sum()) for _, a in self.variables.items())  # noqa: E711

    @property
    def n_constraints(self) -> int:
        return sum(len(b.constraints) for b in self.constraints.values())


def build_model(case: Case) -> CapacityModel:
    """Build MODEL.md's linear program for `case`, in bulk."""
    with pulp3_quiet():
        return _build(case)


def _build(case: Case) -> CapacityModel:
    started = time.perf_counter()
    data = model_data(case.inputs, case.horizon, case.options)
    variables = create_variables(data)
    model = CapacityModel(case, data, variables, build_expressions(data, variables),
                          pulp.LpProblem(_problem_name(case.name), pulp.LpMaximize))
    for family in FAMILIES:
        block = family.add(model)
        model.constraints[block.family] = block
        for constraint in block.constraints:
            model.problem.addConstraint(constraint)
    model.cash_flows = objective_parts(data, variables)
    model.problem.setObjective(npv_expression(model.cash_flows, data))
    model.build_seconds = time.perf_counter() - started
    return model


def _problem_name(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name) or "capopt"
