"""Hand-computed cases for the extensions of docs/formulation.md: A (whole halls, ASIC lots, optional contracts),
B (hashprice from fundamentals) and C (scenarios, CVaR, EVPI and VSS), NPV to the dollar.

Conventions: ASIC model "S" at 20 J/TH = 50 PH/s per IT MW; AI: 1 USD/kW-month = 1000 USD per MW-month;
2027-04 has 30 days (720 hours), 2027-05 31 days (744 hours). Energy at 50 USD/MWh costs 36,000 USD per AI MW in
April.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import optimizer
import optimizer.studies.information as information
from optimizer.fundamentals import hashprice_usd_per_ph_day
from optimizer.studies import explain_contracts

from .casebuilder import miner, site, tables, value

START = "2027-04"


def _spot_case(capex_usd_per_mw: float, **site_columns) -> dict[str, pd.DataFrame]:
    """One April; spot AI at 100 USD/kW-month for up to 30 MW; energy 50 USD/MWh; lead time 0, halls of 20 MW.

    A spot MW nets 100,000 - 50 * 720 = 64,000 USD.
    """
    return tables(sites=[site("A", ai_capex_usd_per_mw=capex_usd_per_mw, ai_block_mw=20.0, **site_columns)],
                  miners=[], periods=[{"period": START, "hashprice_usd_per_ph_day": 0.0,
                                       "ai_spot_price_usd_per_kw_month": 100.0, "ai_spot_max_mw": 30.0}])


def _solve(tbl, *, periods: int = 1, relax: bool = False) -> optimizer.Plan:
    return optimizer.solve(optimizer.Case.from_tables(tbl, start=START, periods=periods), relax=relax)


# ---------------------------------------------------------------------------------------------------------------
# A. Whole halls, lots, optional contracts
# ---------------------------------------------------------------------------------------------------------------

def test_hall_rounds_down_when_the_second_hall_does_not_pay():
    """Capex 40,000 USD/MW. Fractional: 30 MW * (64,000 - 40,000) = 720,000.
    One hall: 20 * 24,000 = 480,000. Two halls: 30 * 64,000 - 40 * 40,000 = 320,000. One hall it is."""
    plan = _solve(_spot_case(40_000.0))
    assert plan.npv_usd == pytest.approx(480_000, abs=1.0)
    assert plan.summary.whole.problem == "MILP" and plan.status == "optimal"
    assert plan.summary.whole.ai_halls_started == [{"site": "A", "period": START, "halls": 1, "hall_mw": 20.0,
                                                 "mw": 20.0}]
    assert value(plan.site_plan, "ai_halls_started", site="A", period=START) == 1
    assert plan.summary.whole.lp_relaxation_objective_usd == pytest.approx(720_000, abs=1.0)  # halls cost 240,000
    relaxed = _solve(_spot_case(40_000.0), relax=True)
    assert relaxed.npv_usd == pytest.approx(720_000, abs=1.0)
    assert relaxed.summary.whole.problem == "LP relaxation of a MILP"


def test_hall_rounds_up_when_the_second_hall_pays():
    """Capex 20,000 USD/MW. One hall: 20 * 44,000 = 880,000. Two halls: 30 * 64,000 - 40 * 20,000 = 1,120,000
    (10 MW idle). Fractional: 30 * 44,000 = 1,320,000."""
    plan = _solve(_spot_case(20_000.0))
    assert plan.npv_usd == pytest.approx(1_120_000, abs=1.0)
    assert value(plan.site_plan, "ai_started_mw", site="A", period=START) == pytest.approx(40.0)
    assert plan.summary.objective_usd == pytest.approx(1_120_000, abs=1.0)
    assert plan.summary.whole.mip_gap <= 1e-4
    assert plan.summary.whole.best_bound_usd >= plan.summary.objective_usd - 1.0


def test_shadow_prices_of_a_milp_come_from_the_lp_with_its_halls_fixed():
    """Grid 15 MW, capex 40,000: one hall (20 MW) nets 15 * 64,000 - 800,000 = 160,000 (fractional: 15 * 24,000).
    With the hall fixed, one more facility MW sells one more spot MW: 64,000 USD/MW."""
    plan = _solve(_spot_case(40_000.0, grid_mw=15.0))
    assert plan.npv_usd == pytest.approx(160_000, abs=1.0)
    power = plan.shadow_prices[plan.shadow_prices["constraint"] == "power"]
    assert float(power["shadow_price"].iloc[0]) == pytest.approx(64_000, abs=1e-6)
    assert plan.summary.whole.shadow_prices_from.startswith("the LP with every integer decision fixed")


def test_asic_lots():
    """ASICs at 1 USD/TH = 50,000 USD/MW in lots of 4 MW; grid 10 MW; hashprice 40 nets 800 USD/MW/day over
    April-June (91 days): 72,800 per MW. Two lots (8 MW): 8 * 22,800 = 182,400; three (12 MW, 10 run):
    728,000 - 600,000 = 128,000. Fractional: 10 MW, 228,000."""
    tbl = tables(sites=[site("A", grid_mw=10.0)], miners=[miner("S", price_usd_per_th=1.0, lot_mw=4.0)],
                 periods=[{"period": p, "hashprice_usd_per_ph_day": 40.0} for p in ("2027-04", "2027-05", "2027-06")])
    plan = _solve(tbl, periods=3)
    assert plan.npv_usd == pytest.approx(182_400, abs=1.0)
    assert plan.summary.whole.asic_lots_bought == [{"site": "A", "model": "S", "period": "2027-04", "lots": 2,
                                                 "lot_mw": 4.0, "mw": 8.0}]
    assert _solve(tbl, periods=3, relax=True).npv_usd == pytest.approx(228_000, abs=1.0)


def _optional_case(price_usd_per_kw_month: float, optional: bool = True) -> dict[str, pd.DataFrame]:
    """10 MW of AI installed; a hard 10 MW contract for April; energy 36,000 USD per MW."""
    return tables(sites=[site("A", ai_installed_mw=10.0)], miners=[],
                  contracts=[{"contract": "lease", "site": "A", "start": START, "end": START, "mw": 10.0,
                              "price_usd_per_kw_month": price_usd_per_kw_month, "optional": optional}],
                  periods=[{"period": START, "hashprice_usd_per_ph_day": 0.0}])


def test_optional_contract_worth_signing():
    """At 100 USD/kW-month the lease nets 10 * (100,000 - 36,000) = 640,000: signed, and it adds 640,000."""
    tbl = _optional_case(100.0)
    case = optimizer.Case.from_tables(tbl, start=START, periods=1)
    plan = optimizer.solve(case)
    assert plan.npv_usd == pytest.approx(640_000, abs=1.0)
    assert plan.summary.whole.optional_contracts == [{"contract": "lease", "signed": True, "share_signed": 1.0}]
    [decision] = explain_contracts(case, plan.summary.objective_usd, {"lease": True})
    assert decision.signed and decision.npv_added_usd == pytest.approx(640_000, abs=1.0)


def test_optional_contract_not_worth_signing():
    """At 20 USD/kW-month the lease would lose 10 * (36,000 - 20,000) = 160,000: not signed, NPV 0, and signing it
    would add -160,000. A contract not signed delivers, earns and is penalised nothing."""
    tbl = _optional_case(20.0)
    case = optimizer.Case.from_tables(tbl, start=START, periods=1)
    plan = optimizer.solve(case)
    assert plan.npv_usd == pytest.approx(0, abs=1.0)
    assert plan.summary.whole.optional_contracts == [{"contract": "lease", "signed": False, "share_signed": 0.0}]
    assert plan.contract_periods["delivered_mw"].sum() == 0 and not plan.contract_periods["signed"].any()
    [decision] = explain_contracts(case, plan.summary.objective_usd, {"lease": False})
    assert not decision.signed and decision.npv_added_usd == pytest.approx(-160_000, abs=1.0)
    hard = optimizer.solve(optimizer.Case.from_tables(_optional_case(20.0, optional=False), start=START, periods=1))
    assert hard.npv_usd == pytest.approx(-160_000, abs=1.0)  # the same contract, not optional


def test_signed_optional_contract_equals_the_contract_made_firm():
    """Property: an optional contract that is signed gives the same NPV as the contract without the option."""
    for price in (60.0, 100.0, 150.0):
        optional = _solve(_optional_case(price))
        firm = _solve(_optional_case(price, optional=False))
        assert optional.summary.whole.optional_contracts[0]["signed"]
        assert optional.npv_usd == pytest.approx(firm.npv_usd, abs=1e-6)


def test_tiny_halls_give_the_lp():
    """Property: halls of 0.001 MW give the fractional plan's NPV (within one hall's worth)."""
    for capex in (20_000.0, 40_000.0, 63_000.0):
        tbl = _spot_case(capex)
        tbl["sites"]["ai_block_mw"] = 0.001
        whole, fractional = _solve(tbl), _solve(tbl, relax=True)
        assert whole.npv_usd == pytest.approx(fractional.npv_usd, abs=0.001 * 64_000)


def _many_halls_tables() -> dict[str, pd.DataFrame]:
    """Eight sites with halls of 7 to 14 MW selling spot AI over a year, 2027 (a MILP with a few hundred integers)."""
    periods = [{"period": f"2027-{m:02d}", "hashprice_usd_per_ph_day": 0.0, "ai_spot_price_usd_per_kw_month": 100.0,
                "ai_spot_max_mw": 33.0 + m} for m in range(1, 13)]
    return tables(sites=[site(name, ai_capex_usd_per_mw=300_000.0 + 1000 * i, ai_block_mw=7.0 + i,
                              ai_lead_time_periods=1) for i, name in enumerate("ABCDEFGH")], miners=[], periods=periods)


def _many_halls_case() -> optimizer.Case:
    return optimizer.Case.from_tables(_many_halls_tables(), start="2027-01", periods=12, mip_gap=0.0)


def test_stopped_milp_with_a_plan_is_labelled_feasible(stop_at_first_plan):
    """A MILP stopped before proving its plan optimal: status feasible, with its gap and best bound."""
    plan = optimizer.solve(_many_halls_case())
    s = plan.summary.to_json()
    assert plan.status == "feasible" and s["status"] == "feasible"
    assert s["mip_gap"] > 0 and s["best_bound_usd"] > s["objective_usd"]
    assert plan.npv_usd == pytest.approx(s["objective_usd"], rel=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# B. Hashprice from fundamentals
# ---------------------------------------------------------------------------------------------------------------

def test_quarterly_hashprice_spans_the_halving():
    """Quarter 2028-02..2028-04: subsidy (3.125 + 3.125 + 1.5625) / 3 = 2.6041667 BTC; fees 0.05; bitcoin at
    100,000 USD; 1,000 EH/s: hashprice = 144 * 2.6541667 * 100,000 / 1,000,000 = 38.22 USD/PH/day.
    10 MW of S (50 PH/s per MW), no energy cost, 29 + 31 + 30 = 90 days (2028 is a leap year):
    revenue = 38.22 * 90 * 500 = 1,719,900 USD."""
    tbl = tables(sites=[site("A", energy_price_usd_per_mwh=0.0)], fleet=[{"site": "A", "model": "S",
                                                                           "installed_mw": 10.0}],
                 periods=[{"period": "2028-02", "btc_price_usd": 100_000.0, "network_hashrate_eh_s": 1_000.0,
                           "fees_btc_per_block": 0.05}])
    plan = optimizer.solve(optimizer.Case.from_tables(tbl, start="2028-02", periods=1, months_per_period=3))
    assert plan.period_totals["hashprice_usd_per_ph_day"].iloc[0] == pytest.approx(38.22, abs=1e-9)
    assert plan.period_totals["hashprice_source"].iloc[0] == "derived"
    assert plan.npv_usd == pytest.approx(1_719_900, abs=1.0)


def test_given_hashprice_wins_and_halving_months_move_the_schedule():
    """A given hashprice is used as it is; with halving_months ["2027-05"] the subsidy of 2027-05 is 1.5625."""
    tbl = tables(sites=[site("A")], periods=[
        {"period": "2027-04", "hashprice_usd_per_ph_day": 50.0, "btc_price_usd": 1.0, "network_hashrate_eh_s": 1.0},
        {"period": "2027-05", "btc_price_usd": 90_000.0, "network_hashrate_eh_s": 900.0}])
    case = optimizer.Case.from_tables(tbl, start=START, periods=2, halving_months=["2027-05"])
    plan = optimizer.solve(case)
    used = list(plan.period_totals["hashprice_usd_per_ph_day"])
    assert used[0] == 50.0 and list(plan.period_totals["hashprice_source"]) == ["given", "derived"]
    assert used[1] == pytest.approx(float(hashprice_usd_per_ph_day(90_000.0, 900.0, 1.5625, 0.0)))  # 22.5


# ---------------------------------------------------------------------------------------------------------------
# C. Scenarios
# ---------------------------------------------------------------------------------------------------------------

def _hedge_tables() -> dict[str, pd.DataFrame]:
    """Build AI now (lead 1, 60,000 USD/MW, spot 100 USD/kW-month = 100,000 per MW in May, no energy cost) or buy
    ASICs in May (50,000 USD/MW; 1,550 USD per MW per USD/PH/day of hashprice in May). Grid 10 MW.

    Scenario A (p 0.5): hashprice 20 in May (mining loses: 31,000 < 50,000), spot takes 10 MW.
    Scenario B (p 0.5): hashprice 80 (mining nets 124,000 - 50,000 = 74,000 per MW), spot takes 4 MW.
    Perfect foresight: A builds 10 MW (400,000); B builds none and mines 10 MW (740,000).
    Committed x MW: A: 100,000 x - 60,000 x; B: 100,000 min(x, 4) + 74,000 (10 - min(x, 4)) - 60,000 x.
    Expected: x = 0 -> 370,000; x = 4 -> 0.5 * 160,000 + 0.5 * 604,000 = 382,000; x = 10 -> 322,000: build 4 MW.
    """
    tbl = tables(
        sites=[site("A", grid_mw=10.0, energy_price_usd_per_mwh=0.0, ai_capex_usd_per_mw=60_000.0,
                    ai_lead_time_periods=1)],
        miners=[miner("S", price_usd_per_th=1.0, available_from="2027-05")],
        periods=[{"period": "2027-04", "hashprice_usd_per_ph_day": 0.0, "ai_spot_price_usd_per_kw_month": 100.0,
                  "ai_spot_max_mw": 0.0},
                 {"period": "2027-05", "hashprice_usd_per_ph_day": 50.0, "ai_spot_price_usd_per_kw_month": 100.0,
                  "ai_spot_max_mw": 7.0}])
    tbl["scenarios"] = pd.DataFrame({"scenario": ["A", "B"], "probability": [0.5, 0.5]})
    tbl["scenario_periods"] = pd.DataFrame({"scenario": ["A", "B"], "period": ["2027-05", "2027-05"],
                                            "hashprice_usd_per_ph_day": [20.0, 80.0], "ai_spot_max_mw": [10.0, 4.0]})
    return tbl


def _hedge_case(**scenarios) -> optimizer.Case:
    return optimizer.Case.from_tables(_hedge_tables(), start=START, periods=2,
                                      scenarios={"commit_through": "2027-04", **scenarios})


def test_committed_build_differs_from_both_perfect_foresight_plans():
    plan = optimizer.solve(_hedge_case())
    s = plan.summary.to_json()
    assert s["expected_npv_usd"] == pytest.approx(382_000, abs=1.0)
    assert s["objective_usd"] == pytest.approx(382_000, abs=1.0)
    assert s["npv_by_scenario_usd"] == pytest.approx({"A": 160_000, "B": 604_000}, abs=1.0)
    assert s["cvar_usd"] == pytest.approx(160_000, abs=1.0)  # the worst 10%: within scenario A
    committed = plan.tables()["committed"]
    assert list(committed["decision"]) == ["start AI build"] and committed["mw"].iloc[0] == pytest.approx(4.0)
    assert set(plan.site_plan["scenario"]) == {"A", "B"}


def test_value_of_information_by_hand():
    """EVPI = 0.5 * (400,000 + 740,000) - 382,000 = 188,000. Mean-value scenario: hashprice 50 (mining nets
    27,500), spot 7 MW -> builds 7 MW now; fixed in both: A 7 * 40,000 = 280,000, B 400,000 + 6 * 74,000 -
    420,000 = 424,000; expected 352,000, so VSS = 382,000 - 352,000 = 30,000."""
    voi = optimizer.value_of_information(_hedge_case())
    assert voi.evpi_usd == pytest.approx(188_000, abs=1.0)
    assert voi.npv_perfect_information_by_scenario_usd == pytest.approx({"A": 400_000, "B": 740_000}, abs=1.0)
    assert voi.mean_value_plan_expected_npv_usd == pytest.approx(352_000, abs=1.0)
    assert voi.vss_usd == pytest.approx(30_000, abs=1.0)


def test_value_of_information_ignores_the_risk_weight():
    voi = optimizer.value_of_information(_hedge_case(risk={"weight": 1.0, "cvar_alpha": 0.5}))
    assert voi.evpi_usd == pytest.approx(188_000, abs=1.0) and voi.vss_usd == pytest.approx(30_000, abs=1.0)


def test_cvar_weight_one_builds_for_the_bad_case():
    """Weight 1, alpha 0.5: maximise the worse scenario. x MW: A = 40,000 x; B = 740,000 - 34,000 x (x <= 4):
    equal at x = 740,000 / 74,000 = 10 > 4; for x >= 4, B = 604,000 - 60,000 (x - 4), A = 40,000 x: equal at
    x = 8.44; max of the minimum = 337,600 at x = 8.44 (A = B)."""
    plan = optimizer.solve(_hedge_case(risk={"weight": 1.0, "cvar_alpha": 0.5}))
    x = 844_000 / 100_000
    assert plan.summary.objective_usd == pytest.approx(40_000 * x, abs=1.0)
    assert plan.summary.scenarios.cvar_usd == pytest.approx(40_000 * x, abs=1.0)


def test_weight_one_alpha_zero_equals_the_expected_npv():
    """CVaR at alpha 0 is the mean of all outcomes: the expected NPV."""
    plan = optimizer.solve(_hedge_case(risk={"weight": 1.0, "cvar_alpha": 0.0}))
    assert plan.summary.objective_usd == pytest.approx(382_000, abs=1.0)


def test_one_scenario_with_probability_one_equals_the_deterministic_model():
    """One scenario taking the periods table as it is, probability 1: the deterministic model's NPV."""
    tbl = _hedge_tables()
    deterministic = optimizer.solve(optimizer.Case.from_tables(
        {k: v for k, v in tbl.items() if not k.startswith("scenario")}, start=START, periods=2))
    tbl["scenarios"] = pd.DataFrame({"scenario": ["only"], "probability": [1.0]})
    del tbl["scenario_periods"]
    single = optimizer.solve(optimizer.Case.from_tables(tbl, start=START, periods=2))
    assert single.summary.scenarios.expected_npv_usd == pytest.approx(deterministic.npv_usd, abs=1e-3)
    assert single.summary.scenarios.npv_by_scenario_usd["only"] == pytest.approx(deterministic.npv_usd, abs=1e-3)


def test_vss_unbounded_when_the_mean_value_commitment_cannot_be_served(monkeypatch):
    """Force an impossible commitment (a 1,000 MW AI build on a 10 MW grid and 200 MW of floor): the scenario
    model with it fixed has no plan, so VSS is reported as "unbounded" with the scenarios it cannot serve."""
    original = information.committed_decisions

    def impossible(model, col_value, commit_through_t):
        decisions = original(model, col_value, commit_through_t)
        decisions.values["build_a"] = np.where(decisions.which["build_a"], 1_000.0, 0.0)
        return decisions

    monkeypatch.setattr(information, "committed_decisions", impossible)
    voi = optimizer.value_of_information(_hedge_case())
    assert voi.vss_usd == "unbounded"
    assert voi.vss_infeasible_scenarios == ["A", "B"]
    assert voi.evpi_usd == pytest.approx(188_000, abs=1.0)
