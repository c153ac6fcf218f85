"""Random durations with a given mean and coefficient of variation, and their length-biased
forms (what a patient found in a bed at time zero has: long stays are more likely to be caught).
"""

from __future__ import annotations

import math

from .config import Dist, Duration
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

    def at(self, k: int) -> float:
        """The k-th value of the stream (see `Stream.at`), drawn only when someone needs it."""
        if self._kind is Dist.lognormal:
            return math.exp(self._mu + self._sigma * self._base.at(k))
        return self._scale * self._base.at(k)


__all__ = ["DurationSampler", "Stream"]
