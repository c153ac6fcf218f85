"""The calendar the model runs on: the clock is days (float) from `sim.start_date` at 00:00.

Demand rhythm (day of week x season) and the weekend slowdown of discharges both come from the
real calendar, so a run that starts on a given date sees the right weekdays and winter.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from typing import Sequence

YEAR_DAYS = 365.25


class Calendar:
    def __init__(self, start_date: str):
        self.start = dt.date.fromisoformat(str(start_date))
        self.first_weekday = self.start.weekday()  # Monday = 0
        self.first_day_of_year = self.start.timetuple().tm_yday  # 1-based

    def weekday(self, t: float) -> int:
        return (self.first_weekday + int(t)) % 7

    def day_of_year(self, t: float) -> float:
        """Continuous day of year (1.0 at 00:00 on 1 January), not wrapped: cos is periodic."""
        return self.first_day_of_year + t

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day_of(self, iso: str) -> int:
        """Days from the start to 00:00 on an ISO date."""
        return (dt.date.fromisoformat(str(iso)) - self.start).days


class DemandRate:
    """lambda(t) = base x day_of_week[weekday] x (1 + amplitude cos(2 pi (doy - peak) / 365.25))."""

    __slots__ = ("base", "dow", "amplitude", "peak", "cal", "max")

    def __init__(self, base: float, dow: Sequence[float], amplitude: float, peak: float,
                 cal: Calendar):
        self.base = base
        self.dow = tuple(dow)
        self.amplitude = amplitude
        self.peak = peak
        self.cal = cal
        self.max = base * max(self.dow) * (1.0 + abs(amplitude))

    def season(self, t: float) -> float:
        return 1.0 + self.amplitude * math.cos(
            2.0 * math.pi * (self.cal.day_of_year(t) - self.peak) / YEAR_DAYS)

    def __call__(self, t: float) -> float:
        cal = self.cal  # weekday(t) and season(t) written out: called for every candidate arrival
        return self.base * self.dow[(cal.first_weekday + int(t)) % 7] * (
            1.0 + self.amplitude * math.cos(
                2.0 * math.pi * (cal.first_day_of_year + t - self.peak) / YEAR_DAYS))

    def mean_over_week(self, t: float) -> float:
        return self.base * (sum(self.dow) / 7.0) * self.season(t)


def hourly(weights: Sequence[float]) -> tuple:
    """24 hourly weights from 24 hourly or 4 six-hourly ones (each block's weight per hour)."""
    w = [float(x) for x in weights]
    return tuple(w) if len(w) == 24 else tuple(x for x in w for _ in range(6))


class HourlyDemandRate(DemandRate):
    """DemandRate x an hour-of-day profile scaled to mean 1 over the day, so each day's expected
    volume is unchanged; `max` takes the profile's peak, so it stays an upper bound for thinning.
    A subclass so the rate without a profile costs what it did."""

    __slots__ = ("hours",)

    def __init__(self, base: float, dow: Sequence[float], amplitude: float, peak: float,
                 cal: Calendar, hours: Sequence[float]):
        super().__init__(base, dow, amplitude, peak, cal)
        h = hourly(hours)
        mean = sum(h) / 24.0
        self.hours = tuple(x / mean for x in h)
        self.max *= max(self.hours)

    def __call__(self, t: float) -> float:
        return DemandRate.__call__(self, t) * self.hours[int((t % 1.0) * 24.0)]


class LeavingHour:
    """When a patient ready to go at t leaves: at the hour drawn from the day's discharge-hour
    profile (weekends their own) on that day if still ahead, else on the next day. The hour is
    drawn from one uniform `u` per patient (the bin, then the place within the hour from what is
    left of u), so the hours patients leave at follow the profile whatever time they are ready."""

    __slots__ = ("cal", "week", "weekend")

    def __init__(self, cal: Calendar, weekday: Sequence[float], weekend: Sequence[float] = ()):
        self.cal = cal
        self.week = self._cum(weekday)
        self.weekend = self._cum(weekend) if weekend else self.week

    @staticmethod
    def _cum(weights: Sequence[float]) -> tuple:
        """Cumulative shares by hour and the last open hour (rounding never lands u past it)."""
        h = hourly(weights)
        total = sum(h)
        run, cum = 0.0, []
        for x in h:
            run += x / total
            cum.append(run)
        return tuple(cum), max(i for i, x in enumerate(h) if x > 0)

    def hour(self, day: int, u: float) -> float:
        """The leaving time of day (in days, from 00:00) on `day` for the patient's uniform u."""
        cum, last = self.weekend if (self.cal.first_weekday + day) % 7 >= 5 else self.week
        i = bisect_right(cum, u, 0, last)  # the first hour whose cumulative share passes u: a
        lo = cum[i - 1] if i else 0.0      # closed hour (zero weight) is never picked
        within = (u - lo) / (cum[i] - lo)
        return (i + min(within, 0.999999)) / 24.0

    def __call__(self, t: float, u: float) -> float:
        day = math.floor(t)
        leave = day + self.hour(day, u)
        return leave if leave >= t else day + 1 + self.hour(day + 1, u)


def after_working_time(t0: float, work: float, cal: Calendar, weekend_factor: float) -> float:
    """When `work` weekday-days of discharge effort finish if weekends go at `weekend_factor`."""
    if weekend_factor >= 1.0 or work <= 0.0:
        return t0 + work
    t = t0
    first = cal.first_weekday
    while True:
        day = math.floor(t)
        speed = weekend_factor if (first + day) % 7 >= 5 else 1.0  # cal.weekday(day)
        room = (day + 1 - t) * speed
        if work <= room:
            return t + work / speed
        work -= room
        t = day + 1.0


class SurgeRate:
    """Extra demand on top of a base rate: (factor - 1) x base(t) x a trapezoid in [start, end).

    The trapezoid ramps up over `ramp` days after start and down over `ramp` days before end,
    so a flu season rises and falls rather than switching on and off.
    """

    __slots__ = ("base", "extra", "start", "end", "ramp", "max")

    def __init__(self, base: DemandRate, factor: float, start: float, end: float, ramp: float):
        self.base, self.extra = base, factor - 1.0
        self.start, self.end, self.ramp = start, end, ramp
        self.max = base.max * self.extra

    def shape(self, t: float) -> float:
        if t < self.start or t >= self.end:
            return 0.0
        if self.ramp <= 0:
            return 1.0
        return min(1.0, (t - self.start) / self.ramp, (self.end - t) / self.ramp)

    def __call__(self, t: float) -> float:
        return self.base(t) * self.extra * self.shape(t)
