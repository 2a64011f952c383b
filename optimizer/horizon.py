"""The planning horizon: period labels, calendar days and discount factors."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .limits import MAX_PERIODS

LAST_MONTH = 9999 * 12 + 11  # labels have four-digit years
_LABEL = re.compile(r"^([0-9]{4})-([0-9]{1,2})(?:-01)?$")  # ASCII digits only


def parse_month(text: str) -> tuple[int, int] | None:
    """`YYYY-MM` (or `YYYY-MM-01`) -> (year, month), None if it is not a month."""
    match = _LABEL.match(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


@dataclass(frozen=True)
class Horizon:
    """`periods` periods of `months_per_period` months from `start` (`YYYY-MM`).

    Period t begins t * months_per_period months after start and is labelled by
    its first month. Cash flows of a period are discounted at its start:
    df_t = (1 + r) ** (-(t * months_per_period) / 12).
    """

    start: str
    periods: int
    months_per_period: int = 1
    discount_rate: float = 0.0

    def __post_init__(self) -> None:
        if parse_month(self.start) is None:
            raise ValueError(f"start must be a month YYYY-MM, found {self.start!r}")
        if not 1 <= self.periods <= MAX_PERIODS:
            raise ValueError(f"periods must be from 1 to {MAX_PERIODS:,}, found {self.periods}")
        if self.months_per_period not in (1, 3):
            raise ValueError(f"months_per_period must be 1 or 3, found {self.months_per_period}")
        year, month = parse_month(self.start)  # type: ignore[misc]
        if year * 12 + month - 1 + self.periods * self.months_per_period - 1 > LAST_MONTH:
            raise ValueError(f"a horizon from {self.start} of {self.periods} periods ends after 9999-12")
        if not self.discount_rate > -1:
            raise ValueError(f"discount_rate must be above -1, found {self.discount_rate}")

    def _months(self, t: int) -> list[tuple[int, int]]:
        year, month = parse_month(self.start)  # type: ignore[misc]
        first = year * 12 + (month - 1) + t * self.months_per_period
        return [divmod(first + k, 12) for k in range(self.months_per_period)]

    @cached_property
    def labels(self) -> list[str]:
        """Period labels `YYYY-MM`, one per period."""
        return [f"{y:04d}-{m0 + 1:02d}" for y, m0 in (self._months(t)[0] for t in range(self.periods))]

    @cached_property
    def index_of(self) -> dict[str, int]:
        """Period label -> 0-based period index."""
        return {label: t for t, label in enumerate(self.labels)}

    def period_index(self, text: str) -> int | None:
        """Index of the period whose label is `text` (YYYY-MM or YYYY-MM-01), None if not a period start."""
        parsed = parse_month(text)
        return None if parsed is None else self.index_of.get(f"{parsed[0]:04d}-{parsed[1]:02d}")

    @cached_property
    def days(self) -> np.ndarray:
        """Calendar days in each period (leap years counted)."""
        return np.array(
            [sum(calendar.monthrange(y, m0 + 1)[1] for y, m0 in self._months(t)) for t in range(self.periods)],
            dtype=float,
        )

    @cached_property
    def hours(self) -> np.ndarray:
        """Hours in each period: 24 * days."""
        return 24.0 * self.days

    @property
    def months(self) -> float:
        """Months in every period."""
        return float(self.months_per_period)

    @cached_property
    def discount_factors(self) -> np.ndarray:
        """df_t = (1 + r) ** (-(t * months_per_period) / 12)."""
        t = np.arange(self.periods, dtype=float)
        return (1.0 + self.discount_rate) ** (-(t * self.months_per_period) / 12.0)
