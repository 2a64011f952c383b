"""Plans read back from solutions: one reader of values and duals (`figures.py`), plan tables and summary
(`plan.py`), a scenario plan's committed decisions and outcomes (`scenario_plan.py`), and `solve`, which builds,
solves and reads a case (`solve_case.py`)."""
from .figures import PlanFigures, read_figures
from .plan import PLAN_TABLES, Plan, read_plan
from .solve_case import solve, solve_scenarios

__all__ = ["PLAN_TABLES", "Plan", "PlanFigures", "read_figures", "read_plan", "solve", "solve_scenarios"]
