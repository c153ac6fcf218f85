"""Same seed, same numbers; parallel equals serial; streams are independent of one another."""

import copy
import datetime as dt
import math

import numpy as np
import pandas as pd

import bedflow
from bedflow.config import Places, Site
from conftest import run

SHORT = ["sim.replications=3", "sim.horizon_days=60", "sim.warmup_days=10"]


def test_same_seed_identical_tables():
    a = run(SHORT)
    b = run(SHORT)
    pd.testing.assert_frame_equal(a.replications, b.replications)
    pd.testing.assert_frame_equal(a.daily, b.daily)


def test_other_seed_other_numbers():
    a = run(SHORT)
    b = run(SHORT + ["sim.seed=7"])
    assert not a.replications["emergency_arrivals"].equals(b.replications["emergency_arrivals"])


def test_parallel_equals_serial():
    serial = run(SHORT + ["sim.jobs=1"])
    parallel = run(SHORT + ["sim.jobs=2"])
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.daily, parallel.daily)


def _two_sites(overrides):
    """Kent & Medway cut to two sites (sites share no beds, places or streams): fast runs."""
    cfg = bedflow.compose(list(overrides) + ["sim.progress=false", "sim.jobs=1"])
    for sid in list(cfg.system.sites):
        if sid not in ("medway", "maidstone"):
            del cfg.system.sites[sid]
    for site in cfg.system.sites.values():
        site.neighbours = []  # no mutual aid: what happens at one site stays there
    return cfg


def _patients(events):
    """Per (replication, patient): site, arrival time, pathway, and acute stay (admitted to MO)."""
    ev = events.set_index(["replication", "patient"])
    arrival = ev[ev["event"] == "arrival"].groupby(level=[0, 1]).first()  # electives rebook
    admitted = ev[ev["event"] == "admitted"]["time"]
    mo = ev[ev["event"] == "medically_optimised"]["time"]
    return pd.DataFrame({"site": arrival["site"], "arrival": arrival["time"],
                         "pathway": arrival["pathway"], "stay": mo - admitted})


def test_a_front_door_intervention_changes_no_patients_draws():
    """Rapid response adds its own streams and takes some patients off the admission list; every
    patient still arrives at the same time with the same pathway, and everyone admitted in both
    runs has the same acute stay, whatever happened to the patients before them."""
    cfg = _two_sites(["sim.replications=2", "sim.horizon_days=40", "sim.warmup_days=10",
                      "sim.event_log=true", "intervention=[rapid_response]"])
    r = bedflow.simulate(cfg)
    scen, base = _patients(r.events), _patients(r.baseline.events)
    # the patients rapid response sent home who came back are new patients, numbered -1, -2...
    returns = scen.index.get_level_values("patient") < 0
    assert returns.sum() > 0 and (base.index.get_level_values("patient") > 0).all()
    scen = scen[~returns]
    # elective lists differ where a rebooked patient took a new booking's slot (that booking
    # stays on the waiting list, never arriving): those are electives, who arrive at the admit
    # hour; every emergency patient arrives in both runs
    common = scen.index.intersection(base.index)
    only = pd.concat([scen.drop(common), base.drop(common)])["arrival"]
    admit_hour = cfg.system.electives.admit_hour / 24.0
    np.testing.assert_allclose(only % 1.0, admit_hour, atol=1e-9)
    assert len(only) < 0.05 * len(common)
    scen, base = scen.loc[common], base.loc[common]
    pd.testing.assert_series_equal(scen["site"], base["site"])
    pd.testing.assert_series_equal(scen["arrival"], base["arrival"])
    pd.testing.assert_series_equal(scen["pathway"], base["pathway"])
    both = scen["stay"].notna() & base["stay"].notna()
    assert both.sum() > 0.9 * base["stay"].notna().sum()  # most were admitted in both
    np.testing.assert_allclose(scen.loc[both, "stay"], base.loc[both, "stay"], rtol=1e-9)
    ev = r.events
    avoided = ev[ev["event"] == "admission_avoided"].set_index(["replication", "patient"]).index
    assert len(avoided) > 0 and scen.loc[avoided, "stay"].isna().all()


def test_a_surge_at_one_site_changes_no_other_sites_patients():
    """Medway's winter surge brings its own streams: Maidstone is unchanged to the last digit,
    and Medway's extra arrivals are Poisson with mean the integral of the surge's extra rate
    (written out again here from the dates, the weekday profile and the seasonal curve)."""
    R = 4
    over = ["sim.start_date=2016-11-21", "sim.warmup_days=10", "sim.horizon_days=90",
            f"sim.replications={R}"]
    quiet = bedflow.simulate(_two_sites(over)).replications.set_index(["site", "replication"])
    cfg = _two_sites(over + ["scenario=winter_2016"])
    surge = bedflow.simulate(cfg).replications.set_index(["site", "replication"])
    pd.testing.assert_frame_equal(surge.loc["maidstone"], quiet.loc["maidstone"])

    extra = (surge.loc["medway", "emergency_arrivals"]
             - quiet.loc["medway", "emergency_arrivals"]).to_numpy()
    start = dt.date(2016, 11, 21)
    dow, season = cfg.system.demand.day_of_week, cfg.system.demand.seasonality
    base = cfg.system.sites["medway"].emergency_per_day
    steps = 96  # per day: midpoint rule, far finer than the rate's daily steps
    expected = 0.0
    for factor, first, last in ((1.17, dt.date(2016, 12, 1), dt.date(2016, 12, 31)),
                                (1.08, dt.date(2017, 1, 1), dt.date(2017, 1, 31))):
        d = first
        while d <= last:  # inclusive of the last date; all inside the observed window
            t = (d - start).days + (np.arange(steps) + 0.5) / steps
            doy = start.timetuple().tm_yday + t
            rate = base * dow[d.weekday()] * (
                1 + season.amplitude * np.cos(2 * np.pi * (doy - season.peak_day) / 365.25))
            expected += (factor - 1) * rate.mean()
            d += dt.timedelta(days=1)
    se = math.sqrt(expected / R)  # the mean of R Poisson counts
    assert abs(extra.mean() - expected) <= 4 * se, (extra, expected, se)
    assert 4 * se < 0.1 * expected  # the check has power


def test_adding_a_site_changes_no_other_sites_patients():
    """A new site brings new streams; on a loss system the first site's numbers are unchanged."""
    cfg = bedflow.compose(["system=single_ward", "system.when_full=divert", "sim.progress=false",
                           "sim.replications=2", "sim.horizon_days=200"])
    more = copy.deepcopy(cfg)
    more.system.sites["annex"] = Site(name="Annex", beds=10, emergency_per_day=2.0,
                                      downstream=Places())
    a = bedflow.simulate(cfg).replications
    b = bedflow.simulate(more).replications
    pd.testing.assert_frame_equal(a, b[b["site"] == "ward"].reset_index(drop=True))


def test_each_draw_has_its_own_stream():
    """One stream, one purpose: a patient's acute stay, pathway and discharge process delay come
    from different streams, so they are independent. Two purposes drawing from one stream (or
    from two streams of the same name) would tie them together. Checked on the patients'
    recorded times: correlation of log stay and log delay within 4.5 standard errors (1/sqrt n)
    of zero, and the same mean log stay on both pathways."""
    r = run(["system=single_ward", "system.sites.ward.beds=100000",
             "system.sites.ward.emergency_per_day=10", "system.sites.ward.downstream.P1=100000",
             "system.cohorts.all.pathways.P0=0.5", "system.cohorts.all.pathways.P1=0.5",
             "system.discharge.process_delay_days.P1=2", "system.los.emergency.dist=lognormal",
             "system.los.emergency.cv=1", "sim.warm_start=false", "sim.warmup_days=0",
             "sim.horizon_days=200", "sim.replications=1", "sim.event_log=true"])
    ev = r.events.set_index("patient")
    when = {e: ev[ev["event"] == e]["time"]
            for e in ("admitted", "medically_optimised", "awaiting_place")}
    pathway = ev[ev["event"] == "admitted"]["pathway"]
    log_stay = np.log(when["medically_optimised"] - when["admitted"])
    delay = (when["awaiting_place"] - when["medically_optimised"]).dropna()
    p1 = delay.index
    n = len(p1)
    assert n > 500
    rho = np.corrcoef(log_stay.loc[p1], np.log(delay))[0, 1]
    assert abs(rho) < 4.5 / math.sqrt(n), rho
    a, b = log_stay[pathway == "P0"], log_stay[pathway == "P1"]
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    assert abs(a.mean() - b.mean()) < 4.5 * se, (a.mean(), b.mean(), se)


def _downstream_services(cfg, monkeypatch):
    """(pathway, days in the downstream place, days for its provider to start) per emergency
    patient who reached the place (pid -> tuple), collected where the model hands the patient
    to the place."""
    from bedflow.model import Model
    from bedflow.patient import EMERGENCY
    from bedflow.recorder import SiteRecorder

    seen = {}

    def awaiting_place(self, p, t):
        if p.kind == EMERGENCY:
            seen[p.pid] = (p.pathway, p.service, p.start)

    monkeypatch.setattr(SiteRecorder, "awaiting_place", awaiting_place)
    Model(cfg, 0).run()
    return seen


def test_home_first_changes_no_other_patients_downstream_stay(monkeypatch):
    """Discharge to assess sends some would-be P2/P3 patients home first on P1: every other
    patient must hold its downstream place for the same time as in the baseline (its service
    time is read by arrival number, not taken in turn from a stream the moved patients share)."""
    over = ["sim.warmup_days=0", "sim.horizon_days=40", "sim.event_log=false"]
    base = _downstream_services(_two_sites(over), monkeypatch)
    scen = _downstream_services(_two_sites(over + ["intervention=[discharge_to_assess]"]),
                                monkeypatch)
    both = base.keys() & scen.keys()
    same = [k for k in both if base[k][0] == scen[k][0]]
    moved = [k for k in both if base[k][0] != scen[k][0]]
    assert len(same) > 200 and len(moved) > 10  # many kept their pathway, some went home first
    assert all(scen[k][0] == 1 for k in moved)
    assert {base[k][0] for k in same} == {1, 2, 3}
    assert all(base[k][1] > 0 for k in same)
    assert [scen[k][1] for k in sorted(same)] == [base[k][1] for k in sorted(same)]


def test_a_front_door_intervention_changes_no_admitted_patients_downstream_draws(monkeypatch):
    """Rapid response takes some frail patients off the admission list: every patient admitted
    in both runs on the same pathway has the same downstream stay and provider start time (the
    start is drawn on arrival, before the front door, so the patients turned away there do not
    shift the stream for those after them)."""
    over = ["sim.warmup_days=0", "sim.horizon_days=40", "sim.event_log=false"]
    base = _downstream_services(_two_sites(over), monkeypatch)
    scen = _downstream_services(_two_sites(over + ["intervention=[rapid_response]",
                                                   "intervention.rapid_response.eligible_share=0.5"]),
                                monkeypatch)
    same = sorted(k for k in base.keys() & scen.keys() if base[k][0] == scen[k][0])
    assert len(same) > 200 and len(base) > len(scen)  # some were treated at home
    assert all(base[k][2] > 0 for k in same)
    assert [scen[k][1:] for k in same] == [base[k][1:] for k in same]
