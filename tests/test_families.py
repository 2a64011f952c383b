"""Hand-computed cases, one per constraint family of docs/formulation.md, asserting NPV to the dollar.

Conventions used throughout (unless a case says otherwise):
- ASIC model "S": 20 J/TH -> 1000/20 = 50 PH/s per IT MW, 1000 sqft per MW, not for sale.
- hashprice 40 USD/PH/day -> 40 * 50 = 2000 USD per running MW per day.
- energy 50 USD/MWh -> 50 * 24 = 1200 USD per facility MW per day, so a running ASIC MW (PUE 1) nets 800 USD/day.
- AI: 1 USD/kW-month = 1000 USD per MW-month.
- Calendar days: 2027-03 = 31, 2027-04 = 30, 2027-05 = 31, 2027-06 = 30.
- Everything not set by a case is roomy (grid 1000 MW, floor 1e6 sqft) or pointless (AI capex 1e9 USD/MW).

Each case is built by a `_case_*` function returning (tables, horizon keyword arguments, expected NPV) so the
hand numbers can also be re-checked by an independent LP.
"""
from __future__ import annotations

import pytest

import optimizer

from .casebuilder import column, df, miner, site, tables, value

START = "2027-04"  # April 2027: 30 days, May 31, June 30


def _solve(case_tuple, solver: str = "highs"):
    tbl, horizon, _ = case_tuple
    case = optimizer.Case.from_tables(tbl, **horizon)
    plan = optimizer.solve(case) if solver == "highs" else optimizer.solve(case, solver=solver)
    assert plan.status == "optimal"
    return plan


def _periods(hashprices, **columns):
    """periods rows for consecutive months from START; extra columns given as lists (or a scalar for all)."""
    labels = ["2027-04", "2027-05", "2027-06"][: len(hashprices)]
    rows = []
    for i, (label, hp) in enumerate(zip(labels, hashprices)):
        row = {"period": label, "hashprice_usd_per_ph_day": hp}
        for name, v in columns.items():
            row[name] = v[i] if isinstance(v, (list, tuple)) else v
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------------------------
# 1. Mining stock: fleet carried forward, buying, retiring to save opex
# ---------------------------------------------------------------------------------------------------------------

def _case_mining_buy():
    tbl = tables(
        sites=[site("A", grid_mw=10.0)],
        miners=[miner("OLD"), miner("NEW", price_usd_per_th=1.0)],
        fleet=[{"site": "A", "model": "OLD", "installed_mw": 4.0}],
        periods=_periods([40.0, 40.0, 40.0]),
    )
    # margin per running MW over Apr+May+Jun = 800 * (30 + 31 + 30) = 72,800; NEW costs 1 * 1e6/20 = 50,000 per MW
    expected = 4 * 72_800 + 6 * (72_800 - 50_000)  # = 428,000
    return tbl, dict(start=START, periods=3), expected


def test_mining_stock_fleet_carried_forward_and_buying():
    """Fleet 4 MW of OLD (no price) is carried through all periods; grid 10 MW (PUE 1) leaves room for 6 MW.

    NEW costs 1 USD/TH * 1e6/20 TH per MW = 50,000 USD/MW. Each running MW nets 800 USD/day.
    Buying in April earns 800 * 91 = 72,800 > 50,000 -> buy 6 MW in 2027-04.
    Buying in May would earn only 800 * 61 = 48,800 < 50,000, so no later purchase.
    NPV = 4 * 72,800 + 6 * (72,800 - 50,000) = 291,200 + 136,800 = 428,000.
    """
    c = _case_mining_buy()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert plan.npv_usd == pytest.approx(428_000, abs=1.0)
    mp = plan.miner_periods
    assert column(mp, "installed_mw", site="A", model="OLD") == pytest.approx([4, 4, 4], abs=1e-6)
    assert column(mp, "bought_mw", site="A", model="NEW") == pytest.approx([6, 0, 0], abs=1e-6)
    assert column(mp, "installed_mw", site="A", model="NEW") == pytest.approx([6, 6, 6], abs=1e-6)
    assert column(mp, "running_mw", site="A", model="NEW") == pytest.approx([6, 6, 6], abs=1e-6)


def _case_mining_retire():
    tbl = tables(
        sites=[site("A", mining_opex_usd_per_mw_month=10_000.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0, 40.0, 20.0]),
    )
    expected = 10 * ((800 * 30 - 10_000) + (800 * 31 - 10_000))  # = 288,000
    return tbl, dict(start=START, periods=3), expected


def test_mining_stock_retire_to_save_opex():
    """Fleet 10 MW, opex 10,000 USD per installed MW-month, hashprice 40, 40, then 20.

    Apr: 800*30 - 10,000 = 14,000/MW; May: 800*31 - 10,000 = 14,800/MW -> keep and run.
    Jun: revenue 20*50 = 1000/MW/day < energy 1200 -> do not run; keeping costs 10,000/MW of opex,
    so retire all 10 MW at the start of 2027-06 (retired ASICs cannot come back: no price).
    NPV = 10 * (14,000 + 14,800) = 288,000.
    """
    c = _case_mining_retire()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(288_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    mp = plan.miner_periods
    assert column(mp, "retired_mw", site="A", model="S") == pytest.approx([0, 0, 10], abs=1e-6)
    assert column(mp, "installed_mw", site="A", model="S") == pytest.approx([10, 10, 0], abs=1e-6)
    assert column(mp, "running_mw", site="A", model="S") == pytest.approx([10, 10, 0], abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 2. Uptime
# ---------------------------------------------------------------------------------------------------------------

def _case_uptime():
    tbl = tables(
        sites=[site("A", mining_opex_usd_per_mw_month=1_000.0)],
        miners=[miner("S", uptime=0.9)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0]),
    )
    expected = 9 * 800 * 30 - 10 * 1_000  # = 206,000
    return tbl, dict(start=START, periods=1), expected


def test_uptime_limits_running():
    """10 MW installed with uptime 0.9 -> at most 9 MW run. April (30 days).

    Mining margin 9 * 800 * 30 = 216,000; opex is on installed MW: 10 * 1,000 = 10,000.
    NPV = 206,000.
    """
    c = _case_uptime()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(206_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert value(plan.miner_periods, "running_mw", site="A", model="S", period="2027-04") == pytest.approx(9, abs=1e-6)
    assert value(plan.site_plan, "mining_running_mw", site="A", period="2027-04") == pytest.approx(9, abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 3. AI lead time
# ---------------------------------------------------------------------------------------------------------------

def _case_lead_time():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=10.0, ai_capex_usd_per_mw=150_000.0, ai_lead_time_periods=1,
                    ai_opex_usd_per_mw_month=1_000.0)],
        periods=_periods([0.0, 0.0, 0.0], ai_spot_price_usd_per_kw_month=100.0, ai_spot_max_mw=10.0),
    )
    expected = 2 * 1_000_000 - (74_400 + 72_000) - 2 * 10_000 - 1_500_000  # = 333,600
    return tbl, dict(start=START, periods=3), expected


def test_ai_lead_time_revenue_only_from_ready_period():
    """Lead time 1: a build started in 2027-04 is ready in 2027-05. Spot 100 USD/kW-month, at most 10 MW.

    Build 10 MW in April: capex 10 * 150,000 = 1,500,000.
    Spot revenue in May and June only: 2 * 1000 * 100 * 10 = 2,000,000 (nothing in April).
    Energy (10 USD/MWh, PUE 1): May 10 * 10 * 24 * 31 = 74,400; June 10 * 10 * 24 * 30 = 72,000.
    AI opex on ready MW: 2 months * 10 MW * 1,000 = 20,000.
    NPV = 2,000,000 - 146,400 - 20,000 - 1,500,000 = 333,600.
    (Building in May would earn June only: 100,000 - 7,200 - 1,000 < 150,000 per MW, so no.)
    """
    c = _case_lead_time()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(333_600, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert column(sp, "ai_started_mw", site="A") == pytest.approx([10, 0, 0], abs=1e-6)
    assert column(sp, "ai_ready_mw", site="A") == pytest.approx([0, 10, 10], abs=1e-6)
    assert column(sp, "ai_under_construction_mw", site="A") == pytest.approx([10, 0, 0], abs=1e-6)
    assert column(sp, "ai_spot_mw", site="A") == pytest.approx([0, 10, 10], abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 4. AI ceiling (ready + under construction)
# ---------------------------------------------------------------------------------------------------------------

def _case_ai_ceiling():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=0.0, ai_capex_usd_per_mw=20_000.0, ai_lead_time_periods=2,
                    ai_max_mw=10.0, ai_installed_mw=4.0)],
        periods=_periods([0.0, 0.0, 0.0], ai_spot_price_usd_per_kw_month=50.0, ai_spot_max_mw=100.0),
    )
    expected = 4 * 50_000 + 4 * 50_000 + 10 * 50_000 - 6 * 20_000  # = 780,000
    return tbl, dict(start=START, periods=3), expected


def test_ai_ceiling_counts_construction():
    """ai_max_mw 10 with 4 MW installed; lead time 2, so a build in 2027-04 is ready in 2027-06.

    Ceiling at t=0: 4 + build_0 <= 10 -> at most 6 MW; they are under construction in Apr and May.
    Spot 50 USD/kW-month = 50,000 per MW-month, energy free, market 100 MW (not binding).
    Each built MW earns 50,000 in June for 20,000 capex -> build the full 6 MW in April.
    NPV = 4 * 50,000 (Apr) + 4 * 50,000 (May) + 10 * 50,000 (Jun) - 6 * 20,000 = 780,000.
    """
    c = _case_ai_ceiling()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(780_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert column(sp, "ai_started_mw", site="A") == pytest.approx([6, 0, 0], abs=1e-6)
    assert column(sp, "ai_under_construction_mw", site="A") == pytest.approx([6, 6, 0], abs=1e-6)
    assert column(sp, "ai_ready_mw", site="A") == pytest.approx([4, 4, 10], abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 5. Floor space
# ---------------------------------------------------------------------------------------------------------------

def _case_floor():
    tbl = tables(
        sites=[site("A", floor_sqft=10_000.0, ai_sqft_per_mw=5_000.0, ai_capex_usd_per_mw=50_000.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0], ai_spot_price_usd_per_kw_month=250.0, ai_spot_max_mw=1.0),
    )
    expected = (250_000 - 36_000 - 50_000) + 5 * 24_000  # = 284,000
    return tbl, dict(start=START, periods=1), expected


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_floor_space_forces_retiring_asics_to_build_ai(solver):
    """Floor 10,000 sqft is full with 10 MW of ASICs (1000 sqft/MW). AI needs 5000 sqft/MW, lead time 0.

    April (30 days). ASIC MW nets 800 * 30 = 24,000. One AI MW sold spot at 250 USD/kW-month nets
    250,000 - energy 50*720 = 36,000 - capex 50,000 = 164,000 > the 5 ASIC MW it displaces (120,000).
    Spot market takes at most 1 MW -> build 1 MW, retire 5 MW, run 5 MW.
    NPV = 164,000 + 5 * 24,000 = 284,000 (vs 240,000 with mining only).
    """
    c = _case_floor()
    plan = _solve(c, solver)
    assert plan.npv_usd == pytest.approx(284_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert value(plan.miner_periods, "retired_mw", site="A", model="S", period="2027-04") == pytest.approx(5, abs=1e-6)
    sp = plan.site_plan
    assert value(sp, "ai_started_mw", site="A", period="2027-04") == pytest.approx(1, abs=1e-6)
    assert value(sp, "ai_ready_mw", site="A", period="2027-04") == pytest.approx(1, abs=1e-6)
    assert value(sp, "floor_used_sqft", site="A", period="2027-04") == pytest.approx(10_000, abs=1e-3)
    assert value(sp, "floor_limit_sqft", site="A", period="2027-04") == pytest.approx(10_000, abs=1e-3)


def _shadow(plan, constraint, site_name, period):
    sp = plan.shadow_prices
    rows = sp[(sp["constraint"] == constraint) & (sp["site"].astype(str) == site_name)
              & (sp["period"].astype(str) == period)]
    assert len(rows) == 1, f"expected one {constraint} shadow price for {site_name} {period}:\n{sp}"
    return float(rows["shadow_price"].iloc[0])


def test_floor_space_shadow_price():
    """Same case as the floor test. One more sqft lets 1/1000 MW fewer ASICs be retired (AI is held by the
    1 MW spot cap), worth 24,000 / 1000 = 24 USD per sqft; one less sqft costs the same. Positive = value.
    """
    plan = _solve(_case_floor())
    assert _shadow(plan, "floor_space", "A", "2027-04") == pytest.approx(24.0, abs=1e-4)


def _case_floor_discounted():
    tbl = tables(
        sites=[site("A", floor_sqft=11_000.0, ai_sqft_per_mw=5_000.0, ai_capex_usd_per_mw=50_000.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=[
            {"period": "2027-03", "hashprice_usd_per_ph_day": 40.0, "ai_spot_price_usd_per_kw_month": 250.0,
             "ai_spot_max_mw": 0.0},
            {"period": "2027-04", "hashprice_usd_per_ph_day": 40.0, "ai_spot_price_usd_per_kw_month": 250.0,
             "ai_spot_max_mw": 1.0},
        ],
    )
    expected = 248_000 + 308_000 * df(0.12, 1)
    return tbl, dict(start="2027-03", periods=2, discount_rate=0.12), expected


def test_floor_space_shadow_price_is_in_npv_dollars():
    """Floor 11,000 sqft, fleet 10 MW (10,000 sqft), r = 12 %/yr, periods 2027-03 (31 d) and 2027-04 (30 d).

    March: no spot market; mining 10 * 800 * 31 = 248,000; floor slack (1000 sqft) -> shadow price 0.
    April: spot takes 1 MW at 250: build 1 AI MW (5000 sqft) -> ASICs <= 6 MW -> retire 4.
      AI 250,000 - 36,000 - 50,000 = 164,000; mining 6 * 24,000 = 144,000; CF = 308,000 (> 240,000 w/o AI).
    NPV = 248,000 + 308,000 * 1.12 ** (-1/12).
    April floor shadow price = 24 USD/sqft of April cash = 24 * 1.12 ** (-1/12) NPV USD per sqft.
    """
    c = _case_floor_discounted()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(248_000 + 308_000 * 1.12 ** (-1 / 12), abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert value(plan.miner_periods, "retired_mw", site="A", model="S", period="2027-04") == pytest.approx(4, abs=1e-6)
    assert _shadow(plan, "floor_space", "A", "2027-04") == pytest.approx(24.0 * 1.12 ** (-1 / 12), abs=1e-4)
    assert _shadow(plan, "floor_space", "A", "2027-03") == pytest.approx(0.0, abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 6. Power (grid) with PUE
# ---------------------------------------------------------------------------------------------------------------

def _case_power():
    tbl = tables(
        sites=[site("A", grid_mw=17.5, mining_pue=1.1, ai_pue=1.3, ai_installed_mw=10.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0], ai_spot_price_usd_per_kw_month=68.0, ai_spot_max_mw=10.0),
    )
    expected = 10 * 20_400 + 5 * 21_200  # = 310,000
    return tbl, dict(start=START, periods=1), expected


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_power_split_by_margin_per_facility_mw(solver):
    """Grid 17.5 facility MW; 10 MW ASICs at PUE 1.1, 10 MW AI ready at PUE 1.3; April (720 h), energy 50.

    Mining per IT MW: 2000*30 = 60,000 - 1.1 * 50 * 720 = 39,600 -> 20,400; per facility MW 18,545.
    AI spot at 68 USD/kW-month per IT MW: 68,000 - 1.3 * 36,000 = 46,800 -> 21,200; per facility MW 16,308.
    AI earns more per IT MW but less per facility MW, so mining gets power first:
    10 MW ASICs use 11 facility MW; 6.5 left / 1.3 = 5 MW AI.
    NPV = 10 * 20,400 + 5 * 21,200 = 310,000 (AI first would give 212,000 + 4.09 * 20,400 = 295,455).
    """
    c = _case_power()
    plan = _solve(c, solver)
    assert plan.npv_usd == pytest.approx(310_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert value(sp, "mining_running_mw", site="A", period="2027-04") == pytest.approx(10, abs=1e-6)
    assert value(sp, "ai_spot_mw", site="A", period="2027-04") == pytest.approx(5, abs=1e-6)
    assert value(sp, "facility_power_used_mw", site="A", period="2027-04") == pytest.approx(17.5, abs=1e-6)
    assert value(sp, "energy_cost_usd", site="A", period="2027-04") == pytest.approx(17.5 * 50 * 720, abs=1e-3)


def test_power_shadow_price():
    """Same case as the power test: one more facility MW runs 1/1.3 MW more AI, worth 21,200 / 1.3 = 16,307.69 USD."""
    plan = _solve(_case_power())
    assert _shadow(plan, "power", "A", "2027-04") == pytest.approx(21_200 / 1.3, abs=1e-3)


# ---------------------------------------------------------------------------------------------------------------
# 7. Contracts: hard, soft, passthrough
# ---------------------------------------------------------------------------------------------------------------

def _contract(mw, price, penalty=None, passthrough=None, name="C", start="2027-04", end="2027-04", site_name="A"):
    row = {"contract": name, "site": site_name, "start": start, "end": end, "mw": mw, "price_usd_per_kw_month": price}
    if penalty is not None:
        row["shortfall_penalty_usd_per_kw_month"] = penalty
    if passthrough is not None:
        row["power_passthrough"] = passthrough
    return row


def _case_hard_contract():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=200.0, ai_installed_mw=10.0)],
        contracts=[_contract(10.0, 100.0)],
        periods=_periods([0.0]),
    )
    expected = 10 * (100_000 - 200 * 720)  # = -440,000
    return tbl, dict(start=START, periods=1), expected


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_hard_contract_delivered_at_a_loss(solver):
    """Hard 10 MW tranche at 100 USD/kW-month, AI 10 MW ready, energy 200 USD/MWh, April (720 h).

    Per MW: revenue 100,000; energy 200 * 720 = 144,000 -> loss 44,000; a hard tranche must be met in full.
    NPV = 10 * -44,000 = -440,000.
    """
    c = _case_hard_contract()
    plan = _solve(c, solver)
    assert plan.npv_usd == pytest.approx(-440_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    cp = plan.contract_periods
    assert value(cp, "delivered_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(10, abs=1e-6)
    assert value(cp, "short_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(0, abs=1e-6)


def _case_soft_contract():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=200.0, ai_installed_mw=10.0)],
        contracts=[_contract(10.0, 100.0, penalty=20.0)],
        periods=_periods([0.0]),
    )
    expected = -10 * 20_000  # = -200,000
    return tbl, dict(start=START, periods=1), expected


def test_soft_contract_shorted_when_penalty_is_cheaper():
    """Same as the hard case but with a 20 USD/kW-month penalty: delivering loses 44,000/MW,
    shorting costs 20,000/MW -> short all 10 MW. NPV = -200,000.
    """
    c = _case_soft_contract()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(-200_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    cp = plan.contract_periods
    assert value(cp, "delivered_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(0, abs=1e-6)
    assert value(cp, "short_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(10, abs=1e-6)
    penalty_usd = value(plan.site_plan, "shortfall_penalty_usd", site="A", period="2027-04")
    assert penalty_usd == pytest.approx(200_000, abs=1e-3)


def _case_soft_contract_partial():
    tbl = tables(
        sites=[site("A", ai_installed_mw=6.0)],
        contracts=[_contract(10.0, 100.0, penalty=20.0)],
        periods=_periods([0.0]),
    )
    expected = 6 * (100_000 - 36_000) - 4 * 20_000  # = 304,000
    return tbl, dict(start=START, periods=1), expected


def test_soft_contract_partly_shorted_for_lack_of_capacity():
    """Soft 10 MW tranche (price 100, penalty 20), only 6 MW AI ready, energy 50 (36,000/MW in April).

    Deliver 6: 6 * (100,000 - 36,000) = 384,000; short 4: 4 * 20,000 = 80,000. NPV = 304,000.
    """
    c = _case_soft_contract_partial()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(304_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    cp = plan.contract_periods
    assert value(cp, "delivered_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(6, abs=1e-6)
    assert value(cp, "short_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(4, abs=1e-6)


def _case_passthrough():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=200.0, ai_pue=1.25, ai_installed_mw=10.0)],
        contracts=[_contract(5.0, 100.0, passthrough=True), _contract(5.0, 100.0, passthrough=False)],
        periods=_periods([0.0]),
    )
    expected = 10 * 100_000 - 5 * 1.25 * 200 * 720  # = 100,000
    return tbl, dict(start=START, periods=1), expected


def test_power_passthrough_tranche_pays_no_energy():
    """Contract C: tranche 1 = 5 MW with power passthrough, tranche 2 = 5 MW without; both hard at 100.

    Revenue 10 * 100,000 = 1,000,000. Energy only for tranche 2: 5 * 1.25 * 200 * 720 = 900,000.
    NPV = 100,000 (without passthrough it would be -800,000).
    """
    c = _case_passthrough()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(100_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert value(sp, "energy_cost_usd", site="A", period="2027-04") == pytest.approx(900_000, abs=1e-3)
    assert value(sp, "contract_revenue_usd", site="A", period="2027-04") == pytest.approx(1_000_000, abs=1e-3)
    # the passthrough load still takes facility power: 10 * 1.25
    assert value(sp, "facility_power_used_mw", site="A", period="2027-04") == pytest.approx(12.5, abs=1e-6)
    cp = plan.contract_periods
    assert value(cp, "delivered_mw", contract="C", tranche=1, period="2027-04") == pytest.approx(5, abs=1e-6)
    assert value(cp, "delivered_mw", contract="C", tranche=2, period="2027-04") == pytest.approx(5, abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 8. Spot market cap over all sites
# ---------------------------------------------------------------------------------------------------------------

def _case_spot_cap():
    tbl = tables(
        sites=[site("A", energy_price_usd_per_mwh=10.0, ai_installed_mw=10.0),
               site("B", energy_price_usd_per_mwh=50.0, ai_installed_mw=10.0)],
        periods=_periods([0.0], ai_spot_price_usd_per_kw_month=100.0, ai_spot_max_mw=12.0),
    )
    expected = 10 * (100_000 - 7_200) + 2 * (100_000 - 36_000)  # = 1,056,000
    return tbl, dict(start=START, periods=1), expected


def test_spot_cap_is_shared_by_sites():
    """Two sites with 10 MW AI each, spot market 12 MW at 100 USD/kW-month, April (720 h).

    Site A energy 10 -> nets 100,000 - 7,200 = 92,800/MW; site B energy 50 -> 100,000 - 36,000 = 64,000/MW.
    Cheapest first: A sells 10, B sells 2. NPV = 928,000 + 128,000 = 1,056,000.
    """
    c = _case_spot_cap()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(1_056_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert value(sp, "ai_spot_mw", site="A", period="2027-04") == pytest.approx(10, abs=1e-6)
    assert value(sp, "ai_spot_mw", site="B", period="2027-04") == pytest.approx(2, abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 9. Cumulative capex budget
# ---------------------------------------------------------------------------------------------------------------

def _case_budget_carry():
    tbl = tables(
        sites=[site("A", ai_capex_usd_per_mw=50_000.0, ai_opex_usd_per_mw_month=5_000.0)],
        periods=_periods([0.0, 0.0], ai_spot_price_usd_per_kw_month=100.0, ai_spot_max_mw=[0.0, 10.0],
                         capex_budget_usd=[300_000.0, 200_000.0]),
    )
    expected = 10 * (100_000 - 50 * 24 * 31 - 5_000 - 50_000)  # = 78,000
    return tbl, dict(start=START, periods=2), expected


def test_budget_unspent_carries_forward():
    """Budget 300,000 in April and 200,000 in May; spot (100 USD/kW-month, 10 MW) only in May; lead time 0.

    Per AI MW built in May: 100,000 - energy 50 * 744 = 37,200 - opex 5,000 - capex 50,000 = 7,800.
    10 MW cost 500,000 <= 300,000 + 200,000 cumulative, so all are built in May. NPV = 78,000.
    (A per-period budget would force 6 MW to be built in April, paying 6 * 5,000 April opex: 48,000.)
    """
    c = _case_budget_carry()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(78_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert column(plan.site_plan, "ai_started_mw", site="A") == pytest.approx([0, 10], abs=1e-6)
    assert column(plan.site_plan, "capex_usd", site="A") == pytest.approx([0, 500_000], abs=1e-3)


def _case_budget_binding():
    tbl = tables(
        sites=[site("A")],
        miners=[miner("S", price_usd_per_th=1.0)],
        periods=_periods([100.0, 100.0], capex_budget_usd=[300_000.0, 0.0]),
    )
    expected = 6 * (3_800 * 30 + 3_800 * 31) - 300_000  # = 1,090,800
    return tbl, dict(start=START, periods=2), expected


def test_budget_binding_limits_purchases():
    """ASICs at 1 USD/TH = 50,000 USD per MW; hashprice 100 -> 5000/MW/day, energy 1200 -> nets 3800/day.

    A MW bought in April earns 3800 * (30 + 31) = 231,800 >> 50,000, but the budget is 300,000 in April
    and 0 in May: buy 300,000 / 50,000 = 6 MW in April, nothing later.
    NPV = 6 * 231,800 - 300,000 = 1,090,800.
    """
    c = _case_budget_binding()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(1_090_800, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert column(plan.miner_periods, "bought_mw", site="A", model="S") == pytest.approx([6, 0], abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 10. Discounting and quarterly periods
# ---------------------------------------------------------------------------------------------------------------

def _case_discounting():
    tbl = tables(
        sites=[site("A")],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0, 40.0, 40.0]),
    )
    expected = 240_000 + 248_000 * 1.12 ** (-1 / 12) + 240_000 * 1.12 ** (-2 / 12)
    return tbl, dict(start=START, periods=3, discount_rate=0.12), expected


def test_discounting_monthly():
    """10 MW fleet netting 800/MW/day: CF = 240,000 (Apr), 248,000 (May), 240,000 (Jun); r = 0.12.

    df_t = 1.12 ** (-t/12): 1, 0.990600, 0.981289.
    NPV = 240,000 + 248,000 * 1.12**(-1/12) + 240,000 * 1.12**(-2/12) = 721,178.29
    """
    c = _case_discounting()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert plan.npv_usd == pytest.approx(721_178.3, abs=1.0)
    pt = plan.period_totals.sort_values("period")
    assert [float(x) for x in pt["discount_factor"]] == pytest.approx([1.0, 1.12 ** (-1 / 12), 1.12 ** (-2 / 12)],
                                                                       abs=1e-9)
    assert [float(x) for x in pt["cash_flow_usd"]] == pytest.approx([240_000, 248_000, 240_000], abs=1e-3)


@pytest.mark.parametrize("start,days", [("2027-01", 90), ("2027-04", 91), ("2027-10", 92), ("2028-01", 91)])
def test_quarterly_days_are_calendar_days(start, days):
    """One quarterly period, 10 MW fleet netting 800/MW/day: NPV = 8,000 * days of the quarter.

    2027 Q1 = 31+28+31 = 90; Q2 = 30+31+30 = 91; Q4 = 31+30+31 = 92; 2028 Q1 (leap) = 31+29+31 = 91.
    """
    tbl = tables(
        sites=[site("A")],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=[{"period": start, "hashprice_usd_per_ph_day": 40.0}],
    )
    plan = _solve((tbl, dict(start=start, periods=1, months_per_period=3), None))
    assert plan.npv_usd == pytest.approx(8_000 * days, abs=1.0)


def _case_quarterly():
    tbl = tables(
        sites=[site("A", mining_opex_usd_per_mw_month=1_000.0, ai_installed_mw=5.0,
                    ai_opex_usd_per_mw_month=2_000.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        contracts=[_contract(5.0, 100.0, start="2027-10", end="2028-01")],
        periods=[{"period": "2027-10", "hashprice_usd_per_ph_day": 40.0},
                 {"period": "2028-01", "hashprice_usd_per_ph_day": 40.0}],
    )
    expected = 1_624_000 + 1_622_000 * 1.12 ** (-3 / 12)
    return tbl, dict(start="2027-10", periods=2, months_per_period=3, discount_rate=0.12), expected


def test_quarterly_with_contract_opex_and_discounting():
    """Quarters 2027-10 (92 days) and 2028-01 (91 days, leap year); r = 0.12 so df_1 = 1.12 ** (-3/12).

    Mining 10 MW at 800/day: 736,000 and 728,000. Contract 5 MW hard at 100: 1000*100*3*5 = 1,500,000 each.
    AI energy 5 * 50 * 24 * days: 552,000 and 546,000. Opex: mining 3 * 10 * 1,000 = 30,000; AI 3 * 5 * 2,000
    = 30,000 per quarter.
    CF0 = 736,000 + 1,500,000 - 552,000 - 60,000 = 1,624,000; CF1 = 728,000 + 1,500,000 - 546,000 - 60,000
    = 1,622,000. NPV = 1,624,000 + 1,622,000 * 1.12 ** -0.25 = 1,624,000 + 1,576,690.11 = 3,200,690.11
    """
    c = _case_quarterly()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert plan.npv_usd == pytest.approx(3_200_690.1, abs=1.0)
    pt = plan.period_totals.sort_values("period")
    assert [str(p) for p in pt["period"]] == ["2027-10", "2028-01"]
    assert [float(x) for x in pt["cash_flow_usd"]] == pytest.approx([1_624_000, 1_622_000], abs=1e-3)
    assert [float(x) for x in pt["discount_factor"]] == pytest.approx([1.0, 1.12 ** -0.25], abs=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# 11. site_periods overrides and available_from
# ---------------------------------------------------------------------------------------------------------------

def _case_site_periods():
    tbl = tables(
        sites=[site("A", grid_mw=10.0)],
        fleet=[{"site": "A", "model": "S", "installed_mw": 10.0}],
        periods=_periods([40.0, 40.0, 40.0]),
        site_periods=[
            {"period": "2027-05", "site": "A", "grid_mw": 6.0, "energy_price_usd_per_mwh": None},
            {"period": "2027-06", "site": "A", "grid_mw": None, "energy_price_usd_per_mwh": 80.0},
        ],
    )
    expected = 10 * 800 * 30 + 6 * 800 * 31 + 10 * (2_000 - 80 * 24) * 30  # = 412,800
    return tbl, dict(start=START, periods=3), expected


def test_site_period_overrides_with_blanks():
    """Site grid 10 MW, energy 50; fleet 10 MW; overrides: May grid 6 (energy blank = 50), June energy 80
    (grid blank = 10).

    Apr: 10 * 800 * 30 = 240,000. May: 6 MW run: 6 * 800 * 31 = 148,800.
    Jun: 2000 - 80*24 = 80/MW/day: 10 * 80 * 30 = 24,000. NPV = 412,800.
    """
    c = _case_site_periods()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(412_800, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    sp = plan.site_plan
    assert column(sp, "mining_running_mw", site="A") == pytest.approx([10, 6, 10], abs=1e-6)
    assert column(sp, "grid_limit_mw", site="A") == pytest.approx([10, 6, 10], abs=1e-6)
    assert column(sp, "energy_cost_usd", site="A") == pytest.approx([10 * 1200 * 30, 6 * 1200 * 31, 10 * 1920 * 30],
                                                                   abs=1e-3)


def _case_available_from():
    tbl = tables(
        sites=[site("A", grid_mw=10.0)],
        miners=[miner("NEW", price_usd_per_th=1.0, available_from="2027-05")],
        periods=_periods([100.0, 100.0]),
    )
    expected = 10 * 3_800 * 31 - 500_000  # = 678,000
    return tbl, dict(start=START, periods=2), expected


def test_miner_available_from():
    """NEW (1 USD/TH = 50,000/MW, nets 3800/MW/day at hashprice 100) can be bought from 2027-05 only; grid 10.

    Buy 10 MW in May: 10 * 3800 * 31 - 500,000 = 678,000 (buying in April would have given 1,818,000).
    """
    c = _case_available_from()
    plan = _solve(c)
    assert plan.npv_usd == pytest.approx(678_000, abs=1.0)
    assert plan.npv_usd == pytest.approx(c[2], abs=1.0)
    assert column(plan.miner_periods, "bought_mw", site="A", model="NEW") == pytest.approx([0, 10], abs=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# 12. Infeasible
# ---------------------------------------------------------------------------------------------------------------

def test_infeasible_hard_contract_without_capacity():
    """A hard 10 MW tranche in the first period, no AI installed and lead time 1: nothing can be ready in
    time, so the model is infeasible and no plan is returned."""
    tbl = tables(
        sites=[site("A", ai_capex_usd_per_mw=1.0, ai_lead_time_periods=1)],
        contracts=[_contract(10.0, 100.0, start="2027-04", end="2027-05")],
        periods=_periods([0.0, 0.0]),
    )
    case = optimizer.Case.from_tables(tbl, start=START, periods=2)
    with pytest.raises(optimizer.NoPlanError) as info:
        optimizer.solve(case)
    assert info.value.status == "infeasible"
    assert isinstance(info.value.explanation, str) and info.value.explanation
    assert "lead time 1 period," in info.value.explanation
    assert "contract C (tranche 1) at site A" in info.value.explanation


def test_infeasible_because_two_sites_share_one_budget():
    """Two sites each owe a hard 10 MW tranche from May; AI costs 100,000 USD/MW with lead time 1, so both must be
    started in April, but April's budget (1,500,000) pays for 15 MW, not 20. Each site alone could afford its 10 MW,
    so no single limit of one site explains it: lifting the budget does."""
    tbl = tables(
        sites=[site("A", ai_capex_usd_per_mw=100_000.0, ai_lead_time_periods=1),
               site("B", ai_capex_usd_per_mw=100_000.0, ai_lead_time_periods=1)],
        contracts=[{**_contract(10.0, 100.0, start="2027-05", end="2027-05"), "contract": name, "site": name}
                   for name in ("A", "B")],
        periods=_periods([0.0, 0.0], capex_budget_usd=[1_500_000.0, 0.0]),
    )
    with pytest.raises(optimizer.NoPlanError) as info:
        optimizer.solve(optimizer.Case.from_tables(tbl, start=START, periods=2))
    assert "needs 10 MW in 2027-05" in info.value.explanation
    assert "it could be met with a larger capex budget" in info.value.explanation
