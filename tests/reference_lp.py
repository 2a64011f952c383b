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

    # ---- time
    y0, m0 = (int(x) for x in start.split("-"))
    labels, days = [], []
    for t in range(T):
        y, m = _month_add(y0, m0, t * mpp)
        labels.append(f"{y:04d}-{m:02d}")
        d = 0
        for k in range(mpp):
            yy, mm = _month_add(y, m, k)
            d += calendar.monthrange(yy, mm)[1]
        days.append(d)
    hours = [24 * d for d in days]
    df = [(1 + r) ** (-(t * mpp) / 12) for t in range(T)]
    tidx = {lab: t for t, lab in enumerate(labels)}

    def period(v) -> int:
        lab = str(v).strip()
        if lab not in tidx:
            raise ValueError(f"period {lab!r} is not a period start of the horizon")
        return tidx[lab]

    # ---- inputs
    sites = _rows(tables["sites"])
    miners = _rows(tables["miners"])
    S = [str(s["site"]) for s in sites]
    F = [str(f["model"]) for f in miners]
    si = {s: i for i, s in enumerate(S)}
    fi = {f: i for i, f in enumerate(F)}

    grid = np.array([[_get(s, "grid_mw")] * T for s in sites], dtype=float)
    eprice = np.array([[_get(s, "energy_price_usd_per_mwh")] * T for s in sites], dtype=float)
    for row in _rows(tables.get("site_periods")):
        i, t = si[str(row["site"])], period(row["period"])
        if not _blank(row.get("grid_mw")):
            grid[i, t] = float(row["grid_mw"])
        if not _blank(row.get("energy_price_usd_per_mwh")):
            eprice[i, t] = float(row["energy_price_usd_per_mwh"])

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
