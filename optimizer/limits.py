"""Upper limits on what capopt reads and builds, checked before anything of that size is allocated.

Each is far above any real portfolio and far below what would exhaust a laptop's memory or hang a run; README.md
("Limits") lists them. Per-table row limits (sites, ASIC models, tranches) are `max_rows` in `schema.py`.
"""
from __future__ import annotations

MAX_MODEL_FILE_BYTES = 1_000_000  # a model file (YAML); a real one is under 1 KB
MAX_TABLE_FILE_BYTES = 50_000_000  # a CSV table, a scenario file, a saved plan's CSV or JSON file
MAX_WORKBOOK_BYTES = 50_000_000  # an .xlsx file on disk
MAX_WORKBOOK_UNPACKED_BYTES = 200_000_000  # the parts of an .xlsx file once unzipped (a zip bomb is refused)
MAX_TABLE_ROWS = 100_000  # data rows of one table (CSV file or sheet), blank rows not counted
MAX_TABLE_COLUMNS = 100  # columns of one table: A to CV in a sheet
MAX_PERIODS = 1_200  # periods of a horizon: 100 years of months
MAX_MODEL_CELLS = 4_000_000  # scenarios x periods x (4 x sites x ASIC models + 3 x sites + 2 x tranches): the
#                               model's variables at most (1M variables take about 1.5 GB)
MAX_CASE_SCENARIOS = 1_000  # rows of a case's scenarios table (the extensive form holds every one)
MAX_SCENARIOS = 100_000  # scenarios of one sweep (grid points, list values and random draws included)
MAX_RESULTS_FILE_BYTES = 1_000_000_000  # a sweep's own results.csv, read back when it is resumed or finished
