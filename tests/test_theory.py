"""The engine against queueing theory, on the single_ward harness (the same model code path).

Tolerances: each KPI is estimated by R independent replications; the estimate's standard error
is s/sqrt(R). We accept |estimate - theory| <= 4 standard errors (a false alarm about 1 in 16,000
per check) and, so the check has power, we require that band to be narrower than a stated share
of the theoretical value.
"""

import datetime as dt
import math

import numpy as np
import pytest

from bedflow.stats import mean_ci
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


def test_littles_law_for_medically_optimised(kent_medway):
    """Mean MO patients = rate of becoming MO x mean time from MO to leaving the bed.

    Over a finite window the identity is off by the patients in the MO state at its two ends;
    with ~1,000 MO patients, delays of ~2 days and a 365-day window that is ~2 x 1000 x 2 / 365
    patient-days per day, under 1.2% of L; we allow 2%.
    """
    d = kent_medway.system
    horizon = kent_medway.config.sim.horizon_days
    little = d["medically_optimised_patients"] / horizon * d["mean_delay_days"]
    rel = (d["mean_medically_optimised"] - little) / little
    assert rel.abs().max() < 0.02, rel.tolist()


def test_mean_ci_has_student_t_width():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and hi - m == pytest.approx(4.303 * 1.0 / math.sqrt(3), rel=1e-3)
