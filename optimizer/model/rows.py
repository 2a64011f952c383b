"""Bulk building blocks: tables of linear expressions and named constraint blocks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp


class LinearRows:
    """A table of linear expressions, one per row, filled by bulk `add` calls (GenX-style shared expressions).

    Terms are kept as flat arrays (row, variable, coefficient); duplicates of a variable in a row are summed
    when the expressions are made.
    """

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self._rows: list[np.ndarray] = []
        self._vars: list[np.ndarray] = []
        self._coefs: list[np.ndarray] = []

    def add(self, variables: np.ndarray, coefs: np.ndarray | float, rows: tuple[np.ndarray, ...]) -> None:
        """Add coef * variable to row `rows` (a tuple of index arrays, broadcast with `variables`)."""
        variables = np.asarray(variables, dtype=object)
        flat_rows = np.ravel_multi_index(np.broadcast_arrays(*rows), self.shape)
        flat_rows, coefs = np.broadcast_arrays(flat_rows, np.asarray(coefs, dtype=float))
        flat_rows, variables, coefs = (np.broadcast_to(a, variables.shape).ravel() for a in (flat_rows, variables, coefs))
        keep = (variables != None) & (coefs != 0)  # noqa: E711  (element-wise test for missing variables)
        self._rows.append(flat_rows[keep])
        self._vars.append(variables[keep])
        self._coefs.append(coefs[keep])

    def add_rows(self, other: LinearRows, scale: np.ndarray | float = 1.0) -> None:
        """Add every term of `other` (same shape), its coefficients times `scale` per row."""
        scale_flat = np.broadcast_to(np.asarray(scale, dtype=float), self.shape).ravel()
        for rows, variables, coefs in zip(other._rows, other._vars, other._coefs):
            scaled = coefs * scale_flat[rows]
            keep = scaled != 0
            self._rows.append(rows[keep])
            self._vars.append(variables[keep])
            self._coefs.append(scaled[keep])

    def expressions(self) -> np.ndarray:
        """An object array of `shape` holding one LpAffineExpression per row (empty rows hold None)."""
        out = np.full(int(np.prod(self.shape)), None, dtype=object)
        if self._rows and sum(len(r) for r in self._rows):
            rows = np.concatenate(self._rows)
            variables = np.concatenate(self._vars)
            coefs = np.concatenate(self._coefs)
            order = np.argsort(rows, kind="stable")
            rows, variables, coefs = rows[order], variables[order], coefs[order]
            bounds = np.flatnonzero(np.diff(rows)) + 1
            for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(rows)]):
                terms: dict[pulp.LpVariable, float] = {}
                for var, coef in zip(variables[start:stop], coefs[start:stop]):
                    terms[var] = terms.get(var, 0.0) + coef
                out[rows[start]] = pulp.LpAffineExpression(terms)
        return out.reshape(self.shape)


@dataclass
class ConstraintBlock:
    """Constraints of one family, indexed like `dims` (e.g. ("site", "period")), so duals map back."""

    family: str
    dims: tuple[str, ...]
    index: list[tuple[int, ...]]
    constraints: list[pulp.LpConstraint]


def make_block(family: str, dims: tuple[str, ...], lhs: np.ndarray, sense: int, rhs: np.ndarray) -> ConstraintBlock:
    """One constraint `lhs[idx] (sense) rhs[idx]` per index whose lhs is not empty and whose rhs is finite.

    Constraint names are `family_i_j_...` with the integer index, e.g. `floor_space_2_14` = site 2, period 14.
    """
    rhs = np.broadcast_to(np.asarray(rhs, dtype=float), lhs.shape)
    index, constraints = [], []
    for idx in zip(*np.nonzero((lhs != None) & np.isfinite(rhs))):  # noqa: E711
        name = f"{family}_{'_'.join(map(str, idx))}"
        index.append(tuple(int(i) for i in idx))
        constraints.append(pulp.LpConstraint(lhs[idx], sense, name, float(rhs[idx])))
    return ConstraintBlock(family, dims, index, constraints)
