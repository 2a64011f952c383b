"""PNG charts: written by `solve --plots` and by `capopt plot` from a saved plan in any of its formats."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import optimizer
from optimizer.cli import main
from optimizer.writers.charts import CHART_FILES, write_charts
from optimizer.writers.plan_files import write_plan

from .smallcase import small_tables, write_csv_case

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _assert_pngs(folder: Path) -> None:
    for name in CHART_FILES:
        path = folder / name
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000, name
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            assert width >= 600 and height >= 400, (name, image.size)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> optimizer.Plan:
    folder = tmp_path_factory.mktemp("case")
    return optimizer.solve(optimizer.load(write_csv_case(folder, small_tables())))


def test_write_charts_draws_three_valid_pngs(plan: optimizer.Plan, tmp_path: Path) -> None:
    paths = write_charts(plan.tables(), tmp_path, months_per_period=1, crossover_period=plan.crossover_period)
    assert [p.name for p in paths] == list(CHART_FILES)
    _assert_pngs(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(CHART_FILES)  # no temporary files left


def test_solve_with_plots_writes_pngs_into_the_plan_folder(tmp_path: Path) -> None:
    model = write_csv_case(tmp_path, small_tables())
    result = CliRunner().invoke(main, ["solve", str(model), "--out", str(tmp_path / "plan"), "--plots", "--quiet"])
    assert result.exit_code == 0, result.output
    _assert_pngs(tmp_path / "plan")


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_plot_redraws_a_saved_plan_from_any_format(plan: optimizer.Plan, tmp_path: Path, fmt: str) -> None:
    write_plan(plan, tmp_path / "plan", [fmt])
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "plan"), "--out", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    _assert_pngs(tmp_path / "png")


def test_plot_of_a_folder_without_a_plan_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plot", str(tmp_path)])
    assert result.exit_code == 2
    assert "summary.json not found" in result.output
