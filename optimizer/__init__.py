"""capopt: split power and floor space between Bitcoin mining and AI hosting with a linear program."""
from .case import Case, load
from .errors import InputError, InputProblem, NoPlanError
from .results import Plan, solve
from .studies import value_of_information

__all__ = ["Case", "InputError", "InputProblem", "NoPlanError", "Plan", "load", "solve", "value_of_information"]
