"""Random durations with a given mean and coefficient of variation, and their length-biased
forms (what a patient found in a bed at time zero has: long stays are more likely to be caught).
"""

from __future__ import annotations

import math

from .config import Dist, Duration, Los
from .streams import Stream, Streams


class DurationSampler:
    """Draws `factor * X` where X has the configured mean and cv; one stream draw per call."""

    __slots__ = ("mean", "_base", "_kind", "_mu", "_sigma", "_scale")

    def __init__(self, d: Duration, streams: Streams, name: str, length_biased: bool = False,
                 positional: bool = False):
        """`positional`: read the stream by position with `at(k)` instead of calls."""
        src = streams.positional if positional else streams
        self.mean = d.mean_days
        self._kind = d.dist
        cv = d.cv
        if d.dist is Dist.lognormal:
            s2 = math.log1p(cv * cv)
            self._sigma = math.sqrt(s2)
            # the length-biased lognormal is lognormal with mu shifted by sigma^2
            self._mu = math.log(d.mean_days) - s2 / 2 + (s2 if length_biased else 0.0)
            self._base = src(name, "normal")
        elif d.dist is Dist.gamma:
            k = 1.0 / (cv * cv)
            self._scale = d.mean_days / k
            self._base = src(name, "gamma", k + (1.0 if length_biased else 0.0))
        else:  # exponential; its length-biased form is gamma(2)
            self._scale = d.mean_days
            self._base = src(name, "gamma", 2.0) if length_biased else src(name, "exponential")

    def __call__(self, factor: float = 1.0) -> float:
        if self._kind is Dist.lognormal:
            return factor * math.exp(self._mu + self._sigma * self._base())
        return factor * self._scale * self._base()

    def rank(self, x: float) -> float:
        """P(X <= x) at factor 1: where a stay lies in its distribution (0 shortest, 1 longest).
        Lognormal and exponential only (the config check refuses gamma where a rank is needed)."""
        if self._kind is Dist.lognormal:
            return _phi((math.log(x) - self._mu) / self._sigma) if x > 0 else 0.0
        if self._kind is Dist.gamma:  # the config check refuses this; never a wrong rank
            raise ValueError("rank needs lognormal or exponential stays")
        return -math.expm1(-x / self._scale)

    def at(self, k: int) -> float:
        """The k-th value of the stream (see `Stream.at`), drawn only when someone needs it."""
        if self._kind is Dist.lognormal:
            return math.exp(self._mu + self._sigma * self._base.at(k))
        return self._scale * self._base.at(k)


class LongTailSampler:
    """Emergency stays with their long tail: a mixture of two lognormals (`los.emergency` and
    `los.long_stay`). Each patient takes one draw from each of two streams, whatever the part:
    a uniform picks the part, a normal gives the value within it. Length-biased, the parts are
    weighted by share x mean."""

    __slots__ = ("_cut", "_short", "_long", "_part", "_z")

    def __init__(self, los: Los, streams: Streams, name: str, length_biased: bool = False):
        e, ls = los.emergency, los.long_stay
        parts = [(1.0 - ls.share, e.mean_days, e.cv), (ls.share, ls.mean_days, ls.cv)]
        weights = [w * m if length_biased else w for w, m, _ in parts]
        self._cut = weights[0] / sum(weights)
        mu_sigma = []
        for _, m, cv in parts:
            s2 = math.log1p(cv * cv)
            mu_sigma.append((math.log(m) - s2 / 2 + (s2 if length_biased else 0.0),
                             math.sqrt(s2)))
        self._short, self._long = mu_sigma
        self._part = streams(f"{name}/part", "uniform")
        self._z = streams(name, "normal")

    def __call__(self, factor: float = 1.0) -> float:
        mu, sigma = self._short if self._part() < self._cut else self._long
        return factor * math.exp(mu + sigma * self._z())

    def rank(self, x: float) -> float:
        """P(X <= x) at factor 1, over the mixture."""
        if x <= 0:
            return 0.0
        lx = math.log(x)
        (m1, s1), (m2, s2) = self._short, self._long
        return self._cut * _phi((lx - m1) / s1) + (1.0 - self._cut) * _phi((lx - m2) / s2)


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def emergency_stays(los: Los, streams: Streams, name: str, length_biased: bool = False):
    """The sampler of emergency acute stays: with its long tail when `los.long_stay` has a
    share, else the plain `los.emergency`."""
    if los.long_stay.share > 0:
        return LongTailSampler(los, streams, name, length_biased)
    return DurationSampler(los.emergency, streams, name, length_biased=length_biased)


def mean_emergency_stay(los: Los) -> float:
    ls = los.long_stay
    return (1.0 - ls.share) * los.emergency.mean_days + ls.share * ls.mean_days


__all__ = ["DurationSampler", "LongTailSampler", "Stream", "emergency_stays",
           "mean_emergency_stay"]
