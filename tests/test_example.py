"""The example of models/ solves, and the statements docs/example-data.md makes about it hold."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.fundamentals import hashprice_usd_per_ph_day, month_number, subsidy_btc_per_block
from optimizer.futures.generate import generate_scenarios
from optimizer.futures.settings import read_generation_settings
from optimizer.futures.simulate import generate_paths
from optimizer.horizon import Horizon
from optimizer.studies import explain_contracts

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))
MONTHLY = ("terawulf", "terawulf-terminal")
DETERMINISTIC = ("terawulf", "terawulf-terminal", "terawulf-quarterly")

# The base path (docs/example-data.md, "The base path"): the generator's defaults, 1,000 paths, seed 1, from the
# late-2025 / early-2026 levels of the shipped history.
SEED, N_PATHS = 1, 1000
START_BTC_PRICE_USD, START_HASHRATE_EH_S = 85508.09, 1067.73
HALVINGS = [month_number(2028, 4), month_number(2032, 4), month_number(2036, 4)]


@cache
def case(name: str) -> optimizer.Case:
    return optimizer.load(ROOT / "models" / f"{name}.yaml")


@cache
def plan(name: str):
    return optimizer.solve(case(name))


def summary(name: str) -> dict:
    """The plan's summary as summary.json holds it."""
    return plan(name).summary.to_json()


@pytest.mark.parametrize("model_file", MODELS, ids=lambda p: p.stem)
def test_example_solves(model_file):
    assert not case(model_file.stem).warnings
    solved = plan(model_file.stem)
    assert solved.status == "optimal"
    if model_file.stem in DETERMINISTIC:
        assert solved.period_totals["discounted_cash_flow_usd"].sum() == pytest.approx(
            summary(model_file.stem)["npv_of_cash_flows_usd"], rel=1e-12)


@pytest.mark.parametrize("name", MONTHLY)
def test_ai_revenue_overtakes_mining_in_a_short_month_and_for_good_from_2027_07(name):
    """February 2027 (28 days of mining against a month of rent), mining again in March to June, AI from July on."""
    totals = plan(name).period_totals.set_index("period")
    ahead = totals["ai_revenue_usd"] > totals["mining_revenue_usd"]
    assert plan(name).crossover_period == "2027-02"
    assert not ahead[["2027-01", "2027-03", "2027-04", "2027-05", "2027-06"]].any()
    assert ahead.loc["2027-07":].all()


def test_quarterly_crossover():
    assert plan("terawulf-quarterly").crossover_period == "2027-07"


def _mean_path(horizon: Horizon) -> pd.DataFrame:
    settings, problems = read_generation_settings({}, "models/terawulf.yaml")
    assert not problems
    paths = generate_paths(horizon, settings, N_PATHS, SEED, HALVINGS, START_BTC_PRICE_USD, START_HASHRATE_EH_S)
    price = paths.btc_price_usd.mean(axis=0)
    hashprice = paths.hashprice_usd_per_ph_day.mean(axis=0)
    fees = paths.fees_btc_per_block.mean(axis=0)
    hashrate = 144.0 * (paths.block_subsidy_btc + fees) * price / (1000.0 * hashprice)
    return pd.DataFrame({"btc_price_usd": price, "network_hashrate_eh_s": hashrate, "fees_btc_per_block": fees,
                         "hashprice_usd_per_ph_day": hashprice}, index=horizon.labels)


@pytest.mark.parametrize("folder, horizon", [("terawulf", Horizon("2027-01", 48, 1, 0.10)),
                                             ("terawulf-quarterly", Horizon("2027-01", 16, 3, 0.10))])
def test_periods_are_the_generators_mean_path(folder, horizon):
    """periods.csv holds the call of docs/example-data.md, rounded to cents and 0.001 EH/s, and no hashprice."""
    table = pd.read_csv(ROOT / "inputs" / folder / "periods.csv").set_index("period")
    expected = _mean_path(horizon)
    assert table["hashprice_usd_per_ph_day"].isna().all()
    assert list(table.index) == list(expected.index)
    np.testing.assert_allclose(table["btc_price_usd"], expected["btc_price_usd"], atol=0.005)
    np.testing.assert_allclose(table["network_hashrate_eh_s"], expected["network_hashrate_eh_s"], atol=0.0005)
    np.testing.assert_allclose(table["fees_btc_per_block"], expected["fees_btc_per_block"], atol=1e-9)


@pytest.mark.parametrize("name", ("terawulf", "terawulf-quarterly"))
def test_hashprice_is_derived_starts_near_36_and_halves_at_the_2028_halving(name):
    totals = plan(name).period_totals.set_index("period")
    hashprice = totals["hashprice_usd_per_ph_day"]
    assert (totals["hashprice_source"] == "derived").all()
    assert 35.0 <= hashprice.iloc[0] <= 38.0
    assert hashprice.loc["2028-04"] / hashprice.loc["2028-01":"2028-03"].iloc[-1] == pytest.approx(0.5, abs=0.01)
    assert hashprice.loc["2028-04"] == hashprice.min()


def test_start_levels_are_the_last_three_months_of_the_shipped_history():
    history = pd.read_csv(ROOT / "optimizer" / "futures" / "data" / "btc_monthly.csv").set_index("month")
    last = history.loc["2025-11":"2026-01"]
    assert list(last.index) == ["2025-11", "2025-12", "2026-01"]
    assert last["btc_close_usd"].mean() == pytest.approx(START_BTC_PRICE_USD, abs=0.005)
    assert last["network_hashrate_eh_s"].mean() == pytest.approx(START_HASHRATE_EH_S, abs=0.005)


def test_terminal_value_builds_the_long_lease_hall():
    """With the option on the last Fluidstack tranche is built instead of paying its penalty every month."""
    started = {name: plan(name).site_plan.query("site == 'lake_mariner'")["ai_started_mw"].sum()
               for name in MONTHLY}
    assert started["terawulf-terminal"] == pytest.approx(started["terawulf"] + 80.0)
    short = {name: plan(name).contract_periods["short_mw"].sum() for name in MONTHLY}
    assert short["terawulf"] == pytest.approx(80.0 * 33)
    assert short["terawulf-terminal"] < short["terawulf"]


JV_SHARE = 0.501  # TeraWulf's share of the Abernathy JV (10-Q Q3-2025, 8-K of 29 Dec 2025)


@pytest.mark.parametrize("folder", ("terawulf", "terawulf-quarterly"))
def test_abernathy_is_terawulfs_share_of_the_jv(folder):
    sites = pd.read_csv(ROOT / "inputs" / folder / "sites.csv").set_index("site").loc["abernathy"]
    assert sites["grid_mw"] == pytest.approx(240 * JV_SHARE)
    assert sites["ai_max_mw"] == pytest.approx(168 * JV_SHARE)
    assert sites["floor_sqft"] == pytest.approx(900_000 * JV_SHARE)
    contracts = pd.read_csv(ROOT / "inputs" / folder / "contracts.csv")
    halls = contracts.query("contract == 'fluidstack_abernathy'")["mw"].unique()
    assert list(halls) == [pytest.approx(84 * JV_SHARE)]


@pytest.mark.parametrize("folder", ("terawulf", "terawulf-quarterly"))
@pytest.mark.parametrize("contract, first_rent, years, mw, value", [
    ("fluidstack_lm", "2027-07", 10, 200_000, 3.7e9), ("fluidstack_abernathy", "2027-07", 25, 168_000, 9.5e9)])
def test_escalating_leases_start_at_the_year_1_rent(folder, contract, first_rent, years, mw, value):
    """The year-1 rent, escalated 3% on each anniversary of the first rent, adds up to the contract value; every
    row's price is the rent of the lease year it lies in."""
    rows = pd.read_csv(ROOT / "inputs" / folder / "contracts.csv").query("contract == @contract")
    first = month_number(int(first_rent[:4]), int(first_rent[5:]))
    lease_year = rows["start"].map(lambda p: (month_number(int(p[:4]), int(p[5:])) - first) // 12)
    ends_in = rows["end"].map(lambda p: (month_number(int(p[:4]), int(p[5:])) - first) // 12)
    assert (ends_in == lease_year).all()  # no row spans an anniversary
    year_1 = rows["price_usd_per_kw_month"][lease_year == 0].unique()
    assert len(year_1) == 1
    assert sum(year_1[0] * 1.03 ** k for k in range(years)) * 12 * mw == pytest.approx(value, rel=1e-4)
    np.testing.assert_allclose(rows["price_usd_per_kw_month"], (year_1[0] * 1.03 ** lease_year).round(2), atol=0.011)


def _halls(name: str) -> list[tuple[str, str, int]]:
    return [(h["site"], h["period"], h["halls"]) for h in summary(name)["ai_halls_started"]]


@pytest.mark.parametrize("name", DETERMINISTIC + ("terawulf-scenarios",))
def test_the_example_milp_is_proven_optimal(name):
    assert summary(name)["mip_gap"] <= 1e-4


@pytest.mark.parametrize("name", ("terawulf", "terawulf-quarterly"))
def test_whole_halls_start_when_the_docs_say(name):
    """Two 40 MW Lake Mariner halls at once for the 80 MW tranche of 2027-10; the Abernathy halls in 2027-01 and
    2027-07 for their tranches of 2027-07 and 2028-01; nothing for the last Fluidstack tranche."""
    assert _halls(name) == [("lake_mariner", "2027-01", 2), ("abernathy", "2027-01", 1), ("abernathy", "2027-07", 1)]
    assert [h["hall_mw"] for h in summary(name)["ai_halls_started"]] == [40.0, 84 * JV_SHARE, 84 * JV_SHARE]


def test_with_terminal_value_the_last_fluidstack_halls_follow_the_budget():
    """One hall in 2027-07 (ready for 2028-04), the other in 2027-10 when the budget allows: 40 MW short for
    three months."""
    assert _halls("terawulf-terminal") == [("lake_mariner", "2027-01", 2), ("lake_mariner", "2027-07", 1),
                                           ("lake_mariner", "2027-10", 1), ("abernathy", "2027-01", 1),
                                           ("abernathy", "2027-07", 1)]
    short = plan("terawulf-terminal").contract_periods.query("short_mw > 1e-6")
    assert set(short["contract"]) == {"fluidstack_lm"}
    assert list(short["period"]) == ["2028-04", "2028-05", "2028-06"]
    assert short["short_mw"].tolist() == pytest.approx([40.0] * 3)


@pytest.mark.parametrize("name, lost_musd", [("terawulf", 315.4), ("terawulf-terminal", 143.7),
                                             ("terawulf-quarterly", 309.1)])
def test_go_no_go_do_not_sign_the_core42_expansion(name, lost_musd):
    """The one optional contract is not signed, and signing it would cost what the docs say (M USD, 0.1)."""
    assert summary(name)["optional_contracts"] == [{"contract": "core42_expansion", "signed": False,
                                                  "share_signed": 0.0}]
    [decision] = explain_contracts(case(name), summary(name)["objective_usd"], {"core42_expansion": False})
    assert decision.flipped_status == "optimal"
    assert decision.npv_added_usd / 1e6 == pytest.approx(-lost_musd, abs=0.05)


# ---- the scenario example (models/terawulf-scenarios.yaml) ----------------------------------------------------

SCENARIOS = ROOT / "inputs" / "terawulf-scenarios"


def test_scenario_tables_are_what_capopt_scenarios_writes_with_seed_1():
    """`capopt scenarios models/terawulf.yaml --paths 1000 --keep 10 --seed 1`: the generator at its defaults from the
    first period's price and hashrate, the default halvings; scenarios.csv keeps the columns of MODEL.md C."""
    settings, problems = read_generation_settings({}, "models/terawulf.yaml")
    assert not problems
    first = pd.read_csv(ROOT / "inputs" / "terawulf" / "periods.csv").iloc[0]
    _, reduced = generate_scenarios(Horizon("2027-01", 48, 1, 0.10), settings, N_PATHS, 10, SEED, HALVINGS,
                                    float(first["btc_price_usd"]), float(first["network_hashrate_eh_s"]))
    assert (SCENARIOS / "scenarios.csv").read_text() == reduced.scenarios[["scenario", "probability"]].to_csv(
        index=False, lineterminator="\n")
    assert (SCENARIOS / "scenario_periods.csv").read_text() == reduced.scenario_periods.to_csv(
        index=False, lineterminator="\n")


def test_scenario_case_is_the_monthly_tables_plus_scenarios():
    for name in ("sites", "miners", "fleet", "contracts", "periods", "site_periods"):
        assert (SCENARIOS / f"{name}.csv").read_bytes() == (ROOT / "inputs" / "terawulf" / f"{name}.csv").read_bytes()


def test_the_monthly_path_is_the_scenarios_mean_so_terawulf_terminal_is_the_mean_value_problem():
    """The probability-weighted mean hashprice of the scenarios is the periods' derived hashprice (to the rounding of
    the table); the scenario model has terawulf-terminal's options, so that plan is its mean-value problem."""
    scenarios = pd.read_csv(SCENARIOS / "scenarios.csv").set_index("scenario")["probability"]
    rows = pd.read_csv(SCENARIOS / "scenario_periods.csv")
    months = rows["period"].map(lambda p: month_number(int(p[:4]), int(p[5:])))
    rows["hashprice"] = hashprice_usd_per_ph_day(rows["btc_price_usd"], rows["network_hashrate_eh_s"],
                                                 subsidy_btc_per_block(months, HALVINGS), rows["fees_btc_per_block"])
    mean = (rows["hashprice"] * rows["scenario"].map(scenarios)).groupby(rows["period"]).sum()
    derived = plan("terawulf-terminal").period_totals.set_index("period")["hashprice_usd_per_ph_day"]
    np.testing.assert_allclose(mean.loc[derived.index], derived, rtol=1e-6)
    assert case("terawulf-scenarios").options == case("terawulf-terminal").options
    assert case("terawulf-scenarios").horizon == case("terawulf-terminal").horizon


def test_what_to_commit_in_2027():
    """The halls (the last Fluidstack tranche's two as in terawulf-terminal), 10.5 MW of S21 XP at Abernathy, no
    Core42 expansion, and nothing else: no ASICs at Cayuga and no retirements, which the mean-path plan commits."""
    committed = plan("terawulf-scenarios").tables()["committed"]
    builds = committed.query("decision == 'start AI build'")
    assert list(zip(builds["site"], builds["period"], builds["whole_units"])) == [
        ("lake_mariner", "2027-01", 2), ("lake_mariner", "2027-07", 1), ("lake_mariner", "2027-10", 1),
        ("abernathy", "2027-01", 1), ("abernathy", "2027-07", 1)]
    asics = committed.query("decision == 'buy ASICs'")
    assert set(asics["site"]) == {"abernathy"} and set(asics["model"]) == {"S21_XP"}
    assert asics["mw"].sum() == pytest.approx(10.5166, abs=1e-3)
    assert set(committed["decision"]) == {"start AI build", "buy ASICs", "do not sign contract"}
    assert summary("terawulf-scenarios")["optional_contracts"] == [{"contract": "core42_expansion", "signed": False,
                                                  "share_signed": 0.0}]
    # the mean-value plan (terawulf-terminal) does commit more in 2027: S21 XP at Cayuga and S19j Pro retired
    mean_path = plan("terawulf-terminal").miner_periods.query("period <= '2027-12'")
    assert mean_path.query("site == 'cayuga'")["bought_mw"].sum() == pytest.approx(39.11, abs=0.01)
    assert mean_path.query("model == 'S19j_Pro'")["retired_mw"].sum() == pytest.approx(30.0)


def test_npv_distribution():
    s = summary("terawulf-scenarios")
    npv = pd.Series(s["npv_by_scenario_usd"]) / 1e6
    assert s["expected_npv_usd"] / 1e6 == pytest.approx(308.4, abs=0.05)
    assert s["cvar_usd"] / 1e6 == pytest.approx(176.2, abs=0.05)
    assert npv.idxmin() == "s01_low" and npv.min() == pytest.approx(172.2, abs=0.05)
    assert npv.idxmax() == "s10_high" and npv.max() == pytest.approx(1040.3, abs=0.05)
    assert (npv > 0).all()


def test_value_of_information():
    voi = optimizer.value_of_information(case("terawulf-scenarios"))
    assert voi.expected_npv_usd == pytest.approx(summary("terawulf-scenarios")["expected_npv_usd"], rel=1e-9)
    assert voi.evpi_usd / 1e6 == pytest.approx(12.5, abs=0.05)
    assert voi.vss_usd / 1e6 == pytest.approx(6.6, abs=0.05)


@pytest.mark.parametrize("name, npv_musd, terminal_musd", [("terawulf", -777.6, 0.0),
                                                           ("terawulf-terminal", 243.6, 1140.3),
                                                           ("terawulf-quarterly", -773.1, 0.0)])
def test_npvs_the_docs_quote(name, npv_musd, terminal_musd):
    assert plan(name).npv_usd / 1e6 == pytest.approx(npv_musd, abs=0.05)
    assert summary(name)["terminal_value"]["present_value_usd"] / 1e6 == pytest.approx(terminal_musd, abs=0.05)


def test_asics_of_the_mean_path_plan():
    """S19j Pro retired at once, S19 XP at the halving, S21 XP bought when it can first be bought (2027-07)."""
    miners = plan("terawulf").miner_periods
    retired = miners.query("retired_mw > 1e-6").groupby(["model", "period"])["retired_mw"].sum()
    assert retired.to_dict() == pytest.approx({("S19j_Pro", "2027-01"): 30.0, ("S19_XP", "2028-04"): 86.0})
    bought = miners.query("bought_mw > 1e-6").groupby(["site", "model", "period"])["bought_mw"].sum()
    assert bought.to_dict() == pytest.approx({("abernathy", "S21_XP", "2027-07"): 10.5166,
                                              ("cayuga", "S21_XP", "2027-07"): 39.1108,
                                              ("lake_mariner", "S21_XP", "2027-07"): 30.6181}, abs=1e-3)


def test_high_scenarios_buy_after_2027_and_low_ones_retire():
    """What the scenario plan leaves open: s09 and s10 buy about 180 MW of S21 XP in 2028-01; the four lowest
    scenarios retire (nearly) their whole fleet in 2028-01."""
    miners = plan("terawulf-scenarios").tables()["miner_periods"]
    bought = miners.query("period == '2028-01'").groupby("scenario")["bought_mw"].sum()
    assert bought[["s09_high", "s10_high"]].tolist() == pytest.approx([182.0, 182.0], abs=0.1)
    retired = miners.query("period == '2028-01'").groupby("scenario")["retired_mw"].sum()
    assert (retired[["s01_low", "s02_low", "s03_low", "s04_mid_low"]] >= 186.0 - 1e-6).all()


@pytest.mark.parametrize("name", MONTHLY)
def test_the_readme_quotes_the_example_npv_to_the_dollar(name):
    shown = f"{plan(name).npv_usd:,.0f} USD".replace("-", "\u2212")
    assert shown in (ROOT / "README.md").read_text(), shown


def test_the_readme_quotes_the_scenario_figures():
    """Expected NPV, CVaR and the cost of whole halls of the scenario case, as the README rounds them."""
    text = (ROOT / "README.md").read_text()
    s = summary("terawulf-scenarios")
    assert f"expected NPV {s['expected_npv_usd'] / 1e6:,.1f} M USD" in text
    assert f"{s['cvar_usd'] / 1e6:,.1f} M USD" in text
    cost = s["lp_relaxation_objective_usd"] - s["objective_usd"]
    assert f"whole decisions cost {cost:,.0f}" in text.replace("\n  ", " ")
