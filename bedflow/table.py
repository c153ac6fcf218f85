"""The compact text table the CLI prints: the system, then each site, mean and 95% interval."""

from __future__ import annotations

import math

import pandas as pd

from .compare import FULL_BEDS, arms, convention
from .forecast import likely_opel4
from .results import BEYOND, Results
from .services import service_table, unit_format
from .stroke_units import travel_table, unit_rows, unit_table

SITE_COLUMNS = {
    "mean_occupied": ("occupied", "{:,.0f}"),
    "occupancy": ("occupancy", "{:.1%}"),
    "mean_medically_optimised": ("MO patients", "{:,.0f}"),
    "mean_delay_days": ("MO delay d", "{:.2f}"),
    "mean_wait_hours": ("ED wait h", "{:.1f}"),
    "waits_over_12h": ("12h waits", "{:,.0f}"),
    "elective_cancelled": ("el. cancelled", "{:,.0f}"),
    "still_waiting_at_end": ("still waiting", "{:,.0f}"),  # when the run recorded it
}


def fmt_value(spec: str, x: float) -> str:
    """`x` in `spec`; "-" for no value, and money below zero as -£1,234 (not £-1,234)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if spec.startswith("£") and x < 0:
        return "-" + spec.format(-x)
    return spec.format(x)


def fmt_mean(spec: str, row) -> str:
    """A summary row's mean; a percentile beyond the recorded range reads so, not as nan."""
    if str(row.get("note", "") or "").startswith(BEYOND):
        return "beyond range"
    return fmt_value(spec, row["mean"])


def site_columns(summary: pd.DataFrame) -> dict:
    """SITE_COLUMNS that the summary holds (a run recorded before a column existed lacks it)."""
    return {k: v for k, v in SITE_COLUMNS.items() if k in set(summary["kpi"])}


#: summary KPIs that are shares, at most 1; every other one is a count, or a mean of counts or
#: durations, at least 0
SHARES = ("occupancy", "mo_share_of_occupied", "discharges_before_noon_share",
          "share_beds_los_21plus", "stroke_no_bed_share", "stroke_occupancy")

#: what the printed table and the report say of the intervals they show
CLIPPED = ("95% intervals are shown within what the figure can be (counts from 0, shares and "
           "occupancy up to 100%); summary.csv keeps the raw t-intervals")


def clipped(kpi: str, lo: float, hi: float) -> tuple[float, float]:
    """A summary KPI's interval within its natural bounds: the t-interval of a skewed count
    dips below 0 and a share's passes 1, which no replication could show."""
    top = 1.0 if kpi in SHARES else math.inf
    return min(max(lo, 0.0), top), min(max(hi, 0.0), top)


def interval(spec: str, lo: float, hi: float) -> str:
    """'[low, high]', or '' for no interval."""
    if lo is None or math.isnan(lo):
        return ""
    return f"[{fmt_value(spec, lo)}, {fmt_value(spec, hi)}]"


def _cell(spec: str, m: float, lo: float, hi: float) -> str:
    return f"{fmt_value(spec, m)} {interval(spec, lo, hi)}".strip()


def fmt_for(kpi: str) -> str:
    """The format a KPI of summary.csv is printed in."""
    if kpi in SHARES:
        return "{:.1%}"
    if kpi in ("mean_wait_hours", "p95_wait_hours", "mean_delay_days"):
        return "{:.2f}"
    return "{:,.1f}"


def format_table(results: Results) -> str:
    cfg = results.config
    s = results.summary
    start = pd.Timestamp(cfg.sim.start_date) + pd.Timedelta(days=cfg.sim.warmup_days)
    end = start + pd.Timedelta(days=cfg.sim.horizon_days - 1)
    dates = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    period = getattr(cfg.system, "period", "")  # figures of other years, on this calendar
    start_from = f"from the state in {cfg.sim.initial_state}" if cfg.initial else \
        f"after a {cfg.sim.warmup_days:g}-day warm-up"
    lines = [f"bedflow · system={cfg.system.name} · {cfg.sim.replications} replications · "
             f"{f'{period}, on the calendar of {dates}' if period else dates} "
             f"({cfg.sim.horizon_days:g} days {start_from}) · mean and 95% interval over "
             "replications", ""]
    # a stroke unit with no general & acute flow around it (monks_stroke_2016): its rows only
    general = not _stroke_only(cfg)
    if not general:
        s = s[s["kpi"].str.startswith(("stroke_", "mean_stroke_"))]
    sysrows = s[s["site"] == "system"]
    width = max(len(x) for x in sysrows["label"])
    lines.append(f"{'System':<{width}}  {'mean':>12}  95% interval")
    for _, r in sysrows.iterrows():
        f = fmt_for(r["kpi"])
        ci = interval(f, *clipped(r["kpi"], r["ci_low"], r["ci_high"]))
        lines.append(f"{r['label']:<{width}}  {fmt_mean(f, r):>12}  {ci}")
    sites = [x for x in s["site"].unique() if x != "system"]
    if general and (len(sites) > 1 or sites != ["system"]):
        lines.append("")
        cells = {}
        for site in sites:
            sub = s[s["site"] == site].set_index("kpi")
            cells[site] = [_cell(fmt, sub.loc[k, "mean"],
                                 *clipped(k, *sub.loc[k, ["ci_low", "ci_high"]]))
                           for k, (_, fmt) in site_columns(s).items()]
        heads = [h for h, _ in site_columns(s).values()]
        widths = [max(len(h), *(len(cells[x][i]) for x in sites)) for i, h in enumerate(heads)]
        sw = max(len("By site"), *(len(x) for x in sites))
        lines.append(f"{'By site':<{sw}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, widths)))
        for site in sites:
            lines.append(f"{site:<{sw}}  " + "  ".join(f"{c:>{w}}" for c, w in
                                                       zip(cells[site], widths)))
    lines += ["", f"{CLIPPED}."]
    return "\n".join(lines)


COMPARISON_FORMATS = {
    "beds_released": "{:,.1f}", "mean_medically_optimised": "{:,.1f}",
    "mean_wait_hours": "{:,.2f}", "waits_over_12h": "{:,.0f}", "elective_cancelled": "{:,.0f}",
    "fewer_admissions": "{:,.0f}", "taken_by_interventions": "{:,.0f}", "acute_bed_days_freed": "{:,.0f}",
    "intervention_cost": "£{:,.0f}", "bed_days_freed_value": "£{:,.0f}",
    "admissions_avoided": "{:,.0f}", "readmissions_30d": "{:,.0f}",
    "rapid_response_admissions": "{:,.0f}", "virtual_ward_admissions": "{:,.0f}",
    "beds": "{:,.0f}", "mean_occupied": "{:,.1f}", "occupancy": "{:.2%}", "admissions": "{:,.0f}",
    "waits_over_4h": "{:,.0f}", "stroke_beds": "{:,.0f}", "stroke_admissions": "{:,.0f}",
    "stroke_no_bed_share": "{:.2%}", "stroke_outliers": "{:,.0f}",
    "mean_stroke_occupied": "{:,.1f}", "stroke_occupancy": "{:.1%}",
}

#: a reconfiguration's by-site lines: the general & acute effect at every site
SITE_CHANGES = {"beds": "G&A beds", "mean_occupied": "occupied", "mean_wait_hours": "ED wait h",
                "waits_over_12h": "12h waits", "elective_cancelled": "el. cancelled"}


def format_comparison(results: Results) -> str:
    """The paired comparison: system KPIs, then beds released by site."""
    c = results.comparison
    cfg = results.config
    without, with_ = arms(cfg)
    reconfig = cfg.scenario.reconfigures()
    what = f"Change: {cfg.scenario.name}" if reconfig else \
        f"Interventions: {', '.join(cfg.intervention.active())}"
    lines = [f"{what} · against the baseline with the same patients (common "
             f"random numbers) · paired difference, mean and 95% interval over "
             f"{cfg.sim.replications} replications", f"Sign: {convention(cfg)}."]
    lines += ["", ] if reconfig else [FULL_BEDS, ""]
    sysrows = c[c["site"] == "system"]
    width = max(len(x) for x in sysrows["label"])
    lines.append(f"{'System':<{width}}  {without:>21}  {with_:>18}  {'difference':>14}"
                 f"  95% interval")
    for _, r in sysrows.iterrows():
        f = COMPARISON_FORMATS.get(r["kpi"], "{:,.2f}")
        ci = "" if math.isnan(r["difference_ci_low"]) else \
            f"[{fmt_value(f, r['difference_ci_low'])}, {fmt_value(f, r['difference_ci_high'])}]"
        lines.append(f"{r['label']:<{width}}  {fmt_value(f, r['baseline_mean']):>21}  "
                     f"{fmt_value(f, r['scenario_mean']):>18}  "
                     f"{fmt_value(f, r['difference_mean']):>14}  {ci}")
    if reconfig:
        lines += ["", "General & acute effect by site (scenario - baseline, mean [95% interval])"]
        lines.append(f"  {'':<18}" + "".join(f"{h:>25}" for h in SITE_CHANGES.values()))
        for site in [s for s in c["site"].unique() if s != "system"]:
            cells = []
            for k in SITE_CHANGES:
                r = c[(c["site"] == site) & (c["kpi"] == k)]
                f = COMPARISON_FORMATS.get(k, "{:,.2f}")
                cells.append("" if r.empty else _cell(f, *r.iloc[0][
                    ["difference_mean", "difference_ci_low", "difference_ci_high"]]))
            lines.append(f"  {site:<18}" + "".join(f"{x:>25}" for x in cells))
    beds = c[(c["kpi"] == "beds_released") & (c["site"] != "system")]
    if len(beds):
        lines.append("")
        lines.append("Acute beds released by site (baseline - scenario mean occupied, 95% interval)")
        for _, r in beds.iterrows():
            lines.append(f"  {r['site']:<18} {_cell('{:,.1f}', r['difference_mean'], r['difference_ci_low'], r['difference_ci_high']):>14}")
    services = service_table(results)
    if len(services):
        lines += ["", "What the local care services did (mean, 95% interval; report.html has more)"]
        for r in services.itertuples():
            f = unit_format(r.unit)
            lines.append(f"  {r.service + ': ' + r.measure:<72} "
                         f"{_cell(f, r.mean, r.ci_low, r.ci_high):>22}  {r.unit}")
    return "\n".join(lines)


def format_forecast(results: Results) -> str:
    """Days each site is likely to be at OPEL 4, for a run from an observed state; "" else."""
    if not results.config.initial:
        return ""
    t = likely_opel4(results.daily)
    lines = [f"Forecast from {results.config.sim.initial_state} on {results.config.sim.start_date}: "
             f"days at OPEL 4 in more than 50% / 90% of {results.config.sim.replications} "
             "replications (report.html has the fan charts)"]
    w = max(len(s) for s in t["site"])
    for r in t.itertuples():
        lines.append(f"  {r.site:<{w}}  likely {r.likely_days:>3} of {r.days}"
                     f"{': ' + r.likely_dates if r.likely_dates else ''}")
        if r.very_likely_days:
            lines.append(f"  {'':<{w}}  very likely {r.very_likely_days}: {r.very_likely_dates}")
    return "\n".join(lines)


def format_stroke(results: Results) -> str:
    """Each stroke unit (both arms of a change) and the travel added; "" without stroke."""
    units, lines = unit_table(results), []
    if len(units):
        lines = _units(units)
    travel = travel_table(results)
    if len(travel):
        lines += ["", "Travel added by the change (system, mean [95% interval])"] if lines else \
            ["Travel added by the change (system, mean [95% interval])"]
        for r in travel.itertuples():
            lines.append(f"  {r.who + ', ' + r.measure:<64} "
                         f"{_cell(r.format, r.mean, *clipped(r.kpi, r.ci_low, r.ci_high)):>22}")
    return "\n".join(lines)


def _stroke_only(cfg) -> bool:
    """No general & acute flow: no site has emergency demand or electives of its own."""
    return cfg.stroke_on() and all(s.emergency_per_day == 0 and s.elective_per_weekday == 0
                                   for s in cfg.system.sites.values())


def _units(units: pd.DataFrame) -> list[str]:
    if units["site"].nunique() == 2:  # one unit: the system is the same figures again
        units = units[units["site"] != "system"]
    armnames, table = unit_rows(units)
    lines = ["Stroke units (mean [95% interval]; found no stroke bed: share of the unit's "
             "stroke admissions, on arrival)"]
    width = max(len(x) for x in units["measure"]) + 4
    lines.append(f"  {'':<{width}}" + "".join(f"{a:>26}" for a in armnames))
    last = None
    for site, measure, rows in table:
        if site != last:
            lines.append(f"  {site}")
            last = site
        cells = [_cell(r["format"], r["mean"], *clipped(r["kpi"], r["ci_low"], r["ci_high"]))
                 if r else "" for r in rows]
        lines.append(f"    {measure:<{width - 2}}" + "".join(f"{x:>26}" for x in cells))
    return lines
