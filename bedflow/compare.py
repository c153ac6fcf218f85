"""Paired comparison of an intervention run against its baseline (common random numbers).

Both runs use the same seed, so replication r of each meets the same patients; the difference
within a replication is the intervention's effect plus far less noise than two independent runs
would have. Intervals are Student-t over the replications' paired differences; the unpaired
(Welch-style, independent) interval is kept beside it to show what the pairing buys.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .results import beyond_range
from .stats import common_replications, mean_ci, paired, t975

#: Sign convention, one for every row: a difference is scenario (with the interventions) minus
#: baseline (without them), positive: more with the interventions, except for the rows whose
#: name says released, fewer or freed, which are the same difference turned round, baseline
#: minus scenario, so a benefit reads positive.
CONVENTION = ("difference = scenario - baseline (with minus without interventions); rows named "
              "released, fewer or freed are baseline - scenario, so a positive number is a "
              "benefit")

#: what "beds released" cannot show, for the printed comparison and the report
FULL_BEDS = ("Where beds are full all year round, beds released is capped: occupancy cannot "
             "fall below full while people wait in ED for a bed, so the benefit shows as shorter "
             "ED waits instead.")

#: the comparison's two runs as a reader names them (comparison.csv keeps baseline_mean and
#: scenario_mean): "baseline" and "scenario" are ambiguous when a winter scenario is also on
WITHOUT, WITH = "without interventions", "with interventions"

#: kpi -> (column in the per-replication tables, sign of the difference, label)
#: sign +1: scenario - baseline; -1: baseline - scenario ("released", "fewer", "freed").
#: "fewer_admissions" is the change in admissions, not the patients the interventions took:
#: where beds are full, clearing an ED queue admits people who would otherwise have waited past
#: the window's end, so it can be smaller than "taken_by_interventions", even negative; that row
#: counts the patients the interventions kept out of a bed directly (the baseline's count is 0).
KPIS = {
    "beds_released": ("mean_occupied", -1,
                      "acute beds released (mean occupied beds, baseline - scenario)"),
    "mean_medically_optimised": ("mean_medically_optimised", +1,
                                 "medically optimised patients (scenario - baseline)"),
    "mean_wait_hours": ("mean_wait_hours", +1, "ED wait for a bed, hours (scenario - baseline)"),
    "waits_over_12h": ("waits_over_12h", +1, "ED waits over 12 h (scenario - baseline)"),
    "elective_cancelled": ("elective_cancelled", +1,
                           "electives cancelled (scenario - baseline)"),
    "fewer_admissions": ("admissions", -1,
                         "fewer emergency admissions (admissions, baseline - scenario)"),
    "taken_by_interventions": ("taken_by_interventions", +1,
                               "patients the interventions took (admissions avoided + demand "
                               "prevented, scenario - baseline)"),
    # the baseline and scenario columns of these are what each run used; the difference, freed
    "acute_bed_days_freed": ("bed_days", -1,
                             "acute bed-days freed (bed-days used, baseline - scenario)"),
    "admissions_avoided": ("admissions_avoided", +1,
                           "acute admissions avoided at the front door (scenario - baseline)"),
    "readmissions_30d": ("readmissions_30d", +1,
                         "30-day returns of people local care sent home (scenario - baseline)"),
    "rapid_response_admissions": ("rapid_response_admissions", +1,
                                  "rapid response admissions, all it took (scenario - baseline)"),
    "virtual_ward_admissions": ("virtual_ward_admissions", +1,
                                "virtual ward admissions, all it took (scenario - baseline)"),
    "intervention_cost": ("intervention_cost", +1, "intervention cost, GBP (scenario - baseline)"),
    "bed_days_freed_value": ("bed_day_value", -1,
                             "value of bed-days freed, GBP (baseline - scenario; at the "
                             "bed-day cost, not cash unless beds close)"),
}


#: a reconfiguration (services moved between sites, stroke units) against the same scenario
#: without it: every row scenario - baseline, since a change moves beds and patients both ways
RECONFIG_KPIS = {
    "beds": ("beds", +1, "general & acute beds (scenario - baseline)"),
    "mean_occupied": ("mean_occupied", +1,
                      "occupied general & acute beds, mean (scenario - baseline)"),
    "occupancy": ("occupancy", +1, "general & acute occupancy (scenario - baseline)"),
    "admissions": ("admissions", +1, "emergency admissions to general beds (scenario - baseline)"),
    "mean_wait_hours": ("mean_wait_hours", +1, "ED wait for a bed, hours (scenario - baseline)"),
    "waits_over_4h": ("waits_over_4h", +1, "ED waits over 4 h (scenario - baseline)"),
    "waits_over_12h": ("waits_over_12h", +1, "ED waits over 12 h (scenario - baseline)"),
    "elective_cancelled": ("elective_cancelled", +1,
                           "electives cancelled (scenario - baseline)"),
    "stroke_beds": ("stroke_beds", +1, "stroke beds (scenario - baseline)"),
    "stroke_admissions": ("stroke_admissions", +1, "stroke admissions (scenario - baseline)"),
    "stroke_no_bed_share": ("stroke_no_bed_share", +1,
                            "share of stroke patients finding no stroke bed (scenario - baseline)"),
    "stroke_outliers": ("stroke_outliers", +1,
                        "stroke patients placed in a general bed (scenario - baseline)"),
    "mean_stroke_occupied": ("mean_stroke_occupied", +1,
                             "occupied stroke beds, mean (scenario - baseline)"),
    "stroke_occupancy": ("stroke_occupancy", +1, "stroke unit occupancy (scenario - baseline)"),
}


def arms(cfg) -> tuple[str, str]:
    """The two runs of a comparison as a reader names them (a change of services is never
    combined with interventions: config.validate refuses it)."""
    if not cfg.scenario.reconfigures():
        return WITHOUT, WITH
    return "without the change", "with the change"


def convention(cfg) -> str:
    if not cfg.scenario.reconfigures():
        return CONVENTION
    return (f"difference = scenario - baseline ({arms(cfg)[1]} minus {arms(cfg)[0]}), for "
            "every row")


def _unpaired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95% interval for mean(a) - mean(b) as if the runs were independent (Welch)."""
    n, m = len(a), len(b)
    if n < 2 or m < 2:
        return math.nan, math.nan
    va, vb = a.var(ddof=1) / n, b.var(ddof=1) / m
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / ((va**2 / (n - 1) if va else 0) + (vb**2 / (m - 1) if vb else 0)) \
        if (va or vb) else n + m - 2
    d = a.mean() - b.mean()
    half = t975(max(1, int(df + 1e-9))) * se  # down to whole df, but 3.9999999999999996 is 4
    return d - half, d + half


def _with_costs(df: pd.DataFrame, horizon: float, bed_day_cost: float) -> pd.DataFrame:
    df = df.copy()
    df["bed_days"] = df["mean_occupied"] * horizon
    df["bed_day_value"] = df["bed_days"] * bed_day_cost
    df["taken_by_interventions"] = df.get("admissions_avoided", 0) + df.get("demand_prevented", 0)
    return df


def compare(baseline, scenario) -> pd.DataFrame:
    """One row per (site, kpi): baseline, scenario, and the paired difference with its interval."""
    cfg = scenario.config
    horizon, cost = cfg.sim.horizon_days, cfg.costs.acute_bed_day
    frames = []
    for res in (baseline, scenario):
        both = pd.concat([res.system, res.replications], ignore_index=True)
        frames.append(_with_costs(both, horizon, cost).set_index(["site", "replication"]))
    base, scen = frames
    base["intervention_cost"] = 0.0
    kpis = RECONFIG_KPIS if cfg.scenario.reconfigures() else KPIS
    rows = []
    for site in base.index.get_level_values("site").unique():
        b, s = base.loc[site], scen.loc[site]
        reps = common_replications(s.index, b.index)  # pairs are replication by replication
        b, s = b.loc[reps], s.loc[reps]
        for kpi, (col, sign, label) in kpis.items():
            if col not in s:  # a service switched off (or a table from before it was counted)
                continue
            # what only the interventions do (a virtual ward's admissions) is 0 without them
            bv = b[col].to_numpy(float) if col in b else np.zeros(len(reps))
            sv = s[col].to_numpy(float)
            note = beyond_range(col, b, s)
            if np.isnan(sv).all() and np.isnan(bv).all():
                continue  # a share with nothing to share in either run (a site with no unit)
            if note:  # a percentile beyond the range somewhere: unknown, not the rest's average
                bm = sm = dm = dlo = dhi = ulo = uhi = math.nan
            elif np.isnan(sv).all() or np.isnan(bv).all():  # e.g. a unit in one run only
                bm, sm = mean_ci(bv)[0], mean_ci(sv)[0]
                dm = dlo = dhi = ulo = uhi = math.nan
            else:
                bm, sm = mean_ci(bv)[0], mean_ci(sv)[0]
                dm, dlo, dhi = paired(sv, bv) if sign > 0 else paired(bv, sv)
                ulo, uhi = _unpaired(sign * sv, sign * bv)
            rows.append({
                "kpi": kpi, "site": site, "label": label,
                "baseline_mean": bm, "scenario_mean": sm,
                "difference_mean": dm, "difference_ci_low": dlo, "difference_ci_high": dhi,
                "unpaired_ci_low": ulo, "unpaired_ci_high": uhi,
                "difference": "scenario - baseline" if sign > 0 else "baseline - scenario",
                "replications": len(reps), "note": note,
            })
    return pd.DataFrame(rows)
