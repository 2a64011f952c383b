"""Terminal value (issue 6), hand-computed: one build, one purchase, a life shorter than the rest of the
horizon, quarterly periods, contracts ending after the horizon; `none` gives the NPV of docs/formulation.md to
the dollar.

Common numbers: AI capex 1,000,000 USD/MW, energy 0, a hard 10 MW contract at 100 USD/kW-month
= 1,000,000 USD per month. Horizon 2027-01..2027-12 (12 months) unless a case says otherwise.
"""
from __future__ import annotations

import pytest

import optimizer

from .casebuilder import df, miner, site, tables, value

MONTHS_2027 = [f"2027-{m:02d}" for m in range(1, 13)]
QUARTERS_2027 = ["2027-01", "2027-04", "2027-07", "2027-10"]


def _ai_case(start: str = "2027-01", end: str = "2027-12", labels: list[str] = MONTHS_2027) -> dict:
    return tables(
        sites=[site("A", energy_price_usd_per_mwh=0.0, ai_capex_usd_per_mw=1e6)],
        periods=[{"period": p, "hashprice_usd_per_ph_day": 0.0} for p in labels],
        contracts=[{"contract": "T", "site": "A", "start": start, "end": end, "mw": 10.0,
                    "price_usd_per_kw_month": 100.0}],
    )


def _solve(tbl: dict, **horizon) -> optimizer.Plan:
    return optimizer.solve(optimizer.Case.from_tables(tbl, **horizon))


def test_one_build_keeps_its_depreciated_value():
    """10 MW built in 2027-01 for 10 M USD; life 10 years: share = 1 - 12/120 = 0.9 -> 9 M USD at the end.
    NPV (r = 0) = 12 * 1 M revenue - 10 M capex + 9 M terminal = 11 M; with `none`: 2 M."""
    tbl = _ai_case()
    plain = _solve(tbl, start="2027-01", periods=12)
    assert plain.npv_usd == pytest.approx(2_000_000, abs=1.0)
    plan = _solve(tbl, start="2027-01", periods=12, terminal_value="depreciated", ai_life_years=10, asic_life_years=4)
    assert plan.npv_usd == pytest.approx(11_000_000, abs=1.0)
    assert plan.summary.economics.terminal_value.value_at_horizon_end_usd == pytest.approx(9_000_000, abs=1.0)
    assert plan.summary.economics.npv_of_cash_flows_usd == pytest.approx(2_000_000, abs=1.0)


def test_later_build_has_more_life_left():
    """Contract from 2027-07: 10 MW built in 2027-07, 6 months before the end: share = 1 - 6/120 = 0.95.
    NPV = 6 * 1 M - 10 M + 9.5 M = 5.5 M."""
    plan = _solve(_ai_case(start="2027-07"), start="2027-01", periods=12, terminal_value="depreciated",
                  ai_life_years=10, asic_life_years=4)
    assert value(plan.site_plan, "ai_started_mw", site="A", period="2027-07") == pytest.approx(10.0)
    assert plan.npv_usd == pytest.approx(5_500_000, abs=1.0)


def test_one_purchase():
    """ASIC at 20 J/TH (50 PH/s per MW) for 10 USD/TH = 500,000 USD/MW; grid 5 MW; hashprice 40 -> 2,000 USD per
    MW-day, 365 days in 2027 -> 730,000 per MW. Life 2 years: bought in 2027-01, share = 1 - 12/24 = 0.5
    -> 250,000 per MW. (Buying in February would lose 31 * 2,000 = 62,000 of revenue for 500,000/24 = 20,833
    more terminal value, so January it is.) NPV = 5 * (730,000 - 500,000 + 250,000) = 2,400,000;
    with `none`: 5 * 230,000 = 1,150,000."""
    tbl = tables(
        sites=[site("A", grid_mw=5.0, energy_price_usd_per_mwh=0.0)],
        miners=[miner("S", price_usd_per_th=10.0)],
        periods=[{"period": p, "hashprice_usd_per_ph_day": 40.0} for p in MONTHS_2027],
    )
    assert _solve(tbl, start="2027-01", periods=12).npv_usd == pytest.approx(1_150_000, abs=1.0)
    plan = _solve(tbl, start="2027-01", periods=12, terminal_value="depreciated", ai_life_years=15, asic_life_years=2)
    assert value(plan.site_plan, "mining_bought_mw", site="A", period="2027-01") == pytest.approx(5.0)
    assert plan.npv_usd == pytest.approx(2_400_000, abs=1.0)


def test_life_shorter_than_rest_of_horizon_has_no_value():
    """AI life 0.5 year = 6 months < 12 months to the end: share = max(0, 1 - 12/6) = 0; NPV as with `none`."""
    plan = _solve(_ai_case(), start="2027-01", periods=12, terminal_value="depreciated", ai_life_years=0.5,
                  asic_life_years=4)
    assert plan.npv_usd == pytest.approx(2_000_000, abs=1.0)
    assert plan.summary.economics.terminal_value.value_at_horizon_end_usd == pytest.approx(0.0, abs=1e-6)


def test_quarterly_with_discounting():
    """4 quarters of 2027, r = 10%: revenue 3 M per quarter at df_t = 1.1^(-3t/12); capex 10 M at t = 0;
    terminal value 10 M * (1 - 12/120) = 9 M discounted with df_T = 1.1^(-12/12)."""
    plan = _solve(_ai_case(end="2027-10", labels=QUARTERS_2027), start="2027-01", periods=4, months_per_period=3,
                  discount_rate=0.1, terminal_value="depreciated", ai_life_years=10, asic_life_years=4)
    revenue = sum(3_000_000 * df(0.1, t, 3) for t in range(4))
    expected = revenue - 10_000_000 + 9_000_000 / 1.1
    assert plan.npv_usd == pytest.approx(expected, abs=1.0)  # = 9,771,338.66
    assert plan.summary.economics.terminal_value.present_value_usd == pytest.approx(9_000_000 / 1.1, abs=1.0)


def test_contract_ending_after_horizon_needs_the_option():
    """A tranche to 2028-06 is an input error without the option; with it, its 2027 periods count and the
    6 months beyond are reported (10 MW * 1000 * 100 * 6 = 6 M USD of revenue not in the NPV)."""
    tbl = _ai_case(end="2028-06")
    with pytest.raises(optimizer.InputError, match="not a period start of the horizon"):
        optimizer.Case.from_tables(tbl, start="2027-01", periods=12)
    plan = _solve(tbl, start="2027-01", periods=12, terminal_value="depreciated", ai_life_years=10, asic_life_years=4)
    assert plan.npv_usd == pytest.approx(11_000_000, abs=1.0)
    [beyond] = plan.summary.economics.commitments_beyond_horizon
    assert (beyond["contract"], beyond["months_beyond_horizon"]) == ("T", 6)
    assert beyond["revenue_beyond_horizon_usd"] == pytest.approx(6_000_000)


def test_depreciated_requires_lives():
    with pytest.raises(optimizer.InputError, match="ai_life_years"):
        optimizer.Case.from_tables(_ai_case(), start="2027-01", periods=12, terminal_value="depreciated")
