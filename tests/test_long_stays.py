"""Long stays and the MO split (issue 10, items 3 and 5): the 08:00 census counts of beds held
by stays of 7/14/21+ days, the time-average share of beds held by 21+ day stays, and the
time-average number of patients waiting for a downstream place. Checked by exact recounts from
the event log and against M/M/infinity theory (tolerance 4 standard errors over replications)."""

import math

import numpy as np
import pandas as pd
import pytest

import bedflow
from bedflow.model import run_replication
from bedflow.results import system_rows


def system(out):
    """The system row of one replication, as results builds it."""
    return system_rows(pd.DataFrame(out["rows"])).iloc[0]


def small(*overrides):
    """kent_medway for 60 days from empty beds, Medway short of P1 places so patients queue
    for them: long stays, and an event log small enough to recount."""
    return bedflow.compose(["system=kent_medway", "sim.warm_start=false", "sim.progress=false",
                            "sim.event_log=true", "sim.warmup_days=10", "sim.horizon_days=50",
                            "system.sites.medway.downstream.P1=40", *overrides])


def stays(ev):
    """(admitted, released) per patient from the event log; released is inf if still in bed."""
    adm = ev[ev["event"] == "admitted"].set_index(["site", "patient"])["time"]
    rel = ev[ev["event"] == "bed_released"].set_index(["site", "patient"])["time"]
    df = adm.to_frame("admitted").join(rel.rename("released"))
    return df.fillna({"released": math.inf}).reset_index()


def test_long_stay_census_recounted_from_the_event_log():
    """At each 08:00 census, the patients in a bed (admitted, not yet released) with census
    time minus admission of at least 7, 14, 21 days."""
    c = small()
    out = run_replication(c, 0)
    df = stays(out["events"])
    h = c.sim.census_hour / 24.0
    for j, site in enumerate(out["sites"]):
        s = df[df["site"] == site]
        for i, d in enumerate(out["census_days"]):
            t = d + h
            inbed = s[(s["admitted"] <= t) & (s["released"] > t)]
            assert len(inbed) == out["census"]["occupied"][i, j]
            for days in (7, 14, 21):
                n = int((t - inbed["admitted"] >= days).sum())
                assert out["census"][f"los_{days}plus"][i, j] == n, (site, d, days)
    assert out["census"]["los_21plus"].sum() > 0  # the check saw long stays


def test_share_of_beds_held_by_long_stays_recounted_from_the_event_log():
    """The time-average share: the area of 21+ day stays in the window over the occupied area."""
    c = small()
    out = run_replication(c, 0)
    w, T = c.sim.warmup_days, c.sim.warmup_days + c.sim.horizon_days
    df = stays(out["events"])

    def areas(s):
        rel = np.minimum(s["released"].to_numpy(), T)
        adm = s["admitted"].to_numpy()
        return [np.clip(rel - np.maximum(start, w), 0.0, None).sum() for start in (adm, adm + 21)]

    for row in out["rows"]:
        occ, long_ = areas(df[df["site"] == row["site"]])
        assert row["mean_occupied"] == pytest.approx(occ / (T - w), rel=1e-9)
        assert row["share_beds_los_21plus"] == pytest.approx(long_ / occ, rel=1e-9)
    occ, long_ = areas(df)  # the system: every site's beds together
    assert system(out)["share_beds_los_21plus"] == pytest.approx(long_ / occ, rel=1e-9)


def test_mean_awaiting_place_recounted_from_the_event_log():
    """From the end of the discharge process (awaiting_place) to the place found."""
    c = small()
    out = run_replication(c, 0)
    w, T = c.sim.warmup_days, c.sim.warmup_days + c.sim.horizon_days
    ev = out["events"]
    start = ev[ev["event"] == "awaiting_place"].set_index(["site", "patient"])["time"]
    found = ev[ev["event"] == "place_found"].set_index(["site", "patient"])["time"]
    df = start.to_frame("start").join(found.rename("found")).fillna({"found": math.inf})
    df = df.reset_index()
    for row in out["rows"]:
        s = df[df["site"] == row["site"]]
        a = np.clip(np.minimum(s["found"], T) - np.maximum(s["start"], w), 0.0, None).sum()
        assert row["mean_awaiting_place"] == pytest.approx(a / (T - w), rel=1e-9)
    a = np.clip(np.minimum(df["found"], T) - np.maximum(df["start"], w), 0.0, None).sum()
    assert system(out)["mean_awaiting_place"] == pytest.approx(a / (T - w), rel=1e-9)
    assert a / (T - w) > 1.0  # places were short: patients waited


def test_age_of_patients_in_bed_is_exponential_on_mm_infinity():
    """M/M/infinity: the elapsed stay of a patient in bed is exponential with the LOS mean m,
    so a share exp(-d/m) of occupied beds hold stays of d days or more."""
    m, reps = 7.0, 6
    c = bedflow.compose(["system=single_ward", "sim.progress=false", "system.sites.ward.beds=2000",
                         "system.sites.ward.emergency_per_day=60",
                         f"system.los.emergency.mean_days={m:g}",
                         "sim.warmup_days=60", "sim.horizon_days=200"])
    census7, share21 = [], []
    for r in range(reps):
        out = run_replication(c, r)
        cen = out["census"]
        census7.append(cen["los_7plus"].sum() / cen["occupied"].sum())
        share21.append(out["rows"][0]["share_beds_los_21plus"])
    for x, d in ((census7, 7.0), (share21, 21.0)):
        x = np.asarray(x)
        se = x.std(ddof=1) / math.sqrt(reps)
        assert abs(x.mean() - math.exp(-d / m)) < 4 * se + 1e-3, (x, math.exp(-d / m))


def test_warm_start_patients_bring_their_elapsed_stay():
    """With no warm-up, the first week's census already shows the M/M/infinity share exp(-d/m)
    of 7+ day stays: patients in a bed at time zero count the elapsed part of their drawn stay,
    not zero (which would show no 7+ day stay before day 7)."""
    m, reps = 7.0, 4
    c = bedflow.compose(["system=single_ward", "sim.progress=false", "system.sites.ward.beds=3000",
                         "system.sites.ward.emergency_per_day=200",
                         f"system.los.emergency.mean_days={m:g}",
                         "sim.warmup_days=0", "sim.horizon_days=6"])
    x = []
    for r in range(reps):
        cen = run_replication(c, r)["census"]
        x.append(cen["los_7plus"].sum() / cen["occupied"].sum())
    x = np.asarray(x)
    se = x.std(ddof=1) / math.sqrt(reps)
    assert abs(x.mean() - math.exp(-1.0)) < 4 * se + 2e-3, x
