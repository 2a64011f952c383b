"""Assemble the model: parameters, variables, shared expressions, every constraint family and the objective."""
from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..case import Case
from .constraints import FAMILIES
from .data import ModelData, model_data
from .expressions import Expressions, build_expressions
from .lp import LinearProgram, RowBlock
from .objective import CashFlowPart, npv_costs, objective_parts
from .variables import Variables, create_variables


@dataclass
class CapacityModel:
    """One plan's model: its data, variable blocks, shared expressions, row blocks and NPV parts, and the LP they
    live in (in the extensive form of a scenario model, every scenario's `CapacityModel` shares one LP)."""

    case: Case
    data: ModelData
    variables: Variables
    expressions: Expressions
    lp: LinearProgram
    cash_flows: list[CashFlowPart] = field(default_factory=list)
    constraints: dict[str, RowBlock] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def n_variables(self) -> int:
        return self.lp.n_columns

    @property
    def n_constraints(self) -> int:
        return self.lp.n_rows


@contextlib.contextmanager
def no_garbage_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a build allocates many arrays and frees none of them, so the
    collector's full passes would only cost time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def add_plan(lp: LinearProgram, case: Case, data: ModelData, *, shared: Variables | None = None,
             commit_through_t: int = -1) -> CapacityModel:
    """Add one plan's variables, expressions and constraint families to `lp` (its objective parts are kept, the
    objective itself is set by the caller)."""
    variables = create_variables(data, lp, shared, commit_through_t)
    model = CapacityModel(case, data, variables, build_expressions(data, variables), lp)
    for family in FAMILIES:
        block = family.add(model)
        model.constraints[block.family] = block
    model.cash_flows = objective_parts(data)
    return model


def build_model(case: Case, data: ModelData | None = None) -> CapacityModel:
    """Build the formulation's model for `case` in bulk: maximise the NPV (a MILP if extension A is used)."""
    started = time.perf_counter()
    with no_garbage_collection():
        data = data or model_data(case.inputs, case.horizon, case.options)
        model = add_plan(LinearProgram(), case, data)
        model.lp.cost = npv_costs(model.cash_flows, data, model.variables, model.lp.n_columns)
    model.build_seconds = time.perf_counter() - started
    return model
