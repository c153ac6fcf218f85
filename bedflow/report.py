"""report.html: the one page a trust planner reads after every run.

Self-contained on purpose: the charts are embedded as base64 PNG data URIs and the styling is
inline, with no scripts, external stylesheets or fonts, so the file opens offline and can be
attached to an e-mail. The same PNGs are also written beside it for slides.

Reads a `Results` and the provenance dict; writes files only through `atomic_write`. Sections:
headline figures with 95% intervals, sites, the intervention comparison when the run has one,
the charts, the warm-up check (MSER-5), the scenario and its settings, provenance.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import plots
from .compare import CONVENTION, FULL_BEDS, WITH, WITHOUT, arms, convention
from .mser import WarmupCheck, warmup_check
from .results import HEADLINE, Results
from .services import service_table, unit_format
from .forecast import likely_opel4
from .stroke_units import travel_table, unit_rows, unit_table
from .stats import mean_ci
from .table import (CLIPPED, COMPARISON_FORMATS, clipped, fmt_for, fmt_mean, fmt_value,
                    interval, site_columns)
from .writers import atomic_write, plain

#: headline cards at the top of the page: the questions a winter plan asks first
CARDS = ("occupancy", "mean_medically_optimised", "waits_over_12h", "elective_cancelled")


@dataclass
class Chart:
    name: str  # file stem in the run folder
    title: str
    caption: str
    png: bytes


@dataclass
class ReportOutput:
    paths: list = field(default_factory=list)  # files written, report.html last
    warning: str = ""  # one line for stderr when the warm-up check fails, else ''


# --------------------------------------------------------------------------- the charts


def observed_window(results: Results) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last observed day (the daily census dates, else from the config)."""
    d = results.daily
    if d is not None and len(d) and "date" in d:
        return pd.Timestamp(d["date"].min()), pd.Timestamp(d["date"].max())
    sim = results.config.sim
    start = pd.Timestamp(sim.start_date) + pd.Timedelta(days=sim.warmup_days)
    return start, start + pd.Timedelta(days=sim.horizon_days - 1)


def window_label(results: Results) -> str:
    """What the run stands for: its dates, or, for a system whose figures describe another
    period (`system.period`, e.g. kent_medway_now), that period, with the dates kept only as
    the calendar (weekdays, seasons) it was simulated on."""
    a, b = observed_window(results)
    dates = f"{a:%-d %b %Y} to {b:%-d %b %Y}"
    period = getattr(results.config.system, "period", "")
    return f"{period} (simulated on the calendar of {dates})" if period else dates


def save(fig, path, dpi: int = 120) -> Path:
    """A figure as a full-colour PNG at `path`, written atomically; the figure is freed."""
    data = plots.png(fig, colors=0, dpi=dpi)
    return atomic_write(path, lambda p: p.write_bytes(data))


def site_names(results: Results) -> dict:
    return {sid: s.name for sid, s in results.config.system.sites.items()}


def default_periods(results: Results) -> list:
    """What the charts shade unless told otherwise: winter, and the scenario's own dated window
    (`scenario.highlight: [start, end]`, both days included) where the run has one."""
    a, b = observed_window(results)
    periods = plots.winter_periods(a, b)
    sc = getattr(results.config, "scenario", None)
    hl = list(getattr(sc, "highlight", None) or [])
    if len(hl) == 2:
        s, e = pd.Timestamp(hl[0]), pd.Timestamp(hl[1]) + pd.Timedelta(days=1)
        s, e = max(s, a), min(e, b + pd.Timedelta(days=1))
        if s < e:
            periods.append((s, e, f"scenario {sc.name}: {hl[0]} to {hl[1]}"))
    return periods


def charts(results: Results, periods: Sequence[plots.Period] | None = None) -> list[Chart]:
    """Every chart the run supports; the daily columns present decide which."""
    daily, cfg = results.daily, results.config
    if periods is None:
        periods = default_periods(results)
    reps = cfg.sim.replications
    how = (f"The line is the median of {reps} replications, the dark band holds the middle "
           f"50% of them and the light band 90%.")
    shaded = "; shaded: " + ", ".join(dict.fromkeys(p[2] for p in periods if len(p) > 2)) \
        if periods else ""
    out = []
    names = site_names(results)
    comp = getattr(results, "comparison", None)
    if comp is not None and len(comp) and (comp["kpi"] == "beds_released").any():
        out.append(Chart(
            "beds_released", "Acute beds released by the interventions",
            "Beds released = mean occupied beds, baseline minus scenario, on the same patients "
            "(common random numbers): the mean paired difference for all sites and each "
            "hospital, with its 95% interval. Positive: fewer beds occupied with the "
            "interventions. An interval that crosses zero means no clear effect.",
            plots.png(plots.beds_released_chart(comp, f"Acute beds released: "
                                                      f"{_interventions(results)}", names))))
    sens = getattr(results, "sensitivity", None)
    if sens is not None and len(sens):
        out.append(Chart(
            "tornado", "Which assumption drives the beds released",
            f"Beds released (all sites, baseline minus scenario on the same patients) with each "
            f"input of the switched-on interventions set to the low (blue) or high (orange) end "
            f"of the range its evidence allows, the others at their defaults; largest swing on "
            f"top. Whiskers: 95% intervals of each end's change from the default, paired with "
            f"it over {reps} replications (sensitivity.csv also has each end against the "
            f"baseline). One input at a time: the ends do not add up to a joint range.",
            plots.png(plots.tornado_chart(sens))))
    if daily is None or not len(daily):
        return out
    beds = plots.site_beds(results.replications)
    base = sum(beds.values())
    period = getattr(cfg.system, "period", "")
    out.append(Chart(
        "occupancy", "Bed occupancy, all sites",
        f"Occupied general & acute beds at the 08:00 census, all sites added up. {how} "
        f"The bed base is {base:,} beds; above it, escalation beds are open (dotted line). "
        f"Dashed lines: 92% and 85% of the bed base{shaded}.",
        plots.png(plots.occupancy_chart(
            daily, beds, periods,
            title=f"Bed occupancy, all sites: {period}" if period else ""))))
    if len(beds) > 1:
        out.append(Chart(
            "occupancy_by_site", "Bed occupancy by site",
            "As above for each site, with its own bed base and 85%/92% lines. Each panel has "
            "its own scale.",
            plots.png(plots.site_panels(daily, "occupied", "occupied beds",
                                        "occupied beds at 08:00", periods, beds, names,
                                        title="Occupied beds at 08:00 by site"))))
    ref = cfg.system.mo_reference
    out.append(Chart(
        "medically_optimised", "Medically optimised patients",
        f"Patients who are medically optimised (no longer need an acute bed) but are still in "
        f"one at 08:00, waiting for the discharge process or a place on pathway 1-3. {how}"
        + (f" Purple line: the planning reference of {ref:,.0f}." if ref > 0 else ""),
        plots.png(plots.mo_chart(daily, ref, periods))))
    if len(beds) > 1:
        out.append(Chart(
            "medically_optimised_by_site", "Medically optimised patients by site",
            "As above for each site; each panel has its own scale.",
            plots.png(plots.site_panels(daily, "medically_optimised", "MO patients",
                                        "MO patients at 08:00", periods, names=names,
                                        title="Medically optimised patients in acute beds "
                                              "at 08:00 by site"))))
    twelve = ("Below: 12-hour waits per day, the people admitted after more than 12 hours' wait "
              "for a bed in the 24 hours to each 08:00 census." if "waits_over_12h" in daily else
              "12-hour waits are not recorded per day in this run, only as a total per "
              "replication: see the headline figures.")
    out.append(Chart(
        "ed_waits", "Waits in ED for a bed",
        f"People in ED with a decision to admit, waiting for a bed at 08:00, all sites. {how} "
        f"Most days nobody waits, so the median often sits at 0: the dashed line is the mean. "
        f"{twelve}",
        plots.png(plots.ed_chart(daily, periods))))
    if "elective_cancelled" in daily and len(plots.weekly(daily, "elective_cancelled")):
        out.append(Chart(
            "elective_cancellations", "Elective cancellations per week",
            f"Electives cancelled for want of a bed, per calendar week (Monday to Sunday "
            f"censuses, whole weeks only), all sites: the mean over {reps} replications and the "
            f"band holding 90% of them. A cancelled patient is rebooked and may be cancelled "
            f"again: a patient cancelled several times counts each time.",
            plots.png(plots.cancellations_chart(daily, periods))))
    if cfg.initial:
        out.insert(0, Chart(
            "forecast", "Forecast: beds, medically optimised patients and ED waits",
            f"All sites, day by day from the observed state (day 0): the median over {reps} "
            "replications and the bands holding the middle 50% and 90% of them; occupied beds "
            "against the bed base (without escalation) and 85% and 92% of it.",
            plots.png(plots.forecast_chart(daily, plots.site_beds(results.replications)))))
    units = unit_table(results)
    if len(units) and (units["kpi"] == "stroke_no_bed_share").any():
        out.append(Chart(
            "stroke_no_bed", "Stroke patients finding no stroke bed",
            f"By unit, for each run: the share of the unit's stroke admissions who found every "
            f"stroke bed taken on arrival, mean and 95% interval over {reps} replications.",
            plots.png(plots.stroke_chart(units))))
    return out


def _stay(los) -> str:
    e, ls = los.emergency, los.long_stay
    text = f"{e.mean_days:g} days mean ({plain(e.dist)}, cv {e.cv:g})"
    if ls.share > 0:
        text += f"; {ls.share:.0%} long stays of {ls.mean_days:g} days mean (cv {ls.cv:g})"
    return text


def _scenario(results: Results) -> str:
    """'name: description' of the winter scenario, or '' when there is none."""
    sc = getattr(results.config, "scenario", None)
    if sc is None or sc.name in ("", "none"):
        return ""
    return f"{sc.name}: {sc.description}" if sc.description else sc.name


def _interventions(results: Results) -> str:
    """The active interventions, joined with '+', or '' when there are none."""
    iv = getattr(results.config, "intervention", None)
    return " + ".join(iv.active()) if iv is not None else ""


# --------------------------------------------------------------------------- html pieces


def _e(x) -> str:
    return html.escape(str(x))


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """An HTML table; cells are escaped unless given as already-safe Markup."""
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, Markup) else _e(c)}</td>"
                                    for c in r) + "</tr>" for r in rows)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


class Markup(str):
    """A string of HTML that must not be escaped again."""


def _ci(fmt: str, lo: float, hi: float) -> str:
    """'low to high', or '' for no interval."""
    if lo is None or math.isnan(lo):
        return ""
    return f"{fmt_value(fmt, lo)} to {fmt_value(fmt, hi)}"


def _site_cell(kpi: str, fmt: str, m: float, lo: float, hi: float) -> Markup:
    """'mean [low, high]', the interval within the KPI's bounds as in the printed table."""
    ci = interval(fmt, *clipped(kpi, lo, hi))
    return Markup(_e(fmt_value(fmt, m)) + (f" <span class=pm>{_e(ci)}</span>" if ci else ""))


def _cards(summary: pd.DataFrame) -> str:
    s = summary[summary["site"] == "system"].set_index("kpi")
    out = []
    for k in CARDS:
        if k not in s.index:
            continue
        r = s.loc[k]
        f = fmt_for(k).replace("{:,.1f}", "{:,.0f}")
        ci = _ci(f, *clipped(k, r["ci_low"], r["ci_high"]))
        out.append(f'<div class=card><div class=k>{_e(r["label"])}</div>'
                   f'<div class=v>{_e(fmt_mean(f, r))}</div>'
                   f'<div class=ci>{"95% interval " + _e(ci) if ci else "&nbsp;"}</div></div>')
    return f"<div class=cards>{''.join(out)}</div>"


def _system_table(summary: pd.DataFrame) -> str:
    rows = []
    for _, r in summary[summary["site"] == "system"].iterrows():
        f = fmt_for(r["kpi"])
        rows.append([r["label"], fmt_mean(f, r),
                     _ci(f, *clipped(r["kpi"], r["ci_low"], r["ci_high"])) or "-"])
    return _table(["all sites", "mean", "95% interval"], rows)


def _site_table(summary: pd.DataFrame, names: dict) -> str:
    sites = [s for s in summary["site"].unique() if s != "system"]
    rows = []
    for site in sites:
        sub = summary[summary["site"] == site].set_index("kpi")
        cells = [_site_cell(k, fmt, *sub.loc[k, ["mean", "ci_low", "ci_high"]])
                 if k in sub.index else "-"
                 for k, (_, fmt) in site_columns(summary).items()]
        rows.append([Markup(f"{_e(plots.short_name(site, names))}")] + cells)
    heads = ["site"] + [HEADLINE.get(k, h) for k, (h, _) in site_columns(summary).items()]
    return _table(heads, rows)


def _comparison_table(comp: pd.DataFrame, names: dict | None = None,
                      labels: tuple = (WITHOUT, WITH), conv: str = CONVENTION) -> str:
    """The system's paired differences, then (folded) every site's; beds released first.

    Uses the comparison's own labels and the printed table's formats (money in pounds) when it
    has them, so the page and the terminal say the same thing.
    """
    kpis = list(dict.fromkeys(["beds_released"] + list(comp["kpi"])))
    sites = list(dict.fromkeys(["system"] + list(comp["site"])))
    comp = comp.assign(_k=comp["kpi"].map(kpis.index), _s=comp["site"].map(sites.index))
    head = ["KPI", "site", *labels, f"difference (mean): {conv}",
            "95% interval of the difference"]

    def rows(df):
        out = []
        for _, r in df.iterrows():
            k = str(r["kpi"])
            f = COMPARISON_FORMATS.get(k) or fmt_for(k)
            label = r.get("label") if isinstance(r.get("label"), str) else None
            out.append([label or HEADLINE.get(k, k.replace("_", " ")),
                        "all sites" if r["site"] == "system" else
                        plots.short_name(r["site"], names),
                        fmt_value(f, r["baseline_mean"]), fmt_value(f, r["scenario_mean"]),
                        fmt_value(f, r["difference_mean"]),
                        _ci(f, r["difference_ci_low"], r["difference_ci_high"]) or "-"])
        return out

    system = comp[comp["site"] == "system"].sort_values("_k", kind="stable")
    by_site = comp[comp["site"] != "system"].sort_values(["_k", "_s"], kind="stable")
    html_ = _table(head, rows(system), "t2") if len(system) else ""
    if len(by_site):
        html_ += ("<details><summary>Each site</summary>" + _table(head, rows(by_site), "t2")
                  + "</details>")
    return html_


def _settings(results: Results, prov: dict) -> str:
    cfg = results.config
    sim, sys_ = cfg.sim, cfg.system
    sites = sys_.sites.values()
    rows = [
        ["system", sys_.name],
        ["observed window", f"{window_label(results)}, {sim.horizon_days:g} days"],
        ["clock starts", f"{sim.start_date}, then a {sim.warmup_days:g}-day warm-up that no "
                         f"statistic counts"],
        ["replications", f"{sim.replications} (seed {sim.seed})"],
        ["census", f"daily at {int(sim.census_hour):02d}:"
                   f"{int(round(sim.census_hour % 1 * 60)):02d}"],
        ["when a site is full", {"wait": "patients wait in ED for a bed",
                                 "divert": "patients are turned away (diverted)"}.get(
                                     plain(sys_.when_full), str(plain(sys_.when_full)))],
        ["sites", f"{len(sys_.sites)}, {sum(s.beds for s in sites):,} G&A beds and "
                  f"{sum(s.escalation_beds for s in sites):,} escalation beds"],
        ["emergency demand", f"{sum(s.emergency_per_day for s in sites):,.0f} a day on average; "
                             f"seasonal amplitude {sys_.demand.seasonality.amplitude:+.0%}, "
                             f"peak on day {sys_.demand.seasonality.peak_day:g} of the year"],
        ["acute stay to MO", _stay(sys_.los)],
        ["MO planning reference", f"{sys_.mo_reference:,.0f}" if sys_.mo_reference > 0 else
         "none"],
        ["scenario", _scenario(results) or "none"],
        ["interventions", _interventions(results) or "none"],
        ["overrides", " ".join(prov.get("overrides") or []) or "none (the defaults)"],
    ]
    costs = getattr(cfg, "costs", None)
    if costs is not None:
        rows.insert(-1, ["acute bed-day cost", f"£{costs.acute_bed_day:,.0f}"])
    site_rows = [[Markup(_e(plots.short_name(sid, site_names(results)))), f"{s.beds:,}",
                  f"{s.escalation_beds:,}", f"{s.emergency_per_day:,.1f}",
                  f"{s.elective_per_weekday:,}", f"{s.downstream.P1:,}", f"{s.downstream.P2:,}",
                  f"{s.downstream.P3:,}"] for sid, s in sys_.sites.items()]
    yaml_text = _yaml(plain(asdict(cfg)))
    return (_table(["setting", "value"], rows, "kv")
            + _table(["site", "G&A beds", "escalation beds", "emergency a day",
                      "electives a weekday", "P1 places", "P2 places", "P3 places"], site_rows)
            + f"<details><summary>The full composed configuration (YAML)</summary>"
              f"<pre>{_e(yaml_text)}</pre></details>")


def _yaml(obj) -> str:
    import yaml

    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=None, width=100)


def _provenance(prov: dict) -> str:
    keys = ["bedflow_version", "git_commit", "system", "overrides", "seed", "replications",
            "seeds", "python", "platform", "elapsed_seconds"]
    rows = []
    for k in keys:
        if k in prov:
            v = prov[k]
            rows.append([k, " ".join(v) if isinstance(v, list) else ("-" if v is None else v)])
    pk = prov.get("packages") or {}
    pkgs = _table(["package", "version"], [[k, v or "not installed"] for k, v in pk.items()]) \
        if pk else ""
    rest = {k: v for k, v in prov.items() if k != "config"}
    return (_table(["item", "value"], rows, "kv") + pkgs
            + "<details><summary>provenance.json (without the config, shown above)</summary>"
              f"<pre>{_e(json.dumps(rest, indent=2, default=str))}</pre></details>")


def _warmup_html(w: WarmupCheck) -> str:
    if w.observed:
        return ("<p class=ok><b>Warm-up check.</b> None needed: the run started from an "
                "observed state (sim.initial_state), not from an empty or approximate one.</p>")
    if w.too_short:
        msg = w.message()
        return (f"<p class=note><b>Warm-up check.</b> {_e(msg[0].upper() + msg[1:])}. "
                "Figures from the first weeks of the window may still carry the state the run "
                "started from.</p>")
    return (f"<p class=ok><b>Warm-up check.</b> MSER-5 on the daily system census of the queues "
            f"the warm-up builds suggests no "
            f"further truncation: the {w.configured_days:g}-day warm-up looks long enough.</p>")


#: on every page: what has been held against published figures, and what has not
VALIDATION_SCOPE = ("<p class=caveat><b>Validated for one year only.</b> The default Kent &amp; "
                    "Medway year is held against what the NHS recorded in 2016-17 (ED waits, "
                    "cancellations, occupancy by quarter, long stays, delayed discharges; "
                    "experiments/validation_2016 in the repository). Other systems, scenarios "
                    "and interventions use the same mechanisms but are not validated: read them "
                    "as directions and sizes, not forecasts (docs/validation.md).</p>")


def _pressure_html(results: Results) -> str:
    """What the pressure valves did (means over replications): the days a planner must see."""
    s = results.system
    if s is None or not len(s) or "opel4_days" not in s:
        return ""
    m = {c: float(s[c].mean()) for c in ("opel4_days", "corridor_admissions", "corridor_days",
                                         "mutual_aid_out", "diverted_to_neighbours", "diverted",
                                         "still_waiting_at_end",
                                         "elective_deferred", "spot_purchases") if c in s}
    d = results.daily
    peak = ""
    if d is not None and len(d) and "ed_waiting" in d:
        ed = d.groupby(["replication", "date"])["ed_waiting"].sum().groupby(level="date").mean()
        peak = (f"; the most waiting in ED at 08:00, across the sites, {ed.max():,.0f} on "
                f"{pd.Timestamp(ed.idxmax()):%d %b %Y} (on a typical day, the median: "
                f"{ed.median():,.0f})")
    n_sites = results.replications["site"].nunique() if results.replications is not None else 1

    def cell(col: str, digits: int = 0) -> str:
        """Mean [95% interval] over replications, the interval within what a count can be."""
        if col not in s:
            return "not recorded"
        mean, lo, hi = mean_ci(s[col].to_numpy(float))
        f = f",.{digits}f"
        if not math.isfinite(lo):
            return f"{mean:{f}} (one replication: no interval)"
        return f"{mean:{f}} [{max(lo, 0.0):{f}}, {hi:{f}}]"

    rows = [
        ["days at OPEL 4 (a site's mean; electives stood down, escalation open)",
         cell("opel4_days", 1)],
        ["patients taken into corridor care near 12 hours", cell("corridor_admissions")],
        ["site-days on which that happened", cell("corridor_days")],
        ["patients taken to a neighbouring site (mutual aid)", cell("mutual_aid_out")],
        ["patients diverted to a neighbour with a bed (ED full, or when_full=divert)",
         cell("diverted_to_neighbours")],
        ["patients diverted out of the system (no neighbour had a bed)", cell("diverted")],
        ["places bought downstream in a crisis (spot purchase)", cell("spot_purchases")],
        ["electives deferred (lists stood down the day before)", cell("elective_deferred")],
        ["still waiting in ED when the window ends", cell("still_waiting_at_end")],
    ]
    span = float(results.config.sim.horizon_days)
    alarm = m.get("diverted", 0) > 0 or m.get("opel4_days", 0) > 0.25 * span or \
        m.get("still_waiting_at_end", 0) > 10 * n_sites
    cls = "alarm" if alarm else "ok"
    head = ("Extreme pressure: patients were diverted, sites spent over a quarter of the window "
            "at OPEL 4, or many were still waiting at the end" if alarm else
            "No extreme pressure: no diversions, OPEL 4 on under a quarter of the days")
    return (f"<p class={cls}><b>Pressure.</b> {_e(head)}{_e(peak)}.</p>"
            + _table(["what the pressure valves did", "mean [95% interval] over replications"],
                     rows, "kv"))


CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 margin:0 auto;max-width:1120px;padding:12px 24px 40px;color:#1b1b1b;line-height:1.4}
h1{font-size:1.55em;margin:.3em 0 .1em}
h2{font-size:1.2em;border-bottom:2px solid #1f5fa8;padding-bottom:2px;margin-top:1.8em}
.meta{color:#555;margin:.2em 0 1em}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{flex:1 1 200px;border:1px solid #cdd6e4;border-radius:6px;padding:10px 14px;
 background:#f6f8fc}
.card .k{color:#333;font-size:.9em}.card .v{font-size:1.7em;font-weight:600}
.card .ci{color:#555;font-size:.85em}
table{border-collapse:collapse;margin:10px 0 14px;font-size:.9em}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 9px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#eef2f8;border-bottom:2px solid #c8d2e2;font-weight:600}
table.kv td,table.kv th{text-align:left}
table.t2 td:nth-child(2),table.t2 th:nth-child(2){text-align:left}
td{white-space:nowrap}td:first-child{white-space:normal}
.pm{color:#666;font-size:.88em}
.note,.caveat,.alarm{border-left:5px solid #d08c00;background:#fff4dc;padding:8px 12px}
.ok{border-left:5px solid #3a8d3a;background:#eef8ee;padding:8px 12px}
figure{margin:18px 0 26px}figure img{max-width:100%;height:auto;border:1px solid #e6e6e6}
figcaption{color:#444;font-size:.9em;max-width:900px}
pre{background:#f6f6f6;padding:8px 10px;overflow:auto;font-size:.78em;max-height:520px}
details{margin:10px 0}summary{cursor:pointer;font-weight:600}
.small{color:#666;font-size:.85em}
@media print{details{display:none}figure{break-inside:avoid}}
"""


def render(results: Results, prov: dict, chart_list: Sequence[Chart],
           warm: WarmupCheck) -> str:
    """The page as one string of HTML."""
    cfg = results.config
    summary = results.summary
    names = site_names(results)
    title = f"bedflow report: {cfg.system.name}, {window_label(results)}"
    commit = prov.get("git_commit") or "unknown"
    sc, iv = getattr(getattr(cfg, "scenario", None), "name", "none"), _interventions(results)
    meta = ((f"scenario {sc} · " if sc not in ("", "none") else "")
            + (f"interventions {iv}, against the baseline without them · " if iv else "")
            + f"{cfg.sim.replications} replications · {cfg.sim.horizon_days:g} days observed "
            + (f"from the state in {cfg.sim.initial_state} · " if cfg.initial else
               f"after a {cfg.sim.warmup_days:g}-day warm-up · ")
            + f"seed {cfg.sim.seed} · bedflow "
            f"{prov.get('bedflow_version') or '?'} (commit {commit[:12]}) · made "
            f"{dt.datetime.now():%-d %b %Y %H:%M}")
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
             f"<meta name=viewport content='width=device-width, initial-scale=1'>"
             f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(title)}</h1><p class=meta>{_e(meta)}</p>", VALIDATION_SCOPE]
    if warm.too_short:
        parts.append(_warmup_html(warm))
    if cfg.initial:  # a forecast leads with what the coming days look like
        parts.append(_forecast_html(results, chart_list, names))
    parts.append("<h2>Headline figures</h2>"
                 "<p class=small>Each figure is the mean over replications with its 95% "
                 "interval: where the true mean lies, given the randomness of "
                 f"{cfg.sim.replications} replications of the {cfg.sim.horizon_days:g}-day "
                 "window. Rare events (12-hour waits, "
                 "cancellations) have wide intervals; more replications narrow them. "
                 f"{_e(CLIPPED)}.</p>"
                 + _cards(summary) + _system_table(summary))
    if summary["site"].nunique() > 1:
        parts.append("<h2>By site</h2><p class=small>Mean [95% interval], as above. "
                     "Counts (12-hour waits, cancellations) are totals over the observed "
                     "window.</p>" + _site_table(summary, names))
    comp = getattr(results, "comparison", None)
    if comp is not None and len(comp) and cfg.scenario.reconfigures():
        parts.append(f"<h2>The change against the same scenario without it</h2>"
                     f"<p class=small>{_e(cfg.scenario.description)} The headline figures above "
                     "are with the change. Here it is set against the same system without it, "
                     "run on the same patients (each catchment sends the same patients to "
                     "whichever site now serves it). One sign convention throughout: "
                     f"{_e(convention(cfg))}.</p>"
                     + _comparison_table(comp, names, arms(cfg), convention(cfg)))
    elif comp is not None and len(comp):
        bars = [c for c in chart_list if c.name == "beds_released"]
        parts.append("<h2>Interventions against the baseline</h2>"
                     "<p class=small>The headline figures above are with the interventions. "
                     "Here each is set against the baseline (every intervention off) run on the "
                     f"same patients. One sign convention throughout: {_e(CONVENTION)}. Bed-days "
                     "freed are valued at the bed-day cost: that is capacity for other "
                     f"patients, not cash, unless beds close. {_e(FULL_BEDS)}</p>"
                     + "".join(_figure(c) for c in bars)
                     + _comparison_table(comp, names) + _services_html(results, chart_list))
    parts.append(_stroke_html(results)
                 + "".join(_figure(c) for c in chart_list if c.name == "stroke_no_bed"))
    parts.append("<h2>Through the year</h2>")
    parts += [_figure(c) for c in chart_list
              if c.name not in ("beds_released", "tornado", "stroke_no_bed", "forecast")]
    if "elective_cancelled" not in results.daily:
        parts.append("<p class=small>Weekly elective cancellations need a daily count, which "
                     "this run did not record; the total is in the headline figures.</p>")
    elif not any(c.name == "elective_cancellations" for c in chart_list):
        parts.append(f"<p class=small>Weekly elective cancellations are drawn for whole weeks "
                     f"(Monday to Sunday) only, and this {cfg.sim.horizon_days:g}-day window has "
                     f"no whole week, so the chart is left out; the total is in the headline "
                     f"figures.</p>")
    parts.append("<h2>Checks</h2>" + _warmup_html(warm) + _pressure_html(results))
    parts.append("<h2>Scenario and settings</h2>" + _settings(results, prov))
    parts.append("<h2>Provenance</h2><p class=small>What made these numbers: rerun with the "
                 "same commit, seed and overrides to get them again.</p>" + _provenance(prov))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _forecast_html(results: Results, chart_list: Sequence[Chart], names: dict) -> str:
    """The forecast's fan charts, then the days each site is likely to be at OPEL 4."""
    table = likely_opel4(results.daily)
    rows = [[plots.short_name(r.site, names),
             f"{r.likely_days} of {r.days}" + (f" (first {r.likely_first})" if r.likely_days
                                                else ""), r.likely_dates or "-",
             f"{r.very_likely_days}" + (f" (first {r.very_likely_first})"
                                        if r.very_likely_days else ""),
             r.very_likely_dates or "-"] for r in table.itertuples()]
    return ("<h2>Forecast from the observed state</h2>"
            f"<p class=small>Started from the state in {_e(results.config.sim.initial_state)} "
            f"at {results.config.sim.census_hour:g}:00 on {_e(results.config.sim.start_date)} "
            "(day 0 of the charts), with the configured demand, scenario and interventions from "
            "then on.</p>"
            + "".join(_figure(c) for c in chart_list if c.name == "forecast")
            + "<h3>Days likely at OPEL 4</h3><p class=small>Days on which the site declared "
            "OPEL 4 in more than half (likely) and more than 90% (very likely) of the "
            f"{results.config.sim.replications} replications.</p>"
            + _table(["site", "likely: days", "dates", "very likely: days", "dates"], rows))


def _stroke_html(results: Results) -> str:
    """Each stroke unit, in both arms of a change, and the travel the change added ("" if
    neither)."""
    units, out = unit_table(results), ""
    if len(units):
        out = _units_html(units)
    travel = travel_table(results)
    if len(travel):
        rows = [[r.who, r.measure, _site_cell(r.kpi, r.format, r.mean, r.ci_low, r.ci_high)]
                for r in travel.itertuples()]
        out += ("<h3>Travel added</h3><p class=small>Among the patients the change sends to a "
                "site further than before: road minutes between the hospitals "
                "(system.travel_minutes), not blue-light times.</p>"
                + _table(["who", "measure", "mean [95% interval]"], rows))
    return out


def _units_html(units: pd.DataFrame) -> str:
    names, table = unit_rows(units)
    rows = [[site, measure, *(_site_cell(r["kpi"], r["format"], r["mean"], r["ci_low"],
                                         r["ci_high"]) if r else "-" for r in cells)]
            for site, measure, cells in table]
    return ("<h2>Stroke units</h2><p class=small>Per site with stroke beds in either run: mean "
            "[95% interval] over replications. Found no stroke bed: the share of the unit's "
            "stroke admissions who found every bed taken on arrival (outliers placed in a "
            "general bed, or waiting in ED, as system.stroke.when_full says).</p>"
            + _table(["site", "measure", *names], rows))


def _services_html(results: Results, chart_list: Sequence[Chart]) -> str:
    """What the local care services did, to hold against a lead's own activity, and which
    assumption drives the beds released (the tornado, or how to draw it)."""
    table = service_table(results)
    out = ""
    if len(table):
        rows = [[r.service, r.measure, fmt_value(unit_format(r.unit), r.mean),
                 _ci(unit_format(r.unit), r.ci_low, r.ci_high) or "-", r.unit]
                for r in table.itertuples()]
        out += ("<h3>What the services did</h3><p class=small>Referrals and admissions per site "
                "per month, to hold against your own activity (urgent community response in "
                "England: ~73,000 referrals a month in October 2023). Not everyone a service "
                "takes would have been admitted: the rest use its places but avoid no admission. "
                "The acute stay of those avoided is the stay each would have had, up to medically "
                "optimised: set it beside the frail cohort's. Bed-days freed per admission "
                "avoided (shown when only rapid response or a virtual ward is on) include the "
                "waits after medically optimised: set them beside the frail cohort's whole "
                "stay.</p>"
                + _table(["service", "measure", "mean", "95% interval", "unit"], rows))
    tornado = [c for c in chart_list if c.name == "tornado"]
    if tornado:
        out += "<h3>Which assumption drives the answer</h3>" + _figure(tornado[0])
    elif any(getattr(getattr(results.config.intervention, n), "ranges", None)
             for n in results.config.intervention.active()):
        out += ("<p class=small>To see which assumption drives the beds released, run again "
                "with <code>sim.sensitivity=true</code>: each input with a range in its "
                "intervention's config is set to both ends, one at a time (two more runs "
                "each), and a tornado chart is drawn here.</p>")
    return out


def _figure(c: Chart) -> str:
    data = base64.b64encode(c.png).decode("ascii")
    return (f"<figure id={_e(c.name)}><img src='data:image/png;base64,{data}' "
            f"alt='{_e(c.title)}'><figcaption><b>{_e(c.title)}.</b> {_e(c.caption)}"
            f"</figcaption></figure>")


def write_report(results: Results, folder: Path, prov: dict,
                 periods: Sequence[plots.Period] | None = None) -> ReportOutput:
    """Write the chart PNGs and report.html into the run folder, each atomically."""
    folder = Path(folder)
    warm = warmup_check(results)
    chart_list = charts(results, periods)
    out = ReportOutput(warning=warm.message())
    for c in chart_list:
        out.paths.append(atomic_write(folder / f"{c.name}.png",
                                      lambda p, b=c.png: p.write_bytes(b)))
    page = render(results, prov, chart_list, warm)
    out.paths.append(atomic_write(folder / "report.html",
                                  lambda p: p.write_text(page, encoding="utf-8")))
    return out
