"""What every capopt chart shares: the colours of mining and AI, and how money and numbers are written in titles and
labels (a true minus sign, as the axes show it)."""
from __future__ import annotations

import math

MINING, AI, AI_BUILDING, AI_SPOT = "#f7931a", "#1f77b4", "#9ecae9", "#17becf"
MINUS = "\u2212"


def rounded(value: float) -> str:
    """A number to 3 significant digits, whole numbers with thousands separators: 428,000, 12.3, 0.106, -847."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) < 100:
        text = f"{value:.3g}"
    else:
        text = f"{round(value, 2 - int(math.floor(math.log10(abs(value))))):,.0f}"
    return text.replace("-", MINUS)


def musd(usd: float) -> str:
    """USD as M USD: 1,040 M, 308 M, 12.3 M, 0.604 M."""
    return f"{rounded(usd / 1e6)} M"
