"""The default systems reproduce the figures they are calibrated to (see configs/system/*.yaml)."""

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


def test_medically_optimised_emerge_from_capacity_and_delays(kent_medway):
    """No 'delay days' are typed in: the MO count moves with the season, peaking in winter."""
    daily = kent_medway.daily.groupby("date")["medically_optimised"].sum() / 6
    month = daily.groupby(daily.index.month).mean()
    assert month[[12, 1, 2]].mean() > 1.1 * month[[6, 7, 8]].mean()


def test_kent_medway_now_is_present_day():
    r = run(["system=kent_medway_now", "sim.replications=3", "sim.jobs=2"])
    mo, lo, hi = r.kpi("mean_medically_optimised")
    assert 460 <= lo and hi <= 700, (mo, lo, hi)
    occ, _, _ = r.kpi("occupancy")
    assert 0.88 <= occ <= 0.95
