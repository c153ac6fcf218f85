"""Local care counterfactuals: acuity, the share who would have been admitted, virtual-ward
counting, 30-day returns and the sensitivity run, each against theory or an exact balance on
the same patients (common random numbers)."""

import dataclasses
import functools
import math

import numpy as np
import pytest

import bedflow
from bedflow.distributions import emergency_stays
from bedflow.sensitivity import inputs, variant
from bedflow.services import service_table
from bedflow.stats import mean_ci
from bedflow.streams import Streams
from conftest import assert_rejected, run

KM = ["sim.replications=3", "sim.horizon_days=120", "sim.jobs=2"]
RR = "intervention.rapid_response"
OLD = [f"{RR}.acuity_limit=1", f"{RR}.p_admit_otherwise=1", f"{RR}.return_30d=0"]


@functools.lru_cache(maxsize=None)
def km(*overrides: str):
    return run(KM + list(overrides))


def frail_stay(cfg) -> tuple[float, object]:
    """The frail cohort's acute-stay scale (its share of the mean) and a sampler of stays."""
    cohorts = list(cfg.system.cohorts.values())
    norm = sum(c.share * c.los_factor for c in cohorts)
    (frail,) = [c for c in cohorts if c.frail]
    return frail.los_factor / norm, emergency_stays(cfg.system.los, Streams(1, 0), "check")


def test_counterfactual_share_zero_releases_nothing():
    """Nobody the team takes would have been admitted: the acute side is the baseline's,
    exactly, whatever the team does."""
    r = run(["sim.replications=2", "sim.horizon_days=60", "sim.jobs=2",
             "intervention=[rapid_response]", f"{RR}.p_admit_otherwise=0"])
    c = r.comparison.set_index(["site", "kpi"])
    assert c.loc[("system", "beds_released"), "difference_mean"] == 0
    assert (r.system["admissions_avoided"] == 0).all()
    same = [k for k in r.baseline.replications if k not in ("intervention_cost", "site")]
    np.testing.assert_array_equal(r.replications[same].to_numpy(float),
                                  r.baseline.replications[same].to_numpy(float))


def test_share_one_without_acuity_is_the_old_mechanism():
    """p = 1, acuity off, no returns: everyone taken is an admission avoided, drawn at random
    from the frail, so the stays they stood in for average the frail cohort's mean stay."""
    r = km("intervention=[rapid_response]", "system.los.seasonality_amplitude=0", *OLD)
    s = r.system
    np.testing.assert_array_equal(s["rapid_response_admissions"], s["rapid_response_avoided"])
    np.testing.assert_array_equal(s["admissions_avoided"], s["rapid_response_avoided"])
    assert (s["readmissions_30d"] == 0).all()
    scale, _ = frail_stay(r.config)
    expected = scale * bedflow.distributions.mean_emergency_stay(r.config.system.los)
    per_rep = s["rapid_response_avoided_stay_days"] / s["rapid_response_avoided"]
    m, lo, hi = mean_ci(per_rep)
    assert lo <= expected <= hi, (expected, m, lo, hi)


def test_low_acuity_takes_the_short_stays():
    """acuity_limit 0.5: the eligible come from the frail arrivals with the shorter half of
    stays, so the stays avoided average E[stay | rank < 0.5], computed here from the same
    distribution (400,000 draws), far below the cohort's mean."""
    r = km("intervention=[rapid_response]", "system.los.seasonality_amplitude=0",
           f"{RR}.acuity_limit=0.5")
    s = r.system
    scale, sampler = frail_stay(r.config)
    x = np.array([sampler() for _ in range(400_000)])
    ranks = np.array([sampler.rank(v) for v in x])
    expected = scale * x[ranks < 0.5].mean()
    per_rep = s["rapid_response_avoided_stay_days"] / s["rapid_response_avoided"]
    m, lo, hi = mean_ci(per_rep)
    assert lo <= expected <= hi, (expected, m, lo, hi)
    assert hi < 0.5 * scale * x.mean()


@pytest.mark.parametrize("team", ["rapid_response", "virtual_ward"])
def test_bed_days_saved_per_admission_avoided_below_the_frail_stay(team):
    """With the default (low-acuity) eligibility, each admission avoided frees fewer bed-days
    than a frail stay holds: the lower part of the distribution, not its average."""
    r = km(f"intervention=[{team}]")
    t = service_table(r).set_index("measure")
    freed = t.loc["acute bed-days freed per admission avoided", "mean"]
    frail = t.loc["acute stay, whole"]
    assert 0 < freed < frail["ci_low"], (freed, frail)


def test_virtual_ward_counts_as_nhs_england_does():
    """Virtual-ward admissions and the admissions they avoid are separate counts whose ratio is
    the configured 2.5: the referrals who would not have been admitted are Poisson, so the
    tolerance is four standard errors of the ratio of the two counts."""
    r = km("intervention=[virtual_ward]")
    reps = r.replications
    assert {"virtual_ward_admissions", "admissions_avoided", "virtual_ward_occupancy"} <= set(reps)
    s = r.system
    taken, avoided = s["virtual_ward_admissions"].sum(), s["virtual_ward_avoided"].sum()
    others = taken - avoided
    ratio = taken / avoided
    se = (others / avoided) * math.sqrt(1 / others + 1 / avoided)
    assert abs(ratio - 2.5) < 4 * se, (ratio, se)
    np.testing.assert_array_equal(s["admissions_avoided"], s["virtual_ward_avoided"])
    assert (s["virtual_ward_occupancy"] <= 0.80).all()
    c = r.comparison.set_index(["site", "kpi"])
    assert c.loc[("system", "virtual_ward_admissions"), "baseline_mean"] == 0


def test_returns_come_back_as_admissions_on_the_same_patients():
    """Returns on or off, the front door sees the same patients with the same draws: the same
    admissions avoided exactly, and arrivals that differ by the returns exactly. The returns
    are about the configured share of those sent home (binomial, four standard errors, plus
    the few whose return falls past the window's end)."""
    on = km("intervention=[rapid_response]", f"{RR}.return_30d=0.15")
    off = km("intervention=[rapid_response]", f"{RR}.return_30d=0")
    a, b = on.replications, off.replications
    np.testing.assert_array_equal(a["admissions_avoided"], b["admissions_avoided"])
    np.testing.assert_array_equal(a["emergency_arrivals"] - a["readmissions_30d"],
                                  b["emergency_arrivals"])
    assert (b["readmissions_30d"] == 0).all()
    assert (on.system["admissions"] > off.system["admissions"]).all()
    n, k = on.system["admissions_avoided"].sum(), on.system["readmissions_30d"].sum()
    sd = math.sqrt(n * 0.15 * 0.85)
    edge = n * 0.15 * 32 / (2 * 120)  # returns of the window's last ~32 days fall past its end
    assert 0.15 * n - edge - 4 * sd <= k <= 0.15 * n + 4 * sd, (k, n)
    # the comparison counts them, against none without the interventions
    c = on.comparison.set_index(["site", "kpi"])
    assert c.loc[("system", "readmissions_30d"), "difference_mean"] == pytest.approx(
        on.system["readmissions_30d"].mean())


def test_sensitivity_varies_one_input_paired_against_the_baseline(tmp_path):
    """Each end of a range is the default config with one input changed; its beds released is
    the paired difference against the same baseline, so the default's figure is the
    comparison's to the digit; a bigger caseload releases more."""
    from bedflow.report import write_report

    cfg = bedflow.compose(["sim.replications=2", "sim.horizon_days=60", "sim.jobs=2",
                           "sim.progress=false", "intervention=[rapid_response]"])
    rr = dataclasses.replace(cfg.intervention.rapid_response,
                             ranges={"caseload_per_site": [3, 40], "episode.mean_days": [1, 3]})
    cfg = dataclasses.replace(cfg, sim=dataclasses.replace(cfg.sim, sensitivity=True),
                              intervention=dataclasses.replace(cfg.intervention,
                                                               rapid_response=rr))
    ins = inputs(cfg)
    assert [i.name for i in ins] == ["rapid_response.caseload_per_site",
                                     "rapid_response.episode.mean_days"]
    low = variant(cfg, ins[1], 1.0)
    assert low.intervention.rapid_response.episode.mean_days == 1.0
    assert dataclasses.replace(low.intervention.rapid_response, episode=rr.episode) == rr
    r = bedflow.simulate(cfg)
    t = r.sensitivity.set_index("input")
    comp = r.comparison.set_index(["site", "kpi"]).loc[("system", "beds_released")]
    assert t["released_default"].iloc[0] == pytest.approx(comp["difference_mean"], abs=1e-9)
    row = t.loc["rapid_response.caseload_per_site"]
    assert row["released_at_low"] < row["released_default"] < row["released_at_high"]
    # the changes from the default and the swing are the same differences, paired
    for end in ("low", "high"):
        assert row[f"change_at_{end}"] == pytest.approx(
            row[f"released_at_{end}"] - row["released_default"])
    assert row["high_minus_low"] == pytest.approx(row["released_at_high"] - row["released_at_low"])
    assert row["high_minus_low_ci_low"] < row["high_minus_low"] < row["high_minus_low_ci_high"]
    assert list(t.index)[0] == t["swing"].idxmax()
    write_report(r, tmp_path, {})
    page = (tmp_path / "report.html").read_text()
    assert "id=tornado" in page and (tmp_path / "tornado.png").stat().st_size > 0


def test_report_says_how_to_get_the_tornado(tmp_path):
    from bedflow.report import write_report

    r = km("intervention=[virtual_ward]")
    write_report(r, tmp_path, {})
    page = (tmp_path / "report.html").read_text()
    assert "sim.sensitivity=true" in page and "id=tornado" not in page
    assert "admissions per admission avoided" in page


@pytest.mark.parametrize("args,key", [
    ([f"{RR}.ranges.eligible_share=[0.3,0.1]"], "low 0.3 is above high 0.1"),
    ([f"+{RR}.ranges.magic=[1,2]"], "'magic' is not a number of rapid_response"),
    ([f"{RR}.ranges.p_admit_otherwise=[0.2,1.5]"],
     f"{RR}.ranges.p_admit_otherwise: 1.5 is not a valid value"),
    ([f"{RR}.acuity_limit=0"], f"{RR}.acuity_limit: must be > 0"),
    ([f"{RR}.return_30d=15"], "looks like a percentage"),
    ([f"{RR}.ranges.caseload_per_site=[0.4,40]"], "caseload_per_site is a whole number, got 0.4"),
    (["intervention=[discharge_to_assess]", "intervention.discharge_to_assess.home_first_share_P2=1.5"],
     "intervention.discharge_to_assess.home_first_share_P2: must be between 0 and 1"),
])
def test_bad_local_care_input(args, key, tmp_path, monkeypatch, capsys):
    assert_rejected(["intervention=[rapid_response]"] + args, key, tmp_path, monkeypatch, capsys)


def test_sensitivity_needs_interventions_with_ranges(tmp_path, monkeypatch, capsys):
    assert_rejected(["sim.sensitivity=true"], "sim.sensitivity: varies the inputs of "
                    "interventions", tmp_path, monkeypatch, capsys)
    assert_rejected(["sim.sensitivity=true", "intervention=[self_care]",
                     "~intervention.self_care.ranges.demand_reduction"], "none of self_care has ranges",
                    tmp_path, monkeypatch, capsys)
