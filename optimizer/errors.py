"""Errors a planner sees: bad input (exit 2) and no plan (exit 1)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One problem in one cell, row or table of the inputs.

    `source` is a file (or `workbook.xlsx[sheet]`), `row` the row number as a
    spreadsheet shows it (header = row 1), `column` the column name.
    """

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        prefix = "warning" if self.warning else "error"
        return f"{prefix}: {', '.join(where)}: {self.message}"


class InputError(Exception):
    """The inputs cannot make a model; `problems` lists every error found, `warnings` the warnings found with them."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = [p for p in problems if not p.warning]
        self.warnings = [p for p in problems if p.warning]
        super().__init__("\n".join(str(p) for p in self.problems))


class NoPlanError(Exception):
    """The solver returned no plan: `status` is infeasible, unbounded, time_limit or error."""

    def __init__(self, status: str, explanation: str):
        self.status = status
        self.explanation = explanation
        super().__init__(f"{status}: {explanation}")
