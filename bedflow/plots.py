"""Charts a planner reads after every run: fans over replications of the 08:00 census.

Every chart shows the spread over replications, not one lucky or unlucky year: the line is the
median, the dark band the middle 50% of replications, the light band 90%. Chart functions take
plain DataFrames (the shape of `Results.daily`, or a comparison table) and return matplotlib
Figures or PNG bytes; this module writes no file (the report and bedflow-collect do).
Matplotlib runs headless (Agg).

Elements carry a `gid` ("median", "band50", "band90", "bed_base", "pct85", "pct92",
"mo_reference", "shaded") so tests can find what was drawn without pixels.
"""

from __future__ import annotations

import io
import math
from typing import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

FAN = "#1f5fa8"
SHADE = "#e9e4f2"
SHADES = (SHADE, "#fbe3c2", "#d9efe0", "#f6d5dc")  # one per distinct label: winter, scenario...
BASE = "#222222"
PCT92 = "#c0392b"
PCT85 = "#e08a1e"
REFERENCE = "#7b3294"
DPI = 100
SHORT_DAYS = 62  # windows up to this many days get day ticks and tight limits

#: a shaded period: (first day, day after the last, label)
Period = tuple


# --------------------------------------------------------------------------- data shaping


def winter_periods(start, end, first_month: int = 12, last_month: int = 2) -> list[Period]:
    """Winters (1 December to the end of February by default) that overlap [start, end].

    The shading is a list of periods so a scenario with dated windows (a surge, an intervention
    going live) can pass its own instead.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    stop = end + pd.Timedelta(days=1)
    out = []
    for year in range(start.year - 1, end.year + 1):
        w0 = pd.Timestamp(year=year, month=first_month, day=1)
        w1 = pd.Timestamp(year=year + (last_month < first_month), month=last_month, day=1) \
            + pd.offsets.MonthBegin(1)
        a, b = max(w0, start), min(w1, stop)
        if a < b:
            out.append((a, b, "winter (1 Dec to end Feb)"))
    return out


def by_replication(daily: pd.DataFrame, column: str, site: str | None = None) -> pd.DataFrame:
    """Wide table date x replication of `column`: one site, or the sites summed (site=None)."""
    df = daily if site is None else daily[daily["site"] == site]
    wide = df.groupby(["date", "replication"], sort=True)[column].sum().unstack("replication")
    return wide.sort_index()


def fan_quantiles(wide: pd.DataFrame) -> pd.DataFrame:
    """Median and the 50% and 90% bands over replications (columns) for each row."""
    q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    q.columns = ["p05", "p25", "p50", "p75", "p95"]
    return q


def weekly(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """System total of `column` per calendar week (Monday to Sunday) and replication.

    Only whole weeks inside the observed window are kept: a part week would look like a dip.
    Rows are weeks (labelled by their Monday), columns replications.
    """
    wide = by_replication(daily, column)
    days = wide.index.normalize()
    monday = days - pd.to_timedelta(days.day_of_week, unit="D")
    counts = pd.Series(1, index=wide.index).groupby(monday).sum()
    sums = wide.groupby(monday).sum()
    return sums[counts.reindex(sums.index) == 7]


def site_beds(replications: pd.DataFrame) -> dict:
    """Bed base per site (without escalation beds), from the per-replication table."""
    return replications.groupby("site", sort=False)["beds"].first().astype(int).to_dict()


# --------------------------------------------------------------------------- drawing pieces


def _thousands(ax) -> None:
    """Whole numbers of people or beds on the y axis; an axis of zeros (no cancellations in the
    run) still gets readable ticks, 0 and 1."""
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if ax.get_ylim()[1] < 1:
        ax.set_ylim(top=1)


def _date_axis(ax, compact: bool = False) -> None:
    """Monthly ticks for the usual year or two; past that, matplotlib's automatic dates, since a
    tick a month over decades is unreadable and makes drawing slow (minutes for a long run); a
    window of a few weeks or days (a short test run) gets day ticks, as months would give none."""
    low, high = ax.get_xlim()
    if high - low <= SHORT_DAYS:
        step = max(1, math.ceil((high - low) / (7 if compact else 14)))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    elif high - low <= 800:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, 2 if compact else 1)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y" if not compact else "%b %y"))
    else:
        locator = mdates.AutoDateLocator(maxticks=8 if compact else 14)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=8 if compact else 9)


def shade(ax, periods: Iterable[Period]) -> None:
    """Shade each period behind the data: a colour and one legend entry per distinct label, so
    a scenario's window stays distinct from winter where they overlap."""
    colours: dict = {}
    for a, b, *label in periods:
        text = label[0] if label else "shaded period"
        first = text not in colours
        colour = colours.setdefault(text, SHADES[len(colours) % len(SHADES)])
        ax.axvspan(pd.Timestamp(a), pd.Timestamp(b), color=colour, alpha=0.7,
                   zorder=0, gid="shaded", label=text if first else None, lw=0)


def fan(ax, wide: pd.DataFrame, what: str, color: str = FAN, step: bool = False,
        mean: bool = False) -> None:
    """Median line and 50%/90% bands over the replications in `wide` (rows = dates).

    `mean` adds the mean as a dashed line: for rare, bursty counts (ED waits) the median sits
    at 0 on most days and only the mean shows how many to expect.
    """
    q = fan_quantiles(wide)
    x = q.index
    if len(x) <= SHORT_DAYS:  # a few days: frame them (one day would otherwise span years)
        ax.set_xlim(x.min() - pd.Timedelta(hours=12), x.max() + pd.Timedelta(hours=12))
    kw = {"step": "mid"} if step else {}
    n = wide.shape[1]
    ax.fill_between(x, q["p05"], q["p95"], color=color, alpha=0.18, lw=0, gid="band90",
                    label=f"90% of {n} replications", **kw)
    ax.fill_between(x, q["p25"], q["p75"], color=color, alpha=0.38, lw=0, gid="band50",
                    label="middle 50%", **kw)
    if step:
        ax.step(x, q["p50"], where="mid", color=color, lw=1.4, gid="median",
                label=f"median {what}")
    else:
        ax.plot(x, q["p50"], color=color, lw=1.4, gid="median", label=f"median {what}")
    if mean:
        ax.plot(x, wide.mean(axis=1), color="#b8400e", lw=1.0, ls="--", gid="mean",
                label=f"mean {what}")


def hline(ax, y: float, gid: str, label: str, color: str, style: str = "--",
          note: str = "") -> None:
    """A horizontal reference line; `note` is written beside it, outside the plot on the right,
    where it never hides data."""
    ax.axhline(y, color=color, ls=style, lw=1.1, gid=gid, label=label, zorder=3)
    if note:
        ax.annotate(note, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8,
                    color=color, annotation_clip=False)


def bed_lines(ax, base: float, compact: bool = False) -> None:
    """Bed base and the 85% and 92% occupancy lines (numbers beside them unless compact)."""
    if compact:  # small panels share one legend: labels without a site's numbers
        hline(ax, base, "bed_base", "bed base (G&A, no escalation)", BASE, "-")
        hline(ax, 0.92 * base, "pct92", "92% of bed base", PCT92)
        hline(ax, 0.85 * base, "pct85", "85% of bed base", PCT85)
        return
    hline(ax, base, "bed_base", f"bed base {base:,.0f}", BASE, "-",
          note=f"bed base\n{base:,.0f}")
    hline(ax, 0.92 * base, "pct92", f"92% of base ({0.92 * base:,.0f})", PCT92,
          note=f"92%\n{0.92 * base:,.0f}")
    hline(ax, 0.85 * base, "pct85", f"85% of base ({0.85 * base:,.0f})", PCT85,
          note=f"85%\n{0.85 * base:,.0f}")


def short_name(site: str, names: dict | None) -> str:
    """'Medway Maritime Hospital, Gillingham (medway)': the trust in brackets is dropped."""
    name = (names or {}).get(site) or ""
    name = name.split(" (")[0].strip()
    return f"{name} ({site})" if name and name != site else site


def _finish(fig: Figure) -> Figure:
    fig.set_dpi(DPI)
    return fig


def _period_text(index) -> str:
    return f"{index.min():%-d %b %Y} to {index.max():%-d %b %Y}"


# --------------------------------------------------------------------------- charts


def occupancy_chart(daily: pd.DataFrame, beds: dict, periods: Sequence[Period] = (),
                    title: str = "") -> Figure:
    """System occupancy fan with the bed base, the 85%/92% lines and the shaded periods."""
    wide = by_replication(daily, "occupied")
    base = float(sum(beds.values()))
    fig, ax = plt.subplots(figsize=(11, 4.8), layout="constrained")
    shade(ax, periods)
    fan(ax, wide, "occupied beds")
    if "available_beds" in daily:
        avail = by_replication(daily, "available_beds").median(axis=1)
        ax.step(avail.index, avail, where="mid", color="#777777", lw=0.8, ls=":",
                gid="available", label="beds open incl. escalation (median)")
        top = max(base, float(avail.max()))
    else:
        top = base
    bed_lines(ax, base)
    lo = min(0.8 * base, float(np.nanmin(wide.to_numpy())) * 0.98)
    hi = max(top, float(np.nanmax(wide.to_numpy()))) * 1.03
    ax.set_ylim(lo, hi)
    ax.set_ylabel("occupied beds at 08:00")
    _thousands(ax)
    _date_axis(ax)
    ax.set_title(title or f"Bed occupancy, all sites: {_period_text(wide.index)}", loc="left",
                 fontsize=12, fontweight="bold")
    ax.legend(loc="lower left", fontsize=8, ncol=3, framealpha=0.9)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    return _finish(fig)


def site_panels(daily: pd.DataFrame, column: str, what: str, ylabel: str,
                periods: Sequence[Period] = (), beds: dict | None = None,
                names: dict | None = None, title: str = "") -> Figure:
    """One small fan per site, two columns; bed lines when `beds` is given."""
    sites = list(dict.fromkeys(daily["site"]))
    ncols = 2 if len(sites) > 1 else 1
    nrows = math.ceil(len(sites) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 0.6 + 2.4 * nrows), sharex=True,
                             layout="constrained", squeeze=False)
    for ax, site in zip(axes.flat, sites):
        wide = by_replication(daily, column, site)
        shade(ax, periods)
        fan(ax, wide, what)
        if beds and site in beds:
            bed_lines(ax, float(beds[site]), compact=True)
            base = float(beds[site])
            lo = min(0.8 * base, float(np.nanmin(wide.to_numpy())) * 0.98)
            ax.set_ylim(lo, max(base, float(np.nanmax(wide.to_numpy()))) * 1.04)
        ax.set_title(short_name(site, names), loc="left", fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        _thousands(ax)
        _date_axis(ax, compact=True)
        ax.grid(axis="y", color="#dddddd", lw=0.6)
    for ax in list(axes.flat)[len(sites):]:
        ax.set_visible(False)
        above = axes.flat[list(axes.flat).index(ax) - ncols]
        above.xaxis.set_tick_params(labelbottom=True)  # its dates would hide with the blank
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 6), fontsize=8)
    fig.suptitle(title or f"{what.capitalize()} by site", x=0.01, ha="left", fontsize=12,
                 fontweight="bold")
    return _finish(fig)


def mo_chart(daily: pd.DataFrame, reference: float = 0.0, periods: Sequence[Period] = (),
             title: str = "") -> Figure:
    """Medically optimised patients still in acute beds (system), with the reference line."""
    wide = by_replication(daily, "medically_optimised")
    fig, ax = plt.subplots(figsize=(11, 4.2), layout="constrained")
    shade(ax, periods)
    fan(ax, wide, "MO patients")
    if reference and reference > 0:
        hline(ax, float(reference), "mo_reference",
              f"planning reference {reference:,.0f}", REFERENCE,
              note=f"reference\n{reference:,.0f}")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("patients medically optimised\nstill in an acute bed at 08:00")
    _thousands(ax)
    _date_axis(ax)
    ax.set_title(title or "Medically optimised patients waiting to leave acute beds, all sites",
                 loc="left", fontsize=12, fontweight="bold")
    ax.legend(loc="lower left", fontsize=8, ncol=4, framealpha=0.9)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    return _finish(fig)


def ed_chart(daily: pd.DataFrame, periods: Sequence[Period] = ()) -> Figure:
    """People waiting in ED for a bed at 08:00 and, when recorded per day, 12-hour waits a day."""
    has_12h = "waits_over_12h" in daily
    fig, axes = plt.subplots(2 if has_12h else 1, 1, figsize=(11, 7.4 if has_12h else 4.0),
                             sharex=True, layout="constrained", squeeze=False)
    ax = axes[0, 0]
    shade(ax, periods)
    fan(ax, by_replication(daily, "ed_waiting"), "people waiting", mean=True)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("people waiting in ED\nfor a bed at 08:00")
    ax.set_title("Waiting in ED for a bed at 08:00, all sites", loc="left", fontsize=12,
                 fontweight="bold")
    if has_12h:
        ax2 = axes[1, 0]
        shade(ax2, periods)
        fan(ax2, by_replication(daily, "waits_over_12h"), "12-hour waits", mean=True)
        ax2.set_ylim(bottom=0)
        ax2.set_ylabel("12-hour waits per day")
        ax2.set_title("Waits over 12 hours in ED for a bed, per day, all sites", loc="left",
                      fontsize=12, fontweight="bold")
    for a in axes.flat:
        _thousands(a)
        _date_axis(a)
        a.grid(axis="y", color="#dddddd", lw=0.6)
        a.legend(loc="upper left", fontsize=8, ncol=4, framealpha=0.9)
    return _finish(fig)


def cancellations_chart(daily: pd.DataFrame, periods: Sequence[Period] = ()) -> Figure:
    """Elective cancellations per calendar week: mean and 90% band over replications."""
    wk = weekly(daily, "elective_cancelled")
    # each week drawn from its Monday to the next: repeat the last value at the closing edge
    edges = wk.index.append(pd.DatetimeIndex([wk.index[-1] + pd.Timedelta(days=7)]))

    def close(v):
        return np.append(v.to_numpy(float), v.iloc[-1])

    fig, ax = plt.subplots(figsize=(11, 4.0), layout="constrained")
    shade(ax, periods)
    ax.fill_between(edges, close(wk.quantile(0.05, axis=1)), close(wk.quantile(0.95, axis=1)),
                    step="post", color=FAN, alpha=0.22, lw=0, gid="band90",
                    label=f"90% of {wk.shape[1]} replications")
    ax.step(edges, close(wk.mean(axis=1)), where="post", color=FAN, lw=1.5, gid="mean",
            label="mean over replications")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("electives cancelled per week")
    _thousands(ax)
    _date_axis(ax)
    # a patient cancelled is rebooked, and can be cancelled again: each time is counted
    ax.set_title("Elective cancellations per week (Monday to Sunday), all sites: a patient "
                 "cancelled twice counts twice", loc="left", fontsize=12, fontweight="bold")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    return _finish(fig)


# --------------------------------------------------------------------------- comparisons


def _bars_with_intervals(ax, labels, mean, low, high, total=None):
    """Horizontal bars with 95% interval whiskers; the bar labelled `total` darker."""
    y = range(len(labels))
    err = [[m - lo for m, lo in zip(mean, low)], [hi - m for m, hi in zip(mean, high)]]
    colour = ["#1b3d5c" if x == total else "#4b8bbe" for x in labels]
    ax.barh(list(y), mean, xerr=err, color=colour, alpha=0.9, capsize=4,
            error_kw={"elinewidth": 1.2})
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.grid(axis="x", alpha=0.3)


def beds_released_chart(comparison: pd.DataFrame, title: str, names: dict | None = None):
    """Acute beds released (baseline - scenario mean occupied) for all sites and each hospital,
    labelled by its name from the config (`names`: site id -> name)."""
    d = comparison[comparison["kpi"] == "beds_released"]
    labels = ["all sites" if s == "system" else short_name(s, names) for s in d["site"]]
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(d) + 1.9), layout="constrained")
    _bars_with_intervals(ax, labels, d["difference_mean"].tolist(),
                         d["difference_ci_low"].tolist(), d["difference_ci_high"].tolist(),
                         total="all sites")
    ax.set_xlabel("acute beds released = mean occupied beds, baseline minus scenario\n"
                  "(positive: fewer beds occupied); bars: 95% interval")
    ax.set_title(title, fontsize=11)
    return fig


def combinations_chart(table: pd.DataFrame, kpi: str = "beds_released"):
    """One bar per intervention combination (system level), with its 95% interval, largest
    first; long combinations are wrapped so every label stays readable."""
    import textwrap

    d = table[(table["kpi"] == kpi) & (table["site"] == "system")]
    d = d.sort_values("difference_mean", ascending=False)
    col = "point" if "point" in d else "interventions"  # older tables lack the point label
    labels = [textwrap.fill(str(x).replace("_", " "), 42) for x in d[col]]
    lines = sum(x.count("\n") + 1 for x in labels)
    fig, ax = plt.subplots(figsize=(10, 0.3 * lines + 0.25 * len(d) + 1.6), layout="constrained")
    _bars_with_intervals(ax, labels, d["difference_mean"].tolist(),
                         d["difference_ci_low"].tolist(), d["difference_ci_high"].tolist())
    ax.tick_params(axis="y", labelsize=9)
    ax.set_xlabel(f"{d['label'].iloc[0] if len(d) else kpi}; bars: 95% interval")
    ax.set_title("Interventions compared, all sites (paired with the same patients)", fontsize=11)
    return fig


def tornado_chart(sens: pd.DataFrame, title: str = ""):
    """Beds released with each input at the low and the high end of its range (the others at
    their defaults), largest swing on top; the line is the default's estimate. Whiskers: 95%
    intervals of each end's change from the default, paired against the default run."""
    d = sens.sort_values("swing", ascending=False, kind="stable")
    mid = float(d["released_default"].iloc[0]) if len(d) else 0.0
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(d) + 1.8), layout="constrained")
    y = list(range(len(d)))
    for end, colour in (("low", "#4b8bbe"), ("high", "#e08a2c")):
        v = d[f"released_at_{end}"].to_numpy(float)
        # the end's change from the default, paired with it, drawn around the end's value
        change = d[f"change_at_{end}"].to_numpy(float)
        lo = v - change + d[f"change_at_{end}_ci_low"].to_numpy(float)
        hi = v - change + d[f"change_at_{end}_ci_high"].to_numpy(float)
        ax.barh(y, v - mid, left=mid, color=colour, alpha=0.85, height=0.6,
                label=f"input at the {end} end of its range")
        ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#333333", elinewidth=0.9,
                    capsize=2)
    labels = [f"{r.intervention.replace('_', ' ')}: {r.parameter.replace('_', ' ')} "
              f"{r.low:g}-{r.high:g} (default {r.default:g})" for r in d.itertuples()]
    ax.set_yticks(y, labels, fontsize=9)
    ax.invert_yaxis()
    ax.axvline(mid, color="black", lw=1.0)
    ax.axvline(0, color="grey", lw=0.6, ls=":")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_xlabel(f"acute beds released, all sites (baseline minus scenario, paired)\n"
                  f"line: {mid:,.0f} at the defaults")
    # over the whole figure: the long labels leave the axes too narrow for a long title
    fig.suptitle(title or "Which assumption drives the beds released", fontsize=11)
    return fig


def forecast_chart(daily: pd.DataFrame, beds: dict, title: str = "") -> Figure:
    """A forecast from an observed state, all sites, day by day: occupied beds against the bed
    base, medically optimised patients, people waiting in ED for a bed (median, 50% and 90%
    bands over replications; day 0 is the state observed)."""
    fig, axes = plt.subplots(3, 1, figsize=(11, 8.4), sharex=True, layout="constrained")
    panels = (("occupied", "occupied beds", "occupied beds at 08:00"),
              ("medically_optimised", "MO patients", "medically optimised at 08:00"),
              ("ed_waiting", "waiting in ED", "waiting in ED for a bed at 08:00"))
    for ax, (col, what, ylabel) in zip(axes, panels):
        wide = by_replication(daily, col)
        fan(ax, wide, what, step=True, mean=col == "ed_waiting")
        if col == "occupied":
            base = float(sum(beds.values()))
            bed_lines(ax, base)
            ax.set_ylim(min(0.85 * base, float(np.nanmin(wide.to_numpy())) * 0.98),
                        max(base, float(np.nanmax(wide.to_numpy()))) * 1.03)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(axis="y", color="#dddddd", lw=0.6)
        ax.legend(loc="upper left", fontsize=7, ncol=4, framealpha=0.9)
        _thousands(ax)
    _date_axis(axes[-1], compact=True)
    axes[0].set_title(title or f"Forecast, all sites: {_period_text(wide.index)} (day 0: the "
                      "state observed)", loc="left", fontsize=12, fontweight="bold")
    return _finish(fig)


def stroke_chart(units: pd.DataFrame):
    """Share of stroke patients finding no stroke bed, by unit, for each run (bedflow.
    stroke_units.unit_table); whiskers: 95% intervals over replications. Dotted lines: 1 in 50
    and 1 in 100, the targets a planner sizes a unit for."""
    d = units[(units["kpi"] == "stroke_no_bed_share") & (units["site"] != "system")]
    arms = list(dict.fromkeys(d["arm"]))
    sites = list(dict.fromkeys(d["site"]))
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(sites) * max(1, len(arms)) + 1.6),
                           layout="constrained")
    h = 0.8 / max(1, len(arms))
    for k, (arm, colour) in enumerate(zip(arms, ("#9a9a9a", "#2f6f9f", "#e08a2c"))):
        rows = d[d["arm"] == arm].set_index("site").reindex(sites)
        y = np.arange(len(sites)) + (k - (len(arms) - 1) / 2) * h
        m = rows["mean"].to_numpy(float)
        lo = np.clip(rows["ci_low"].to_numpy(float), 0, None)
        hi = rows["ci_high"].to_numpy(float)
        ax.barh(y, np.nan_to_num(m), height=h * 0.9, color=colour, label=arm)
        ok = ~np.isnan(m) & ~np.isnan(lo)
        ax.errorbar(m[ok], y[ok], xerr=[m[ok] - lo[ok], hi[ok] - m[ok]], fmt="none",
                    ecolor="#333333", elinewidth=0.9, capsize=2)
    for x, label in ((0.02, "1 in 50"), (0.01, "1 in 100")):
        ax.axvline(x, color="black", lw=0.8, ls=":")
        ax.text(x + 0.0015, len(sites) - 0.45, label.strip(), fontsize=8,
                va="bottom", ha="left", rotation=90)
    ax.set_yticks(range(len(sites)), [s.replace("_", " ") for s in sites])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("stroke patients who found no stroke bed on arrival (share of the unit's)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title("Stroke patients finding no stroke bed, by unit")
    return fig


def png(fig: Figure, colors: int = 256, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, closed afterwards (pyplot keeps no reference).

    Quantised to a 256-colour palette: a third of the size of full colour with no visible
    change on flat-coloured charts, which keeps report.html small enough to e-mail; colors=0
    keeps full colour.
    """
    from PIL import Image  # a matplotlib dependency

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    if not colors:
        return buf.getvalue()
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    method = getattr(Image, "Quantize", Image).FASTOCTREE
    img.quantize(colors=colors, method=method).save(out, "PNG", optimize=True)
    return out.getvalue()
