"""`bedflow-calibrate`: a system config from a trust's NHS returns, with a fit report.

The base system's mechanisms and assumptions are kept; the numbers the returns measure are
replaced and tagged `[data]` with the file and period: beds, escalation beds and emergency
demand per site, the weekday pattern, the MO reference, the discharge pathway split. The MO
level (patients no longer meeting the criteria to reside) is not a parameter but an outcome, so
one multiplier on the discharge process delays is searched by simulation until the calibrated
system reproduces it. Everything is computed first and written at the end (each file to a
temporary name, then renamed), so a mistake costs one line, exit 2 and nothing written.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import math
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .config import PATHWAYS, ConfigError
from .errors import fail
from .returns import ReturnsError, read_ae, read_beds, read_discharge, read_template
from .writers import plain, write_together

PROG = "bedflow-calibrate"
#: the MO search: replications and the seed of its short runs (common random numbers, so the
#: level is a smooth function of the multiplier), the tolerance it stops at, its budget
SEARCH_REPS, SEARCH_SEED, SEARCH_TOL, SEARCH_EVALS = 2, 20240101, 0.02, 8
MULT_RANGE = (0.05, 20.0)  # the multiplier's bounds: process delays 1/20 to 20 times the base's


class CalibrationError(ValueError):
    """The data cannot give a calibrated system (no usable period, nothing to fit)."""


# --------------------------------------------------------------------------- data


def _span(dates: pd.Series, month: bool = False) -> str:
    a, b = dates.min(), dates.max()
    if month:
        return f"{a:%Y-%m} to {b:%Y-%m}"
    return f"{a:%Y-%m-%d} to {b:%Y-%m-%d}"


def load(files: dict, orgs: dict, until: dt.date | None, skip_other: bool) -> dict:
    """Each file read and cut to `until` (a month of the A&E file counts only when complete)."""
    out = {}
    end = pd.Timestamp(until) if until else None
    if files.get("ae"):
        df = read_ae(files["ae"], orgs, skip_other)
        if end is not None:
            df = df[df["month"] + pd.to_timedelta(df["days"] - 1, unit="D") <= end]
        out["ae"] = df
    if files.get("beds"):
        df = read_beds(files["beds"], orgs, skip_other)
        out["beds"] = df if end is None else df[df["date"] <= end]
    if files.get("discharge"):
        df = read_discharge(files["discharge"], orgs, skip_other)
        out["discharge"] = df if end is None else df[df["date"] <= end]
    if files.get("template"):
        df = read_template(files["template"], orgs)
        out["template"] = df if end is None else df[df["date"] <= end]
    for k, df in out.items():
        if df.empty:
            raise CalibrationError(f"{Path(files[k]).name}: no rows for the mapped sites"
                                   + (f" up to {until}" if until else ""))
    return out


# --------------------------------------------------------------------------- the base


def base_system(base: str, sites: list[str]) -> dict:
    """The base system as plain data, cut to `sites`. A site the base lacks is a copy of the
    base's first site (its policies; places scaled later with its demand); neighbours, stroke
    catchments and travel times of sites not kept are dropped."""
    from . import compose

    cfg = compose([f"system={base}"])
    s = plain(asdict(cfg.system))
    first = next(iter(s["sites"].values()))
    kept = {}
    for sid in sites:
        kept[sid] = s["sites"].get(sid) or {**copy.deepcopy(first), "name": sid,
                                            "_new": True}
    for sid, site in kept.items():
        site["neighbours"] = [n for n in site["neighbours"] if n in kept] or \
            ([n for n in kept if n != sid] if site.get("_new") else [])
    s["sites"] = kept
    st = s["stroke"]
    st["catchments"] = {k: v for k, v in st["catchments"].items() if k in kept and v["unit"] in kept}
    st["units"] = {k: v for k, v in st["units"].items() if k in kept}
    s["travel_minutes"] = {a: {b: m for b, m in row.items() if b in kept}
                           for a, row in s["travel_minutes"].items() if a in kept}
    return s


def rhythm(system: dict, dates: pd.DatetimeIndex) -> np.ndarray:
    """The base's demand multiplier (weekday x season, as bedflow.calendar.DemandRate) on dates."""
    dow = np.asarray(system["demand"]["day_of_week"], float)
    dow = dow / dow.mean()
    sea = system["demand"]["seasonality"]
    doy = dates.day_of_year.to_numpy() + 0.5  # the middle of the day
    return dow[dates.day_of_week.to_numpy()] * (1 + sea["amplitude"] * np.cos(
        2 * np.pi * (doy - sea["peak_day"]) / 365.25))


def rake(cohorts: dict, target: dict, rounds: int = 200) -> dict:
    """Cohort pathway splits scaled so their share-weighted sum is `target`: iterative
    proportional fitting, each pathway's column scaled to its target, then each cohort's row
    back to 1, until both hold. A band's odds between pathways keep their ratios to the other
    bands' (the base's judgement of who goes where) while the overall split becomes the data's."""
    share = np.array([c["share"] for c in cohorts.values()])
    p = np.array([[c["pathways"][k] for k in PATHWAYS] for c in cohorts.values()], float)
    t = np.array([target[k] for k in PATHWAYS])
    for j in range(4):  # a pathway the base never uses but the data does: seed it evenly
        if p[:, j].sum() == 0 and t[j] > 0:
            p[:, j] = t[j]
    p = p / p.sum(axis=1, keepdims=True)
    for _ in range(rounds):
        col = share @ p
        p = p * np.divide(t, col, out=np.zeros(4), where=col > 0)
        p = p / p.sum(axis=1, keepdims=True)
        if np.abs(share @ p - t).max() < 1e-6:
            break
    out = {}
    for (cid, c), row in zip(cohorts.items(), p):
        r = np.round(row, 4)
        r[np.argmax(r)] += round(1 - r.sum(), 4)  # the rounded shares still sum to 1
        out[cid] = {k: float(round(v, 4)) for k, v in zip(PATHWAYS, r)}
    return out


# --------------------------------------------------------------------------- fitting


def fit(system: dict, data: dict, files: dict) -> tuple[dict, dict, dict]:
    """The base `system` with the measured numbers replaced; {dotted key: tag}; facts for the
    report."""
    s, tags, facts = copy.deepcopy(system), {}, {}
    name = {k: Path(v).name for k, v in files.items() if v}
    sites = list(s["sites"])

    def tag(key, src, dates, what, month=False):
        tags[key] = f"[data] {name[src]} {_span(dates, month)}: {what}"

    # beds: the most common core count, so a constant bed base is recovered exactly
    bsrc = "beds" if "beds" in data else "template" if "template" in data else None
    if bsrc:
        b = data[bsrc]
        for sid in sites:
            one = b[b["site"] == sid]
            if one.empty:
                continue
            s["sites"][sid]["beds"] = int(round(one["beds_core"].mode().iloc[0]))
            tag(f"sites.{sid}.beds", bsrc, one["date"], "most common G&A core beds available")
            esc = one.get("beds_escalation", pd.Series(dtype=float))
            if esc.notna().any():  # else not in the file: the base's count is kept
                esc = esc.fillna(0)
                esc = esc[esc > 0]
                s["sites"][sid]["escalation_beds"] = int(round(esc.mode().iloc[0])) \
                    if len(esc) else 0
                tag(f"sites.{sid}.escalation_beds", bsrc, one["date"],
                    "most common G&A escalation beds available when any were open")
        facts["beds"] = b

    # emergency demand: the mean a day, divided by the base's weekday x season rhythm averaged
    # over the days covered (a winter-only period would otherwise read as a busy year)
    dsrc = "template" if "template" in data else "ae" if "ae" in data else None
    if dsrc:
        d = data[dsrc]
        facts["demand"] = {}
        for sid in sites:
            one = d[d["site"] == sid]
            if one.empty:
                continue
            if dsrc == "ae":
                days = pd.DatetimeIndex(np.concatenate([
                    pd.date_range(m, periods=n, freq="D") for m, n in zip(one["month"], one["days"])]))
                dates = one["month"]
            else:
                days = dates = pd.DatetimeIndex(one["date"])
            raw = float(one["emergency_admissions"].sum()) / len(days)
            corr = float(rhythm(s, days).mean())
            s["sites"][sid]["emergency_per_day"] = round(float(raw) / corr, 3)
            tag(f"sites.{sid}.emergency_per_day", dsrc, pd.Series(dates),
                "mean emergency admissions a day" + (" (via A&E type 1 + other)" if dsrc == "ae"
                                                     else "") + " over the base's weekday x "
                f"season rhythm ({corr:.4f} on these days)", month=dsrc == "ae")
            facts["demand"][sid] = (raw, corr)
        facts["demand_data"], facts["demand_src"] = d, dsrc

    # weekday pattern, from daily admissions (4 weeks at least)
    if "template" in data and data["template"]["date"].nunique() >= 28:
        t = data["template"]
        by_day = t.groupby("date")["emergency_admissions"].sum()
        wd = by_day.groupby(by_day.index.day_of_week).mean()
        s["demand"]["day_of_week"] = [round(float(x), 3) for x in wd / wd.mean()]
        tag("demand.day_of_week", "template", t["date"], "mean emergency admissions by weekday "
            "over their mean, Monday first")

    # ordinary electives a weekday, when the template counts them
    t = data.get("template")
    if t is not None and "elective_admissions" in t and t["elective_admissions"].notna().any():
        for sid in sites:
            one = t[(t["site"] == sid) & t["elective_admissions"].notna()]
            weekdays = int((pd.DatetimeIndex(one["date"]).day_of_week < 5).sum())
            if weekdays:
                s["sites"][sid]["elective_per_weekday"] = int(round(
                    one["elective_admissions"].sum() / weekdays))
                tag(f"sites.{sid}.elective_per_weekday", "template", one["date"],
                    "elective admissions over the weekdays with a count")
                s["sites"][sid]["_electives_fitted"] = True

    # MO reference: patients no longer meeting the criteria to reside, summed over sites
    msrc = next((k for k in ("discharge", "template") if k in data and
                 data[k].get("no_criteria_to_reside") is not None and
                 data[k]["no_criteria_to_reside"].notna().any()), None)
    if msrc:
        m = data[msrc].dropna(subset=["no_criteria_to_reside"])
        missing = [sid for sid in sites if sid not in set(m["site"])]
        if missing:  # the MO search simulates every site: its target must cover them all
            raise CalibrationError(f"{name[msrc]}: no patients no longer meeting the criteria "
                                   f"to reside for site {missing[0]}; the MO level is fitted "
                                   "for all sites together, so every site needs them")
        level = float(m.groupby("site")["no_criteria_to_reside"].mean().sum())
        s["mo_reference"] = round(level, 1)
        tag("mo_reference", msrc, m["date"], "mean patients no longer meeting the criteria to "
            "reside, summed over sites")
        facts["mo_observed"], facts["mo_src"] = level, msrc

    # pathway split: discharges by pathway less the electives' expected share
    cols = [f"discharges_p{k}" for k in range(4)]
    psrc = next((k for k in ("discharge", "template") if k in data and
                 all(c in data[k] for c in cols) and data[k][cols].notna().any().any()), None)
    if psrc:
        dd = data[psrc]
        seen = dd[cols].sum().to_numpy(float)
        # to the end of the last period: a monthly figure is dated the 1st of its month
        last = dd["date"].max() + (pd.offsets.MonthEnd(0) if (dd["date"].dt.day == 1).all()
                                   else pd.Timedelta(0))
        weekdays = np.busday_count(dd["date"].min().date(),
                                   (last + pd.Timedelta(days=1)).date())
        if "template" in data and "elective_admissions" in data["template"]:
            electives = float(data["template"]["elective_admissions"].sum())
        else:
            electives = weekdays * sum(x["elective_per_weekday"] for x in s["sites"].values())
        el = electives * np.array([s["electives"]["pathways"][k] for k in PATHWAYS])
        emerg = np.clip(seen - el, 0, None)
        if emerg.sum() <= 0:
            raise CalibrationError(f"{name[psrc]}: no emergency discharges by pathway to split")
        target = dict(zip(PATHWAYS, emerg / emerg.sum()))
        s["cohorts"] = {cid: {**c, "pathways": p} for (cid, c), p in
                        zip(s["cohorts"].items(), rake(s["cohorts"], target).values())}
        for cid in s["cohorts"]:
            tag(f"cohorts.{cid}.pathways", psrc, dd["date"], "discharges by pathway, less the "
                "electives' expected share, raked so the share-weighted split matches")
        facts["pathways"] = {"observed": dict(zip(PATHWAYS, seen / seen.sum())),
                             "emergency": target}

    # a site new to the base: its places scaled from the base's first site with its demand
    for sid, site in s["sites"].items():
        if site.pop("_new", False):
            ref = next(iter(system["sites"].values()))
            k = site["emergency_per_day"] / max(ref["emergency_per_day"], 1e-9)
            site["downstream"] = {p: int(round(n * k)) for p, n in ref["downstream"].items()}
            if not site.get("_electives_fitted"):
                site["elective_per_weekday"] = int(round(ref["elective_per_weekday"] *
                                                         site["beds"] / max(ref["beds"], 1)))
                tags[f"sites.{sid}.elective_per_weekday"] = "[assume] the base's first " \
                    "site's, scaled with beds"
    for site in s["sites"].values():
        site.pop("_electives_fitted", None)
    if not tags:
        raise CalibrationError("the files give nothing to fit")
    return s, tags, facts


# --------------------------------------------------------------------------- the MO search


def to_config(system: dict, start: dt.date, days: int, warmup: float, reps: int, seed: int,
              jobs: int):
    """The typed, validated Config of a system as plain data, run on the observed calendar."""
    from omegaconf import OmegaConf

    from .hydra_compose import to_config as _to_config

    sim = {"start_date": str(start - dt.timedelta(days=math.ceil(warmup))),
           "warmup_days": warmup, "horizon_days": days, "replications": reps, "seed": seed,
           "jobs": jobs, "progress": False}
    return _to_config(OmegaConf.create({"system": system, "sim": sim}))


def scaled(system: dict, m: float, base_delays: dict) -> dict:
    s = copy.deepcopy(system)
    s["discharge"]["process_delay_days"] = {k: round(v * m, 3) for k, v in base_delays.items()}
    return s


def search_mo(system: dict, target: float, start: dt.date, days: int, warmup: float,
              jobs: int) -> tuple[float, float, list, object]:
    """A single multiplier on every pathway's process delay, by secant steps kept inside any
    bracket found (bisection when a step leaves it), until the simulated mean MO level is within
    SEARCH_TOL of `target`. Returns multiplier, achieved level, [(m, level)], the last results."""
    from .runner import simulate

    delays = dict(system["discharge"]["process_delay_days"])
    if not any(delays.values()):
        raise CalibrationError("the base system has no discharge process delays to scale "
                               "(system.discharge.process_delay_days all 0): the MO level "
                               "cannot be fitted with it")
    cache = {}

    def level(m):
        cfg = to_config(scaled(system, m, delays), start, days, warmup, SEARCH_REPS,
                        SEARCH_SEED, jobs)
        res = simulate(cfg, jobs=jobs, progress=False)
        mo = res.daily.groupby(["replication", "day"])["medically_optimised"].sum().mean()
        cache[m] = res
        return float(mo)

    hist = [(1.0, level(1.0))]
    lo, hi = MULT_RANGE
    m = min(max(target / max(hist[0][1], 1e-9), lo), hi)  # as if MO were in proportion
    while len(hist) < SEARCH_EVALS:
        hist.append((m, level(m)))
        best = min(hist, key=lambda h: abs(h[1] - target))
        if abs(best[1] - target) <= SEARCH_TOL * target:
            break
        below = [h for h in hist if h[1] < target]
        above = [h for h in hist if h[1] > target]
        a = max(below, key=lambda h: h[0], default=None)
        b = min(above, key=lambda h: h[0], default=None)
        (m0, y0), (m1, y1) = hist[-2], hist[-1]
        nxt = m1 + (target - y1) * (m1 - m0) / (y1 - y0) if y1 != y0 else m1 * 2
        if a and b and a[0] < b[0]:  # bracketed: stay inside
            if not a[0] < nxt < b[0]:
                nxt = (a[0] + b[0]) / 2
        nxt = min(max(nxt, lo), hi)
        if any(abs(nxt - h[0]) < 1e-4 for h in hist):
            break  # at a bound, or MO no longer moves with the delays
        m = nxt
    m, achieved = min(hist, key=lambda h: abs(h[1] - target))
    return m, achieved, hist, cache[m]


# --------------------------------------------------------------------------- writing


HEADER = """# @package system
# {name}: calibrated by bedflow-calibrate from {files}, observed {period}.
# Base: the {base} system, whose mechanisms and assumptions are kept: every number without a
# [data] tag here is the base's, with its source given in configs/system/{base}.yaml.
#   [data]   fitted from the file and period named
#   [calib]  the discharge process delays: the base's times {mult:.3f}, found by simulation so
#            the mean MO level is {achieved:.0f} against {observed:.0f} observed
"""


def to_yaml(system: dict, tags: dict, header: str) -> str:
    """The system as YAML with each tagged key's comment on its line."""
    text = yaml.safe_dump(system, sort_keys=False, default_flow_style=None, width=100)
    out, stack = [], []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = (len(line) - len(stripped)) // 2
        key = stripped.split(":", 1)[0] if ":" in stripped and not stripped.startswith("- ") \
            else None
        if key is not None:
            stack = stack[:indent] + [key]
            dotted = ".".join(stack)
            if dotted in tags:
                line = f"{line}  # {tags[dotted]}"
        out.append(line)
    return header + "\n".join(out) + "\n"


def report(system: dict, tags: dict, facts: dict, sim_daily: pd.DataFrame) -> tuple[str, bytes]:
    """The fit report: text and a PNG of the same checks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = [f"bedflow-calibrate: fit report for {system['name']}", ""]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    sites = list(system["sites"])

    lines.append("Beds and emergency demand per site")
    lines.append(f"  {'site':<22}{'beds':>6}{'escal.':>8}{'adm/day seen':>14}{'rhythm':>8}"
                 f"{'fitted':>9}")
    for sid in sites:
        raw, corr = facts.get("demand", {}).get(sid, (float("nan"), float("nan")))
        st = system["sites"][sid]
        lines.append(f"  {sid:<22}{st['beds']:>6}{st['escalation_beds']:>8}{raw:>14.2f}"
                     f"{corr:>8.4f}{st['emergency_per_day']:>9.2f}")
    lines.append("")

    d = facts.get("demand_data")
    if d is not None:
        dow = np.asarray(system["demand"]["day_of_week"], float)
        fitted = sum(system["sites"][s]["emergency_per_day"] for s in sites)
        if facts["demand_src"] == "template":
            by_day = d.groupby("date")["emergency_admissions"].sum()
            wd = by_day.groupby(by_day.index.day_of_week).mean()
            names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            lines.append("Emergency admissions by weekday (all sites): seen / fitted")
            lines.append("  " + "  ".join(f"{names[i]} {wd.get(i, float('nan')):.1f}/"
                                          f"{fitted * dow[i] / dow.mean():.1f}" for i in range(7)))
            ax[0, 0].bar(names, [wd.get(i, np.nan) for i in range(7)], color="#9ecae1",
                         label="seen")
            ax[0, 0].plot(names, fitted * dow / dow.mean(), "k_", ms=20, mew=2, label="fitted")
            per = d.assign(month=d["date"].dt.to_period("M").dt.to_timestamp()).groupby(
                "month").agg(adm=("emergency_admissions", "sum"), days=("date", "nunique"))
        else:
            ax[0, 0].text(0.5, 0.5, "no daily admissions (template): weekday pattern kept "
                          "from the base", ha="center", va="center", wrap=True)
            ax[0, 0].set_axis_off()
            per = d.groupby("month").agg(adm=("emergency_admissions", "sum"),
                                         days=("days", "first"))
        ax[0, 0].set_title("Emergency admissions by weekday")
        ax[0, 0].legend(fontsize=8) if facts["demand_src"] == "template" else None
        per["seen"] = per["adm"] / per["days"]
        per["fitted"] = [fitted * rhythm(system, pd.date_range(m, periods=31, freq="D")[
            pd.date_range(m, periods=31, freq="D").month == m.month]).mean() for m in per.index]
        lines.append("Emergency admissions a day by month (all sites): seen / fitted with the "
                     "base's seasonality")
        for m, r in per.iterrows():
            lines.append(f"  {m:%Y-%m}  {r['seen']:8.1f}  {r['fitted']:8.1f}"
                         f"  {100 * (r['seen'] / r['fitted'] - 1):+5.1f}%")
        ax[0, 1].plot(per.index, per["seen"], "o-", label="seen")
        ax[0, 1].plot(per.index, per["fitted"], "k--", label="fitted")
        ax[0, 1].set_title("Emergency admissions a day, by month")
        ax[0, 1].legend(fontsize=8)
        ax[0, 1].tick_params(axis="x", labelrotation=45)
        lines.append("")

    b = facts.get("beds")
    if b is not None and d is not None:
        lines.append("Little's law: mean occupied / admissions a day = the mean stay it implies")
        sim_adm = sim_daily.groupby(["replication", "site"])["admissions"].mean()
        sim_occ = sim_daily.groupby(["replication", "site"])["occupied"].mean()
        for sid in sites:
            occ = b.loc[b["site"] == sid, "beds_occupied"].mean()
            raw = facts.get("demand", {}).get(sid, (np.nan, 1))[0]
            el = system["sites"][sid]["elective_per_weekday"] * 5 / 7
            sim_stay = (sim_occ.xs(sid, level="site") / sim_adm.xs(sid, level="site")).mean()
            lines.append(f"  {sid:<22} seen {occ:7.1f} occupied / {raw:6.2f} emergency a day = "
                         f"{occ / raw:5.2f} days (with ~{el:.1f} electives a day: "
                         f"{occ / (raw + el):5.2f}); calibrated model {sim_stay:5.2f}")
        lines.append("")

    mo = facts.get("mo")
    if mo:
        lines.append(f"MO level (patients no longer meeting the criteria to reside, all sites): "
                     f"observed {mo['observed']:.1f}, calibrated model {mo['achieved']:.1f} "
                     f"({100 * (mo['achieved'] / mo['observed'] - 1):+.1f}%), process delays x "
                     f"{mo['multiplier']:.3f} of the base's")
        lines.append("  search (multiplier: simulated level): " +
                     ", ".join(f"{m:.3f}: {y:.1f}" for m, y in mo["history"]))
        h = sorted(mo["history"])
        ax[1, 0].plot([x for x, _ in h], [y for _, y in h], "o-", label="simulated")
        ax[1, 0].axhline(mo["observed"], color="k", ls="--", label="observed")
        ax[1, 0].set_xlabel("process delay multiplier")
        ax[1, 0].legend(fontsize=8)
    ax[1, 0].set_title("MO level")
    lines.append("")

    pw = facts.get("pathways")
    if pw:
        share = {c: v["share"] for c, v in system["cohorts"].items()}
        model = {k: sum(share[c] * system["cohorts"][c]["pathways"][k] for c in share)
                 for k in PATHWAYS}
        lines.append("Discharge pathway split (P0..P3): all discharges seen / emergency (less "
                     "electives) / calibrated cohorts, share-weighted")
        for k in PATHWAYS:
            lines.append(f"  {k}  {pw['observed'][k]:6.3f}  {pw['emergency'][k]:6.3f}  "
                         f"{model[k]:6.3f}")
        x = np.arange(4)
        ax[1, 1].bar(x - 0.2, [pw["emergency"][k] for k in PATHWAYS], 0.4, label="seen (emergency)")
        ax[1, 1].bar(x + 0.2, [model[k] for k in PATHWAYS], 0.4, label="calibrated")
        ax[1, 1].set_xticks(x, PATHWAYS)
        ax[1, 1].legend(fontsize=8)
    ax[1, 1].set_title("Discharge pathway split")
    lines.append("")
    lines.append("Fitted keys:")
    lines += [f"  {k}: {v}" for k, v in tags.items()]
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return "\n".join(lines) + "\n", buf.getvalue()


# --------------------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, as every bedflow command
        fail(message, prog=PROG)


def _mapping(args) -> dict:
    orgs = {}
    for item in args.site or []:
        site, sep, code = item.partition("=")
        if not sep or not site.strip() or not code.strip():
            raise CalibrationError(f"--site {item!r}: use SITE=ORGCODE, e.g. medway=RPA")
        orgs[site.strip()] = code.strip()
    if args.sites:
        try:
            df = pd.read_csv(args.sites, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise CalibrationError(f"--sites {args.sites}: {' '.join(str(e).split())}") from None
        cols = {c.strip().casefold(): c for c in df.columns}
        for need in ("site", "org_code"):
            if need not in cols:
                raise ReturnsError(f"{Path(args.sites).name}, row 1, column {need!r}: missing")
        for site, code in zip(df[cols["site"]], df[cols["org_code"]]):
            orgs[site.strip()] = code.strip()
    if not orgs:
        raise CalibrationError("no sites: give --site SITE=ORGCODE (repeatable) or --sites FILE")
    return orgs


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="A system config calibrated to a trust's NHS returns, "
                "and a fit report (docs/your-trust.md).")
    p.add_argument("--ae", help="monthly A&E attendances and emergency admissions (CSV)")
    p.add_argument("--beds", help="UEC daily sitrep, G&A beds (CSV)")
    p.add_argument("--discharge", help="acute discharge sitrep, long form (CSV)")
    p.add_argument("--template", help="bedflow's daily template (CSV)")
    p.add_argument("--site", action="append", metavar="SITE=ORGCODE",
                   help="a site of the system and its org code in the files (repeatable)")
    p.add_argument("--sites", metavar="CSV", help="the mapping as a CSV with columns site, org_code")
    p.add_argument("--skip-other-orgs", action="store_true",
                   help="skip rows of organisations not mapped (the national files hold every "
                        "provider) instead of refusing them")
    p.add_argument("--until", help="use data up to this date only (YYYY-MM-DD)")
    p.add_argument("--base", default="kent_medway",
                   help="system whose mechanisms and assumptions are kept (default kent_medway)")
    p.add_argument("--name", default="my_trust", help="the new system's name (default my_trust)")
    p.add_argument("--out", help="folder for <name>.yaml (default the configs/system folder)")
    p.add_argument("--report", help="folder for the fit report (default beside the YAML)")
    p.add_argument("--force", action="store_true", help="replace an existing <name>.yaml")
    p.add_argument("--fit-days", type=int, default=365,
                   help="days simulated after the warm-up in each step of the MO search, at most "
                        "the observed period (default 365: the observed mean covers a year's "
                        "winter backlog)")
    p.add_argument("--jobs", type=int, default=2, help="processes for the MO search (default 2)")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        written = run(args)
    except (ReturnsError, CalibrationError, ConfigError) as e:
        fail(str(e), prog=PROG)
    except OSError as e:  # a folder that cannot be written, a file that cannot be read
        fail(f"{e.filename or ''}: {e.strerror or e}".lstrip(": "), prog=PROG)
    except UnicodeDecodeError as e:  # a mapping or data file in another encoding
        fail(f"a file is not UTF-8 text ({e.reason} at byte {e.start}): save it as UTF-8 CSV",
             prog=PROG)
    except KeyboardInterrupt:
        from .errors import interrupted

        interrupted(PROG)
    for p in written:
        print(f"wrote {p}")


def run(args) -> list[Path]:
    from .hydra_compose import config_dir

    files = {k: getattr(args, k) for k in ("ae", "beds", "discharge", "template")}
    if not any(files.values()):
        raise CalibrationError("no data: give at least one of --ae, --beds, --discharge, --template")
    if not args.name.replace("_", "").isalnum() or not args.name[0].isalpha():
        raise CalibrationError(f"--name {args.name!r}: use letters, digits and underscores")
    until = None
    if args.until:
        try:
            until = dt.date.fromisoformat(args.until)
        except ValueError:
            raise CalibrationError(f"--until {args.until!r} is not a date (YYYY-MM-DD)") from None
    out = Path(args.out) if args.out else config_dir() / "system"
    target = out / f"{args.name}.yaml"
    if target.exists() and not args.force:
        raise CalibrationError(f"{target.name} exists in {out}; choose another --name or --force")
    orgs = _mapping(args)
    data = load(files, orgs, until, args.skip_other_orgs)
    base = base_system(args.base, list(orgs))
    system, tags, facts = fit(base, data, files)
    system["name"] = args.name
    dates = pd.concat([df["date"] if "date" in df else df["month"] for df in data.values()])
    first, last = dates.min().date(), dates.max().date()
    if "ae" in data:
        last = max(last, (data["ae"]["month"] + pd.to_timedelta(data["ae"]["days"] - 1, "D"))
                   .max().date())
    system["period"] = f"{first} to {last}"

    # the MO level, by simulation on the observed calendar
    from . import compose

    warmup = compose([f"system={args.base}"]).sim.warmup_days
    days = max(28, min(args.fit_days, (last - first).days + 1))
    mult, achieved = 1.0, float("nan")
    if "mo_observed" in facts:
        mult, achieved, hist, res = search_mo(system, facts["mo_observed"], first, days, warmup,
                                              args.jobs)
        system = scaled(system, mult, system["discharge"]["process_delay_days"])
        tags["discharge.process_delay_days"] = (
            f"[calib] the base's x {mult:.3f}, so the simulated mean MO level ({achieved:.0f}, "
            f"{SEARCH_REPS} replications of {days} days) matches "
            f"{Path(files[facts['mo_src']]).name}'s {facts['mo_observed']:.0f}")
        facts["mo"] = {"observed": facts["mo_observed"], "achieved": achieved,
                       "multiplier": mult, "history": hist}
        sim_daily = res.daily
    else:
        from .runner import simulate

        cfg = to_config(system, first, days, warmup, SEARCH_REPS, SEARCH_SEED, args.jobs)
        sim_daily = simulate(cfg, jobs=args.jobs, progress=False).daily
    header = HEADER.format(name=args.name, files=", ".join(Path(f).name for f in files.values()
                                                           if f),
                           period=system["period"], base=args.base, mult=mult,
                           achieved=achieved, observed=facts.get("mo_observed", float("nan")))
    if "mo" not in facts:
        header = "\n".join(line for line in header.splitlines() if "[calib]" not in line and
                           "MO level" not in line) + "\n"
    text = to_yaml(system, tags, header)
    to_config(yaml.safe_load(text), first, days, warmup, 1, SEARCH_SEED, 1)  # it composes
    fit_text, png = report(system, tags, facts, sim_daily)

    rdir = Path(args.report) if args.report else out
    return write_together([(target, lambda p: p.write_text(text)),
                           (rdir / f"{args.name}_fit.txt", lambda p: p.write_text(fit_text)),
                           (rdir / f"{args.name}_fit.png", lambda p: p.write_bytes(png))])


if __name__ == "__main__":  # pragma: no cover
    main()
