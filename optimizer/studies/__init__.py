"""Studies made of several solves of one case: what information is worth (EVPI, VSS), the risk frontier, and what
each optional contract adds. Their independent solves run through a task mapper (serial, a process pool or Dask).
"""
from .decisions import ContractDecision, explain_contracts
from .executors import serial_map, task_mapper
from .frontier import FrontierPoint, frontier_tables, risk_frontier
from .information import ValueOfInformation, value_of_information

__all__ = ["ContractDecision", "FrontierPoint", "ValueOfInformation", "explain_contracts", "frontier_tables",
           "risk_frontier", "serial_map", "task_mapper", "value_of_information"]
