"""The `capopt` command line. Exit codes: 0 optimal plan, 1 no plan (infeasible, unbounded, solver failure),
2 bad input or usage.

`plan.py` validate, solve, plot; `workbooks.py` template, convert; `sweep.py` sweep, breakeven; `studies.py`
scenarios, frontier, export; `common.py` what they share.
"""
from __future__ import annotations

import click

from .plan import plot, solve, validate
from .studies import export_model, frontier, scenarios
from .sweep import breakeven, sweep
from .workbooks import convert, template


@click.group()
@click.version_option(package_name="capopt")
def main() -> None:
    """capopt: split power and floor space between Bitcoin mining and AI hosting, period by period."""


for _command in (validate, solve, template, convert, plot, sweep, breakeven, scenarios, frontier, export_model):
    main.add_command(_command)
