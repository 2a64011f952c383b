"""The linear program of MODEL.md, built in bulk with PuLP.

Where to look:
- `data.py`          parameters: every input as numpy arrays over sites, ASIC models, tranches, periods
- `variables.py`     decision variables (dense object arrays, None where a variable does not exist)
- `expressions.py`   shared expressions the families add up: floor use, facility power, AI delivered, capex
- `constraints/`     one module per constraint family of MODEL.md, each with its math in the docstring
- `objective.py`     cash-flow terms of the NPV
- `build.py`         puts them together into a `CapacityModel`
"""
from .build import CapacityModel, build_model

__all__ = ["CapacityModel", "build_model"]
