"""PNG charts: written by `solve --plots` and by `capopt plot` from a saved plan in any of its formats."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

import optimizer
from optimizer.cli import main
from optimizer.model.objective import TERMS
from optimizer.writers.chart_style import Thousands, musd
from optimizer.writers.charts import (
    PlanView,
    _payback,
    allocation_chart,
    cash_flow_chart,
    plan_view,
    shadow_price_chart,
    write_charts,
)
from optimizer.writers.layout import CHART_FILES, SCENARIO_CHART_FILES
from optimizer.writers.plan_files import write_plan
from optimizer.writers.scenario_charts import frontier_chart, mw_by_scenario, npv_distribution, tail_shares

from .smallcase import small_tables, write_csv_case
from .test_extensions import _hedge_tables

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


def test_write_charts_draws_four_valid_pngs(plan: optimizer.Plan, tmp_path: Path) -> None:
    paths = write_charts(plan.tables(), tmp_path, plan.summary.to_json())
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
    (lambda d: (d / "site_plan.csv").write_bytes((d / "site_plan.csv").read_bytes()[:-40]),
     "site_plan.csv: damaged (it ends in the middle of a row: the file was cut short); write the plan again with "
     "capopt solve --out"),
    (lambda d: (d / "site_plan.csv").write_text((d / "site_plan.csv").read_text().replace(",2.5,", ",,", 1)),
     "site_plan.csv: damaged (row 5, column mining_installed_mw: expected a number, found nothing (the file may "
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


# ---- what the charts show ---------------------------------------------------------------------------------------

def _view(plan: optimizer.Plan) -> PlanView:
    return plan_view(plan.tables(), plan.summary.to_json())


def test_cash_flow_chart_draws_every_term_and_the_cumulative_lines_end_at_the_plans_totals(
        plan: optimizer.Plan) -> None:
    summary = plan.summary.to_json()
    fig = cash_flow_chart(_view(plan))
    top, bottom = fig.axes
    lines = {line.get_label(): line.get_ydata() for line in top.lines}
    assert lines["cumulative cash flow"][0] == 0
    assert lines["cumulative cash flow"][-1] * 1e6 == pytest.approx(summary["undiscounted_cash_flow_usd"])
    assert lines["cumulative discounted cash flow"][-1] * 1e6 == pytest.approx(summary["npv_of_cash_flows_usd"])
    drawn = set(bottom.get_legend_handles_labels()[1])
    for term in TERMS:
        if plan.period_totals[term.name].abs().max() > 0:
            assert f"{term.label} ({'+' if term.sign > 0 else chr(0x2212)})" in drawn
    assert fig._suptitle.get_text().startswith("Cash flow: 0.5 M USD of capex in 2027-04\n")  # 5 MW at 100,000
    assert "paid back in 2027-05" in fig._suptitle.get_text()


@pytest.mark.parametrize("cumulative, words, back", [
    ([5e6, 6e6, 8e6], "never below zero; 8 M USD by the end of 2027-06", None),
    ([-5e6, -2e6, 1e6], "at most 5 M USD out of pocket (2027-04); paid back in 2027-06", 2),
    ([-5e6, -6e6, -1e6], "at most 6 M USD out of pocket (2027-05); not paid back by the end of 2027-06, still "
                         "\u22121 M USD", None),
])
def test_payback_in_words(cumulative: list[float], words: str, back: int | None) -> None:
    assert _payback(["2027-04", "2027-05", "2027-06"], np.array(cumulative), "2027-06") == (words, back)


def _shadow(rows: list[tuple[str, str | None, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["constraint", "site", "period", "shadow_price"]).assign(
        shadow_price_in_period_usd=lambda f: f["shadow_price"])


def _bare_view(shadow: pd.DataFrame) -> PlanView:
    return PlanView(pd.DataFrame(), pd.DataFrame(), shadow, 1, None, 0.0)


def test_shadow_price_chart_has_a_panel_only_for_limits_that_bind_and_names_only_binding_sites() -> None:
    periods = ["2027-01", "2027-02", "2027-03"]
    shadow = _shadow([("floor_space", site, p, 0.0) for site in "AB" for p in periods]
                     + [("power", "A", p, v) for p, v in zip(periods, (0.0, 1500.0, 2000.0))]
                     + [("power", "B", p, 0.0) for p in periods]
                     + [("capex_budget", None, p, 0.0) for p in periods])
    fig = shadow_price_chart(_bare_view(shadow))
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left").startswith("Power: one more facility MW")
    assert ax.get_ylabel() == "USD/MW, present value"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A"]
    assert "power at A 3,500 USD/MW" in fig._suptitle.get_text()


def test_shadow_price_chart_without_a_binding_limit_says_so_without_panels() -> None:
    shadow = _shadow([("power", "A", "2027-01", 0.0), ("floor_space", "A", "2027-01", 0.0),
                      ("capex_budget", None, "2027-01", 0.0)])
    fig = shadow_price_chart(_bare_view(shadow))
    assert fig.axes == [] and "No limit (floor space, power, capex budget) binds" in fig.texts[0].get_text()


def test_allocation_panels_share_one_scale(plan: optimizer.Plan) -> None:
    fig = allocation_chart(_view(plan))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2 and panels[0].get_ylim() == panels[1].get_ylim()
    assert "every panel on the same scale" in fig._suptitle.get_text()


def test_plot_redraws_the_cash_flow_chart_into_the_plan_folder(plan: optimizer.Plan, tmp_path: Path) -> None:
    write_plan(plan, tmp_path / "plan", plots=True)
    (tmp_path / "plan" / "cash_flow.png").unlink()
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "plan")])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'plan' / 'cash_flow.png'}" in result.output.splitlines()
    _assert_pngs(tmp_path / "plan")


# ---- scenario plans ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scenario_plan() -> optimizer.Plan:
    return optimizer.solve(optimizer.Case.from_tables(_hedge_tables(), start="2027-04", periods=2,
                                                      scenarios={"commit_through": "2027-04"}))


def _assert_scenario_pngs(folder: Path) -> None:
    _assert_pngs(folder)
    for name in SCENARIO_CHART_FILES:
        with Image.open(folder / name) as image:
            image.verify()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_scenario_plan_gets_its_scenario_charts_from_solve_and_from_plot(
        scenario_plan: optimizer.Plan, tmp_path: Path, fmt: str) -> None:
    written = write_plan(scenario_plan, tmp_path / "plan", [fmt], plots=True)
    assert {p.name for p in written} >= {*CHART_FILES, *SCENARIO_CHART_FILES}
    _assert_scenario_pngs(tmp_path / "plan")
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "plan"), "--out", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == sorted([*CHART_FILES, *SCENARIO_CHART_FILES])
    _assert_scenario_pngs(tmp_path / "png")


def test_a_plan_of_one_future_gets_no_scenario_charts(plan: optimizer.Plan, tmp_path: Path) -> None:
    assert [p.name for p in write_charts(plan.tables(), tmp_path, plan.summary.to_json())] == list(CHART_FILES)


def test_the_charts_of_a_scenario_plan_show_its_expected_plan(scenario_plan: optimizer.Plan) -> None:
    summary = scenario_plan.summary.to_json()
    view = plan_view(scenario_plan.tables(), summary)
    assert view.scenarios == 2
    per_scenario = scenario_plan.site_plan.pivot_table(index="period", columns="scenario", values="ai_ready_mw")
    expected = per_scenario @ pd.Series(summary["probability_by_scenario"])
    assert list(view.site_plan["ai_ready_mw"]) == pytest.approx(list(expected))
    discounted = (view.period_totals["discount_factor"]
                  * sum(t.sign * view.period_totals[t.name] for t in TERMS)).sum()
    assert discounted == pytest.approx(summary["npv_of_cash_flows_usd"])  # the terminal's probability-weighted terms
    fig = cash_flow_chart(view)
    assert "expected plan: each value weighted by the probability of its 2 scenarios" in fig._suptitle.get_text()


def test_the_npv_distribution_marks_the_expected_npv_the_cvar_and_the_scenarios_it_averages() -> None:
    npv = {"low": -50e6, "mid": 100e6, "high": 400e6}
    p = {"low": 0.05, "mid": 0.6, "high": 0.35}
    shares = tail_shares(np.array(list(npv.values())), np.array(list(p.values())), 0.9)
    assert list(shares) == pytest.approx([0.05, 0.05, 0.0])
    fig = npv_distribution(npv, p, 175e6, 25e6, 0.9)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["low", "mid", "high"]  # worst at the top
    assert {line.get_xdata()[0] for line in ax.lines} == {175.0, 25.0, 0.0}
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "expected NPV 175 M USD" in labels and "CVaR: mean NPV of the worst 10%, 25 M USD" in labels
    assert "100 M (60.0%, 5.0% of it in the worst 10%)" in {t.get_text() for t in ax.texts}
    assert "probability of a negative NPV 5%" in fig._suptitle.get_text()


def test_mw_by_scenario_draws_every_scenario_and_the_commitment(scenario_plan: optimizer.Plan) -> None:
    summary = scenario_plan.summary.to_json()
    fig = mw_by_scenario(scenario_plan.site_plan, summary["probability_by_scenario"],
                         summary["npv_by_scenario_usd"], 1, summary["commit_through"])
    mining, ai = fig.axes
    labels = [t.get_text() for t in ai.get_legend().get_texts()]
    assert labels == ["A (50%, NPV 0.16 M)", "B (50%, NPV 0.604 M)", "probability-weighted mean"]
    assert mining.get_ylim() == ai.get_ylim()
    assert any("committed through 2027-04" in t.get_text() for t in mining.texts)


def test_plot_of_a_scenario_plan_whose_summary_lost_a_scenario_is_one_line(
        scenario_plan: optimizer.Plan, tmp_path: Path) -> None:
    write_plan(scenario_plan, tmp_path / "plan")
    path = tmp_path / "plan" / "summary.json"
    summary = json.loads(path.read_text())
    del summary["probability_by_scenario"]["B"]
    path.write_text(json.dumps(summary))
    lines = _plot_lines(tmp_path / "plan")
    assert len(lines) == 1 and lines[0].endswith(
        "summary.json: damaged (scenario B of the plan tables has no NPV or probability); write the plan again with "
        "capopt solve --out"), lines


def test_frontier_chart_names_the_cvar_tail_labels_each_point_and_a_weight_without_a_plan() -> None:
    points = pd.DataFrame({"weight": [0.0, 0.5, 1.0], "status": ["optimal", "optimal", "infeasible"],
                           "expected_npv_usd": [300e6, 290e6, None], "cvar_usd": [100e6, 130e6, None]})
    committed = pd.DataFrame({"weight": [0.0, 0.5, 0.5], "decision": ["start AI build", "start AI build",
                                                                     "sign contract"],
                              "contract": [None, None, "core42"], "mw": [40.0, 20.0, None]})
    fig = frontier_chart(points, committed, 0.9)
    left, right = fig.axes
    assert left.get_xlabel().startswith("CVaR: mean NPV of the worst 10% of outcomes, M USD")
    assert {t.get_text() for t in left.texts} == {"weight 0\nexpected 300 M, CVaR 100 M",
                                                   "weight 0.5\nexpected 290 M, CVaR 130 M"}
    ticks = [t.get_text() for t in right.get_xticklabels()]
    assert ticks == ["0\nsigns nothing", "0.5\nsigns core42", "1\n(infeasible, no plan)\nsigns nothing"]
    assert "weight 0 \u2192 0.5: CVaR +30 M USD, expected NPV \u221210 M USD" in fig._suptitle.get_text()


@pytest.mark.parametrize("ticks, shown", [
    ([-1000.0, 0.0, 1000.0, 2000.0], ["\u22121,000", "0", "1,000", "2,000"]),
    ([0.0, 0.5, 1.0, 1.5], ["0.0", "0.5", "1.0", "1.5"]),  # a small plan's M USD: no '0, 0, 1, 2'
    ([-0.025, 0.0, 0.025], ["\u22120.025", "0.000", "0.025"]),
])
def test_tick_labels_have_the_decimals_their_step_needs(ticks: list[float], shown: list[str]) -> None:
    assert Thousands().format_ticks(ticks) == shown


@pytest.mark.parametrize("usd, text", [(1_533_100_000.0, "1,533 M"), (308_380_863.0, "308 M"), (12_345_678.0, "12.3 M"),
                                       (604_000.0, "0.604 M"), (-777_613_869.0, "\u2212778 M"), (0.0, "0 M")])
def test_money_in_titles_is_whole_millions_or_three_significant_digits(usd: float, text: str) -> None:
    assert musd(usd) == text


def test_shadow_price_chart_without_duals_does_not_claim_that_nothing_binds() -> None:
    shadow = _shadow([("power", "A", "2027-01", float("nan")), ("capex_budget", None, "2027-01", float("nan"))])
    fig = shadow_price_chart(_bare_view(shadow))
    assert fig.axes == []
    assert fig.texts[0].get_text() == "No shadow prices (floor space, power, capex budget): the solver gave none for " \
                                      "this plan."


def test_plot_of_a_scenario_plan_whose_scenario_names_read_back_as_numbers(tmp_path: Path) -> None:
    tables = _hedge_tables()
    for name in ("scenarios", "scenario_periods"):
        tables[name]["scenario"] = tables[name]["scenario"].map({"A": "1", "B": "2"})
    plan = optimizer.solve(optimizer.Case.from_tables(tables, start="2027-04", periods=2,
                                                      scenarios={"commit_through": "2027-04"}))
    write_plan(plan, tmp_path / "plan")
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "plan"), "--out", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    _assert_scenario_pngs(tmp_path / "png")


def test_mw_by_scenario_with_many_scenarios_reads_npv_on_a_colour_bar_and_names_the_mean() -> None:
    names = [f"s{k:02d}" for k in range(20)]
    site_periods = pd.DataFrame([{"scenario": s, "site": "A", "period": p, "mining_installed_mw": 100.0 - k,
                                  "ai_ready_mw": 10.0 + k}
                                 for k, s in enumerate(names) for p in ("2027-01", "2027-02")])
    fig = mw_by_scenario(site_periods, dict.fromkeys(names, 0.05), {s: 1e6 * k for k, s in enumerate(names)}, 1,
                         "2027-01")
    assert fig.axes[2].get_ylabel() == "NPV of the scenario, M USD"  # the colour bar, no 20-line legend
    assert fig.axes[1].get_legend() is None
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["probability-weighted mean of the scenarios"]
