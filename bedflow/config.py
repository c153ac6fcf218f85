"""Typed configuration: the schema Hydra composes into, and the checks it must pass.

The dataclasses double as the Hydra schema (registered in `bedflow.compose`), so a misspelt key
is an error rather than a silently ignored setting. Nothing here imports Hydra: the model and
tests build these objects directly when they want to.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any, Dict, List, Optional

PATHWAYS = ("P0", "P1", "P2", "P3")
DOWNSTREAM = ("P1", "P2", "P3")


class ConfigError(ValueError):
    """A user mistake in the configuration: one line naming the key and the problem."""


class Dist(Enum):
    lognormal = "lognormal"
    exponential = "exponential"
    gamma = "gamma"


class WhenFull(Enum):
    wait = "wait"
    divert = "divert"


class StrokeFull(Enum):
    """A stroke patient who finds no stroke-unit bed: placed in a general bed at the unit's site
    (an outlier), or waits in ED for the unit's next bed."""

    outlier = "outlier"
    wait = "wait"


@dataclass
class Duration:
    """A random duration in days: mean and coefficient of variation (ignored if exponential)."""

    dist: Dist = Dist.lognormal
    mean_days: float = 1.0
    cv: float = 1.0


@dataclass
class PathwayShares:
    P0: float = 1.0
    P1: float = 0.0
    P2: float = 0.0
    P3: float = 0.0


@dataclass
class PerPathway:
    P0: float = 0.0
    P1: float = 0.0
    P2: float = 0.0
    P3: float = 0.0


@dataclass
class Places:
    """Downstream places (slots) at a site for each pathway that needs one."""

    P1: int = 0
    P2: int = 0
    P3: int = 0


@dataclass
class Site:
    name: str = ""
    beds: int = 0
    escalation_beds: int = 0
    escalation_open_at: float = 0.95
    escalation_close_at: float = 0.90
    emergency_per_day: float = 0.0
    elective_per_weekday: int = 0
    elective_max_occupancy: float = 1.0
    downstream: Places = field(default_factory=Places)
    # sites that take this site's emergency patients under mutual aid, nearest first
    neighbours: List[str] = field(default_factory=list)


@dataclass
class Seasonality:
    amplitude: float = 0.0
    peak_day: float = 15.0


@dataclass
class Demand:
    day_of_week: List[float] = field(default_factory=lambda: [1.0] * 7)
    seasonality: Seasonality = field(default_factory=Seasonality)
    # emergency decisions to admit by hour of day: 24 hourly or 4 six-hourly weights from 00:00,
    # scaled by the model to mean 1 so daily volumes are unchanged; empty = even round the clock
    hour_of_day: List[float] = field(default_factory=list)


@dataclass
class Cohort:
    share: float = 1.0
    frail: bool = False
    los_factor: float = 1.0
    pathways: PathwayShares = field(default_factory=PathwayShares)


@dataclass
class LongStay:
    """The long tail of emergency stays: a share of emergency patients whose acute stay is drawn
    from this lognormal instead of `los.emergency` (a two-part mixture). share 0 = none."""

    share: float = 0.0
    mean_days: float = 20.0
    cv: float = 0.8


@dataclass
class Los:
    emergency: Duration = field(default_factory=lambda: Duration(Dist.exponential, 5.0, 1.0))
    elective: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 3.0, 1.0))
    long_stay: LongStay = field(default_factory=LongStay)
    # emergency stays are this much longer at the winter peak (system.demand.seasonality.peak_day)
    # and as much shorter six months later: winter patients are sicker; 0 = none
    seasonality_amplitude: float = 0.0


@dataclass
class Electives:
    pathways: PathwayShares = field(default_factory=PathwayShares)
    rebook_after_days: int = 7
    admit_hour: float = 7.5
    # hours a booked patient with no bed at the admit hour waits for one (taking freed beds
    # before the ED queue) before the operation is cancelled; 0 = cancelled at once
    wait_for_bed_hours: float = 0.0


@dataclass
class Discharge:
    process_delay_days: PerPathway = field(default_factory=PerPathway)
    process_delay_cv: float = 1.0
    weekend_factor: float = 1.0
    # the hour a patient ready to go leaves the bed: 24 hourly or 4 six-hourly weights from 00:00
    # (relative; a zero is a closed hour), on the day the patient is ready or the next; empty =
    # the moment the discharge process ends. Saturdays and Sundays use `weekend_hour_of_day`
    # when given
    hour_of_day: List[float] = field(default_factory=list)
    weekend_hour_of_day: List[float] = field(default_factory=list)


@dataclass
class Admission:
    """Decision to admit to arriving in a bed, even with a bed free (allocation, cleaning,
    transfer): the ED wait runs through it. mean_days 0 = none."""

    delay: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 0.0, 1.0))


@dataclass
class PlaceStart:
    """Mean days from a downstream place being free for a patient to the patient going to it
    (the provider's assessment, a care home's acceptance, the package's first visit), spent in
    the acute bed and counted as waiting for a place; the place is held meanwhile. 0 = none."""

    P1: float = 0.0
    P2: float = 0.0
    P3: float = 0.0


@dataclass
class SpotPurchase:
    """A crisis valve: when at least `after_waiting_per_100` patients per 100 contracted places
    wait for a pathway's place at a site, each further patient joining the queue has a place
    bought (spot-purchased care home beds and home care), taken by the longest waiting, up to
    `max_per_100` extra per 100 contracted; a bought place ends with its patient.
    max_per_100 0 = never."""

    after_waiting_per_100: float = 0.0
    max_per_100: float = 0.0


@dataclass
class Downstream:
    P1: Duration = field(default_factory=lambda: Duration(Dist.exponential, 21.0, 1.0))
    P2: Duration = field(default_factory=lambda: Duration(Dist.exponential, 28.0, 1.0))
    P3: Duration = field(default_factory=lambda: Duration(Dist.exponential, 60.0, 1.0))
    start_days: PlaceStart = field(default_factory=PlaceStart)
    start_cv: float = 1.0  # lognormal
    spot_purchase: SpotPurchase = field(default_factory=SpotPurchase)


@dataclass
class Opel:
    """OPEL-style escalation levels, declared each morning before the elective list from occupied /
    open base beds."""

    thresholds: List[float] = field(default_factory=lambda: [0.85, 0.92, 0.97])  # OPEL 2, 3, 4
    # a list is stood down (its patients told the day before: deferred, not a last-minute
    # cancellation) when the previous morning's level was this or above (5: never)
    stop_electives_at: int = 5
    open_escalation_at: int = 5  # escalation beds forced open at this level or above (5: never)
    discharge_effort: List[float] = field(default_factory=lambda: [1.0, 1.0, 1.0, 1.0])


@dataclass
class MutualAid:
    """When a site is at OPEL `from_level` or above with no free bed, an emergency patient is
    taken to the first neighbour (Site.neighbours) below that level with a free bed, with
    probability `share` (those who can travel: ambulance arrivals); the journey takes
    `travel_hours`, counted in the wait from the decision to admit. share 0 = off."""

    share: float = 0.0
    from_level: int = 4
    travel_hours: float = 1.0


@dataclass
class Corridor:
    """What trusts do to avoid a 12-hour breach: a patient still waiting `after_hours` after the
    decision to admit is taken into corridor or escalation space on a ward, if the site has
    fewer than `places_per_100_beds` such patients over its open beds; they move into the next
    bed freed. after_hours 0 = off."""

    after_hours: float = 0.0
    places_per_100_beds: float = 0.0


@dataclass
class Ed:
    """Patients the ED can hold waiting for a bed (from the decision to admit), per 100 G&A
    beds; when it is full, new emergency patients are diverted: to the first neighbour with a
    free bed, else out of the system (to hospitals outside it), counted as diverted. 0 = no
    limit."""

    spaces_per_100_beds: float = 0.0


@dataclass
class StrokeType:
    """A kind of patient the stroke unit admits: its share of the unit's admissions and its
    stays, hyper-acute (in a hyper-acute bed where the unit has them; mean 0: no such stage)
    and then on the acute stroke unit."""

    share: float = 1.0
    hyperacute: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 0.0, 0.5))
    acute: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 7.4, 1.16))


@dataclass
class StrokeUnit:
    """A site's stroke beds: hyper-acute (HASU) and acute stroke unit (ASU). With no hyper-acute
    beds, a patient's whole unit stay is in an acute stroke bed."""

    hyperacute: int = 0
    acute: int = 0


@dataclass
class Catchment:
    """Stroke admissions a day from the area whose emergency patients go to this site, and the
    site whose stroke unit serves them."""

    per_day: float = 0.0
    unit: str = ""


@dataclass
class Stroke:
    """The stroke service: a specialist unit inside some sites, with its own demand by catchment.
    Off unless `enabled` (or a scenario reconfigures it). Catchments' admissions
    are part of their site's emergency_per_day (`demand_within_site`) and units' beds part of
    their site's beds (`beds_within_site`): the published general & acute counts include stroke,
    so both are taken out of the general pool."""

    enabled: bool = False
    beds_within_site: bool = True
    demand_within_site: bool = True
    when_full: StrokeFull = StrokeFull.outlier
    catchments: Dict[str, Catchment] = field(default_factory=dict)
    units: Dict[str, StrokeUnit] = field(default_factory=dict)
    types: Dict[str, StrokeType] = field(default_factory=dict)


@dataclass
class System:
    name: str = "custom"
    # the years the figures describe when not those of sim.start_date (the report's label)
    period: str = ""
    when_full: WhenFull = WhenFull.wait
    sites: Dict[str, Site] = field(default_factory=dict)
    demand: Demand = field(default_factory=Demand)
    cohorts: Dict[str, Cohort] = field(default_factory=dict)
    los: Los = field(default_factory=Los)
    electives: Electives = field(default_factory=Electives)
    discharge: Discharge = field(default_factory=Discharge)
    admission: Admission = field(default_factory=Admission)
    downstream: Downstream = field(default_factory=Downstream)
    mo_reference: float = 0.0
    opel: Opel = field(default_factory=Opel)
    mutual_aid: MutualAid = field(default_factory=MutualAid)
    corridor: Corridor = field(default_factory=Corridor)
    ed: Ed = field(default_factory=Ed)
    stroke: Stroke = field(default_factory=Stroke)
    # minutes from one site to another (either way round): the travel added for patients a
    # reconfiguration sends further, (to where they now go) - (to where they went before)
    travel_minutes: Dict[str, Any] = field(default_factory=dict)  # {site: {site: minutes}}

    def minutes(self, a: str, b: str) -> Optional[float]:
        """Travel minutes between two sites, None when the matrix lacks the pair."""
        if a == b:
            return 0.0
        m = self.travel_minutes
        return m.get(a, {}).get(b, m.get(b, {}).get(a))


@dataclass
class Sim:
    start_date: str = "2016-03-02"
    warmup_days: float = 30.0
    horizon_days: float = 365.0
    replications: int = 10
    seed: int = 20161101
    jobs: int = 1
    census_hour: float = 8.0
    warm_start: bool = True
    progress: bool = True
    event_log: bool = False
    # with interventions on: also vary each of their inputs over its range, one at a time
    # (bedflow.sensitivity; two more runs per input)
    sensitivity: bool = False
    # a census CSV of today's state per site (bedflow.state_file): the run starts from it at
    # the census hour of start_date, with no warm-up: a forecast of the next horizon_days
    initial_state: str = ""


@dataclass
class SiteState:
    """What a site held when it was observed (the state a forecast starts from)."""

    occupied: int = 0  # patients in G&A beds, escalation and corridor care included
    medically_optimised: int = 0  # of them: no longer meeting the criteria to reside
    ed_waiting: int = 0  # decided to admit, waiting in ED for a bed
    waiting_P1: int = 0  # of the MO patients: waiting for a place on each pathway
    waiting_P2: int = 0
    waiting_P3: int = 0
    escalation_open: int = 0  # escalation beds open
    # of the occupied: in hospital 7, 14 and 21 days or more (the sitrep's long stays; -1 not
    # known): the patients placed are drawn to match, so a state with few long stays keeps
    # its beds freer for the weeks those stays would have lasted
    los_7plus: int = -1
    los_14plus: int = -1
    los_21plus: int = -1


# --------------------------------------------------------------------------- interventions
# Each is None when switched off; its YAML in configs/intervention/ holds the defaults and the
# evidence behind them. Shares are of emergency arrivals at a site; "frail" is the frail cohort.


#: `ranges` on every intervention: parameter (dotted below a duration, e.g. "episode.mean_days")
#: -> [low, high], the range its evidence allows; the sensitivity run varies each over it.
Ranges = Dict[str, Any]  # [low, high]; Any: OmegaConf would refuse an int in a List[float]


@dataclass
class RapidResponse:
    """Admission avoidance: a community team per site with a finite caseload.

    The dataclass defaults (acuity_limit 1, p_admit_otherwise 1, no returns) are the mechanism
    before counterfactuals: every accepted patient an admission avoided, drawn at random from
    the frail; the YAML holds the evidence-based defaults."""

    caseload_per_site: int = 0
    eligible_share: float = 0.0
    episode: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 2.0, 0.5))
    cost_per_place_day: float = 0.0
    # eligible patients come from the acuity_limit share of frail arrivals with the shortest
    # counterfactual stays (1: from all of them)
    acuity_limit: float = 1.0
    # of the patients the team takes, the share who would have been admitted without it
    p_admit_otherwise: float = 1.0
    return_30d: float = 0.0  # share of those it kept at home back as an admission within 30 days
    ranges: Ranges = field(default_factory=dict)


@dataclass
class DischargeToAssess:
    """Discharge planning and reablement, aimed at medically optimised patients."""

    process_delay_factor: float = 1.0
    home_first_share_P2: float = 0.0
    home_first_share_P3: float = 0.0
    extra_reablement_share: float = 0.0
    cost_per_place_day: float = 0.0
    cost_per_site_per_year: float = 0.0
    return_30d: float = 0.0  # share of patients sent home first back as an admission in 30 days
    ranges: Ranges = field(default_factory=dict)


@dataclass
class DemandReduction:
    """Fewer emergency arrivals: care navigation (frail only), self care, healthy living."""

    demand_reduction: float = 0.0
    frail_only: bool = False
    cost_per_site_per_year: float = 0.0
    ranges: Ranges = field(default_factory=dict)


@dataclass
class SinglePointOfAccess:
    process_delay_factor: float = 1.0
    cost_per_site_per_year: float = 0.0
    ranges: Ranges = field(default_factory=dict)


@dataclass
class IntegratedCareCentre:
    """Step-up and step-down beds near home: P2 places, and some would-be admissions."""

    beds_per_site: int = 0
    step_up_share: float = 0.0
    step_up_stay: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 7.0, 0.6))
    cost_per_bed_day: float = 0.0
    acuity_limit: float = 1.0  # as for RapidResponse, of step-up patients
    p_admit_otherwise: float = 1.0
    return_30d: float = 0.0
    ranges: Ranges = field(default_factory=dict)


@dataclass
class ExpertOpinion:
    """Frailty expertise and diagnostics at the front door."""

    frail_los_factor: float = 1.0
    same_day_share: float = 0.0
    cost_per_site_per_year: float = 0.0
    acuity_limit: float = 1.0  # same-day discharges from the shortest stays, as for a team
    return_30d: float = 0.0  # share of same-day discharges back as an admission within 30 days
    ranges: Ranges = field(default_factory=dict)


@dataclass
class VirtualWard:
    """Hospital at home: virtual beds per site take eligible would-be admissions."""

    beds_per_site: int = 0
    eligible_share: float = 0.0
    episode: Duration = field(default_factory=lambda: Duration(Dist.lognormal, 5.0, 0.6))
    # virtual-ward admissions per acute admission avoided, as NHS England counts them: the rest
    # are patients who would not have been admitted (1 / p_admit_otherwise of a team)
    admissions_per_avoided: float = 1.0
    cost_per_bed_day: float = 0.0
    acuity_limit: float = 1.0  # as for RapidResponse
    return_30d: float = 0.0
    ranges: Ranges = field(default_factory=dict)


@dataclass
class Interventions:
    rapid_response: Optional[RapidResponse] = None
    discharge_to_assess: Optional[DischargeToAssess] = None
    care_navigation: Optional[DemandReduction] = None
    single_point_of_access: Optional[SinglePointOfAccess] = None
    integrated_care_centre: Optional[IntegratedCareCentre] = None
    expert_opinion: Optional[ExpertOpinion] = None
    self_care: Optional[DemandReduction] = None
    healthy_living: Optional[DemandReduction] = None
    virtual_ward: Optional[VirtualWard] = None

    def active(self) -> List[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


# --------------------------------------------------------------------------- scenarios


@dataclass
class Surge:
    """Extra emergency demand between two dates: factor 1.19 means 19% more arrivals."""

    site: str = "all"
    start: str = ""
    end: str = ""
    factor: float = 1.0
    ramp_days: float = 0.0
    frail_only: bool = False
    los_factor: float = 1.0


@dataclass
class Closure:
    site: str = ""
    start: str = ""
    end: str = ""
    beds: int = 0


@dataclass
class RingFence:
    site: str = ""
    beds: int = 0


@dataclass
class Move:
    """Service reconfiguration: a share of one site's emergency demand (with the same share of
    its downstream places, which serve the same people) and a share of its beds go to another
    site. The patients are the same; only where they are admitted changes."""

    site: str = ""
    to: str = ""
    demand_share: float = 0.0
    beds_share: float = 0.0


@dataclass
class Scenario:
    name: str = "none"
    description: str = ""
    surges: List[Surge] = field(default_factory=list)
    closures: List[Closure] = field(default_factory=list)
    ring_fenced: List[RingFence] = field(default_factory=list)
    highlight: List[str] = field(default_factory=list)  # [start, end] shaded in plots
    # reconfiguration (compared, paired, with the same scenario without it): the stroke service
    # on (`stroke`), its units replaced (`stroke_units`, every unit), catchments served by
    # another site (`stroke_serves`), emergency demand and beds moved between sites (`moves`)
    stroke: bool = False
    stroke_units: Dict[str, StrokeUnit] = field(default_factory=dict)
    stroke_serves: Dict[str, str] = field(default_factory=dict)
    moves: List[Move] = field(default_factory=list)

    def reconfigures(self) -> bool:
        return bool(self.stroke_units or self.stroke_serves or self.moves)


@dataclass
class Costs:
    acute_bed_day: float = 346.0


@dataclass
class Config:
    sim: Sim = field(default_factory=Sim)
    system: System = field(default_factory=System)
    intervention: Interventions = field(default_factory=Interventions)
    scenario: Scenario = field(default_factory=Scenario)
    costs: Costs = field(default_factory=Costs)
    # the observed state per site a run starts from, read from sim.initial_state at the edge
    # (bedflow.state_file); empty: the warm start and warm-up
    initial: Dict[str, SiteState] = field(default_factory=dict)

    def baseline(self) -> "Config":
        """The comparator for paired differences: the same config with every intervention off
        and no reconfiguration (the stroke service still on if the change needed it)."""
        sc = self.scenario
        if sc.reconfigures():
            sc = replace(sc, stroke=self.stroke_on(), stroke_units={}, stroke_serves={},
                         moves=[])
        return replace(self, intervention=Interventions(), scenario=sc)

    def compared(self) -> bool:
        """Whether a run has an arm to be compared with: interventions or a reconfiguration."""
        return bool(self.intervention.active()) or self.scenario.reconfigures()

    def stroke_on(self) -> bool:
        sc = self.scenario
        return self.system.stroke.enabled or sc.stroke or bool(sc.stroke_units or sc.stroke_serves)


# --------------------------------------------------------------------------- checks


def _fail(key: str, problem: str) -> None:
    raise ConfigError(f"{key}: {problem}")


def _finite(key: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        _fail(key, f"must be a finite number, got {value!r}")


def _at_least(key: str, value: float, low: float) -> None:
    _finite(key, value)
    if value < low:
        _fail(key, f"must be >= {low:g}, got {value!r}")


def _non_negative_int(key: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(key, f"must be a non-negative integer, got {value!r}")


def _fraction(key: str, value: float, high: float = 1.0) -> None:
    """A share or an occupancy: 95 where 0.95 is meant is the usual slip, so say so."""
    _finite(key, value)
    if 2.0 <= value <= 100.0 and value > high:
        _fail(key, f"{value:g} looks like a percentage; use {value / 100:g}")
    if not 0.0 <= value <= high:
        _fail(key, f"must be between 0 and {high:g}, got {value!r}")


def _date(key: str, value) -> dt.date:
    """An ISO date; a day the calendar lacks (2016-02-30) is told apart from a bad format."""
    text = str(value)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            _fail(key, f"{text} does not exist (check the day and month)")
        _fail(key, f"must be an ISO date (YYYY-MM-DD), got {value!r}")


def _shares(key: str, shares: Dict[str, float]) -> None:
    for name, value in shares.items():
        _fraction(f"{key}.{name}", value)
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        _fail(key, f"shares must sum to 1, got {total:.6g}")


def _duration(key: str, d: Duration, *, allow_zero: bool = False) -> None:
    _at_least(f"{key}.mean_days", d.mean_days, 0.0)
    if d.mean_days == 0.0 and not allow_zero:
        _fail(f"{key}.mean_days", "must be > 0")
    _at_least(f"{key}.cv", d.cv, 0.0)
    if d.dist in (Dist.lognormal, Dist.gamma) and d.cv <= 0.0 and d.mean_days > 0:
        _fail(f"{key}.cv", f"must be > 0 for a {d.dist.value} distribution, got {d.cv!r}")


def _hour_profile(key: str, weights) -> None:
    """An hour-of-day profile: empty (off), or 24 hourly or 4 six-hourly non-negative weights
    from 00:00, not all zero."""
    w = list(weights)
    if not w:
        return
    if len(w) not in (4, 24):
        _fail(key, f"needs 24 hourly or 4 six-hourly weights from 00:00 (or none), got {len(w)}")
    for i, x in enumerate(w):
        _at_least(f"{key}[{i}]", x, 0.0)
    if sum(w) <= 0:
        _fail(key, "weights must not all be 0")


def _pathway_dict(p) -> Dict[str, float]:
    return {k: getattr(p, k) for k in PATHWAYS}


def validate(cfg: Config) -> Config:
    """Raise ConfigError on the first problem; return cfg unchanged when it is sound."""
    s = cfg.sim
    _date("sim.start_date", s.start_date)
    _non_negative_int("sim.seed", s.seed)  # numpy's SeedSequence takes no negative entropy
    _at_least("sim.warmup_days", s.warmup_days, 0.0)
    _at_least("sim.horizon_days", s.horizon_days, 0.0)
    if s.horizon_days < 1.0:
        _fail("sim.horizon_days", f"must be at least 1 day, got {s.horizon_days!r}")
    try:
        run_dates(s)
    except OverflowError:
        _fail("sim.horizon_days", f"the run from {s.start_date} would end after the year 9999")
    if s.replications < 1:
        _fail("sim.replications", f"must be at least 1, got {s.replications!r}")
    if s.jobs < 1:
        _fail("sim.jobs", f"must be at least 1, got {s.jobs!r}")
    if not 0.0 <= s.census_hour < 24.0:
        _fail("sim.census_hour", f"must be in [0, 24), got {s.census_hour!r}")

    y = cfg.system
    if not y.sites:
        _fail("system.sites", "at least one site is needed")
    for sid, site in y.sites.items():
        k = f"system.sites.{sid}"
        _non_negative_int(f"{k}.beds", site.beds)
        _non_negative_int(f"{k}.escalation_beds", site.escalation_beds)
        _at_least(f"{k}.emergency_per_day", site.emergency_per_day, 0.0)
        _non_negative_int(f"{k}.elective_per_weekday", site.elective_per_weekday)
        # occupancies of the general beds open, which the occupied beds never exceed
        _fraction(f"{k}.escalation_open_at", site.escalation_open_at)
        _fraction(f"{k}.escalation_close_at", site.escalation_close_at)
        if site.escalation_close_at > site.escalation_open_at:
            _fail(f"{k}.escalation_close_at", "must not exceed escalation_open_at")
        _fraction(f"{k}.elective_max_occupancy", site.elective_max_occupancy)
        for p in DOWNSTREAM:
            _non_negative_int(f"{k}.downstream.{p}", getattr(site.downstream, p))

    dow = list(y.demand.day_of_week)
    if len(dow) != 7:
        _fail("system.demand.day_of_week", f"needs 7 multipliers (Monday first), got {len(dow)}")
    for i, m in enumerate(dow):
        _at_least(f"system.demand.day_of_week[{i}]", m, 0.0)
    amp = y.demand.seasonality.amplitude
    _finite("system.demand.seasonality.amplitude", amp)
    if not -1.0 <= amp <= 1.0:
        _fail("system.demand.seasonality.amplitude", f"must be in [-1, 1], got {amp!r}")
    _finite("system.demand.seasonality.peak_day", y.demand.seasonality.peak_day)
    _hour_profile("system.demand.hour_of_day", y.demand.hour_of_day)

    if not y.cohorts:
        _fail("system.cohorts", "at least one cohort is needed")
    _shares("system.cohorts", {f"{c}.share": v.share for c, v in y.cohorts.items()})
    for cid, c in y.cohorts.items():
        _at_least(f"system.cohorts.{cid}.los_factor", c.los_factor, 0.0)
        _shares(f"system.cohorts.{cid}.pathways", _pathway_dict(c.pathways))
    if sum(c.share * c.los_factor for c in y.cohorts.values()) <= 0:
        _fail("system.cohorts", "los_factor weighted by share must be > 0")

    _duration("system.los.emergency", y.los.emergency)
    _duration("system.los.elective", y.los.elective)
    ls = y.los.long_stay
    _fraction("system.los.long_stay.share", ls.share)
    if ls.share > 0:
        if y.los.emergency.dist is not Dist.lognormal:
            _fail("system.los.long_stay", "needs system.los.emergency.dist=lognormal "
                  "(the mixture is of two lognormals)")
        _duration("system.los.long_stay", Duration(Dist.lognormal, ls.mean_days, ls.cv))
    sa = y.los.seasonality_amplitude
    _finite("system.los.seasonality_amplitude", sa)
    if not -0.9 <= sa <= 0.9:
        _fail("system.los.seasonality_amplitude", f"must be in [-0.9, 0.9], got {sa!r}")
    _at_least("system.electives.wait_for_bed_hours", y.electives.wait_for_bed_hours, 0.0)
    if y.electives.wait_for_bed_hours >= 24.0:
        _fail("system.electives.wait_for_bed_hours", "must be under 24 (the list is daily)")
    _shares("system.electives.pathways", _pathway_dict(y.electives.pathways))
    if y.electives.rebook_after_days < 1:
        _fail("system.electives.rebook_after_days", "must be at least 1")
    if not 0.0 <= y.electives.admit_hour < 24.0:
        _fail("system.electives.admit_hour", "must be in [0, 24)")

    for p in PATHWAYS:
        _at_least(f"system.discharge.process_delay_days.{p}",
                  getattr(y.discharge.process_delay_days, p), 0.0)
    _at_least("system.discharge.process_delay_cv", y.discharge.process_delay_cv, 0.0)
    if y.discharge.process_delay_cv == 0.0 and any(
        getattr(y.discharge.process_delay_days, p) > 0 for p in PATHWAYS
    ):
        _fail("system.discharge.process_delay_cv", "must be > 0 (process delays are lognormal)")
    wf = y.discharge.weekend_factor
    _finite("system.discharge.weekend_factor", wf)
    if not 0.0 < wf <= 1.0:
        _fail("system.discharge.weekend_factor", f"must be in (0, 1], got {wf!r}")
    _hour_profile("system.discharge.hour_of_day", y.discharge.hour_of_day)
    _hour_profile("system.discharge.weekend_hour_of_day", y.discharge.weekend_hour_of_day)
    if y.discharge.weekend_hour_of_day and not y.discharge.hour_of_day:
        _fail("system.discharge.weekend_hour_of_day", "needs system.discharge.hour_of_day too")
    _duration("system.admission.delay", y.admission.delay, allow_zero=True)
    _at_least("system.downstream.start_cv", y.downstream.start_cv, 0.0)
    if y.downstream.start_cv == 0.0:
        _fail("system.downstream.start_cv", "must be > 0 (start times are lognormal)")
    for p in DOWNSTREAM:
        _duration(f"system.downstream.{p}", getattr(y.downstream, p))
        _at_least(f"system.downstream.start_days.{p}", getattr(y.downstream.start_days, p), 0.0)
        uses = any(getattr(c.pathways, p) > 0 for c in y.cohorts.values()) or \
            getattr(y.electives.pathways, p) > 0
        if uses:
            for sid, site in y.sites.items():
                if getattr(site.downstream, p) == 0 and (
                    site.emergency_per_day > 0 or site.elective_per_weekday > 0
                ):
                    _fail(f"system.sites.{sid}.downstream.{p}",
                          f"is 0 but patients are sent on pathway {p}: they could never leave")
    _at_least("system.mo_reference", y.mo_reference, 0.0)
    _check_opel(y)
    _check_pressure_valves(y)
    _check_scenario(cfg)
    _check_moves(cfg)
    _check_stroke(cfg)
    _check_arms(cfg)
    _check_initial(cfg)
    _check_interventions(cfg.intervention)
    if s.sensitivity:
        active = cfg.intervention.active()
        if not active:
            _fail("sim.sensitivity", "varies the inputs of interventions: switch some on, e.g. "
                  "intervention=[rapid_response]")
        if not any(getattr(cfg.intervention, n).ranges for n in active):
            _fail("sim.sensitivity", f"none of {', '.join(active)} has ranges to vary "
                  "(intervention.<name>.ranges)")
    gamma = y.los.emergency.dist is Dist.gamma and y.los.long_stay.share == 0
    for name in ("rapid_response", "virtual_ward", "integrated_care_centre", "expert_opinion"):
        team = getattr(cfg.intervention, name)
        if team is None or not gamma:
            continue
        low = min([team.acuity_limit] + list(team.ranges.get("acuity_limit", [])))
        if low < 1:  # the limit or the low end of its range
            _fail(f"intervention.{name}.acuity_limit", "needs lognormal or exponential "
                  "emergency stays (system.los.emergency.dist) to rank patients by their stay")
    _at_least("costs.acute_bed_day", cfg.costs.acute_bed_day, 0.0)
    return cfg


def _check_opel(y: System) -> None:
    o = y.opel
    th = list(o.thresholds)
    if len(th) != 3 or any(not isinstance(x, (int, float)) for x in th):
        _fail("system.opel.thresholds", f"needs 3 ascending occupancies (OPEL 2, 3, 4), got {th}")
    # occupied / open base beds goes above 1 only with escalation beds open: no higher
    reach = max((s.beds + s.escalation_beds) / s.beds for s in y.sites.values() if s.beds) \
        if any(s.beds for s in y.sites.values()) else 1.0
    for i, x in enumerate(th):
        _fraction(f"system.opel.thresholds[{i}]", x, high=max(1.0, reach))
    if th != sorted(th):
        _fail("system.opel.thresholds", f"needs 3 ascending occupancies (OPEL 2, 3, 4), got {th}")
    for key in ("stop_electives_at", "open_escalation_at"):
        v = getattr(o, key)
        if not 1 <= v <= 5:
            _fail(f"system.opel.{key}", f"must be an OPEL level 1-4, or 5 for never; got {v}")
    eff = list(o.discharge_effort)
    if len(eff) != 4:
        _fail("system.opel.discharge_effort", f"needs 4 multipliers (OPEL 1-4), got {len(eff)}")
    for i, x in enumerate(eff):
        _at_least(f"system.opel.discharge_effort[{i}]", x, 0.0)
        if x == 0:
            _fail(f"system.opel.discharge_effort[{i}]", "must be > 0")


def _check_pressure_valves(y: System) -> None:
    m = y.mutual_aid
    _fraction("system.mutual_aid.share", m.share)
    if not 1 <= m.from_level <= 4:
        _fail("system.mutual_aid.from_level", f"must be an OPEL level 1-4, got {m.from_level}")
    _at_least("system.mutual_aid.travel_hours", m.travel_hours, 0.0)
    for sid, site in y.sites.items():
        for n in site.neighbours:
            if n not in y.sites:
                _fail(f"system.sites.{sid}.neighbours",
                      f"unknown site {n!r}; sites: {', '.join(y.sites)}")
            if n == sid:
                _fail(f"system.sites.{sid}.neighbours", "a site is not its own neighbour")
    c = y.corridor
    _at_least("system.corridor.after_hours", c.after_hours, 0.0)
    _at_least("system.corridor.places_per_100_beds", c.places_per_100_beds, 0.0)
    _at_least("system.ed.spaces_per_100_beds", y.ed.spaces_per_100_beds, 0.0)
    sp = y.downstream.spot_purchase
    _at_least("system.downstream.spot_purchase.after_waiting_per_100", sp.after_waiting_per_100,
              0.0)
    _at_least("system.downstream.spot_purchase.max_per_100", sp.max_per_100, 0.0)


def run_dates(sim: Sim) -> tuple[dt.date, dt.date]:
    """First and last calendar day the run covers (warm-up included)."""
    start = dt.date.fromisoformat(str(sim.start_date))
    return start, start + dt.timedelta(days=math.ceil(sim.warmup_days + sim.horizon_days) - 1)


def _date_range(key: str, start: str, end: str, sim: Sim) -> None:
    """Dates that overlap the run (a surge under way when a forecast starts, or going on after
    it ends, is cut to the run); wholly outside it is a mistake."""
    first, last = run_dates(sim)
    d = {k: _date(f"{key}.{k}", v) for k, v in (("start", start), ("end", end))}
    if d["start"] > last:
        _fail(f"{key}.start", f"{start} is after the run ({first} to {last})")
    if d["end"] < first:
        _fail(f"{key}.end", f"{end} is before the run ({first} to {last})")
    if d["end"] < d["start"]:
        _fail(f"{key}.end", f"{end} is before start {start}")


def _site(key: str, site: str, cfg: Config, allow_all: bool = False) -> None:
    if allow_all and site == "all":
        return
    if site not in cfg.system.sites:
        known = ", ".join(cfg.system.sites) + (", all" if allow_all else "")
        _fail(key, f"unknown site {site!r} (sites: {known})")


def _surge_factor(key: str, value: float) -> None:
    """A surge multiplies demand: 19 typed for "+19%" would be nineteen times the demand, more
    than any winter has brought (the worst weeks are under twice an ordinary one)."""
    if value > 4.0:
        _fail(key, f"{value:g} is {value:g} times the demand; for +{value:g}% use "
                   f"{1 + value / 100:g} (surge factors above 4 are refused)")


def _check_scenario(cfg: Config) -> None:
    sc, sim = cfg.scenario, cfg.sim
    for i, s in enumerate(sc.surges):
        k = f"scenario.surges[{i}]"
        _site(f"{k}.site", s.site, cfg, allow_all=True)
        _date_range(k, s.start, s.end, sim)
        _at_least(f"{k}.factor", s.factor, 1.0)
        _surge_factor(f"{k}.factor", s.factor)
        _at_least(f"{k}.ramp_days", s.ramp_days, 0.0)
        _at_least(f"{k}.los_factor", s.los_factor, 0.0)
        if s.los_factor == 0:
            _fail(f"{k}.los_factor", "must be > 0")
        if s.frail_only and not any(c.frail for c in cfg.system.cohorts.values()):
            _fail(f"{k}.frail_only", "the system has no frail cohort")
    for i, c in enumerate(sc.closures):
        k = f"scenario.closures[{i}]"
        _site(f"{k}.site", c.site, cfg)
        _date_range(k, c.start, c.end, sim)
        _non_negative_int(f"{k}.beds", c.beds)
        if c.beds > cfg.system.sites[c.site].beds:
            _fail(f"{k}.beds", f"{c.beds} is more than the site's {cfg.system.sites[c.site].beds} beds")
    fenced: Dict[str, int] = {}
    for i, r in enumerate(sc.ring_fenced):
        k = f"scenario.ring_fenced[{i}]"
        _site(f"{k}.site", r.site, cfg)
        _non_negative_int(f"{k}.beds", r.beds)
        fenced[r.site] = fenced.get(r.site, 0) + r.beds
    for sid, n in fenced.items():
        if n > cfg.system.sites[sid].beds:
            _fail("scenario.ring_fenced", f"{n} beds ring-fenced at {sid}, which has "
                  f"{cfg.system.sites[sid].beds}")
    _check_closed_beds(sc, cfg.system.sites, fenced)
    if sc.highlight:
        if len(sc.highlight) != 2:
            _fail("scenario.highlight", "needs [start, end] dates")
        _date_range("scenario.highlight", sc.highlight[0], sc.highlight[1], sim)


def _check_stroke(cfg: Config) -> None:
    """The stroke service, as the run will use it: today's units and catchments, or the
    scenario's. Every catchment must be served by a site that has a unit."""
    st, sc, sites = cfg.system.stroke, cfg.scenario, cfg.system.sites
    if not cfg.stroke_on():  # not used: a system cut down to some sites keeps its stroke block
        return
    for c, catch in st.catchments.items():
        k = f"system.stroke.catchments.{c}"
        _site(k, c, cfg)
        _at_least(f"{k}.per_day", catch.per_day, 0.0)
        _site(f"{k}.unit", catch.unit, cfg)
    for key, units in (("system.stroke.units", st.units), ("scenario.stroke_units", sc.stroke_units)):
        for u, unit in units.items():
            _site(f"{key}.{u}", u, cfg)
            _non_negative_int(f"{key}.{u}.hyperacute", unit.hyperacute)
            _non_negative_int(f"{key}.{u}.acute", unit.acute)
            if unit.hyperacute > 0 and unit.acute == 0:
                _fail(f"{key}.{u}.acute", "is 0 but the unit has hyper-acute beds: patients "
                      "could never move on from them")
    for c, to in sc.stroke_serves.items():
        if c not in st.catchments:
            known = ", ".join(st.catchments) or "none"
            _fail(f"scenario.stroke_serves.{c}", f"is not a stroke catchment of "
                  f"{cfg.system.name} (catchments: {known})")
        _site(f"scenario.stroke_serves.{c}", to, cfg)
    if not st.catchments:
        _fail("system.stroke.catchments", f"{cfg.system.name} has no stroke catchments")
    if not st.types:
        _fail("system.stroke.types", "at least one type of stroke patient is needed")
    _shares("system.stroke.types", {f"{t}.share": v.share for t, v in st.types.items()})
    for t, v in st.types.items():
        _duration(f"system.stroke.types.{t}.hyperacute", v.hyperacute, allow_zero=True)
        _duration(f"system.stroke.types.{t}.acute", v.acute)
    # both arms of a change: the units and catchments as they are, then as the scenario has them
    arms = [(st.units, {}, "system.stroke.units")]
    if sc.stroke_units or sc.stroke_serves:
        arms.append((sc.stroke_units or st.units, sc.stroke_serves,
                     "scenario.stroke_units" if sc.stroke_units else "system.stroke.units"))
    for units, serves, where in arms:
        for c, catch in st.catchments.items():
            to = serves.get(c, catch.unit)
            key = f"scenario.stroke_serves.{c}" if c in serves else \
                f"system.stroke.catchments.{c}.unit"
            unit = units.get(to)
            if catch.per_day > 0 and (unit is None or unit.hyperacute + unit.acute == 0):
                _fail(key, f"{c}'s stroke patients go to {to}, which has no stroke beds in "
                      f"{where}: every catchment must be served by a unit")
            if to != catch.unit:
                for b in (to, catch.unit):
                    if cfg.system.minutes(c, b) is None:
                        _fail(f"system.travel_minutes.{c}.{b}", "is needed for the travel "
                              f"added when {c}'s stroke patients go to {to} instead of "
                              f"{catch.unit}")
        for u, unit in units.items():
            if st.beds_within_site and unit.hyperacute + unit.acute > sites[u].beds:
                _fail(f"{where}.{u}", f"{unit.hyperacute + unit.acute} stroke beds are more "
                      f"than {u}'s {sites[u].beds} beds, which include them")
    if st.demand_within_site:
        for c, catch in st.catchments.items():
            if catch.per_day > sites[c].emergency_per_day:
                _fail(f"system.stroke.catchments.{c}.per_day", f"{catch.per_day:g} stroke "
                      f"admissions a day are more than {c}'s {sites[c].emergency_per_day:g} "
                      "emergency admissions, which include them")


def _check_arms(cfg: Config) -> None:
    """What a change leaves at each site, in both arms: general beds for the patients still
    admitted there, and room for the closures and ring-fenced beds of the scenario."""
    if cfg.scenario.reconfigures() and cfg.intervention.active():
        _fail("intervention", "cannot be combined with a scenario that moves services "
              f"({cfg.scenario.name}) yet: the comparison would mix the two effects; run the "
              "change, then the interventions, separately")
    from .reconfig import plan  # the plan is built from a Config: a check after the others

    for c in ([cfg, cfg.baseline()] if cfg.scenario.reconfigures() else [cfg]):
        p, arm = plan(c), "with" if c is cfg else "without"
        fenced: Dict[str, int] = {}
        for r in cfg.scenario.ring_fenced:
            fenced[r.site] = fenced.get(r.site, 0) + r.beds
        for sid, site in p.sites.items():
            made = site.beds < cfg.system.sites[sid].beds  # a site with no beds may be a test
            if made and site.beds - fenced.get(sid, 0) <= 0 < p.load[sid]:
                _fail(f"system.sites.{sid}.beds", f"{sid} has no general & acute beds left for "
                      f"its emergency patients {arm} {cfg.scenario.name}'s change (its stroke "
                      "unit or moves take them all)" if cfg.scenario.reconfigures() else
                      f"{sid} has no general & acute beds left for its emergency patients once "
                      "its stroke unit takes its beds")
            if made and site.beds <= 0 < site.elective_per_weekday:
                _fail(f"system.sites.{sid}.elective_per_weekday", f"{sid} keeps its electives "
                      f"but no beds for them {arm} the change: keep some beds (beds_share below 1)")
        _check_closed_beds(cfg.scenario, p.sites, fenced,
                           f" general & acute beds {arm} the change" if c is not cfg or
                           cfg.scenario.reconfigures() else " besides its stroke unit")


def _check_initial(cfg: Config) -> None:
    """An observed state: every site's, within its beds, the MO within the occupied, those
    waiting for places within the MO; and no warm-up, since the state is where the run starts."""
    state, s = cfg.initial, cfg.sim
    if not state:
        if s.initial_state:
            _fail("sim.initial_state", "was given but no state was read from it")
        return
    where = s.initial_state or "initial"
    if s.warmup_days != 0:
        _fail("sim.warmup_days", f"must be 0 with an initial state ({where}): the run starts "
              "from the observed state (add sim.warmup_days=0)")
    if cfg.scenario.reconfigures() or cfg.stroke_on():
        _fail("sim.initial_state", "cannot start a run with stroke units or moved services "
              "from a census yet (the census has no stroke unit)")
    for sid in cfg.system.sites:
        if sid not in state:
            _fail("sim.initial_state", f"{where} has no row for site {sid!r}")
    for sid, st in state.items():
        if sid not in cfg.system.sites:
            _fail("sim.initial_state", f"{where}: unknown site {sid!r} (sites: "
                  f"{', '.join(cfg.system.sites)})")
        problem = state_problem(cfg.system, sid, st)
        if problem:
            _fail(f"{where}: site {sid}, {problem[0]}", problem[1])


def state_problem(y: System, sid: str, st: SiteState) -> Optional[tuple[str, str]]:
    """(column, problem) for the first thing wrong with a site's observed state, else None: a
    count below zero, more patients than beds, escalation beds and corridor places, more MO than
    occupied, more waiting for places than MO."""
    for f in fields(SiteState):
        v, low = getattr(st, f.name), -1 if f.name.startswith("los_") else 0
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            return f.name, f"must be a non-negative whole number, got {v!r}"
    longer = st.occupied
    for name in ("los_7plus", "los_14plus", "los_21plus"):
        v = getattr(st, name)
        if v > longer:
            return name, (f"{v} is more than the {longer} " +
                          ("occupied" if name == "los_7plus" else "in hospital a week less"))
        if v >= 0:
            longer = v
    site = y.sites[sid]
    room = per_100(site.beds, y.corridor.places_per_100_beds) if y.corridor.after_hours > 0 \
        else 0
    if st.escalation_open not in (0, site.escalation_beds):
        return "escalation_open", (f"bedflow opens a site's escalation beds together: 0 or "
                                   f"{site.escalation_beds} for {sid}, got {st.escalation_open}")
    if st.occupied > site.beds + st.escalation_open + room:
        return "occupied", (f"{st.occupied} patients is more than {sid}'s {site.beds} beds, "
                            f"{st.escalation_open} escalation beds open and {room} corridor "
                            "places")
    if st.medically_optimised > st.occupied:
        return "medically_optimised", (f"{st.medically_optimised} is more than the "
                                       f"{st.occupied} occupied")
    waiting = st.waiting_P1 + st.waiting_P2 + st.waiting_P3
    if waiting > st.medically_optimised:
        return "waiting_P1", (f"{waiting} waiting for places (P1-P3) is more than the "
                              f"{st.medically_optimised} medically optimised")
    for p in DOWNSTREAM:
        if getattr(st, f"waiting_{p}") and getattr(site.downstream, p) == 0:
            return f"waiting_{p}", f"patients wait for {p} but {sid} has no {p} places"
    return None


def per_100(beds: int, rate: float) -> int:
    """Places for a rate per 100 beds: rounded, but at least one when the rate is not 0 (0 is
    "none" or "no limit", which a small rate must not become)."""
    return max(1, round(beds * rate / 100.0)) if rate > 0 and beds > 0 else 0


def _check_moves(cfg: Config) -> None:
    """Moves of emergency demand and beds: known sites, shares of at most everything a site has."""
    out_demand: Dict[str, float] = {}
    out_beds: Dict[str, float] = {}
    used = cfg.scenario.moves or cfg.stroke_on()  # else a cut-down system may keep the matrix
    for a, row in (cfg.system.travel_minutes.items() if used else ()):
        _site(f"system.travel_minutes.{a}", a, cfg)
        if not isinstance(row, dict):
            _fail(f"system.travel_minutes.{a}", "must map sites to minutes, e.g. "
                  f"{{{next(iter(cfg.system.sites))}: 30}}, got {row!r}")
        for b, minutes in row.items():
            _site(f"system.travel_minutes.{a}.{b}", b, cfg)
            _at_least(f"system.travel_minutes.{a}.{b}", minutes, 0.0)
    for i, m in enumerate(cfg.scenario.moves):
        k = f"scenario.moves[{i}]"
        _site(f"{k}.site", m.site, cfg)
        _site(f"{k}.to", m.to, cfg)
        if m.site == m.to:
            _fail(f"{k}.to", f"is the site it moves from ({m.site})")
        if cfg.system.minutes(m.site, m.to) is None:
            _fail(f"system.travel_minutes.{m.site}.{m.to}", "is needed for the travel added "
                  f"when {m.site}'s emergency patients go to {m.to}")
        _fraction(f"{k}.demand_share", m.demand_share)
        _fraction(f"{k}.beds_share", m.beds_share)
        out_demand[m.site] = out_demand.get(m.site, 0.0) + m.demand_share
        out_beds[m.site] = out_beds.get(m.site, 0.0) + m.beds_share
    for sid, total in out_demand.items():
        if total > 1.0 + 1e-9:
            _fail("scenario.moves", f"{total:g} of {sid}'s emergency demand is moved (at most 1)")
    for sid, total in out_beds.items():
        if total > 1.0 + 1e-9:
            _fail("scenario.moves", f"{total:g} of {sid}'s beds are moved (at most 1)")


def _check_closed_beds(sc: Scenario, sites: Dict[str, Site], fenced: Dict[str, int],
                       after: str = "") -> None:
    """Closures (which may overlap) plus ring-fenced beds, at any time, within a site's beds.
    The most beds are closed on the first day of some closure, so those days are enough."""
    spans = [(i, c.site, dt.date.fromisoformat(str(c.start)), dt.date.fromisoformat(str(c.end)),
              c.beds) for i, c in enumerate(sc.closures)]
    for i, sid, day, _, _ in spans:
        closed = sum(b for _, s, a, e, b in spans if s == sid and a <= day <= e)
        if closed + fenced.get(sid, 0) > sites[sid].beds:
            _fail(f"scenario.closures[{i}]", f"{closed} beds closed and {fenced.get(sid, 0)} "
                  f"ring-fenced at {sid} on {day}, which has {sites[sid].beds}{after}")


def _check_interventions(iv: Interventions) -> None:
    for name in iv.active():
        obj = getattr(iv, name)
        _check_intervention(f"intervention.{name}", obj)
        for param, span in obj.ranges.items():
            key = f"intervention.{name}.ranges.{param}"
            if not isinstance(span, (list, tuple)) or len(span) != 2:
                _fail(key, f"needs [low, high], got {span!r}")
            for x in span:
                _finite(key, x)
            if span[0] > span[1]:
                _fail(key, f"low {span[0]!r} is above high {span[1]!r}")
            for x in span:  # each end must be a value the parameter itself could take
                try:
                    _check_intervention(f"intervention.{name}", with_value(obj, param, x))
                except KeyError:
                    _fail(key, f"{param!r} is not a number of {name}")
                except ConfigError as e:
                    _fail(key, f"{x!r} is not a valid value: {e}")


def with_value(obj, param: str, value):
    """A copy of an intervention's settings with `param` (dotted below a duration) set."""
    head, _, rest = param.partition(".")
    if head == "ranges" or not any(f.name == head for f in fields(obj)):
        raise KeyError(param)
    cur = getattr(obj, head)
    if rest:
        if not isinstance(cur, Duration) or rest not in ("mean_days", "cv"):
            raise KeyError(param)
        return replace(obj, **{head: replace(cur, **{rest: value})})
    if isinstance(cur, (bool, Duration)) or not isinstance(cur, (int, float)):
        raise KeyError(param)
    if isinstance(cur, int):
        if value != int(value):
            raise ConfigError(f"{param} is a whole number, got {value!r}")
        return replace(obj, **{head: int(value)})
    return replace(obj, **{head: float(value)})


def _check_intervention(prefix: str, obj) -> None:
    for f in fields(obj):
        key, value = f"{prefix}.{f.name}", getattr(obj, f.name)
        if isinstance(value, Duration):
            _duration(key, value)
        elif isinstance(value, (bool, dict)):
            continue
        elif "_share" in f.name or f.name in ("demand_reduction", "return_30d"):
            _fraction(key, value)
        elif f.name == "acuity_limit":
            _fraction(key, value)
            if value == 0:
                _fail(key, "must be > 0 (1: eligibility regardless of acuity)")
        elif f.name == "p_admit_otherwise":
            _fraction(key, value)
        elif f.name.endswith(("_per_site",)):
            _non_negative_int(key, value)
        else:  # factors, costs and ratios
            _at_least(key, value, 0.0)
    if isinstance(obj, VirtualWard) and obj.admissions_per_avoided < 1.0:
        _fail(f"{prefix}.admissions_per_avoided", "must be >= 1")
