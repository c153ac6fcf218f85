"""The daily census agrees with the per-replication totals."""

from conftest import run


def test_daily_counts_add_up_to_the_totals():
    r = run(["system=single_ward", "system.sites.ward.emergency_per_day=3.9", "sim.replications=2",
             "sim.horizon_days=200"])
    daily = r.daily.groupby("replication")[["admissions", "waits_over_12h"]].sum()
    reps = r.replications.set_index("replication")
    # the daily counts run from 24 h before the first 08:00 census (16 h of it in the warm-up)
    # to the last census; the totals from the warm-up's end to midnight after it, and count the
    # 12-hour waits of those still waiting then: each side has 16 h the other has not, ~2.6
    # admissions at 3.9 a day (more than 10 on either side: under 1 in 10,000)
    assert ((reps["admissions"] - daily["admissions"]).abs() < 10).all()
    extra = reps["waits_over_12h"] - daily["waits_over_12h"]
    assert ((extra > -10) & (extra < reps["still_waiting_at_end"] + 10)).all()
    assert daily["waits_over_12h"].sum() > 0


def test_daily_cancellations_add_up(kent_medway):
    # electives arrive at 07:30, before the 08:00 census of the same day; those still without a
    # bed at the cut-off (11:30) are cancelled after it. The daily rows cover 08:00 the day before
    # the window to 08:00 on its last day, the totals midnight to midnight: each side may hold
    # one day's cut-off the other has not, at most a day's list at every site
    daily = kent_medway.daily.groupby("replication")["elective_cancelled"].sum()
    reps = kent_medway.replications.groupby("replication")["elective_cancelled"].sum()
    slots = sum(s.elective_per_weekday for s in kent_medway.config.system.sites.values())
    assert ((daily - reps).abs() <= slots).all() and reps.sum() > 0
    # with no waiting for a bed every cancellation is at 07:30: exact
    r = run(["sim.replications=2", "sim.horizon_days=60", "system.electives.wait_for_bed_hours=0"])
    daily = r.daily.groupby("replication")["elective_cancelled"].sum()
    reps = r.replications.groupby("replication")["elective_cancelled"].sum()
    assert (daily == reps).all()


def test_printed_interval_of_a_skewed_count_starts_at_zero_while_summary_keeps_it_raw():
    from bedflow.table import format_table

    r = run(["system=single_ward", "sim.replications=3", "sim.horizon_days=20"])
    r.system["waits_over_12h"] = [0.0, 0.0, 100.0]  # a bad winter in one replication of three
    row = r.summary.set_index(["site", "kpi"]).loc[("system", "waits_over_12h")]
    assert row["ci_low"] < 0  # t(2) half-width 4.30 x 57.7 / sqrt(3) = 143 > the mean, 33.3
    line = next(x for x in format_table(r).splitlines() if x.startswith("waits over 12 h"))
    assert line.split()[-3:] == ["33.3", "[0.0,", f"{row['ci_high']:,.1f}]"]


def test_a_state_nobody_was_in_is_exactly_zero_not_minus_zero():
    import numpy as np

    r = run(["system=single_ward", "sim.replications=2", "sim.horizon_days=100"])  # all P0
    for col in ("mean_medically_optimised", "mo_share_of_occupied", "mo_bed_days"):
        v = r.replications[col].to_numpy(float)
        assert (v == 0).all() and not np.signbit(v).any(), (col, v)


def test_site_intervals_print_as_low_high_within_the_quantitys_bounds():
    """A bad winter in one replication of three: the site's t-interval of 12-hour waits dips
    below 0 and its occupancy's passes 100%. Printed and on the page they stop at the bounds,
    as [low, high], never mean ± half-width (which reads as negative counts); summary.csv keeps
    the raw interval, and the table's footnote says so."""
    from bedflow.mser import WarmupCheck
    from bedflow.report import render
    from bedflow.table import format_table
    from bedflow.writers import provenance

    r = run(["system=single_ward", "sim.replications=3", "sim.horizon_days=20"])
    r.replications["waits_over_12h"] = [0.0, 0.0, 100.0]
    r.replications["occupancy"] = [0.90, 0.99, 1.0]  # mean 96.3%, t(2) half-width 13.7 points
    s = r.summary.set_index(["site", "kpi"])
    waits, occ = s.loc[("ward", "waits_over_12h")], s.loc[("ward", "occupancy")]
    assert waits["ci_low"] < 0 and occ["ci_high"] > 1  # summary.csv: the raw t-intervals
    text = format_table(r)
    line = next(x for x in text.splitlines() if x.startswith("ward "))
    assert f"33 [0, {waits['ci_high']:,.0f}]" in line
    assert f"96.3% [{occ['ci_low']:.1%}, 100.0%]" in line
    assert "±" not in text and "summary.csv keeps the raw" in text.splitlines()[-1]
    page = render(r, provenance(r, [], 1.0), [], WarmupCheck(30.0, 0, False))
    sites = page.split("<h2>By site</h2>")[1].split("<h2>")[0]
    assert "±" not in sites
    assert f"96.3% <span class=pm>[{occ['ci_low']:.1%}, 100.0%]</span>" in sites
    assert f"33 <span class=pm>[0, {waits['ci_high']:,.0f}]</span>" in sites
