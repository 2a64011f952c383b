"""Workbooks edited in tests as a planner's spreadsheet program would save them: with openpyxl, every float written
with all 17 significant digits (as Excel stores them; openpyxl 3.1 alone writes 16)."""
from __future__ import annotations

import math
from pathlib import Path

from openpyxl.cell import _writer
from openpyxl.workbook import Workbook


def save_edited(book: Workbook, path: Path) -> None:
    """Save an openpyxl workbook with exact floats."""
    original = _writer.safe_string

    def exact(value: object) -> str:
        return repr(value) if isinstance(value, float) and math.isfinite(value) else original(value)

    _writer.safe_string = exact
    try:
        book.save(path)
    finally:
        _writer.safe_string = original
