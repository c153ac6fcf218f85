"""Does the default year reproduce 2016-17? The model held against what the NHS published.

Runs the default `kent_medway` year (and, with --no-time-of-day, the same seeds with
`time_of_day=none`: what the hours of the day contribute), and writes, beside this file unless --out says otherwise:
validation.csv, validation.md (the side-by-side table) and occupancy_by_month.png.
Each row: the model's mean and 95% interval over replications, the published figure and its
source, the target from issue 10's "Done when", and a verdict on the mean. A figure the run
does not record yet (a column another branch adds) reads "not yet measured". From the
repository root:

    python experiments/validation_2016/validate.py [replications] [--no-time-of-day]
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import bedflow
from bedflow.mser import warmup_check
from bedflow.stats import mean_ci, paired

HERE = Path(__file__).resolve().parent
NOT_MEASURED = "not yet measured"
NOT_COVERED = "not in the observed window"
NO_TARGET = "no target"
UNDEFINED = "undefined (no cases to divide by)"
WINTER = (12, 1, 2)  # the peak month should fall December to February
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    fmt: str  # "pct", "points", "count", "month", "check"
    published: str
    source: str
    target: tuple[float, float] | None  # inclusive bounds on the mean, None: no target
    target_text: str


ROWS = [
    Row("over_4h_share", "emergency admissions waiting > 4 h from decision to admit, share of "
        "admissions", "pct", "~13% England 2016-17 (560,398 waits of 4-12 h of ~4.26 M); 11.2% "
        "Oct 2015 - Sep 2016", "HSJ 2017 [ref]; NHS Providers, 7 Dec 2016 [1]",
        (0.08, 0.18), "8-18%"),
    Row("over_12h_share_of_4h", "12-h waits as a share of the > 4 h waits", "pct",
        "~0.5% England (2,608 of >290,000, Nov 2016 - Mar 2017)",
        "The Independent / BMA, 26 May 2017 [2]", (0.0, 0.03), "at most 3%"),
    Row("over_12h_per_year", "12-h waits from decision to admit, a year", "count",
        "2,608 England Nov 2016 - Mar 2017; Medway 20 (Nov 2016), 4 (Dec 2016)",
        "The Independent / BMA, 26 May 2017 [2]; KentOnline [ref]", None, "(at most 3% of > 4 h)"),
    Row("before_noon_share", "share of discharges before noon", "pct",
        "17.6% (10.4-26.2%), FOI of 88 trusts, 2014-15; SAFER target 33%", "HSJ [ref]",
        (0.12, 0.25), "12-25%"),
    Row("cancelled_per_year", "last-minute elective cancellations (non-clinical), a year",
        "count", "1,761: East Kent 578, MTW 521, Medway 405, Dartford & Gravesham 257",
        "KentOnline 2017, citing NHS England cancelled operations [3]", (1000, 3000),
        "1,000-3,000"),
    Row("cancelled_share", "last-minute cancellations as a share of electives done", "pct",
        "East Kent 1.4% (578 of 40,781 operations)", "KentOnline 2017 [3]", (0.0, 0.05),
        "at most 5%"),
    Row("electives_per_year", "ordinary electives done, a year", "count",
        "East Kent alone 40,781 operations (incl. day cases) in 2016-17",
        "KentOnline 2017 [3]", None, "(volumes from the trusts' figures)"),
    Row("occupancy_year", "G&A occupancy (occupied / available), year mean", "pct",
        "England 2016-17: Q3 90.5%, Q4 91.4%", "Nursing Times, Feb 2017 [4]; HSJ, May 2017 [5]",
        (0.88, 0.95), "88-95%"),
    Row("occupancy_q3", "occupancy Q3 (Oct-Dec), midnight census as KH03", "pct", "England 90.5%",
        "NHS England KH03 via Nursing Times, Feb 2017 [4]", (0.88, 0.95), "88-95%"),
    Row("occupancy_q4", "occupancy Q4 (Jan-Mar), midnight census as KH03", "pct", "England 91.4%",
        "NHS England KH03 via HSJ, 25 May 2017 [5]", (0.88, 0.95), "88-95%"),
    Row("q4_minus_q3", "Q4 minus Q3 occupancy (paired, points)", "points", "England +0.9",
        "[4], [5]", (-math.inf, 0.03), "at most +3 points"),
    Row("peak_month", "peak month of occupancy (mean over replications)", "month",
        "January (winter 2016-17)", "HSJ, May 2017 [5]; reference file", None, "Dec-Feb"),
    Row("bed_base", "G&A bed base, seven sites (core beds)", "count",
        "~2,800-2,900 (2,828 overnight beds, four trusts, Jan-Mar 2020)",
        "KentOnline 2020, citing NHS England [8]", (2700, 3000), "2,700-3,000"),
    Row("mo_patients", "medically optimised patients (time-average)", "count",
        "over 1,000 (32%) at any one time", "Kent & Medway STP planning papers [ref]",
        (900, 1100), "900-1,100"),
    Row("los_21plus_share", "share of occupied beds held by stays of 21+ days", "pct",
        "~19% (Dartford & Gravesham, week of 15 Jan 2018; England 2017-18)",
        "News Shopper, Jan 2018, citing NHS England winter sitrep [7]; HSJ [ref]", None,
        "(item 3: the published share)"),
    Row("awaiting_place", "MO patients waiting for a downstream place (mean_awaiting_place)",
        "count", "~200 delayed transfers a day (6,200 England x 3.3% population share)",
        "House of Commons Library CBP-7415, 20 Jun 2017 [6]", (120, 450), "120-450"),
    Row("warmup_extra_days", "the run's own warm-up check (extra days MSER-5 asks for)",
        "check", "headline figures must not depend on the warm-up", "issue 10", (0, 5),
        "no warning (at most one 5-day batch)"),
]
ROW_KEYS = [r.key for r in ROWS]


# ------------------------------------------------------------------------- measuring


def _system(res, name: str, add: bool = True) -> np.ndarray | None:
    """Per-replication system values of a KPI: the system row, else (a count, `add`) the sites
    added up; a share is never added over sites."""
    if name in res.system:
        return res.system.sort_values("replication")[name].to_numpy(float)
    if add and name in res.replications:
        return res.replications.groupby("replication", sort=True)[name].sum().to_numpy(float)
    return None


def _ratio(num, den) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


def monthly_occupancy(daily: pd.DataFrame) -> pd.DataFrame:
    """Occupancy by month as KH03 counts it, at midnight (the 08:00 census where a run lacks
    the midnight count), one column per replication: sites' occupied over available."""
    col = "occupied_midnight" if "occupied_midnight" in daily else "occupied"
    d = daily.assign(month=pd.to_datetime(daily["date"]).dt.to_period("M"))
    g = d.groupby(["month", "replication"])[[col, "available_beds"]].sum()
    return (g[col] / g["available_beds"]).unstack("replication").sort_index()


def _quarter(monthly: pd.DataFrame, months: tuple[int, ...]) -> np.ndarray | None:
    """Per-replication occupancy over the months of a quarter (all three observed), else None."""
    rows = monthly[monthly.index.month.isin(months)]
    if len(rows) < len(months):
        return None
    return rows.mean(axis=0).to_numpy(float)


def los_21plus_share(res) -> np.ndarray | None:
    """The KPI if the run has it, else from the 08:00 census column, else None."""
    v = _system(res, "share_beds_los_21plus", add=False)
    if v is not None:
        return v
    d = res.daily
    if d is None or "los_21plus" not in d:
        return None
    g = d.groupby("replication", sort=True)[["los_21plus", "occupied"]].sum()
    return _ratio(g["los_21plus"], g["occupied"])


def measure(res) -> dict:
    """Row key -> per-replication values (array), a month (peak), or None (not recorded)."""
    per_year = 365.0 / float(res.config.sim.horizon_days)
    admissions = _system(res, "admissions")
    over4, over12 = _system(res, "waits_over_4h"), _system(res, "waits_over_12h")
    done, cancelled = _system(res, "elective_admitted"), _system(res, "elective_cancelled")
    monthly = monthly_occupancy(res.daily)
    q3, q4 = _quarter(monthly, (10, 11, 12)), _quarter(monthly, (1, 2, 3))
    out = {
        "over_4h_share": _ratio(over4, admissions),
        "over_12h_share_of_4h": _ratio(over12, over4),
        "over_12h_per_year": over12 * per_year,
        "before_noon_share": _system(res, "discharges_before_noon_share", add=False),
        "cancelled_per_year": cancelled * per_year,
        "cancelled_share": _ratio(cancelled, done),
        "electives_per_year": done * per_year,
        "occupancy_year": _system(res, "occupancy", add=False),
        "occupancy_q3": q3,
        "occupancy_q4": q4,
        "q4_minus_q3": ("paired", q4, q3) if q3 is not None and q4 is not None else None,
        "peak_month": monthly,
        "bed_base": _system(res, "beds"),
        "mo_patients": _system(res, "mean_medically_optimised"),
        "los_21plus_share": los_21plus_share(res),
        "awaiting_place": _system(res, "mean_awaiting_place"),
        "warmup_extra_days": np.array([float(warmup_check(res).extra_days)]),
    }
    return out


def peak(monthly: pd.DataFrame) -> tuple[int, int, int]:
    """(month of the mean curve's peak, replications peaking in Dec-Feb, replications)."""
    if len(monthly) < 12:  # a peak month means something over a whole year only
        return 0, 0, monthly.shape[1]
    month = int(monthly.mean(axis=1).idxmax().month)
    per_rep = monthly.idxmax(axis=0)
    return month, int(sum(p.month in WINTER for p in per_rep)), monthly.shape[1]


# -------------------------------------------------------------------------- verdicts


def verdict(mean: float, target: tuple[float, float] | None) -> str:
    """'within' or 'outside' the target (bounds inclusive) for a measured mean."""
    if target is None:
        return NO_TARGET
    if mean is None or not np.isfinite(mean):
        return NOT_MEASURED
    return "within" if target[0] <= mean <= target[1] else "outside"


def summarise(row: Row, value) -> dict:
    """mean, low, high and text of one row from its measured values."""
    if row.key == "peak_month":
        month, winter, n = peak(value)
        if not month:
            return {"mean": math.nan, "low": math.nan, "high": math.nan, "text": NOT_COVERED,
                    "verdict": NOT_COVERED}
        return {"mean": float(month), "low": math.nan, "high": math.nan,
                "text": f"{MONTHS[month - 1]} ({winter} of {n} replications peak Dec-Feb)",
                "verdict": "within" if month in WINTER else "outside"}
    if value is None:
        text = NOT_COVERED if row.key.startswith(("occupancy_q", "q4_")) else NOT_MEASURED
        return {"mean": math.nan, "low": math.nan, "high": math.nan, "text": text,
                "verdict": text}
    m, lo, hi = paired(value[1], value[2]) if isinstance(value, tuple) else mean_ci(value)
    if not np.isfinite(m):  # recorded, but a share of nothing in every replication
        return {"mean": m, "low": lo, "high": hi, "text": UNDEFINED, "verdict": UNDEFINED}
    if row.key == "warmup_extra_days":
        text = "passes" if m <= 5 else f"fails: {m:.0f} more days suggested"
    else:
        text = fmt_interval(row.fmt, m, lo, hi)
    return {"mean": m, "low": lo, "high": hi, "text": text, "verdict": verdict(m, row.target)}


def fmt_value(kind: str, x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    if kind == "pct":
        return f"{x:.1%}"
    if kind == "points":
        return f"{100 * x:+.1f}"
    return f"{x:,.0f}"


def fmt_interval(kind: str, m: float, lo: float, hi: float) -> str:
    if not np.isfinite(m):
        return NOT_MEASURED
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return fmt_value(kind, m)
    return f"{fmt_value(kind, m)} [{fmt_value(kind, lo)}, {fmt_value(kind, hi)}]"


def table(res, other=None) -> pd.DataFrame:
    """One row per figure; with `other` (the same seeds, time of day off) its columns and the
    paired difference other - res."""
    got = measure(res)
    got2 = measure(other) if other is not None else None
    rows = []
    for row in ROWS:
        s = summarise(row, got[row.key])
        rec = {"key": row.key, "figure": row.label, "model_mean": s["mean"],
               "model_low": s["low"], "model_high": s["high"], "model": s["text"],
               "published": row.published, "source": row.source, "target": row.target_text,
               "verdict": s["verdict"]}
        if got2 is not None:
            s2 = summarise(row, got2[row.key])
            rec.update({"tod_mean": s2["mean"], "tod_low": s2["low"], "tod_high": s2["high"],
                        "tod_model": s2["text"], "tod_verdict": s2["verdict"],
                        "tod_minus_default": _difference(row, got[row.key], got2[row.key])})
        rows.append(rec)
    return pd.DataFrame(rows)


def _difference(row: Row, a, b) -> str:
    """Paired difference b - a over the same replications, formatted; '' where not defined."""
    if row.key in ("peak_month", "warmup_extra_days", "bed_base") or a is None or b is None:
        return ""
    if isinstance(a, tuple):
        a, b = a[1] - a[2], b[1] - b[2]
    if len(a) != len(b):
        return ""
    kind = "points" if row.fmt in ("pct", "points") else row.fmt
    m, lo, hi = paired(b, a)
    if not np.isfinite(m):
        return ""
    if kind == "points":
        return f"{100 * m:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] points"
    return f"{m:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def markdown(df: pd.DataFrame) -> str:
    tod = "tod_model" in df
    head = ["figure", "model (default)", "verdict"]
    head += ["time_of_day=none", "verdict", "none minus default (paired)"] if tod else []
    head += ["published 2016-17", "source", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in df.iterrows():
        cells = [r["figure"], r["model"], r["verdict"]]
        cells += [r["tod_model"], r["tod_verdict"], r["tod_minus_default"]] if tod else []
        cells += [r["published"], r["source"], r["target"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- chart


def occupancy_figure(res, other=None):
    """Model occupancy by month (mean and 95% interval over replications) against England's
    published quarters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.6), layout="constrained")
    runs = [("model, default", res, "#1f5fa8")]
    if other is not None:
        runs.append(("model, time_of_day=none", other, "#e08a1e"))
    for label, r, color in runs:
        m = monthly_occupancy(r.daily)
        x = m.index.to_timestamp() + pd.Timedelta(days=14)
        ci = np.array([mean_ci(row) for row in m.to_numpy(float)])
        ax.fill_between(x, ci[:, 1], ci[:, 2], color=color, alpha=0.25, lw=0,
                        label=f"{label}: 95% interval")
        ax.fill_between(x, m.min(axis=1), m.max(axis=1), color=color, alpha=0.08, lw=0,
                        label=f"{label}: range over {m.shape[1]} replications")
        ax.plot(x, ci[:, 0], "o-", color=color, lw=1.6, ms=4, label=f"{label}: mean")
    for (a, b), v, q in [(("2016-10-01", "2016-12-31"), 0.905, "Q3"),
                         (("2017-01-01", "2017-03-31"), 0.914, "Q4")]:
        ax.hlines(v, pd.Timestamp(a), pd.Timestamp(b), color="#c0392b", lw=3)
        ax.annotate(f"England {q} {v:.1%}", (pd.Timestamp(a), v), xytext=(0, 6),
                    textcoords="offset points", color="#c0392b", fontsize=8)
    ax.axhspan(0.88, 0.95, color="#d9efe0", alpha=0.5, lw=0, label="issue 10 target 88-95%")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("G&A occupancy at 08:00 (occupied / available)")
    ax.set_title("Occupancy by month: Kent & Medway model against England's published quarters "
                 "(KH03, 2016-17)", loc="left", fontsize=11, fontweight="bold")
    ax.legend(fontsize=7, loc="lower left", ncol=2, framealpha=0.9)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    return fig


# ------------------------------------------------------------------------------- run


def run(replications: int, extra: list[str] | None = None):
    o = [f"sim.replications={replications}", "sim.jobs=2", "sim.progress=false"] + (extra or [])
    return bedflow.simulate(bedflow.compose(o))


def write(df: pd.DataFrame, res, other, out: Path) -> None:
    from bedflow.report import save
    from bedflow.writers import atomic_write

    atomic_write(out / "validation.csv", lambda p: df.to_csv(p, index=False))
    atomic_write(out / "validation.md", lambda p: p.write_text(markdown(df)))
    save(occupancy_figure(res, other), out / "occupancy_by_month.png")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="validate.py", description=__doc__.splitlines()[0])
    ap.add_argument("replications", nargs="?", type=int, default=10)
    ap.add_argument("--no-time-of-day", action="store_true",
                    help="also run time_of_day=none on the same seeds (what the hours contribute)")
    ap.add_argument("--out", type=Path, default=HERE, help="folder for the outputs")
    ap.add_argument("overrides", nargs="*", help="extra config overrides, e.g. sim.horizon_days=60")
    a = ap.parse_intermixed_args(argv)
    if a.replications < 2:
        print("bedflow: error: replications must be at least 2 for an interval", file=sys.stderr)
        return 2
    try:
        res = run(a.replications, a.overrides)
        other = run(a.replications, a.overrides + ["time_of_day=none"]) \
            if a.no_time_of_day else None
    except bedflow.ConfigError as e:
        print(f"bedflow: error: {e}", file=sys.stderr)
        return 2
    df = table(res, other)
    write(df, res, other, a.out)
    print(markdown(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
