"""Readers: input tables as text from a CSV folder, an Excel workbook or pandas frames, and the model file.

Each reader returns `RawTable`s (`csv_folder.RawTable`) and the problems found reading them; `validate.py` checks
the cells. Modules: `csv_folder.py`, `workbook.py`, `frames.py`, `model_file.py`.
"""
