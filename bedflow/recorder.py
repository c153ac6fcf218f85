"""What is recorded, apart from the flow: the model's processes tell a site's recorder what
happened to a patient (`arrived`, `queued`, `admitted`, `optimised`, `awaiting_place`, `placed`,
`left`, `turned_away`, `cancelled`), and the recorder keeps the statistics. `LoggedRecorder` keeps
the same statistics and also writes the optional patient event log.

Streaming statistics for one site: counters, time-weighted areas and fixed histograms.

Memory does not grow with the horizon: nothing is kept per patient. Time-averages use an
"anticipated area": a patient entering a state at t adds the time from t to the end of the
observed window [w, T) and subtracts the time from when it leaves; the sum is exactly the area
under the count inside the window, with no event needed when the state changes (a patient
becomes medically optimised at a time known on admission, so it costs no SimPy event).
"""

from __future__ import annotations

import math

from .config import PATHWAYS
from .patient import ELECTIVE, EMERGENCY

LONG_STAY = 21.0

#: counts since the previous 08:00 census: emergency admissions, of them after 12 h and after 4 h
#: from the decision to admit, electives cancelled, and discharges from an acute bed by pathway
#: P0-P3 (order: see bedflow.ward.Ward.census)
SINCE_CENSUS = 8
"""Days in hospital from which a stay is long in the summary's time-average (the sitrep's 21+)."""


class Histogram:
    """Counts in fixed-width bins (and an overflow bin) for quantiles without keeping values.

    A quantile that lands in the overflow bin is unknown (NaN), never the bin's lower edge: a
    percentile must not come out silently below the truth.
    """

    __slots__ = ("width", "counts", "n", "zeros")

    def __init__(self, width: float, upper: float):
        self.width = width
        self.counts = [0] * (int(math.ceil(upper / width)) + 1)
        self.n = 0
        self.zeros = 0  # exact zeros (no wait at all), kept apart so a quantile can be 0

    def add_zero(self) -> None:
        self.zeros += 1
        self.n += 1

    def add(self, x: float) -> None:
        i = int(x / self.width)
        c = self.counts
        c[i if i < len(c) else len(c) - 1] += 1
        self.n += 1

    def quantile(self, q: float) -> float:
        """Upper edge of the bin holding the q-quantile (resolution = bin width); NaN when it
        lies beyond the last bin."""
        if self.n == 0:
            return math.nan
        target = q * self.n
        run = self.zeros
        if run >= target:
            return 0.0
        last = len(self.counts) - 1
        for i, c in enumerate(self.counts):
            run += c
            if run >= target:
                return (i + 1) * self.width if i < last else math.nan
        return math.nan  # pragma: no cover


class SiteRecorder:
    __slots__ = (
        "w", "T", "emergency_arrivals", "admissions", "waited", "diverted", "wait_hours_sum",
        "still_waiting",
        "waits_over_4h", "waits_over_12h", "wait_hist", "elective_admitted", "elective_cancelled",
        "occupied_area", "mo_area", "ed_area", "escalation_area", "mo_patients", "delay_sum",
        "delay_n", "delay_hist", "discharges", "since_census", "prevented", "avoided",
        "closed_area", "opel_days", "before_noon", "long_area", "awaiting_area",
        "corridor_admissions", "corridor_days", "corridor_last_day", "mutual_aid_out",
        "diverted_to_neighbours",
        "from_neighbours", "elective_deferred", "spot_purchases", "returns", "frail_left",
        "frail_stay_days", "frail_mo_days", "teams",
    )

    def __init__(self, w: float, T: float):
        self.w, self.T = w, T
        self.emergency_arrivals = self.admissions = self.waited = self.diverted = 0
        self.wait_hours_sum = 0.0
        self.still_waiting = 0  # in the ED queue at T, their waits so far counted with the rest
        self.waits_over_4h = self.waits_over_12h = 0
        self.wait_hist = Histogram(0.1, 2000.0)  # hours (12 weeks); beyond it p95 is unknown
        self.elective_admitted = self.elective_cancelled = 0
        self.occupied_area = self.mo_area = self.ed_area = self.escalation_area = 0.0
        self.closed_area = 0.0  # bed-days closed by a scenario
        # bed-days held by patients in hospital LONG_STAY days or more, added when they leave
        # or when the window ends (not anticipated: that would cost every patient two calls)
        self.long_area = 0.0
        self.awaiting_area = 0.0  # patient-days MO and waiting for a downstream place
        self.opel_days = [0, 0, 0, 0]  # observed days declared at OPEL 1-4
        self.mo_patients = 0
        self.delay_sum = 0.0
        self.delay_n = 0
        self.delay_hist = Histogram(0.05, 1000.0)  # days; beyond it p95 is unknown
        self.discharges = 0
        self.before_noon = 0  # discharges (leaving the acute bed) before 12:00
        self.prevented = 0  # emergency demand that never arose (prevention interventions)
        self.avoided = 0  # arrivals managed without an acute bed (front-door interventions)
        # counts since the previous 08:00 census (kept in the warm-up too, so the first row
        # covers 24 hours): emergency admissions, 12-hour waits ended by admission, cancellations
        self.since_census = [0] * SINCE_CENSUS
        self.corridor_admissions = 0  # taken beyond the open beds by the 12-hour valve
        self.corridor_days = 0  # days on which that happened
        self.corridor_last_day = -1
        self.mutual_aid_out = 0  # taken to a neighbour under mutual aid
        self.diverted_to_neighbours = 0  # diverted to a neighbour with a bed (not out of the system)
        self.from_neighbours = 0  # came from a neighbour (mutual aid or divert)
        self.elective_deferred = 0  # booked for a list stood down the day before (OPEL)
        self.spot_purchases = 0  # downstream places bought for one patient in a crisis
        self.returns = 0  # emergency admissions of people a local care service sent home
        self.frail_left = 0  # frail patients who left their acute bed, and their whole stays
        self.frail_stay_days = 0.0
        self.frail_mo_days = 0.0  # ... and the part of them up to medically optimised
        # community team -> [referrals, admissions, of which avoided an acute admission,
        # counterfactual acute stay-days of those, place-days used in the window]
        self.teams: dict = {}

    def rest(self, t: float) -> float:
        """Observed time from t to the end of the window (0 if t is past it)."""
        if t >= self.T:
            return 0.0
        return self.T - (t if t > self.w else self.w)

    # ---------------------------------------------------------------- what the processes say

    def arrived(self, p) -> None:
        """An emergency arrival (counted here, taken back if its demand was prevented), an
        elective in today's batch, or a patient in a bed when the clock starts."""
        if p.kind == EMERGENCY and p.arrived >= self.w:
            self.emergency_arrivals += 1

    def turned_away(self, p, how: str, t: float = 0.0) -> None:
        """`diverted` (at t, out of the system), `to_neighbour` (diverted to a neighbouring
        site with a bed), `mutual_aid` (taken to a neighbour on arrival), `admission_avoided`
        (front door) or `demand_prevented` (never arose). A patient is diverted out of the
        system at most once, so system totals count each once."""
        if how in ("diverted", "to_neighbour") and p.in_ed:  # after the admission process
            self.ed_area -= self.rest(t)
        if p.arrived < self.w:
            return
        if how == "diverted":
            self.diverted += 1
        elif how == "to_neighbour":
            self.diverted_to_neighbours += 1
        elif how == "mutual_aid":
            self.mutual_aid_out += 1
        elif how == "admission_avoided":
            self.avoided += 1
        else:
            self.emergency_arrivals -= 1
            self.prevented += 1

    def admission_process(self, p, t: float) -> None:
        """p is in ED from t (its decision to admit, or its arrival from a neighbour), through
        the admission process, to a bed."""
        self.ed_area += self.rest(t)

    def moved_in(self, p, t: float) -> None:
        """p came from a neighbouring site at t (its wait runs on from the decision to admit)."""
        if p.arrived >= self.w:
            self.from_neighbours += 1

    def spot_purchase(self, t: float) -> None:
        """A downstream place bought at t for the longest waiting patient."""
        if t >= self.w:
            self.spot_purchases += 1

    def corridor_care(self, p, t: float) -> None:
        """The 12-hour valve took p beyond the open beds at t."""
        if t >= self.w:
            self.corridor_admissions += 1
            day = int(t)
            if day != self.corridor_last_day:
                self.corridor_last_day = day
                self.corridor_days += 1

    def referred(self, team: str, t: float, hold: float, stay) -> None:
        """A referral to a community team at t: taken for `hold` days (0: no place free);
        `stay` is the acute stay it stood in for, None for someone who would not have been
        admitted."""
        c = self.teams[team]  # registered when the team was made
        c[4] += self.rest(t) - self.rest(t + hold)
        if t < self.w:
            return
        c[0] += 1
        if hold > 0:
            c[1] += 1
            if stay is not None:
                c[2] += 1
                c[3] += stay

    def in_care(self, team: str, t: float, hold: float) -> None:
        """Someone already in a community team's care when an observed state was taken holds a
        place from t for `hold` days (no referral counted: it was made before)."""
        self.teams[team][4] += self.rest(t) - self.rest(t + hold)

    def returned(self, t: float) -> None:
        """Someone a local care service sent home came back as an emergency at t."""
        if t >= self.w:
            self.returns += 1

    def queued(self, p, t: float) -> None:
        """p joins the ED queue for a bed at t (its decision to admit, or the end of its
        admission process, when it is in ED already)."""
        if not p.in_ed:
            self.ed_area += self.rest(t)

    def admitted(self, p, t: float) -> None:
        r = self.rest(t)
        if p.kind == EMERGENCY:
            if p.in_ed:  # waited in ED (the queue or the admission process)
                self.ed_area -= r
            self.occupied_area += r
            hours = (t - p.arrived) * 24.0
            since = self.since_census
            since[0] += 1
            if hours > 4.0:
                since[3] += 1
                if hours > 12.0:
                    since[1] += 1
            if t >= self.w:
                self.admissions += 1
                self._wait(hours)
        else:
            self.occupied_area += r
            if p.kind == ELECTIVE and t >= self.w:
                self.elective_admitted += 1

    def optimised(self, p) -> None:
        """The patient will be medically optimised at p.mo (known on admission)."""
        t_mo = p.mo
        if t_mo < self.T:
            self.mo_area += self.rest(t_mo)
            if t_mo >= self.w:
                self.mo_patients += 1

    def awaiting_place(self, p, t: float) -> None:
        """p's discharge process ended at t: it waits for a downstream place (maybe none)."""
        self.awaiting_area += self.rest(t)

    def placed(self, p, t: float) -> None:
        """p has its downstream place from t (it may leave the bed later, at the leaving hour)."""
        self.awaiting_area -= self.rest(t)

    def deferred(self, p, t: float) -> None:
        """p's list was stood down the day before (not a last-minute cancellation)."""
        if t >= self.w:
            self.elective_deferred += 1

    def cancelled(self, p, t: float) -> None:
        """On the day, for want of a bed: a last-minute cancellation as the NHS counts them."""
        self.since_census[2] += 1
        if t >= self.w:
            self.elective_cancelled += 1

    def left(self, p, t: float) -> None:
        """p leaves its acute bed at t; the delay counted is from MO to leaving."""
        r = self.rest(t)
        self.occupied_area -= r
        self.mo_area -= r
        long_from = p.since + LONG_STAY
        if t > long_from:  # a long stay: its long part is known now (most stays are not)
            self.long_area += self.rest(long_from) - self.rest(t)
        self.since_census[4 + p.pathway] += 1  # discharges by pathway, as the sitrep counts
        if t >= self.w:
            d = t - p.mo
            self.discharges += 1
            if p.frail:
                self.frail_left += 1
                self.frail_stay_days += t - p.since
                self.frail_mo_days += p.mo - p.since
            if t % 1.0 < 0.5:
                self.before_noon += 1
            self.delay_sum += d
            self.delay_n += 1
            if d > 0.0:
                self.delay_hist.add(d)
            else:
                self.delay_hist.add_zero()

    # ---------------------------------------------------------------- statistics

    def in_bed_at_end(self, stays) -> None:
        """The long parts of the stays still going at the end (`stays`: when each came in)."""
        for since in stays:
            self.long_area += self.rest(since + LONG_STAY)

    def still_waiting_at(self, arrived: float, t: float) -> None:
        """A patient still in ED when the window ends at t: the wait so far counts like any
        other, so a 12-hour wait is counted once the clock has passed 12 hours."""
        self.still_waiting += 1
        self._wait((t - arrived) * 24.0)

    def _wait(self, hours: float) -> None:
        """One observed wait from the decision to admit (arrival), ended or censored at T."""
        if hours > 0.0:
            self.waited += 1
            self.wait_hours_sum += hours
            if hours > 4.0:
                self.waits_over_4h += 1
                if hours > 12.0:
                    self.waits_over_12h += 1
            self.wait_hist.add(hours)
        else:  # most patients: wait_hist.add_zero() written out
            h = self.wait_hist
            h.zeros += 1
            h.n += 1

    def summary(self, beds: int, places: dict | None = None) -> dict:
        """The site's KPIs; `places`: each community team's places (for its occupancy)."""
        span = self.T - self.w
        # anticipated areas add and take back the same spans: a state nobody was in ends a
        # rounding error from zero (1e-15, or -1e-15, printed as -0.0); below a millionth of a
        # patient on average (seconds in a year) it is zero
        for name in ("occupied_area", "mo_area", "ed_area", "escalation_area", "long_area",
                     "awaiting_area"):
            if getattr(self, name) < 1e-6 * span:
                setattr(self, name, 0.0)
        mean_occ = self.occupied_area / span
        mean_esc = self.escalation_area / span
        available = beds + mean_esc - self.closed_area / span
        mean_mo = self.mo_area / span
        n = self.admissions + self.still_waiting  # every wait observed, ended or not
        return {
            "emergency_arrivals": self.emergency_arrivals,
            "admissions": self.admissions,
            "still_waiting_at_end": self.still_waiting,
            "waited": self.waited,
            "diverted": self.diverted,
            "mutual_aid_out": self.mutual_aid_out,
            "diverted_to_neighbours": self.diverted_to_neighbours,
            "from_neighbours": self.from_neighbours,
            "corridor_admissions": self.corridor_admissions,
            "corridor_days": self.corridor_days,
            "demand_prevented": self.prevented,
            "admissions_avoided": self.avoided,
            "mean_wait_hours": self.wait_hours_sum / n if n else math.nan,
            "p95_wait_hours": self.wait_hist.quantile(0.95),
            "waits_over_4h": self.waits_over_4h,
            "waits_over_12h": self.waits_over_12h,
            "mean_ed_waiting": self.ed_area / span,
            "elective_admitted": self.elective_admitted,
            "elective_cancelled": self.elective_cancelled,
            "elective_deferred": self.elective_deferred,
            "spot_purchases": self.spot_purchases,
            "beds": beds,
            "mean_available_beds": available,
            "mean_occupied": mean_occ,
            "occupancy": mean_occ / available if available > 0 else math.nan,
            "mean_medically_optimised": mean_mo,
            "mo_share_of_occupied": mean_mo / mean_occ if mean_occ > 0 else math.nan,
            "medically_optimised_patients": self.mo_patients,
            "mo_bed_days": self.mo_area,
            "mean_awaiting_place": self.awaiting_area / span,
            "mean_los_21plus": self.long_area / span,
            "share_beds_los_21plus":
                self.long_area / self.occupied_area if self.occupied_area > 0 else math.nan,
            "discharges": self.discharges,
            "discharges_before_noon": self.before_noon,
            "discharges_before_noon_share":
                self.before_noon / self.discharges if self.discharges else math.nan,
            "mean_delay_days": self.delay_sum / self.delay_n if self.delay_n else math.nan,
            "p95_delay_days": self.delay_hist.quantile(0.95),
            "escalation_bed_days": self.escalation_area,
            "closed_bed_days": self.closed_area,
            "opel1_days": self.opel_days[0],
            "opel2_days": self.opel_days[1],
            "opel3_days": self.opel_days[2],
            "opel4_days": self.opel_days[3],
            "readmissions_30d": self.returns,
            "frail_discharges": self.frail_left,
            "frail_bed_days": self.frail_stay_days,
            "frail_days_to_optimised": self.frail_mo_days,
        } | self._team_summary(places or {}, span)

    def _team_summary(self, places: dict, span: float) -> dict:
        """Each team's counts; places and occupancy for those with places of their own."""
        out = {}
        for team, (referrals, admissions, avoided, stay, area) in self.teams.items():
            out |= {f"{team}_referrals": referrals, f"{team}_admissions": admissions,
                    f"{team}_avoided": avoided, f"{team}_avoided_stay_days": stay}
            if team in places:
                n = places[team]
                busy = area / span if area > 1e-9 * span else 0.0
                out |= {f"{team}_places": n, f"{team}_mean_busy": busy,
                        f"{team}_occupancy": busy / n if n else math.nan}
        return out


class Travel:
    """Minutes a reconfiguration added to patients' journeys, as counts per whole minute (a few
    distinct values: one per route), for the mean and 95th percentile among those who go further."""

    __slots__ = ("counts",)

    def __init__(self):
        self.counts: dict = {}

    def add(self, minutes: float) -> None:
        if minutes > 0:
            m = round(minutes)
            self.counts[m] = self.counts.get(m, 0) + 1

    def merge(self, other: "Travel") -> "Travel":
        out = Travel()
        for src in (self, other):
            for m, n in src.counts.items():
                out.counts[m] = out.counts.get(m, 0) + n
        return out

    def summary(self, prefix: str) -> dict:
        n = sum(self.counts.values())
        total = sum(m * c for m, c in self.counts.items())
        p95 = math.nan
        run = 0
        for m in sorted(self.counts):
            run += self.counts[m]
            if run >= 0.95 * n:
                p95 = float(m)
                break
        return {f"{prefix}_further": n, f"{prefix}_travel_added_minutes": float(total),
                f"{prefix}_travel_added_mean": total / n if n else math.nan,
                f"{prefix}_travel_added_p95": p95}


class StrokeRecorder:
    """One site's stroke unit: admissions, those who found no stroke bed on arrival (outliers
    placed in a general bed, or waiting in ED for the unit), transfers from a hyper-acute bed
    held up for want of an acute stroke bed, beds busy over the window, and travel added."""

    __slots__ = ("w", "T", "admissions", "no_bed", "outliers", "waited", "wait_hours",
                 "transfer_delayed", "hyper_area", "acute_area", "travel")

    def __init__(self, w: float, T: float):
        self.w, self.T = w, T
        self.admissions = self.no_bed = self.outliers = self.waited = self.transfer_delayed = 0
        self.wait_hours = 0.0
        self.hyper_area = self.acute_area = 0.0
        self.travel = Travel()

    def rest(self, t: float) -> float:
        if t >= self.T:
            return 0.0
        return self.T - (t if t > self.w else self.w)

    def arrived(self, t: float, minutes: float) -> None:
        if t >= self.w:
            self.admissions += 1
            self.travel.add(minutes)

    def found_no_bed(self, t: float, outlier: bool) -> None:
        """Every first bed taken at t; `outlier`: placed in a general bed at the site."""
        if t >= self.w:
            self.no_bed += 1
            self.outliers += outlier

    def waited_for_bed(self, arrived: float, t: float) -> None:
        if arrived >= self.w:
            self.waited += 1
            self.wait_hours += (t - arrived) * 24.0

    def transfer_held(self, t: float) -> None:
        if t >= self.w:
            self.transfer_delayed += 1

    def hyperacute(self, delta: int, t: float) -> None:
        """A hyper-acute bed taken (+1) or freed (-1) at t: its area to the window's end."""
        self.hyper_area += delta * self.rest(t)

    def acute(self, delta: int, t: float) -> None:
        self.acute_area += delta * self.rest(t)

    def summary(self, hyper_beds: int, acute_beds: int) -> dict:
        span = self.T - self.w
        hyper = self.hyper_area / span if self.hyper_area > 1e-9 * span else 0.0
        acute = self.acute_area / span if self.acute_area > 1e-9 * span else 0.0
        beds = hyper_beds + acute_beds
        n = self.admissions
        return {
            "stroke_admissions": n, "stroke_no_bed": self.no_bed,
            "stroke_no_bed_share": self.no_bed / n if n else math.nan,
            "stroke_outliers": self.outliers, "stroke_waited": self.waited,
            "mean_stroke_wait_hours": self.wait_hours / self.waited if self.waited else math.nan,
            "stroke_transfer_delayed": self.transfer_delayed,
            "stroke_beds": beds, "hyperacute_beds": hyper_beds, "acute_stroke_beds": acute_beds,
            "mean_stroke_occupied": hyper + acute, "mean_hyperacute_occupied": hyper,
            "mean_acute_stroke_occupied": acute,
            "stroke_occupancy": (hyper + acute) / beds if beds else math.nan,
        } | self.travel.summary("stroke")


class EventLog:
    """Opt-in patient event log (memory grows with the run), in the columns vidigi animates:
    entity_id/patient, event_type (arrival_departure, queue, resource_use, resource_use_end),
    event, time (days), plus site, pathway and resource_id (the bed) for resource events."""

    COLUMNS = ("patient", "event_type", "event", "time", "site", "pathway", "resource_id")

    def __init__(self, replication: int):
        self.replication = replication
        self.rows: list = []

    def add(self, patient, event_type, event, t, site, pathway, resource_id=-1) -> None:
        self.rows.append((patient, event_type, event, t, site, pathway, resource_id))

    def frame(self):
        import pandas as pd

        df = pd.DataFrame(self.rows, columns=list(self.COLUMNS))
        df = df.sort_values(["time", "patient"], kind="stable").reset_index(drop=True)
        df.insert(0, "replication", self.replication)
        df["run_number"] = self.replication + 1
        df["entity_id"] = df["patient"]
        return df


class LoggedRecorder(SiteRecorder):
    """A site's statistics plus its rows of the event log, with bed numbers for animation."""

    __slots__ = ("log", "sid", "free_beds", "last_bed")

    def __init__(self, w: float, T: float, log: EventLog, sid: str):
        super().__init__(w, T)
        self.log, self.sid = log, sid
        self.free_beds: list = []
        self.last_bed = 0

    def _add(self, p, event_type, event, t, bed=-1) -> None:
        self.log.add(p.pid, event_type, event, t, self.sid, PATHWAYS[p.pathway], bed)

    def arrived(self, p) -> None:
        super().arrived(p)
        self._add(p, "arrival_departure", "arrival", p.arrived)

    def turned_away(self, p, how: str, t: float = 0.0) -> None:
        super().turned_away(p, how, t)
        t = max(t, p.arrived)
        self._add(p, "queue", how, t)
        self._add(p, "arrival_departure", "depart", t)

    def admission_process(self, p, t: float) -> None:
        super().admission_process(p, t)
        self._add(p, "queue", "ed_wait_begins", t)

    def moved_in(self, p, t: float) -> None:
        super().moved_in(p, t)
        self._add(p, "arrival_departure", "arrival", t)

    def corridor_care(self, p, t: float) -> None:
        super().corridor_care(p, t)
        self._add(p, "queue", "corridor_care", t)

    def queued(self, p, t: float) -> None:
        super().queued(p, t)
        if not p.in_ed:
            self._add(p, "queue", "ed_wait_begins", t)

    def admitted(self, p, t: float) -> None:
        super().admitted(p, t)
        if self.free_beds:
            p.bed = self.free_beds.pop()
        else:
            self.last_bed += 1
            p.bed = self.last_bed
        self._add(p, "resource_use", "admitted", t, p.bed)

    def optimised(self, p) -> None:
        super().optimised(p)
        self._add(p, "queue", "medically_optimised", p.mo)

    def awaiting_place(self, p, t: float) -> None:
        super().awaiting_place(p, t)
        self._add(p, "queue", "awaiting_place", t)

    def placed(self, p, t: float) -> None:
        super().placed(p, t)
        self._add(p, "queue", "place_found", t)

    def deferred(self, p, t: float) -> None:
        super().deferred(p, t)
        self._add(p, "queue", "elective_deferred", t)
        self._add(p, "arrival_departure", "depart", t)

    def cancelled(self, p, t: float) -> None:
        super().cancelled(p, t)
        self._add(p, "queue", "elective_cancelled", t)
        self._add(p, "arrival_departure", "depart", t)

    def left(self, p, t: float) -> None:
        super().left(p, t)
        self._add(p, "resource_use_end", "bed_released", t, p.bed)
        self._add(p, "arrival_departure", "depart", t)
        self.free_beds.append(p.bed)
