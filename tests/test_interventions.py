"""Local-care interventions: common random numbers, direction, and bad input."""

import functools
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bedflow.stats import mean_ci
from conftest import assert_rejected, run

KM = ["sim.replications=3", "sim.horizon_days=120", "sim.jobs=2"]


@functools.lru_cache(maxsize=None)
def km(interventions: str):
    """A KM run with `interventions` switched on, shared by the tests that need the same one."""
    return run(KM + [f"intervention=[{interventions}]"])


def system(res, kpi):
    c = res.comparison
    return c[(c["kpi"] == kpi) & (c["site"] == "system")].iloc[0]


@pytest.mark.parametrize("zero", [
    ["intervention=[rapid_response]", "intervention.rapid_response.caseload_per_site=0",
     "intervention.rapid_response.cost_per_place_day=0"],
    ["intervention=[discharge_to_assess]", "intervention.discharge_to_assess.process_delay_factor=1",
     "intervention.discharge_to_assess.home_first_share_P2=0",
     "intervention.discharge_to_assess.home_first_share_P3=0",
     "intervention.discharge_to_assess.extra_reablement_share=0",
     "intervention.discharge_to_assess.cost_per_site_per_year=0"],
])
def test_zero_effect_gives_exactly_zero_difference(zero):
    r = run(["sim.replications=2", "sim.horizon_days=40", "sim.jobs=2"] + zero)
    assert (r.comparison["difference_mean"] == 0).all()
    # the team's own counts are the only columns the baseline lacks: referrals come, and with
    # no place nobody is taken
    extra = [c for c in r.replications if c not in r.baseline.replications]
    assert all(c.startswith("rapid_response_") for c in extra)
    if extra:
        assert (r.replications["rapid_response_referrals"] > 0).all()
        took = [c for c in extra if not c.endswith(("occupancy", "referrals"))]
        assert (r.replications[took] == 0).all().all()
    pd.testing.assert_frame_equal(r.replications[list(r.baseline.replications)],
                                  r.baseline.replications)
    pd.testing.assert_frame_equal(r.daily, r.baseline.daily)


def test_acting_after_admission_leaves_arrivals_identical():
    r = km("discharge_to_assess")
    a = r.replications.set_index(["replication", "site"])
    a = (a["emergency_arrivals"] - a["readmissions_30d"]).rename("emergency_arrivals")  # less returns
    b = r.baseline.replications.set_index(["replication", "site"])["emergency_arrivals"]
    pd.testing.assert_series_equal(a, b)
    # and it does act: fewer medically optimised patients in every replication
    mo = r.system["mean_medically_optimised"] - r.baseline.system["mean_medically_optimised"]
    assert (mo < 0).all()


def test_paired_interval_is_narrower_than_unpaired():
    r = km("rapid_response")
    for kpi in ("fewer_admissions", "beds_released"):
        row = system(r, kpi)
        paired = row["difference_ci_high"] - row["difference_ci_low"]
        unpaired = row["unpaired_ci_high"] - row["unpaired_ci_low"]
        assert paired < unpaired, (kpi, paired, unpaired)
    assert system(r, "fewer_admissions")["difference_ci_low"] > 0


def test_bigger_caseload_avoids_more_admissions():
    avoided = []
    for k in (3, 12):
        r = run(KM + ["intervention=[rapid_response]", "intervention.rapid_response.eligible_share=0.5",
                      f"intervention.rapid_response.caseload_per_site={k}"])
        avoided.append(r.system["admissions_avoided"].to_numpy())
    assert (avoided[1] > avoided[0]).all()
    assert avoided[1].mean() > 2 * avoided[0].mean()


def test_more_reablement_capacity_fewer_medically_optimised():
    # places that bind: reablement stays of 25 days instead of 21 put the contracted P1 places
    # at ~105% of their load, and no spot purchase; the default's places (92%) rarely fill, so
    # more of them change nothing there
    only_places = ["system.downstream.P1.mean_days=25",
                   "system.downstream.spot_purchase.max_per_100=0",
                   "intervention=[discharge_to_assess]",
                   "intervention.discharge_to_assess.process_delay_factor=1",
                   "intervention.discharge_to_assess.home_first_share_P2=0",
                   "intervention.discharge_to_assess.home_first_share_P3=0"]
    mo = []
    for share in (0.1, 0.3):
        r = run(KM + only_places + [f"intervention.discharge_to_assess.extra_reablement_share={share}"])
        mo.append(system(r, "mean_medically_optimised"))
    assert mo[0]["difference_ci_high"] < 0  # 10% more places: fewer MO patients
    assert mo[1]["difference_mean"] < mo[0]["difference_mean"]  # 30% more: fewer still


def test_stacking_releases_more_than_either_alone():
    """Rapid response avoids frail admissions; discharge to assess shortens MO delays and adds
    places. Stacked, each still acts on what the other leaves, so the pair releases more beds
    than either alone. All three runs meet the same patients (common random numbers), so the
    comparison is per replication. It is not monotone on every sample path (a freed bed lets
    an elective in that would have been cancelled; home first reorders the reablement queue),
    so the claim is on the paired differences: their 95% interval lies above zero."""
    runs = {k: km(k) for k in ("rapid_response", "discharge_to_assess",
                               "rapid_response,discharge_to_assess")}
    base = runs["rapid_response"].baseline.system["mean_occupied"].to_numpy()
    released = {}
    for k, r in runs.items():
        np.testing.assert_array_equal(r.baseline.system["mean_occupied"].to_numpy(), base)
        released[k] = base - r.system["mean_occupied"].to_numpy()
    both = released["rapid_response,discharge_to_assess"]
    for alone in ("rapid_response", "discharge_to_assess"):
        gain, low, _ = mean_ci(both - released[alone])
        assert low > 0, (alone, both, released[alone], gain, low)


@pytest.mark.parametrize("name,kpi", [
    ("rapid_response", "admissions_avoided"), ("virtual_ward", "admissions_avoided"),
    ("integrated_care_centre", "admissions_avoided"), ("expert_opinion", "admissions_avoided"),
    ("discharge_to_assess", "mean_medically_optimised"),
    ("single_point_of_access", "mean_medically_optimised"),
    ("care_navigation", "demand_prevented"), ("self_care", "demand_prevented"),
    ("healthy_living", "demand_prevented"),
])
def test_each_intervention_acts_through_its_mechanism(name, kpi):
    # time of day off: with an admission process everyone spends time in ED, and the exact
    # balance below needs sites where nobody waited
    r = run(["sim.replications=2", "sim.horizon_days=60", "sim.jobs=2", f"intervention=[{name}]",
             "time_of_day=none"])
    scen, base = r.system[kpi].to_numpy(), r.baseline.system[kpi].to_numpy()
    if kpi == "mean_medically_optimised":
        assert (scen < base).all()
    else:
        assert (scen > 0).all()
    # the same patients arrive in both runs: the counts must balance, site by site
    s, b = r.replications, r.baseline.replications
    prevented, returns = s["demand_prevented"], s["readmissions_30d"]
    np.testing.assert_array_equal(b["emergency_arrivals"],
                                  s["emergency_arrivals"] + prevented - returns)
    if kpi != "demand_prevented":
        assert (prevented == 0).all()
    # each arrival prevented or avoided is one admission fewer: exact where nobody waited in
    # ED in either run (otherwise an ED wait can move an admission across the window's edges)
    calm = (s["mean_ed_waiting"] == 0) & (b["mean_ed_waiting"] == 0)
    assert calm.any()
    np.testing.assert_array_equal((b["admissions"] - s["admissions"])[calm],
                                  (s["admissions_avoided"] + prevented - returns)[calm])
    assert system(r, "beds_released")["difference_mean"] > 0
    assert system(r, "intervention_cost")["difference_mean"] > 0


@pytest.mark.parametrize("args,key", [
    (["intervention=[rapid_response,magic_cure]"], "magic_cure"),
    (["intervention=[rapid_response]", "intervention.rapid_response.eligible_share=1.5"],
     "intervention.rapid_response.eligible_share"),
    (["intervention=[rapid_response]", "intervention.rapid_response.caseload_per_site=-4"],
     "intervention.rapid_response.caseload_per_site"),
    (["intervention=[virtual_ward]", "intervention.virtual_ward.beds_per_site=-1"],
     "intervention.virtual_ward.beds_per_site"),
    # the names a user needs: the list of interventions, the switch, the nearest key
    (["intervention=[rapid_responce]"], "available: care_navigation, discharge_to_assess"),
    (["intervention.rapid_response.caseload_per_site=3"],
     "rapid_response is not switched on; add it to the list, e.g. intervention=[rapid_response]"),
    (["intervention=[rapid_response]", "intervention.rapid_response.caseload=3"],
     "did you mean caseload_per_site?"),
    (["system.sites.medwy.beds=600"], "did you mean medway?"),
])
def test_bad_intervention_input(args, key, tmp_path, monkeypatch, capsys):
    assert_rejected(args, key, tmp_path, monkeypatch, capsys)


def test_cli_writes_comparison_and_multirun_combines(tmp_path):
    args = ["sim.replications=2", "sim.horizon_days=20", "sim.warmup_days=5"]
    p = subprocess.run([sys.executable, "-m", "bedflow", "-m",
                        "intervention=[rapid_response],[rapid_response,discharge_to_assess]", *args,
                        "hydra.sweep.dir=sw"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    sweep = tmp_path / "sw"
    points = [d for d in sweep.iterdir() if d.is_dir() and not d.name.startswith(".")]
    assert len(points) == 2
    for point in points:
        for f in ("comparison.csv", "beds_released.png", "baseline_replications.parquet",
                  "report.html"):
            assert (point / f).is_file(), (point.name, f)
    table = pd.read_csv(sweep / "comparisons.csv")
    assert set(table["interventions"]) == {"rapid_response", "rapid_response + discharge_to_assess"}
    assert (sweep / "beds_released_by_combination.png").is_file()
    assert "Acute beds released by intervention combination" in p.stdout
    assert np.isfinite(table["difference_mean"]).all()
    # the sweep ends by saying where it is and what to run next, in one line
    done = [x for x in p.stdout.splitlines() if "bedflow-collect" in x]
    assert done == ["sweep complete: 2 points in sw; next: bedflow-collect sw"], p.stdout[-500:]

    # a narrower sweep into the same folder combines its own points only, not what is left there
    again = subprocess.run([sys.executable, "-m", "bedflow", "-m", "intervention=[rapid_response]",
                            *args, "hydra.sweep.dir=sw"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert set(pd.read_csv(sweep / "comparisons.csv")["interventions"]) == {"rapid_response"}

    # the same interventions at two caseloads: the rows say which point is which
    grid = subprocess.run([sys.executable, "-m", "bedflow", "-m", "intervention=[rapid_response]",
                           "intervention.rapid_response.caseload_per_site=5,10", *args,
                           "hydra.sweep.dir=grid"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert grid.returncode == 0, grid.stderr
    points = set(pd.read_csv(tmp_path / "grid" / "comparisons.csv")["point"])
    assert points == {f"rapid_response (intervention.rapid_response.caseload_per_site={k})"
                      for k in (5, 10)}, points
    assert all(f"caseload_per_site={k}" in grid.stdout for k in (5, 10))
