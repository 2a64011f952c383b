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


def _plot_lines(plan_dir: Path) -> list[str]:
    result = CliRunner().invoke(main, ["plot", str(plan_dir), "--out", str(plan_dir.parent / "png")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert not (plan_dir.parent / "png").exists()
    return result.stderr.splitlines()


@pytest.mark.parametrize("damage, line", [
    (lambda d: (d / "site_periods.csv").write_bytes((d / "site_periods.csv").read_bytes()[:-40]),
     "site_periods.csv: damaged (it ends in the middle of a row: the file was cut short); write the plan again with "
     "capopt solve --out"),
    (lambda d: (d / "site_periods.csv").write_text((d / "site_periods.csv").read_text().replace(",2.5,", ",,", 1)),
     "site_periods.csv: damaged (row 5, column mining_installed_mw: expected a number, found nothing (the file may "
     "be cut short)); write the plan again with capopt solve --out"),
    (lambda d: (d / "summary.json").write_text("[]"),
     "summary.json: damaged (expected a JSON object, found list); write the plan again with capopt solve --out"),
    (lambda d: (d / "summary.json").write_text('{"horizon": {"months_per_period": 2}}'),
     "summary.json: damaged (horizon.months_per_period must be 1 or 3, found 2); write the plan again with capopt "
     "solve --out"),
    (lambda d: (d / "summary.json").write_text('{"horiz'),
     "summary.json: damaged (Unterminated string starting at); write the plan again with capopt solve --out"),
    (lambda d: (d / "period_totals.csv").write_text("period,mining_revenue_usd\n2027-04,1\n"),
     "period_totals.csv: damaged (column contract_revenue_usd is missing); write the plan again with capopt solve "
     "--out"),
    (lambda d: (d / "shadow_prices.csv").write_text('constraint,site,period,shadow_price,shadow_price_in_period_usd\n'
                                                    'power,A,April,1,1\n'),
     "shadow_prices.csv: damaged (row 2, column period: expected a period YYYY-MM, found 'April'); write the plan "
     "again with capopt solve --out"),
], ids=["truncated_csv", "blank_number", "summary_is_a_list", "summary_bad_horizon", "summary_cut", "missing_column",
        "bad_period"])
def test_plot_of_a_damaged_plan_is_one_line(plan: optimizer.Plan, tmp_path: Path, damage, line: str) -> None:
    write_plan(plan, tmp_path / "plan")
    damage(tmp_path / "plan")
    lines = _plot_lines(tmp_path / "plan")
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(line), lines


def test_plot_of_a_corrupt_workbook_plan_is_one_line(plan: optimizer.Plan, tmp_path: Path) -> None:
    write_plan(plan, tmp_path / "plan", ["xlsx"])
    book = tmp_path / "plan" / "plan.xlsx"
    book.write_bytes(book.read_bytes()[:3000])
    lines = _plot_lines(tmp_path / "plan")
    assert len(lines) == 1 and lines[0].startswith("error: ") and "plan.xlsx: damaged (" in lines[0], lines
