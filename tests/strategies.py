"""Hypothesis strategies for small, random but sensible planning cases.

``cases()`` draws ``(tables, horizon)``: ``tables`` maps table names to
DataFrames with docs/formulation.md's column names, ``horizon`` holds the keyword
arguments ``start, periods, months_per_period, discount_rate``.
``write_case`` writes such a case as CSV inputs plus a model YAML.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import strategies as st


def _labels(start: str, periods: int, mpp: int) -> list[str]:
    y, m = (int(x) for x in start.split("-"))
    out = []
    for t in range(periods):
        k = y * 12 + (m - 1) + t * mpp
        out.append(f"{k // 12:04d}-{k % 12 + 1:02d}")
    return out


def _val(draw, lo, hi, *, ndigits=2, blank_p=False):
    """A rounded float in [lo, hi]; with ``blank_p`` True, None (blank) half the time."""
    if blank_p and draw(st.booleans()):
        return None
    return round(draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)), ndigits)


def _rare_blank(draw) -> bool:
    """True one time in four: a blank for cells that are better mostly filled."""
    return draw(st.integers(0, 3)) == 0


def _frame(rows: list[dict], optional: list[str], draw) -> pd.DataFrame:
    """DataFrame of ``rows``; each optional column is dropped now and then, so
    that an absent column (every cell takes its default) is exercised too."""
    df = pd.DataFrame(rows)
    for c in optional:
        if c in df.columns and draw(st.integers(0, 3)) == 0:
            df = df.drop(columns=c)  # column absent: every cell takes the default
    return df


@st.composite
def cases(draw, max_periods: int = 8, max_sites: int = 3, max_miners: int = 3, max_tranches: int = 3):
    """A base case (no extension).  The ``max_*`` bounds keep cases small where
    they are solved many times (the extension strategies below)."""
    # ---- horizon
    year = draw(st.sampled_from([2023, 2024, 2025, 2027, 2028]))
    month = draw(st.one_of(st.just(2), st.integers(1, 12)))  # Februaries often
    start = f"{year:04d}-{month:02d}"
    periods = draw(st.integers(2, max_periods))
    mpp = draw(st.sampled_from([1, 3]))
    rate = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.2).map(lambda x: round(x, 4))))
    labels = _labels(start, periods, mpp)
    horizon = dict(start=start, periods=periods, months_per_period=mpp, discount_rate=rate)
    # A flavour makes some decisions more likely to matter:
    #   "growth": buying ASICs pays (cheap units, good hashprice);
    #   "conversion": site S1 is full of ASICs and must build AI (with a lead
    #   time) for a hard contract, so halls are retired before the build;
    #   "spot": every site has ready AI capacity and the spot market pays.
    flavour = draw(st.sampled_from(["plain", "growth", "conversion", "spot"]))
    spot = flavour == "spot"
    growth = flavour == "growth"
    conversion = flavour == "conversion"

    # ---- miners
    n_miners = draw(st.integers(1, max_miners))
    model_names = [f"M{i + 1}" for i in range(n_miners)]
    miners = []
    for f in model_names:
        miners.append(dict(
            model=f,
            efficiency_j_per_th=_val(draw, 13, 30, ndigits=1),
            sqft_per_mw=_val(draw, 500, 2_500, ndigits=0),
            price_usd_per_th=_val(draw, 5, 12) if growth else _val(draw, 5, 25, blank_p=True),
            uptime=_val(draw, 0.85, 1.0, ndigits=3, blank_p=True),
            available_from=draw(st.one_of(st.none(), st.sampled_from(labels))),
        ))
    miners_df = _frame(miners, ["price_usd_per_th", "uptime", "available_from"], draw)

    # ---- fleet (optional)
    n_sites = draw(st.integers(1, max_sites))
    site_names = [f"S{i + 1}" for i in range(n_sites)]
    fleet = []
    if draw(st.integers(0, 3)) > 0:
        pairs = draw(st.lists(st.tuples(st.sampled_from(site_names), st.sampled_from(model_names)),
                              min_size=1, max_size=4, unique=True))
        fleet = [dict(site=s, model=f, installed_mw=_val(draw, 0, 40, ndigits=1)) for s, f in pairs]
    if conversion and not any(r["site"] == "S1" for r in fleet):
        fleet.append(dict(site="S1", model="M1", installed_mw=_val(draw, 10, 40, ndigits=1)))

    # ---- sites; floor space is drawn around what the fleet and AI already take,
    # so that it often binds (conversions must then retire ASICs first)
    sites = []
    for s in site_names:
        convert = conversion and s == "S1"
        lead = draw(st.integers(1, min(3, periods - 1)) if convert
                    else st.one_of(st.none(), st.integers(0, 3)))
        ai_installed = (_val(draw, 5, 20, ndigits=1) if spot
                        else None if convert or _rare_blank(draw)
                        else _val(draw, 0, 20, ndigits=1))
        ai_sqft = _val(draw, 3_000, 8_000, ndigits=0)
        used = sum(r["installed_mw"] * miners[model_names.index(r["model"])]["sqft_per_mw"]
                   for r in fleet if r["site"] == s)
        used = used * _val(draw, 0.6, 1.2) + (ai_installed or 0.0) * ai_sqft
        sites.append(dict(
            site=s,
            grid_mw=_val(draw, 20 if convert else 5, 100),
            floor_sqft=max(5_000.0, round(used + _val(draw, 0, 20_000 if convert else 120_000,
                                                      ndigits=0))),
            energy_price_usd_per_mwh=_val(draw, 20, 80),
            mining_pue=_val(draw, 1.0, 1.15, ndigits=3, blank_p=True),
            mining_opex_usd_per_mw_month=_val(draw, 0, 20_000, ndigits=0, blank_p=True),
            ai_pue=_val(draw, 1.1, 1.5, ndigits=3, blank_p=True),
            ai_sqft_per_mw=ai_sqft,
            ai_capex_usd_per_mw=_val(draw, 5e6, 1e7, ndigits=0),
            ai_lead_time_periods=lead,
            ai_max_mw=(None if convert or draw(st.booleans())
                       else round((ai_installed or 0.0) + _val(draw, 0, 20), 1)),
            ai_installed_mw=ai_installed,
            ai_opex_usd_per_mw_month=_val(draw, 0, 50_000, ndigits=0, blank_p=True),
        ))
    sites_df = _frame(sites, ["mining_pue", "mining_opex_usd_per_mw_month", "ai_pue",
                              "ai_lead_time_periods", "ai_max_mw", "ai_installed_mw",
                              "ai_opex_usd_per_mw_month"], draw)
    if "ai_lead_time_periods" in sites_df.columns:  # ints and blanks, written as "2" / ""
        sites_df["ai_lead_time_periods"] = pd.Series(
            [s["ai_lead_time_periods"] for s in sites], dtype=object)

    tables = {"sites": sites_df, "miners": miners_df}
    if fleet:
        tables["fleet"] = pd.DataFrame(fleet, columns=["site", "model", "installed_mw"])

    # ---- contracts (0-3 tranches; sometimes a ramp sharing one contract name)
    n_tr = draw(st.integers(1 if conversion else 0, max_tranches))
    if n_tr:
        rows = []
        for k in range(n_tr):
            first = conversion and k == 0
            site = "S1" if first else draw(st.sampled_from(site_names))
            hard = first or draw(st.integers(0, 2)) == 0  # hard one time in three
            # hard tranches mostly start once a build could be ready
            lead = sites[site_names.index(site)]["ai_lead_time_periods"] or 0
            lo = min(lead, periods - 1) if hard and (first or draw(st.integers(0, 3)) > 0) else 0
            a = draw(st.integers(lo, periods - 1))
            b = draw(st.integers(a, periods - 1))
            pass_choice = draw(st.sampled_from([None, True, False, "true", "false"]))
            rows.append(dict(
                contract=draw(st.sampled_from(["C1", f"C{k + 1}"])),
                site=site,
                start=labels[a],
                end=labels[b],
                mw=(min(_val(draw, 1, 15, ndigits=1),  # fits the hall once converted
                        math.floor(9 * sites[0]["floor_sqft"] / sites[0]["ai_sqft_per_mw"]) / 10)
                    if first else _val(draw, 0, 15, ndigits=1)),
                price_usd_per_kw_month=_val(draw, 80, 200),
                shortfall_penalty_usd_per_kw_month=None if hard else _val(draw, 0, 300),
                power_passthrough=pass_choice,
            ))
        contracts_df = _frame(rows, ["shortfall_penalty_usd_per_kw_month", "power_passthrough"], draw)
        if "power_passthrough" in contracts_df.columns:
            contracts_df["power_passthrough"] = pd.Series(
                [r["power_passthrough"] for r in rows], dtype=object)
        tables["contracts"] = contracts_df

    # ---- periods
    has_budget = draw(st.booleans())
    prow = []
    for lab in labels:
        row = dict(period=lab, hashprice_usd_per_ph_day=_val(draw, 50 if growth else 20, 80))
        if has_budget:
            # mostly a number, sometimes blank (= no limit from that period on)
            row["capex_budget_usd"] = (None if draw(st.integers(0, 4)) == 0
                                       else _val(draw, 0, 3e7, ndigits=0))
        if spot:
            row["ai_spot_price_usd_per_kw_month"] = _val(draw, 100, 220)
            row["ai_spot_max_mw"] = _val(draw, 0, 30, ndigits=1)
        else:
            row["ai_spot_price_usd_per_kw_month"] = None if _rare_blank(draw) else _val(draw, 0, 220)
            row["ai_spot_max_mw"] = None if _rare_blank(draw) else _val(draw, 0, 30, ndigits=1)
        prow.append(row)
    tables["periods"] = _frame(prow, ["ai_spot_price_usd_per_kw_month", "ai_spot_max_mw"], draw)

    # ---- site_periods (optional, sparse overrides)
    if draw(st.booleans()):
        keys = draw(st.lists(st.tuples(st.sampled_from(labels), st.sampled_from(site_names)),
                             min_size=1, max_size=6, unique=True))
        tables["site_periods"] = pd.DataFrame(
            [dict(period=p, site=s,
                  grid_mw=_val(draw, 5, 100, blank_p=True),
                  energy_price_usd_per_mwh=_val(draw, 20, 80, blank_p=True)) for p, s in keys],
            columns=["period", "site", "grid_mw", "energy_price_usd_per_mwh"])

    return tables, horizon


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans written as lowercase true/false; blanks as empty cells."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:  # keeps ints as "2", bools as "true"/"false"
            out[c] = pd.Series(
                [("true" if v else "false") if isinstance(v, bool) else v for v in out[c]],
                index=out.index, dtype=object)
    return out


def write_case(tables: dict[str, pd.DataFrame], horizon: dict, folder) -> Path:
    """Write ``tables`` as CSVs into ``folder/inputs/`` and a model YAML
    ``folder/case.yaml``; return the YAML path."""
    folder = Path(folder)
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        _csv_ready(df).to_csv(inputs / f"{name}.csv", index=False)
    spec = {
        "name": "generated",
        "inputs": "inputs",
        "start": str(horizon["start"]),
        "periods": int(horizon["periods"]),
        "months_per_period": int(horizon.get("months_per_period", 1)),
        "discount_rate": float(horizon.get("discount_rate", 0.0)),
        "solver": {"name": "highs"},
    }
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


# --------------------------------------------------------------------------- extensions (MODEL.md A, B, C)
#
# ``extended_cases`` draws ``(tables, options)``: ``options`` holds the horizon
# keywords plus, where drawn, ``halving_months`` and ``scenarios`` (the model
# file's mapping), i.e. the keyword arguments of ``optimizer.Case.from_tables``
# and of ``reference_lp.reference_solve`` alike.


def _month_label(k: int) -> str:
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _add_blocks_lots_options(draw, tables: dict) -> None:
    """A: whole AI halls per site, ASIC lots per model, optional contracts."""
    sites = tables["sites"].copy()
    # sizes that are often coarser than what a case needs, so rounding matters
    size = st.one_of(st.sampled_from([1.0, 2.5, 4.0, 5.0, 10.0]),
                     st.floats(0.5, 10.0).map(lambda x: round(x, 1)))
    sites["ai_block_mw"] = pd.Series(
        [draw(size) if draw(st.booleans()) else None for _ in range(len(sites))], dtype=object)
    tables["sites"] = sites
    miners = tables["miners"].copy()
    miners["lot_mw"] = pd.Series(
        [round(draw(st.floats(0.2, 5.0)), 1) if draw(st.booleans()) else None
         for _ in range(len(miners))], dtype=object)
    tables["miners"] = miners
    if "contracts" in tables:
        contracts = tables["contracts"].copy()
        # one choice per contract name (rows of one contract agree), in any spelling
        choice = {name: draw(st.sampled_from([True, True, False, None, "true", "false"]))
                  for name in contracts["contract"].unique()}
        contracts["optional"] = pd.Series([choice[n] for n in contracts["contract"]], dtype=object)
        tables["contracts"] = contracts


def _fundamentals(draw) -> dict:
    row = dict(btc_price_usd=_val(draw, 40_000, 120_000, ndigits=0),
               network_hashrate_eh_s=_val(draw, 500, 1_200, ndigits=1))
    if draw(st.booleans()):
        row["fees_btc_per_block"] = _val(draw, 0, 0.6, ndigits=3)
    return row


def _add_fundamentals(draw, tables: dict, labels: list[str]) -> list[str] | None:
    """B: fundamentals on some periods rows, mostly with a blank hashprice; returns
    the drawn ``halving_months`` (None = the default schedule)."""
    periods = tables["periods"].copy()
    for col in ("btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block", "block_subsidy_btc"):
        periods[col] = pd.Series([None] * len(periods), dtype=object)
    periods["hashprice_usd_per_ph_day"] = periods["hashprice_usd_per_ph_day"].astype(object)
    chosen = draw(st.lists(st.integers(0, len(periods) - 1), min_size=1, unique=True))
    for t in chosen:
        for col, v in _fundamentals(draw).items():
            periods.at[t, col] = v
        if draw(st.integers(0, 5)) == 0:  # an explicit subsidy now and then
            periods.at[t, "block_subsidy_btc"] = _val(draw, 0.5, 6.25, ndigits=4)
        if draw(st.integers(0, 3)) > 0:  # hashprice blank: derived (else given wins)
            periods.at[t, "hashprice_usd_per_ph_day"] = None
    for col in ("fees_btc_per_block", "block_subsidy_btc"):
        if periods[col].isna().all() and draw(st.booleans()):
            periods = periods.drop(columns=col)
    if periods["hashprice_usd_per_ph_day"].isna().all() and draw(st.booleans()):
        periods = periods.drop(columns="hashprice_usd_per_ph_day")
    tables["periods"] = periods
    kind = draw(st.sampled_from(["default", "default", "none", "list", "list"]))
    if kind == "default":
        return None
    if kind == "none":
        return []  # no halving after 2024-05 (READING R1 in reference_lp)
    first, last = _month_index_of(labels[0]), _month_index_of(labels[-1]) + 3
    lo = max(first - 6, 2024 * 12 + 5)  # after 2024-05 (the product refuses 2024-05 itself)
    months = draw(st.lists(st.integers(lo, max(lo, last)), min_size=1, max_size=3, unique=True))
    return [_month_label(k) for k in sorted(months)]


def _month_index_of(label: str) -> int:
    y, m = (int(x) for x in label.split("-"))
    return y * 12 + m - 1


def _add_scenarios(draw, tables: dict, labels: list[str], mpp: int = 1) -> dict | None:
    """C: 2-4 scenarios with scenario_periods rows; returns the model file's
    ``scenarios:`` mapping (None: key absent, READING R4 in reference_lp)."""
    n = draw(st.integers(2, 4))
    names = [f"W{k + 1}" for k in range(n)]
    cuts = sorted(draw(st.lists(st.integers(1, 19), min_size=n - 1, max_size=n - 1, unique=True)))
    parts = [b - a for a, b in zip([0] + cuts, cuts + [20])]
    tables["scenarios"] = pd.DataFrame(dict(scenario=names, probability=[k / 20 for k in parts]))
    periods = tables["periods"]
    # "hedge": every scenario row sets the spot market, open wide in some scenarios
    # and shut in others, so what is committed before the market is known matters
    # (the mean-value plan then differs from the stochastic one: VSS > 0)
    hedge = draw(st.booleans())
    if hedge:  # AI capex of the order of the spot revenue over the horizon: a close call
        sites = tables["sites"].copy()
        k = draw(st.sampled_from([0.1, 0.2, 0.35, 0.5]))
        sites["ai_capex_usd_per_mw"] = round(k * 185_000 * mpp * len(labels))
        tables["sites"] = sites
    rows = []
    for w in names:
        for t, lab in enumerate(labels):
            if not hedge and draw(st.integers(0, 2)) == 0:
                continue  # a missing row takes the periods table's values
            row = dict(scenario=w, period=lab)
            kind = draw(st.sampled_from(["none", "hashprice", "fundamentals"]))
            if kind == "hashprice":
                row["hashprice_usd_per_ph_day"] = _val(draw, 10, 100)
            elif kind == "fundamentals":
                have = all(c in periods.columns and not pd.isna(periods.iloc[t][c])
                           for c in ("btc_price_usd", "network_hashrate_eh_s"))
                fund = _fundamentals(draw)
                if have:  # any non-empty subset: the rest comes from the periods row
                    keep = draw(st.lists(st.sampled_from(sorted(fund)), min_size=1, unique=True))
                    fund = {k: fund[k] for k in keep}
                row.update(fund)
            if hedge:
                row["ai_spot_price_usd_per_kw_month"] = _val(draw, 120, 250)
                row["ai_spot_max_mw"] = draw(st.sampled_from([0.0, 0.0, 5.0, 12.5, 30.0]))
            else:
                row["ai_spot_price_usd_per_kw_month"] = _val(draw, 0, 250, blank_p=True)
                row["ai_spot_max_mw"] = _val(draw, 0, 30, ndigits=1, blank_p=True)
            row["energy_price_factor"] = _val(draw, 0.5, 1.6, ndigits=3, blank_p=True)
            rows.append(row)
    cols = ["scenario", "period", "hashprice_usd_per_ph_day", "btc_price_usd", "network_hashrate_eh_s",
            "fees_btc_per_block", "ai_spot_price_usd_per_kw_month", "ai_spot_max_mw", "energy_price_factor"]
    if rows or draw(st.booleans()):
        sp = pd.DataFrame(rows, columns=cols)
        for c in cols[2:]:
            if sp[c].isna().all() and draw(st.booleans()):
                sp = sp.drop(columns=c)
        tables["scenario_periods"] = sp
    if draw(st.integers(0, 7)) == 0:
        return None
    spec = {}
    if hedge and draw(st.booleans()):
        spec["commit_through"] = labels[-1]  # two stages: all investment now
    elif draw(st.integers(0, 2)) > 0:
        spec["commit_through"] = draw(st.sampled_from(labels))
    if draw(st.integers(0, 2)) > 0:
        risk = {}
        alpha = draw(st.sampled_from([None, 0.0, 0.5, 0.9, "draw"]))
        if alpha == "draw":
            alpha = round(draw(st.floats(0.0, 0.95)), 2)
        if alpha is not None:
            risk["cvar_alpha"] = alpha
        weight = draw(st.sampled_from([None, 0.0, 1.0, "draw"]))
        if weight == "draw":
            weight = round(draw(st.floats(0.0, 1.0)), 2)
        if weight is not None:
            risk["weight"] = weight
        spec["risk"] = risk
    return spec


@st.composite
def extended_cases(draw, scenarios: bool = False, max_periods: int | None = None):
    """A small random case with extensions switched on: whole halls, lots and
    optional contracts (A) and fundamentals (B) — at least one of them unless
    ``scenarios`` — and with ``scenarios`` 2-4 scenarios (C)."""
    max_periods = max_periods or (4 if scenarios else 6)
    tables, horizon = draw(cases(max_periods=max_periods, max_sites=2, max_miners=2,
                                 max_tranches=3 if not scenarios else 2))
    labels = _labels(horizon["start"], horizon["periods"], horizon["months_per_period"])
    a, b = draw(st.sampled_from([(True, False), (False, True), (True, True)]
                                + ([(False, False)] if scenarios else [])))
    options = dict(horizon)
    if draw(st.booleans()):
        # cheap AI halls: builds for the spot market pay within a short horizon, so
        # whole halls and scenario-dependent spot markets shape the plan
        sites = tables["sites"].copy()
        sites["ai_capex_usd_per_mw"] = (sites["ai_capex_usd_per_mw"]
                                        / draw(st.sampled_from([10, 20, 40]))).round(0)
        tables["sites"] = sites
    if a:
        _add_blocks_lots_options(draw, tables)
    if b:
        options["halving_months"] = _add_fundamentals(draw, tables, labels)
        if options["halving_months"] is None:
            del options["halving_months"]
    if scenarios:
        spec = _add_scenarios(draw, tables, labels, horizon["months_per_period"])
        if spec is not None:
            options["scenarios"] = spec
    return tables, options
