"""N simulated paths reduced to K scenarios with probabilities: the tables of section C of docs/formulation.md.

1. Groups. `kmedoids` (default): the log hashprice paths (vectors over the periods) are clustered by k-medoids
   (Euclidean distance between log paths, i.e. on relative differences, so that the many low paths are split as
   finely as the few high ones; k-medoids++ seeding, alternating assignment and medoid update, best of a few
   starts). `quantiles`: paths are ranked by their mean hashprice over the horizon and cut into K bands of equal
   count. Scenarios are ordered from the lowest to the highest mean hashprice.
2. Representatives (`representative=`).
   `mean` (default): a scenario is its group's mean path: the mean BTC price and the mean hashprice of its
   paths in every period, the fees (the same on every path), and the hashrate at which extension B of
   docs/formulation.md gives that hashprice from that price, H_kt = 144 (R_t + F_t) S_kt / (1000 HP_kt). Its
   probability is the group's share of paths, so the probability-weighted mean hashprice (and BTC price) path
   equals the N-path mean in every period by construction (to the rounding of the probabilities to 12 decimals).
   `medoid`: a scenario is its group's medoid, a simulated path. Starting from the shares of paths q_k, the
   probabilities are moved as little as possible (total variation) to bring the weighted mean hashprice within
   `mean_tolerance` of the N-path mean: a linear program (HiGHS, scipy.optimize.linprog),

       min sum_k |p_k - q_k|   s.t.  sum_k p_k = 1,  p_k >= q_k / 4,
                                     |sum_k p_k m_kt - mu_t| <= tol * mu_t   for every period t,

   tol = the larger of `mean_tolerance` and the smallest achievable deviation (a first LP minimises it). A few
   real paths rarely span the mean in all periods: the achieved deviation is reported and may exceed 5%.
3. Error of the reduction, reported in the summary: the mean over paths of the RMS relative distance of a path
   to its scenario (sqrt(mean_t ((x_it - m_kt) / mu_t)^2)), and per period the 1-Wasserstein distance between
   the N-path distribution of hashprice and the K-scenario distribution, relative to mu_t.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.stats import wasserstein_distance

from ..fundamentals import hashprice_usd_per_ph_day
from .simulate import Paths, random_streams

METHODS = ("kmedoids", "quantiles")
REPRESENTATIVES = ("mean", "medoid")
MEAN_PATH_CRITERION = 0.05  # issue 10: within 5% of the N-path mean in every period
DEFAULT_MEAN_TOLERANCE = 0.01
PROBABILITY_FLOOR_SHARE = 0.25  # each probability stays at least this share of its cluster's share of paths
PROBABILITY_DECIMALS = 12
SCENARIO_PERIOD_COLUMNS = ("scenario", "period", "btc_price_usd", "network_hashrate_eh_s", "fees_btc_per_block")
KMEDOIDS_STARTS = 4
KMEDOIDS_MAX_ITER = 100


@dataclass(frozen=True)
class Reduced:
    """K scenarios: the two tables of section C of docs/formulation.md and a summary of how they were made."""

    scenarios: pd.DataFrame  # scenario, probability, share_of_paths, informative columns
    scenario_periods: pd.DataFrame  # scenario, period, btc_price_usd, network_hashrate_eh_s, fees_btc_per_block
    summary: dict
    names: list[str]
    probabilities: np.ndarray  # (K,), in the order of `names`
    path_index: np.ndarray  # (K,) the medoid path of each scenario's group
    assignment: np.ndarray  # (N,) the scenario (0..K-1, in the order of `names`) each path belongs to


def _sq_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of x and of y."""
    d = (x * x).sum(axis=1)[:, None] + (y * y).sum(axis=1)[None, :] - 2.0 * x @ y.T
    return np.maximum(d, 0.0)


def _medoid(x: np.ndarray) -> int:
    """Row of x with the smallest sum of Euclidean distances to the others."""
    return int(np.sqrt(_sq_distances(x, x)).sum(axis=1).argmin())


def kmedoids(x: np.ndarray, k: int, rng: np.random.Generator, starts: int = KMEDOIDS_STARTS,
             max_iter: int = KMEDOIDS_MAX_ITER) -> tuple[np.ndarray, np.ndarray, float]:
    """k-medoids of the rows of x: (medoid rows, cluster of each row, total distance to the medoids).

    k-medoids++ seeding, then alternate: assign every row to its nearest medoid, move each medoid to the member
    with the smallest sum of distances to its cluster; stop when the medoids no longer change. Best of `starts`.
    """
    n = x.shape[0]
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(starts):
        medoids = [int(rng.integers(n))]
        nearest = _sq_distances(x, x[medoids]).min(axis=1)
        for _ in range(1, k):
            weights = nearest / nearest.sum() if nearest.sum() > 0 else np.full(n, 1.0 / n)
            medoids.append(int(rng.choice(n, p=weights)))
            nearest = np.minimum(nearest, _sq_distances(x, x[medoids[-1:]])[:, 0])
        current = np.array(medoids)
        for _ in range(max_iter):
            dist = np.sqrt(_sq_distances(x, x[current]))
            labels = dist.argmin(axis=1)
            updated = current.copy()
            for j in range(k):
                members = np.flatnonzero(labels == j)
                if members.size == 0:  # empty cluster: take the row farthest from its medoid
                    updated[j] = int(dist[np.arange(n), labels].argmax())
                else:
                    updated[j] = members[_medoid(x[members])]
            if np.array_equal(updated, current):
                break
            current = updated
        dist = np.sqrt(_sq_distances(x, x[current]))
        labels = dist.argmin(axis=1)
        cost = float(dist[np.arange(n), labels].sum())
        if best is None or cost < best[2]:
            best = (current, labels, cost)
    assert best is not None
    return best


def _quantile_bands(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Bands of equal count by mean hashprice: (band medoid rows, band of each row)."""
    order = np.argsort(x.mean(axis=1), kind="stable")
    labels = np.empty(x.shape[0], dtype=int)
    medoids = []
    for j, band in enumerate(np.array_split(order, k)):
        labels[band] = j
        medoids.append(int(band[_medoid(x[band])]))
    return np.array(medoids), labels


def _max_relative_deviation(p: np.ndarray, m: np.ndarray, mu: np.ndarray) -> float:
    return float(np.max(np.abs(p @ m - mu) / mu))


def match_mean_path(m: np.ndarray, mu: np.ndarray, shares: np.ndarray,
                    tolerance: float = DEFAULT_MEAN_TOLERANCE) -> tuple[np.ndarray, float]:
    """Probabilities closest to `shares` (total variation) whose weighted mean of the rows of m is within
    `tolerance` (relative) of mu in every column; if that cannot be, within the smallest achievable deviation.

    Returns (probabilities, the tolerance used).
    """
    k, periods = m.shape
    floor = PROBABILITY_FLOOR_SHARE * shares
    rel = m / mu[None, :]  # (k, periods): sum_k p_k rel_kt must lie in [1 - tol, 1 + tol]
    # LP 1: minimise delta over (p, delta): |rel^T p - 1| <= delta.
    c1 = np.zeros(k + 1)
    c1[-1] = 1.0
    a1 = np.block([[rel.T, -np.ones((periods, 1))], [-rel.T, -np.ones((periods, 1))]])
    b1 = np.concatenate([np.ones(periods), -np.ones(periods)])
    first = linprog(c1, A_ub=a1, b_ub=b1, A_eq=np.append(np.ones(k), 0.0)[None, :], b_eq=[1.0],
                    bounds=[(f, 1.0) for f in floor] + [(0, None)], method="highs")
    if not first.success:
        raise RuntimeError(f"probability LP failed: {first.message}")
    used = max(tolerance, float(first.x[-1]) * (1 + 1e-9) + 1e-12)
    # LP 2 over (p, u): minimise sum u with u >= |p - q| and the deviation within `used`.
    c2 = np.concatenate([np.zeros(k), np.ones(k)])
    eye = np.eye(k)
    a2 = np.block([[rel.T, np.zeros((periods, k))], [-rel.T, np.zeros((periods, k))],
                   [eye, -eye], [-eye, -eye]])
    b2 = np.concatenate([np.full(periods, 1 + used), np.full(periods, -(1 - used)), shares, -shares])
    second = linprog(c2, A_ub=a2, b_ub=b2, A_eq=np.concatenate([np.ones(k), np.zeros(k)])[None, :], b_eq=[1.0],
                     bounds=[(f, 1.0) for f in floor] + [(0, None)] * k, method="highs")
    p = second.x[:k] if second.success else first.x[:k]
    return _exact_probabilities(np.maximum(p, floor)), used


def _exact_probabilities(p: np.ndarray) -> np.ndarray:
    """Positive probabilities rounded to 12 decimals that add up to 1 as written (the rest on the largest)."""
    p = np.round(p / p.sum(), PROBABILITY_DECIMALS)
    p[int(p.argmax())] += 1.0 - p.sum()
    return np.round(p, PROBABILITY_DECIMALS)


def _names(method: str, shares: np.ndarray) -> list[str]:
    """Readable names in order of hashprice: q01_p00_20 .. by band (quantiles); s01_low .. s05_high by the middle
    of the scenario's range of cumulative probability (kmedoids): low < 20% <= mid_low < 40% <= mid < 60% <=
    mid_high < 80% <= high."""
    edges = np.concatenate([[0.0], np.cumsum(shares)])
    if method == "quantiles":
        pct = np.rint(edges * 100).astype(int)
        return [f"q{j + 1:02d}_p{pct[j]:02d}_{pct[j + 1]:02d}" for j in range(len(shares))]
    tags = ("low", "mid_low", "mid", "mid_high", "high")
    middle = 0.5 * (edges[:-1] + edges[1:])
    return [f"s{j + 1:02d}_{tags[min(int(m * 5), 4)]}" for j, m in enumerate(middle)]


def reduce_paths(paths: Paths, keep: int, method: str = "kmedoids", representative: str = "mean",
                 mean_tolerance: float = DEFAULT_MEAN_TOLERANCE) -> Reduced:
    """Reduce the N paths to `keep` scenarios with probabilities (see the module docstring)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, found {method!r}")
    if representative not in REPRESENTATIVES:
        raise ValueError(f"representative must be one of {', '.join(REPRESENTATIVES)}, found {representative!r}")
    n = paths.n_paths
    if not 1 <= keep <= n:
        raise ValueError(f"keep must be from 1 to the number of paths ({n}), found {keep}")
    x = paths.hashprice_usd_per_ph_day
    mu = x.mean(axis=0)
    if method == "kmedoids":
        medoids, labels, _ = kmedoids(np.log(x), keep, random_streams(paths.seed)["reduction"])
    else:
        medoids, labels = _quantile_bands(x, keep)
    # Order the groups from the lowest to the highest mean hashprice of their paths.
    sizes = np.bincount(labels, minlength=keep)
    group_mean = np.stack([x[labels == j].mean(axis=0) for j in range(keep)])
    order = np.argsort(group_mean.mean(axis=1), kind="stable")
    medoids, sizes, group_mean = medoids[order], sizes[order], group_mean[order]
    labels = np.argsort(order)[labels]
    shares = sizes / n

    if representative == "mean":
        price = np.stack([paths.btc_price_usd[labels == j].mean(axis=0) for j in range(keep)])
        fees = np.stack([paths.fees_btc_per_block[labels == j].mean(axis=0) for j in range(keep)])
        reps = group_mean
        # The hashrate at which extension B turns the mean price into the mean hashprice.
        hashrate = 144.0 * (paths.block_subsidy_btc[None, :] + fees) * price / (1000.0 * reps)
        probabilities, used = _exact_probabilities(shares), 0.0
        how = "shares of paths: the weighted mean of the group means is the N-path mean"
    else:
        price, hashrate = paths.btc_price_usd[medoids], paths.network_hashrate_eh_s[medoids]
        fees, reps = paths.fees_btc_per_block[medoids], x[medoids]
        probabilities, used = match_mean_path(reps, mu, shares, mean_tolerance)
        how = (f"LP (HiGHS): closest to the shares of paths in total variation, each at least "
               f"{PROBABILITY_FLOOR_SHARE:g} of its share, weighted mean hashprice within the tolerance")
    names = _names(method, shares)

    deviation = _max_relative_deviation(probabilities, reps, mu)
    rel_dist = np.sqrt((((x - reps[labels]) / mu[None, :]) ** 2).mean(axis=1))
    w1 = np.array([wasserstein_distance(x[:, t], reps[:, t], v_weights=probabilities) / mu[t]
                   for t in range(x.shape[1])])
    summary = {
        "method": method,
        "representative": representative,
        "paths": n,
        "scenarios": keep,
        "seed": paths.seed,
        "horizon": {"start": paths.horizon.start, "periods": paths.horizon.periods,
                    "months_per_period": paths.horizon.months_per_period},
        "halving_months": [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in paths.halving_months],
        "start": dict(paths.start),
        "hashrate_trend_per_year_used": paths.trend_per_year,
        "settings": paths.settings.as_dict(),
        "mean_hashprice_path": {
            "criterion": MEAN_PATH_CRITERION,
            "max_relative_deviation": deviation,
            "within_criterion": bool(deviation <= MEAN_PATH_CRITERION),
            **({"tolerance_used": used,
                "max_relative_deviation_at_shares_of_paths": _max_relative_deviation(shares, reps, mu)}
               if representative == "medoid" else {}),
        },
        "probabilities": {
            "method": how,
            "total_variation_from_shares_of_paths": float(0.5 * np.abs(probabilities - shares).sum()),
        },
        "reduction_error": {
            "mean_rms_relative_distance_to_scenario": float(rel_dist.mean()),
            "wasserstein_relative_mean": float(w1.mean()),
            "wasserstein_relative_max": float(w1.max()),
        },
    }
    scenarios = pd.DataFrame({
        "scenario": names,
        "probability": probabilities,
        "share_of_paths": shares,
        "mean_hashprice_usd_per_ph_day": reps.mean(axis=1),
        "min_hashprice_usd_per_ph_day": reps.min(axis=1),
        "end_hashprice_usd_per_ph_day": reps[:, -1],
        "mean_btc_price_usd": price.mean(axis=1),
        "end_btc_price_usd": price[:, -1],
        "end_network_hashrate_eh_s": hashrate[:, -1],
        "medoid_path": medoids,
    })
    periods = paths.horizon.periods
    scenario_periods = pd.DataFrame({
        "scenario": np.repeat(names, periods),
        "period": np.tile(paths.labels, keep),
        "btc_price_usd": price.ravel(),
        "network_hashrate_eh_s": hashrate.ravel(),
        "fees_btc_per_block": fees.ravel(),
    }, columns=list(SCENARIO_PERIOD_COLUMNS))
    return Reduced(scenarios=scenarios, scenario_periods=scenario_periods, summary=summary, names=names,
                   probabilities=probabilities, path_index=medoids, assignment=labels)


def scenario_hashprice(reduced: Reduced, paths: Paths) -> pd.DataFrame:
    """Hashprice of each scenario row as capopt derives it (docs/formulation.md, B) from the written fundamentals."""
    table = reduced.scenario_periods
    subsidy = np.tile(paths.block_subsidy_btc, len(reduced.names))
    return table.assign(hashprice_usd_per_ph_day=hashprice_usd_per_ph_day(
        table["btc_price_usd"], table["network_hashrate_eh_s"], subsidy, table["fees_btc_per_block"]))
