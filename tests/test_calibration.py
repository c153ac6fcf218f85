"""The default systems reproduce the figures they are calibrated to (see configs/system/*.yaml)."""

import copy

import pandas as pd

import bedflow
from bedflow.stats import mean_ci
from conftest import run


def test_kent_medway_reproduces_the_seeds(kent_medway):
    """'Over 1,000 (32%)' people in acute beds without acute need; occupancy 90-95%. On the
    published bed base (2,719, unscaled) the ~1,000 are a larger share of the occupied beds
    than the seeds' 32%, which implies ~3,100 occupied (experiments/validation_2016)."""
    mo, lo, hi = kent_medway.kpi("mean_medically_optimised")
    assert 900 <= lo and hi <= 1100, (mo, lo, hi)
    share, _, _ = kent_medway.kpi("mo_share_of_occupied")
    assert 0.32 <= share <= 0.40, share
    occ, lo, hi = kent_medway.kpi("occupancy")
    assert 0.90 <= lo and hi <= 0.95, (occ, lo, hi)
    assert set(kent_medway.replications["site"]) == {
        "qeqm", "william_harvey", "kent_canterbury", "medway", "maidstone", "tunbridge_wells",
        "darent_valley"}


def test_medically_optimised_emerge_from_capacity_and_delays(kent_medway):
    """No 'delay days' are typed in: the MO patients come from the discharge process and from
    waiting for finite downstream places. A twin with unlimited places meets the same patients
    (replication r of each has the same seeds): it still has MO patients (the process and the
    providers' start), but fewer in every replication, the paired interval excluding zero, and
    fewer waiting for a place."""
    R = 4  # replications 0..R-1 of the shared run, paired with the twin's
    twin_cfg = copy.deepcopy(kent_medway.config)
    twin_cfg.sim.replications = R
    for site in twin_cfg.system.sites.values():
        site.downstream.P1 = site.downstream.P2 = site.downstream.P3 = 10**6
    twin = bedflow.simulate(twin_cfg, progress=False)
    first = kent_medway.system[kent_medway.system["replication"] < R].set_index("replication")
    other = twin.system.set_index("replication")
    # the same patients arrive in both: the pairing is real
    pd.testing.assert_series_equal(first["emergency_arrivals"], other["emergency_arrivals"])
    extra = first["mean_medically_optimised"] - other["mean_medically_optimised"]
    assert (extra > 0).all() and (other["mean_medically_optimised"] > 300).all(), extra.tolist()
    m, low, high = mean_ci(extra)
    assert low > 0, (m, low, high)
    # with unlimited places nobody queues: what is left of the wait is the providers' start
    assert (first["mean_awaiting_place"] > other["mean_awaiting_place"]).all()


def test_kent_medway_now_is_present_day():
    r = run(["system=kent_medway_now", "sim.replications=3", "sim.jobs=2"])
    mo, lo, hi = r.kpi("mean_medically_optimised")
    assert 460 <= lo and hi <= 700, (mo, lo, hi)
    occ, _, _ = r.kpi("occupancy")
    assert 0.88 <= occ <= 0.95
