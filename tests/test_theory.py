"""The engine against queueing theory, on the single_ward harness (the same model code path).

Tolerances: each KPI is estimated by R independent replications; the estimate's standard error
is s/sqrt(R). We accept |estimate - theory| <= 4 standard errors (a false alarm about 1 in 16,000
per check) and, so the check has power, we require that band to be narrower than a stated share
of the theoretical value.

Also here: the recorder's time averages against a recount from the event log (accounting, so
exact), and the Student-t quantiles and Welch degrees of freedom the intervals rest on.
"""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from bedflow.stats import mean_ci, t975
from bedflow.theory import erlang_b, erlang_c, mginf_mean, mmc_mean_wait
from conftest import run

WARD = ["system=single_ward", "sim.horizon_days=1500", "sim.warmup_days=50"]


def close_to_theory(values, theory, power):
    x = np.asarray(values, dtype=float)
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert 4 * se < power * theory, f"too few replications to test: 4 SE = {4 * se:.4g}"
    assert abs(x.mean() - theory) <= 4 * se, f"mean {x.mean():.5g} vs theory {theory:.5g}, SE {se:.3g}"


@pytest.mark.parametrize("los", ["dist=exponential", "dist=lognormal,cv=1.5"])
def test_loss_share_matches_erlang_b(los):
    # offered load 3.6/day x 5 days = 18 erlangs on 20 beds; Erlang B is insensitive to the stay law
    los_over = [f"system.los.emergency.{kv}" for kv in los.split(",")]
    r = run(WARD + ["system.when_full=divert", "sim.replications=16", "sim.jobs=2"] + los_over)
    d = r.replications
    share = d["diverted"] / d["emergency_arrivals"]
    close_to_theory(share, erlang_b(20, 18.0), power=0.15)
    # carried load = a (1 - B): Little's law on the occupied beds
    close_to_theory(d["mean_occupied"], 18.0 * (1 - erlang_b(20, 18.0)), power=0.05)


def test_delay_system_matches_erlang_c():
    # 3.2/day x 5 days = 16 erlangs on 20 beds, exponential stays: M/M/20
    r = run(WARD + ["system.sites.ward.emergency_per_day=3.2", "sim.replications=24",
                    "sim.horizon_days=5000",
                    "sim.jobs=2"])
    d = r.replications
    close_to_theory(d["waited"] / d["admissions"], erlang_c(20, 16.0), power=0.15)
    close_to_theory(d["mean_wait_hours"], 24 * mmc_mean_wait(20, 3.2, 5.0), power=0.3)
    # Little's law with lambda and W from theory, L from the recorder's time averages:
    # beds L = lambda E[S] = 16; ED queue Lq = lambda Wq
    close_to_theory(d["mean_occupied"], 16.0, power=0.02)
    close_to_theory(d["mean_ed_waiting"], 3.2 * mmc_mean_wait(20, 3.2, 5.0), power=0.3)
    assert (d["diverted"] == 0).all()


def _rate(day_of_week, amplitude, peak, start):
    """lambda(t) written out again from the definition, independent of bedflow.calendar."""
    start = dt.date.fromisoformat(start)

    def lam(t):
        day = math.floor(t)
        d = start + dt.timedelta(days=day)
        doy = start.timetuple().tm_yday + t
        return 40.0 * day_of_week[d.weekday()] * (
            1 + amplitude * math.cos(2 * math.pi * (doy - peak) / 365.25))

    return lam


@pytest.mark.parametrize("dist,cv", [("exponential", 1.0), ("lognormal", 0.8)])
def test_daily_census_follows_mt_g_infinity(dist, cv):
    """Started empty, N(t) is Poisson with mean integral_0^t lambda(t-s) P(S>s) ds."""
    dow = [1.2, 1.1, 1.0, 1.0, 1.0, 0.8, 0.9]
    amp, peak, start, R = 0.3, 15, "2016-10-01", 12
    r = run(["system=single_ward", "system.sites.ward.beds=100000",
             "system.sites.ward.emergency_per_day=40", f"system.los.emergency.dist={dist}",
             f"system.los.emergency.cv={cv}", "system.los.emergency.mean_days=4",
             f"system.demand.day_of_week=[{','.join(map(str, dow))}]",
             f"system.demand.seasonality.amplitude={amp}",
             f"system.demand.seasonality.peak_day={peak}", f"sim.start_date={start}",
             "sim.warm_start=false", "sim.warmup_days=0", "sim.horizon_days=240",
             f"sim.replications={R}", "sim.jobs=2"])
    if dist == "exponential":
        surv = lambda s: math.exp(-s / 4.0)  # noqa: E731
    else:
        s2 = math.log1p(cv * cv)
        mu = math.log(4.0) - s2 / 2
        surv = lambda s: 0.5 * math.erfc((math.log(s) - mu) / math.sqrt(2 * s2)) if s > 0 else 1.0  # noqa: E731
    lam = _rate(dow, amp, peak, start)
    mean = r.daily.groupby("day")["occupied"].mean()
    t = mean.index.to_numpy() + 8 / 24
    theory = np.array([mginf_mean(x, lam, surv, horizon=80.0, steps=8000) for x in t])
    # N(t) ~ Poisson(m): the mean of R replications has SE sqrt(m / R); 4.5 SE over 240 days
    z = (mean.to_numpy() - theory) / np.sqrt(theory / R)
    assert np.abs(z).max() < 4.5, f"worst day {t[np.abs(z).argmax()]:.2f}: z = {z[np.abs(z).argmax()]:.2f}"
    # and the seasonal curve is really there: winter peak well above the autumn start
    assert theory.max() > 1.2 * theory[10]


def test_mo_count_is_the_sum_of_mo_spells(kent_medway):
    """Accounting, not theory: the time-weighted MO count equals the MO spells summed over the
    window (Little's law on a sample path). The recorder keeps the two with separate counters.

    Over a finite window the identity is off by the patients in the MO state at its two ends;
    with ~1,000 MO patients, delays of ~2 days and a 365-day window that is ~2 x 1000 x 2 / 365
    patient-days per day, under 1.2% of L; we allow 2%.
    """
    d = kent_medway.system
    horizon = kent_medway.config.sim.horizon_days
    little = d["medically_optimised_patients"] / horizon * d["mean_delay_days"]
    rel = (d["mean_medically_optimised"] - little) / little
    assert rel.abs().max() < 0.02, rel.tolist()


def _window_overlap(start, end, w, T):
    return np.clip(np.minimum(end, T) - np.maximum(start, w), 0.0, None)


def test_time_averages_match_an_independent_count_from_the_event_log():
    """The recorder's time-weighted means (kept as anticipated areas, no per-patient state)
    against the same quantities recounted patient by patient from the event log: bed held
    from 'admitted' to 'bed_released', MO from 'medically_optimised' to 'bed_released'."""
    r = run(["sim.replications=2", "sim.horizon_days=40", "sim.warmup_days=10", "sim.jobs=1",
             "sim.event_log=true", "scenario=ring_fenced_electives"])
    w, T = 10.0, 50.0
    ev = r.events
    for (rep, site), g in ev.groupby(["replication", "site"]):
        when = {e: g[g["event"] == e].set_index("patient")["time"]
                for e in ("admitted", "medically_optimised", "bed_released")}
        left = when["bed_released"].reindex(when["admitted"].index).fillna(np.inf)
        occupied = _window_overlap(when["admitted"].to_numpy(), left.to_numpy(), w, T).sum()
        mo_start = when["medically_optimised"].reindex(when["admitted"].index)
        mo = _window_overlap(mo_start.to_numpy(), left.to_numpy(), w, T).sum()
        row = r.replications[(r.replications["replication"] == rep)
                             & (r.replications["site"] == site)].iloc[0]
        assert row["mean_occupied"] == pytest.approx(occupied / (T - w), rel=1e-9), (rep, site)
        assert row["mean_medically_optimised"] == pytest.approx(mo / (T - w), rel=1e-9), (rep, site)
        released = when["bed_released"]
        assert row["discharges"] == ((released >= w) & (released < T)).sum(), (rep, site)


def test_mean_ci_has_student_t_width():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and hi - m == pytest.approx(4.303 * 1.0 / math.sqrt(3), rel=1e-3)


@pytest.mark.parametrize("df,t", [
    # two-sided 95% (0.975 quantile) of Student's t, from standard tables
    (1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281), (30, 2.0423), (31, 2.0395),
    (40, 2.0211), (60, 2.0003), (120, 1.9799), (1000, 1.9623), (math.inf, 1.9600),
])
def test_t_quantiles_match_the_table(df, t):
    # the built-in table has 3 decimals to df = 30; the expansion beyond is good to ~1e-4
    assert t975(df) == pytest.approx(t, abs=5e-4 if df <= 30 else 1.5e-4)


def _results_with(col, baseline, scenario):
    """Minimal Results holding one KPI column per replication (the others zero), one site."""
    from bedflow.config import Config
    from bedflow.results import Results

    def frame(values):
        n = len(values)
        df = pd.DataFrame({c: np.zeros(n) for c in (
            "mean_occupied", "mean_medically_optimised", "mean_wait_hours", "waits_over_12h",
            "elective_cancelled", "admissions", "intervention_cost")})
        df[col] = np.asarray(values, dtype=float)
        df.insert(0, "site", "ward")
        df.insert(0, "replication", range(n))
        return Results(config=Config(), replications=df.iloc[0:0], system=df, daily=pd.DataFrame())

    return frame(baseline), frame(scenario)


@pytest.mark.parametrize("base,scen,df,diff,se", [
    # unequal variances: s2 = 1 and 16, n = 3 each; Welch df = (17/3)^2 / ((1/3)^2/2 + (16/3)^2/2)
    # = 578/257 = 2.25, taken down to 2 (t = 4.303), not the pooled n + m - 2 = 4
    ([1, 2, 3], [2, 6, 10], 2, 4.0, math.sqrt(17 / 3)),
    # equal variances: df = 2 (n - 1) = 4 exactly; in floating point 3.9999999999999996,
    # which must not be truncated to 3
    ([0.1, 0.2, 0.3], [0.4, 0.5, 0.6], 4, 0.3, math.sqrt(2 * 0.01 / 3)),
])
def test_unpaired_interval_uses_welch_degrees_of_freedom(base, scen, df, diff, se):
    from bedflow.compare import compare

    b, s = _results_with("mean_medically_optimised", base, scen)
    row = compare(b, s).set_index("kpi").loc["mean_medically_optimised"]
    assert row["unpaired_ci_low"] == pytest.approx(diff - t975(df) * se, rel=1e-9)
    assert row["unpaired_ci_high"] == pytest.approx(diff + t975(df) * se, rel=1e-9)


def test_arrivals_follow_the_calendar():
    """Emergency arrivals on each weekday are Poisson with mean rate x that weekday's factor x
    the number of such days; electives come at the admit hour on Monday to Friday only. The
    weekday is worked out here from the date, independently of bedflow.calendar."""
    dow = [1.6, 1.0, 1.0, 1.0, 1.0, 0.7, 0.7]
    weeks, rate, electives = 52, 40.0, 2
    r = run(["system=single_ward", "system.sites.ward.beds=100000",
             f"system.sites.ward.emergency_per_day={rate}",
             f"system.sites.ward.elective_per_weekday={electives}",
             f"system.demand.day_of_week=[{','.join(map(str, dow))}]", "sim.start_date=2016-03-02",
             "sim.warm_start=false", "sim.warmup_days=0", f"sim.horizon_days={7 * weeks}",
             "sim.replications=1", "sim.event_log=true"])
    ev = r.events[r.events["event"] == "arrival"]
    start = dt.date(2016, 3, 2)
    weekday = np.array([(start + dt.timedelta(days=int(t))).weekday() for t in ev["time"]])
    hour = r.config.system.electives.admit_hour / 24.0
    elective = ev["time"].to_numpy() % 1.0 == hour  # exact: day + 7.5/24 in binary
    for k in range(7):
        expected = rate * dow[k] * weeks
        z = ((weekday[~elective] == k).sum() - expected) / math.sqrt(expected)
        assert abs(z) < 4.5, (k, z)
        assert (weekday[elective] == k).sum() == (electives * weeks if k < 5 else 0), k
