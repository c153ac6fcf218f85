"""Direction and extremes, with common random numbers so each pair differs only by the change."""

import numpy as np

from conftest import run

KM = ["sim.replications=3", "sim.horizon_days=120", "sim.warmup_days=30", "sim.jobs=2"]


def test_more_downstream_capacity_fewer_medically_optimised():
    base = run(KM).replications.set_index(["replication", "site"])
    more = run(KM + ["system.sites.medway.downstream.P1=450",
                     "system.sites.medway.downstream.P2=160"]).replications.set_index(
        ["replication", "site"])
    m = "mean_medically_optimised"
    assert (more.xs("medway", level="site")[m] < base.xs("medway", level="site")[m]).all()
    # emergency arrivals are the same patients (common random numbers)
    assert (more["emergency_arrivals"] == base["emergency_arrivals"]).all()


def test_more_beds_shorter_waits():
    ward = ["system=single_ward", "sim.replications=4", "sim.horizon_days=400"]
    waits = [run(ward + [f"system.sites.ward.beds={c}"]).replications["mean_wait_hours"]
             for c in (19, 20, 22, 30)]
    for fewer, more in zip(waits, waits[1:]):
        assert (more.to_numpy() <= fewer.to_numpy()).all()
    assert waits[0].mean() > 10 * max(waits[-1].mean(), 1e-9)


def test_more_demand_fuller_beds():
    lo = run(["system=single_ward", "sim.replications=2", "system.sites.ward.beds=1000"])
    hi = run(["system=single_ward", "sim.replications=2", "system.sites.ward.beds=1000",
              "system.sites.ward.emergency_per_day=7.2"])
    assert hi.kpi("mean_occupied")[0] > 1.8 * lo.kpi("mean_occupied")[0]


def test_zero_demand_empty_wards():
    r = run(["system.sites.medway.emergency_per_day=0", "system.sites.medway.elective_per_weekday=0",
             "sim.replications=1", "sim.horizon_days=60", "sim.warmup_days=200"])
    medway = r.replications.set_index("site").loc["medway"]
    assert medway["emergency_arrivals"] == 0 and medway["mean_occupied"] == 0
    assert (r.daily.loc[r.daily["site"] == "medway", "occupied"] == 0).all()
    # the other sites are untouched
    assert r.replications.set_index("site").loc["qeqm", "mean_occupied"] > 300


def test_unlimited_beds_nobody_waits():
    r = run(["system=single_ward", "system.sites.ward.beds=10000", "sim.replications=2"])
    assert (r.replications["waited"] == 0).all()
    assert (r.daily["ed_waiting"] == 0).all()


def test_divert_turns_away_and_wait_does_not():
    both = {m: run(["system=single_ward", f"system.when_full={m}", "sim.replications=2"]).replications
            for m in ("wait", "divert")}
    assert (both["wait"]["diverted"] == 0).all() and (both["wait"]["waited"] > 0).all()
    assert (both["divert"]["diverted"] > 0).all() and (both["divert"]["waited"] == 0).all()
    d = both["divert"]
    np.testing.assert_array_equal(d["emergency_arrivals"], d["admissions"] + d["diverted"])
