"""The package's layers: data flows one way, so a module imports only modules of its own or an earlier layer.

files -> readers -> validation -> case -> model -> solvers -> results -> studies -> writers -> sweeps -> command line.
An import
inside a function is allowed only to load a heavy third-party library late (matplotlib, XlsxWriter), never to dodge a
cycle: those are listed here with their reason.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimizer"

LAYERS = [
    ["errors"],
    ["files"],
    ["schema", "horizon", "fundamentals", "limits"],
    ["readers", "futures"],
    ["validate"],
    ["case"],
    ["model"],
    ["solvers"],
    ["results"],
    ["studies"],
    ["writers"],
    ["sweep"],
    ["cli"],
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

# Imports inside functions: (module, imported) -> why.
LATE_IMPORTS = {
    ("writers/plan_files.py", "writers.plan_workbook"): "XlsxWriter, only when a workbook is asked for",
    ("writers/plan_files.py", "writers.charts"): "matplotlib, only when charts are asked for",
    ("sweep/runner.py", "writers.sweep_charts"): "matplotlib, only when a sweep draws its charts",
    ("sweep/store.py", "writers.results_workbook"): "XlsxWriter, only when a sweep writes its workbook",
    ("cli/plan.py", "writers.charts"): "matplotlib, only for capopt plot",
    ("cli/workbooks.py", "writers.input_workbook"): "XlsxWriter, only for template and convert",
    ("cli/studies.py", "writers.fan_chart"): "matplotlib, only for capopt scenarios",
    ("cli/studies.py", "futures.generate"): "scipy, only for capopt scenarios",
    ("cli/studies.py", "writers.study_files"): "matplotlib, only for capopt scenarios and frontier",
    ("cli/studies.py", "writers.scenario_charts"): "matplotlib, only for capopt frontier",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(dotted: str) -> str:
    return dotted.split(".")[0]


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(package-relative module imported, imported at module level) for every import of the package in `path`."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(PACKAGE).parent.parts
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level + 1])
            target = ".".join(base + ([node.module] if node.module else []))
            found.append((target, id(node) in top_level))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("optimizer"):
            found.append((node.module.removeprefix("optimizer").lstrip("."), id(node) in top_level))
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path: Path) -> None:
    name = str(path.relative_to(PACKAGE))
    own = _layer(name.removesuffix(".py").replace("/", "."))
    if own == "__init__" or own == "__main__":
        return  # the package's public API re-exports from every layer
    for target, top_level in _imports(path):
        if not target:
            continue
        layer = _layer(target)
        assert layer in RANK, f"{name} imports {target}: add its layer to LAYERS"
        if top_level:
            assert RANK[layer] <= RANK[own], f"{name} (layer {own}) imports {target} from a later layer"
        else:
            assert (name, target) in LATE_IMPORTS, f"{name} imports {target} inside a function"


def test_sweep_library_neither_prints_nor_uses_click() -> None:
    for path in (PACKAGE / "sweep").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "click" for a in node.names), path.name
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "click", path.name
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", path.name
