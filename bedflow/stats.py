"""Intervals over replications: mean and a Student-t 95% interval."""

from __future__ import annotations

import math

import numpy as np

# two-sided 95% Student-t quantiles, df = 1..30
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df: int) -> float:
    """0.975 quantile of Student's t (table to 30 df, Cornish-Fisher expansion beyond)."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(values) -> tuple[float, float, float]:
    """(mean, low, high) of a 95% interval for the mean; NaNs are dropped, one value gives no interval."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n == 1:
        return m, math.nan, math.nan
    half = t975(n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def paired(scenario, baseline) -> tuple[float, float, float]:
    """(mean, low, high) of scenario minus baseline, paired replication by replication.

    Common random numbers make replication r of both runs meet the same patients, so the
    interval is Student-t over the n differences, far narrower than two separate intervals.
    Pairs are by position: both must hold the same replications in the same order (see
    `common_replications`), and a length mismatch is refused rather than silently truncated.
    """
    s, b = np.asarray(scenario, dtype=float), np.asarray(baseline, dtype=float)
    if s.shape != b.shape:
        raise ValueError(f"paired: {s.size} scenario values against {b.size} baseline values; "
                         "pairs must come from the same replications")
    return mean_ci(s - b)


def common_replications(scenario_ids, baseline_ids) -> list:
    """The replications both runs hold, sorted; a ValueError naming those only one run holds,
    since a difference over some replications is not the difference the runs were asked for."""
    a, b = set(scenario_ids), set(baseline_ids)
    if a != b:
        only_a, only_b = sorted(a - b), sorted(b - a)
        raise ValueError("replications differ: "
                         + "; ".join(x for x in (
                             f"only the scenario has {_ids(only_a)}" if only_a else "",
                             f"only the baseline has {_ids(only_b)}" if only_b else "") if x))
    return sorted(a)


def _ids(ids: list) -> str:
    return ", ".join(str(i) for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
