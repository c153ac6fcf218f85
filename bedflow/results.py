"""Results of a run: tidy tables per replication, per day, and a summary with 95% intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import Config
from .stats import mean_ci

#: KPIs in the printed table and summary.csv, with the label a planner reads
HEADLINE = {
    "mean_occupied": "occupied beds (mean)",
    "occupancy": "occupancy",
    "mean_medically_optimised": "medically optimised patients (mean)",
    "mo_share_of_occupied": "MO share of occupied beds",
    "mean_awaiting_place": "MO waiting for a P1-P3 place (mean)",
    "share_beds_los_21plus": "share of beds held by stays of 21+ days",
    "mean_delay_days": "MO to leaving the bed (days)",
    "emergency_arrivals": "emergency arrivals",
    "admissions": "emergency admissions",
    "mean_wait_hours": "ED wait for a bed (hours, mean)",
    "p95_wait_hours": "ED wait for a bed (hours, 95th pct)",
    "waits_over_4h": "waits over 4 h",
    "waits_over_12h": "waits over 12 h",
    "still_waiting_at_end": "still waiting in ED at the end",
    "diverted": "diverted",
    "elective_admitted": "electives done",
    "elective_cancelled": "electives cancelled",
    "escalation_bed_days": "escalation bed-days",
    "discharges_before_noon_share": "share of discharges before noon",
    # the stroke service, when on
    "stroke_admissions": "stroke admissions",
    "stroke_no_bed_share": "stroke patients finding no stroke bed (share)",
    "mean_stroke_occupied": "stroke beds occupied (mean)",
    "stroke_occupancy": "stroke unit occupancy",
}

#: a percentile KPI -> the mean of the same quantity. A NaN percentile beside a mean is one that
#: fell beyond the recorded range (unknown, and above the bins), not an empty histogram
PERCENTILE_OF = {"p95_wait_hours": "mean_wait_hours", "p95_delay_days": "mean_delay_days"}
BEYOND = "beyond the recorded range"

#: per-site columns a system row adds up (those a run recorded; older runs lack some)
ADDED = ["emergency_arrivals", "admissions", "waited", "diverted", "waits_over_4h",
         "waits_over_12h", "elective_admitted", "elective_cancelled", "beds",
         "mean_available_beds", "mean_occupied", "mean_medically_optimised",
         "medically_optimised_patients", "mo_bed_days", "discharges", "escalation_bed_days",
         "mean_ed_waiting", "demand_prevented", "admissions_avoided", "intervention_cost",
         "closed_bed_days", "opel1_days", "opel2_days", "opel3_days", "opel4_days",
         "still_waiting_at_end", "discharges_before_noon", "mean_awaiting_place",
         "mean_los_21plus", "mutual_aid_out", "diverted_to_neighbours", "from_neighbours", "corridor_admissions",
         "corridor_days", "elective_deferred", "spot_purchases", "readmissions_30d",
         "frail_discharges", "frail_bed_days", "frail_days_to_optimised",
         # the stroke service and reconfigurations (when on)
         "stroke_admissions", "stroke_no_bed", "stroke_outliers", "stroke_waited",
         "stroke_transfer_delayed", "stroke_beds", "hyperacute_beds", "acute_stroke_beds",
         "mean_stroke_occupied", "mean_hyperacute_occupied", "mean_acute_stroke_occupied",
         "stroke_further", "stroke_travel_added_minutes", "moved_further",
         "moved_travel_added_minutes"]

#: community teams of the local care model, whose counts a run has when they are switched on
TEAMS = ("rapid_response", "virtual_ward", "integrated_care_centre")
TEAM_ADDED = ("referrals", "admissions", "avoided", "avoided_stay_days", "places", "mean_busy")


def system_rows(replications: pd.DataFrame) -> pd.DataFrame:
    """Aggregate the per-site rows of each replication into one system row."""
    g = replications.groupby("replication", sort=True)
    added = ADDED + [f"{t}_{c}" for t in TEAMS for c in TEAM_ADDED]
    out = g[[c for c in added if c in replications]].sum()
    for t in TEAMS:
        if f"{t}_places" in out:
            out[f"{t}_occupancy"] = out[f"{t}_mean_busy"] / out[f"{t}_places"].where(
                out[f"{t}_places"] > 0)

    def weighted(col: str, weight: pd.Series) -> pd.Series:
        num = (replications[col].fillna(0) * weight).groupby(replications["replication"]).sum()
        den = weight.groupby(replications["replication"]).sum()
        return num / den.where(den > 0)

    # a site's mean wait is over its admissions and those still waiting at the end
    waits = replications["admissions"] + replications.get("still_waiting_at_end", 0)
    out["mean_wait_hours"] = weighted("mean_wait_hours", waits)
    out["mean_delay_days"] = weighted("mean_delay_days", replications["discharges"])
    out["occupancy"] = out["mean_occupied"] / out["mean_available_beds"]
    if "discharges_before_noon" in out:
        out["discharges_before_noon_share"] = \
            out["discharges_before_noon"] / out["discharges"].where(out["discharges"] > 0)
    for k in range(1, 5):  # a system-day's level: the days summed over sites, per site
        out[f"opel{k}_days"] = out[f"opel{k}_days"] / replications["site"].nunique()
    out["mo_share_of_occupied"] = out["mean_medically_optimised"] / out["mean_occupied"]
    if "stroke_admissions" in out:
        out["stroke_no_bed_share"] = out["stroke_no_bed"] / out["stroke_admissions"].where(
            out["stroke_admissions"] > 0)
        out["stroke_occupancy"] = out["mean_stroke_occupied"] / out["stroke_beds"].where(
            out["stroke_beds"] > 0)
        out["mean_stroke_wait_hours"] = weighted("mean_stroke_wait_hours",
                                                 replications["stroke_waited"])
    for k in ("stroke", "moved"):  # the mean adds up; the 95th percentile is the model's own
        if f"{k}_further" in out:
            out[f"{k}_travel_added_mean"] = out[f"{k}_travel_added_minutes"] / \
                out[f"{k}_further"].where(out[f"{k}_further"] > 0)
    if "mean_los_21plus" in out:
        out["share_beds_los_21plus"] = out["mean_los_21plus"] / out["mean_occupied"]
    out = out.reset_index()
    out.insert(1, "site", "system")
    return out


def beyond_range(kpi: str, *runs: pd.DataFrame) -> str:
    """The note for a percentile KPI that fell beyond the recorded range in some replication of
    any of `runs` (rows paired replication by replication), "" otherwise. With a note, the mean
    over replications, or a paired change in it, is unknown: averaging the rest would put it
    silently below the truth."""
    mean = PERCENTILE_OF.get(kpi)
    beyond = None
    for df in runs:
        if mean is None or kpi not in df or mean not in df:
            continue
        b = np.isnan(df[kpi].to_numpy(float)) & np.isfinite(df[mean].to_numpy(float))
        beyond = b if beyond is None else beyond | b
    if beyond is None or not beyond.any():
        return ""
    return f"{BEYOND} in {beyond.sum()} of {len(beyond)} replications"


def summarise(replications: pd.DataFrame, system: pd.DataFrame) -> pd.DataFrame:
    """One row per (site, KPI): mean and 95% interval over replications; the system first.

    A percentile beyond the recorded range in any replication makes the mean unknown (NaN,
    with `note` saying so): averaging the others would put it silently below the truth.
    """
    rows = []
    frames = [("system", system)] + [(s, replications[replications["site"] == s])
                                     for s in replications["site"].unique()]
    for site, df in frames:
        for kpi, label in HEADLINE.items():
            if kpi not in df:
                continue
            m, lo, hi = mean_ci(df[kpi].to_numpy(float))
            note = beyond_range(kpi, df)
            if note:
                m = lo = hi = np.nan
            rows.append({"site": site, "kpi": kpi, "label": label, "mean": m,
                         "ci_low": lo, "ci_high": hi, "replications": len(df), "note": note})
    return pd.DataFrame(rows)


@dataclass
class Results:
    config: Config
    replications: pd.DataFrame  # one row per replication and site
    system: pd.DataFrame  # one row per replication, the sites added up
    daily: pd.DataFrame  # 08:00 census per replication, day and site
    events: pd.DataFrame | None = None  # patient event log, when sim.event_log is on
    baseline: "Results | None" = None  # the same seeds with every intervention off
    comparison: pd.DataFrame | None = None  # paired differences against the baseline
    sensitivity: pd.DataFrame | None = None  # beds released over each input's range

    @property
    def summary(self) -> pd.DataFrame:
        return summarise(self.replications, self.system)

    def kpi(self, name: str, site: str = "system") -> tuple[float, float, float]:
        """(mean, low, high) of one KPI for the system or a site."""
        df = self.system if site == "system" else \
            self.replications[self.replications["site"] == site]
        return mean_ci(df[name].to_numpy())


def daily_frame(outputs: list[dict], cal_dates) -> pd.DataFrame:
    """Long table from the census arrays of each replication."""
    parts = []
    for out in outputs:
        days = np.asarray(out["census_days"], dtype=np.int32)
        sites = out["sites"]
        n_d, n_s = len(days), len(sites)
        part = {
            "replication": np.full(n_d * n_s, out["replication"], dtype=np.int32),
            "day": np.repeat(days, n_s),
            "site": np.tile(np.asarray(sites, dtype=object), n_d),
        }
        for field, arr in out["census"].items():
            part[field] = arr.reshape(-1)
        parts.append(pd.DataFrame(part))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(df):
        df.insert(2, "date", cal_dates(df["day"].to_numpy()))
    return df
