"""Winter scenarios, OPEL actions and the event log: direction, dates, and bad input."""

import numpy as np
import pandas as pd
import pytest

from bedflow.calendar import Calendar, DemandRate
from conftest import assert_rejected, run

# observe 1 Nov 2016 - 28 Feb 2017 after a 30-day warm-up
WINTER = ["sim.start_date=2016-10-02", "sim.warmup_days=30", "sim.horizon_days=120",
          "sim.replications=3", "sim.jobs=2"]


def site_rows(res, site):
    return res.replications[res.replications["site"] == site].set_index("replication")


def test_medway_surge_raises_occupancy_and_waits_there_in_december():
    base, surge = run(WINTER), run(WINTER + ["scenario=winter_2016"])
    # the extra patients come from their own streams: the usual patients are the same
    b, s = site_rows(base, "medway"), site_rows(surge, "medway")
    assert (s["emergency_arrivals"] > b["emergency_arrivals"]).all()
    dec = lambda r: r.daily[(r.daily["site"] == "medway") & (r.daily["date"].dt.month == 12)]  # noqa: E731
    assert dec(surge)["occupied"].mean() > dec(base)["occupied"].mean()
    assert s["mean_wait_hours"].mean() > b["mean_wait_hours"].mean()
    # other sites see exactly the same arrivals (their streams are untouched)
    for other in ("qeqm", "darent_valley"):
        pd.testing.assert_series_equal(site_rows(base, other)["emergency_arrivals"],
                                       site_rows(surge, other)["emergency_arrivals"])
    # the extra arrivals are Poisson with mean = integral of (factor - 1) x the base rate over
    # the surge dates (x1.17 in December, x1.08 in January); 4 standard errors over 3 replications
    cfg = surge.config
    rate = DemandRate(cfg.system.sites["medway"].emergency_per_day, cfg.system.demand.day_of_week,
                      cfg.system.demand.seasonality.amplitude, cfg.system.demand.seasonality.peak_day,
                      Calendar(cfg.sim.start_date))
    cal = Calendar(cfg.sim.start_date)
    grid = lambda a, b: np.arange(cal.day_of(a), cal.day_of(b) + 1, 1 / 96) + 1 / 192  # noqa: E731
    m = sum(f * np.mean([rate(t) for t in grid(a, b)]) * (cal.day_of(b) + 1 - cal.day_of(a))
            for a, b, f in [("2016-12-01", "2016-12-31", 0.17), ("2017-01-01", "2017-01-31", 0.08)])
    extra = s["emergency_arrivals"] - b["emergency_arrivals"]
    assert abs(extra.mean() - m) < 4 * np.sqrt(m / len(extra)), (extra.mean(), m)


def test_surge_lands_on_its_dates():
    r = run(WINTER + ["scenario=winter_2016", "sim.replications=2"])
    b = run(WINTER + ["sim.replications=2"])
    key = ["replication", "date"]
    a = r.daily[r.daily["site"] == "medway"].set_index(key)["admissions"]
    c = b.daily[b.daily["site"] == "medway"].set_index(key)["admissions"]
    diff = (a - c).groupby(level="date").sum()
    # before 1 December the Medway admissions are identical day by day; in December they rise
    before = diff[diff.index < "2016-11-25"]
    assert (before == 0).all()
    assert diff[(diff.index >= "2016-12-02") & (diff.index <= "2016-12-31")].sum() > 100


def test_ward_closure_raises_pressure_at_that_site_only():
    base, closed = run(WINTER), run(WINTER + ["scenario=ward_closures"])
    jan = lambda r, s: r.daily[(r.daily["site"] == s) & (r.daily["date"] >= "2017-01-10") & (r.daily["date"] <= "2017-01-29")]  # noqa: E731
    def base_beds(r):  # beds open less escalation beds (which the closure may bring into use)
        d = jan(r, "medway")
        return d["available_beds"] - d["escalation_open"]
    assert (base_beds(closed) == base_beds(base) - 30).all()
    # escalation beds open at least as much on average (not day by day: with OPEL actions and
    # mutual aid the two runs' days differ in detail)
    assert jan(closed, "medway")["escalation_open"].mean() >= \
        jan(base, "medway")["escalation_open"].mean()
    assert jan(closed, "medway")["ed_waiting"].mean() > jan(base, "medway")["ed_waiting"].mean()
    assert site_rows(closed, "medway")["closed_bed_days"].eq(30 * 21).all()
    # East Kent's sites are not Medway's neighbours, nor their neighbours': untouched
    pd.testing.assert_frame_equal(site_rows(base, "qeqm"), site_rows(closed, "qeqm"))


def test_ring_fencing_cuts_cancellations_and_shows_the_cost_in_waits():
    base, fenced = run(WINTER), run(WINTER + ["scenario=ring_fenced_electives"])
    b, f = site_rows(base, "medway"), site_rows(fenced, "medway")
    assert (f["elective_cancelled"] < b["elective_cancelled"]).all()
    assert f["mean_wait_hours"].mean() >= b["mean_wait_hours"].mean()


def test_opel_actions_stop_electives_and_are_recorded():
    r = run(WINTER + ["system.opel.stop_electives_at=3"])
    b = run(WINTER)
    assert r.system["elective_cancelled"].mean() > b.system["elective_cancelled"].mean()
    days = r.replications[["opel1_days", "opel2_days", "opel3_days", "opel4_days"]].sum(axis=1)
    assert (days == 120).all()
    assert set(r.daily["opel_level"].unique()) <= {1, 2, 3, 4}


def test_opel_discharge_effort_releases_beds():
    r = run(WINTER + ["system.opel.discharge_effort=[1,1,0.7,0.5]"])
    b = run(WINTER)
    assert r.system["mean_medically_optimised"].mean() < b.system["mean_medically_optimised"].mean()


def test_event_log_for_vidigi():
    r = run(["system=single_ward", "sim.event_log=true", "sim.replications=2",
             "sim.horizon_days=60", "sim.warmup_days=5"])
    e = r.events
    assert {"patient", "entity_id", "event_type", "event", "time", "site", "pathway",
            "replication", "run_number", "resource_id"} <= set(e.columns)
    assert set(e["event_type"]) <= {"arrival_departure", "queue", "resource_use", "resource_use_end"}
    one = e[(e["replication"] == 0)]
    admitted = one[one["event"] == "admitted"]
    # every bed number is held by at most one patient at a time
    uses = one[one["event_type"].isin(["resource_use", "resource_use_end"])].sort_values("time", kind="stable")
    held = {}
    for _, row in uses.iterrows():
        if row["event_type"] == "resource_use":
            assert row["resource_id"] not in held
            held[row["resource_id"]] = row["patient"]
        else:
            assert held.pop(row["resource_id"]) == row["patient"]
    assert admitted["resource_id"].max() <= 20
    # the log agrees with the counts: admissions in the window
    win = admitted[(admitted["time"] >= 5) & (admitted["time"] < 65)]
    assert len(win) == r.replications.loc[0, "admissions"]
    assert run(["system=single_ward", "sim.replications=1", "sim.horizon_days=10"]).events is None


@pytest.mark.parametrize("args,key", [
    (["scenario=winter_2016", "system=single_ward"], "scenario.surges[0].site"),
    (["scenario=ward_closures", "scenario.closures.0.start=2030-01-01"], "scenario.closures[0].start"),
    (["scenario=ring_fenced_electives", "scenario.ring_fenced.0.beds=-3"], "scenario.ring_fenced[0].beds"),
    (["scenario=blizzard"], "scenario/blizzard"),
    (["system.opel.thresholds=[0.9,0.8,0.95]"], "system.opel.thresholds"),
])
def test_bad_scenario_input(args, key, tmp_path, monkeypatch, capsys):
    assert_rejected(args, key, tmp_path, monkeypatch, capsys)
