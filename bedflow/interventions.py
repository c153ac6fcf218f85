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

RETURN_WINDOW = 30.0
"""Days after going home within which a return counts (the 30-day readmission)."""


def _eligible(rank: float, u: float, share: float, limit: float) -> bool:
    """Acuity first (the stay's rank below the limit), then `share / limit` of those: `share`
    of the frail are eligible whatever the limit."""
    return rank < limit and u * limit < share


class Team:
    """A community service with finite places (a rapid-response caseload, virtual beds) that
    takes an eligible frail would-be admission while it has a place free.

    Acuity: the eligible come from the `acuity_limit` share of frail arrivals with the shortest
    counterfactual stays (their stay's rank in its distribution below the limit; at least the
    eligible share), `share / limit` of those, so `eligible_share` of the frail are eligible
    whatever the limit, and at limit 1 they are drawn at random. Counterfactual: not everyone a service takes would have been
    admitted: `Model._other_referrals` sends the team a Poisson stream of people who would not
    have been, at (1 - p) / p times the rate of would-be admissions referred to it (estimated as
    the run goes: a team after another sees only those the first did not take). Independent of
    the would-be admissions, both see the places as a time average does, so of those taken,
    `p_admit` avoided an admission."""

    __slots__ = ("key", "u", "share", "limit", "hold", "slots", "p_admit", "back", "others",
                 "episode", "referred")

    def __init__(self, key: str, d, streams: Streams, name: str, slots: Places, rec, *,
                 share: float, episode, p_admit: float, hold_name: str = "episode"):
        self.key = key
        self.u = streams(f"{name}/{key}", "uniform")
        # a share above the limit widens it: the eligible are then all of the shortest `share`
        self.share, self.limit = share, max(d.acuity_limit, share)
        self.hold = DurationSampler(episode, streams, f"{name}/{key}/{hold_name}")
        self.slots = slots
        self.p_admit = p_admit
        # per would-be admission referred; at p 0 it takes nobody who would have been admitted
        # (and the people it does take never reach an acute bed: nothing to simulate)
        self.others = (1.0 - p_admit) / p_admit if p_admit > 0 else 0.0
        self.episode = episode
        self.referred = 0  # would-be admissions referred (eligible) so far
        self.back = _Returns(d.return_30d, streams, f"{name}/{key}")
        rec.teams.setdefault(key, [0, 0, 0, 0.0, 0.0])

    def take(self, env, rec, t: float, hold: float, stay) -> bool:
        """A referral at t: a place for `hold` days if one is free and nobody waits for one
        (the centre's places are P2's); `stay`: the acute stay it stands in for (None: someone
        who would not have been admitted)."""
        slots = self.slots
        took = slots.busy < slots.capacity and not slots.queue
        rec.referred(self.key, t, hold if took else 0.0, stay)
        if took:
            slots.busy += 1
            env.timeout(hold).callbacks.append(slots.release)
        return took


class _Returns:
    """Who of those a service sent home comes back as an emergency admission, and when: one
    draw from each of two streams per arrival, whatever happens (common random numbers)."""

    __slots__ = ("share", "u", "day")

    def __init__(self, share: float, streams: Streams, name: str):
        self.share = share
        self.u = streams(f"{name}/return", "uniform") if share > 0 else None
        self.day = streams(f"{name}/return_day", "uniform") if share > 0 else None

    def draw(self) -> float:
        """Days from going home to coming back, 0 for not coming back."""
        if self.u is None:
            return 0.0
        u, day = self.u(), self.day()
        return day * RETURN_WINDOW if u < self.share else 0.0


class FrontDoor:
    """Per-site decisions for one emergency arrival: prevented, avoided, or admitted (how)."""

    def __init__(self, iv: Interventions, streams: Streams, name: str, ward):
        """`name` keys this arrival stream's draws; caseloads are the site's, in ward.community."""
        self.rec = ward.rec
        self.prevent = []  # (draw, share, frail_only)
        for key in ("care_navigation", "self_care", "healthy_living"):
            d = getattr(iv, key)
            if d is not None:
                self.prevent.append((streams(f"{name}/{key}", "uniform"), d.demand_reduction,
                                     d.frail_only))
        eo = iv.expert_opinion
        # same-day discharge: (draw, share, acuity limit), the limit as a team's
        self.same_day = None if eo is None else (streams(f"{name}/expert_opinion", "uniform"),
                                                 eo.same_day_share,
                                                 max(eo.acuity_limit, eo.same_day_share))
        self.same_day_back = _Returns(eo.return_30d if eo else 0.0, streams,
                                      f"{name}/expert_opinion")
        self.frail_los_factor = 1.0 if eo is None else eo.frail_los_factor
        self.teams: list[Team] = []  # frail only, in this order
        rr, vw, icc = iv.rapid_response, iv.virtual_ward, iv.integrated_care_centre
        if rr is not None:
            self.teams.append(Team(
                "rapid_response", rr, streams, name,
                ward.community.setdefault("rapid_response", Places(rr.caseload_per_site)),
                self.rec, share=rr.eligible_share, episode=rr.episode,
                p_admit=rr.p_admit_otherwise))
        if vw is not None:
            self.teams.append(Team(
                "virtual_ward", vw, streams, name,
                ward.community.setdefault("virtual_ward", Places(vw.beds_per_site)),
                self.rec, share=vw.eligible_share, episode=vw.episode,
                p_admit=1.0 / vw.admissions_per_avoided))
        if icc is not None:  # step-up into the centre's beds, which are P2 places
            self.teams.append(Team(
                "integrated_care_centre", icc, streams, name, ward.places["P2"], self.rec,
                share=icc.step_up_share, episode=icc.step_up_stay,
                p_admit=icc.p_admit_otherwise, hold_name="stay"))
        self.needs_rank = any(team.limit < 1.0 for team in self.teams) or \
            (self.same_day is not None and self.same_day[2] < 1.0)
        d2a = iv.discharge_to_assess
        self.home_first = None if d2a is None else (
            streams(f"{name}/discharge_to_assess", "uniform"),
            (0.0, 0.0, d2a.home_first_share_P2, d2a.home_first_share_P3))
        self.home_first_back = _Returns(d2a.return_30d if d2a else 0.0, streams,
                                        f"{name}/discharge_to_assess")
        self.arrivals = 0  # arrivals through this door so far (the teams' referral rates)

    def arrive(self, env, pt, frail: bool, rank: float) -> int:
        """The fate of patient `pt` (ADMIT, PREVENTED or AVOIDED); home first changes its
        pathway, a return sets `pt.comeback`. Every draw is taken first, so each arrival uses
        the same draws whatever happens to it. `rank`: where its stay lies among the frail's."""
        pathway, t = pt.pathway, env.now
        self.arrivals += 1
        prevent = [(draw(), share, frail_only) for draw, share, frail_only in self.prevent]
        same_day = self.same_day[0]() if self.same_day else 1.0
        same_day_back = self.same_day_back.draw()
        teams = [(team.u(), team.hold(), team.back.draw()) for team in self.teams]
        home_first = self.home_first[0]() if self.home_first else 1.0
        home_first_back = self.home_first_back.draw()

        for u, share, frail_only in prevent:
            if u < share and (frail or not frail_only):
                return PREVENTED
        if self.home_first and home_first < self.home_first[1][pathway]:
            pt.pathway = 1  # home first (discharge to assess) is for every would-be P2/P3 patient
            pt.comeback = home_first_back  # from leaving the acute bed
        if not frail:  # the other front-door services are for the frail
            return ADMIT
        if self.same_day and _eligible(rank, same_day, self.same_day[1], self.same_day[2]):
            pt.comeback = same_day_back
            return AVOIDED
        for (u, hold, back), team in zip(teams, self.teams):
            if team.p_admit > 0 and _eligible(rank, u, team.share, team.limit):
                team.referred += 1
                if team.take(env, self.rec, t, hold, pt.los):
                    pt.comeback = hold + back if back else 0.0
                    return AVOIDED
        return ADMIT


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
