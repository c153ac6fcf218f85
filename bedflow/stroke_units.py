"""What each stroke unit did, in both arms of a reconfiguration, and the travel it added.

Read from Results only: per site with stroke beds in either arm, the beds, admissions, the
share who found no stroke bed on arrival, outliers in general beds, occupancy; then the minutes
added for patients who now go further (mean and 95th percentile among them), for stroke and for
emergency demand moved between sites. Mean and 95% interval over replications throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .compare import arms as arm_names
from .stats import mean_ci

UNIT_MEASURES = {
    "stroke_beds": ("stroke beds (hyper-acute + acute)", "{:,.0f}"),
    "stroke_admissions": ("stroke admissions", "{:,.0f}"),
    "stroke_no_bed_share": ("found no stroke bed", "{:.1%}"),
    "stroke_outliers": ("outliers in general beds", "{:,.0f}"),
    "stroke_transfer_delayed": ("transfers held up (HASU to ASU)", "{:,.0f}"),
    "mean_stroke_occupied": ("stroke beds occupied (mean)", "{:,.1f}"),
    "stroke_occupancy": ("stroke unit occupancy", "{:.1%}"),
}

TRAVEL = {
    "stroke": "stroke patients now going further",
    "moved": "emergency patients admitted at another site",
}


def unit_table(results) -> pd.DataFrame:
    """One row per (site, arm, measure) for sites with stroke beds in either arm; empty when
    the run had no stroke service."""
    without, with_ = arm_names(results.config)
    arms = [("this run", results)] if results.baseline is None else \
        [(without, results.baseline), (with_, results)]
    reps = [(name, r.replications) for name, r in arms]
    if any("stroke_beds" not in df for _, df in reps):
        return pd.DataFrame()
    sites = [s for s in results.replications["site"].unique()
             if any((df[df["site"] == s]["stroke_beds"] > 0).any() for _, df in reps)]
    rows = []
    for site in ["system"] + sites:
        for arm, res in arms:
            df = res.system if site == "system" else \
                res.replications[res.replications["site"] == site]
            for col, (label, fmt) in UNIT_MEASURES.items():
                if col not in df:
                    continue
                m, lo, hi = mean_ci(df[col].to_numpy(float))
                rows.append({"site": site, "arm": arm, "measure": label, "kpi": col,
                             "mean": m, "ci_low": lo, "ci_high": hi, "format": fmt})
    return pd.DataFrame(rows)


def unit_rows(units: pd.DataFrame) -> tuple[list, list]:
    """The arms, and (site, measure, [its row in each arm, or None]) in table order: what the
    printed table and the report both lay out."""
    arms = list(dict.fromkeys(units["arm"]))
    rows = []
    for (site, measure), df in units.groupby(["site", "measure"], sort=False):
        by_arm = {r["arm"]: r for r in df.to_dict("records")}
        rows.append((site, measure, [by_arm.get(a) for a in arms]))
    return arms, rows


def travel_table(results) -> pd.DataFrame:
    """The system's travel added by the change: patients going further, mean and 95th
    percentile minutes among them."""
    rows = []
    if not results.config.scenario.reconfigures():
        return pd.DataFrame()
    for k, label in TRAVEL.items():
        cols = [f"{k}_further", f"{k}_travel_added_mean", f"{k}_travel_added_p95"]
        if not all(c in results.system for c in cols):
            continue
        for col, what, fmt in zip(cols, ("patients a year", "minutes added, mean",
                                         "minutes added, 95th percentile"),
                                  ("{:,.0f}", "{:,.1f}", "{:,.0f}")):
            x = results.system[col].to_numpy(float)
            years = results.config.sim.horizon_days / 365.0
            if col.endswith("_further"):
                x = x / years
            m, lo, hi = mean_ci(x[~np.isnan(x)]) if (~np.isnan(x)).any() else (np.nan,) * 3
            rows.append({"who": label, "measure": what, "kpi": col, "mean": m, "ci_low": lo,
                         "ci_high": hi, "format": fmt})
    return pd.DataFrame(rows)
