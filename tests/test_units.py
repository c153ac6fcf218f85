"""Small pieces checked exactly: calendar, working time, histogram quantiles, samplers."""

import math

import numpy as np
import pytest
import simpy

from bedflow.calendar import Calendar, DemandRate, after_working_time
from bedflow.config import Dist, Duration
from bedflow.distributions import DurationSampler
from bedflow.patient import EMERGENCY, Patient
from bedflow.recorder import Histogram, SiteRecorder
from bedflow.streams import Streams
from bedflow.theory import erlang_b, erlang_c


def test_calendar_weekdays_and_season():
    cal = Calendar("2016-12-05")  # a Monday
    assert [cal.weekday(d + 0.5) for d in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]
    rate = DemandRate(10.0, [1, 1, 1, 1, 1, 0.5, 0.5], 0.2, 15, cal)
    assert rate(5.5) == pytest.approx(0.5 * rate(4.5) * rate.season(5.5) / rate.season(4.5))
    jan15 = 15 - cal.first_day_of_year + 365 + 1  # 15 January 2017, in days from the start
    assert rate.season(jan15 - 1) == pytest.approx(1.2, abs=1e-3)
    assert rate.max == pytest.approx(12.0)


def test_weekend_slows_discharge_work():
    cal = Calendar("2016-12-02")  # a Friday
    assert after_working_time(0.5, 0.25, cal, 0.5) == pytest.approx(0.75)  # Friday, full speed
    # half a day left on Friday, then Saturday and Sunday at half speed: 1.5 days' work ends
    # at 00:00 Monday (0.5 + 0.5 + 0.5 = 1.5)
    assert after_working_time(0.5, 1.5, cal, 0.5) == pytest.approx(3.0)
    assert after_working_time(0.5, 1.5, cal, 1.0) == pytest.approx(2.0)


def test_histogram_quantiles():
    h = Histogram(0.1, 10)
    for _ in range(90):
        h.add_zero()
    for x in np.linspace(1, 5, 10):
        h.add(x)
    assert h.quantile(0.9) == 0.0
    assert h.quantile(0.95) == pytest.approx(2.8)  # 5th of the ten (2.78), upper bin edge
    assert math.isnan(Histogram(1, 1).quantile(0.5))


def test_a_stream_read_by_position_gives_the_draws_read_in_order():
    """Service times are read by arrival number (`at`); they must be exactly the draws a
    patient would have taken in order, across the boundaries of numpy blocks."""
    seq = Streams(5, 0)("x", "normal")
    in_order = [seq() for _ in range(5000)]
    pos = Streams(5, 0).positional("x", "normal")
    ks = [0, 3, 2047, 2048, 2049, 4100, 4999]
    assert [pos.at(k) for k in ks] == [in_order[k] for k in ks]


def test_anticipated_area_is_the_area_in_the_window():
    rec = SiteRecorder(w=10.0, T=20.0)
    for enter, leave in [(5, 12), (11, 13), (15, 25), (1, 2), (21, 30)]:
        rec.occupied_area += rec.rest(enter)
        if leave < rec.T:
            rec.occupied_area -= rec.rest(leave)
    assert rec.occupied_area == pytest.approx(2 + 2 + 5)


@pytest.mark.parametrize("dist,cv", [("lognormal", 0.7), ("gamma", 0.5), ("exponential", 1.0)])
def test_samplers_have_the_configured_mean_and_cv(dist, cv):
    d = Duration(Dist(dist), 4.0, cv)
    s = DurationSampler(d, Streams(3, 0), "x")
    x = np.array([s() for _ in range(100_000)])
    assert x.mean() == pytest.approx(4.0, rel=0.02)
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.04)
    # length-biased: mean E[X^2]/E[X] = mean (1 + cv^2)
    lb = DurationSampler(d, Streams(3, 0), "y", length_biased=True)
    y = np.array([lb() for _ in range(100_000)])
    assert y.mean() == pytest.approx(4.0 * (1 + cv * cv), rel=0.03)


def test_erlang_formulas_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_escalation_opens_on_the_beds_a_closure_leaves_open():
    """100 beds, 10 closed: escalation (at 95%) opens at 86 patients (95% of the 90 open), not
    at 95, which the 90 open beds could never hold; reopening the ward raises the bar again."""
    from bedflow.config import Site
    from bedflow.model import Ward

    ward = Ward("w", Site(beds=100, escalation_beds=8, escalation_open_at=0.95,
                          escalation_close_at=0.90), SiteRecorder(0.0, 10.0))
    ward.close_beds(10, 0.0)
    for _ in range(85):
        ward.took_bed(0.0)
    assert not ward.esc_open and ward.capacity == 90
    ward.took_bed(0.0)  # 86 >= 0.95 x 90 = 85.5
    assert ward.esc_open and ward.capacity == 98
    ward.close_beds(-10, 1.0)  # ward reopens: 108 beds, closing below 90% of 100
    ward.freed_bed(1.0)  # 85 < 90: escalation closes
    assert not ward.esc_open and ward.capacity == 100


def test_a_closure_on_a_site_already_past_the_new_threshold_opens_escalation_at_once():
    from bedflow.config import Site
    from bedflow.model import Ward

    ward = Ward("w", Site(beds=100, escalation_beds=8, escalation_open_at=0.95,
                          escalation_close_at=0.90), SiteRecorder(0.0, 10.0))
    for _ in range(90):
        ward.took_bed(0.0)
    assert not ward.esc_open
    ward.close_beds(10, 0.5)  # 90 patients in 90 open beds
    assert ward.esc_open and ward.capacity == 98


def test_home_first_reaches_would_be_p2_and_p3_patients_frail_or_not():
    from bedflow.config import DischargeToAssess, Interventions, Site
    from bedflow.interventions import ADMIT, FrontDoor
    from bedflow.model import Ward

    ward = Ward("w", Site(beds=10), SiteRecorder(0.0, 10.0))
    iv = Interventions(discharge_to_assess=DischargeToAssess(home_first_share_P2=1.0,
                                                             home_first_share_P3=0.0))
    door = FrontDoor(iv, Streams(1, 0), "w/emergency", ward)
    env = simpy.Environment()

    def fate(frail, pathway):
        pt = Patient(1, ward, EMERGENCY, pathway, 2.0, 0.0, 0.0, 0.0)
        return door.arrive(env, pt, frail, 0.5), pt.pathway

    for frail in (False, True):
        assert fate(frail, 2) == (ADMIT, 1)  # sent home first, on P1
        assert fate(frail, 3) == (ADMIT, 3)  # share 0: still waits for a care home
        assert fate(frail, 0) == (ADMIT, 0)
