"""What switched-on local-care interventions do inside the model, and what they cost.

Each intervention acts through a mechanism with finite capacity or a probability, never through
a typed-in effect: avoided admissions emerge from a rapid-response caseload that can be full, beds
released emerge from shorter delays and more places. Every enabled intervention takes the same
draws for every emergency arrival, whatever happens to the patient, so two runs that differ only
in an intervention's size meet the same patients with the same draws (common random numbers).
"""

from __future__ import annotations

from .config import Config, Interventions
from .distributions import DurationSampler
from .pools import Places
from .streams import Streams

ADMIT, PREVENTED, AVOIDED = 0, 1, 2


class FrontDoor:
    """Per-site decisions for one emergency arrival: prevented, avoided, or admitted (how)."""

    def __init__(self, iv: Interventions, streams: Streams, name: str, ward):
        """`name` keys this arrival stream's draws; caseloads are the site's, in ward.community."""
        p2_places = ward.places["P2"]
        self.prevent = []  # (draw, share, frail_only)
        for key in ("care_navigation", "self_care", "healthy_living"):
            d = getattr(iv, key)
            if d is not None:
                self.prevent.append((streams(f"{name}/{key}", "uniform"), d.demand_reduction,
                                     d.frail_only))
        eo = iv.expert_opinion
        self.same_day = None if eo is None else (streams(f"{name}/expert_opinion", "uniform"),
                                                 eo.same_day_share)
        self.frail_los_factor = 1.0 if eo is None else eo.frail_los_factor
        self.teams = []  # (draw, share, hold sampler, hold multiplier, slots), frail only
        rr = iv.rapid_response
        if rr is not None:
            self.teams.append((streams(f"{name}/rapid_response", "uniform"), rr.eligible_share,
                               DurationSampler(rr.episode, streams, f"{name}/rapid_response/episode"),
                               1.0, ward.community.setdefault(
                                   "rapid_response", Places(rr.caseload_per_site))))
        vw = iv.virtual_ward
        if vw is not None:
            # ~2.5 virtual-ward admissions per admission avoided: each avoided one holds a bed
            # for that many episodes' worth of time
            self.teams.append((streams(f"{name}/virtual_ward", "uniform"), vw.eligible_share,
                               DurationSampler(vw.episode, streams, f"{name}/virtual_ward/episode"),
                               vw.admissions_per_avoided, ward.community.setdefault(
                                   "virtual_ward", Places(vw.beds_per_site))))
        icc = iv.integrated_care_centre
        self.step_up = None if icc is None else (
            streams(f"{name}/integrated_care_centre", "uniform"), icc.step_up_share,
            DurationSampler(icc.step_up_stay, streams, f"{name}/integrated_care_centre/stay"),
            p2_places)
        d2a = iv.discharge_to_assess
        self.home_first = None if d2a is None else (
            streams(f"{name}/discharge_to_assess", "uniform"),
            (0.0, 0.0, d2a.home_first_share_P2, d2a.home_first_share_P3))

    def arrive(self, env, frail: bool, pathway: int) -> tuple[int, int]:
        """(fate, pathway): every draw is taken first, so each arrival uses the same draws."""
        prevent = [(draw(), share, frail_only) for draw, share, frail_only in self.prevent]
        same_day = self.same_day[0]() if self.same_day else 1.0
        teams = [(draw(), hold()) for draw, _, hold, _, _ in self.teams]
        step_up = (self.step_up[0](), self.step_up[2]()) if self.step_up else None
        home_first = self.home_first[0]() if self.home_first else 1.0

        for u, share, frail_only in prevent:
            if u < share and (frail or not frail_only):
                return PREVENTED, pathway
        if self.home_first and home_first < self.home_first[1][pathway]:
            pathway = 1  # home first (discharge to assess) is for every would-be P2/P3 patient
        if not frail:  # the other front-door services are for the frail
            return ADMIT, pathway
        if self.same_day and same_day < self.same_day[1]:
            return AVOIDED, pathway
        for (u, hold), (_, share, _, mult, slots) in zip(teams, self.teams):
            if u < share and slots.busy < slots.capacity:
                slots.busy += 1
                env.timeout(hold * mult).callbacks.append(slots.release)
                return AVOIDED, pathway
        if step_up is not None:
            u, stay = step_up
            places = self.step_up[3]
            if u < self.step_up[1] and places.busy < places.capacity and not places.queue:
                places.busy += 1
                env.timeout(stay).callbacks.append(places.release)
                return AVOIDED, pathway
        return ADMIT, pathway


def delay_factors(iv: Interventions) -> list[float]:
    """Multipliers of the process delay for P0..P3."""
    f = 1.0
    if iv.discharge_to_assess is not None:
        f *= iv.discharge_to_assess.process_delay_factor
    if iv.single_point_of_access is not None:
        f *= iv.single_point_of_access.process_delay_factor
    return [1.0, f, f, f]


def extra_places(iv: Interventions, p1: int) -> dict:
    """Downstream places an intervention adds at a site with `p1` reablement places."""
    extra = {"P1": 0, "P2": 0, "P3": 0}
    if iv.discharge_to_assess is not None:
        extra["P1"] = round(iv.discharge_to_assess.extra_reablement_share * p1)
    if iv.integrated_care_centre is not None:
        extra["P2"] = iv.integrated_care_centre.beds_per_site
    return extra


def site_cost(cfg: Config, p1_places: int) -> float:
    """Cost of the switched-on interventions at one site over the observed period (pounds)."""
    iv, days = cfg.intervention, cfg.sim.horizon_days
    years = days / 365.0
    cost = 0.0
    if iv.rapid_response is not None:
        cost += iv.rapid_response.caseload_per_site * iv.rapid_response.cost_per_place_day * days
    if iv.discharge_to_assess is not None:
        d = iv.discharge_to_assess
        cost += extra_places(iv, p1_places)["P1"] * d.cost_per_place_day * days
        cost += d.cost_per_site_per_year * years
    for key in ("care_navigation", "self_care", "healthy_living", "single_point_of_access",
                "expert_opinion"):
        x = getattr(iv, key)
        if x is not None:
            cost += x.cost_per_site_per_year * years
    if iv.integrated_care_centre is not None:
        icc = iv.integrated_care_centre
        cost += icc.beds_per_site * icc.cost_per_bed_day * days
    if iv.virtual_ward is not None:
        cost += iv.virtual_ward.beds_per_site * iv.virtual_ward.cost_per_bed_day * days
    return cost


def site_costs(cfg: Config) -> dict:
    """Cost of the switched-on interventions by site: a function of the config alone, so it is
    computed once per run, not in every replication."""
    return {sid: site_cost(cfg, site.downstream.P1) for sid, site in cfg.system.sites.items()}
