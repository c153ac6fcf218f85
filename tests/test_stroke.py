"""Stroke units inside sites and service reconfiguration (issue: seven stroke units to three).

Theory first: a stroke unit whose full beds send patients elsewhere is an M/G/c/c loss system,
so the share who find no bed is Erlang B whatever the stay distribution (insensitivity); one
whose patients wait is M/M/c, Erlang C, with exponential stays. Then the paper (Monks et al.
2016), then the pairing of a reconfiguration's two arms, then the mistakes a planner can make.
"""

import math

import numpy as np
import pytest

import bedflow
from bedflow.reconfig import plan
from bedflow.recorder import Travel
from bedflow.stats import mean_ci
from bedflow.theory import erlang_b, erlang_c
from tests.conftest import assert_rejected, run

MONKS = ["system=monks_stroke_2016", "sim.horizon_days=1825", "sim.replications=8"]


def _share_within(res, expected: float, z: float = 4.0) -> tuple[float, float]:
    """The replications' mean share of stroke patients with no bed, and its standard error;
    asserts `expected` lies within z standard errors (z = 4: a 1 in 15,000 false alarm)."""
    x = res.system["stroke_no_bed"].to_numpy(float) / res.system["stroke_admissions"].to_numpy(float)
    m, se = x.mean(), x.std(ddof=1) / math.sqrt(len(x))
    assert abs(m - expected) <= z * se, (m, se, expected)
    return m, se


def _offered_load(cfg) -> float:
    """Erlangs offered to the unit, from the config's own numbers (per day x mean stay)."""
    st = cfg.system.stroke
    per_day = sum(c.per_day for c in st.catchments.values())
    return per_day * sum(t.share * (t.hyperacute.mean_days + t.acute.mean_days)
                         for t in st.types.values())


@pytest.mark.parametrize("beds, paper", [(10, 0.14), (14, 0.02)])
def test_monks_reproduces_the_paper(beds, paper):
    """10 beds: 1 in 7 delayed; 14 beds: 1 in 50 (Monks et al. 2016, Table 2: 0.14, 0.02).
    The share agrees with Erlang B on the paper's load within 4 standard errors of the
    replications, and its 95% interval reaches the paper's figure as rounded (+-0.005)."""
    over = [*MONKS, f"system.sites.asu.beds={beds}"]
    res = run(over)
    cfg = bedflow.compose(over)
    assert res.system["stroke_beds"].iloc[0] == beds
    m, se = _share_within(res, erlang_b(beds, _offered_load(cfg)))
    _, lo, hi = mean_ci(res.system["stroke_no_bed_share"].to_numpy(float))
    assert lo <= paper + 0.005 and hi >= paper - 0.005, (m, lo, hi, paper)
    # Little's law on the carried load: mean occupied = offered x (1 - blocking)
    occ = res.system["mean_stroke_occupied"].mean()
    assert occ == pytest.approx(_offered_load(cfg) * (1 - m), rel=0.03)


def _unit(tmp_overrides):
    """A one-site stroke system built from monks_stroke_2016 with one patient type."""
    return [*MONKS[:1], "sim.horizon_days=1500", "sim.replications=6",
            "~system.stroke.types.tia", "~system.stroke.types.complex_neurological",
            "~system.stroke.types.other", "~system.stroke.types.stroke_esd",
            "system.stroke.types.stroke.share=1.0", *tmp_overrides]


def test_hyperacute_stage_is_erlang_b_when_the_acute_unit_never_fills():
    """Two stages: 5 hyper-acute beds, 3 days each, 1 a day; acute beds plenty (the site's beds
    include the unit). Who finds no bed is decided at the hyper-acute stage alone: B(5, 3)."""
    over = _unit(["system.sites.asu.beds=205", "system.stroke.catchments.asu.per_day=1.0",
                  "system.stroke.units.asu.hyperacute=5", "system.stroke.units.asu.acute=200",
                  "system.stroke.types.stroke.hyperacute.mean_days=3.0",
                  "system.stroke.types.stroke.hyperacute.cv=1.5"])
    res = run(over)
    _share_within(res, erlang_b(5, 3.0))
    assert res.system["stroke_transfer_delayed"].sum() == 0
    hyper = res.system["mean_hyperacute_occupied"].mean()
    assert hyper == pytest.approx(3.0 * (1 - erlang_b(5, 3.0)), rel=0.05)


def test_waiting_patients_are_erlang_c():
    """when_full=wait with exponential stays: M/M/c, the share who wait is Erlang C(c, a)."""
    over = _unit(["system.stroke.when_full=wait", "system.sites.asu.beds=6",
                  "system.stroke.catchments.asu.per_day=1.0",
                  "system.stroke.types.stroke.acute.dist=exponential",
                  "system.stroke.types.stroke.acute.mean_days=4.5"])
    res = run(over)
    _share_within(res, erlang_c(6, 4.5))
    assert res.system["stroke_outliers"].sum() == 0
    # nobody is lost: the unit carries the whole load
    assert res.system["mean_stroke_occupied"].mean() == pytest.approx(4.5, rel=0.05)


def test_held_up_transfers_keep_the_hyperacute_bed():
    """An acute unit too small for the flow out of the hyper-acute beds: transfers are held up
    and the hyper-acute beds stay full longer, so more patients find no bed than B(h, a_h)."""
    base = ["system.sites.asu.beds=26", "system.stroke.catchments.asu.per_day=2.0",
            "system.stroke.units.asu.hyperacute=8",
            "system.stroke.types.stroke.hyperacute.mean_days=2.0"]
    tight = run(_unit([*base, "system.stroke.units.asu.acute=12"]))
    roomy = run(_unit([*base, "system.sites.asu.beds=48", "system.stroke.units.asu.acute=40"]))
    assert (tight.system["stroke_transfer_delayed"] > 0).all()
    # the same patients (common random numbers): many more turned away in all
    assert tight.system["stroke_no_bed"].sum() > 2 * roomy.system["stroke_no_bed"].sum()
    # the hyper-acute beds alone (3 erlangs on 8 beds) would turn away B(8, 4) of them
    assert roomy.system["stroke_no_bed_share"].mean() == pytest.approx(erlang_b(8, 4.0), abs=0.01)


def test_waiting_with_both_stages_loses_nobody():
    """when_full=wait with hyper-acute beds and a tight acute unit: everyone who arrives gets a
    stroke bed in the end (no outliers), the waits are counted, and the unit carries the load."""
    res = run(_unit(["system.stroke.when_full=wait", "system.sites.asu.beds=20",
                     "system.stroke.catchments.asu.per_day=1.5",
                     "system.stroke.units.asu.hyperacute=6", "system.stroke.units.asu.acute=14",
                     "system.stroke.types.stroke.hyperacute.mean_days=2.0",
                     "system.stroke.types.stroke.acute.mean_days=7.0"]))
    s = res.system
    assert (s["stroke_outliers"] == 0).all() and (s["stroke_waited"] > 0).all()
    assert (s["stroke_waited"] <= s["stroke_no_bed"] + 20).all()  # + those waiting at the start
    assert s["mean_stroke_occupied"].mean() == pytest.approx(1.5 * 9.0, rel=0.05)
    assert s["mean_stroke_wait_hours"].notna().all()


def test_the_plan_takes_stroke_out_of_the_general_pool():
    cfg = bedflow.compose(["scenario=stroke_today"])
    p = plan(cfg)
    st = cfg.system.stroke
    for sid, site in cfg.system.sites.items():
        unit = st.units[sid]
        assert p.sites[sid].beds == site.beds - unit.hyperacute - unit.acute
        assert p.sites[sid].emergency_per_day == pytest.approx(
            site.emergency_per_day - st.catchments[sid].per_day)
    # off in the default year: nothing taken out
    p0 = plan(bedflow.compose([]))
    assert {s: v.beds for s, v in p0.sites.items()} == \
        {s: v.beds for s, v in cfg.system.sites.items()}
    assert not p0.stroke_routes


SHORT = ["sim.warmup_days=20", "sim.horizon_days=80", "sim.replications=2"]


@pytest.fixture(scope="module")
def hasu():
    return run(["scenario=stroke_hasu_2019", *SHORT])


def test_stroke_hasu_2019_pairs_the_same_patients(hasu):
    """Both arms meet the same stroke patients and the same general emergency patients, per
    replication: the change moves where they are admitted, not who comes."""
    base, scen = hasu.baseline.system, hasu.system
    assert (base["stroke_admissions"].to_numpy() == scen["stroke_admissions"].to_numpy()).all()
    general = lambda s: (s["emergency_arrivals"] - s["stroke_outliers"]).to_numpy()  # noqa: E731
    assert (general(base) == general(scen)).all()
    assert hasu.baseline.config.scenario.stroke and not hasu.baseline.config.scenario.reconfigures()
    reps = hasu.replications
    losing = reps[reps["site"].isin(["medway", "tunbridge_wells", "qeqm", "kent_canterbury"])]
    assert (losing["stroke_admissions"] == 0).all() and (losing["stroke_beds"] == 0).all()
    assert set(reps[reps["stroke_beds"] > 0]["site"]) == {"darent_valley", "maidstone",
                                                          "william_harvey"}
    assert hasu.system["stroke_beds"].iloc[0] == 34 + 38 + 52


def test_stroke_hasu_2019_outputs(hasu):
    comp = hasu.comparison
    sysrows = comp[comp["site"] == "system"].set_index("kpi")
    for k in ("beds", "mean_occupied", "mean_wait_hours", "elective_cancelled",
              "stroke_no_bed_share", "stroke_outliers"):
        assert k in sysrows.index
    # G&A beds: the 124 new stroke beds against the 104 of seven units come out of G&A
    assert sysrows.loc["beds", "difference_mean"] == -(124 - 104)
    for site in hasu.config.system.sites:
        assert len(comp[(comp["site"] == site) & (comp["kpi"] == "mean_occupied")]) == 1
    # travel: per catchment a fixed number of minutes, from the matrix, for those going further;
    # the mean is the catchments' minutes weighted by their rates, within its sampling error
    y = hasu.config.system
    catch = y.stroke.catchments
    added = {c: y.minutes(c, to) - y.minutes(c, catch[c].unit)
             for c, to in hasu.config.scenario.stroke_serves.items()}
    rate = sum(catch[c].per_day for c in added)
    mu = sum(catch[c].per_day * m for c, m in added.items()) / rate
    sd = math.sqrt(sum(catch[c].per_day * (m - mu) ** 2 for c, m in added.items()) / rate)
    n = hasu.system["stroke_further"].to_numpy(float)
    mean = hasu.system["stroke_travel_added_mean"].to_numpy(float)
    assert (np.abs(mean - mu) <= 4 * sd / np.sqrt(n)).all(), (mean, mu)
    assert (hasu.system["stroke_travel_added_p95"] == max(added.values())).all()


def test_east_kent_option1_moves_patients_not_demand():
    res = run(["scenario=east_kent_option1", *SHORT])
    base, scen = res.baseline, res
    # the same emergency patients arrive in the system; none is admitted at Kent & Canterbury
    assert (base.system["emergency_arrivals"].to_numpy() ==
            scen.system["emergency_arrivals"].to_numpy()).all()
    r = scen.replications.set_index(["site", "replication"])
    b = base.replications.set_index(["site", "replication"])
    assert (r.loc["kent_canterbury", "emergency_arrivals"] == 0).all()
    # with no ED left it takes no emergency patient from its neighbours either
    assert (r.loc["kent_canterbury", "admissions"] == 0).all()
    assert (r.loc["kent_canterbury", "from_neighbours"] == 0).all()
    moved = r.loc["william_harvey", "emergency_arrivals"] + r.loc["qeqm", "emergency_arrivals"] \
        - b.loc["william_harvey", "emergency_arrivals"] - b.loc["qeqm", "emergency_arrivals"]
    assert (moved == b.loc["kent_canterbury", "emergency_arrivals"]).all()
    # beds move, none is made
    assert scen.system["beds"].iloc[0] == base.system["beds"].iloc[0]
    # 60% to William Harvey (30 min), 40% to QEQM (41 min): a binomial split
    n = scen.system["moved_further"].to_numpy(float)
    mean = scen.system["moved_travel_added_mean"].to_numpy(float)
    share41 = (mean - 30.0) / 11.0
    assert (np.abs(share41 - 0.4) <= 4 * np.sqrt(0.4 * 0.6 / n)).all()
    assert (scen.system["moved_travel_added_p95"] == 41.0).all()


def test_the_plan_rounds_without_making_beds():
    """Moves of shares that do not divide a site's beds: whole beds, none made or lost, and the
    electives' share of a pathway's places stays behind."""
    cfg = bedflow.compose(["scenario=east_kent_option1", "scenario.moves.0.beds_share=0.333",
                           "scenario.moves.1.beds_share=0.333"])
    p, y = plan(cfg), cfg.system
    assert sum(s.beds for s in p.sites.values()) == sum(s.beds for s in y.sites.values())
    assert sum(s.escalation_beds for s in p.sites.values()) == \
        sum(s.escalation_beds for s in y.sites.values())
    kc = p.sites["kent_canterbury"]
    assert kc.beds == 282 - round(0.666 * 282)  # rounded on the running share: 94, not 95
    for pw in ("P1", "P2", "P3"):
        total = sum(getattr(s.downstream, pw) for s in p.sites.values())
        assert total == sum(getattr(s.downstream, pw) for s in y.sites.values())
    # Kent & Canterbury's electives (1% P2 of 11 a weekday) keep their share of its P2 places
    el = 11 * 5 / 7 * 0.01
    em = 32.4 * sum(c.share * c.pathways.P2 for c in y.cohorts.values())
    assert kc.downstream.P2 == pytest.approx(65 * el / (el + em), abs=1)


def test_travel_percentile():
    t = Travel()
    for m, n in ((10, 90), (30, 5), (50, 5), (0, 100)):
        for _ in range(n):
            t.add(m)
    s = t.summary("x")
    assert s["x_further"] == 100 and s["x_travel_added_mean"] == pytest.approx(13.0)
    assert s["x_travel_added_p95"] == 30.0


@pytest.mark.parametrize("args, key", [
    (["scenario=stroke_hasu_2019", "scenario.stroke_serves.qeqm=nowhere"],
     "scenario.stroke_serves.qeqm"),
    (["scenario=stroke_hasu_2019", "scenario.stroke_serves.qeqm=medway"],
     "scenario.stroke_serves.qeqm"),
    (["scenario=stroke_hasu_2019", "+scenario.stroke_serves.atlantis=maidstone"],
     "scenario.stroke_serves.atlantis"),
    (["scenario=stroke_hasu_2019", "scenario.stroke_units.maidstone.acute=-3"],
     "scenario.stroke_units.maidstone.acute"),
    (["scenario=stroke_hasu_2019", "scenario.stroke_units.maidstone.acute=0"],
     "scenario.stroke_units.maidstone.acute"),
    (["scenario=stroke_hasu_2019", "scenario.stroke_units.darent_valley.acute=500"],
     "scenario.stroke_units.darent_valley"),
    (["scenario=stroke_today", "system.stroke.catchments.medway.per_day=70"],
     "system.stroke.catchments.medway.per_day"),
    (["scenario=east_kent_option1", "scenario.moves.0.to=nowhere"], "scenario.moves[0].to"),
    (["scenario=east_kent_option1", "scenario.moves.0.demand_share=0.9"], "scenario.moves"),
    (["scenario=east_kent_option1", "scenario.moves.1.to=kent_canterbury"],
     "scenario.moves[1].to"),
    (["scenario=east_kent_option2", "~system.travel_minutes.kent_canterbury"],
     "system.travel_minutes"),
    # the arm without the change is checked too
    (["scenario=stroke_hasu_2019", "system.stroke.units.qeqm.acute=0"],
     "system.stroke.catchments.qeqm.unit"),
    (["scenario=stroke_hasu_2019", "system.stroke.units.qeqm.acute=900"],
     "system.stroke.units.qeqm"),
    # what the change leaves: beds for the patients still there, room for closures
    (["scenario=stroke_hasu_2019", "system.sites.darent_valley.beds=34"],
     "system.sites.darent_valley.beds"),
    (["scenario=east_kent_option1", "scenario.moves.0.beds_share=0.68"],
     "system.sites.kent_canterbury.elective_per_weekday"),
    (["scenario=east_kent_option2",
      "+scenario.closures=[{site: qeqm, beds: 300, start: '2016-06-01', end: '2016-06-10'}]"],
     "scenario.closures[0]"),
    (["scenario=east_kent_option1", "system.travel_minutes.qeqm=5"], "system.travel_minutes.qeqm"),
    (["scenario=east_kent_option1", "intervention=[rapid_response]"], "intervention"),
])
def test_bad_mappings_are_one_line(args, key, tmp_path, monkeypatch, capsys):
    assert_rejected(args, key, tmp_path, monkeypatch, capsys)
