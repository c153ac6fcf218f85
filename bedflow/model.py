"""The bed-flow model: SimPy processes for one replication.

A patient arrives (emergency, by site) or is booked (elective), takes an acute bed or waits in ED
for one, stays for an acute length of stay, becomes medically optimised (MO), goes through a
discharge process delay that runs slower at weekends, and, on pathways P1-P3, waits for a
downstream place while still holding the acute bed. Delayed discharge is whatever those finite
places and delays produce; nothing is typed in as "delay days".

Beds and places are plain counters with FIFO queues of SimPy events rather than
simpy.Resource/Container: a patient who finds a bed free takes it without scheduling an event,
and a freed bed is handed straight to the head of the queue. This keeps the model's cost per
admission close to SimPy's own floor (see `bedflow.bench`).

The model takes a validated `Config`, a replication number and nothing else: no Hydra, no
files, no printing.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import List

import numpy as np
import simpy

from .calendar import Calendar, DemandRate, SurgeRate, after_working_time
from .config import DOWNSTREAM, PATHWAYS, Config, Site, WhenFull
from .distributions import DurationSampler
from .interventions import ADMIT, AVOIDED, FrontDoor, delay_factors, extra_places
from .pools import Places
from .recorder import EventLog, SiteRecorder
from .streams import Streams

CENSUS_FIELDS = ("occupied", "medically_optimised", "ed_waiting", "available_beds",
                 "escalation_open", "downstream_waiting", "opel_level", "admissions",
                 "waits_over_12h", "elective_cancelled")
"""The 08:00 census: the state at 08:00, and the last three count events since the previous one."""


def _cumulative(shares) -> List[float]:
    out, run = [], 0.0
    for s in shares:
        run += s
        out.append(run)
    out[-1] = 1.0 + 1e-12  # guard against rounding: u < 1 always finds a bin
    return out


def _pick(cum: List[float], u: float) -> int:
    i = 0
    while u >= cum[i]:
        i += 1
    return i


class Ward:
    """One acute site: its beds, escalation beds, ED queue, downstream places and records.

    `occupied` and `capacity` are the general beds emergency patients can use; ring-fenced
    elective beds (a scenario) are counted apart in `rf_occupied` / `rf_capacity`.
    """

    def __init__(self, sid: str, site: Site, rec: SiteRecorder, ring_fenced: int = 0):
        self.sid = sid
        self.site = site
        self.beds = site.beds
        self.rf_capacity = ring_fenced
        self.rf_occupied = 0
        self.capacity = site.beds - ring_fenced
        self.occupied = 0
        self.queue: deque = deque()  # emergency patients waiting in ED (events)
        self.esc_beds = site.escalation_beds
        self.esc_open = False
        self.esc_forced = False  # held open by the OPEL level until the next declaration
        self.closed = 0  # beds closed by a scenario (ward closures)
        self._thresholds()
        self.opel = 1
        self.places = {p: Places(getattr(site.downstream, p)) for p in DOWNSTREAM}
        self.community: dict = {}  # caseloads of front-door interventions, shared by all arrivals
        self.rec = rec
        self.mo_heap: list = []  # MO times not yet reached at the last census
        self.mo_started = 0
        self.mo_left = 0
        self.free_ids: list = []  # bed numbers, only kept for the event log
        self.last_id = 0

    def has_free_bed(self) -> bool:
        return self.occupied < self.capacity and not self.queue

    def _serve_queue(self) -> None:
        while self.queue and self.occupied < self.capacity:
            self.occupied += 1
            self.queue.popleft().succeed()

    def took_bed(self, t: float) -> None:
        self.occupied += 1
        self.rec.occupied_area += self.rec.rest(t)
        if self.esc_beds and not self.esc_open and self.occupied >= self.open_n:
            self.open_escalation(t)

    def open_escalation(self, t: float) -> None:
        self.esc_open = True
        self.capacity += self.esc_beds
        self.rec.escalation_area += self.esc_beds * self.rec.rest(t)
        self._serve_queue()

    def freed_bed(self, t: float) -> None:
        """A patient left at t: hand the bed to the head of the ED queue, or free it."""
        if self.queue and self.occupied <= self.capacity:
            self.queue.popleft().succeed()  # the waiting patient adds its own area on resuming
            return
        self.occupied -= 1
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

    def bed_id(self) -> int:
        if self.free_ids:
            return self.free_ids.pop()
        self.last_id += 1
        return self.last_id

    def mo_now(self, t: float) -> int:
        heap = self.mo_heap
        while heap and heap[0] <= t:
            heapq.heappop(heap)
            self.mo_started += 1
        return self.mo_started - self.mo_left


class Model:
    """One replication of the whole system."""

    def __init__(self, cfg: Config, replication: int):
        self.cfg = cfg
        sim, sys_ = cfg.sim, cfg.system
        self.env = simpy.Environment()
        self.cal = Calendar(sim.start_date)
        self.w = float(sim.warmup_days)
        self.T = self.w + float(sim.horizon_days)
        self.streams = Streams(sim.seed, replication)
        self.divert = sys_.when_full is WhenFull.divert
        self.weekend = sys_.discharge.weekend_factor
        self.log = EventLog(replication) if sim.event_log else None
        fenced = {}
        for r in cfg.scenario.ring_fenced:
            fenced[r.site] = fenced.get(r.site, 0) + r.beds
        self.wards = [Ward(sid, s, SiteRecorder(self.w, self.T), fenced.get(sid, 0))
                      for sid, s in sys_.sites.items()]
        iv = cfg.intervention
        self.interventions = bool(iv.active())
        for ward in self.wards:
            for p, n in extra_places(iv, ward.site.downstream.P1).items():
                ward.places[p].capacity += n
        self.delay_factor = delay_factors(iv)
        opel = sys_.opel
        self.opel_thresholds = list(opel.thresholds)
        self.effort = list(opel.discharge_effort)
        self.effort_active = any(x != 1.0 for x in self.effort)

        cohorts = list(sys_.cohorts.values())
        norm = sum(c.share * c.los_factor for c in cohorts)
        self.cohort_cum = _cumulative([c.share for c in cohorts])
        self.frail_cum = _cumulative([c.share if c.frail else 0.0 for c in cohorts]) \
            if any(c.frail for c in cohorts) else None
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

        self.census_days = self._census_days()
        shape = (len(self.census_days), len(self.wards))
        self.census = {f: np.zeros(shape, dtype=np.int32) for f in CENSUS_FIELDS}

    # ------------------------------------------------------------------ building blocks

    def _census_days(self) -> List[int]:
        """Census days in the window whose previous 24 hours were all simulated: every row's
        counts cover 24 hours (part of the first may lie in the warm-up)."""
        h = self.cfg.sim.census_hour / 24.0
        first = max(0, math.ceil(self.w - h))
        return [d for d in range(first, math.ceil(self.T) + 1)
                if self.w <= d + h < self.T and d + h >= 1.0]

    def _attributes(self, name: str, elective: bool):
        """Per-site draw functions: each patient takes exactly one draw from each stream."""
        st = self.streams
        u_cohort = st(f"{name}/cohort", "uniform")
        u_path = st(f"{name}/pathway", "uniform")
        z_delay = st(f"{name}/process_delay", "normal")
        los_cfg = self.cfg.system.los.elective if elective else self.cfg.system.los.emergency
        los = DurationSampler(los_cfg, st, f"{name}/los")
        service = {p: DurationSampler(getattr(self.cfg.system.downstream, p), st,
                                      f"{name}/downstream/{p}") for p in DOWNSTREAM}
        return u_cohort, u_path, z_delay, los, service

    def _work(self, pathway: int, z: float) -> float:
        m = self.delay_mean[pathway] * self.delay_factor[pathway]
        return m * math.exp(self.delay_sigma * z - self.delay_s2 / 2) if m > 0 else 0.0

    def _rate(self, site: Site) -> DemandRate:
        d = self.cfg.system.demand
        return DemandRate(site.emergency_per_day, d.day_of_week, d.seasonality.amplitude,
                          d.seasonality.peak_day, self.cal)

    # ------------------------------------------------------------------ processes

    def stay(self, ward: Ward, t_adm: float, los: float, pathway: int, work: float,
             service: float, pid: int = 0, fenced: bool = False):
        """From admission to leaving the acute bed; the bed is held throughout."""
        env, rec, log = self.env, ward.rec, self.log
        t_mo = t_adm + los
        if t_mo < self.T:
            rec.mo_area += rec.rest(t_mo)
            heapq.heappush(ward.mo_heap, t_mo)
            if t_mo >= self.w:
                rec.mo_patients += 1
        if log is not None:
            bed = ward.bed_id()
            log.add(pid, "resource_use", "admitted", t_adm, ward.sid, PATHWAYS[pathway], bed)
            log.add(pid, "queue", "medically_optimised", t_mo, ward.sid, PATHWAYS[pathway])
        if self.effort_active:  # the discharge effort depends on the OPEL level at MO
            yield env.timeout(los)
            work *= self.effort[ward.opel - 1]
        yield env.timeout(after_working_time(t_mo, work, self.cal, self.weekend) - env.now)
        if pathway:
            if log is not None:
                log.add(pid, "queue", "awaiting_place", env.now, ward.sid, PATHWAYS[pathway])
            pool = ward.places[PATHWAYS[pathway]]
            if pool.busy < pool.capacity and not pool.queue:
                pool.busy += 1
            else:
                ev = env.event()
                pool.queue.append(ev)
                yield ev
            env.timeout(service).callbacks.append(pool.release)
        t = env.now
        if t_mo <= t:
            ward.mo_left += 1
        rec.left_bed(t_mo, t)
        if log is not None:
            log.add(pid, "resource_use_end", "bed_released", t, ward.sid, PATHWAYS[pathway], bed)
            log.add(pid, "arrival_departure", "depart", t, ward.sid, PATHWAYS[pathway])
            ward.free_ids.append(bed)
        if fenced:
            ward.rf_occupied -= 1
        else:
            ward.freed_bed(t)

    def emergency(self, ward: Ward, los: float, pathway: int, work: float, service: float,
                  pid: int = 0):
        env, rec, log = self.env, ward.rec, self.log
        t = env.now
        if t >= self.w:
            rec.emergency_arrivals += 1
        if ward.occupied < ward.capacity and not ward.queue:
            ward.took_bed(t)
        elif self.divert:
            if t >= self.w:
                rec.diverted += 1
            if log is not None:
                log.add(pid, "queue", "diverted", t, ward.sid, PATHWAYS[pathway])
                log.add(pid, "arrival_departure", "depart", t, ward.sid, PATHWAYS[pathway])
            return
        else:
            if log is not None:
                log.add(pid, "queue", "ed_wait_begins", t, ward.sid, PATHWAYS[pathway])
            ev = env.event()
            ev.arrived = t  # read at T if the patient is still waiting
            ward.queue.append(ev)
            rec.ed_area += rec.rest(t)
            yield ev  # the bed is counted as taken by whoever handed it over
            now = env.now
            rec.ed_area -= rec.rest(now)
            rec.occupied_area += rec.rest(now)
        t_adm = env.now
        rec.emergency_admitted(t, t_adm)
        yield from self.stay(ward, t_adm, los, pathway, work, service, pid)

    def arrivals(self, ward: Ward, rate, name: str, cohort_cum, los_factor: float = 1.0,
                 door_name: str | None = None):
        """Non-homogeneous Poisson arrivals by thinning; each patient's attributes drawn now."""
        lam_max = rate.max
        if lam_max <= 0:
            return
        gap = self.streams(f"{name}/arrivals", "exponential")
        thin = self.streams(f"{name}/thinning", "uniform")
        u_cohort, u_path, z_delay, los, service = self._attributes(name, elective=False)
        s1, s2, s3 = (service[p] for p in DOWNSTREAM)
        door = FrontDoor(self.cfg.intervention, self.streams, door_name, ward) \
            if self.interventions else None
        env, rec, w, log, sid = self.env, ward.rec, self.w, self.log, ward.sid
        factors, path_cum = self.cohort_factor, self.cohort_path_cum
        t = max(env.now, getattr(rate, "start", 0.0))
        end = getattr(rate, "end", math.inf)
        while True:
            t += gap() / lam_max
            if t >= end:
                return
            if thin() * lam_max > rate(t):
                continue
            yield env.timeout(t - env.now)
            # every attribute is drawn now, one draw per stream, whatever happens next
            c = _pick(cohort_cum, u_cohort())
            p = _pick(path_cum[c], u_path())
            stay = los(factors[c] * los_factor)
            z = z_delay()
            services = (0.0, s1(), s2(), s3())
            pid = 0
            if log is not None:
                pid = log.new_patient()
                log.add(pid, "arrival_departure", "arrival", t, sid, PATHWAYS[p])
            if door is not None:
                frail = self.cohort_frail[c]
                fate, p = door.arrive(env, frail, p)
                if fate != ADMIT:
                    if t >= w:
                        if fate == AVOIDED:
                            rec.emergency_arrivals += 1
                            rec.avoided += 1
                        else:
                            rec.prevented += 1
                    if log is not None:
                        what = "admission_avoided" if fate == AVOIDED else "demand_prevented"
                        log.add(pid, "queue", what, t, sid, PATHWAYS[p])
                        log.add(pid, "arrival_departure", "depart", t, sid, PATHWAYS[p])
                    continue
                if frail:
                    stay *= door.frail_los_factor
            env.process(self.emergency(ward, stay, p, self._work(p, z), services[p], pid))

    def electives(self, ward: Ward):
        """The site's elective list: `batch(day)` admits, each weekday at the admit hour, today's
        bookings plus those rebooked for today, under the OPEL level declared that morning."""
        site = ward.site
        if site.elective_per_weekday <= 0:
            return None
        e = self.cfg.system.electives
        stop_at = self.cfg.system.opel.stop_electives_at
        _, u_path, z_delay, los, service = self._attributes(f"{ward.sid}/elective", elective=True)
        env, rec, path_cum, log = self.env, ward.rec, self.elective_path_cum, self.log
        rebook: deque = deque()  # (due day, los, pathway, work, service, patient id)

        def batch(day: int) -> None:
            todays = []
            while rebook and rebook[0][0] <= day:
                todays.append(rebook.popleft()[1:])
            for _ in range(site.elective_per_weekday):
                p = _pick(path_cum, u_path())
                todays.append((los(), p, self._work(p, z_delay()),
                               service[PATHWAYS[p]]() if p else 0.0,
                               log.new_patient() if log is not None else 0))
            t = env.now
            observe = t >= self.w
            stopped = ward.opel >= stop_at
            for stay, p, work, s, pid in todays:
                if log is not None:
                    log.add(pid, "arrival_departure", "arrival", t, ward.sid, PATHWAYS[p])
                if ward.rf_occupied < ward.rf_capacity:  # ring-fenced beds first, whatever the level
                    ward.rf_occupied += 1
                    rec.occupied_area += rec.rest(t)
                    rec.elective_admitted += observe
                    env.process(self.stay(ward, t, stay, p, work, s, pid, fenced=True))
                    continue
                if not stopped and ward.has_free_bed() and \
                        ward.occupied < site.elective_max_occupancy * ward.capacity:
                    ward.took_bed(t)
                    rec.elective_admitted += observe
                    env.process(self.stay(ward, t, stay, p, work, s, pid))
                    continue
                rec.cancelled(t)
                rebook.append((day + e.rebook_after_days, stay, p, work, s, pid))
                if log is not None:
                    log.add(pid, "queue", "elective_cancelled", t, ward.sid, PATHWAYS[p])
                    log.add(pid, "arrival_departure", "depart", t, ward.sid, PATHWAYS[p])

        return batch

    def declare_opel(self, ward: Ward, t: float) -> int:
        """The day's OPEL level from occupied / open base beds; apply the level's actions."""
        open_beds = max(ward.beds - ward.closed, 1)
        occ = (ward.occupied + ward.rf_occupied) / open_beds
        level = 1 + sum(occ >= x for x in self.opel_thresholds)
        ward.opel = level
        force = level >= self.cfg.system.opel.open_escalation_at
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
        timetable = sorted([(min(a, h), 0, "declare"), (a, 1, "electives"), (h, 2, "census")])
        batches = [self.electives(ward) for ward in self.wards]
        first = self.census_days[0] if self.census_days else math.inf
        for d in range(math.ceil(self.T) + 1):
            for hour, _, what in timetable:
                if d + hour >= self.T:
                    return
                yield env.timeout(d + hour - env.now)
                t = env.now
                if what == "declare":
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
                        ward.rec.since_census = [0, 0, 0]

    def take_census(self, i: int, t: float) -> None:
        """Row i of the census: the state now, and the counts since the previous census."""
        c = self.census
        for j, ward in enumerate(self.wards):
            level = ward.opel
            ward.rec.opel_days[level - 1] += 1
            c["occupied"][i, j] = ward.occupied + ward.rf_occupied
            c["medically_optimised"][i, j] = ward.mo_now(t)
            c["ed_waiting"][i, j] = len(ward.queue)
            c["available_beds"][i, j] = ward.capacity + ward.rf_capacity
            c["escalation_open"][i, j] = ward.esc_beds if ward.esc_open else 0
            c["downstream_waiting"][i, j] = sum(len(p.queue) for p in ward.places.values())
            c["opel_level"][i, j] = level
            since = ward.rec.since_census
            c["admissions"][i, j], c["waits_over_12h"][i, j], c["elective_cancelled"][i, j] = since
            ward.rec.since_census = [0, 0, 0]

    def closure(self, ward: Ward, beds: int, start: float, end: float):
        yield self.env.timeout(start - self.env.now)
        ward.close_beds(beds, start)
        yield self.env.timeout(end - start)
        ward.close_beds(-beds, end)

    # ------------------------------------------------------------------ warm start

    def warm_start(self, ward: Ward) -> None:
        """Fill beds and downstream places from an approximate steady state at time zero.

        Patients in an acute bed: Poisson(lambda(0) E[LOS]) (the M/G/infinity census), each with
        a length-biased stay of which a uniform fraction remains. Downstream places: occupied to
        min(capacity, flow x mean service), with equilibrium residual service times. The MO
        queue is left to build during the warm-up.
        """
        sys_, st, env = self.cfg.system, self.streams, self.env
        site = ward.site
        name = f"{ward.sid}/initial"
        rng = st.rng(f"{name}/counts")
        lam_e = self._rate(site).mean_over_week(0.0)
        lam_el = site.elective_per_weekday * 5.0 / 7.0
        n_e = int(rng.poisson(lam_e * sys_.los.emergency.mean_days))
        n_el = int(rng.poisson(lam_el * sys_.los.elective.mean_days))
        u = st(f"{name}/elapsed", "uniform")
        u_cohort, u_path, z_delay, _, service = self._attributes(name, elective=False)
        los_e = DurationSampler(sys_.los.emergency, st, f"{name}/los_emergency", length_biased=True)
        los_el = DurationSampler(sys_.los.elective, st, f"{name}/los_elective", length_biased=True)
        for i in range(min(n_e + n_el, ward.capacity)):
            if i < n_e:
                c = _pick(self.census_cohort_cum, u_cohort())
                p = _pick(self.cohort_path_cum[c], u_path())
                remaining = u() * los_e(self.cohort_factor[c])
            else:
                p = _pick(self.elective_path_cum, u_path())
                remaining = u() * los_el()
            ward.took_bed(0.0)
            s = service[PATHWAYS[p]]() if p else 0.0
            pid = 0
            if self.log is not None:  # already in a bed when the clock starts
                pid = self.log.new_patient()
                self.log.add(pid, "arrival_departure", "arrival", 0.0, ward.sid, PATHWAYS[p])
            env.process(self.stay(ward, 0.0, remaining, p, self._work(p, z_delay()), s, pid))
        flow = [0.0] * 4
        # pathway flows per day at time zero, for the downstream places
        for c, cohort in enumerate(sys_.cohorts.values()):
            for k, p in enumerate(PATHWAYS):
                flow[k] += lam_e * cohort.share * getattr(cohort.pathways, p)
        for k, p in enumerate(PATHWAYS):
            flow[k] += lam_el * getattr(sys_.electives.pathways, p)
        for k, p in enumerate(DOWNSTREAM, start=1):
            pool = ward.places[p]
            d = getattr(sys_.downstream, p)
            n = min(pool.capacity, int(round(flow[k] * d.mean_days)))
            residual = DurationSampler(d, st, f"{name}/residual/{p}", length_biased=True)
            elapsed = st(f"{name}/residual_elapsed/{p}", "uniform")  # its own: one stream, one use
            for _ in range(n):
                pool.busy += 1
                env.timeout(elapsed() * residual()).callbacks.append(pool.release)

    # ------------------------------------------------------------------ run

    def run(self):
        env, cal, sc = self.env, self.cal, self.cfg.scenario
        by_id = {w.sid: w for w in self.wards}
        for ward in self.wards:
            if self.cfg.sim.warm_start:
                self.warm_start(ward)
            env.process(self.arrivals(ward, self._rate(ward.site), f"{ward.sid}/emergency",
                                      self.cohort_cum, door_name=f"{ward.sid}/intervention"))
        for k, s in enumerate(sc.surges):
            for ward in (self.wards if s.site == "all" else [by_id[s.site]]):
                rate = SurgeRate(self._rate(ward.site), s.factor, cal.day_of(s.start),
                                 cal.day_of(s.end) + 1, s.ramp_days)
                name = f"{ward.sid}/surge{k}"
                env.process(self.arrivals(ward, rate, name,
                                          self.frail_cum if s.frail_only else self.cohort_cum,
                                          s.los_factor, door_name=f"{name}/intervention"))
        for c in sc.closures:
            env.process(self.closure(by_id[c.site], c.beds, cal.day_of(c.start),
                                     cal.day_of(c.end) + 1))
        env.process(self.daily())
        env.run(until=self.T)
        for ward in self.wards:
            for ev in ward.queue:
                ward.rec.still_waiting_at(ev.arrived, self.T)
        return self


def run_replication(cfg: Config, replication: int) -> dict:
    """Run one replication; return per-site summary rows and the daily census arrays."""
    m = Model(cfg, replication).run()
    rows = []
    for ward in m.wards:
        row = {"replication": replication, "site": ward.sid}
        row.update(ward.rec.summary(ward.beds))
        rows.append(row)
    return {"replication": replication, "rows": rows, "census_days": m.census_days,
            "census": m.census, "sites": [w.sid for w in m.wards],
            "events": m.log.frame() if m.log is not None else None}
