"""MSER-5 warm-up check on synthetic series whose transient we know."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from bedflow.mser import WarmupCheck, mser, system_census, warmup_check


def ar1(n, phi, sd, rng):
    """A stationary AR(1) series: autocorrelated like a daily bed census."""
    e = rng.normal(0.0, sd, n)
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - phi * phi)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_linear_ramp_is_cut_near_its_end(seed):
    # 60 days climbing 200 beds to the steady level, noise sd ~14 beds: the bias ends at day 60
    rng = np.random.default_rng(seed)
    y = 3000 + ar1(365, 0.7, 10, rng)
    y[:60] -= np.linspace(200, 0, 60)
    r = mser(y)
    assert 40 <= r.truncation <= 75, r.truncation
    assert r.truncation % 5 == 0 and not r.at_search_limit


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_step_start_is_cut_at_the_step(seed):
    # the first 30 days sit 100 beds low (a cold start), then the series is stationary
    rng = np.random.default_rng(seed)
    y = 500 + rng.normal(0, 5, 300)
    y[:30] -= 100
    # never short of the step; a batch or two beyond it is MSER's chance over-truncation
    assert 30 <= mser(y).truncation <= 45


def test_stationary_series_needs_no_truncation():
    # stationary series: MSER-5 keeps (almost) everything. Autocorrelated noise can suggest a
    # batch or two by chance, so the check is on many seeds: mostly 0, and never much.
    cuts = np.array([mser(3000 + ar1(365, 0.7, 10, np.random.default_rng(s))).truncation
                     for s in range(40)])
    assert np.median(cuts) == 0
    assert (cuts == 0).mean() >= 0.5
    iid = [mser(np.random.default_rng(s).normal(100, 3, 365)).truncation for s in range(40)]
    assert np.median(iid) == 0 and max(iid) <= 30


def test_statistic_matches_its_definition():
    rng = np.random.default_rng(7)
    y = rng.normal(0, 1, 103)  # 20 batches, 3 left over (dropped from the end)
    r = mser(y)
    z = y[:100].reshape(20, 5).mean(axis=1)
    want = [((z[d:] - z[d:].mean()) ** 2).sum() / (20 - d) ** 2 for d in range(11)]
    assert r.batches == 20 and r.searched == 10
    np.testing.assert_allclose(r.statistic, want, rtol=1e-10, atol=1e-14)
    assert r.truncation == 5 * int(np.argmin(want))


def test_too_short_to_judge():
    assert mser([1.0, 2.0, 3.0]).truncation == 0
    assert mser([]).truncation == 0


def _daily(y_by_rep, sites=("a", "b")):
    rows = []
    for rep, y in enumerate(y_by_rep):
        for i, v in enumerate(y):
            for s in sites:  # each site holds half of the system's beds
                rows.append({"replication": rep, "day": 10 + i, "site": s, "occupied": v / 2})
    return pd.DataFrame(rows)


def test_system_census_sums_sites_then_averages_replications():
    d = _daily([[10, 20, 30], [30, 40, 50]])
    s = system_census(d)
    assert list(s.index) == [10, 11, 12]
    assert list(s) == [20, 30, 40]


def test_warmup_check_message_names_the_suggested_warmup():
    rng = np.random.default_rng(3)
    reps = []
    for _ in range(3):
        y = 500 + rng.normal(0, 5, 200)
        y[:20] -= 100  # still climbing for 20 observed days
        reps.append(y)
    res = SimpleNamespace(daily=_daily(reps), config=SimpleNamespace(
        sim=SimpleNamespace(warmup_days=30)))
    w = warmup_check(res)
    assert 20 <= w.extra_days <= 35 and w.too_short
    assert w.suggested_days == 30 + w.extra_days
    msg = w.message()
    assert "\n" not in msg and "configured 30" in msg
    assert f"sim.warmup_days={30 + w.extra_days}" in msg

    flat = SimpleNamespace(daily=_daily([500 + rng.normal(0, 5, 200) for _ in range(3)]),
                           config=res.config)
    w = warmup_check(flat)
    assert not w.too_short and w.message() == ""


def test_a_series_that_never_settles_is_cut_at_the_search_limit():
    # a steady climb all year (no steady level): the minimum sits at half the series, and the
    # warning says "or longer" instead of pretending to know the warm-up
    y = np.linspace(2900, 3400, 365) + np.random.default_rng(5).normal(0, 5, 365)
    r = mser(y)
    assert r.at_search_limit and r.truncation == 5 * (73 // 2)
    assert not mser(np.r_[np.full(50, 100.0), np.full(315, 200.0)]).at_search_limit
    assert "or longer" in WarmupCheck(30.0, r.truncation, r.at_search_limit).message()
