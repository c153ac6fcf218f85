"""Warm-up check: MSER-5 (White 1997; Franklin & White 2008) on the daily system census of
the queues the warm-up builds (see QUEUES).

A run starts from an approximate steady state and discards `sim.warmup_days`; if the queues
(MO patients, ED) were still building when observation began, the early observed days are
biased and every KPI with them. MSER-5 finds the truncation point d that minimises the
squared standard error of the mean of what is left,

    MSER(d) = sum_{j > d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2,

over batch means Z_j of 5 days, searching only the first half of the series (beyond it the
estimate rests on too little data). Here each series is the mean over replications of a
system total at 08:00, which covers the observed window only: a suggestion of d days means the
warm-up was about d days too short.

Pure numpy and pandas: no plotting, no files, so it can be tested on synthetic series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BATCH = 5


@dataclass(frozen=True)
class MSERResult:
    truncation: int  # observations to drop from the start (a multiple of the batch size)
    batch: int  # observations per batch
    batches: int  # batch means the series made
    searched: int  # largest truncation (in batches) searched: half the batches
    statistic: np.ndarray  # MSER(d) for d = 0..searched, per batch

    @property
    def at_search_limit(self) -> bool:
        """The minimum sits at the end of the search: the series may not have settled at all."""
        return self.searched > 0 and self.truncation == self.searched * self.batch


def mser(series, batch: int = BATCH, max_fraction: float = 0.5) -> MSERResult:
    """MSER-`batch` truncation point of `series` (observations to drop from its start).

    Observations left over after the last whole batch are dropped from the end. A series of
    fewer than two batches cannot be judged and gets truncation 0.
    """
    y = np.asarray(series, dtype=float)
    y = y[~np.isnan(y)]
    k = len(y) // batch
    if k < 2:
        return MSERResult(0, batch, k, 0, np.zeros(min(k, 1)))
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    # sums over z[d:] for every d at once (reverse cumulative sums)
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    n = np.arange(k, 0, -1, dtype=float)
    ss = np.maximum(s2 - s1 * s1 / n, 0.0)
    stat = ss / (n * n)
    searched = int(k * max_fraction)
    best = int(np.argmin(stat[: searched + 1]))
    return MSERResult(best * batch, batch, k, searched, stat[: searched + 1])


@dataclass(frozen=True)
class WarmupCheck:
    configured_days: float  # sim.warmup_days
    extra_days: int  # MSER-5 truncation into the observed window
    at_search_limit: bool
    observed: bool = False  # started from an observed state: no warm-up, nothing to check

    @property
    def too_short(self) -> bool:
        """More than one batch: on a settled series MSER-5 often drops the first batch by
        chance (a plain single_ward M/M/20 did, 5 days), which is no reason to warn."""
        return self.extra_days > BATCH

    @property
    def suggested_days(self) -> float:
        return self.configured_days + self.extra_days

    def message(self) -> str:
        """One line a planner can act on, or '' when the warm-up looks long enough."""
        if not self.too_short:
            return ""
        text = (f"warm-up may be too short: MSER-5 on the daily system census suggests "
                f"dropping {self.extra_days} more days, a warm-up of about "
                f"{self.suggested_days:g} days (configured {self.configured_days:g}); "
                f"try sim.warmup_days={self.suggested_days:g}")
        if self.at_search_limit:
            text += (" or longer (the census had not settled half-way through the window, or it "
                     "follows the season)")
        return text


def system_census(daily: pd.DataFrame, column: str = "occupied") -> pd.Series:
    """Mean over replications of the system total (sites summed) per day, in day order."""
    if daily is None or len(daily) == 0 or column not in daily:
        return pd.Series(dtype=float)
    per_rep = daily.groupby(["replication", "day"], sort=True)[column].sum()
    return per_rep.groupby(level="day").mean().sort_index()


QUEUES = ("medically_optimised",)
"""What the warm start leaves to build during the warm-up: it fills beds and downstream places
near their steady state but starts the MO patients (those waiting for a place among them) empty.
Occupied beds are judged only in a run without season, surge or closure: otherwise they follow
the season by design (a census that rises into winter is not a warm-up still running), and MSER,
which assumes a steady mean, would read any seasonal year as unsettled. The queues for places
and for beds are left out for the same reason and one more: a few dozen patients, mostly zero
outside winter, MSER cuts them at their first spike; their build-up shows in the MO census
(places) and in occupied beds (a steady run)."""


def _steady(cfg) -> bool:
    """No season, surge or closure: occupied beds should settle to a steady mean, so MSER
    can judge them too."""
    y, sc = getattr(cfg, "system", None), getattr(cfg, "scenario", None)
    if y is None:
        return True
    return y.demand.seasonality.amplitude == 0 and y.los.seasonality_amplitude == 0 and \
        not (sc and (sc.surges or sc.closures))


def warmup_check(results) -> WarmupCheck:
    """MSER-5 on the daily system census of each queue the warm-up builds (or of occupied beds,
    for a run without them), against the configured warm-up: the longest truncation found."""
    if getattr(results.config, "initial", None):  # a forecast from today's state
        return WarmupCheck(0.0, 0, False, observed=True)
    daily = results.daily
    cols = [c for c in QUEUES if daily is not None and c in daily]
    if _steady(results.config) or not cols:
        cols.append("occupied")
    found = [mser(system_census(daily, c).to_numpy()) for c in cols]
    r = max(found, key=lambda x: x.truncation)
    return WarmupCheck(float(results.config.sim.warmup_days), r.truncation, r.at_search_limit)
