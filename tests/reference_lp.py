"""Independent reference implementation of the LP in docs/formulation.md.

Written from docs/formulation.md alone (it does not import the ``optimizer`` package) so
that the two can be cross-checked.  It builds the linear program as a sparse
matrix and solves it with ``scipy.optimize.linprog(method="highs")``.

Variables are indexed densely; the test cases are small.
"""

from __future__ import annotations

import calendar
import math

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

# --------------------------------------------------------------------------- helpers


def _blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _num(v, default=None):
    """A number, or ``default`` for a blank cell (error if required)."""
    if _blank(v):
        if default is None:
            raise ValueError("required value is blank")
        return default
    return float(v)


def _get(row: dict, col: str, default=None):
    return _num(row.get(col), default)


def _bool(v) -> bool:
    if _blank(v):
        return False
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "1", "yes"):
            return True
        if s in ("false", "0", "no"):
            return False
        raise ValueError(f"not a boolean: {v!r}")
    return bool(v)


def _rows(df: pd.DataFrame | None) -> list[dict]:
    if df is None:
        return []
    return df.to_dict("records")


def _month_add(year: int, month: int, k: int) -> tuple[int, int]:
    m0 = year * 12 + (month - 1) + k
    return m0 // 12, m0 % 12 + 1


class ReferenceInputError(ValueError):
    """The inputs break a rule of MODEL.md (the product must raise InputError)."""


def _horizon(start: str, T: int, mpp: int, r: float):
    """(labels, days and hours per period, discount factor per period, a function from a period label to its
    index)."""
    y0, m0 = (int(x) for x in start.split("-"))
    labels, days = [], []
    for t in range(T):
        y, m = _month_add(y0, m0, t * mpp)
        labels.append(f"{y:04d}-{m:02d}")
        days.append(sum(calendar.monthrange(*_month_add(y, m, k))[1] for k in range(mpp)))
    hours = [24 * d for d in days]
    df = [(1 + r) ** (-(t * mpp) / 12) for t in range(T)]
    tidx = {lab: t for t, lab in enumerate(labels)}

    def period(v) -> int:
        lab = str(v).strip()
        if lab not in tidx:
            raise ReferenceInputError(f"period {lab!r} is not a period start of the horizon")
        return tidx[lab]

    return labels, days, hours, df, period


def _grid_and_energy(tables, sites: list[dict], T: int, period) -> tuple[np.ndarray, np.ndarray]:
    """[S, T] grid MW and energy price: the sites' values, overridden by site_periods."""
    si = {str(s["site"]): i for i, s in enumerate(sites)}
    grid = np.array([[_get(s, "grid_mw")] * T for s in sites], dtype=float)
    eprice = np.array([[_get(s, "energy_price_usd_per_mwh")] * T for s in sites], dtype=float)
    for row in _rows(tables.get("site_periods")):
        i, t = si[str(row["site"])], period(row["period"])
        if not _blank(row.get("grid_mw")):
            grid[i, t] = float(row["grid_mw"])
        if not _blank(row.get("energy_price_usd_per_mwh")):
            eprice[i, t] = float(row["energy_price_usd_per_mwh"])
    return grid, eprice


# --------------------------------------------------------------------------- model


def reference_npv(
    tables: dict[str, pd.DataFrame],
    *,
    start: str,
    periods: int,
    months_per_period: int = 1,
    discount_rate: float = 0.0,
) -> float | None:
    """Optimal NPV of docs/formulation.md's LP, or ``None`` when the LP is infeasible."""
    T = int(periods)
    mpp = int(months_per_period)
    r = float(discount_rate)

    labels, days, hours, df, period = _horizon(start, T, mpp, r)

    # ---- inputs
    sites = _rows(tables["sites"])
    miners = _rows(tables["miners"])
    S = [str(s["site"]) for s in sites]
    F = [str(f["model"]) for f in miners]
    si = {s: i for i, s in enumerate(S)}
    fi = {f: i for i, f in enumerate(F)}
    grid, eprice = _grid_and_energy(tables, sites, T, period)

    floor = [_get(s, "floor_sqft") for s in sites]
    m_pue = [_get(s, "mining_pue", 1.0) for s in sites]
    m_opex = [_get(s, "mining_opex_usd_per_mw_month", 0.0) for s in sites]
    a_pue = [_get(s, "ai_pue", 1.0) for s in sites]
    a_sqft = [_get(s, "ai_sqft_per_mw") for s in sites]
    a_capex = [_get(s, "ai_capex_usd_per_mw") for s in sites]
    lead = [int(round(_get(s, "ai_lead_time_periods", 0.0))) for s in sites]
    a_max = [_get(s, "ai_max_mw", math.inf) for s in sites]
    a_inst = [_get(s, "ai_installed_mw", 0.0) for s in sites]
    a_opex = [_get(s, "ai_opex_usd_per_mw_month", 0.0) for s in sites]

    eff = [_get(f, "efficiency_j_per_th") for f in miners]
    f_sqft = [_get(f, "sqft_per_mw") for f in miners]
    price_th = [None if _blank(f.get("price_usd_per_th")) else float(f["price_usd_per_th"]) for f in miners]
    uptime = [_get(f, "uptime", 1.0) for f in miners]
    avail = [0 if _blank(f.get("available_from")) else period(f["available_from"]) for f in miners]
    unit_cost = [None if p is None else p * 1e6 / e for p, e in zip(price_th, eff)]  # USD per IT MW

    fleet0 = np.zeros((len(S), len(F)))
    for row in _rows(tables.get("fleet")):
        fleet0[si[str(row["site"])], fi[str(row["model"])]] += _get(row, "installed_mw", 0.0)

    tranches = []
    for row in _rows(tables.get("contracts")):
        a, b = period(row["start"]), period(row["end"])
        pen = row.get("shortfall_penalty_usd_per_kw_month")
        tranches.append(dict(
            site=si[str(row["site"])],
            active=list(range(a, b + 1)),
            mw=_get(row, "mw"),
            price=_get(row, "price_usd_per_kw_month"),
            penalty=None if _blank(pen) else float(pen),
            passthrough=_bool(row.get("power_passthrough")),
        ))

    prow = {period(row["period"]): row for row in _rows(tables["periods"])}
    if sorted(prow) != list(range(T)):
        raise ValueError("periods table must have one row per period of the horizon")
    hashprice = [_get(prow[t], "hashprice_usd_per_ph_day") for t in range(T)]
    spot_price = [_get(prow[t], "ai_spot_price_usd_per_kw_month", 0.0) for t in range(T)]
    spot_max = [_get(prow[t], "ai_spot_max_mw", 0.0) for t in range(T)]
    cum_budget = None
    if "capex_budget_usd" in tables["periods"].columns:
        cum_budget, acc = [], 0.0
        for t in range(T):
            acc += _get(prow[t], "capex_budget_usd", math.inf)
            cum_budget.append(acc)

    # ---- variables: dense indexing, (name, key) -> column
    col: dict[tuple, int] = {}
    lb: list[float] = []
    ub: list[float] = []
    obj: list[float] = []  # maximisation coefficients (NPV)

    def var(key, lo=0.0, hi=math.inf):
        col[key] = len(lb)
        lb.append(lo)
        ub.append(hi)
        obj.append(0.0)

    for i in range(len(S)):
        for t in range(T):
            for f in range(len(F)):
                var(("cap_m", i, f, t))
                var(("ret_m", i, f, t))
                var(("run_m", i, f, t))
                if unit_cost[f] is not None and t >= avail[f]:
                    var(("buy_m", i, f, t))
            var(("cap_a", i, t))
            var(("build_a", i, t))
            var(("spot_a", i, t))
    for c, tr in enumerate(tranches):
        for t in tr["active"]:
            if tr["penalty"] is None:
                var(("use_c", c, t), tr["mw"], tr["mw"])  # hard: use = mw
            else:
                var(("use_c", c, t))
                var(("short_c", c, t))

    def add_obj(key, coef):
        obj[col[key]] += coef

    # capex_u as a list of (column, coefficient), per period
    capex = {t: [] for t in range(T)}
    for i in range(len(S)):
        for t in range(T):
            capex[t].append((col[("build_a", i, t)], a_capex[i]))
            for f in range(len(F)):
                if ("buy_m", i, f, t) in col:
                    capex[t].append((col[("buy_m", i, f, t)], unit_cost[f]))

    # ---- objective
    for t in range(T):
        d, mo, h = df[t], mpp, hours[t]
        for i in range(len(S)):
            for f in range(len(F)):
                add_obj(("run_m", i, f, t),
                        d * (hashprice[t] * days[t] * 1000 / eff[f] - eprice[i, t] * h * m_pue[i]))
                add_obj(("cap_m", i, f, t), -d * mo * m_opex[i])
            add_obj(("spot_a", i, t),
                    d * (1000 * spot_price[t] * mo - eprice[i, t] * h * a_pue[i]))
            add_obj(("cap_a", i, t), -d * mo * a_opex[i])
        for j, a in capex[t]:
            obj[j] -= d * a
    for c, tr in enumerate(tranches):
        for t in tr["active"]:
            d, mo, h, i = df[t], mpp, hours[t], tr["site"]
            e = 0.0 if tr["passthrough"] else eprice[i, t] * h * a_pue[i]
            add_obj(("use_c", c, t), d * (1000 * tr["price"] * mo - e))
            if tr["penalty"] is not None:
                add_obj(("short_c", c, t), -d * 1000 * tr["penalty"] * mo)

    # ---- constraints
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []

    def eq(terms, rhs):
        eq_rows.append(terms)
        eq_rhs.append(rhs)

    def le(terms, rhs):
        ub_rows.append(terms)
        ub_rhs.append(rhs)

    for i in range(len(S)):
        L = lead[i]
        for t in range(T):
            for f in range(len(F)):
                # 1. mining stock
                terms = [(col[("cap_m", i, f, t)], 1.0), (col[("ret_m", i, f, t)], 1.0)]
                if ("buy_m", i, f, t) in col:
                    terms.append((col[("buy_m", i, f, t)], -1.0))
                if t > 0:
                    eq(terms + [(col[("cap_m", i, f, t - 1)], -1.0)], 0.0)
                else:
                    eq(terms, fleet0[i, f])
                # 2. mining run
                le([(col[("run_m", i, f, t)], 1.0), (col[("cap_m", i, f, t)], -uptime[f])], 0.0)
            # 3. AI stock
            terms = [(col[("cap_a", i, t)], 1.0)]
            if t - L >= 0:
                terms.append((col[("build_a", i, t - L)], -1.0))
            if t > 0:
                eq(terms + [(col[("cap_a", i, t - 1)], -1.0)], 0.0)
            else:
                eq(terms, a_inst[i])
            # AI MW ready plus under construction (builds started in t-L+1..t)
            held = [(col[("cap_a", i, t)], 1.0)] + [
                (col[("build_a", i, u)], 1.0) for u in range(max(0, t - L + 1), t + 1)
            ]
            # 4. AI ceiling
            if math.isfinite(a_max[i]):
                le(held, a_max[i])
            # 5. floor space
            le([(col[("cap_m", i, f, t)], f_sqft[f]) for f in range(len(F))]
               + [(j, a_sqft[i] * v) for j, v in held], floor[i])
            # 6. power and 7. AI use
            uses = [col[("use_c", c, t)] for c, tr in enumerate(tranches)
                    if tr["site"] == i and t in tr["active"]]
            ai_load = uses + [col[("spot_a", i, t)]]
            le([(col[("run_m", i, f, t)], m_pue[i]) for f in range(len(F))]
               + [(j, a_pue[i]) for j in ai_load], grid[i, t])
            le([(j, 1.0) for j in ai_load] + [(col[("cap_a", i, t)], -1.0)], 0.0)
    # 8. contracts (hard tranches are fixed through their bounds)
    for c, tr in enumerate(tranches):
        if tr["penalty"] is not None:
            for t in tr["active"]:
                eq([(col[("use_c", c, t)], 1.0), (col[("short_c", c, t)], 1.0)], tr["mw"])
    for t in range(T):
        # 9. spot market
        le([(col[("spot_a", i, t)], 1.0) for i in range(len(S))], spot_max[t])
        # 10. cumulative capex budget
        if cum_budget is not None and math.isfinite(cum_budget[t]):
            le([term for u in range(t + 1) for term in capex[u]], cum_budget[t])

    # ---- solve
    n = len(lb)

    def matrix(rows):
        if not rows:
            return None
        r_, c_, v_ = [], [], []
        for k, terms in enumerate(rows):
            for j, v in terms:
                r_.append(k)
                c_.append(j)
                v_.append(v)
        return sparse.csr_matrix((v_, (r_, c_)), shape=(len(rows), n))  # duplicates are summed

    res = linprog(
        -np.array(obj),
        A_ub=matrix(ub_rows), b_ub=np.array(ub_rhs) if ub_rows else None,
        A_eq=matrix(eq_rows), b_eq=np.array(eq_rhs) if eq_rows else None,
        bounds=list(zip(lb, ub)),
        method="highs",
    )
    if res.status == 2:
        return None
    if res.status != 0:
        raise RuntimeError(f"reference LP did not solve: {res.message}")
    return float(-res.fun)


# =========================================================================== extensions
#
# MODEL.md "# Extensions": A (whole halls, ASIC lots, optional contracts: a MILP),
# B (hashprice from fundamentals) and C (scenarios: extensive form with explicit
# non-anticipativity rows, CVaR, EVPI and VSS).  Written from MODEL.md alone, like
# ``reference_npv`` above, which is left as it was; ``reference_solve`` below
# builds its program independently (and reduces to the same LP with every
# extension off: tests/test_reference_extensions.py checks that on random cases).
#
# Readings of points MODEL.md leaves open (each is reported, and marked READING
# where it is used):
#  R1  halving_months is taken in date order; an explicit empty list means "no
#      further halving" (3.125 BTC from 2024-05 on), None means the default list.
#      A listed month at or before 2024-05 is left open by MODEL.md (the product
#      refuses it as bad input; the strategies do not draw it).
#  R2  block_subsidy_btc given in a periods row is the period's subsidy as it is
#      (not averaged over months: it is one number for the period).
#  R3  A scenario row that gives a fundamental derives its hashprice from the
#      row's fundamentals, filling blanks from the periods row (btc, hashrate,
#      fees; fees blank everywhere = 0) and the subsidy from the periods row's
#      block_subsidy_btc or else the schedule.  Missing btc or hashrate after
#      that is an input error.
#  R4  A scenarios table with no `scenarios:` key in the model file switches the
#      scenario model on with the defaults (commit_through = first period,
#      risk-neutral): "each extension is off unless its inputs are given".
#  R5  contracts.optional: blank takes the default false, so rows of one
#      contract with "true" and blank disagree (an input error).
#  R6  The mean-value problem is a single-scenario model (probability 1) with
#      hashprice, spot price, spot max and the energy price factor at their
#      probability-weighted means over the scenarios' effective values (the
#      hashprice after B, i.e. the mean of the scenario hashprices, not a
#      hashprice derived from mean fundamentals).
#  R7  vss_infeasible_scenarios lists the scenarios that are infeasible each
#      on its own with the mean-value plan's committed decisions fixed.
#  R8  EVPI/VSS are differences of large figures; they are compared within
#      1e-6 of the larger of the figures they are the difference of.
#  R9  The hashprice source of a scenario and period: "given" for the scenario
#      row's own hashprice, "derived" from the row's fundamentals, else the
#      periods row's source.
#  R10 value_of_information on a scenario model with no feasible plan raises
#      NoPlanError, as solve does.
#  R11 "A model with any of these inputs is a MILP": the reference treats a
#      model as a MILP when it has an integer variable (a lot_mw on a model that
#      cannot be bought, or optional = false everywhere, adds none), and asks
#      for mip_gap / best_bound_usd only then.

from dataclasses import dataclass, field  # noqa: E402

from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: E402

DEFAULT_HALVINGS = ["2028-04", "2032-04", "2036-04"]
SUBSIDY_START = 2020 * 12 + 5  # 2020-06 as a month index
THIRD_EPOCH = 2024 * 12 + 4    # 2024-05


# Plans a solver may return as optimal: objective within this of the optimum.
# (HiGHS's optimality tolerances put an LP optimum far closer than this; a MILP
# proven with mip_gap 0 is within HiGHS's absolute gap of 1e-6.)
def window_tol(optimum: float) -> float:
    return 1e-9 * max(1.0, abs(optimum)) + 1e-4


# A figure is taken as unique when it varies by at most this over those plans:
# ten times tighter than the comparison (1e-6 relative or 1e-3 absolute).
def unique_tol(value: float) -> float:
    return 1e-7 * max(1.0, abs(value)) + 1e-4


def _month_index(label: str) -> int:
    y, m = (int(x) for x in str(label).strip().split("-"))
    return y * 12 + m - 1


def month_subsidy(month: int, halvings: list[str] | None) -> float:
    """Block subsidy (BTC) of one month, given as a month index y*12+m-1 (MODEL.md B)."""
    if month < SUBSIDY_START:
        raise ReferenceInputError("no subsidy schedule before 2020-06")
    if month < THIRD_EPOCH:
        return 6.25
    marks = sorted(_month_index(h) for h in (DEFAULT_HALVINGS if halvings is None else halvings))
    return 3.125 / 2 ** sum(1 for h in marks if h <= month)  # READING R1


def period_subsidy(label: str, months_per_period: int, halvings: list[str] | None) -> float:
    """Unweighted mean of the subsidies of the period's months."""
    m0 = _month_index(label)
    return sum(month_subsidy(m0 + k, halvings) for k in range(months_per_period)) / months_per_period


def fundamental_hashprice(subsidy: float, fees: float, btc: float, hashrate_eh_s: float) -> float:
    """USD per PH/s per day: 144 blocks a day, 1 EH/s = 1000 PH/s."""
    if hashrate_eh_s <= 0:
        raise ReferenceInputError("network hashrate must be positive")
    return 144.0 * (subsidy + fees) * btc / (hashrate_eh_s * 1000.0)


def cvar_of(npvs: list[float], probs: list[float], alpha: float) -> float:
    """Probability-weighted mean of the worst outcomes that make up (1 - alpha) of
    the probability, splitting the scenario at the edge (MODEL.md C)."""
    tail = 1.0 - alpha
    acc = total = 0.0
    for v, p in sorted(zip(npvs, probs), key=lambda vp: vp[0]):
        take = min(p, tail - acc)
        if take <= 0:
            break
        total += take * v
        acc += take
    return total / tail


@dataclass
class _Data:
    """One scenario's scenario-dependent quantities."""
    name: str
    prob: float
    hashprice: list[float]
    source: list[str]
    spot_price: list[float]
    spot_max: list[float]
    eprice: np.ndarray  # [site, t], after site_periods and the energy price factor


@dataclass
class _Inputs:
    T: int
    mpp: int
    labels: list[str]
    days: list[int]
    hours: list[int]
    df: list[float]
    S: list[str]
    F: list[str]
    grid: np.ndarray
    floor: list[float]
    m_pue: list[float]
    m_opex: list[float]
    a_pue: list[float]
    a_sqft: list[float]
    a_capex: list[float]
    lead: list[int]
    a_max: list[float]
    a_inst: list[float]
    a_opex: list[float]
    block: list[float | None]
    eff: list[float]
    f_sqft: list[float]
    unit_cost: list[float | None]
    uptime: list[float]
    avail: list[int]
    lot: list[float | None]
    fleet0: np.ndarray
    tranches: list[dict]
    optional: dict[str, bool]  # contract name -> optional
    cum_budget: list[float] | None
    base: _Data                 # the periods table (deterministic data)
    scenarios: list[_Data] | None
    commit: int                 # index of commit_through
    alpha: float
    weight: float


def _opt_num(row: dict | None, col: str):
    if row is None or _blank(row.get(col)):
        return None
    return float(row[col])


def _parse(tables, start, periods, months_per_period, discount_rate, halving_months, scenarios) -> _Inputs:
    T, mpp, r = int(periods), int(months_per_period), float(discount_rate)
    labels, days, hours, df, period = _horizon(start, T, mpp, r)
    sites = _rows(tables["sites"])
    miners = _rows(tables["miners"])
    S = [str(s["site"]) for s in sites]
    F = [str(f["model"]) for f in miners]
    si = {s: i for i, s in enumerate(S)}
    fi = {f: i for i, f in enumerate(F)}
    grid, eprice = _grid_and_energy(tables, sites, T, period)

    def positive_or_none(v):
        if _blank(v):
            return None
        if float(v) <= 0:
            raise ReferenceInputError("block and lot sizes must be positive")
        return float(v)

    eff = [_get(f, "efficiency_j_per_th") for f in miners]
    price_th = [_opt_num(f, "price_usd_per_th") for f in miners]
    for s in sites:
        # Not in MODEL.md: the product's issue 9 makes a hall larger than the site's AI ceiling an input error (no
        # hall could ever be built), so the reference refuses it too.
        block = positive_or_none(s.get("ai_block_mw"))
        if block is not None and block > _get(s, "ai_max_mw", math.inf):
            raise ReferenceInputError("a hall larger than ai_max_mw")

    fleet0 = np.zeros((len(S), len(F)))
    for row in _rows(tables.get("fleet")):
        fleet0[si[str(row["site"])], fi[str(row["model"])]] += _get(row, "installed_mw", 0.0)

    tranches, optional = [], {}
    for row in _rows(tables.get("contracts")):
        a, b = period(row["start"]), period(row["end"])
        name = str(row["contract"])
        opt = _bool(row.get("optional"))  # READING R5: blank = false
        if optional.setdefault(name, opt) != opt:
            raise ReferenceInputError(f"rows of contract {name} disagree on optional")
        pen = row.get("shortfall_penalty_usd_per_kw_month")
        tranches.append(dict(
            contract=name, site=si[str(row["site"])], active=list(range(a, b + 1)),
            mw=_get(row, "mw"), price=_get(row, "price_usd_per_kw_month"),
            penalty=None if _blank(pen) else float(pen),
            passthrough=_bool(row.get("power_passthrough")),
        ))

    # ---- periods table, with hashprice after B
    prow = {period(row["period"]): row for row in _rows(tables["periods"])}
    if sorted(prow) != list(range(T)):
        raise ReferenceInputError("periods table must have one row per period of the horizon")

    def derive(t, btc, rate, fees):
        sub = _opt_num(prow[t], "block_subsidy_btc")  # READING R2: used as it is
        if sub is None:
            sub = period_subsidy(labels[t], mpp, halving_months)
        return fundamental_hashprice(sub, fees, btc, rate)

    base_hp, base_src = [], []
    for t in range(T):
        hp = _opt_num(prow[t], "hashprice_usd_per_ph_day")
        if hp is not None:
            base_hp.append(hp)
            base_src.append("given")
            continue
        btc, rate = _opt_num(prow[t], "btc_price_usd"), _opt_num(prow[t], "network_hashrate_eh_s")
        if btc is None or rate is None:
            raise ReferenceInputError(f"period {labels[t]}: no hashprice and no fundamentals")
        base_hp.append(derive(t, btc, rate, _opt_num(prow[t], "fees_btc_per_block") or 0.0))
        base_src.append("derived")
    base = _Data(
        name="", prob=1.0, hashprice=base_hp, source=base_src,
        spot_price=[_get(prow[t], "ai_spot_price_usd_per_kw_month", 0.0) for t in range(T)],
        spot_max=[_get(prow[t], "ai_spot_max_mw", 0.0) for t in range(T)],
        eprice=eprice,
    )
    cum_budget = None
    if "capex_budget_usd" in tables["periods"].columns:
        cum_budget, acc = [], 0.0
        for t in range(T):
            acc += _get(prow[t], "capex_budget_usd", math.inf)
            cum_budget.append(acc)

    # ---- scenarios (C)
    scen_table = tables.get("scenarios")
    commit, alpha, weight, scen = 0, 0.9, 0.0, None
    if scenarios is not None and scen_table is None:
        raise ReferenceInputError("scenarios: key in the model file without a scenarios table")
    if scen_table is not None:  # READING R4: the table switches the model on
        spec = dict(scenarios or {})
        if spec.get("commit_through") is not None:
            commit = period(spec["commit_through"])
        risk = dict(spec.get("risk") or {})
        alpha = float(risk.get("cvar_alpha", 0.9))
        weight = float(risk.get("weight", 0.0))
        if not (0.0 <= alpha < 1.0) or not (0.0 <= weight <= 1.0):
            raise ReferenceInputError("cvar_alpha must be in [0, 1) and weight in [0, 1]")
        srows = _rows(scen_table)
        names = [str(s["scenario"]) for s in srows]
        probs = [_get(s, "probability") for s in srows]
        if len(set(names)) != len(names) or not names:
            raise ReferenceInputError("scenario names must be unique")
        if any(p <= 0 for p in probs) or abs(sum(probs) - 1.0) > 1e-6:
            raise ReferenceInputError("probabilities must be > 0 and sum to 1")
        sp = {}
        for row in _rows(tables.get("scenario_periods")):
            w = str(row["scenario"])
            if w not in names:
                raise ReferenceInputError(f"unknown scenario {w}")
            key = (w, period(row["period"]))
            if key in sp:
                raise ReferenceInputError(f"duplicate scenario_periods row {key}")
            sp[key] = row
        scen = []
        for w, p in zip(names, probs):
            hp, src, spp, spm = [], [], [], []
            ep = eprice.copy()
            for t in range(T):
                row = sp.get((w, t))
                own = _opt_num(row, "hashprice_usd_per_ph_day")
                fund = [_opt_num(row, c) for c in ("btc_price_usd", "network_hashrate_eh_s",
                                                   "fees_btc_per_block")]
                if own is not None:
                    hp.append(own)
                    src.append("given")
                elif any(v is not None for v in fund):  # READING R3
                    btc = fund[0] if fund[0] is not None else _opt_num(prow[t], "btc_price_usd")
                    rate = fund[1] if fund[1] is not None else _opt_num(prow[t], "network_hashrate_eh_s")
                    fees = fund[2] if fund[2] is not None else (_opt_num(prow[t], "fees_btc_per_block") or 0.0)
                    if btc is None or rate is None:
                        raise ReferenceInputError(f"scenario {w} {labels[t]}: fundamentals incomplete")
                    hp.append(derive(t, btc, rate, fees))
                    src.append("derived")
                else:
                    hp.append(base_hp[t])
                    src.append(base_src[t])
                v = _opt_num(row, "ai_spot_price_usd_per_kw_month")
                spp.append(base.spot_price[t] if v is None else v)
                v = _opt_num(row, "ai_spot_max_mw")
                spm.append(base.spot_max[t] if v is None else v)
                factor = _opt_num(row, "energy_price_factor")
                if factor is not None:
                    ep[:, t] = eprice[:, t] * factor
            scen.append(_Data(w, p, hp, src, spp, spm, ep))

    return _Inputs(
        T=T, mpp=mpp, labels=labels, days=days, hours=hours, df=df, S=S, F=F, grid=grid,
        floor=[_get(s, "floor_sqft") for s in sites],
        m_pue=[_get(s, "mining_pue", 1.0) for s in sites],
        m_opex=[_get(s, "mining_opex_usd_per_mw_month", 0.0) for s in sites],
        a_pue=[_get(s, "ai_pue", 1.0) for s in sites],
        a_sqft=[_get(s, "ai_sqft_per_mw") for s in sites],
        a_capex=[_get(s, "ai_capex_usd_per_mw") for s in sites],
        lead=[int(round(_get(s, "ai_lead_time_periods", 0.0))) for s in sites],
        a_max=[_get(s, "ai_max_mw", math.inf) for s in sites],
        a_inst=[_get(s, "ai_installed_mw", 0.0) for s in sites],
        a_opex=[_get(s, "ai_opex_usd_per_mw_month", 0.0) for s in sites],
        block=[positive_or_none(s.get("ai_block_mw")) for s in sites],
        eff=eff,
        f_sqft=[_get(f, "sqft_per_mw") for f in miners],
        unit_cost=[None if p is None else p * 1e6 / e for p, e in zip(price_th, eff)],
        uptime=[_get(f, "uptime", 1.0) for f in miners],
        avail=[0 if _blank(f.get("available_from")) else period(f["available_from"]) for f in miners],
        lot=[positive_or_none(f.get("lot_mw")) for f in miners],
        fleet0=fleet0, tranches=tranches, optional=optional, cum_budget=cum_budget,
        base=base, scenarios=scen, commit=commit, alpha=alpha, weight=weight,
    )


class _Program:
    """A (mixed-integer) linear program in maximisation form, built row by row."""

    def __init__(self):
        self.col: dict[tuple, int] = {}
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integ: list[int] = []
        self.obj: list[float] = []
        self.rows: list[list[tuple[int, float]]] = []
        self.rlo: list[float] = []
        self.rhi: list[float] = []

    def var(self, key, lo=0.0, hi=math.inf, integer=False) -> int:
        j = self.col[key] = len(self.lb)
        self.lb.append(lo)
        self.ub.append(hi)
        self.integ.append(1 if integer else 0)
        self.obj.append(0.0)
        return j

    def row(self, terms, lo, hi):
        self.rows.append(list(terms))
        self.rlo.append(lo)
        self.rhi.append(hi)

    def eq(self, terms, rhs):
        self.row(terms, rhs, rhs)

    def le(self, terms, rhs):
        self.row(terms, -math.inf, rhs)

    def solve(self, objective=None, *, relax=False, extra_rows=(), fix=None, sense=-1.0):
        """Maximise ``objective`` (a dense vector; default the program's own) when
        ``sense`` is -1, minimise when +1.  ``extra_rows`` are (terms, lo, hi);
        ``fix`` maps columns to values.  Returns (value, x) or None when infeasible.
        Integer solutions are rounded and the LP re-solved with them fixed, so the
        value carries no integrality slack."""
        c = np.array(self.obj if objective is None else objective, dtype=float)
        n = len(c)
        lb, ub = np.array(self.lb, dtype=float), np.array(self.ub, dtype=float)
        for j, v in (fix or {}).items():
            lb[j] = ub[j] = v
        integ = np.zeros(n) if relax else np.array(self.integ)
        rows = self.rows + [r[0] for r in extra_rows]
        lo = self.rlo + [r[1] for r in extra_rows]
        hi = self.rhi + [r[2] for r in extra_rows]
        r_, c_, v_ = [], [], []
        for k, terms in enumerate(rows):
            for j, v in terms:
                r_.append(k)
                c_.append(j)
                v_.append(v)
        A = sparse.csr_matrix((v_, (r_, c_)), shape=(len(rows), n))
        cons = [LinearConstraint(A, np.array(lo), np.array(hi))] if rows else []

        def run(lb_, ub_, integ_, presolve=True):
            return milp(-c if sense < 0 else c, integrality=integ_,
                        bounds=Bounds(lb_, ub_), constraints=cons,
                        options={"mip_rel_gap": 0.0, "presolve": presolve})

        res = run(lb, ub, integ)
        if res.status == 2:  # HiGHS' MILP presolve has wrongly claimed infeasibility on tiny cases: confirm without;
            res = run(lb, ub, integ, presolve=False)  # only a solution found overturns the claim (the run without
            if res.status != 0:  # presolve has answered "Unknown" on a 2 USD budget against 5 M USD/MW capex)
                return None
        elif res.status != 0:  # an unsure answer is asked again without presolve
            res = run(lb, ub, integ, presolve=False)
            if res.status == 2:
                return None
        if res.status != 0:
            raise RuntimeError(f"reference program did not solve: {res.message}")
        x = res.x
        if integ.any():
            ints = integ.astype(bool)
            lb2, ub2 = lb.copy(), ub.copy()
            lb2[ints] = ub2[ints] = np.round(x[ints])
            res2 = run(lb2, ub2, np.zeros(n))
            if res2.status == 0:
                x = res2.x
        return float(c @ x), x


@dataclass
class _Copy:
    """One scenario's copy of the LP inside a program."""
    data: _Data
    col: dict  # key without the scenario tag -> column
    npv: dict = field(default_factory=dict)  # column -> NPV coefficient
    committed: list = field(default_factory=list)  # keys of committed decisions

    def npv_vector(self, n: int) -> np.ndarray:
        v = np.zeros(n)
        for j, a in self.npv.items():
            v[j] += a
        return v


def _add_copy(P: _Program, inp: _Inputs, data: _Data, tag) -> _Copy:
    """Variables, constraints 1-10 with extension A, and the NPV of one scenario."""
    T, S, F = inp.T, range(len(inp.S)), range(len(inp.F))
    cp = _Copy(data=data, col={})

    def var(key, lo=0.0, hi=math.inf, integer=False):
        cp.col[key] = P.var((tag,) + key, lo, hi, integer)
        return cp.col[key]

    def c(*key):
        return cp.col[key]

    for k, opt in inp.optional.items():
        if opt:
            var(("sign", k), 0.0, 1.0, integer=True)
    for i in S:
        for t in range(T):
            for f in F:
                var(("cap_m", i, f, t))
                var(("ret_m", i, f, t))
                var(("run_m", i, f, t))
                if inp.unit_cost[f] is not None and t >= inp.avail[f]:
                    var(("buy_m", i, f, t))
                    if inp.lot[f] is not None:
                        var(("nl", i, f, t), integer=True)
                        P.eq([(c("buy_m", i, f, t), 1.0), (c("nl", i, f, t), -inp.lot[f])], 0.0)
            var(("cap_a", i, t))
            var(("build_a", i, t))
            if inp.block[i] is not None:
                var(("nb", i, t), integer=True)
                P.eq([(c("build_a", i, t), 1.0), (c("nb", i, t), -inp.block[i])], 0.0)
            var(("spot_a", i, t))
    for n_, tr in enumerate(inp.tranches):
        optional = inp.optional[tr["contract"]]
        for t in tr["active"]:
            if tr["penalty"] is None and not optional:
                var(("use_c", n_, t), tr["mw"], tr["mw"])
            else:
                var(("use_c", n_, t))
                terms = [(c("use_c", n_, t), 1.0)]
                if tr["penalty"] is not None:
                    var(("short_c", n_, t))
                    terms.append((c("short_c", n_, t), 1.0))
                if optional:  # use (+ short) = mw * sign
                    P.eq(terms + [(c("sign", tr["contract"]), -tr["mw"])], 0.0)
                else:
                    P.eq(terms, tr["mw"])

    # committed decisions (C): investments up to commit_through, and the signatures
    cp.committed = [key for key in cp.col
                    if key[0] == "sign"
                    or (key[0] in ("buy_m", "ret_m", "build_a", "nb", "nl") and key[-1] <= inp.commit)]

    def npv(j, a):
        cp.npv[j] = cp.npv.get(j, 0.0) + a

    capex = {t: [] for t in range(T)}
    for i in S:
        for t in range(T):
            capex[t].append((c("build_a", i, t), inp.a_capex[i]))
            for f in F:
                if ("buy_m", i, f, t) in cp.col:
                    capex[t].append((c("buy_m", i, f, t), inp.unit_cost[f]))
    for t in range(T):
        d, mo, h, days = inp.df[t], inp.mpp, inp.hours[t], inp.days[t]
        for i in S:
            e = data.eprice[i, t]
            for f in F:
                npv(c("run_m", i, f, t),
                    d * (data.hashprice[t] * days * 1000 / inp.eff[f] - e * h * inp.m_pue[i]))
                npv(c("cap_m", i, f, t), -d * mo * inp.m_opex[i])
            npv(c("spot_a", i, t), d * (1000 * data.spot_price[t] * mo - e * h * inp.a_pue[i]))
            npv(c("cap_a", i, t), -d * mo * inp.a_opex[i])
        for j, a in capex[t]:
            npv(j, -d * a)
    for n_, tr in enumerate(inp.tranches):
        for t in tr["active"]:
            d, mo, i = inp.df[t], inp.mpp, tr["site"]
            energy = 0.0 if tr["passthrough"] else data.eprice[i, t] * inp.hours[t] * inp.a_pue[i]
            npv(c("use_c", n_, t), d * (1000 * tr["price"] * mo - energy))
            if tr["penalty"] is not None:
                npv(c("short_c", n_, t), -d * 1000 * tr["penalty"] * mo)

    for i in S:
        L = inp.lead[i]
        for t in range(T):
            for f in F:
                # 1. mining stock (written here as cap - cap_prev - buy + ret = 0)
                terms = [(c("cap_m", i, f, t), 1.0), (c("ret_m", i, f, t), 1.0)]
                if ("buy_m", i, f, t) in cp.col:
                    terms.append((c("buy_m", i, f, t), -1.0))
                if t > 0:
                    P.eq(terms + [(c("cap_m", i, f, t - 1), -1.0)], 0.0)
                else:
                    P.eq(terms, inp.fleet0[i, f])
                # 2. mining run
                P.le([(c("run_m", i, f, t), 1.0), (c("cap_m", i, f, t), -inp.uptime[f])], 0.0)
            # 3. AI stock
            terms = [(c("cap_a", i, t), 1.0)]
            if t - L >= 0:
                terms.append((c("build_a", i, t - L), -1.0))
            if t > 0:
                P.eq(terms + [(c("cap_a", i, t - 1), -1.0)], 0.0)
            else:
                P.eq(terms, inp.a_inst[i])
            held = [(c("cap_a", i, t), 1.0)] + [(c("build_a", i, u), 1.0)
                                                 for u in range(max(0, t - L + 1), t + 1)]
            # 4. ceiling, 5. floor
            if math.isfinite(inp.a_max[i]):
                P.le(held, inp.a_max[i])
            P.le([(c("cap_m", i, f, t), inp.f_sqft[f]) for f in F]
                 + [(j, inp.a_sqft[i] * v) for j, v in held], inp.floor[i])
            # 6. power, 7. AI use
            ai_load = [c("use_c", n_, t) for n_, tr in enumerate(inp.tranches)
                       if tr["site"] == i and t in tr["active"]] + [c("spot_a", i, t)]
            P.le([(c("run_m", i, f, t), inp.m_pue[i]) for f in F]
                 + [(j, inp.a_pue[i]) for j in ai_load], inp.grid[i, t])
            P.le([(j, 1.0) for j in ai_load] + [(c("cap_a", i, t), -1.0)], 0.0)
    for t in range(T):
        # 9. spot market, 10. cumulative budget
        P.le([(c("spot_a", i, t), 1.0) for i in S], data.spot_max[t])
        if inp.cum_budget is not None and math.isfinite(inp.cum_budget[t]):
            P.le([term for u in range(t + 1) for term in capex[u]], inp.cum_budget[t])
    return cp


def _build(inp: _Inputs, datas: list[_Data], weight: float, alpha: float):
    """Extensive form over ``datas``: a copy per scenario, non-anticipativity as
    equality rows tying each copy's committed decisions to the first copy's, and
    the objective (1 - weight) * E[NPV] + weight * CVaR."""
    P = _Program()
    copies = [_add_copy(P, inp, d, w) for w, d in enumerate(datas)]
    for cp in copies[1:]:
        for key in cp.committed:
            P.eq([(cp.col[key], 1.0), (copies[0].col[key], -1.0)], 0.0)
    for cp in copies:
        for j, a in cp.npv.items():
            P.obj[j] += (1.0 - weight) * cp.data.prob * a
    if weight > 0:
        eta = P.var(("eta",), -math.inf, math.inf)
        P.obj[eta] += weight
        for w, cp in enumerate(copies):
            z = P.var(("z", w))
            P.obj[z] -= weight * cp.data.prob / (1.0 - alpha)
            # z_w >= eta - NPV_w
            P.row([(z, 1.0), (eta, -1.0)] + list(cp.npv.items()), 0.0, math.inf)
    return P, copies


@dataclass
class RefSolution:
    """The reference's optimum of one model, and what is unique about it."""
    objective: float
    npv_by_scenario: dict[str, float]
    probability: dict[str, float]
    expected_npv: float
    cvar: float | None
    hashprice: dict[str, list[float]]  # scenario ('' when deterministic) -> per period
    hashprice_source: dict[str, list[str]]
    integer: bool
    scenario_model: bool
    weight: float
    alpha: float
    _program: _Program = field(repr=False, default=None)
    _copies: list = field(repr=False, default=None)
    _relax: bool = False

    # ---- uniqueness over the set of optimal plans
    def _window(self):
        """Row ``objective >= optimum - tol``: plans a solver may return as optimal."""
        tol = window_tol(self.objective)
        P = self._program
        return [([(j, v) for j, v in enumerate(P.obj) if v != 0.0], self.objective - tol, math.inf)]

    def figure_range(self, vector) -> tuple[float, float]:
        """Least and greatest value of ``vector @ x`` over the (near-)optimal plans."""
        P = self._program
        lo = P.solve(vector, relax=self._relax, extra_rows=self._window(), sense=1.0)
        hi = P.solve(vector, relax=self._relax, extra_rows=self._window(), sense=-1.0)
        if lo is None or hi is None:  # numerically at the edge: treat as not unique
            return -math.inf, math.inf
        return lo[0], hi[0]

    def npv_range(self, scenario: str) -> tuple[float, float]:
        n = len(self._program.lb)
        w = list(self.npv_by_scenario).index(scenario)
        return self.figure_range(self._copies[w].npv_vector(n))

    def expected_range(self) -> tuple[float, float]:
        n = len(self._program.lb)
        return self.figure_range(sum(cp.data.prob * cp.npv_vector(n) for cp in self._copies))


def reference_solve(tables, *, start, periods, months_per_period=1, discount_rate=0.0,
                    halving_months=None, scenarios=None, relax=False) -> RefSolution | None:
    """Optimum of MODEL.md's model with extensions A, B and C as the inputs switch
    them on; ``None`` when infeasible; ``ReferenceInputError`` on bad input.
    ``relax`` solves the LP relaxation (integers continuous)."""
    inp = _parse(tables, start, periods, months_per_period, discount_rate, halving_months, scenarios)
    scen_model = inp.scenarios is not None
    datas = inp.scenarios if scen_model else [inp.base]
    weight = inp.weight if scen_model else 0.0
    P, copies = _build(inp, datas, weight, inp.alpha)
    out = P.solve(relax=relax)
    if out is None:
        return None
    value, x = out
    npvs = {d.name: float(cp.npv_vector(len(x)) @ x) for d, cp in zip(datas, copies)}
    probs = {d.name: d.prob for d in datas}
    expected = sum(probs[w] * v for w, v in npvs.items())
    return RefSolution(
        objective=value, npv_by_scenario=npvs, probability=probs, expected_npv=expected,
        cvar=cvar_of(list(npvs.values()), list(probs.values()), inp.alpha) if scen_model else None,
        hashprice={d.name: list(d.hashprice) for d in datas},
        hashprice_source={d.name: list(d.source) for d in datas},
        integer=any(P.integ) and not relax, scenario_model=scen_model,
        weight=weight, alpha=inp.alpha, _program=P, _copies=copies, _relax=relax,
    )


@dataclass
class RefValueOfInformation:
    evpi: float
    vss: float | str               # "unbounded" when the fixed model is infeasible
    vss_infeasible_scenarios: list[str]
    expected_npv: float            # risk-neutral scenario model
    wait_and_see: float            # sum_w p_w NPV*_w
    eev: float | None              # expected NPV with the mean-value plan's commitments fixed
    eev_max: float | None          # greatest such value over all optimal mean-value plans
    mean_value_commitments_unique: bool


def _mean_data(datas: list[_Data]) -> _Data:
    """READING R6: every scenario-dependent quantity at its probability-weighted mean."""
    T = len(datas[0].hashprice)
    mean = lambda get: [sum(d.prob * get(d)[t] for d in datas) for t in range(T)]  # noqa: E731
    return _Data(name="mean", prob=1.0,
                 hashprice=mean(lambda d: d.hashprice), source=["mean"] * T,
                 spot_price=mean(lambda d: d.spot_price), spot_max=mean(lambda d: d.spot_max),
                 eprice=sum(d.prob * d.eprice for d in datas))


def reference_value_of_information(tables, *, start, periods, months_per_period=1,
                                   discount_rate=0.0, halving_months=None, scenarios=None,
                                   seed: int = 0) -> RefValueOfInformation | None:
    """EVPI and VSS of MODEL.md C, always from the risk-neutral scenario model;
    ``None`` when the scenario model is infeasible."""
    inp = _parse(tables, start, periods, months_per_period, discount_rate, halving_months, scenarios)
    if inp.scenarios is None:
        raise ReferenceInputError("value of information needs scenarios")
    datas = inp.scenarios
    P, copies = _build(inp, datas, 0.0, inp.alpha)
    rp = P.solve()
    if rp is None:
        return None
    expected = rp[0]
    # EVPI: each scenario solved alone
    ws = 0.0
    for d in datas:
        alone = _build(inp, [_Data(d.name, 1.0, d.hashprice, d.source, d.spot_price, d.spot_max,
                                   d.eprice)], 0.0, inp.alpha)[0].solve()
        if alone is None:  # cannot happen when the scenario model is feasible
            raise RuntimeError(f"scenario {d.name} alone infeasible")
        ws += d.prob * alone[0]
    evpi = ws - expected

    # VSS: the mean-value problem, then its committed decisions fixed
    mv_data = _mean_data(datas)
    MV, (mv_copy,) = _build(inp, [mv_data], 0.0, inp.alpha)
    mv = MV.solve()
    if mv is None:
        return RefValueOfInformation(evpi, "unbounded", [d.name for d in datas], expected, ws,
                                     None, None, False)
    mv_value, mv_x = mv
    fix_vals = {}
    for key in mv_copy.committed:
        v = mv_x[mv_copy.col[key]]
        fix_vals[key] = float(np.round(v)) if key[0] in ("sign", "nb", "nl") else float(v)
    for key in mv_copy.committed:  # whole units fix the MW exactly
        if key[0] == "nb":
            fix_vals[("build_a",) + key[1:]] = fix_vals[key] * inp.block[key[1]]
        elif key[0] == "nl":
            fix_vals[("buy_m",) + key[1:]] = fix_vals[key] * inp.lot[key[2]]

    def fixed(copy_list):
        return {cp.col[key]: v for cp in copy_list for key, v in fix_vals.items()}

    eev_out = P.solve(fix=fixed(copies))
    if eev_out is None:
        bad = []
        for d in datas:
            Pw, cw = _build(inp, [_Data(d.name, 1.0, d.hashprice, d.source, d.spot_price,
                                        d.spot_max, d.eprice)], 0.0, inp.alpha)
            if Pw.solve(fix=fixed(cw)) is None:
                bad.append(d.name)
        return RefValueOfInformation(evpi, "unbounded", bad, expected, ws, None, None, False)
    eev = eev_out[0]

    # Are the mean-value plan's commitments unique?  The range of a random linear
    # function of them over the near-optimal mean-value plans is zero (almost
    # surely) only if they are.
    n_mv = len(MV.lb)
    tol = window_tol(mv_value)
    window = [([(j, v) for j, v in enumerate(MV.obj) if v != 0.0], mv_value - tol, math.inf)]
    rng = np.random.default_rng(seed)
    direction = np.zeros(n_mv)
    for key in mv_copy.committed:
        direction[mv_copy.col[key]] = rng.normal()
    lo = MV.solve(direction, extra_rows=window, sense=1.0)
    hi = MV.solve(direction, extra_rows=window, sense=-1.0)
    unique = lo is not None and hi is not None and hi[0] - lo[0] <= 1e-6

    # Greatest expected NPV over every optimal mean-value plan's commitments: one
    # program holding the mean-value copy and the scenario copies, tied by rows.
    J = _Program()
    jm = _add_copy(J, inp, mv_data, "mv")
    J.row([(j, v) for j, v in jm.npv.items()], mv_value - tol, math.inf)
    jc = [_add_copy(J, inp, d, w) for w, d in enumerate(datas)]
    for cp in jc:
        for key in cp.committed:
            J.eq([(cp.col[key], 1.0), (jm.col[key], -1.0)], 0.0)
        for j, a in cp.npv.items():
            J.obj[j] += cp.data.prob * a
    jo = J.solve()
    eev_max = None if jo is None else jo[0]
    return RefValueOfInformation(evpi, expected - eev, [], expected, ws, eev, eev_max, unique)
