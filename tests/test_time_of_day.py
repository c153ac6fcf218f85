"""Time of day (issue 10, item 1): demand by hour, the hour patients leave at, and the admission
process, each checked against theory on the single-ward harness with beds to spare, so nothing
but the mechanism under test shapes the numbers. Tolerances are 4 standard errors."""

import math

import numpy as np
import pytest

import bedflow
from bedflow.calendar import Calendar, HourlyDemandRate, LeavingHour
from bedflow.config import ConfigError
from bedflow.distributions import DurationSampler
from bedflow.model import run_replication
from bedflow.streams import Streams

from conftest import assert_rejected

BLOCKS = [12, 24, 36, 28]  # admitted patients' arrival by six-hour block (kent_medway.md)
# leaving hours: closed 22:00-07:00, a late-morning rise and an afternoon peak (illustrative)
LEAVE = [0] * 7 + [1, 2, 3, 4, 5, 6, 8, 10, 10, 9, 8, 6, 4, 2, 1] + [0] * 2


def cfg(*overrides):
    return bedflow.compose(["system=single_ward", "sim.warm_start=false", "sim.progress=false",
                            "system.sites.ward.beds=1000", *overrides])


def _list(xs):
    return "[" + ",".join(str(x) for x in xs) + "]"


def test_arrivals_by_block_follow_the_profile_and_daily_volume_is_unchanged():
    """Arrivals in each six-hour block are Poisson with mean lambda T x share: given the total,
    each block's count is binomial(n, share); the total is Poisson(lambda T) as without a
    profile (mean 1 over the day)."""
    lam, T = 40.0, 120.0
    out = run_replication(cfg(f"system.sites.ward.emergency_per_day={lam:g}", "sim.warmup_days=0",
                              f"sim.horizon_days={T:g}", "sim.event_log=true",
                              f"system.demand.hour_of_day={_list(BLOCKS)}"), 0)
    ev = out["events"]
    t = ev.loc[ev["event"] == "arrival", "time"].to_numpy()
    n = len(t)
    assert abs(n - lam * T) < 4 * math.sqrt(lam * T)
    counts = np.bincount(((t % 1.0) * 4).astype(int), minlength=4)
    for c, share in zip(counts, np.array(BLOCKS) / sum(BLOCKS)):
        assert abs(c - n * share) < 4 * math.sqrt(n * share * (1 - share)), (counts, n)


def test_rate_max_bounds_the_rate_with_an_hour_profile():
    """Thinning needs rate(t) <= max everywhere: the hour profile's peak on top of the busiest
    weekday at the seasonal peak."""
    cal = Calendar("2016-03-02")
    r = HourlyDemandRate(50.0, [1.1, 1.05, 1, 1, 1, 0.9, 0.85], 0.1, 15.0, cal, BLOCKS)
    grid = np.arange(0, 400, 1 / 96)
    assert max(r(x) for x in grid) <= r.max
    assert max(r(x) for x in grid) > 0.99 * r.max  # and a tight one
    mean_day = np.mean([r(x) for x in np.arange(0, 1, 1 / 240)]) / r.dow[cal.weekday(0)]
    assert mean_day == pytest.approx(50.0 * r.season(0.5), rel=1e-3)  # the day's volume kept


def test_a_flat_hour_profile_is_no_profile():
    """Weights all equal are the rate without a profile: the same arrivals, bit for bit."""
    base = run_replication(cfg("sim.horizon_days=20"), 0)["rows"][0]
    flat = run_replication(cfg("sim.horizon_days=20", "system.demand.hour_of_day=[5,5,5,5]"),
                           0)["rows"][0]
    assert flat == base


def _leaving(ev):
    left = ev[ev["event"] == "bed_released"].set_index("patient")["time"]
    mo = ev[ev["event"] == "medically_optimised"].set_index("patient")["time"]
    return left, mo.reindex(left.index)


def test_discharges_leave_at_the_profile_hours():
    """A ready patient leaves at an hour drawn from the profile, independent of when it was
    ready: the share before noon is binomial around the profile's, no one leaves in a closed
    hour, and no one waits a day or more for the hour (the profile is the same every day)."""
    out = run_replication(cfg("system.sites.ward.emergency_per_day=40", "sim.warmup_days=10",
                              "sim.horizon_days=60", "sim.event_log=true",
                              f"system.discharge.hour_of_day={_list(LEAVE)}"), 0)
    left, mo = _leaving(out["events"])
    left = left[left >= 10.0]
    mo = mo.reindex(left.index)
    n = len(left)
    hours = ((left.to_numpy() % 1.0) * 24).astype(int)
    assert all(LEAVE[h] > 0 for h in hours)
    share = sum(LEAVE[:12]) / sum(LEAVE)
    before = int((hours < 12).sum())
    assert abs(before - n * share) < 4 * math.sqrt(n * share * (1 - share)), (before, n, share)
    wait = (left - mo).to_numpy()
    assert wait.min() >= 0 and wait.max() < 1.0
    r = out["rows"][0]
    assert r["discharges"] == n and r["discharges_before_noon"] == before


def test_weekend_discharges_use_the_weekend_hours():
    """With a weekend profile open only 12:00-18:00, every Saturday and Sunday discharge falls
    in that window; weekdays keep theirs, and the wait for the hour stays under two days."""
    weekend = [0] * 12 + [1] * 6 + [0] * 6
    c = cfg("system.sites.ward.emergency_per_day=30", "sim.warmup_days=0", "sim.horizon_days=42",
            "sim.event_log=true", f"system.discharge.hour_of_day={_list(LEAVE)}",
            f"system.discharge.weekend_hour_of_day={_list(weekend)}")
    out = run_replication(c, 0)
    left, mo = _leaving(out["events"])
    cal = Calendar(c.sim.start_date)
    t = left.to_numpy()
    hours = ((t % 1.0) * 24).astype(int)
    wkend = np.array([cal.weekday(x) >= 5 for x in t])
    assert wkend.sum() > 100 and (~wkend).sum() > 100
    assert all(12 <= h < 18 for h in hours[wkend])
    assert all(LEAVE[h] > 0 for h in hours[~wkend])
    assert ((left - mo).to_numpy() < 2.0).all()


def test_leaving_hour_never_picks_a_closed_hour_even_at_the_edges():
    lh = LeavingHour(Calendar("2016-03-07"), [0] * 8 + [1] * 8 + [0] * 8)  # a Monday
    for u in (0.0, 1e-12, 0.5, 1 - 1e-12, 0.9999999999999999):
        h = lh.hour(0, u) * 24
        assert 8.0 <= h < 16.0, (u, h)
    assert lh(0.9, 0.0) == pytest.approx(1 + 8 / 24)  # ready after the window: the next day


def test_admission_delay_is_the_wait_on_an_uncongested_ward():
    """With beds to spare every emergency admission waits exactly its drawn admission delay
    (read again from the named stream, in arrival order); the mean wait is the delay's mean
    within 4 standard errors; and occupancy is unchanged (M/G/infinity with every stay shifted:
    paired with the run without the delay, only patients in a bed at the window's edges move,
    about 2 lambda E[LOS] E[D] patient-days)."""
    lam, mean_d, cv, w, T = 40.0, 0.08, 0.8, 20.0, 60.0
    common = [f"system.sites.ward.emergency_per_day={lam:g}", f"sim.warmup_days={w:g}",
              f"sim.horizon_days={T:g}"]
    c = cfg(*common, "sim.event_log=true", "system.admission.delay.dist=lognormal",
            f"system.admission.delay.mean_days={mean_d}", f"system.admission.delay.cv={cv}")
    out = run_replication(c, 0)
    ev = out["events"]
    arr = ev[ev["event"] == "arrival"].set_index("patient")["time"].sort_index()
    adm = ev[ev["event"] == "admitted"].set_index("patient")["time"].reindex(arr.index)
    draw = DurationSampler(c.system.admission.delay, Streams(c.sim.seed, 0),
                           "ward/emergency/admission_delay")
    expected = np.array([draw() for _ in range(len(arr))])
    done = adm.notna().to_numpy()
    assert done.sum() > 0.99 * len(arr)
    np.testing.assert_allclose((adm - arr).to_numpy()[done], expected[done], atol=1e-9)
    r = out["rows"][0]
    n = r["admissions"] + r["still_waiting_at_end"]
    assert r["still_waiting_at_end"] == (~done).sum()
    assert r["waited"] == n  # everyone passes through the admission process
    assert abs(r["mean_wait_hours"] - 24 * mean_d) < 4 * 24 * cv * mean_d / math.sqrt(n)
    off = run_replication(cfg(*common), 0)["rows"][0]
    assert off["emergency_arrivals"] == r["emergency_arrivals"]  # its own stream: CRN hold
    assert abs(r["mean_occupied"] - off["mean_occupied"]) < 3 * 2 * lam * 5.0 * mean_d / T


def test_the_published_defaults_are_one_switch_away_and_off():
    """time_of_day=published carries the published profiles; kent_medway (calibrated with them)
    carries the same, and kent_medway_now inherits them; the harness runs without them, and
    time_of_day=none switches them off anywhere."""
    on = bedflow.compose(["time_of_day=published", "sim.progress=false"]).system
    assert on.demand.hour_of_day == BLOCKS
    d = on.discharge.hour_of_day
    assert len(d) == 24 and sum(d[:12]) / sum(d) == pytest.approx(0.176, abs=1e-9)
    assert sum(d[:7] + d[22:]) / sum(d) < 0.06  # few at night
    median_h = 24 * on.admission.delay.mean_days / math.sqrt(1 + on.admission.delay.cv ** 2)
    assert 1.5 <= median_h <= 2.0
    km = bedflow.compose(["sim.progress=false"]).system
    assert km.demand.hour_of_day == on.demand.hour_of_day
    assert km.discharge.hour_of_day == on.discharge.hour_of_day
    assert km.admission.delay.mean_days > 0
    now = bedflow.compose(["system=kent_medway_now", "sim.progress=false"]).system
    assert now.demand.hour_of_day == km.demand.hour_of_day
    for over in (["system=single_ward"], ["time_of_day=none"], ["system=kent_medway_now", "time_of_day=none"],
                 ["system=single_ward", "time_of_day=none"]):
        s = bedflow.compose(over + ["sim.progress=false"]).system
        assert not s.demand.hour_of_day and not s.discharge.hour_of_day, over
        assert s.admission.delay.mean_days == 0, over


@pytest.mark.parametrize("override,key", [
    ("system.demand.hour_of_day=[1,2,3]", "system.demand.hour_of_day"),
    ("system.demand.hour_of_day=[1,-2,3,4]", "system.demand.hour_of_day[1]"),
    ("system.discharge.hour_of_day=[0,0,0,0]", "system.discharge.hour_of_day"),
    ("system.discharge.weekend_hour_of_day=[1,1,1,1]", "system.discharge.weekend_hour_of_day"),
    ("system.admission.delay.mean_days=-0.1", "system.admission.delay.mean_days"),
])
def test_bad_time_of_day_settings_are_refused_in_one_line(override, key):
    with pytest.raises(ConfigError) as e:
        cfg(override)
    assert str(e.value).startswith(key) and "\n" not in str(e.value)


def test_the_cli_refuses_a_bad_profile(tmp_path, monkeypatch, capsys):
    assert_rejected(["system.demand.hour_of_day=[1,2,3,4,5]"], "system.demand.hour_of_day",
                    tmp_path, monkeypatch, capsys)


def test_time_of_day_runs_are_reproducible_when_congested():
    """All three on, a full ward and waits still running at the end (in the ED queue and in
    the admission process): the same seed gives the same rows."""
    c = bedflow.compose(["system=single_ward", "time_of_day=published", "sim.progress=false",
                         "sim.warmup_days=5", "sim.horizon_days=30",
                         "system.sites.ward.emergency_per_day=4.2"])
    a, b = run_replication(c, 3)["rows"][0], run_replication(c, 3)["rows"][0]
    assert a == b
    assert a["still_waiting_at_end"] > 0 and a["waits_over_4h"] > 0


def test_patients_in_the_admission_process_are_in_ed():
    """They wait in ED for their bed, so the ED count includes them: with beds to spare the time
    in ED is the sum of the waits (Little's law on the sample path, up to the few patients in
    ED at the window's edges, ~2 lambda E[D] of them for E[D] each), and with the process on
    the 08:00 census finds patients in ED although no one queues for a bed."""
    lam, mean_d, w, T = 40.0, 0.08, 10.0, 40.0
    c = cfg(f"system.sites.ward.emergency_per_day={lam:g}", f"sim.warmup_days={w:g}",
            f"sim.horizon_days={T:g}", f"system.admission.delay.mean_days={mean_d}")
    out = run_replication(c, 0)
    r = out["rows"][0]
    n = r["admissions"] + r["still_waiting_at_end"]
    in_ed_days = r["mean_ed_waiting"] * T
    assert abs(in_ed_days - n * r["mean_wait_hours"] / 24) < 3 * 2 * lam * mean_d * mean_d
    # ~4 SE: the time-average's variance is 2 lam E[D] x E[D^2] / (2 E[D]) / T
    assert r["mean_ed_waiting"] == pytest.approx(lam * mean_d, rel=0.15)
    assert out["census"]["ed_waiting"].sum() > 0


def test_diverted_after_the_admission_process_leave_ed_when_diverted():
    """With when_full=divert on a full ward every arrival still spends its admission process in
    ED and then takes a bed or is turned away: the ED count is M/G/infinity, lambda E[D]
    (within ~4 SE), however many are diverted."""
    lam, mean_d = 40.0, 0.08
    r = run_replication(cfg(f"system.sites.ward.emergency_per_day={lam:g}", "sim.warmup_days=10",
                            "sim.horizon_days=40", "system.when_full=divert",
                            "system.sites.ward.beds=190",
                            f"system.admission.delay.mean_days={mean_d}"), 0)["rows"][0]
    assert r["diverted"] > 0.02 * r["emergency_arrivals"]
    assert r["mean_ed_waiting"] == pytest.approx(lam * mean_d, rel=0.15)


def test_an_admission_delay_of_exactly_zero_still_leaves_ed(monkeypatch):
    """A gamma delay with a large cv is exactly 0.0 now and then (113 in 200,000 at cv=10):
    such a patient went through the admission process, so it must leave the ED count on
    admission. The count was inferred from the draw (> 0), and those patients stayed in ED to
    the end of the window. Every other delay is forced to 0 here: the time in ED recounted
    patient by patient from the event log must equal the recorder's area exactly."""
    from bedflow.model import Model

    real = Model._time_of_day

    def half_zero(self, name):
        u_leave, delay = real(self, name)
        calls = iter(range(10 ** 9))
        return u_leave, (lambda: 0.0 if next(calls) % 2 else delay())

    monkeypatch.setattr(Model, "_time_of_day", half_zero)
    w, T = 5.0, 20.0
    c = cfg("system.sites.ward.emergency_per_day=40", f"sim.warmup_days={w:g}",
            f"sim.horizon_days={T:g}", "system.admission.delay.mean_days=0.08",
            "sim.event_log=true")
    out = run_replication(c, 0)
    ev = out["events"]
    start = ev[ev["event"] == "ed_wait_begins"].set_index("patient")["time"]
    end = ev[ev["event"] == "admitted"].set_index("patient")["time"].reindex(start.index)
    in_window = (end.fillna(w + T).clip(upper=w + T) - start.clip(lower=w)).clip(lower=0)
    assert (end - start == 0).sum() > 100  # the zero delays are there
    assert out["rows"][0]["mean_ed_waiting"] * T == pytest.approx(in_window.sum(), abs=1e-9)
