"""Cross-check of the package against an independent implementation of docs/formulation.md.

(a) hand-computed sanity checks of the reference LP itself;
(b) property test: ``optimizer.solve`` agrees with the reference on random cases;
(c) the same through the CLI (``capopt solve``) for a few generated cases.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import optimizer
from optimizer.cli import main

from .reference_lp import reference_npv
from .strategies import cases, write_case

# --------------------------------------------------------------------------- (a) reference sanity


def _one_site(**over):
    site = dict(site="A", grid_mw=100.0, floor_sqft=1e6, energy_price_usd_per_mwh=40.0,
                ai_sqft_per_mw=5000.0, ai_capex_usd_per_mw=8e6)
    site.update(over)
    return pd.DataFrame([site])


def _miner(**over):
    m = dict(model="X", efficiency_j_per_th=25.0, sqft_per_mw=1000.0)
    m.update(over)
    return pd.DataFrame([m])


def _periods(labels, hashprice=50.0, **cols):
    rows = [dict(period=p, hashprice_usd_per_ph_day=hashprice) for p in labels]
    df = pd.DataFrame(rows)
    for k, v in cols.items():
        df[k] = v
    return df


def test_mining_only_leap_february_to_the_dollar():
    # 10 MW of a 25 J/TH miner = 400 PH/s; 50 USD/PH/day -> 20,000 USD/day;
    # energy 10 MW * 24 h * 40 USD/MWh = 9,600 USD/day; net 10,400 USD/day.
    # Feb 2024 has 29 days, Mar 31: 60 days * 10,400 = 624,000.
    tables = dict(
        sites=_one_site(), miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=_periods(["2024-02", "2024-03"]),
    )
    npv = reference_npv(tables, start="2024-02", periods=2)
    assert npv == pytest.approx(624_000.0, abs=1e-3)


def test_uptime_pue_and_opex():
    # uptime 0.95 -> 9.5 MW run; mining_pue 1.05 -> energy 9.5*1.05*24*40 = 9,576/day;
    # revenue 9.5 * 40 PH * 50 = 19,000/day; opex 1,000 USD/MW-month on 10 MW installed.
    # Feb 2023 (28 d) + Mar 2023 (31 d) = 59 d * 9,424 = 556,016; opex 20,000.
    tables = dict(
        sites=_one_site(mining_pue=1.05, mining_opex_usd_per_mw_month=1000.0),
        miners=_miner(uptime=0.95),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=_periods(["2023-02", "2023-03"]),
    )
    npv = reference_npv(tables, start="2023-02", periods=2)
    assert npv == pytest.approx(556_016.0 - 20_000.0, abs=1e-3)


def test_quarterly_discounting():
    # Quarters Dec23-Feb24 (31+31+29 = 91 d) and Mar-May 24 (31+30+31 = 92 d);
    # second quarter discounted by 1.1 ** -0.25.
    tables = dict(
        sites=_one_site(), miners=_miner(),
        fleet=pd.DataFrame([dict(site="A", model="X", installed_mw=10.0)]),
        periods=_periods(["2023-12", "2024-03"]),
    )
    npv = reference_npv(tables, start="2023-12", periods=2, months_per_period=3, discount_rate=0.1)
    assert npv == pytest.approx(91 * 10_400 + 92 * 10_400 * 1.1 ** -0.25, abs=1e-3)


def _ai_case(penalty=None, passthrough=False, budget=None, ai_max=None, installed=None):
    site = dict(ai_pue=1.2, energy_price_usd_per_mwh=50.0, ai_lead_time_periods=1,
                ai_opex_usd_per_mw_month=10_000.0)
    if ai_max is not None:
        site["ai_max_mw"] = ai_max
    if installed is not None:
        site["ai_installed_mw"] = installed
    contract = dict(contract="C", site="A", start="2025-02", end="2025-03", mw=5.0,
                    price_usd_per_kw_month=150.0,
                    shortfall_penalty_usd_per_kw_month=penalty, power_passthrough=passthrough)
    periods = _periods(["2025-01", "2025-02", "2025-03"], hashprice=20.0)
    if budget is not None:
        periods["capex_budget_usd"] = budget
    return dict(sites=_one_site(**site), miners=_miner(), contracts=pd.DataFrame([contract]),
                periods=periods)


def test_hard_contract_with_lead_time():
    # Build 5 MW in Jan (ready Feb): capex 40e6. Revenue 150*1000*5*2 = 1.5e6.
    # Energy 5*1.2*50 * (672 + 744) h = 424,800. Opex 10,000*5*2 = 100,000.
    npv = reference_npv(_ai_case(), start="2025-01", periods=3)
    assert npv == pytest.approx(1.5e6 - 424_800 - 100_000 - 40e6, abs=1e-3)


def test_passthrough_removes_energy_cost():
    npv = reference_npv(_ai_case(passthrough="true"), start="2025-01", periods=3)
    assert npv == pytest.approx(1.5e6 - 100_000 - 40e6, abs=1e-3)


def test_soft_contract_prefers_penalty():
    # Shortfall 100 USD/kW-month * 5,000 kW * 2 months = 1e6, cheaper than building.
    npv = reference_npv(_ai_case(penalty=100.0), start="2025-01", periods=3)
    assert npv == pytest.approx(-1e6, abs=1e-3)


def test_budget_and_ceiling_infeasibility():
    assert reference_npv(_ai_case(budget=[39e6, 0, 0]), start="2025-01", periods=3) is None
    assert reference_npv(_ai_case(budget=[40e6, 0, 0]), start="2025-01", periods=3) is not None
    # A blank budget cell means no limit from then on, but the build must start
    # in January (lead time 1), whose budget is 0: infeasible.
    assert reference_npv(_ai_case(budget=[0, None, 0]), start="2025-01", periods=3) is None
    assert reference_npv(_ai_case(budget=[None, 0, 0]), start="2025-01", periods=3) is not None
    # Ceiling counts ready plus under construction.
    assert reference_npv(_ai_case(ai_max=4.0), start="2025-01", periods=3) is None
    npv = reference_npv(_ai_case(ai_max=5.0, installed=5.0), start="2025-01", periods=3)
    assert npv == pytest.approx(1.5e6 - 424_800 - 10_000 * 5 * 3, abs=1e-3)


def test_site_period_override_and_buying():
    # No fleet; a miner costs 10 USD/TH -> 10 * 1e6/25 = 400,000 USD/MW.
    # Floor 10,000 sqft / 1,000 sqft/MW -> at most 10 MW. Grid overridden to 4 MW in
    # period 0 (so only 4 MW can run) and energy price overridden to 80 in period 1.
    # Buying 10 MW at t0 (4e6) vs the margins: t0 31 d*(2000-960)*4 = 128,960;
    # t1 28 d*(2000-1920)*10 = 22,400 -> buying loses money, so the optimum is 0.
    tables = dict(
        sites=_one_site(floor_sqft=10_000.0), miners=_miner(price_usd_per_th=10.0),
        periods=_periods(["2025-01", "2025-02"]),
        site_periods=pd.DataFrame([dict(period="2025-01", site="A", grid_mw=4.0,
                                        energy_price_usd_per_mwh=None),
                                   dict(period="2025-02", site="A", grid_mw=None,
                                        energy_price_usd_per_mwh=80.0)]),
    )
    assert reference_npv(tables, start="2025-01", periods=2) == pytest.approx(0.0, abs=1e-3)
    # With a huge hashprice it pays to buy exactly what can run.
    tables["periods"] = _periods(["2025-01", "2025-02"], hashprice=2000.0)
    # per MW-day revenue 2000*40 = 80,000. t0: 4 MW run * 31 d * (80,000 - 960) = 9,800,960
    # t1: 10 MW * 28 d * (80,000 - 1,920) = 21,862,400; capex 10 MW * 400,000 = 4e6.
    expected = 4 * 31 * (80_000 - 960) + 10 * 28 * (80_000 - 1_920) - 4e6
    assert reference_npv(tables, start="2025-01", periods=2) == pytest.approx(expected, abs=1e-3)


def test_available_from_and_spot():
    # Miner buyable only from period 1; spot market: 3 MW at most, 100 USD/kW-month,
    # 2 MW AI ready already, energy 40 * 1.0 pue. Spot sells min(2, 3) MW.
    tables = dict(
        sites=_one_site(ai_installed_mw=2.0),
        miners=_miner(price_usd_per_th=10.0, available_from="2025-02"),
        periods=_periods(["2025-01", "2025-02"], hashprice=0.0,
                         ai_spot_price_usd_per_kw_month=[100.0, None], ai_spot_max_mw=[3.0, 3.0]),
    )
    expected = 2 * (100_000 - 40 * 24 * 31)  # period 1: spot price blank = 0 -> no sale
    assert reference_npv(tables, start="2025-01", periods=2) == pytest.approx(expected, abs=1e-3)


# --------------------------------------------------------------------------- package API


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-3)


def _copy(tables):
    return {k: v.copy() for k, v in tables.items()}


# --------------------------------------------------------------------------- (b) property test


# Each example takes a few milliseconds; raise CAPOPT_AGREEMENT_EXAMPLES for a deeper search.
AGREEMENT_EXAMPLES = int(os.environ.get("CAPOPT_AGREEMENT_EXAMPLES", "100"))


@settings(max_examples=AGREEMENT_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_package_agrees_with_reference(case):
    tables, horizon = case
    ref = reference_npv(_copy(tables), **horizon)
    pkg_case = optimizer.Case.from_tables(_copy(tables), **horizon)
    if ref is None:
        with pytest.raises(optimizer.NoPlanError) as info:
            optimizer.solve(pkg_case)
        assert info.value.status == "infeasible"
    else:
        plan = optimizer.solve(pkg_case)
        assert _close(plan.npv_usd, ref), (plan.npv_usd, ref)


# --------------------------------------------------------------------------- (c) CLI


def _cli_check(tables, horizon, folder: Path):
    yaml_path = write_case(tables, horizon, folder)
    out_dir = folder / "out"
    ref = reference_npv(_copy(tables), **horizon)
    result = CliRunner().invoke(main, ["solve", str(yaml_path), "--out", str(out_dir)])
    if ref is None:
        assert result.exit_code == 1, result.output
    else:
        assert result.exit_code == 0, (result.output, result.exception)
        summary = json.loads((out_dir / "summary.json").read_text())
        assert _close(summary["npv_usd"], ref), (summary["npv_usd"], ref)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(cases())
def test_cli_agrees_with_reference(tmp_path, case):
    tables, horizon = case
    # a fresh folder per example, so no CSV of an earlier example is left behind
    _cli_check(tables, horizon, Path(tempfile.mkdtemp(dir=tmp_path)))


def test_cli_infeasible_exit_code(tmp_path):
    _cli_check(_ai_case(ai_max=4.0), dict(start="2025-01", periods=3), tmp_path / "infeasible")


def test_cli_hand_case(tmp_path):
    _cli_check(_ai_case(penalty=100.0, passthrough=True), dict(start="2025-01", periods=3),
               tmp_path / "soft")
