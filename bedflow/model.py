"""The bed-flow model: one replication on SimPy's event loop.

A patient arrives (emergency, by site) or is booked (elective), takes an acute bed or waits in ED
for one, stays for an acute length of stay, becomes medically optimised (MO), goes through a
discharge process delay that runs slower at weekends, and, on pathways P1-P3, waits for a
downstream place while still holding the acute bed. Delayed discharge is whatever those finite
places and delays produce; nothing is typed in as "delay days". Time of day (opt-in, see
docs/model.md): demand by hour, an admission process before the bed, and a leaving hour.

Layers: a `Patient` (bedflow.patient) carries what was drawn for one person through the
steps here, which are about flow only; a site's state (beds, queues, places, what the census
reads) is a `Ward` (bedflow.ward); what happened is told to the site's recorder
(bedflow.recorder), which keeps the statistics and, when asked, the event log.

Cost: a patient's steps are timeout callbacks, not a SimPy process, so one who finds a bed
and goes home costs two events (arrival, end of stay); arrivals are callbacks too. Only the
daily timetable and closures are processes. `bedflow-bench` compares the cost per admission
with the cheapest process-per-patient SimPy bed pool.

Random numbers: every stream has one purpose and is keyed by name (bedflow.streams). An
emergency arrival takes one draw from each of its streams whatever happens to it; downstream
service times are read by arrival number from the pathway's stream, so only patients on that
pathway pay for a draw while patient k's value stays the same whichever pathway anyone took.

The model takes a validated `Config`, a replication number and nothing else: no Hydra, no
files, no printing.
"""

from __future__ import annotations

import math
from collections import deque
from bisect import insort
from dataclasses import replace
from heapq import heappop, heappush
from itertools import count
from typing import List

import numpy as np
import simpy

from .calendar import (Calendar, DemandRate, HourlyDemandRate, LeavingHour, SurgeRate,
                       after_working_time)
from .config import DOWNSTREAM, PATHWAYS, Config, Site, WhenFull, per_100
from .distributions import DurationSampler, emergency_stays, mean_emergency_stay
from .interventions import ADMIT, AVOIDED, FrontDoor, delay_factors, extra_places
from .patient import ELECTIVE, EMERGENCY, INITIAL, Patient
from .reconfig import plan
from .recorder import (SINCE_CENSUS, EventLog, LoggedRecorder, SiteRecorder, StrokeRecorder,
                       Travel)
from .streams import Streams
from .theory import erlang_b
from .stroke import StrokeWard
from .ward import CENSUS_FIELDS, LONG_STAYS, Ward


def _cumulative(shares) -> List[float]:
    out, run = [], 0.0
    for s in shares:
        run += s
        out.append(run)
    out[-1] = 1.0 + 1e-12  # guard against rounding: u < 1 always finds a bin
    return out


#: draws of a patient for an observed state before a long-stay band with room is given up on
QUOTA_TRIES = 200


def _long_stay_quota(st) -> list | None:
    """Patients an observed state holds in hospital under 7 days, 7-14, 14-21 and 21 or more,
    from its long-stay counts; None when they are not known."""
    if min(st.los_7plus, st.los_14plus, st.los_21plus) < 0:
        return None
    return [st.occupied - st.los_7plus, st.los_7plus - st.los_14plus,
            st.los_14plus - st.los_21plus, st.los_21plus]


def _pick(cum: List[float], u: float) -> int:
    i = 0
    while u >= cum[i]:
        i += 1
    return i


class Model:
    """One replication of the whole system."""

    def __init__(self, cfg: Config, replication: int):
        self.cfg = cfg
        sim, sys_ = cfg.sim, cfg.system
        # from an observed state the clock starts when it was taken, the census hour of the
        # start date, and counts from there (no warm-up): a forecast
        self.t0 = sim.census_hour / 24.0 if cfg.initial else 0.0
        self.env = simpy.Environment(initial_time=self.t0)
        self.cal = Calendar(sim.start_date)
        self.w = self.t0 if cfg.initial else float(sim.warmup_days)
        self.T = self.w + float(sim.horizon_days)
        self.streams = Streams(sim.seed, replication)
        self.divert = sys_.when_full is WhenFull.divert
        self.weekend = sys_.discharge.weekend_factor
        self.log = EventLog(replication) if sim.event_log else None
        self.pids = count(1)  # patient numbers, in order of arrival across the system
        self.return_pids = count(1)  # returns are -1, -2, ...: the others keep their numbers
        fenced = {}
        for r in cfg.scenario.ring_fenced:
            fenced[r.site] = fenced.get(r.site, 0) + r.beds
        cor = sys_.corridor
        self.corridor_after = cor.after_hours / 24.0
        # the sites as this scenario has them: general beds after any stroke unit, beds and
        # demand moved between sites (bedflow.reconfig)
        self.plan = plan(cfg)
        self.wards = [Ward(sid, s, self._recorder(sid), fenced.get(sid, 0),
                           per_100(s.beds, cor.places_per_100_beds)
                           if cor.after_hours > 0 else 0)
                      for sid, s in self.plan.sites.items()]
        by_id = {w.sid: w for w in self.wards}
        # a move's receiving site, with its cumulative share and the minutes added
        self.moves = {sid: [(cum, by_id[to], minutes) for cum, to, minutes in m]
                      for sid, m in self.plan.moves.items()}
        self.moved_travel = {w.sid: Travel() for w in self.wards} if self.moves else None
        st = sys_.stroke
        self.stroke = {sid: StrokeWard(self.env, u.hyperacute, u.acute,
                                       StrokeRecorder(self.w, self.T),
                                       st.when_full.value == "wait", self._outlier(by_id[sid]))
                       for sid, u in self.plan.stroke_units.items()}
        self.stroke_pids = count(10 ** 9)  # stroke patients in general beds: numbers of their own
        first_declare = self.first_declare = min(sim.census_hour, sys_.electives.admit_hour) / 24.0
        for ward in self.wards:
            ward.neighbours = [by_id[n] for n in ward.site.neighbours]
            # the ED's room for patients waiting for a bed (0: no limit)
            ward.ed_room = per_100(ward.site.beds, sys_.ed.spaces_per_100_beds)
            ward.next_declare = first_declare  # the first OPEL declaration
        self.aid = sys_.mutual_aid
        spot = sys_.downstream.spot_purchase
        self.spot_after = spot.after_waiting_per_100 / 100.0
        self.spot_max = spot.max_per_100 / 100.0
        iv = cfg.intervention
        self.interventions = bool(iv.active())
        for ward in self.wards:
            for p, n in extra_places(iv, ward.site.downstream.P1).items():
                ward.places[p].capacity += n
                ward.places[p].base += n
        self.delay_factor = delay_factors(iv)
        opel = sys_.opel
        self.opel_thresholds = list(opel.thresholds)
        self.effort = list(opel.discharge_effort)
        self.effort_active = any(x != 1.0 for x in self.effort)

        cohorts = list(sys_.cohorts.values())
        norm = sum(c.share * c.los_factor for c in cohorts)
        self.cohort_cum = _cumulative([c.share for c in cohorts])
        frail_total = sum(c.share for c in cohorts if c.frail)
        # frail cohorts only, as shares of the frail (a frail cohort need not be the last)
        self.frail_cum = _cumulative([c.share / frail_total if c.frail else 0.0
                                      for c in cohorts]) if frail_total > 0 else None
        self.cohort_factor = [c.los_factor / norm for c in cohorts]
        self.cohort_frail = [c.frail for c in cohorts]
        self.cohort_path_cum = [_cumulative([getattr(c.pathways, p) for p in PATHWAYS])
                                for c in cohorts]
        # a patient found in a bed at time zero is more likely from a long-stay cohort
        self.census_cohort_cum = _cumulative([c.share * c.los_factor / norm for c in cohorts])
        self.elective_path_cum = _cumulative([getattr(sys_.electives.pathways, p)
                                              for p in PATHWAYS])
        delays = sys_.discharge.process_delay_days
        self.delay_mean = [getattr(delays, p) for p in PATHWAYS]
        cv = sys_.discharge.process_delay_cv
        self.delay_s2 = math.log1p(cv * cv)
        self.delay_sigma = math.sqrt(self.delay_s2)
        # time of day (each off when its config is empty or zero): the hour a ready patient
        # leaves at, and the admission process between decision to admit and a bed
        dis = sys_.discharge
        self.leaving = LeavingHour(self.cal, dis.hour_of_day, dis.weekend_hour_of_day) \
            if dis.hour_of_day else None
        self.admission_delay = sys_.admission.delay.mean_days > 0
        ds = sys_.downstream
        self.start_mean = [0.0] + [getattr(ds.start_days, p) for p in DOWNSTREAM]
        self.start_s2 = math.log1p(ds.start_cv ** 2)
        self.start_sigma = math.sqrt(self.start_s2)
        self.los_season = sys_.los.seasonality_amplitude
        self.season_peak = sys_.demand.seasonality.peak_day

        self.return_draws = {}  # site -> the draws of its returning patients, made when needed
        eo = iv.expert_opinion
        self.return_los_factor = eo.frail_los_factor if eo is not None else 1.0
        self.census_days = self._census_days()
        shape = (len(self.census_days), len(self.wards))
        self.census = {f: np.zeros(shape, dtype=np.int32) for f in CENSUS_FIELDS}

    # ------------------------------------------------------------------ building blocks

    def _recorder(self, sid: str) -> SiteRecorder:
        if self.log is None:
            return SiteRecorder(self.w, self.T)
        return LoggedRecorder(self.w, self.T, self.log, sid)

    def _census_days(self) -> List[int]:
        """Census days in the window whose previous 24 hours were all simulated: every row's
        counts cover 24 hours (part of the first may lie in the warm-up)."""
        h = self.cfg.sim.census_hour / 24.0
        first = max(0, math.ceil(self.w - h))
        # from an observed state, day 0's census is that state (its 24-hour counts are 0)
        lo = self.t0 if self.cfg.initial else 1.0
        return [d for d in range(first, math.ceil(self.T) + 1)
                if self.w <= d + h < self.T and d + h >= lo]

    def _attributes(self, name: str, elective: bool, by_position: bool = False):
        """Per-site draw functions: each patient takes exactly one draw from each stream (the
        service streams, `by_position`, are read with `.at(arrival number)`)."""
        st = self.streams
        u_cohort = st(f"{name}/cohort", "uniform")
        u_path = st(f"{name}/pathway", "uniform")
        z_delay = st(f"{name}/process_delay", "normal")
        los_cfg = self.cfg.system.los
        los = DurationSampler(los_cfg.elective, st, f"{name}/los") if elective \
            else emergency_stays(los_cfg, st, f"{name}/los")
        service = {p: DurationSampler(getattr(self.cfg.system.downstream, p), st,
                                      f"{name}/downstream/{p}", positional=by_position)
                   for p in DOWNSTREAM}
        return u_cohort, u_path, z_delay, los, service

    def _time_of_day(self, name: str):
        """Per-patient draws for time of day, None when off: the uniform picking the leaving
        hour, and the admission process's duration. Each its own stream, one draw per patient."""
        st = self.streams
        u_leave = st(f"{name}/discharge_hour", "uniform") if self.leaving is not None else None
        delay = DurationSampler(self.cfg.system.admission.delay, st, f"{name}/admission_delay") \
            if self.admission_delay else None
        return u_leave, delay

    def _starts(self, name: str):
        """The stream of the days from a free place to going to it (one normal per patient,
        whatever its pathway), or None when every pathway's mean is 0; `_start(pathway, z)`
        turns a draw into days."""
        if not any(self.start_mean):
            return None
        return self.streams(f"{name}/place_start", "normal")

    def _start(self, pathway: int, z: float) -> float:
        m = self.start_mean[pathway]
        return m * math.exp(self.start_sigma * z - self.start_s2 / 2) if m > 0 else 0.0

    def _work(self, pathway: int, z: float) -> float:
        m = self.delay_mean[pathway] * self.delay_factor[pathway]
        return m * math.exp(self.delay_sigma * z - self.delay_s2 / 2) if m > 0 else 0.0

    def _rate(self, site: Site) -> DemandRate:
        d = self.cfg.system.demand
        if d.hour_of_day:
            return HourlyDemandRate(site.emergency_per_day, d.day_of_week,
                                    d.seasonality.amplitude, d.seasonality.peak_day, self.cal,
                                    d.hour_of_day)
        return DemandRate(site.emergency_per_day, d.day_of_week, d.seasonality.amplitude,
                          d.seasonality.peak_day, self.cal)

    # ------------------------------------------------------------------ processes

    # A patient is a chain of SimPy callbacks, not a process: a patient who needs no waiting
    # costs one event (the end of the stay) besides the arrival, where a process costs three
    # more (start, resume, end). Same-time events still run in the order processes would.

    def admit(self, p: Patient, t: float) -> None:
        """p takes its bed at t and holds it until medically optimised (MO), through the
        discharge process and, on P1-P3, until a downstream place is free."""
        self._in_bed(p, t)
        ward = p.ward
        if not self.effort_active:
            self._discharge_after(p, p.work)
        elif p.mo < ward.next_declare:  # the level in force now holds at MO
            self._discharge_after(p, p.work * self.effort[ward.opel - 1])
        else:  # the level declared on the morning of MO sets the effort: wait for it, no event
            heappush(ward.effort_heap, (p.mo, p.pid, p))

    def _in_bed(self, p: Patient, t: float) -> None:
        """What holding a bed from t means for the counts: admitted, MO at t + p.los."""
        ward = p.ward
        p.admitted = t
        p.mo = t + p.los
        if p.kind == INITIAL:  # in hospital since before time zero, admitted at time zero
            insort(ward.stays, p.since)
        else:  # admissions come in time order: the list stays sorted
            p.since = t
            ward.stays.append(t)
        rec = ward.rec
        rec.admitted(p, t)
        rec.optimised(p)
        heappush(ward.mo_heap, p.mo)  # for the census's count of MO patients

    def _discharge_after(self, p: Patient, work: float) -> None:
        env = self.env
        ready = after_working_time(p.mo, work, self.cal, self.weekend)
        if not p.pathway:  # home: at the leaving hour if there is one, with no event between
            leave = ready if self.leaving is None else self.leaving(ready, p.leave_u)
            env.timeout(leave - env.now).callbacks.append(lambda _: self._leave(p))
            return
        env.timeout(ready - env.now).callbacks.append(lambda _: self._ready(p))

    def _ready(self, p: Patient) -> None:
        """Discharge process done on P1-P3: take (or queue for) a downstream place."""
        ward = p.ward
        ward.rec.awaiting_place(p, self.env.now)
        pool = ward.places[PATHWAYS[p.pathway]]
        if pool.busy < pool.capacity and not pool.queue:
            pool.busy += 1
            self._placed(p)
            return
        self._queue_for_place(p, pool)
        if self.spot_max and len(pool.queue) > self.spot_after * pool.base and \
                pool.capacity < pool.base * (1.0 + self.spot_max):
            pool.buy()  # a crisis: a place bought for the longest waiting
            ward.rec.spot_purchase(self.env.now)

    def _queue_for_place(self, p: Patient, pool) -> None:
        ev = self.env.event()
        ev.callbacks.append(lambda _: self._placed(p))
        pool.queue.append(ev)  # the place is handed over by whoever frees it

    def _placed(self, p: Patient) -> None:
        """A place is p's (held from now): after the provider's start, go to it."""
        if p.start > 0:
            p.ward.starting[p.pathway] += 1
            self.env.timeout(p.start).callbacks.append(lambda _: self._started(p))
        else:
            self._started(p)

    def _started(self, p: Patient) -> None:
        """The provider is ready: go, at the leaving hour if there is one."""
        if p.start > 0:
            p.ward.starting[p.pathway] -= 1
        p.ward.rec.placed(p, self.env.now)
        if self.leaving is None:
            self._to_place(p)
        else:
            self._at_leaving_hour(p, self._to_place)

    def _at_leaving_hour(self, p: Patient, then) -> None:
        env = self.env
        env.timeout(self.leaving(env.now, p.leave_u) - env.now).callbacks.append(
            lambda _: then(p))

    def _to_place(self, p: Patient) -> None:
        pool = p.ward.places[PATHWAYS[p.pathway]]
        self.env.timeout(p.service).callbacks.append(pool.release)
        self._leave(p)

    def _leave(self, p: Patient) -> None:
        t = self.env.now
        p.ward.rec.left(p, t)
        p.ward.left(p, t)
        if p.comeback:  # sent home first (discharge to assess), back within 30 days
            self._comes_back(p.home, p.comeback)

    def emergency(self, p: Patient, t: float) -> None:
        """An emergency patient who needs a bed from t (the decision to admit, or the end of
        the admission process): take a free one, be diverted, or wait in ED."""
        ward = p.ward
        if ward.has_free_bed():
            ward.took_bed(t)
            self.admit(p, t)
        elif self.divert:
            n = self._neighbour_with_bed(p, ward, 5)
            if n is None:  # no neighbour in the system has a bed: out of the system
                ward.rec.turned_away(p, "diverted", t)
            else:
                self._move(p, n, "to_neighbour")
        else:
            p.wake = self.env.event()  # the bed is counted as taken by whoever hands it over
            p.wake.callbacks.append(lambda _: self.admit(p, self.env.now))
            ward.queue.append(p)
            ward.rec.queued(p, t)
            p.in_ed = True
            if ward.corridor:
                self.env.timeout(max(0.0, p.arrived + self.corridor_after - t)) \
                    .callbacks.append(lambda _: self._corridor(p))

    def _corridor(self, p: Patient) -> None:
        """The 12-hour valve: p, still waiting, is taken into corridor or escalation space on
        a ward if the site has room beyond its open beds; it moves into the next bed freed."""
        ward = p.ward
        if p.wake.triggered:
            return
        if ward.corridor_free():
            ward.to_corridor(p, self.env.now)
        else:  # no room: first in line for the next corridor space freed (Ward.freed_bed)
            ward.overdue.append(p)

    @staticmethod
    def _neighbour_with_bed(p: Patient, ward: Ward, below: int):
        """The first neighbour below OPEL `below` with a free bed, for a patient not moved yet."""
        if p.moved:
            return None
        for n in ward.neighbours:
            if n.opel < below and n.has_free_bed():
                return n
        return None

    def _move(self, p: Patient, to: Ward, how: str) -> None:
        """p goes to the neighbour `to`, counted at both ends: the journey is an admission
        process there (its wait still runs from the decision to admit)."""
        t = self.env.now
        p.ward.rec.turned_away(p, how, t)
        p.ward = to
        p.moved = True
        to.rec.moved_in(p, t)
        p.admit_delay = self.aid.travel_hours / 24.0
        self._admission_process(p)

    def _admission_process(self, p: Patient) -> None:
        """From the decision to admit, p.admit_delay of allocation, cleaning and transfer pass
        before p can take a bed; the ED wait clock runs from the decision."""
        ward = p.ward
        ward.admitting[p] = None
        ward.rec.admission_process(p, self.env.now)
        p.in_ed = True  # whatever delay was drawn, 0 included

        def done(_) -> None:
            del ward.admitting[p]
            self.emergency(p, self.env.now)

        delay = p.admit_delay
        if ward.corridor:  # the 12-hour valve covers everyone in ED: a process still running at
            # its hour ends there, and the patient takes a free bed or goes to corridor care
            delay = min(delay, max(0.0, p.arrived + self.corridor_after - self.env.now))
        self.env.timeout(delay).callbacks.append(done)

    def arrivals(self, ward: Ward, rate, name: str, cohort_cum, los_factor: float = 1.0,
                 door_name: str | None = None) -> None:
        """Non-homogeneous Poisson arrivals by thinning, a chain of timeouts with callbacks
        (no process); each patient's attributes are drawn on arrival."""
        lam_max = rate.max
        if lam_max <= 0:
            return
        gap = self.streams(f"{name}/arrivals", "exponential")
        thin = self.streams(f"{name}/thinning", "uniform")
        u_cohort, u_path, z_delay, los, service = self._attributes(name, False, by_position=True)
        u_leave, admit_delay = self._time_of_day(name)
        start = self._starts(name)
        aid, aid_level = self.aid.share, self.aid.from_level
        u_aid = self.streams(f"{name}/mutual_aid", "uniform") \
            if aid > 0 and ward.neighbours else None
        moves = self.moves.get(ward.sid)
        u_move = self.streams(f"{name}/move", "uniform") if moves is not None else None
        # a downstream service time is read by arrival number from its pathway's stream: only
        # the patients on that pathway pay for a draw, and patient k's value is the same
        # whichever pathway the others (or an intervention) chose (common random numbers)
        service_at = (None,) + tuple(service[p].at for p in DOWNSTREAM)
        door = FrontDoor(self.cfg.intervention, self.streams, door_name, ward) \
            if self.interventions else None
        env = self.env
        factors, path_cum = self.cohort_factor, self.cohort_path_cum
        t = max(env.now, getattr(rate, "start", 0.0))
        end = getattr(rate, "end", math.inf)
        k = -1  # arrival number

        def next_arrival() -> None:
            nonlocal t
            while True:
                t += gap() / lam_max
                if t >= end:
                    return
                if thin() * lam_max <= rate(t):
                    env.timeout(t - env.now).callbacks.append(arrive)
                    return

        def arrive(_) -> None:
            # every attribute is drawn now, one draw per stream, whatever happens next
            nonlocal k
            k += 1
            c = _pick(cohort_cum, u_cohort())
            p = _pick(path_cum[c], u_path())
            scale = factors[c] * los_factor
            base = los(scale)
            stay = base * self._los_season(t) if self.los_season else base
            z = z_delay()
            z_start = start() if start is not None else 0.0
            ua = u_aid() if u_aid is not None else 1.0
            pt = Patient(next(self.pids), ward, EMERGENCY, p, stay, 0.0, 0.0, t)
            if u_leave is not None:
                pt.leave_u = u_leave()
            if admit_delay is not None:
                pt.admit_delay = admit_delay()
            frail = pt.frail = self.cohort_frail[c]
            here, rec = ward, ward.rec
            if moves is not None:  # a reconfiguration admits some of them at another site
                um = u_move()
                for cum, to, minutes in moves:
                    if um < cum:
                        here = pt.ward = pt.home = to
                        rec = to.rec
                        if t >= self.w:
                            self.moved_travel[to.sid].add(minutes)
                        break
            rec.arrived(pt)
            if door is not None:
                rank = los.rank(base / scale) if frail and door.needs_rank and scale else 0.0
                fate = door.arrive(env, pt, frail, rank)
                if fate != ADMIT:
                    rec.turned_away(pt, "admission_avoided" if fate == AVOIDED
                                    else "demand_prevented")
                    if pt.comeback:
                        self._comes_back(here, pt.comeback)
                    next_arrival()
                    return
                p = pt.pathway
                if frail:
                    pt.los *= door.frail_los_factor
            pt.work = self._work(p, z)
            if p:
                pt.service = service_at[p](k)
            if start is not None:
                pt.start = self._start(p, z_start)
            if ua < aid and here.opel >= aid_level and not here.has_free_bed():
                n = self._neighbour_with_bed(pt, here, aid_level)
                if n is not None:  # mutual aid: a neighbour takes the patient
                    self._move(pt, n, "mutual_aid")
                    next_arrival()
                    return
            if here.ed_room and here.in_ed() >= here.ed_room:
                # the ED is full: ambulances divert, to a neighbour with a bed or out of the area
                n = self._neighbour_with_bed(pt, here, 5)
                if n is None:
                    rec.turned_away(pt, "diverted", t)
                else:
                    self._move(pt, n, "to_neighbour")
                next_arrival()
                return
            if admit_delay is None:
                self.emergency(pt, t)
            else:
                self._admission_process(pt)
            next_arrival()

        next_arrival()
        if door is not None:
            frail_share = sum(b - a for a, b, f in zip([0.0] + cohort_cum, cohort_cum,
                                                       self.cohort_frail) if f)
            for team in door.teams:
                if team.others:
                    # twice the expected share as the bound: the estimate runs either side of
                    # it, and a cap at the mean would bias the stream low
                    self._other_referrals(ward, rate, door, team,
                                          2.0 * frail_share * team.share,
                                          f"{door_name}/{team.key}/others")

    def _other_referrals(self, ward: Ward, rate, door, team, most: float, name: str) -> None:
        """Referrals to a community team of people who would not have been admitted: Poisson,
        at team.others x the share of this stream's arrivals referred to the team so far (at
        most `most`) x the arrival rate, by thinning. They take places but avoid no admission
        (NHS England's virtual-ward admissions per admission avoided)."""
        lam_max = rate.max * team.others * most
        if lam_max <= 0:
            return
        gap = self.streams(f"{name}/arrivals", "exponential")
        thin = self.streams(f"{name}/thinning", "uniform")
        hold = DurationSampler(team.episode, self.streams, f"{name}/episode")
        env, rec = self.env, ward.rec
        t = max(env.now, getattr(rate, "start", 0.0))
        end = getattr(rate, "end", math.inf)

        def next_candidate() -> None:
            nonlocal t
            t += gap() / lam_max
            if t < end:  # the share is read when the candidate's time comes
                env.timeout(t - env.now).callbacks.append(candidate)

        def candidate(_) -> None:
            share = min(most, team.referred / door.arrivals) if door.arrivals else 0.0
            if thin() * lam_max <= rate(t) * team.others * share:
                team.take(env, rec, t, hold(), None)
            next_candidate()

        next_candidate()

    def strokes(self, route) -> None:
        """A catchment's stroke admissions: Poisson at a constant rate (as Monks et al. 2016),
        each with its type and stays drawn on arrival from the catchment's own streams, read by
        arrival number, so the same patients come whichever unit serves them."""
        if route.per_day <= 0:
            return
        st, types = self.streams, list(self.cfg.system.stroke.types.values())
        name = f"stroke/{route.catchment}"
        gap = st(f"{name}/arrivals", "exponential")
        u_type = st(f"{name}/type", "uniform")
        cum = _cumulative([x.share for x in types])
        hyper = [DurationSampler(x.hyperacute, st, f"{name}/{k}/hyperacute", positional=True)
                 if x.hyperacute.mean_days > 0 else None
                 for k, x in zip(self.cfg.system.stroke.types, types)]
        acute = [DurationSampler(x.acute, st, f"{name}/{k}/acute", positional=True)
                 for k, x in zip(self.cfg.system.stroke.types, types)]
        unit, minutes, env = self.stroke[route.unit], route.added_minutes, self.env
        rate = route.per_day
        k = -1

        def arrive(_) -> None:
            nonlocal k
            k += 1
            i = _pick(cum, u_type())
            h = hyper[i].at(k) if hyper[i] is not None else 0.0
            unit.arrive(env.now, h, acute[i].at(k), minutes)
            env.timeout(gap() / rate).callbacks.append(arrive)

        env.timeout(gap() / rate).callbacks.append(arrive)

    def _outlier(self, ward: Ward):
        """A stroke patient with no stroke bed, placed in a general bed at the unit's site for
        the whole unit stay and then home (pathway P0, no discharge process): an emergency
        admission there like any other. A site with no general beds modelled (a stroke-unit-only
        system) cares for them elsewhere, counted only."""
        def place(stay: float, t: float) -> bool:
            if ward.capacity <= 0:
                return False
            pt = Patient(next(self.stroke_pids), ward, EMERGENCY, 0, stay, 0.0, 0.0, t)
            ward.rec.arrived(pt)
            self.emergency(pt, t)
            return True
        return place

    def _los_season(self, t: float) -> float:
        """Emergency stays' seasonal multiplier at t."""
        return 1.0 + self.los_season * math.cos(
            2.0 * math.pi * (self.cal.day_of_year(t) - self.season_peak) / 365.25)

    def _comes_back(self, ward: Ward, after: float) -> None:
        """A patient a local care service sent home returns as an emergency `after` days on."""
        self.env.timeout(after).callbacks.append(lambda _: self._returned(ward))

    def _returned(self, ward: Ward) -> None:
        """A return within 30 days: a frail emergency admission with its own draws (streams
        `<site>/returns/...`, so the others' draws stay the same), straight to the admission
        process or the bed: no front door again, no mutual aid or diversion."""
        d = self.return_draws.get(ward.sid)
        if d is None:
            name = f"{ward.sid}/returns"
            d = self.return_draws[ward.sid] = (self._attributes(name, False)
                                               + self._time_of_day(name) + (self._starts(name),))
        u_cohort, u_path, z_delay, los, service, u_leave, admit_delay, start = d
        t = self.env.now
        c = _pick(self.frail_cum or self.cohort_cum, u_cohort())
        p = _pick(self.cohort_path_cum[c], u_path())
        stay = los(self.cohort_factor[c])
        if self.los_season:
            stay *= self._los_season(t)
        if self.cohort_frail[c]:  # the frailty team at the front door sees returns too
            stay *= self.return_los_factor
        pt = Patient(-next(self.return_pids), ward, EMERGENCY, p, stay, self._work(p, z_delay()),
                     service[PATHWAYS[p]]() if p else 0.0, t)
        pt.frail = self.cohort_frail[c]
        ward.rec.returned(t)
        self._to_ed(pt, u_leave, start, admit_delay)

    def _to_ed(self, pt: Patient, u_leave, start, admit_delay, in_ed: bool = False) -> None:
        """A patient drawn outside the arrival streams (a return; someone in ED when a state
        was observed) arrives: its leaving hour and provider start drawn, then the admission
        process, or a bed, now (`in_ed`: through the process even without one, so it is in ED
        until the events of this moment run)."""
        if u_leave is not None:
            pt.leave_u = u_leave()
        if start is not None:
            pt.start = self._start(pt.pathway, start())
        pt.ward.rec.arrived(pt)
        if admit_delay is None and in_ed:
            pt.admit_delay = 0.0
            self._admission_process(pt)
        elif admit_delay is None:
            self.emergency(pt, pt.arrived)
        else:
            pt.admit_delay = admit_delay()
            self._admission_process(pt)

    def electives(self, ward: Ward):
        """The site's elective list: `batch(day)` admits, each weekday at the admit hour, those
        rebooked for today and new bookings in the slots left; a list is stood down when the
        previous morning's OPEL level says so."""
        site = ward.site
        if site.elective_per_weekday <= 0:
            return None
        e = self.cfg.system.electives
        stop_at = self.cfg.system.opel.stop_electives_at
        _, u_path, z_delay, los, service = self._attributes(f"{ward.sid}/elective", elective=True)
        u_leave, _ = self._time_of_day(f"{ward.sid}/elective")
        start = self._starts(f"{ward.sid}/elective")
        env, rec, path_cum = self.env, ward.rec, self.elective_path_cum
        rebook: deque = deque()  # (due day, patient)

        def batch(day: int) -> None:
            t = env.now
            todays = []
            # the list has elective_per_weekday slots (theatre time): rebooked patients first,
            # new bookings in the slots left (the rest stay on the waiting list, unmodelled).
            # Every new booking is drawn, used or not, so draws and patient numbers stay the
            # same whatever was rebooked (common random numbers)
            slots = site.elective_per_weekday
            while rebook and rebook[0][0] <= day and len(todays) < slots:
                todays.append(rebook.popleft()[1])
            free = slots - len(todays)
            for i in range(slots):
                p = _pick(path_cum, u_path())
                pt = Patient(next(self.pids), ward, ELECTIVE, p, los(), self._work(p, z_delay()),
                             service[PATHWAYS[p]]() if p else 0.0, t)
                if u_leave is not None:
                    pt.leave_u = u_leave()
                if start is not None:
                    pt.start = self._start(p, start())
                if i < free:
                    todays.append(pt)
            # stood down at OPEL stop_at: told the day before (deferred) when yesterday's level
            # was already there, else this morning, a last-minute cancellation
            told = ward.opel_before >= stop_at
            stopped = told or ward.opel >= stop_at
            for pt in todays:
                pt.arrived = t
                rec.arrived(pt)
                if ward.rf_occupied < ward.rf_capacity:  # ring-fenced beds first, whatever the level
                    ward.rf_occupied += 1
                    pt.fenced = True
                elif stopped and not pt.rebooked:  # put off once: the 28-day rule, it goes on
                    if told:
                        rec.deferred(pt, t)
                        pt.rebooked = True
                        rebook.append((day + e.rebook_after_days, pt))
                    else:
                        cancel(pt, day)
                    continue
                elif ward.has_free_bed() and \
                        ward.occupied < site.elective_max_occupancy * ward.capacity:
                    ward.took_bed(t)
                elif wait > 0 and ward.occupied >= ward.capacity:
                    # no bed free: waits for one, ahead of the ED queue, until the cut-off
                    pt.wake = env.event()
                    pt.wake.callbacks.append(admit_now(pt))
                    ward.elective_queue.append(pt)
                    continue
                else:
                    cancel(pt, day)
                    continue
                self.admit(pt, t)
            if ward.elective_queue:
                env.timeout(wait).callbacks.append(lambda _: cut_off(day))

        def admit_now(pt):
            return lambda _: self.admit(pt, env.now)

        def cancel(pt: Patient, day: int) -> None:
            rec.cancelled(pt, env.now)
            pt.rebooked = True
            rebook.append((day + e.rebook_after_days, pt))

        def cut_off(day: int) -> None:
            """No bed by the cut-off: today's remaining operations are cancelled."""
            q = ward.elective_queue
            while q:
                cancel(q.popleft(), day)

        wait = e.wait_for_bed_hours / 24.0
        return batch

    def declare_opel(self, ward: Ward, t: float, act: bool = True) -> int:
        """The day's OPEL level from occupied / open base beds; apply the level's actions
        (not `act`: the level of an observed state, whose escalation beds are as observed)."""
        open_beds = max(ward.beds - ward.closed, 1)
        occ = (ward.occupied + ward.rf_occupied) / open_beds
        level = 1 + sum(occ >= x for x in self.opel_thresholds)
        ward.opel_before = ward.opel
        ward.opel = level
        ward.next_declare = t + 1.0
        heap = ward.effort_heap  # patients who become MO before the next declaration
        while heap and heap[0][0] < ward.next_declare:
            p = heappop(heap)[2]
            self._discharge_after(p, p.work * self.effort[level - 1])
        force = act and level >= self.cfg.system.opel.open_escalation_at
        ward.esc_forced = force and ward.esc_beds > 0
        if ward.esc_forced and not ward.esc_open:
            ward.open_escalation(t)
        return level

    def daily(self):
        """The day's timetable at every site: the OPEL level is declared at the census hour, or
        earlier at the elective admit hour so electives read today's level; then the elective
        batch (weekdays); then, in the window, the census."""
        env = self.env
        h = self.cfg.sim.census_hour / 24.0
        a = self.cfg.system.electives.admit_hour / 24.0
        # (time of day, order at the same time, what): declare before electives before census
        timetable = sorted([(0.0, -1, "midnight"), (min(a, h), 0, "declare"), (a, 1, "electives"),
                            (h, 2, "census")])
        batches = [self.electives(ward) for ward in self.wards]
        first = self.census_days[0] if self.census_days else math.inf
        for d in range(math.ceil(self.T) + 1):
            for hour, _, what in timetable:
                if d + hour >= self.T:
                    return
                if d + hour < env.now or (self.cfg.initial and d + hour == self.t0 and
                                          what in ("declare", "census")):
                    continue  # before an observed state was taken, or done when it was placed
                yield env.timeout(d + hour - env.now)
                t = env.now
                if what == "midnight":  # KH03 counts occupied beds at midnight
                    for ward in self.wards:
                        ward.midnight = ward.occupied + ward.rf_occupied
                elif what == "declare":
                    for ward in self.wards:
                        self.declare_opel(ward, t)
                elif what == "electives":
                    if self.cal.weekday(d) < 5:
                        for batch in batches:
                            if batch is not None:
                                batch(d)
                elif d >= first:
                    self.take_census(d - first, t)
                else:
                    for ward in self.wards:
                        ward.rec.since_census = [0] * SINCE_CENSUS

    def take_census(self, i: int, t: float) -> None:
        """Row i of the census: the state now, and the counts since the previous census."""
        c = self.census
        for j, ward in enumerate(self.wards):
            ward.rec.opel_days[ward.opel - 1] += 1
            for field, value in zip(CENSUS_FIELDS, ward.census(t)):
                c[field][i, j] = value

    def closure(self, ward: Ward, beds: int, start: float, end: float):
        start = max(start, self.env.now)  # under way when an observed state was taken
        if end <= start:
            return
        yield self.env.timeout(start - self.env.now)
        ward.close_beds(beds, start)
        yield self.env.timeout(end - start)
        ward.close_beds(-beds, end)

    # ------------------------------------------------------------------ warm start

    def warm_start(self, ward: Ward) -> None:
        """Fill beds and downstream places from an approximate steady state at time zero.

        Patients in an acute bed: Poisson(lambda(0) E[LOS]) (the M/G/infinity census), each with
        a length-biased stay of which a uniform fraction remains; the rest is the time it has
        been in hospital (`since` < 0), for the long-stay counts. Downstream places: occupied to
        min(capacity, flow x mean service), with equilibrium residual service times. The MO
        queue is left to build during the warm-up.
        """
        sys_, st = self.cfg.system, self.streams
        site = ward.site
        name = f"{ward.sid}/initial"
        rng = st.rng(f"{name}/counts")
        lam_e = self._load(ward, 0.0)
        lam_el = site.elective_per_weekday * 5.0 / 7.0
        n_e = int(rng.poisson(lam_e * mean_emergency_stay(sys_.los)))
        n_el = int(rng.poisson(lam_el * sys_.los.elective.mean_days))
        u = st(f"{name}/elapsed", "uniform")
        u_cohort, u_path, z_delay, _, service = self._attributes(name, elective=False)
        u_leave, _ = self._time_of_day(name)
        start = self._starts(name)
        los_e = emergency_stays(sys_.los, st, f"{name}/los_emergency", length_biased=True)
        los_el = DurationSampler(sys_.los.elective, st, f"{name}/los_elective", length_biased=True)
        for i in range(min(n_e + n_el, ward.capacity)):
            if i < n_e:
                c = _pick(self.census_cohort_cum, u_cohort())
                p = _pick(self.cohort_path_cum[c], u_path())
                f = u()
                stay = los_e(self.cohort_factor[c])
            else:
                p = _pick(self.elective_path_cum, u_path())
                f = u()
                stay = los_el()
            remaining = f * stay
            pt = Patient(next(self.pids), ward, INITIAL, p, remaining, 0.0,
                         service[PATHWAYS[p]]() if p else 0.0, 0.0)
            pt.since = remaining - stay  # in hospital for the elapsed part of the drawn stay
            pt.frail = i < n_e and self.cohort_frail[c]
            pt.work = self._work(p, z_delay())
            if u_leave is not None:
                pt.leave_u = u_leave()
            if start is not None:
                pt.start = self._start(p, start())
            ward.rec.arrived(pt)  # already in a bed when the clock starts
            ward.took_bed(0.0)
            self.admit(pt, 0.0)
        self._fill_places(ward, name, lam_e, lam_el)

    def _load(self, ward: Ward, t: float) -> float:
        """Emergency patients a day the site admits around t (the week's mean), once a
        reconfiguration has moved some: what its beds and places start filled with."""
        return self._rate(replace(ward.site, emergency_per_day=self.plan.load[ward.sid])) \
            .mean_over_week(t)

    def _held(self, slots, n: int, duration, residual: str, elapsed: str, on_hold=None) -> None:
        """n of `slots` busy when the clock starts, each until an equilibrium residual time of
        `duration` (a uniform share, stream `elapsed`, of a length-biased draw, stream
        `residual`); `on_hold(hold)` is told each, for what the recorder counts."""
        st, env = self.streams, self.env
        draw = DurationSampler(duration, st, residual, length_biased=True)
        share = st(elapsed, "uniform")  # its own: one stream, one use
        for _ in range(n):
            slots.busy += 1
            hold = share() * draw()
            if on_hold is not None:
                on_hold(hold)
            env.timeout(hold).callbacks.append(slots.release)

    def _fill_places(self, ward: Ward, name: str, lam_e: float, lam_el: float,
                     full=()) -> None:
        """Downstream places busy when the clock starts: every place on the pathways in `full`
        (patients wait for them), else the flow into the pathway x its mean stay, at most the
        places; each with an equilibrium residual time."""
        sys_ = self.cfg.system
        flow = [0.0] * 4  # pathway flows per day, for the downstream places
        for cohort in sys_.cohorts.values():
            for k, p in enumerate(PATHWAYS):
                flow[k] += lam_e * cohort.share * getattr(cohort.pathways, p)
        for k, p in enumerate(PATHWAYS):
            flow[k] += lam_el * getattr(sys_.electives.pathways, p)
        for k, p in enumerate(DOWNSTREAM, start=1):
            pool = ward.places[p]
            d = getattr(sys_.downstream, p)
            n = pool.capacity if p in full else min(pool.capacity, int(round(flow[k] * d.mean_days)))
            self._held(pool, n, d, f"{name}/residual/{p}", f"{name}/residual_elapsed/{p}")

    def observed_start(self, ward: Ward, st) -> None:
        """Start from the state a census observed (`SiteState`), at the clock's start t0:
        `occupied` patients in beds, `medically_optimised` of them MO (in the discharge process,
        or waiting for a place on their pathway: those places are then full), `ed_waiting` in
        ED, escalation beds open. Stays still to run are drawn as the warm start draws them
        (length-biased, a uniform share still to come); an MO patient's stay as anyone's (it is
        here for its wait), a discharge process under way with a uniform share of its work
        left; with the long-stay counts, each patient is drawn again until its time in hospital
        falls in a band with room. The OPEL level is declared from the state."""
        sys_, st_, t0 = self.cfg.system, self.streams, self.env.now
        site, name = ward.site, f"{ward.sid}/observed"
        if st.escalation_open:
            ward.open_escalation(t0)
        lam_e = self._load(ward, t0)
        lam_el = site.elective_per_weekday * 5.0 / 7.0
        busy_e, busy_el = lam_e * mean_emergency_stay(sys_.los), lam_el * sys_.los.elective.mean_days
        p_el = busy_el / (busy_e + busy_el) if busy_e + busy_el > 0 else 0.0
        u = st_(f"{name}/elapsed", "uniform")
        u_kind = st_(f"{name}/kind", "uniform")
        u_cohort, u_path, z_delay, _, service = self._attributes(name, elective=False)
        u_leave, _ = self._time_of_day(name)
        start = self._starts(name)
        los_e = emergency_stays(sys_.los, st_, f"{name}/los_emergency", length_biased=True)
        los_el = DurationSampler(sys_.los.elective, st_, f"{name}/los_elective",
                                 length_biased=True)
        # an MO patient is in the state for its wait after MO, not for its stay: its stay is
        # drawn as any patient's, not length-biased
        mo_e = emergency_stays(sys_.los, st_, f"{name}/los_emergency_mo")
        mo_el = DurationSampler(sys_.los.elective, st_, f"{name}/los_elective_mo")
        waiting = [0, st.waiting_P1, st.waiting_P2, st.waiting_P3]
        n_wait = sum(waiting)
        quota = _long_stay_quota(st)
        # a pathway with people waiting has no place free
        self._fill_places(ward, name, lam_e, lam_el,
                          full={PATHWAYS[k] for k in range(1, 4) if waiting[k]})
        for i in range(st.occupied):
            mo = i < st.medically_optimised
            for tries in range(QUOTA_TRIES):  # until the draw falls in a long-stay band left
                elective = u_kind() < p_el
                c = _pick(self.census_cohort_cum, u_cohort())
                p = _pick(self.elective_path_cum if elective else self.cohort_path_cum[c],
                          u_path())
                if i < n_wait:  # MO, waiting for a place on its pathway
                    p = next(k for k in range(1, 4) if i < sum(waiting[:k + 1]))
                if mo:
                    stay = mo_el() if elective else mo_e(self.cohort_factor[c])
                else:
                    stay = los_el() if elective else los_e(self.cohort_factor[c])
                f, z = u(), z_delay()
                full = self._work(p, z)
                if i < n_wait:  # its discharge process done
                    remaining, work, elapsed = 0.0, 0.0, stay + full
                elif mo:  # in the discharge process, a uniform share of it left
                    remaining, work, elapsed = 0.0, f * full, stay + (1.0 - f) * full
                else:  # not yet MO: a uniform share of a length-biased stay left
                    remaining, work, elapsed = f * stay, full, (1.0 - f) * stay
                band = sum(elapsed >= d for d in LONG_STAYS)
                if quota is None or quota[band] > 0:
                    break
            if quota is not None and quota[band] > 0:
                quota[band] -= 1
            pt = Patient(next(self.pids), ward, INITIAL, p, remaining, work,
                         service[PATHWAYS[p]]() if p else 0.0, t0)
            pt.since = t0 - elapsed
            pt.frail = not elective and self.cohort_frail[c]
            if u_leave is not None:
                pt.leave_u = u_leave()
            if start is not None:
                pt.start = self._start(p, start())
            ward.rec.arrived(pt)
            ward.occupied += 1  # not took_bed: escalation beds are open as observed, no more
            if i < n_wait:  # in the queue for a place now (the pathway's places are full)
                self._in_bed(pt, t0)
                ward.rec.awaiting_place(pt, t0)
                self._queue_for_place(pt, ward.places[PATHWAYS[p]])
            else:
                self.admit(pt, t0)
        ward.midnight = ward.occupied
        self.declare_opel(ward, t0, act=False)
        ward.next_declare = math.floor(t0) + 1.0 + self.first_declare  # then as every day

    def _fill_caseloads(self, ward: Ward) -> None:
        """The community teams' places when a state is observed (the census does not hold
        them): busy at the load they carry in steady state, Erlang B's a (1 - B(c, a)) for the
        offered a = referrals a day (eligible frail would-be admissions and those who would not
        have been admitted) x the mean episode, each with an equilibrium residual episode. A
        team sees the eligible an earlier team did not take: with the same acuity limit, a share
        share/limit of its eligible are the earlier team's too (an approximation otherwise)."""
        iv, env = self.cfg.intervention, self.env
        frail = sum(c.share for c in self.cfg.system.cohorts.values() if c.frail)
        lam = self._load(ward, env.now)
        teams = {"rapid_response": (iv.rapid_response, "p_admit_otherwise"),
                 "virtual_ward": (iv.virtual_ward, None)}
        left = 1.0  # the share of a team's eligible not taken by the teams before it
        for key, (d, p_name) in teams.items():
            slots = ward.community.get(key)
            if d is None or slots is None or slots.capacity == 0:
                continue
            p = getattr(d, p_name) if p_name else 1.0 / d.admissions_per_avoided
            if p <= 0:  # it takes nobody who would have been admitted: no one to simulate
                continue
            offered = left * lam * frail * d.eligible_share / p * d.episode.mean_days
            took = 1.0 - erlang_b(slots.capacity, offered)
            n = int(round(offered * took))
            left *= 1.0 - min(1.0, d.eligible_share / max(d.acuity_limit, d.eligible_share)) * took
            name = f"{ward.sid}/observed/{key}"
            self._held(slots, min(n, slots.capacity - slots.busy), d.episode,
                       f"{name}/residual", f"{name}/residual_elapsed",
                       lambda hold, key=key: ward.rec.in_care(key, env.now, hold))

    def _observed_ed(self, ward: Ward, n: int) -> None:
        """n patients waiting in ED when the state was taken: emergency patients decided to
        admit then (their wait so far unknown), in ED until their admission process ends, at
        once if there is none: after the census of the state, which counts them in ED."""
        if not n:
            return
        name, t0 = f"{ward.sid}/observed_ed", self.env.now
        u_cohort, u_path, z_delay, los, service = self._attributes(name, elective=False)
        u_leave, admit_delay = self._time_of_day(name)
        start = self._starts(name)
        for _ in range(n):
            c = _pick(self.cohort_cum, u_cohort())
            p = _pick(self.cohort_path_cum[c], u_path())
            pt = Patient(next(self.pids), ward, EMERGENCY, p, los(self.cohort_factor[c]),
                         self._work(p, z_delay()), service[PATHWAYS[p]]() if p else 0.0, t0)
            pt.frail = self.cohort_frail[c]
            self._to_ed(pt, u_leave, start, admit_delay, in_ed=True)

    # ------------------------------------------------------------------ run

    def run(self):
        env, cal, sc = self.env, self.cal, self.cfg.scenario
        by_id = {w.sid: w for w in self.wards}
        for ward in self.wards:
            state = self.cfg.initial.get(ward.sid)
            if state is not None:
                self.observed_start(ward, state)
            elif self.cfg.sim.warm_start:
                self.warm_start(ward)
            self.arrivals(ward, self._rate(ward.site), f"{ward.sid}/emergency", self.cohort_cum,
                          door_name=f"{ward.sid}/intervention")
        for k, s in enumerate(sc.surges):
            for ward in (self.wards if s.site == "all" else [by_id[s.site]]):
                rate = SurgeRate(self._rate(ward.site), s.factor, cal.day_of(s.start),
                                 cal.day_of(s.end) + 1, s.ramp_days)
                name = f"{ward.sid}/surge{k}"
                self.arrivals(ward, rate, name, self.frail_cum if s.frail_only else self.cohort_cum,
                              s.los_factor, door_name=f"{name}/intervention")
        for c in sc.closures:
            env.process(self.closure(by_id[c.site], c.beds, cal.day_of(c.start),
                                     cal.day_of(c.end) + 1))
        for route in self.plan.stroke_routes:
            self.strokes(route)
        if self.cfg.initial:  # the people in ED once every site's beds are placed, then day 0's
            for ward in self.wards:  # census: the state as observed, before anything happens
                self._observed_ed(ward, self.cfg.initial[ward.sid].ed_waiting)
                self._fill_caseloads(ward)
            self.take_census(0, self.t0)
        env.process(self.daily())
        env.run(until=self.T)
        for ward in self.wards:
            for p in (*ward.admitting, *ward.queue):  # admission process, then the ED queue
                ward.rec.still_waiting_at(p.arrived, self.T)
            ward.rec.in_bed_at_end(ward.stays)
        for unit in self.stroke.values():  # waits still running count, as the ED's do
            for arrived, _, _ in unit.entry:
                unit.rec.waited_for_bed(arrived, self.T)
        return self


def run_replication(cfg: Config, replication: int) -> dict:
    """Run one replication; return per-site summary rows and the daily census arrays."""
    m = Model(cfg, replication).run()
    rows = []
    stroke_on = cfg.stroke_on()
    no_unit = StrokeRecorder(m.w, m.T)
    travel, moved = Travel(), Travel()
    for ward in m.wards:
        row = {"replication": replication, "site": ward.sid}
        row.update(ward.rec.summary(ward.beds, {k: v.base for k, v in ward.community.items()}))
        if stroke_on:
            unit = m.stroke.get(ward.sid)
            rec = unit.rec if unit is not None else no_unit
            row.update(rec.summary(*((unit.hyper, unit.acute) if unit is not None else (0, 0))))
            travel = travel.merge(rec.travel)
        if m.moved_travel is not None:
            row.update(m.moved_travel[ward.sid].summary("moved"))
            moved = moved.merge(m.moved_travel[ward.sid])
        rows.append(row)
    # percentiles of travel do not add up over sites: the system's, from the merged counts
    system = {}
    if stroke_on:
        system.update(travel.summary("stroke"))
    if m.moved_travel is not None:
        system.update(moved.summary("moved"))
    return {"replication": replication, "rows": rows, "census_days": m.census_days,
            "census": m.census, "sites": [w.sid for w in m.wards], "system": system,
            "events": m.log.frame() if m.log is not None else None}
