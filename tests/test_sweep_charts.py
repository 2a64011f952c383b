"""Sweep charts: the tornado's swings are one-at-a-time NPVs around the base case (conditional means, said so, where
the sweep holds none), and the heatmap keeps the other parameters at base where it can."""
from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from optimizer.files import OutputFolder
from optimizer.writers.sweep_charts import base_npv, base_values, heatmap, swings, tornado, write_sweep_charts


def _npv(hashprice: float, ai_capex: float, rate: float = 0.10) -> float:
    """A made-up NPV with an interaction, so that means over the other parameter differ from one-at-a-time values."""
    return 1e8 * (hashprice - 1) * (2 - ai_capex) ** 2 - 3e8 * (ai_capex - 1) - 5e8 * (rate - 0.10)


def _grid(hashprice: list[float], ai_capex: list[float], rates: list[float] | None = None) -> pd.DataFrame:
    rows = [{"hashprice": h, "ai_capex": a, **({"set:discount_rate": r} if rates else {}), "status": "optimal",
             "npv_usd": _npv(h, a, r)} for h, a, r in itertools.product(hashprice, ai_capex, rates or [0.10])]
    return pd.DataFrame(rows)


KEYS = ["hashprice", "ai_capex"]


def test_swings_are_the_one_at_a_time_npvs_of_the_grid() -> None:
    frame = _grid([0.5, 0.75, 1.0, 1.25, 1.5], [0.8, 1.0, 1.2])
    bases = base_values(KEYS, KEYS)
    assert base_npv(frame, KEYS, bases) == pytest.approx(_npv(1, 1))
    by_key = {s.key: s for s in swings(frame, KEYS, bases)}
    hashprice, capex = by_key["hashprice"], by_key["ai_capex"]
    assert hashprice.one_at_a_time and capex.one_at_a_time
    assert (hashprice.low_value, hashprice.high_value) == (0.5, 1.5)
    assert hashprice.low_npv_usd == pytest.approx(_npv(0.5, 1.0))
    assert hashprice.high_npv_usd == pytest.approx(_npv(1.5, 1.0))
    assert capex.low_npv_usd == pytest.approx(_npv(1.0, 0.8)) and capex.high_npv_usd == pytest.approx(_npv(1.0, 1.2))
    # the old bar, a mean over the other parameter, is not what is shown
    mean_low = frame.loc[frame["hashprice"] == 0.5, "npv_usd"].mean()
    assert mean_low != pytest.approx(hashprice.low_npv_usd)


def test_swings_are_ordered_widest_first_and_a_parameter_with_one_value_has_none() -> None:
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0, 1.2]).assign(energy_price=1.0)
    keys = [*KEYS, "energy_price"]
    found = swings(frame, keys, base_values(keys, keys), _npv(1, 1))
    assert [s.key for s in found] == ["ai_capex", "hashprice"]  # 120 M across ai_capex, 100 M across hashprice
    assert found[0].width_usd(_npv(1, 1)) == pytest.approx(1.2e8)


def test_an_end_without_a_plan_keeps_its_status_and_the_bar_stops_at_the_base() -> None:
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0, 1.2])
    infeasible = frame["ai_capex"] == 1.2
    frame.loc[infeasible, "status"], frame.loc[infeasible, "npv_usd"] = "infeasible", float("nan")
    capex = next(s for s in swings(frame, KEYS, base_values(KEYS, KEYS)) if s.key == "ai_capex")
    assert capex.one_at_a_time and capex.high_value == 1.2
    assert (capex.high_npv_usd, capex.high_status) == (None, "infeasible")
    assert capex.width_usd(_npv(1, 1)) == pytest.approx(_npv(1, 0.8) - _npv(1, 1))


def test_without_a_one_at_a_time_scenario_the_swing_is_the_conditional_mean() -> None:
    frame = _grid([0.5, 1.5], [0.8, 1.0, 1.2])  # hashprice never at its base: ai_capex never varies alone
    by_key = {s.key: s for s in swings(frame, KEYS, base_values(KEYS, KEYS))}
    assert by_key["hashprice"].one_at_a_time  # ai_capex is at base in two of its rows
    capex = by_key["ai_capex"]
    assert not capex.one_at_a_time
    assert capex.low_npv_usd == pytest.approx(frame.loc[frame["ai_capex"] == 0.8, "npv_usd"].mean())
    assert base_npv(frame, KEYS, base_values(KEYS, KEYS)) is None


def test_an_absolute_parameter_needs_its_base_value_for_one_at_a_time_swings() -> None:
    keys = [*KEYS, "set:discount_rate"]
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0], [0.08, 0.10, 0.12])
    unknown = {s.key: s for s in swings(frame, keys, base_values(keys, KEYS))}
    assert not unknown["hashprice"].one_at_a_time and not unknown["ai_capex"].one_at_a_time
    assert unknown["set:discount_rate"].one_at_a_time  # both multipliers at 1
    known = {s.key: s for s in swings(frame, keys, base_values(keys, KEYS, {"set:discount_rate": 0.10}))}
    assert all(s.one_at_a_time for s in known.values())
    assert known["hashprice"].low_npv_usd == pytest.approx(_npv(0.5, 1.0, 0.10))


def test_a_blank_cell_is_the_base_value() -> None:
    frame = _grid([0.5, 1.0, 1.5], [1.0])
    frame = pd.concat([frame, pd.DataFrame([{"hashprice": 1.0, "ai_capex": None, "status": "optimal",
                                             "npv_usd": _npv(1.0, 0.5)}])], ignore_index=True)
    frame.loc[frame["ai_capex"] == 1.0, "ai_capex"] = None  # ai_capex only ever blank: as in the inputs
    found = swings(frame, KEYS, base_values(KEYS, KEYS))
    assert [s.key for s in found] == ["hashprice"] and found[0].one_at_a_time


def test_tornado_draws_the_base_line_and_titles_the_one_at_a_time_swings() -> None:
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0, 1.2])
    fig = tornado(frame, KEYS, None, KEYS)  # the base NPV found among the scenarios
    ax = fig.axes[0]
    base = _npv(1, 1) / 1e6
    assert any(list(line.get_xdata()) == [base, base] for line in ax.lines)
    left, right = ax.get_xlim()
    assert left < base < right and min(base - left, right - base) > 0.05 * (right - left)  # off the spines
    assert "one parameter at a time" in fig._suptitle.get_text()
    assert any(t.get_text().startswith("base case") for t in ax.texts)
    assert any(t.get_text() == "x0.5: \u221250 M" for t in ax.texts)


def test_tornado_says_which_bars_are_conditional_means() -> None:
    frame = _grid([0.5, 1.5], [0.8, 1.0, 1.2])
    fig = tornado(frame, KEYS, 0.0, KEYS)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "ai_capex\n(mean over the others)" in labels and "hashprice" in labels
    assert "ai_capex: the sweep holds no scenarios with it varied alone" in fig._supxlabel.get_text()


def test_heatmap_keeps_a_third_parameter_at_base_and_outlines_the_base_cell() -> None:
    keys = [*KEYS, "set:discount_rate"]
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0, 1.2], [0.08, 0.10, 0.12])
    fig = heatmap(frame, keys, KEYS, {"set:discount_rate": 0.10})
    ax = fig.axes[0]
    assert "set:discount_rate at base" in ax.get_title()
    cells = {t.get_text() for t in ax.texts}
    assert f"{_npv(1, 1) / 1e6:,.0f}\nbase case".replace("-", "\u2212") in cells
    assert f"{_npv(0.5, 1.2) / 1e6:,.0f}".replace("-", "\u2212") in cells  # at rate 0.10, not a mean over rates


def test_write_sweep_charts_writes_valid_pngs(tmp_path: Path) -> None:
    frame = _grid([0.5, 1.0, 1.5], [0.8, 1.0])
    folder = OutputFolder(tmp_path / "sweep", "sweep")
    with folder.session(["tornado.png", "heatmap.png"]):
        paths = write_sweep_charts(frame, KEYS, folder, None, KEYS)
    assert [p.name for p in paths] == ["tornado.png", "heatmap.png"]
    for path in paths:
        with Image.open(path) as image:
            image.verify()
