"""What every capopt chart shares: the colours of mining and AI, and how money and numbers are written in titles,
labels and ticks (thousands separators, a true minus sign)."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import Formatter

MINING, AI, AI_BUILDING, AI_SPOT = "#f7931a", "#1f77b4", "#9ecae9", "#17becf"
MINUS = "\u2212"


def rounded(value: float) -> str:
    """A number to 3 significant digits, whole numbers with thousands separators: 428,000, 12.3, 0.106, -847."""
    if value == 0 or not math.isfinite(value):
        return f"{value + 0.0:g}"  # no "-0"
    if abs(value) < 100:
        text = f"{value:.3g}"
    else:
        text = f"{round(value, 2 - int(math.floor(math.log10(abs(value))))):,.0f}"
    return text.replace("-", MINUS)


def musd(usd: float) -> str:
    """USD as M USD, whole from 100 M, else to 3 significant digits: 1,533 M, 308 M, 12.3 M, 0.604 M."""
    millions = usd / 1e6
    return f"{f'{millions:,.0f}'.replace('-', MINUS) if abs(millions) >= 100 else rounded(millions)} M"


class Thousands(Formatter):
    """Tick labels with thousands separators, a true minus sign and as many decimals as the step between ticks
    needs (0, 500, 1,000; 0.25, 0.5)."""

    def format_ticks(self, values) -> list[str]:
        steps = np.diff(np.sort(np.asarray(values, dtype=float)))
        step = float(steps[steps > 0].min()) if (steps > 0).any() else 1.0
        decimals = next((d for d in range(7) if abs(step * 10**d - round(step * 10**d)) < 1e-6 * step * 10**d), 6)
        return [f"{round(v, decimals) + 0.0:,.{decimals}f}".replace("-", MINUS) for v in values]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]
