"""Queueing results the model is checked against (and a planner can use for a first sizing)."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/G/c/c with offered load a erlangs (insensitive to the stay law)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability an arrival waits in M/M/c (a < c)."""
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(c: int, lam: float, mean_stay: float) -> float:
    """Mean wait in queue of M/M/c, over all arrivals, in the time unit of mean_stay."""
    a = lam * mean_stay
    if a >= c:
        return math.inf
    return erlang_c(c, a) * mean_stay / (c - a)


def mginf_mean(t: float, rate: Callable[[float], float], survival: Callable[[float], float],
               horizon: float, steps: int = 4000) -> float:
    """E[N(t)] = integral_0^t lambda(t - s) P(S > s) ds for M_t/G/infinity started empty at 0.

    Trapezoid rule on `steps` points over [0, min(t, horizon)]; pick horizon so that
    P(S > horizon) is negligible and the truncation is below the test tolerance.
    """
    upper = min(t, horizon)
    s = np.linspace(0.0, upper, steps + 1)
    f = np.array([rate(t - x) * survival(x) for x in s])
    return float(np.trapezoid(f, s)) if hasattr(np, "trapezoid") else float(np.trapz(f, s))
