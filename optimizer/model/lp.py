"""The linear program as flat arrays: columns (cost, bounds, integrality), rows (bounds) and matrix entries.

Everything is built in bulk from numpy arrays (no per-variable Python objects), then handed to a solver in one
piece: HiGHS takes the row-wise matrix directly (`solvers/highs.py`); PuLP builds its objects from the same arrays for
CBC and for LP/MPS export (`solvers/pulp_backend.py`).

- `VariableBlock`: one kind of decision variable (e.g. `cap_m` over site, model, period); `columns` holds the LP
  column of each index, -1 where the variable does not exist.
- `LinearRows`: a table of linear expressions (GenX-style shared expressions) as (row, column, coefficient) terms;
  constraint families and shared expressions add terms to it in bulk.
- `RowBlock`: the rows of one constraint family, indexed like `dims`, so every dual finds its way back to a site,
  ASIC model, tranche or period.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

INF = float("inf")


@dataclass
class VariableBlock:
    """One kind of decision variable: LP column per index (-1 = no such variable) and whether it is integer."""

    name: str
    dims: tuple[str, ...]
    columns: np.ndarray
    integer: bool = False

    @property
    def exists(self) -> np.ndarray:
        return self.columns >= 0

    @property
    def size(self) -> int:
        return int(self.exists.sum())

    def values(self, column_values: np.ndarray) -> np.ndarray:
        """This block's values from a solution's column values, shaped like the block (0 where absent)."""
        return np.where(self.exists, column_values[np.maximum(self.columns, 0)], 0.0)


@dataclass
class RowBlock:
    """The rows of one constraint family: `rows` holds the LP row of each index (-1 = no row there)."""

    family: str
    dims: tuple[str, ...]
    rows: np.ndarray

    @property
    def present(self) -> np.ndarray:
        """The multi-index of each present row, as an (n, len(dims)) array, in row order."""
        return np.argwhere(self.rows >= 0)

    @property
    def row_indexes(self) -> np.ndarray:
        """LP rows of the present rows, in the order of `present`."""
        return self.rows[self.rows >= 0]

    def __len__(self) -> int:
        return int((self.rows >= 0).sum())

    def values(self, row_values: np.ndarray) -> np.ndarray:
        """Per present row, its entry of an LP-row array (e.g. duals), in the order of `present`."""
        return row_values[self.row_indexes]

    def grid(self, row_values: np.ndarray) -> np.ndarray:
        """An LP-row array laid out like the block (0 where there is no row)."""
        return np.where(self.rows >= 0, row_values[np.maximum(self.rows, 0)], 0.0)


@dataclass
class CsrMatrix:
    """A row-wise sparse matrix: row r's entries are `index[start[r]:start[r+1]]` with `value` alike."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray

    @property
    def nnz(self) -> int:
        return len(self.value)


@dataclass
class LinearProgram:
    """Columns, rows and entries of an LP or MILP, maximised, kept as lists of arrays until `finish`."""

    n_columns: int = 0
    n_rows: int = 0
    _col_lower: list[np.ndarray] = field(default_factory=list)
    _col_upper: list[np.ndarray] = field(default_factory=list)
    _col_integer: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _fixed: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    _freed: list[np.ndarray] = field(default_factory=list)
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    blocks: dict[str, VariableBlock] = field(default_factory=dict)
    row_blocks: dict[str, RowBlock] = field(default_factory=dict)
    scope: str = ""  # prefix of the names blocks are registered under (a scenario's, in the extensive form)

    def add_variables(self, name: str, dims: tuple[str, ...], exists: np.ndarray, *, integer: bool = False,
                      lower: float = 0.0, upper: np.ndarray | float = INF,
                      shared: np.ndarray | None = None) -> VariableBlock:
        """New columns (from `lower`, default 0, to `upper`) where `exists`; `shared` (columns of another block,
        -1 = none) are reused instead of new columns where given (scenarios share their committed decisions)."""
        exists = np.asarray(exists, dtype=bool)
        columns = np.full(exists.shape, -1, dtype=np.int64)
        new = exists if shared is None else exists & (shared < 0)
        count = int(new.sum())
        columns[new] = np.arange(self.n_columns, self.n_columns + count)
        if shared is not None:
            columns[exists & (shared >= 0)] = shared[exists & (shared >= 0)]
        self.n_columns += count
        self._col_lower.append(np.full(count, float(lower)))
        self._col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), exists.shape)[new].astype(float))
        self._col_integer.append(np.full(count, integer))
        block = VariableBlock(name, dims, columns, integer)
        self.blocks[self.scope + name] = block
        return block

    def add_rows(self, family: str, dims: tuple[str, ...], lhs: LinearRows, lower: np.ndarray | float,
                 upper: np.ndarray | float) -> RowBlock:
        """One row `lower <= lhs[idx] <= upper` per index whose lhs has terms and whose bounds are not both open."""
        lower = np.broadcast_to(np.asarray(lower, dtype=float), lhs.shape)
        upper = np.broadcast_to(np.asarray(upper, dtype=float), lhs.shape)
        rows_flat, cols, coefs = lhs.terms()
        has_terms = np.zeros(int(np.prod(lhs.shape)), dtype=bool)
        has_terms[rows_flat] = True
        bounded = (np.isfinite(lower) | np.isfinite(upper)).ravel()
        present = has_terms & bounded
        rows = np.full(present.shape, -1, dtype=np.int64)
        count = int(present.sum())
        rows[present] = np.arange(self.n_rows, self.n_rows + count)
        self.n_rows += count
        self._row_lower.append(lower.ravel()[present].copy())
        self._row_upper.append(upper.ravel()[present].copy())
        keep = present[rows_flat]
        self._entries.append((rows[rows_flat[keep]], cols[keep], coefs[keep]))
        block = RowBlock(family, dims, rows.reshape(lhs.shape))
        self.row_blocks[self.scope + family] = block
        return block

    def add_entries(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Add matrix entries to existing rows (e.g. slack columns of an elastic re-solve)."""
        self._entries.append((np.asarray(rows, np.int64), np.asarray(columns, np.int64), np.asarray(values, float)))

    def free_rows(self, rows: np.ndarray) -> None:
        """Lift rows' bounds (-inf <= row <= inf), e.g. to see whether a limit is what leaves no plan."""
        self._freed.append(np.asarray(rows, np.int64))

    def fix_columns(self, columns: np.ndarray, values: np.ndarray) -> None:
        """Fix columns at values (lower = upper), e.g. decisions taken by another plan."""
        self._fixed.append((np.asarray(columns, np.int64), np.asarray(values, float)))

    @property
    def col_lower(self) -> np.ndarray:
        lower = _concat(self._col_lower)
        for columns, values in self._fixed:
            lower[columns] = values
        return lower

    @property
    def col_upper(self) -> np.ndarray:
        upper = _concat(self._col_upper)
        for columns, values in self._fixed:
            upper[columns] = values
        return upper

    @property
    def integrality(self) -> np.ndarray:
        """True for integer columns."""
        return _concat(self._col_integer, dtype=bool)

    @property
    def row_lower(self) -> np.ndarray:
        lower = _concat(self._row_lower)
        for rows in self._freed:
            lower[rows] = -INF
        return lower

    @property
    def row_upper(self) -> np.ndarray:
        upper = _concat(self._row_upper)
        for rows in self._freed:
            upper[rows] = INF
        return upper

    @property
    def is_mip(self) -> bool:
        return any(block.integer and block.size for block in self.blocks.values())

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every matrix entry as (row, column, coefficient) arrays (a column may repeat within a row)."""
        if not self._entries:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return tuple(np.concatenate(parts) for parts in zip(*self._entries))  # type: ignore[return-value]

    def matrix(self) -> CsrMatrix:
        """The constraint matrix row-wise, entries of one row sorted by column, repeated entries summed."""
        rows, cols, values = self.entries()
        key = rows * max(self.n_columns, 1) + cols
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(first)
        summed = np.add.reduceat(values, starts) if len(values) else values
        unique_key = key[starts]
        keep = summed != 0
        unique_key, summed = unique_key[keep], summed[keep]
        row_of = unique_key // max(self.n_columns, 1)
        start = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=self.n_rows), out=start[1:])
        return CsrMatrix(start, (unique_key % max(self.n_columns, 1)).astype(np.int64), summed)

    def column_names(self) -> list[str]:
        """A name per column, `block_i_j_...` with the integer index (for LP/MPS files and PuLP)."""
        names = [""] * self.n_columns
        for key, block in self.blocks.items():
            for idx in np.argwhere(block.exists):
                column = int(block.columns[tuple(idx)])
                if not names[column]:
                    names[column] = "_".join([key, *map(str, idx)])
        return names

    def row_names(self) -> list[str]:
        """A name per row, `family_i_j_...` with the integer index, e.g. `floor_space_2_14` = site 2, period 14."""
        names = [""] * self.n_rows
        for key, block in self.row_blocks.items():
            for idx, row in zip(block.present, block.row_indexes):
                names[int(row)] = "_".join([key, *map(str, idx)])
        return names


def _concat(parts: list[np.ndarray], dtype: type = float) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


class LinearRows:
    """A table of linear expressions of `shape`, one per row, filled by bulk `add` calls.

    Terms are flat arrays (row, column, coefficient); repeated columns in a row add up when the LP is finished.
    """

    def __init__(self, shape: tuple[int, ...]):
        self.shape = tuple(shape)
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._coefs: list[np.ndarray] = []

    def add(self, block: VariableBlock | np.ndarray, coefs: np.ndarray | float, rows: tuple[np.ndarray, ...]) -> None:
        """Add coef * variable to row `rows` (index arrays broadcast with the block's columns); absent variables
        and zero coefficients are dropped."""
        columns = block.columns if isinstance(block, VariableBlock) else np.asarray(block, dtype=np.int64)
        arrays = np.broadcast_arrays(columns, np.asarray(coefs, dtype=float), *rows)
        columns, coefs_b, row_arrays = arrays[0], arrays[1], arrays[2:]
        keep = (columns >= 0) & (coefs_b != 0)
        flat_rows = np.ravel_multi_index(tuple(r[keep] for r in row_arrays), self.shape)
        self._rows.append(flat_rows)
        self._cols.append(columns[keep])
        self._coefs.append(coefs_b[keep])

    def add_rows(self, other: LinearRows, scale: np.ndarray | float = 1.0) -> None:
        """Add every term of `other` (same shape), its coefficients times `scale` per row."""
        scale_flat = np.broadcast_to(np.asarray(scale, dtype=float), self.shape).ravel()
        rows, cols, coefs = other.terms()
        scaled = coefs * scale_flat[rows]
        keep = scaled != 0
        self._rows.append(rows[keep])
        self._cols.append(cols[keep])
        self._coefs.append(scaled[keep])

    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(flat row, column, coefficient) of every term."""
        if not self._rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(self._rows), np.concatenate(self._cols), np.concatenate(self._coefs)

    def evaluate(self, column_values: np.ndarray) -> np.ndarray:
        """The value of every expression at a solution, shaped like the table."""
        rows, cols, coefs = self.terms()
        total = np.bincount(rows, coefs * column_values[cols], minlength=int(np.prod(self.shape)))
        return total.reshape(self.shape)


@dataclass(frozen=True)
class Dual:
    """How a constraint family's dual is reported, declared in the family's module next to its math.

    Duals arrive from the solver as d objective / d row bound: present-value USD per unit of the limit, since the
    objective is the NPV, >= 0 where an upper limit binds. `label` names the limit in the report, `unit` is the
    short unit, `meaning` says what one more unit is; `reported` (optional) turns the family's row duals, laid out
    like its rows, into the reported shadow prices (e.g. the budget's cumulative duals).
    """

    label: str
    unit: str
    meaning: str
    reported: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def description(self) -> str:
        """The unit column of the shadow-price table."""
        return f"{self.unit} (present value) of {self.meaning}"
