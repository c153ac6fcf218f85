"""What the local care services did, in the units a local care lead holds against their own
activity: referrals and admissions per month per site, admissions avoided, virtual-ward
admissions per admission avoided, occupancy of the places, returns within 30 days, and the
acute stay an avoided admission stood in for against the frail cohort's mean stay.

Every figure is a mean over replications with its 95% interval (per replication first, so a
ratio's interval is the ratio's, not a ratio of intervals), shown within what the figure can be
(from 0; shares up to 1), except bed-days freed, a difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .results import TEAMS, Results
from .stats import mean_ci

MONTH = 365.25 / 12.0

NAMES = {"rapid_response": "rapid response", "virtual_ward": "virtual ward",
         "integrated_care_centre": "integrated care centre (step-up)"}


def unit_format(unit: str) -> str:
    """The format a measure of the table is printed in, by its unit: counts a month whole,
    ratios and shares to two places, days to one."""
    digits = 0 if "per month" in unit else 2 if unit in ("share", "share of referrals",
                                                         "ratio") else 1
    return "{:,.%df}" % digits


def _ratio(num: pd.Series, den: pd.Series) -> np.ndarray:
    d = den.to_numpy(float)
    return np.divide(num.to_numpy(float), d, out=np.full(len(d), np.nan), where=d > 0)


#: interventions that act only by taking would-be admissions at the front door: with no others
#: on, the bed-days freed are theirs, and per admission avoided is a fair figure
FRONT_DOOR_ONLY = {"rapid_response", "virtual_ward"}


def frail_mean_stay(results: Results, column: str = "frail_bed_days"):
    """Days per frail stay without the interventions (the baseline's): whole stays from
    admission to leaving the acute bed (`frail_bed_days`), or up to medically optimised
    (`frail_days_to_optimised`), the part an avoided admission's stay is counted in."""
    base = results.baseline if results.baseline is not None else results
    s = base.system
    if column not in s:
        return np.nan, np.nan, np.nan
    return mean_ci(_ratio(s[column], s["frail_discharges"]))


def service_table(results: Results) -> pd.DataFrame:
    """One row per (service, measure): mean, 95% interval, and what it is per."""
    s, cfg = results.system, results.config
    months = cfg.sim.horizon_days / MONTH
    sites = results.replications["site"].nunique()
    per_site_month = months * sites
    rows = []

    def add(service, measure, values, unit, clip=True):
        m, lo, hi = mean_ci(values)
        if clip:  # within what a count, a ratio of counts or a share can be
            lo, hi = max(lo, 0.0), min(hi, 1.0) if unit.startswith("share") else hi
        rows.append({"service": service, "measure": measure, "mean": m, "ci_low": lo,
                     "ci_high": hi, "unit": unit})

    for team in TEAMS:
        if f"{team}_admissions" not in s:
            continue
        name = NAMES[team]
        add(name, "referrals", s[f"{team}_referrals"] / per_site_month, "per site per month")
        add(name, "admissions (all it took)", s[f"{team}_admissions"] / per_site_month,
            "per site per month")
        add(name, "acute admissions avoided", s[f"{team}_avoided"] / per_site_month,
            "per site per month")
        add(name, "admissions per admission avoided",
            _ratio(s[f"{team}_admissions"], s[f"{team}_avoided"]), "ratio")
        add(name, "turned down (no place free)",
            _ratio(s[f"{team}_referrals"] - s[f"{team}_admissions"], s[f"{team}_referrals"]),
            "share of referrals")
        if f"{team}_occupancy" in s:  # its own places (the centre's are P2 places)
            add(name, "occupancy of its places", s[f"{team}_occupancy"], "share")
        add(name, "acute stay of those avoided (to medically optimised)",
            _ratio(s[f"{team}_avoided_stay_days"], s[f"{team}_avoided"]), "days")
    if s.get("readmissions_30d", pd.Series([0])).sum() > 0:
        add("all services", "returns within 30 days", s["readmissions_30d"] / months,
            "per month, all sites")
    if rows:  # the comparators for the stays the teams stood in for
        for column, measure in (("frail_days_to_optimised", "acute stay to medically optimised"),
                                ("frail_bed_days", "acute stay, whole")):
            m, lo, hi = frail_mean_stay(results, column)
            if not np.isnan(m):
                rows.append({"service": "frail cohort (baseline)", "measure": measure,
                             "mean": m, "ci_low": lo, "ci_high": hi, "unit": "days"})
    base = results.baseline
    if base is not None and set(cfg.intervention.active()) <= FRONT_DOOR_ONLY:
        # per replication, paired with the baseline's (the comparison's acute_bed_days_freed
        # over the admissions avoided), so the figure carries its interval
        b = base.system.set_index("replication")
        sc = s.set_index("replication").loc[b.index]
        freed = (b["mean_occupied"] - sc["mean_occupied"]) * cfg.sim.horizon_days
        if (sc["admissions_avoided"] > 0).any():
            add("all services", "acute bed-days freed per admission avoided",
                _ratio(freed, sc["admissions_avoided"]), "bed-days", clip=False)
    return pd.DataFrame(rows)
