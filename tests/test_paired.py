"""One paired difference for every comparison: scenario minus baseline over the same
replications, Student-t interval; checked against a hand calculation with the tabulated t."""

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from bedflow.compare import KPIS, compare
from bedflow.config import Scenario
from bedflow.stats import common_replications, paired

SCEN, BASE = [12.0, 15.0, 11.0, 14.0, 13.0], [10.0, 12.0, 10.0, 11.0, 12.0]


def test_paired_interval_by_hand():
    # differences 2, 3, 1, 3, 1: mean 2, sample sd 1, t(4) = 2.776 from the table
    m, lo, hi = paired(SCEN, BASE)
    half = 2.776 * 1.0 / math.sqrt(5)
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half), abs=1e-12)
    # the other way round: the same interval, negated
    assert paired(BASE, SCEN) == pytest.approx((-2.0, -2.0 - half, -2.0 + half), abs=1e-12)


def test_pairs_must_come_from_the_same_replications():
    with pytest.raises(ValueError, match="5 scenario values against 4 baseline"):
        paired(SCEN, BASE[:4])
    assert common_replications([2, 0, 1], [0, 1, 2]) == [0, 1, 2]
    with pytest.raises(ValueError, match="only the baseline has 3"):
        common_replications([0, 1, 2], [0, 1, 2, 3])


def fake(values, reps, admissions=100, avoided=0, prevented=0):
    """A run's tables with one site whose mean occupied beds and MO patients are `values`."""
    def frame(site):
        return pd.DataFrame({"site": site, "replication": reps, "mean_occupied": values,
                             "mean_medically_optimised": values, "mean_wait_hours": 0.0,
                             "waits_over_12h": 0, "elective_cancelled": 0,
                             "admissions": admissions, "admissions_avoided": avoided,
                             "demand_prevented": prevented, "intervention_cost": 0.0})
    cfg = SimpleNamespace(sim=SimpleNamespace(horizon_days=10), costs=SimpleNamespace(acute_bed_day=346),
                          scenario=Scenario())
    return SimpleNamespace(config=cfg, system=frame("system"), replications=frame("ward"))


def test_compare_uses_one_convention_and_refuses_other_replications():
    c = compare(fake(BASE, range(5)), fake(SCEN, range(5))).set_index(["site", "kpi"])
    half = 2.776 / math.sqrt(5)
    mo = c.loc[("system", "mean_medically_optimised")]  # scenario - baseline
    assert (mo["difference_mean"], mo["difference_ci_low"]) == pytest.approx((2.0, 2.0 - half))
    beds = c.loc[("system", "beds_released")]  # named "released": baseline - scenario
    assert (beds["difference_mean"], beds["difference_ci_high"]) == pytest.approx((-2.0, -2.0 + half))
    value = c.loc[("system", "bed_days_freed_value")]  # 10 days x GBP 346 a bed-day
    assert value["difference_mean"] == pytest.approx(-2.0 * 10 * 346)
    assert "not cash unless beds close" in KPIS["bed_days_freed_value"][2]
    assert not any("net" in k or "saved" in k for k in KPIS)
    with pytest.raises(ValueError, match="only the scenario has 4"):
        compare(fake(BASE[:4], range(4)), fake(SCEN, range(5)))


def test_a_percentile_beyond_the_range_in_one_replication_leaves_its_difference_unknown(
        monkeypatch):
    """Were a percentile compared, a NaN beside a finite mean in any replication of either run
    must make the means and the difference NaN with the note, not the average of the rest."""
    import bedflow.compare as cmp

    monkeypatch.setitem(cmp.KPIS, "p95_wait_hours",
                        ("p95_wait_hours", +1, "ED wait, 95th percentile (scenario - baseline)"))
    base, scen = fake(BASE, range(5)), fake(SCEN, range(5))
    for run, p95 in ((base, [20.0, 21.0, 22.0, 23.0, 24.0]),
                     (scen, [18.0, float("nan"), 19.0, 20.0, 21.0])):
        for df in (run.system, run.replications):
            df["mean_wait_hours"], df["p95_wait_hours"] = 2.0, p95
    c = compare(base, scen).set_index(["site", "kpi"])
    for site in ("system", "ward"):
        r = c.loc[(site, "p95_wait_hours")]
        assert math.isnan(r["difference_mean"]) and math.isnan(r["difference_ci_low"])
        assert math.isnan(r["scenario_mean"])
        assert r["note"] == "beyond the recorded range in 1 of 5 replications"
        assert c.loc[(site, "mean_wait_hours"), "note"] == ""


def test_patients_taken_are_counted_directly_not_read_off_a_rise_in_admissions():
    """Beds full: the interventions take 30 + 5 patients a replication, yet admissions rise by
    12 as the freed beds clear the ED queue. The comparison says both, each under its own name:
    fewer admissions is baseline - scenario = -12; patients taken is the scenario's count, 35
    (scenario - baseline, the baseline's being 0), with no spread since every replication took
    35."""
    c = compare(fake(BASE, range(5), admissions=[100, 101, 99, 100, 100]),
                fake(SCEN, range(5), admissions=[112, 113, 111, 112, 112], avoided=30,
                     prevented=5)).set_index(["site", "kpi"])
    fewer = c.loc[("system", "fewer_admissions")]
    assert fewer["difference_mean"] == pytest.approx(-12.0)
    assert fewer["label"].startswith("fewer emergency admissions") and "avoided" not in \
        fewer["label"].split("(")[0]
    taken = c.loc[("system", "taken_by_interventions")]
    assert (taken["baseline_mean"], taken["scenario_mean"]) == (0.0, 35.0)
    assert (taken["difference_mean"], taken["difference_ci_low"],
            taken["difference_ci_high"]) == pytest.approx((35.0, 35.0, 35.0))
    assert taken["difference"] == "scenario - baseline"
    # the row named admissions avoided holds the front door's count, not a fall in admissions
    avoided = c.loc[("system", "admissions_avoided")]
    assert (avoided["baseline_mean"], avoided["difference_mean"]) == (0.0, pytest.approx(30.0))
    assert KPIS["admissions_avoided"][0] == "admissions_avoided"
