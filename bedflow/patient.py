"""The patient: what is drawn for one person at arrival, carried through every process.

A new attribute (time of day, acuity, stroke, readmission) is a new slot here, read where it
matters, rather than a new positional argument threaded through every process signature.
"""

from __future__ import annotations

EMERGENCY, ELECTIVE, INITIAL = 0, 1, 2
"""Kinds of patient: arrived in ED, booked, or already in a bed when the clock starts."""


class Patient:
    __slots__ = ("pid", "ward", "kind", "pathway", "los", "work", "service", "arrived", "admitted",
                 "mo", "since", "fenced", "wake", "bed", "admit_delay", "leave_u", "in_ed",
                 "moved", "start", "rebooked", "frail", "comeback", "home")

    def __init__(self, pid: int, ward, kind: int, pathway: int, los: float, work: float,
                 service: float, arrived: float):
        self.pid = pid  # 1, 2, ... in order of arrival across the system
        self.ward = ward  # the site (bedflow.ward.Ward) the patient arrived at
        self.kind = kind
        self.pathway = pathway  # index into PATHWAYS: 0 home, 1-3 a downstream place
        self.los = los  # days from admission to medically optimised
        self.work = work  # weekday-days of discharge process after MO
        self.service = service  # days in the downstream place (0 on P0)
        self.arrived = arrived  # decision to admit (ED) or the booked admission time
        self.admitted = arrived
        self.mo = arrived + los  # medically optimised, known on admission
        # in hospital since: the admission, or for a patient in a bed when the clock starts,
        # minus the elapsed stay drawn at the warm start (the long-stay counts read it)
        self.since = arrived
        self.fenced = False  # in a ring-fenced elective bed
        self.wake = None  # the event a waiting patient resumes on
        self.bed = 0  # bed number, kept only by the event log
        self.admit_delay = 0.0  # days of admission process from decision to admit to a bed
        self.leave_u = 0.0  # the uniform that picks the hour of day the patient leaves at
        self.in_ed = False  # in ED for a bed: in the admission process or the queue
        self.start = 0.0  # days from a downstream place being free to going to it
        self.rebooked = False  # an elective whose operation was put off once already
        self.moved = False  # taken to a neighbouring site (mutual aid or divert): once only
        self.frail = False  # from a frail cohort (the local care services' patients)
        self.comeback = 0.0  # days from going home to a return as an emergency (0: none)
        self.home = ward  # the site a return comes back to (p.ward changes if p is moved)
