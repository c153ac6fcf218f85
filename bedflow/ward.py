"""One acute site's state: general, escalation and ring-fenced beds, the ED queue, downstream
places and what the 08:00 census reads. Beds are plain counters and queues FIFO deques of
waiting patients: a patient who finds a bed free takes it without scheduling an event, and a
freed bed is handed straight to the head of the queue (see `bedflow.bench`)."""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import deque

from .config import DOWNSTREAM, Site
from .pools import Places

CENSUS_FIELDS = ("occupied", "medically_optimised", "ed_waiting", "available_beds",
                 "escalation_open", "downstream_waiting", "opel_level", "admissions",
                 "waits_over_12h", "elective_cancelled", "los_7plus", "los_14plus", "los_21plus",
                 "corridor_care", "occupied_midnight", "waits_over_4h", "discharges_P0",
                 "discharges_P1", "discharges_P2", "discharges_P3", "waiting_P1", "waiting_P2",
                 "waiting_P3")
"""The 08:00 census: the state at 08:00, three counts of events in the 24 hours since the
previous one (admissions to elective_cancelled), the occupied beds held by patients in
hospital at least 7, 14 and 21 days (the NHS sitrep's long stays), and patients cared for in
corridor or escalation space beyond the open beds (the 12-hour valve); the beds occupied at
the midnight before, as the KH03 return counts them; then, in the 24 hours before, admissions
after a 4-hour wait and discharges from an acute bed by pathway (the acute discharge sitrep's),
and the MO patients waiting on each pathway now: for a place, or with one held for them until
the provider starts (`downstream_waiting` is their sum)."""

LONG_STAYS = (7.0, 14.0, 21.0)


class Ward:
    """`occupied` and `capacity` are the general beds emergency patients can use; ring-fenced
    elective beds (a scenario) are counted apart in `rf_occupied` / `rf_capacity`. The recorder
    `rec` is told of the escalation and closed bed-days, which only the ward knows."""

    def __init__(self, sid: str, site: Site, rec, ring_fenced: int = 0, corridor: int = 0):
        self.sid = sid
        self.site = site
        self.beds = site.beds
        self.rf_capacity = ring_fenced
        self.rf_occupied = 0
        self.capacity = site.beds - ring_fenced
        self.occupied = 0
        self.queue: deque = deque()  # emergency patients waiting in ED, oldest first
        # booked patients waiting for a bed since the admit hour: freed beds go to them first
        self.elective_queue: deque = deque()
        self.corridor = corridor  # patients the 12-hour valve may place beyond the open beds
        self.overdue: deque = deque()  # past the valve's hour with no corridor room, oldest first
        self.neighbours: list = []  # Wards, nearest first (mutual aid, divert)
        self.ed_room = 0  # patients the ED holds waiting for a bed; 0 = no limit
        # patients with a place whose provider has not started yet, by pathway (0 unused)
        self.starting = [0, 0, 0, 0]
        # in the admission process, not yet asking for a bed (a dict keeps arrival order, so the
        # waits still running at the end are added in the same order every run)
        self.admitting: dict = {}
        self.esc_beds = site.escalation_beds
        self.esc_open = False
        self.esc_forced = False  # held open by the OPEL level until the next declaration
        self.closed = 0  # beds closed by a scenario (ward closures)
        self._thresholds()
        self.opel = 1
        self.midnight = 0  # occupied beds at the last midnight
        self.opel_before = 1  # the previous declaration's level (elective lists stood down)
        # when the next level is declared, and (MO time, pid, patient) of those who become MO
        # after it: their discharge effort is set by the level of their MO day
        self.next_declare = 0.0
        self.effort_heap: list = []
        self.places = {p: Places(getattr(site.downstream, p)) for p in DOWNSTREAM}
        self.community: dict = {}  # caseloads of front-door interventions, shared by all arrivals
        self.rec = rec
        self.mo_heap: list = []  # MO times (pushed on admission) not yet reached at the last census
        self.mo_started = 0
        self.mo_left = 0
        # when each patient in a bed came into hospital (Patient.since), sorted: the long-stay
        # counts are bisections, and the list is bounded by the beds
        self.stays: list = []

    def in_ed(self) -> int:
        """Emergency patients in ED for a bed: in the admission process or the queue."""
        return len(self.queue) + len(self.admitting)

    def has_free_bed(self) -> bool:
        return self.occupied < self.capacity and not self.queue and not self.elective_queue

    def _serve_queue(self) -> None:
        for q in (self.elective_queue, self.queue):  # booked patients first
            while q and self.occupied < self.capacity:
                self.occupied += 1
                q.popleft().wake.succeed()

    def corridor_free(self) -> bool:
        """Room for one more patient beyond the open beds under the 12-hour valve."""
        return self.occupied - self.capacity < self.corridor

    def to_corridor(self, p, t: float) -> None:
        """The 12-hour valve takes waiting patient p beyond the open beds; it moves into the
        next bed freed (the count of occupied beds already holds it)."""
        self.queue.remove(p)
        self.took_bed(t)
        self.rec.corridor_care(p, t)
        p.wake.succeed()

    def _corridor_overdue(self, t: float) -> None:
        """Corridor room freed: the longest overdue patients still waiting take it."""
        while self.overdue and self.corridor_free():
            p = self.overdue.popleft()
            if not p.wake.triggered:  # not given a bed meanwhile
                self.to_corridor(p, t)

    def took_bed(self, t: float) -> None:
        self.occupied += 1
        if self.esc_beds and not self.esc_open and self.occupied >= self.open_n:
            self.open_escalation(t)

    def open_escalation(self, t: float) -> None:
        self.esc_open = True
        self.capacity += self.esc_beds
        self.rec.escalation_area += self.esc_beds * self.rec.rest(t)
        self._serve_queue()

    def freed_bed(self, t: float) -> None:
        """A patient left at t: hand the bed to a booked patient waiting for one, else to the
        head of the ED queue, or free it. With patients beyond the open beds (corridor care,
        closures) the bed is theirs: the count just falls."""
        if self.occupied <= self.capacity:
            q = self.elective_queue or self.queue
            if q:
                q.popleft().wake.succeed()  # the bed passes straight to the next patient
                return
        self.occupied -= 1
        if self.overdue:
            self._corridor_overdue(t)
        if self.esc_open and not self.esc_forced and self.occupied < self.close_n:
            self.esc_open = False
            self.capacity -= self.esc_beds
            self.rec.escalation_area -= self.esc_beds * self.rec.rest(t)

    def _thresholds(self) -> None:
        """Escalation opens and closes at shares of the general beds open now: with a ward
        closed, the site is as full as its open beds say, or escalation could never open."""
        open_beds = self.beds - self.rf_capacity - self.closed
        self.open_n = self.site.escalation_open_at * open_beds
        self.close_n = self.site.escalation_close_at * open_beds

    def close_beds(self, n: int, t: float) -> None:
        """Take n beds out of use (n < 0 reopens them); patients in them stay until they leave."""
        self.closed += n
        self.capacity -= n
        self.rec.closed_area += n * self.rec.rest(t)
        self._thresholds()
        if self.esc_beds and not self.esc_open and self.occupied >= self.open_n:
            self.open_escalation(t)  # serves the ED queue too
        self._serve_queue()

    def left(self, p, t: float) -> None:
        """Patient p leaves its acute bed at t."""
        if p.mo <= t:
            self.mo_left += 1
        stays = self.stays
        del stays[bisect_left(stays, p.since)]
        if p.fenced:
            self.rf_occupied -= 1
        else:
            self.freed_bed(t)

    def mo_now(self, t: float) -> int:
        heap = self.mo_heap
        while heap and heap[0] <= t:
            heapq.heappop(heap)
            self.mo_started += 1
        return self.mo_started - self.mo_left

    def census(self, t: float) -> tuple:
        """The census row at t, in CENSUS_FIELDS order; the counts since the previous census
        start again from zero."""
        rec = self.rec
        since, rec.since_census = rec.since_census, [0] * len(rec.since_census)
        return (self.occupied + self.rf_occupied, self.mo_now(t),
                self.in_ed(),
                self.capacity + self.rf_capacity, self.esc_beds if self.esc_open else 0,
                sum(len(p.queue) for p in self.places.values()) + sum(self.starting), self.opel,
                *since[:3],
                *(bisect_right(self.stays, t - d) for d in LONG_STAYS),
                max(0, self.occupied - self.capacity) if self.corridor else 0, self.midnight,
                *since[3:], *(len(self.places[p].queue) + self.starting[k]
                              for k, p in enumerate(DOWNSTREAM, start=1)))
