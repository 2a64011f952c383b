"""Writers: a plan and a sweep as files, and on the terminal; input workbooks to fill in.

`terminal.py` the plan summary; `wording.py` the sentences the terminal and plan.xlsx share; `plan_files.py` a plan
folder (summary.json, CSV, JSON) and reading it back; `plan_workbook.py` plan.xlsx; `charts.py` a plan's PNG charts;
`scenario_charts.py` those of plans under uncertainty (NPV distribution, MW by scenario, risk frontier);
`chart_style.py` the colours and number formats every chart shares; `input_workbook.py` templates and converted
cases; `results_workbook.py` a sweep's results.xlsx; `xlsx.py` workbooks streamed with XlsxWriter: safe, exact cells,
print setup (and recognising capopt's own); `sweep_charts.py` a sweep's tornado and heatmap; `fan_chart.py` generated
scenarios; `study_files.py` the files of scenario sets and frontiers; `layout.py` the file names of plan and sweep
folders.
"""
