"""Where patients and beds are once services sit inside sites and a scenario has moved them.

A pure function of the Config, so the model builds its wards from it and a test can read it:
the general beds left at each site after its stroke unit, the emergency arrivals each site's
catchment sends (stroke admissions are their own stream), who goes where after a move, and the
travel a reconfiguration adds. The patients a catchment sends are the same whatever the
scenario; only where they are admitted changes, so two arms of a reconfiguration pair.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Dict, List, Tuple

# No import from bedflow.config: its checks read the plan of each arm (config.validate imports
# this module), so the types below are named, not imported.


@dataclass(frozen=True)
class StrokeRoute:
    """A catchment's stroke admissions: how many a day, the unit that takes them, and the
    minutes further than today's unit (0 when it is today's)."""

    catchment: str
    per_day: float
    unit: str
    added_minutes: float


@dataclass(frozen=True)
class Plan:
    sites: Dict[str, "Site"]  # as the wards use them: general beds, escalation beds, places
    arrivals: Dict[str, float]  # emergency arrivals a day at each site's front door
    load: Dict[str, float]  # emergency admissions a day each site admits (for the warm start)
    # site -> [(cumulative share, receiving site, minutes added)]: a patient arriving at the
    # site goes on to the receiving site when its draw falls below the share
    moves: Dict[str, List[Tuple[float, str, float]]]
    stroke_units: Dict[str, "StrokeUnit"]  # sites with stroke beds, when the service is on
    stroke_routes: List[StrokeRoute]


def plan(cfg: "Config") -> Plan:
    y, sc = cfg.system, cfg.scenario
    sites = dict(y.sites)
    downstream = [f.name for f in fields(next(iter(sites.values())).downstream)]
    st = y.stroke
    units: Dict[str, StrokeUnit] = {}
    routes: List[StrokeRoute] = []
    arrivals = {sid: s.emergency_per_day for sid, s in sites.items()}
    if cfg.stroke_on():
        units = {u: v for u, v in (sc.stroke_units or st.units).items()
                 if v.hyperacute + v.acute > 0}
        for c, catch in st.catchments.items():
            to = sc.stroke_serves.get(c, catch.unit)
            added = (y.minutes(c, to) or 0.0) - (y.minutes(c, catch.unit) or 0.0)
            routes.append(StrokeRoute(c, catch.per_day, to, added))
            if st.demand_within_site:
                arrivals[c] = max(0.0, arrivals[c] - catch.per_day)
        if st.beds_within_site:
            for u, v in units.items():
                s = sites[u]
                sites[u] = replace(s, beds=s.beds - v.hyperacute - v.acute)
    load = dict(arrivals)
    moves: Dict[str, List[Tuple[float, str, float]]] = {}
    beds = {sid: s.beds for sid, s in sites.items()}
    esc = {sid: s.escalation_beds for sid, s in sites.items()}
    places = {sid: {p: getattr(s.downstream, p) for p in downstream} for sid, s in sites.items()}
    moved = {}  # site -> (demand share, beds share) moved so far
    for m in sc.moves:
        a, b, share = m.site, m.to, m.demand_share
        d0, b0 = moved.get(a, (0.0, 0.0))
        moved[a] = (d0 + share, b0 + m.beds_share)
        moves.setdefault(a, []).append((d0 + share, b, y.minutes(a, b) or 0.0))
        load[a] -= arrivals[a] * share
        load[b] += arrivals[a] * share
        n = _portion(sites[a].beds, b0, m.beds_share)
        e = _portion(sites[a].escalation_beds, b0, m.beds_share)
        beds[a] -= n
        beds[b] += n
        esc[a] -= e
        esc[b] += e
        for p in downstream:  # the places serve the same people, wherever they are admitted:
            # the moved share of the emergency part of the site's flow into the pathway
            e = _emergency_part(cfg, arrivals[a], sites[a].elective_per_weekday, p)
            k = _portion(getattr(sites[a].downstream, p), d0 * e, share * e)
            places[a][p] -= k
            places[b][p] += k
    if sc.moves:
        # a site whose emergency patients all go elsewhere has no ED: neighbours send it none
        closed = {sid for sid, (d, _) in moved.items() if d >= 1.0 - 1e-9}
        for sid, s in sites.items():
            sites[sid] = replace(s, beds=beds[sid], escalation_beds=esc[sid],
                                 downstream=replace(s.downstream, **places[sid]),
                                 neighbours=[n for n in s.neighbours if n not in closed])
    sites = {sid: replace(s, emergency_per_day=arrivals[sid]) for sid, s in sites.items()}
    return Plan(sites, arrivals, load, moves, units, routes)


def _emergency_part(cfg: "Config", emergency_per_day: float, elective_per_weekday: int,
                    p: str) -> float:
    """The emergency share of a site's daily flow into pathway p (electives stay where they are,
    and keep the places they use)."""
    y = cfg.system
    em = emergency_per_day * sum(c.share * getattr(c.pathways, p) for c in y.cohorts.values())
    el = elective_per_weekday * 5.0 / 7.0 * getattr(y.electives.pathways, p)
    return em / (em + el) if em + el > 0 else 0.0


def _portion(total: int, before: float, share: float) -> int:
    """Whole beds (or places) for `share` of `total` after `before` was moved: rounded on the
    running share, so the portions of one site never add up to more than it has."""
    return round((before + share) * total) - round(before * total)
