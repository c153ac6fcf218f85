"""The default systems reproduce the figures they are calibrated to (see configs/system/*.yaml)."""

import copy

import pandas as pd

import bedflow
from bedflow.stats import mean_ci
from conftest import run


def test_kent_medway_reproduces_the_seeds(kent_medway):
    """'Over 1,000 (32%)' people in acute beds without acute need; occupancy 90-95%."""
    mo, lo, hi = kent_medway.kpi("mean_medically_optimised")
    assert 900 <= lo and hi <= 1100, (mo, lo, hi)
    share, _, _ = kent_medway.kpi("mo_share_of_occupied")
    assert 0.29 <= share <= 0.35, share
    occ, lo, hi = kent_medway.kpi("occupancy")
    assert 0.90 <= lo and hi <= 0.95, (occ, lo, hi)
    assert set(kent_medway.replications["site"]) == {
        "qeqm", "william_harvey", "kent_canterbury", "medway", "maidstone", "tunbridge_wells",
        "darent_valley"}


def _winter_rise(res, field):
    """Per replication: the system's mean 08:00 count in Dec-Feb minus that in Jun-Aug."""
    d = res.daily.groupby(["replication", "date"])[field].sum().reset_index()
    month = d["date"].dt.month
    winter = d[month.isin([12, 1, 2])].groupby("replication")[field].mean()
    summer = d[month.isin([6, 7, 8])].groupby("replication")[field].mean()
    return winter - summer


def test_medically_optimised_emerge_from_capacity_and_delays(kent_medway):
    """No 'delay days' are typed in: the MO count rises in winter because downstream places are
    finite. A twin with unlimited places meets the same patients (replication r of each has the
    same seeds) and still rises a little, with the demand; the finite places must add to that
    rise in every replication, and the paired interval of the extra rise must exclude zero."""
    R = 4  # replications 0..R-1 of the shared run, paired with the twin's
    twin_cfg = copy.deepcopy(kent_medway.config)
    twin_cfg.sim.replications = R
    for site in twin_cfg.system.sites.values():
        site.downstream.P1 = site.downstream.P2 = site.downstream.P3 = 10**6
    twin = bedflow.simulate(twin_cfg, progress=False)
    first = kent_medway.system[kent_medway.system["replication"] < R].set_index("replication")
    # the same patients arrive in both: the pairing is real
    pd.testing.assert_series_equal(first["emergency_arrivals"],
                                   twin.system.set_index("replication")["emergency_arrivals"])
    finite = _winter_rise(kent_medway, "medically_optimised").loc[:R - 1]
    unlimited = _winter_rise(twin, "medically_optimised")
    extra = finite - unlimited
    assert (extra > 0).all(), (finite.tolist(), unlimited.tolist())
    m, low, high = mean_ci(extra)
    assert low > 0, (m, low, high)


def test_kent_medway_now_is_present_day():
    r = run(["system=kent_medway_now", "sim.replications=3", "sim.jobs=2"])
    mo, lo, hi = r.kpi("mean_medically_optimised")
    assert 460 <= lo and hi <= 700, (mo, lo, hi)
    occ, _, _ = r.kpi("occupancy")
    assert 0.88 <= occ <= 0.95
