"""Cross-check of MODEL.md's extensions (A whole blocks and optional contracts,
B hashprice from fundamentals, C scenarios, CVaR, EVPI and VSS) against the
independent reference in ``reference_lp.py``.

(a) hand-computed cases per extension, NPV to the dollar (product and reference);
(b) the reference itself: with every extension off it is ``reference_npv``'s LP;
(c) property tests: the product agrees with the reference on random small cases.
    Only figures that are unique are compared (MODEL.md C: where optimal plans
    tie, only the objective is unique); the reference decides uniqueness by
    minimising and maximising each figure over the plans within a hair of the
    optimum (``RefSolution.figure_range``).

Example counts: CAPOPT_EXTENSION_EXAMPLES raises every property test's count
(the defaults keep this file under a minute).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings

import optimizer

from .reference_lp import (
    ReferenceInputError,
    cvar_of,
    period_subsidy,
    reference_npv,
    reference_solve,
    reference_value_of_information,
    unique_tol,
    window_tol,
)
from .strategies import cases, extended_cases


def _examples(default: int) -> int:
    env = os.environ.get("CAPOPT_EXTENSION_EXAMPLES")
    return int(env) if env else default


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-3)


def _close_diff(a: float, b: float, *scale: float) -> bool:
    """For a difference of large figures (EVPI, VSS): within 1e-6 of the larger
    of the figures it is the difference of (READING R8), or 1e-3."""
    return abs(a - b) <= 1e-6 * max([1.0] + [abs(s) for s in scale]) + 1e-3


# Cases hypothesis found, kept as explicit examples so every run checks them.
_TINY_BUDGET_MILP = ({  # HiGHS' presolve solved this MILP to -1 USD with a bound of -1; the optimum is 0
    "sites": pd.DataFrame({"site": ["S1"], "grid_mw": [5.0], "floor_sqft": [5000.0],
                           "energy_price_usd_per_mwh": [20.0], "ai_sqft_per_mw": [3000.0],
                           "ai_capex_usd_per_mw": [5e6], "ai_block_mw": [None]}),
    "miners": pd.DataFrame({"model": ["M1"], "efficiency_j_per_th": [13.0], "sqft_per_mw": [500.0],
                            "lot_mw": [None]}),
    "contracts": pd.DataFrame({"contract": ["C1"] * 3, "site": ["S1"] * 3, "start": ["2023-02"] * 3,
                               "end": ["2023-02", "2023-04", "2023-02"], "mw": [0.0, 1.0, 0.0],
                               "price_usd_per_kw_month": [80.0] * 3,
                               "shortfall_penalty_usd_per_kw_month": [np.nan, 1.0, np.nan], "optional": [True] * 3}),
    "periods": pd.DataFrame({"period": ["2023-02", "2023-03", "2023-04", "2023-05"],
                             "hashprice_usd_per_ph_day": [50.0] * 4, "capex_budget_usd": [0.0, 0.0, 1.0, 0.0]}),
}, {"start": "2023-02", "periods": 4, "months_per_period": 1, "discount_rate": 0.0})

_N = np.nan
_PRESOLVE_INFEASIBLE_VOI = ({  # the reference's joint EEV program, feasible, was called infeasible by MILP presolve
    "sites": pd.DataFrame({"site": ["S1"], "grid_mw": [20.0], "floor_sqft": [8414], "energy_price_usd_per_mwh": [22.0],
                           "ai_sqft_per_mw": [3000.0], "ai_capex_usd_per_mw": [55500], "ai_lead_time_periods": [1],
                           "ai_block_mw": [None]}),
    "miners": pd.DataFrame({"model": ["M1"], "efficiency_j_per_th": [13.0], "sqft_per_mw": [500.0],
                            "lot_mw": [None]}),
    "fleet": pd.DataFrame({"site": ["S1"], "model": ["M1"], "installed_mw": [10.0]}),
    "contracts": pd.DataFrame({"contract": ["C1", "C2"], "site": ["S1", "S1"], "start": ["2023-04", "2023-02"],
                               "end": ["2023-04", "2023-02"], "mw": [2.0, 0.0],
                               "price_usd_per_kw_month": [80.0, 80.0], "optional": [True, True]}),
    "periods": pd.DataFrame({"period": ["2023-02", "2023-03", "2023-04"], "hashprice_usd_per_ph_day": [20.0] * 3,
                             "btc_price_usd": [40000.0, None, 40000.0], "network_hashrate_eh_s": [500.0, None, 500.0],
                             "fees_btc_per_block": [0.0, None, None], "block_subsidy_btc": [1.0, None, None]}),
    "scenarios": pd.DataFrame({"scenario": ["W1", "W2", "W3"], "probability": [0.05, 0.55, 0.40]}),
    "scenario_periods": pd.DataFrame({
        "scenario": ["W1"] * 3 + ["W2"] * 3 + ["W3"] * 3, "period": ["2023-02", "2023-03", "2023-04"] * 3,
        "hashprice_usd_per_ph_day": [_N, 10.0, _N, _N, _N, _N, _N, _N, _N],
        "btc_price_usd": [_N, _N, 40000.0, _N, _N, 40000.0, _N, _N, _N],
        "network_hashrate_eh_s": [_N, _N, _N, _N, _N, 500.0, _N, _N, _N], "fees_btc_per_block": [_N] * 9,
        "ai_spot_price_usd_per_kw_month": [120.0] * 9, "ai_spot_max_mw": [0, 0, 0, 0, 0, 5.0, 0, 0, 0],
        "energy_price_factor": [1.0, 1.5, 1.0, 1.0, 1.0, _N, _N, _N, _N]}),
}, {"start": "2023-02", "periods": 3, "months_per_period": 1, "discount_rate": 0.0,
    "scenarios": {"commit_through": "2023-03"}})

_UNSURE_WITHOUT_PRESOLVE = ({  # infeasible (2 USD of budget against 8.5 M USD of capex); presolve says so, while
    # HiGHS without presolve answered "Unknown", which the reference took for a failure
    "sites": pd.DataFrame({"site": ["S1"], "grid_mw": [5.0], "floor_sqft": [44797], "energy_price_usd_per_mwh": [23.0],
                           "ai_sqft_per_mw": [3000.0], "ai_capex_usd_per_mw": [5e6], "ai_lead_time_periods": [2]}),
    "miners": pd.DataFrame({"model": ["M1"], "efficiency_j_per_th": [13.0], "sqft_per_mw": [1516.0]}),
    "contracts": pd.DataFrame({"contract": ["C1"] * 3, "site": ["S1"] * 3, "start": ["2023-06", "2023-07", "2023-07"],
                               "end": ["2023-06", "2023-07", "2023-07"], "mw": [1.7, 0.0, 0.0],
                               "price_usd_per_kw_month": [80.0] * 3}),
    "periods": pd.DataFrame({"period": ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06", "2023-07"],
                             "hashprice_usd_per_ph_day": [20.0, 20.0, 21.0, 20.0, 20.0, 20.0],
                             "capex_budget_usd": [0.0, 0.0, 2.0, 0.0, _N, _N],
                             "ai_spot_price_usd_per_kw_month": [_N, 78.0, _N, _N, _N, _N],
                             "btc_price_usd": [40000.0, _N, _N, _N, _N, _N],
                             "network_hashrate_eh_s": [500.0, _N, _N, _N, _N, _N],
                             "block_subsidy_btc": [1.0, _N, _N, _N, _N, _N]}),
}, {"start": "2023-02", "periods": 6, "months_per_period": 1, "discount_rate": 0.0})


def _copy(tables):
    return {k: v.copy() for k, v in tables.items()}


def _case(tables, **options):
    """The product's case; MILPs proven optimal (mip_gap 0) so that objectives
    compare at 1e-6."""
    return optimizer.Case.from_tables(_copy(tables), mip_gap=0.0, **options)


def _summary(plan) -> dict:
    """The plan's summary as summary.json holds it."""
    return plan.summary.to_json()


# --------------------------------------------------------------------------- builders for hand cases


def _site(**over):
    row = dict(site="A", grid_mw=100.0, floor_sqft=1e6, energy_price_usd_per_mwh=0.0,
               ai_sqft_per_mw=1000.0, ai_capex_usd_per_mw=50_000.0)
    row.update(over)
    return pd.DataFrame([row])


def _miner(**over):
    row = dict(model="X", efficiency_j_per_th=25.0, sqft_per_mw=1000.0)
    row.update(over)
    return pd.DataFrame([row])


def _periods(labels, **cols):
    df = pd.DataFrame(dict(period=labels))
    for k, v in cols.items():
        df[k] = v
    return df


def _solve_both(tables, **options):
    """(product plan, reference solution) of one case; both must be feasible."""
    ref = reference_solve(_copy(tables), **options)
    assert ref is not None
    return optimizer.solve(_case(tables, **options)), ref


# --------------------------------------------------------------------------- (a) A: whole halls


def _hall_case(**site_over):
    return dict(
        sites=_site(ai_block_mw=4.0, energy_price_usd_per_mwh=40.0, ai_opex_usd_per_mw_month=1000.0,
                    **site_over),
        miners=_miner(),
        contracts=pd.DataFrame([dict(contract="K", site="A", start="2025-01", end="2025-01", mw=5.0,
                                     price_usd_per_kw_month=150.0)]),
        periods=_periods(["2025-01"], hashprice_usd_per_ph_day=50.0),
    )


def test_hall_rounds_up_for_a_hard_contract():
    """A hard 5 MW contract at a site that builds in 4 MW halls needs 2 halls (8 MW).
    Revenue 5 MW * 1000 * 150 USD/kW-month = 750,000; energy 5 MW * 744 h * 40 = 148,800;
    capex 8 MW * 50,000 = 400,000; opex 8 MW * 1,000 = 8,000.
    NPV = 750,000 - 148,800 - 400,000 - 8,000 = 193,200.
    Relaxed (any amount, LP): capex 250,000 and opex 5,000: NPV 346,200."""
    tables = _hall_case()
    plan, ref = _solve_both(tables, start="2025-01", periods=1)
    assert ref.objective == pytest.approx(193_200.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(193_200.0, abs=1e-3)
    assert _summary(plan)["objective_usd"] == pytest.approx(193_200.0, abs=1e-3)
    assert _summary(plan)["best_bound_usd"] >= 193_200.0 - 1e-3
    relaxed = optimizer.solve(_case(tables, start="2025-01", periods=1), relax=True)
    assert relaxed.npv_usd == pytest.approx(346_200.0, abs=1e-3)
    assert reference_solve(_copy(tables), start="2025-01", periods=1,
                           relax=True).objective == pytest.approx(346_200.0, abs=1e-3)
    # a ceiling of 6 MW leaves no room for the second hall: no plan
    tables = _hall_case(ai_max_mw=6.0)
    assert reference_solve(_copy(tables), start="2025-01", periods=1) is None
    with pytest.raises(optimizer.NoPlanError) as info:
        optimizer.solve(_case(tables, start="2025-01", periods=1))
    assert info.value.status == "infeasible"


def test_hall_rounds_down_for_the_spot_market():
    """The spot market takes 5 MW at 100 USD/kW-month (100,000 USD per MW-month); AI
    costs 60,000 USD/MW in 4 MW halls; energy free.  One hall: 4 * 100,000 - 240,000 =
    160,000; two halls: 5 * 100,000 - 480,000 = 20,000; so one hall (LP: 5 MW, 200,000)."""
    tables = dict(
        sites=_site(ai_block_mw=4.0, ai_capex_usd_per_mw=60_000.0), miners=_miner(),
        periods=_periods(["2025-01"], hashprice_usd_per_ph_day=50.0,
                         ai_spot_price_usd_per_kw_month=100.0, ai_spot_max_mw=5.0),
    )
    plan, ref = _solve_both(tables, start="2025-01", periods=1)
    assert ref.objective == pytest.approx(160_000.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(160_000.0, abs=1e-3)
    relaxed = optimizer.solve(_case(tables, start="2025-01", periods=1), relax=True)
    assert relaxed.npv_usd == pytest.approx(200_000.0, abs=1e-3)


def test_optional_contracts_signed_only_when_worth_it():
    """Two months, energy and opex free, AI 50,000 USD/MW, any amount.
    K1 (optional, hard ramp of two rows: 3 MW in Jan, 5 MW in Feb at 150 USD/kW-month):
    revenue 150,000 * (3 + 5) = 1,200,000, capex 5 MW * 50,000 = 250,000: +950,000, signed.
    K2 (optional, soft, 5 MW in Feb at 40 with penalty 10; K1 takes all 5 MW then):
    delivering earns 200,000 for 250,000 of capex (-50,000), falling short costs
    10,000 * 5 = 50,000: not signed (0).  (In January K2 would be worth signing: 2 MW of
    K1's February build are idle then.)
    NPV = 950,000.  With K2 not optional it must be honoured: 950,000 - 50,000 = 900,000."""
    rows = [dict(contract="K1", site="A", start="2025-01", end="2025-01", mw=3.0,
                 price_usd_per_kw_month=150.0, shortfall_penalty_usd_per_kw_month=None, optional=True),
            dict(contract="K1", site="A", start="2025-02", end="2025-02", mw=5.0,
                 price_usd_per_kw_month=150.0, shortfall_penalty_usd_per_kw_month=None, optional=True),
            dict(contract="K2", site="A", start="2025-02", end="2025-02", mw=5.0,
                 price_usd_per_kw_month=40.0, shortfall_penalty_usd_per_kw_month=10.0, optional=True)]
    tables = dict(sites=_site(), miners=_miner(), contracts=pd.DataFrame(rows),
                  periods=_periods(["2025-01", "2025-02"], hashprice_usd_per_ph_day=50.0))
    plan, ref = _solve_both(tables, start="2025-01", periods=2)
    assert ref.objective == pytest.approx(950_000.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(950_000.0, abs=1e-3)
    rows[2]["optional"] = False
    tables["contracts"] = pd.DataFrame(rows)
    plan, ref = _solve_both(tables, start="2025-01", periods=2)
    assert ref.objective == pytest.approx(900_000.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(900_000.0, abs=1e-3)


def test_asic_lots():
    """Floor 10,000 sqft at 1,000 sqft/MW fits 10 MW; ASICs come in 3 MW lots, so 9 MW.
    25 J/TH = 40 PH/s per MW; 50 USD/PH/day -> 2,000 USD per MW-day; energy 40 USD/MWh ->
    960 per MW-day; 31 days -> 32,240 per MW; price 0.5 USD/TH = 20,000 USD/MW.
    Net 12,240 per MW: 9 MW -> 110,160 (LP: 10 MW -> 122,400)."""
    tables = dict(sites=_site(floor_sqft=10_000.0, energy_price_usd_per_mwh=40.0),
                  miners=_miner(price_usd_per_th=0.5, lot_mw=3.0),
                  periods=_periods(["2025-01"], hashprice_usd_per_ph_day=50.0))
    plan, ref = _solve_both(tables, start="2025-01", periods=1)
    assert ref.objective == pytest.approx(110_160.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(110_160.0, abs=1e-3)
    relaxed = optimizer.solve(_case(tables, start="2025-01", periods=1), relax=True)
    assert relaxed.npv_usd == pytest.approx(122_400.0, abs=1e-3)


def test_hall_larger_than_the_ceiling_is_an_input_error():
    """MODEL.md A allows nb = 0 for a 4 MW hall at a site whose ai_max_mw is 3 (the site would build no AI), but
    such a hall can never be built, so the product's issue 9 makes it bad input naming the cell; the reference
    follows that rule."""
    tables = dict(
        sites=_site(ai_block_mw=4.0, ai_max_mw=3.0), miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=_periods(["2025-01"], hashprice_usd_per_ph_day=50.0,
                         ai_spot_price_usd_per_kw_month=100.0, ai_spot_max_mw=5.0),
    )
    with pytest.raises(ReferenceInputError):
        reference_solve(_copy(tables), start="2025-01", periods=1)
    with pytest.raises(optimizer.InputError) as error:
        _case(tables, start="2025-01", periods=1)
    assert "column ai_block_mw: a hall of 4 MW is larger than the site's ai_max_mw of 3 MW" in str(error.value)


def test_optimal_milp_reports_a_gap_within_the_requested_gap():
    """An optional contract not worth signing (0.7 MW would need a 6.36 M USD/MW build):
    the optimum is 0 (nothing done).  A plan reported "optimal" is proven within mip_gap
    (MODEL.md A), so the gap it reports is at most the one asked for, also when the
    objective is 0 -- and a number summary.json can hold (JSON has no Infinity)."""
    tables = dict(
        sites=pd.DataFrame([dict(site="S1", grid_mw=57.0, floor_sqft=109_318.0,
                                 energy_price_usd_per_mwh=61.26, mining_opex_usd_per_mw_month=1451.0,
                                 ai_sqft_per_mw=6748.0, ai_capex_usd_per_mw=6_357_848.0,
                                 ai_opex_usd_per_mw_month=20_660.0)]),
        miners=pd.DataFrame([dict(model="M1", efficiency_j_per_th=15.4, sqft_per_mw=1076.0,
                                  price_usd_per_th=7.17)]),
        contracts=pd.DataFrame([dict(contract="C3", site="S1", start="2024-02", end="2024-05", mw=0.7,
                                     price_usd_per_kw_month=100.0, optional=True)]),
        periods=pd.DataFrame([dict(period="2024-02", hashprice_usd_per_ph_day=72.76,
                                   capex_budget_usd=7_006_408.0),
                              dict(period="2024-05", hashprice_usd_per_ph_day=44.12,
                                   capex_budget_usd=18_981_927.0)]),
    )
    horizon = dict(start="2024-02", periods=2, months_per_period=3)
    assert reference_solve(_copy(tables), **horizon).objective == pytest.approx(0.0, abs=1e-3)
    for gap in (0.0, 1e-4):
        plan = optimizer.solve(optimizer.Case.from_tables(_copy(tables), mip_gap=gap, **horizon))
        s = _summary(plan)
        assert s["status"] == "optimal"
        assert s["objective_usd"] == pytest.approx(0.0, abs=1e-3)
        assert math.isfinite(s["mip_gap"]) and s["mip_gap"] <= max(gap, 1e-6), s["mip_gap"]


# --------------------------------------------------------------------------- (a) B: fundamentals


def _halving_case():
    return dict(
        sites=_site(), miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=pd.DataFrame([
            dict(period="2028-03", hashprice_usd_per_ph_day=None, btc_price_usd=90_000.0,
                 network_hashrate_eh_s=900.0, fees_btc_per_block=0.25),
            dict(period="2028-06", hashprice_usd_per_ph_day=40.0, btc_price_usd=None,
                 network_hashrate_eh_s=None, fees_btc_per_block=None),
        ]),
    )


def test_derived_hashprice_for_a_quarter_spanning_the_halving():
    """Quarter 2028-03..05: subsidies 3.125 (Mar), 1.5625 (Apr, halving), 1.5625 (May):
    mean 2.083333; plus fees 0.25 = 2.333333 BTC per block.  Hashprice =
    144 * 2.333333 * 90,000 / (900 * 1000) = 33.6 USD/PH/day.  10 MW at 25 J/TH = 400 PH/s,
    energy free: 33.6 * 400 * 92 days = 1,236,480.  Quarter 2028-06..08 (92 days) has a
    given hashprice 40: 40 * 400 * 92 = 1,472,000.  NPV = 2,708,480.
    With halving_months ["2028-05"]: 3.125, 3.125, 1.5625 -> mean 2.604167 + 0.25 =
    2.854167 -> hashprice 41.1 -> 41.1 * 400 * 92 = 1,512,480; NPV 2,984,480."""
    assert period_subsidy("2028-03", 3, None) == pytest.approx(6.25 / 3)
    tables = _halving_case()
    opts = dict(start="2028-03", periods=2, months_per_period=3)
    plan, ref = _solve_both(tables, **opts)
    assert ref.hashprice[""] == pytest.approx([33.6, 40.0])
    assert ref.objective == pytest.approx(2_708_480.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(2_708_480.0, abs=1e-3)
    pt = plan.period_totals
    assert list(pt["hashprice_usd_per_ph_day"]) == pytest.approx([33.6, 40.0])
    assert list(pt["hashprice_source"]) == ["derived", "given"]
    plan, ref = _solve_both(tables, halving_months=["2028-05"], **opts)
    assert ref.objective == pytest.approx(2_984_480.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(2_984_480.0, abs=1e-3)
    assert list(plan.period_totals["hashprice_usd_per_ph_day"]) == pytest.approx([41.1, 40.0])


def test_given_subsidy_and_pre_2024_schedule():
    """2024-02..04 (monthly) is before the 2024-05 change: 6.25 BTC.  Feb 2024 with
    btc 60,000, hashrate 600, no fees: 144 * 6.25 * 60,000 / 600,000 = 90 USD/PH/day;
    March gives block_subsidy_btc 3.0 and fees 0.125: 144 * 3.125 * 0.1 = 45.
    400 PH/s, energy free: 90 * 400 * 29 + 45 * 400 * 31 = 1,044,000 + 558,000 = 1,602,000."""
    tables = dict(
        sites=_site(), miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=pd.DataFrame([
            dict(period="2024-02", btc_price_usd=60_000.0, network_hashrate_eh_s=600.0,
                 block_subsidy_btc=None, fees_btc_per_block=None),
            dict(period="2024-03", btc_price_usd=60_000.0, network_hashrate_eh_s=600.0,
                 block_subsidy_btc=3.0, fees_btc_per_block=0.125),
        ]),
    )
    plan, ref = _solve_both(tables, start="2024-02", periods=2)
    assert ref.objective == pytest.approx(1_602_000.0, abs=1e-3)
    assert plan.npv_usd == pytest.approx(1_602_000.0, abs=1e-3)
    assert list(plan.period_totals["hashprice_usd_per_ph_day"]) == pytest.approx([90.0, 45.0])


# --------------------------------------------------------------------------- (a) C: scenarios


def _two_scenarios(risk=None, commit=None):
    """One month, one site, energy free.  Invest at the start (committed), operate per
    scenario.  ASIC X: 25 J/TH (40 PH/s per MW) at 1 USD/TH = 40,000 USD/MW; AI 50,000
    USD/MW sold spot at 150 USD/kW-month (150,000 per MW-month).  Floor 20,000 sqft, both
    1,000 sqft per MW.  H (p 0.5): hashprice 60, no spot market; L (p 0.5): hashprice 10,
    spot market 10 MW."""
    tables = dict(
        sites=_site(floor_sqft=20_000.0), miners=_miner(price_usd_per_th=1.0),
        periods=_periods(["2025-01"], hashprice_usd_per_ph_day=35.0,
                         ai_spot_price_usd_per_kw_month=150.0, ai_spot_max_mw=5.0),
        scenarios=pd.DataFrame(dict(scenario=["H", "L"], probability=[0.5, 0.5])),
        scenario_periods=pd.DataFrame([
            dict(scenario="H", period="2025-01", hashprice_usd_per_ph_day=60.0, ai_spot_max_mw=0.0),
            dict(scenario="L", period="2025-01", hashprice_usd_per_ph_day=10.0, ai_spot_max_mw=10.0)]),
    )
    spec = {}
    if risk is not None:
        spec["risk"] = risk
    if commit is not None:
        spec["commit_through"] = commit
    return tables, dict(start="2025-01", periods=1, scenarios=spec)


def test_committed_build_differs_from_both_perfect_foresight_plans():
    """Per MW: ASIC revenue H 60*31*40 = 74,400 (net 34,400), L 12,400 (net -27,600),
    expected net 3,400.  AI: L 150,000 - 50,000 = 100,000, H -50,000, expected 25,000
    (useful up to the 10 MW the L market takes).
    Scenario model: AI 10 MW (250,000) and ASICs on the other 10 MW of floor (34,000):
    E[NPV] = 284,000; NPV_H = -500,000 + 344,000 = -156,000; NPV_L = 1,000,000 - 276,000 =
    724,000.  Perfect foresight: H buys 20 MW of ASICs (688,000), L builds 10 MW AI
    (1,000,000): EVPI = 0.5 * 688,000 + 0.5 * 1,000,000 - 284,000 = 560,000.
    Mean-value problem: hashprice 35 (net 3,400 per ASIC MW), spot max 5 -> AI 5 MW and
    ASICs 15 MW; fixed in the scenario model: 5 * 25,000 + 15 * 3,400 = 176,000:
    VSS = 284,000 - 176,000 = 108,000.  CVaR at alpha 0.5 = the worse half = NPV_H."""
    tables, opts = _two_scenarios(risk={"cvar_alpha": 0.5, "weight": 0.0})
    plan, ref = _solve_both(tables, **opts)
    s = _summary(plan)
    for figures in (s, dict(objective_usd=ref.objective, expected_npv_usd=ref.expected_npv,
                            cvar_usd=ref.cvar, npv_by_scenario_usd=ref.npv_by_scenario)):
        assert figures["objective_usd"] == pytest.approx(284_000.0, abs=1e-3)
        assert figures["expected_npv_usd"] == pytest.approx(284_000.0, abs=1e-3)
        assert figures["cvar_usd"] == pytest.approx(-156_000.0, abs=1e-3)
        assert figures["npv_by_scenario_usd"]["H"] == pytest.approx(-156_000.0, abs=1e-3)
        assert figures["npv_by_scenario_usd"]["L"] == pytest.approx(724_000.0, abs=1e-3)
    rv = reference_value_of_information(_copy(tables), **opts)
    assert rv.evpi == pytest.approx(560_000.0, abs=1e-3)
    assert rv.vss == pytest.approx(108_000.0, abs=1e-3)
    assert rv.mean_value_commitments_unique
    # weight 0.7 changes the plan but not EVPI/VSS (always risk-neutral)
    tables, opts = _two_scenarios(risk={"cvar_alpha": 0.5, "weight": 0.7})
    voi = optimizer.value_of_information(_case(tables, **opts))
    assert voi.evpi_usd == pytest.approx(560_000.0, abs=1e-3)
    assert voi.vss_usd == pytest.approx(108_000.0, abs=1e-3)
    assert list(voi.vss_infeasible_scenarios) == []


def test_weight_one_alpha_zero_is_the_expected_npv():
    """CVaR at alpha 0 is the mean of all outcomes, so weight 1 maximises E[NPV]:
    the same 284,000 (and the same unique plan) as the risk-neutral model."""
    tables, opts = _two_scenarios(risk={"cvar_alpha": 0.0, "weight": 1.0})
    plan, ref = _solve_both(tables, **opts)
    assert ref.objective == pytest.approx(284_000.0, abs=1e-3)
    s = _summary(plan)
    assert s["objective_usd"] == pytest.approx(284_000.0, abs=1e-3)
    assert s["expected_npv_usd"] == pytest.approx(284_000.0, abs=1e-3)
    assert s["cvar_usd"] == pytest.approx(284_000.0, abs=1e-3)


def test_worst_case_weighting():
    """Weight 1, alpha 0.5: maximise the worse of NPV_H = -50,000 a + 34,400 m and
    NPV_L = 100,000 a - 27,600 m (a AI MW <= 10, m ASIC MW, a + m <= 20).  At the optimum
    both are equal: 150,000 a = 62,000 m and a + m = 20 -> m = 20 * 150/212, a = 20 * 62/212;
    CVaR = 34,400 m - 50,000 a = (34,400 * 3,000 - 50,000 * 1,240) / 212 =
    41,200,000 / 212 = 194,339.62 (NPVs equal, so E[NPV] is the same)."""
    tables, opts = _two_scenarios(risk={"cvar_alpha": 0.5, "weight": 1.0})
    plan, ref = _solve_both(tables, **opts)
    expected = 41_200_000 / 212
    assert ref.objective == pytest.approx(expected, abs=1e-3)
    s = _summary(plan)
    assert s["objective_usd"] == pytest.approx(expected, abs=1e-3)
    assert s["cvar_usd"] == pytest.approx(expected, abs=1e-3)
    assert s["npv_by_scenario_usd"]["H"] == pytest.approx(expected, abs=1e-3)


def test_one_scenario_with_probability_one_is_the_deterministic_model():
    """A single scenario overriding January's hashprice (20 -> 60) and the spot price, and
    scaling energy by 1.5, is the deterministic model with those values in the tables.
    Jan: 10 MW of ASICs run: 31 d * 10 MW * (60 * 40 - 24 * 40 * 1.5) = 297,600; the 2 MW
    of AI sell nothing (10,000 USD per MW-month < 60 * 744 = 44,640 of energy).
    Feb: 28 d * 10 MW * (30 * 40 - 24 * 40) = 67,200; no spot (10,000 < 26,880).
    NPV = 364,800; EVPI and VSS are 0."""
    base = dict(
        sites=_site(energy_price_usd_per_mwh=40.0, ai_installed_mw=2.0),
        miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=_periods(["2025-01", "2025-02"], hashprice_usd_per_ph_day=[20.0, 30.0],
                         ai_spot_price_usd_per_kw_month=[100.0, 10.0], ai_spot_max_mw=[5.0, 5.0]),
    )
    det = _copy(base)
    det["periods"] = _periods(["2025-01", "2025-02"], hashprice_usd_per_ph_day=[60.0, 30.0],
                              ai_spot_price_usd_per_kw_month=[10.0, 10.0], ai_spot_max_mw=[5.0, 5.0])
    det["site_periods"] = pd.DataFrame([dict(period="2025-01", site="A", grid_mw=None,
                                             energy_price_usd_per_mwh=60.0)])
    one = _copy(base)
    one["scenarios"] = pd.DataFrame(dict(scenario=["only"], probability=[1.0]))
    one["scenario_periods"] = pd.DataFrame([dict(scenario="only", period="2025-01",
                                                 hashprice_usd_per_ph_day=60.0,
                                                 ai_spot_price_usd_per_kw_month=10.0,
                                                 energy_price_factor=1.5)])
    horizon = dict(start="2025-01", periods=2)
    assert reference_npv(_copy(det), **horizon) == pytest.approx(364_800.0, abs=1e-3)
    plan_det = optimizer.solve(_case(det, **horizon))
    plan_one, ref_one = _solve_both(one, scenarios={"commit_through": "2025-02"}, **horizon)
    assert ref_one.objective == pytest.approx(364_800.0, abs=1e-3)
    assert plan_det.npv_usd == pytest.approx(364_800.0, abs=1e-3)
    s = _summary(plan_one)
    assert s["objective_usd"] == pytest.approx(364_800.0, abs=1e-3)
    assert s["expected_npv_usd"] == pytest.approx(364_800.0, abs=1e-3)
    assert s["npv_by_scenario_usd"] == {"only": pytest.approx(364_800.0, abs=1e-3)}
    voi = optimizer.value_of_information(_case(one, **horizon, scenarios={}))
    assert voi.evpi_usd == pytest.approx(0.0, abs=1e-3)
    assert voi.vss_usd == pytest.approx(0.0, abs=1e-3)


def test_cvar_splits_the_edge_scenario():
    """NPVs 10 (p 0.2), 20 (p 0.3), 40 (p 0.5), alpha 0.6: the worst 0.4 is all of the
    first and 0.2 of the second: (0.2 * 10 + 0.2 * 20) / 0.4 = 15."""
    assert cvar_of([40.0, 10.0, 20.0], [0.5, 0.2, 0.3], 0.6) == pytest.approx(15.0)
    assert cvar_of([40.0, 10.0, 20.0], [0.5, 0.2, 0.3], 0.0) == pytest.approx(28.0)


# --------------------------------------------------------------------------- (a) input errors


@pytest.mark.parametrize("mutate", [
    "scenarios_key_without_table", "commit_through_not_a_period", "optional_rows_disagree",
    "probabilities_do_not_sum_to_one", "derive_before_2020_06", "no_hashprice_no_fundamentals",
])
def test_input_errors_agree(mutate):
    tables, opts = _two_scenarios()
    opts = dict(opts)
    if mutate == "scenarios_key_without_table":
        del tables["scenarios"], tables["scenario_periods"]
    elif mutate == "commit_through_not_a_period":
        opts["scenarios"] = {"commit_through": "2025-02"}
    elif mutate == "optional_rows_disagree":
        tables["contracts"] = pd.DataFrame([
            dict(contract="K", site="A", start="2025-01", end="2025-01", mw=1.0,
                 price_usd_per_kw_month=100.0, optional=flag) for flag in (True, False)])
    elif mutate == "probabilities_do_not_sum_to_one":
        tables["scenarios"] = pd.DataFrame(dict(scenario=["H", "L"], probability=[0.5, 0.49]))
    elif mutate == "derive_before_2020_06":
        tables, opts = _halving_case(), dict(start="2020-03", periods=2, months_per_period=3)
        tables["periods"]["period"] = ["2020-03", "2020-06"]
    elif mutate == "no_hashprice_no_fundamentals":
        tables, opts = _halving_case(), dict(start="2028-03", periods=2, months_per_period=3)
        tables["periods"].loc[0, "network_hashrate_eh_s"] = None
    with pytest.raises(ReferenceInputError):
        reference_solve(_copy(tables), **opts)
    with pytest.raises(optimizer.InputError):
        optimizer.Case.from_tables(_copy(tables), **opts)


# --------------------------------------------------------------------------- (b) the reference itself


@settings(max_examples=_examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(max_periods=5))
def test_reference_reduces_to_the_base_lp(case):
    """With every extension off the general reference is the base LP; a single scenario
    of probability 1 without scenario_periods rows is too, whatever commit_through."""
    tables, horizon = case
    base = reference_npv(_copy(tables), **horizon)
    ref = reference_solve(_copy(tables), **horizon)
    assert (base is None) == (ref is None)
    if base is None:
        return
    assert _close(ref.objective, base)
    one = _copy(tables)
    one["scenarios"] = pd.DataFrame(dict(scenario=["only"], probability=[1.0]))
    ref1 = reference_solve(one, **horizon, scenarios={"risk": {"weight": 0.5, "cvar_alpha": 0.3}})
    assert _close(ref1.objective, base)


# --------------------------------------------------------------------------- (c) property tests


def _compare_hashprice(plan, ref, scenario_model: bool) -> None:
    pt = plan.period_totals
    if scenario_model:
        for w, hps in ref.hashprice.items():
            got = pt.loc[pt["scenario"] == w, "hashprice_usd_per_ph_day"].tolist()
            assert got == pytest.approx(hps, rel=1e-9), (w, got, hps)
            src = pt.loc[pt["scenario"] == w, "hashprice_source"].tolist()
            assert src == ref.hashprice_source[w], (w, src)
    else:
        assert pt["hashprice_usd_per_ph_day"].tolist() == pytest.approx(ref.hashprice[""], rel=1e-9)
        assert pt["hashprice_source"].tolist() == ref.hashprice_source[""]


def _check_infeasible(pkg_case, relax=False):
    with pytest.raises(optimizer.NoPlanError) as info:
        optimizer.solve(pkg_case, relax=relax)
    assert info.value.status == "infeasible"


def _reference_or_input_error(tables, options, **kw):
    """The reference's solution (None: infeasible), or 'input error' after checking
    that the product refuses the inputs too."""
    try:
        return reference_solve(_copy(tables), **options, **kw)
    except ReferenceInputError:
        with pytest.raises(optimizer.InputError):
            optimizer.Case.from_tables(_copy(tables), **options)
        event("input error")
        return "input error"


@settings(max_examples=_examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(_UNSURE_WITHOUT_PRESOLVE)
@given(extended_cases())
def test_deterministic_extensions_agree(case):
    """A and B without scenarios: objective (= NPV), hashprice per period and its
    source, the MILP's best bound, and the LP relaxation."""
    tables, options = case
    ref = _reference_or_input_error(tables, options)
    if ref == "input error":
        return
    pkg_case = _case(tables, **options)
    if ref is None:
        event("infeasible")
        _check_infeasible(pkg_case)
    else:
        event("MILP" if ref.integer else "LP")
        plan = optimizer.solve(pkg_case)
        s = _summary(plan)
        assert s["status"] == "optimal"
        assert _close(s["objective_usd"], ref.objective), (s["objective_usd"], ref.objective)
        assert _close(plan.npv_usd, ref.objective), (plan.npv_usd, ref.objective)
        _compare_hashprice(plan, ref, scenario_model=False)
        if ref.integer:  # a bound of a maximisation is at least the optimum
            assert s["best_bound_usd"] >= ref.objective - 1e-6 * abs(ref.objective) - 1e-3
            # proven optimal with mip_gap 0: the reported gap is a (finite) number near 0,
            # also when the objective is 0 (a relative gap of inf is no gap a planner can use,
            # and not a number summary.json can hold as JSON)
            assert math.isfinite(s["mip_gap"]) and s["mip_gap"] <= 1e-6, s["mip_gap"]
    if ref is None or ref.integer:
        relaxed = reference_solve(_copy(tables), **options, relax=True)
        if relaxed is None:
            _check_infeasible(pkg_case, relax=True)
        else:
            plan = optimizer.solve(pkg_case, relax=True)
            assert _close(_summary(plan)["objective_usd"], relaxed.objective), (
                _summary(plan)["objective_usd"], relaxed.objective)
            if ref is not None:
                assert relaxed.objective >= ref.objective - 1e-6 * abs(ref.objective) - 1e-3


@settings(max_examples=_examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_cases(scenarios=True))
def test_scenario_model_agrees(case):
    """C (with A and B now and then): the objective always; expected NPV, CVaR and NPV
    per scenario where the reference shows them unique; the product's figures agree
    with each other (E = sum p NPV, CVaR from the NPVs, objective = (1-w) E + w CVaR)."""
    tables, options = case
    ref = _reference_or_input_error(tables, options)
    if ref == "input error":
        return
    pkg_case = _case(tables, **options)
    if ref is None:
        event("infeasible")
        _check_infeasible(pkg_case)
        return
    event("MILP" if ref.integer else "LP")
    plan = optimizer.solve(pkg_case)
    s = _summary(plan)
    assert s["status"] == "optimal"
    assert _close(s["objective_usd"], ref.objective), (s["objective_usd"], ref.objective)
    _compare_hashprice(plan, ref, scenario_model=True)

    # the product's own figures, consistent with MODEL.md's definitions (ties or not)
    npvs = s["npv_by_scenario_usd"]
    assert sorted(npvs) == sorted(ref.npv_by_scenario)
    probs = [ref.probability[w] for w in npvs]
    assert _close(s["expected_npv_usd"], sum(p * npvs[w] for w, p in zip(npvs, probs)))
    assert _close(s["cvar_usd"], cvar_of(list(npvs.values()), probs, ref.alpha))
    w8 = ref.weight
    assert _close(s["objective_usd"], (1 - w8) * s["expected_npv_usd"] + w8 * s["cvar_usd"])

    if ref.integer:  # the LP relaxation: its optimum is unique too
        relaxed = reference_solve(_copy(tables), **options, relax=True)
        rplan = optimizer.solve(pkg_case, relax=True)
        assert _close(_summary(rplan)["objective_usd"], relaxed.objective), (
            _summary(rplan)["objective_usd"], relaxed.objective)

    # unique figures against the reference
    unique_npvs = True
    for w in ref.npv_by_scenario:
        lo, hi = ref.npv_range(w)
        if hi - lo <= unique_tol(ref.npv_by_scenario[w]):
            assert _close(npvs[w], ref.npv_by_scenario[w]), (w, npvs[w], ref.npv_by_scenario[w])
        else:
            unique_npvs = False
    lo, hi = ref.expected_range()
    unique_e = hi - lo <= unique_tol(ref.expected_npv)
    if unique_e:
        assert _close(s["expected_npv_usd"], ref.expected_npv), (s["expected_npv_usd"], ref.expected_npv)
    # CVaR: a function of the NPVs; or, with 0 < w, fixed by the objective and E
    unique_c = unique_npvs or w8 == 1.0 or (
        unique_e and w8 > 0
        and (window_tol(ref.objective) + (1 - w8) * (hi - lo)) / w8 <= unique_tol(ref.cvar))
    if unique_c:
        assert _close(s["cvar_usd"], ref.cvar), (s["cvar_usd"], ref.cvar)
    event(f"unique: npvs={unique_npvs} expected={unique_e} cvar={unique_c}")


@settings(max_examples=_examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_cases(scenarios=True))
@example(_PRESOLVE_INFEASIBLE_VOI)
def test_value_of_information_agrees(case):
    """EVPI always (it is unique); VSS where the mean-value plan's commitments are
    unique, else at least E* - (greatest EEV over the optimal mean-value plans)."""
    tables, options = case
    try:
        ref = reference_value_of_information(_copy(tables), **options)
    except ReferenceInputError:
        with pytest.raises(optimizer.InputError):
            optimizer.Case.from_tables(_copy(tables), **options)
        event("input error")
        return
    pkg_case = _case(tables, **options)
    if ref is None:
        event("infeasible")
        with pytest.raises(optimizer.NoPlanError):
            optimizer.value_of_information(pkg_case)
        return
    voi = optimizer.value_of_information(pkg_case)
    assert _close_diff(voi.evpi_usd, ref.evpi, ref.wait_and_see, ref.expected_npv), (voi.evpi_usd, ref.evpi)
    assert voi.evpi_usd >= -1e-6 * abs(ref.expected_npv) - 1e-3
    if ref.vss == "unbounded":
        assert voi.vss_usd == "unbounded"
        assert sorted(voi.vss_infeasible_scenarios) == sorted(ref.vss_infeasible_scenarios)
        return
    assert voi.vss_usd != "unbounded", voi.vss_infeasible_scenarios
    assert list(voi.vss_infeasible_scenarios) == []
    assert voi.vss_usd >= -1e-6 * abs(ref.expected_npv) - 1e-3
    low = ref.expected_npv - ref.eev_max
    assert voi.vss_usd >= low - 1e-6 * max(1.0, abs(ref.expected_npv), abs(ref.eev_max)) - 1e-3, (
        voi.vss_usd, low)
    event(f"mean-value commitments unique: {ref.mean_value_commitments_unique}")
    if ref.mean_value_commitments_unique:
        assert _close_diff(voi.vss_usd, ref.vss, ref.expected_npv, ref.eev), (voi.vss_usd, ref.vss)


@settings(max_examples=_examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_cases())
@example(_TINY_BUDGET_MILP)
def test_default_mip_gap_stops_within_its_gap(case):
    """With the default mip_gap (1e-4) a MILP's plan is within 1e-4 of the optimum and
    its best bound is at least the optimum."""
    tables, options = case
    try:
        ref = reference_solve(_copy(tables), **options)
    except ReferenceInputError:
        return  # bad inputs are test_deterministic_extensions_agree's concern
    if ref is None or not ref.integer:
        event("not a feasible MILP")
        return
    plan = optimizer.solve(optimizer.Case.from_tables(_copy(tables), **options))
    s = _summary(plan)
    slack = 1e-6 * abs(ref.objective) + 1e-3
    assert s["objective_usd"] <= ref.objective + slack
    assert s["best_bound_usd"] >= ref.objective - slack
    assert ref.objective - s["objective_usd"] <= 1e-4 * abs(s["best_bound_usd"]) + slack


def _scenario_alone(tables: dict, name: str) -> dict:
    """The case with only scenario ``name``, probability 1: "scenario w solved alone"."""
    one = _copy(tables)
    one["scenarios"] = pd.DataFrame(dict(scenario=[name], probability=[1.0]))
    if "scenario_periods" in one:
        sp = one["scenario_periods"]
        one["scenario_periods"] = sp[sp["scenario"].astype(str) == name].reset_index(drop=True)
    return one


@settings(max_examples=_examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_cases(scenarios=True))
def test_evpi_from_the_products_own_solves(case):
    """EVPI from the product's solves (each scenario alone, and the risk-neutral model)
    equals the reference's EVPI.  Independent of optimizer.value_of_information."""
    tables, options = case
    try:
        ref = reference_value_of_information(_copy(tables), **options)
    except ReferenceInputError:
        return  # bad inputs are test_scenario_model_agrees' concern
    if ref is None:
        event("infeasible")
        return
    spec = dict(options.get("scenarios") or {})
    spec["risk"] = {"weight": 0.0}
    neutral = dict(options, scenarios=spec)
    e_star = _summary(optimizer.solve(_case(tables, **neutral)))["objective_usd"]
    assert _close(e_star, ref.expected_npv), (e_star, ref.expected_npv)
    probs = dict(zip(tables["scenarios"]["scenario"].astype(str), tables["scenarios"]["probability"]))
    ws = 0.0
    for w, p in probs.items():
        alone = optimizer.solve(_case(_scenario_alone(tables, w), **neutral))
        ws += p * _summary(alone)["objective_usd"]
    assert _close_diff(ws - e_star, ref.evpi, ws, e_star), (ws - e_star, ref.evpi)


@settings(max_examples=_examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extended_cases(scenarios=True))
@example(_PRESOLVE_INFEASIBLE_VOI)
def test_reference_value_of_information_is_consistent(case):
    """The reference's own EVPI and VSS: both >= 0; the mean-value plan's EEV is at most
    the greatest EEV over all optimal mean-value plans, and equal when the mean-value
    commitments are unique; EVPI is the wait-and-see value minus E*."""
    tables, options = case
    try:
        ref = reference_value_of_information(_copy(tables), **options)
    except ReferenceInputError:
        event("input error")
        return
    if ref is None:
        event("infeasible")
        return
    tol = 1e-6 * max(1.0, abs(ref.expected_npv), abs(ref.wait_and_see)) + 1e-3
    assert ref.evpi >= -tol
    assert ref.evpi == pytest.approx(ref.wait_and_see - ref.expected_npv, abs=tol)
    assert ref.vss != "unbounded"  # cannot be while scenarios differ only in MODEL.md's inputs
    assert ref.vss >= -tol
    assert ref.eev <= ref.eev_max + tol
    assert ref.eev_max <= ref.expected_npv + tol
    if ref.mean_value_commitments_unique:
        assert ref.eev == pytest.approx(ref.eev_max, abs=tol)
    event(f"vss > 0: {ref.vss > tol}; unique: {ref.mean_value_commitments_unique}")
