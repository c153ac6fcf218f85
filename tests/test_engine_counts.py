"""Figures a planner reads, checked against what happened (issue 9, "figures that are wrong").

Each test runs one short replication through the model itself; the numbers it is checked
against come from the event log, the census or simple arithmetic on the run's clock.
"""

import math

import numpy as np
import pytest

import bedflow
from bedflow.model import Model, run_replication


def cfg(*overrides):
    return bedflow.compose(list(overrides) + ["sim.progress=false"])


def row(out, site):
    return next(r for r in out["rows"] if r["site"] == site)


def test_a_site_with_no_beds_reports_everyone_still_waiting():
    """No beds, no warm-up: every arrival is still in ED at T and has waited T - arrival. The
    arrivals are Poisson at a constant rate, so the arrival times are uniform on [0, T): the mean
    wait is T/2 (standard error T / sqrt(12 n)) and (T - 0.5) / T of them have passed 12 hours."""
    T = 30.0
    out = run_replication(cfg("system=single_ward", "system.sites.ward.beds=0",
                              "sim.warmup_days=0", f"sim.horizon_days={T:g}"), 0)
    r = row(out, "ward")
    n = r["emergency_arrivals"]
    assert n > 50 and r["admissions"] == 0
    assert r["still_waiting_at_end"] == n
    se = 24 * T / math.sqrt(12 * n)
    assert abs(r["mean_wait_hours"] - 24 * T / 2) < 4 * se
    p12 = (T - 0.5) / T
    assert abs(r["waits_over_12h"] - n * p12) < 4 * math.sqrt(n * p12 * (1 - p12)) + 1
    assert r["waits_over_4h"] >= r["waits_over_12h"]
    assert r["p95_wait_hours"] >= r["mean_wait_hours"]


def test_medway_without_beds_reports_its_waits():
    out = run_replication(cfg("system.sites.medway.beds=0", "sim.warmup_days=2",
                              "sim.horizon_days=6"), 0)
    r = row(out, "medway")
    assert r["admissions"] == 0 and r["still_waiting_at_end"] > 300
    assert r["mean_wait_hours"] > 24 and r["waits_over_12h"] > 200
    assert all(row(out, s)["still_waiting_at_end"] >= 0 for s in out["sites"])


def test_a_percentile_is_never_below_the_mean():
    """18 beds for 18 erlangs: the queue grows without bound for 1,000 days (mean wait ~ weeks).
    A p95 capped by a histogram's last bin came out below the mean; it must be above or unknown."""
    out = run_replication(cfg("system=single_ward", "system.sites.ward.beds=18",
                              "sim.horizon_days=1000"), 0)
    r = row(out, "ward")
    assert r["mean_wait_hours"] > 168
    assert not r["p95_wait_hours"] < r["mean_wait_hours"]  # NaN (unknown) passes, a cap does not


def test_electives_read_todays_opel_level():
    """Electives stop at OPEL 3 (85% of the 20 beds). On every weekday whose census reports level
    3 or more after a day below it, the whole of that morning's batch must have been cancelled
    at the last minute; after a day at 3 or more the list was stood down the day before
    (deferred, not cancelled); and at lower levels on both days (at least four beds free,
    batches of two, no rebooking) none of it. Reading the wrong day's level breaks these on
    many days."""
    c = cfg("system=single_ward", "system.sites.ward.elective_per_weekday=2",
            "system.sites.ward.emergency_per_day=2.5", "system.opel.thresholds=[0.70,0.85,0.95]", "system.opel.stop_electives_at=3",
            "system.electives.rebook_after_days=10000", "sim.horizon_days=400")
    m = Model(c, 0).run()
    lvl = m.census["opel_level"][:, 0]
    canc = m.census["elective_cancelled"][:, 0]
    weekday = np.array([m.cal.weekday(d) < 5 for d in m.census_days])
    prev = np.r_[0, lvl[:-1]]  # census days are consecutive: the previous morning's level
    weekday[0] = False  # its previous morning is not in the census
    new_high = weekday & (lvl >= 3) & (prev < 3)
    told = weekday & (prev >= 3)
    low = weekday & (lvl < 3) & (prev < 3)
    assert new_high.sum() > 10 and told.sum() > 10 and low.sum() > 20
    assert (canc[new_high] == 2).all()
    assert (canc[told] == 0).all() and (canc[low] == 0).all()
    assert m.wards[0].rec.elective_deferred >= 2 * told.sum()  # day 0's may add two more


def test_every_census_row_counts_the_24_hours_before_it():
    """Admissions in each row are the emergency admissions in (census - 24 h, census], counted
    again from the event log; the first row after a one-day warm-up included."""
    c = cfg("system=single_ward", "sim.warmup_days=1", "sim.horizon_days=20",
            "sim.event_log=true", "system.sites.ward.beds=200")
    out = run_replication(c, 0)
    ev = out["events"]
    adm = np.sort(ev.loc[(ev["event"] == "admitted") & (ev["time"] > 0), "time"].to_numpy())
    h = c.sim.census_hour / 24.0
    for i, d in enumerate(out["census_days"]):
        t = d + h
        expected = np.searchsorted(adm, t, "right") - np.searchsorted(adm, t - 1.0, "right")
        assert out["census"]["admissions"][i, 0] == expected, (i, d)


def _release_times(model, site, pool):
    """Times at which the warm start's downstream patients of one pool leave their places."""
    ward = next(w for w in model.wards if w.sid == site)
    release = ward.places[pool].release
    return sorted(t for t, _, _, ev in model.env._queue if release in (ev.callbacks or []))


@pytest.mark.parametrize("change", ["system.sites.medway.beds=300",
                                    "system.sites.medway.downstream.P1=5"])
def test_warm_start_draws_serve_one_purpose(change):
    """Changing the beds or one pool's places must leave another pool's warm-start residuals
    alone (common random numbers across capacity changes)."""
    def p2(*extra):
        m = Model(cfg("sim.warmup_days=5", "sim.horizon_days=10", *extra), 0)
        m.warm_start(next(w for w in m.wards if w.sid == "medway"))
        return _release_times(m, "medway", "P2")

    base, changed = p2(), p2(change)
    assert len(base) > 10 and base == changed


def test_intervention_cost_comes_from_the_config_not_the_replications():
    c = cfg("intervention=discharge_to_assess", "sim.warmup_days=2", "sim.horizon_days=5",
            "sim.replications=2")
    assert "intervention_cost" not in row(run_replication(c, 0), "medway")
    from bedflow.interventions import site_cost

    res = bedflow.simulate(c)
    for sid, site in c.system.sites.items():
        got = res.replications.loc[res.replications["site"] == sid, "intervention_cost"]
        assert (got == site_cost(c, site.downstream.P1)).all() and len(got) == 2
    assert (res.baseline.replications["intervention_cost"] == 0).all()


def test_waits_at_the_warm_up_edge_are_counted_by_admission():
    """A wait belongs to the window when its admission does (or when the patient is still in ED
    at T), whenever the patient arrived. Recounted from the event log on an overloaded ward (22.5
    erlangs on 20 beds), where a queue stands at the end of the warm-up: count, waits over 4 and
    12 hours and the mean wait from the decision to admit (arrival) must agree exactly."""
    w, T = 5.0, 25.0
    c = cfg("system=single_ward", "system.sites.ward.emergency_per_day=4.5", "sim.event_log=true",
            f"sim.warmup_days={w:g}", f"sim.horizon_days={T - w:g}")
    out = run_replication(c, 0)
    r = row(out, "ward")
    ev = out["events"].set_index("patient")
    arrival = ev.loc[ev["event"] == "arrival", "time"]
    admitted = ev.loc[ev["event"] == "admitted", "time"]
    queued = ev.loc[ev["event"] == "ed_wait_begins"].index
    waiting = queued.difference(admitted.index)  # in ED at T
    ended = admitted[admitted >= w]
    hours = np.concatenate([(ended - arrival.loc[ended.index]).to_numpy(),
                            T - arrival.loc[waiting].to_numpy()]) * 24.0
    straddle = (arrival.loc[ended.index] < w).sum()  # arrived in the warm-up, admitted after
    assert straddle > 5 and len(waiting) > 5 and (hours > 12.0).sum() > 5
    assert r["admissions"] == len(ended) and r["still_waiting_at_end"] == len(waiting)
    assert r["admissions"] + r["still_waiting_at_end"] == len(hours)
    assert r["waits_over_4h"] == (hours > 4.0).sum()
    assert r["waits_over_12h"] == (hours > 12.0).sum()
    assert r["mean_wait_hours"] == pytest.approx(hours.mean(), rel=1e-12)


def test_discharge_effort_follows_the_level_of_the_mo_day(monkeypatch):
    """Discharge pushes multiply the discharge process by the effort of the OPEL level in force
    when the patient becomes MO: the level declared on the morning (07:30) of the MO day, or of
    the day before for an MO before 07:30. Patients who become MO after the next declaration wait
    in a heap for it (no event of their own); every one must get the right level's effort."""
    c = cfg("system=single_ward", "system.sites.ward.emergency_per_day=3.2",
            "system.opel.thresholds=[0.70,0.80,0.90]",
            "system.opel.discharge_effort=[1.0,0.9,0.7,0.5]",
            "system.discharge.process_delay_days.P0=1.0", "system.discharge.process_delay_cv=0.5",
            "sim.warmup_days=0", "sim.horizon_days=200")
    seen = []
    orig = Model._discharge_after

    def spy(self, p, work):
        seen.append((p.mo, work / p.work))
        return orig(self, p, work)

    monkeypatch.setattr(Model, "_discharge_after", spy)
    m = Model(c, 0).run()
    level = dict(zip(m.census_days, m.census["opel_level"][:, 0]))  # declared at d + 07:30
    effort = c.system.opel.discharge_effort
    decl = c.system.electives.admit_hour / 24.0
    checked = 0
    for mo, factor in seen:
        day = math.floor(mo - decl)  # the declaration in force at MO
        if day in level:
            assert factor == pytest.approx(effort[level[day] - 1]), (mo, factor, level[day])
            checked += 1
    assert checked > 500
    assert len({round(f, 6) for _, f in seen}) >= 3  # several levels were in force


def test_corridor_care_goes_to_the_longest_waiting_first(monkeypatch):
    """The 12-hour valve: a patient reaching 10 hours with no corridor room is first in line for
    the next space freed, so the valve takes patients in the order of their decisions to admit
    (a newcomer reaching 10 hours never jumps one already past it), and it does act."""
    from bedflow.recorder import SiteRecorder

    order, jumped = [], []
    orig = SiteRecorder.corridor_care
    wards = []

    def spy(self, p, t):
        order.append((t, p.arrived))
        # nobody who decided to admit earlier and is past 10 hours is left waiting
        jumped.extend(q for q in wards[0].queue
                      if q.arrived < p.arrived and t - q.arrived >= 10 / 24)
        return orig(self, p, t)

    monkeypatch.setattr(SiteRecorder, "corridor_care", spy)
    c = cfg("system=single_ward", "system.sites.ward.emergency_per_day=4.2",
            "system.corridor.after_hours=10", "system.corridor.places_per_100_beds=5",
            "sim.warmup_days=0", "sim.horizon_days=300")
    m = Model(c, 0)
    wards.append(m.wards[0])
    m.run()
    assert m.wards[0].corridor == 1 and len(order) > 50
    arrived = [a for _, a in order]
    assert arrived == sorted(arrived) and not jumped
    assert all(t - a >= 10 / 24 - 1e-9 for t, a in order)


def test_no_bed_stands_empty_while_a_patient_waits_in_ed():
    """Electives that wait for a bed must not hold free beds back from the ED queue: with the
    elective occupancy cap below 1, a booked patient finding beds free but the site over its cap
    is cancelled, not queued. At no 08:00 census is anyone waiting in ED beside a free bed."""
    c = cfg("system=single_ward", "system.sites.ward.beds=40",
            "system.sites.ward.emergency_per_day=6.5", "system.sites.ward.elective_per_weekday=2",
            "system.electives.wait_for_bed_hours=4", "system.sites.ward.elective_max_occupancy=0.9",
            "sim.horizon_days=365")
    m = Model(c, 0).run()
    ce = m.census
    waiting = ce["ed_waiting"][:, 0] > 0
    free = ce["occupied"][:, 0] < ce["available_beds"][:, 0]
    assert waiting.sum() > 20 and (waiting & free).sum() == 0
