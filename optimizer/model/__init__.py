"""The model of docs/formulation.md, built in bulk from arrays.

Where to look:
- `data.py`          parameters: every input as numpy arrays over sites, ASIC models, tranches, periods
- `lp.py`            the LP as flat arrays: variable blocks, row blocks, matrix entries; how duals are declared
- `variables.py`     decision variables (which exist, their dims, integrality, scenario sharing)
- `expressions.py`   shared expressions the families add up: floor use, facility power, AI delivered, capex
- `constraints/`     one module per constraint family, each with its math and its dual in the docstring
- `objective.py`     cash-flow terms of the NPV and their labels
- `build.py`         puts them together into a `CapacityModel`
- `scenarios.py`     the extensive form of a scenario model (extension C)
"""
from .build import CapacityModel, build_model

__all__ = ["CapacityModel", "build_model"]
