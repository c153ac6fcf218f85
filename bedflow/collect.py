"""`bedflow-collect <sweep folder>`: a sweep's completed points in one table, what is missing or
failed, and each KPI drawn against what was swept.

    bedflow-collect results/sweeps/p1 [--kpi mean_medically_optimised ...] [--site system]
                    [--baseline key=value ...] [--no-plot]

Writes `sweep.parquet` in the folder: one row per point and site (the system first), a column
per swept override (typed: numbers stay numbers), then each KPI's mean, `_ci_low` and `_ci_high`
(95% interval over replications). Points with interventions switched on also carry their paired
comparison against every intervention off (`comparison.csv`) as `effect_<kpi>` columns, e.g.
`effect_beds_released`. With `--baseline`, each KPI also gets `<kpi>_change`: the point minus
the baseline point, paired replication by replication (same seeds, same patients), which is far
narrower than the difference of two separate intervals; a point that ran other replications
than the baseline gets no change (and a warning), never a pairing of what both happen to have.
A percentile's change is unknown (NaN) when it fell beyond the recorded range in any replication
of either point, with `<kpi>_change_note` saying in how many.

Charts: `sweep_<kpi>.png` for the system, `sweep_<kpi>_<site>.png` with `--site`. Intervals of
levels (counts, means, shares) are shown from 0, like the run tables; sweep.parquet keeps them
raw. A complete point whose tables cannot be read is skipped with a warning naming it; a
truncated marker (sweep.json, complete.json, failed.json) stops with one line naming it.

Exit code 0 when every point of the sweep is complete, 1 when some are missing or failed (the
table still holds the complete ones), 2 for bad input. Reading a sweep never changes its points.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import sweep as sw
from .compare import KPIS, RECONFIG_KPIS

#: the effects a point may carry: against interventions off, or against the same scenario
#: without its reconfiguration (each point says which in its comparison)
EFFECTS = {**RECONFIG_KPIS, **KPIS}
from .errors import EXIT_USAGE
from .results import HEADLINE, PERCENTILE_OF, beyond_range, system_rows
from .stats import common_replications, paired

TABLE = "sweep.parquet"
EXIT_INCOMPLETE = 1  # some points could not be used


class CollectError(ValueError):
    """Bad input to bedflow-collect: one line, exit 2."""


@dataclass
class Collected:
    folder: Path
    swept: list[str]
    table: pd.DataFrame  # one row per complete point and site
    complete: list[str] = field(default_factory=list)
    failed: dict = field(default_factory=dict)  # subdir -> error
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)  # subdir -> overrides
    damaged: dict = field(default_factory=dict)  # subdir -> why it was skipped (complete, unreadable)
    warnings: list = field(default_factory=list)  # lines for stderr

    @property
    def used(self) -> list[str]:
        """The complete points whose tables were read into `table`."""
        return [sub for sub in self.complete if sub not in self.damaged]


def _typed(override: str):
    """The value of `key=value` as Hydra reads it: 450 -> int, 0.5 -> float, else the text."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        v = OverridesParser.create().parse_override(override).value()
    except Exception:
        return override.partition("=")[2]
    return v if isinstance(v, (bool, int, float, str)) else override.partition("=")[2]


def _read_json(path: Path, *keys: str) -> dict:
    """A marker's JSON; a truncated or foreign file is a CollectError naming it (a marker is
    what says a point is complete, so guessing past a damaged one would be wrong)."""
    try:
        obj = json.loads(path.read_text())
        for k in keys:
            obj[k]
    except (ValueError, TypeError, KeyError) as e:
        raise CollectError(f"{path}: damaged or truncated ({type(e).__name__}: {e}); rewrite it "
                           "or delete the point folder and rerun the sweep") from None
    return obj


def _points(folder: Path) -> tuple[list[dict], list[str]]:
    """The sweep's points from `sweep.json`, or, for a folder without one, its point folders."""
    manifest = folder / sw.MANIFEST
    if manifest.is_file():
        m = _read_json(manifest, "points")
        return m["points"], list(m.get("swept", []))
    points = []
    for d in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for marker in (sw.DONE, sw.FAILED):
            if (d / marker).is_file():
                points.append({"subdir": d.name,
                               "overrides": _read_json(d / marker, "overrides")["overrides"]})
                break
    if not points:
        raise CollectError(f"{folder}: not a sweep folder (no {sw.MANIFEST} and no point "
                           "folders with complete.json)")
    keys = {}
    for p in points:
        for o in p["overrides"]:
            keys.setdefault(o.partition("=")[0], set()).add(o.partition("=")[2])
    return points, [k for k, vals in keys.items() if len(vals) > 1]


def _values(overrides: list[str], swept: list[str]) -> dict:
    by_key = {o.split("=", 1)[0]: o for o in overrides}
    return {k: (_typed(by_key[k]) if k in by_key else None) for k in swept}


def _by_site(t: pd.DataFrame, mean: str, low: str, high: str, prefix: str = "") -> pd.DataFrame:
    """Long rows (site, kpi, mean, low, high) -> one row per site, three columns a KPI."""
    rows = []
    for site, g in t.groupby("site", sort=False):
        row = {"site": site}
        for r in g.itertuples():
            k = prefix + r.kpi
            row[k], row[f"{k}_ci_low"], row[f"{k}_ci_high"] = (
                getattr(r, mean), getattr(r, low), getattr(r, high))
        rows.append(row)
    return pd.DataFrame(rows)


def _wide(summary: pd.DataFrame) -> pd.DataFrame:
    """summary.csv -> one row per site: replications, then each KPI's mean and interval."""
    t = _by_site(summary, "mean", "ci_low", "ci_high")
    t.insert(1, "replications",
             summary.groupby("site", sort=False)["replications"].max().astype(int).to_numpy())
    return t


def _effects(comparison: Path) -> pd.DataFrame:
    """comparison.csv (paired, against every intervention off) -> effect_<kpi> columns per site."""
    return _by_site(pd.read_csv(comparison), "difference_mean", "difference_ci_low",
                    "difference_ci_high", prefix="effect_")


def _per_replication(point: Path) -> dict[str, pd.DataFrame]:
    """Each site's replication rows, and the system's, indexed by replication."""
    reps = pd.read_parquet(point / "replications.parquet")
    out = {"system": system_rows(reps).set_index("replication")}
    for site, g in reps.groupby("site", sort=False):
        out[site] = g.set_index("replication")
    return out


def _changes(point: Path, base: Path) -> pd.DataFrame:
    """Point minus baseline, paired by replication, with a 95% interval, per site and KPI.

    A ValueError when the two ran different replications: pairing what both happen to have
    would be a different comparison from the one asked for.
    """
    a, b = _per_replication(point), _per_replication(base)
    rows = []
    for site in a:
        if site not in b:
            continue
        reps = common_replications(a[site].index, b[site].index)
        row = {"site": site}
        for kpi in HEADLINE:
            if kpi in a[site] and kpi in b[site]:
                pa, pb = a[site].loc[reps], b[site].loc[reps]
                change = paired(pa[kpi], pb[kpi])
                note = beyond_range(kpi, pa, pb)
                if kpi in PERCENTILE_OF:
                    row[f"{kpi}_change_note"] = note
                row[f"{kpi}_change"], row[f"{kpi}_change_ci_low"], row[f"{kpi}_change_ci_high"] = \
                    (math.nan,) * 3 if note else change
        rows.append(row)
    return pd.DataFrame(rows)


def collect(folder, baseline: list[str] | None = None) -> Collected:
    """Read every point of the sweep in `folder`; see the module docstring for the table."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CollectError(f"{folder}: no such folder")
    points, swept = _points(folder)
    got = Collected(folder, swept, pd.DataFrame())
    frames = []
    for p in points:
        sub, d = p["subdir"], folder / p["subdir"]
        got.overrides[sub] = p["overrides"]
        if (d / sw.DONE).is_file():
            _read_json(d / sw.DONE)  # sw.status would take a truncated marker for "missing"
        state = sw.status(d, p.get("config_sha256"))
        if state == "failed":
            got.failed[sub] = _read_json(d / sw.FAILED).get("error", "?")
        elif state == "missing":
            got.missing.append(sub)
        elif state == "stale":
            got.stale.append(sub)
        else:
            got.complete.append(sub)
            try:
                wide = _wide(pd.read_csv(d / "summary.csv"))
                if (d / "comparison.csv").is_file():
                    wide = wide.merge(_effects(d / "comparison.csv"), on="site", how="left")
            except (OSError, ValueError, KeyError) as e:  # one damaged point: skip it, say so
                got.damaged[sub] = _why(d, e)
                got.warnings.append(f"{got.damaged[sub]}; point skipped")
                continue
            for k, v in reversed(list(_values(p["overrides"], swept).items())):
                wide.insert(0, k, v)
            wide.insert(len(swept), "point", sub)
            frames.append(wide)
    if frames:
        got.table = pd.concat(frames, ignore_index=True)
    if baseline and frames:
        base = _find(got, baseline)
        changes = []
        for sub in got.used:
            try:
                changes.append(_changes(folder / sub, folder / base).assign(point=sub))
            except (OSError, ValueError, KeyError) as e:
                got.warnings.append(f"{sub}: no change from the baseline {base}: "
                                    f"{_why(folder / sub, e)}")
        if changes:
            got.table = got.table.merge(pd.concat(changes, ignore_index=True),
                                        on=["point", "site"], how="left")
    return got


def _why(point: Path, e: Exception) -> str:
    """One line on what stopped a point being read: the missing file, or the error."""
    if isinstance(e, FileNotFoundError):
        return f"{e.filename or point} is missing"
    return f"{point}: {e}" if isinstance(e, ValueError) else f"{point}: {type(e).__name__}: {e}"


def _find(got: Collected, baseline: list[str]) -> str:
    """The one complete point whose overrides include every `key=value` of `baseline`."""
    want = {o.split("=", 1)[0]: _typed(o) for o in baseline}
    match = [sub for sub in got.used
             if all(_values(got.overrides[sub], list(want))[k] == v for k, v in want.items())]
    if len(match) != 1:
        raise CollectError(f"--baseline {' '.join(baseline)}: matches {len(match)} complete "
                           "points; give swept keys and values that pick exactly one")
    return match[0]


# --------------------------------------------------------------------------- charts


def _label(kpi: str) -> str:
    if kpi.startswith("effect_"):
        return f"{EFFECTS.get(kpi[7:], (0, 0, kpi[7:]))[2]}, vs the point's baseline"
    if kpi.endswith("_change"):
        return f"{HEADLINE.get(kpi[:-7], kpi[:-7])}: change (point minus baseline)"
    return HEADLINE.get(kpi, kpi)


def fmt_value(x: float) -> str:
    """Three significant figures below 10, whole numbers above; '-' for no value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) < 1e-9:  # rounding noise of a zero
        return "0"
    return f"{x:,.3g}" if abs(x) < 10 else f"{x:,.0f}"


def _is_difference(kpi: str) -> bool:
    """A change or an effect can be negative; every other KPI is a count, mean or share."""
    return kpi.endswith("_change") or kpi.startswith("effect_")


def _intervals(t: pd.DataFrame, kpi: str) -> tuple[pd.Series, pd.Series]:
    """The KPI's interval ends; a level's low end from 0, like the run tables (a skewed count's
    t-interval can dip below a value no replication can take; sweep.parquet keeps it raw)."""
    lo, hi = t[f"{kpi}_ci_low"].astype(float), t[f"{kpi}_ci_high"].astype(float)
    return (lo if _is_difference(kpi) else lo.clip(lower=0)), hi


def figure(got: Collected, kpi: str, site: str):
    """KPI against each swept parameter: a line with its 95% band for one, a heat map with each
    cell's mean and interval for two, one panel per parameter beyond that; None if nothing to draw.

    Heat-map colours never say more than the intervals: a level's scale spans every cell's
    interval, not just the means, so cells inside each other's intervals get near colours; a
    change or effect gets a diverging scale centred on 0, and cells whose interval includes 0
    are hatched grey (no clear effect).
    """
    import textwrap

    from matplotlib.colors import TwoSlopeNorm

    from .plots import plt  # plots sets the Agg backend

    t = got.table[got.table["site"] == site]
    keys = got.swept
    if t.empty or not keys or kpi not in t:
        return None
    low, high = _intervals(t, kpi)
    t = t.assign(_lo=low, _hi=high)
    title = textwrap.fill(f"{_label(kpi)} ({site}); mean and 95% interval", 90)
    short = textwrap.fill(_label(kpi), 40)
    if len(keys) == 2:
        x, y = keys
        m = t.pivot_table(index=y, columns=x, values=kpi, aggfunc="first").sort_index(ascending=False)
        lo = t.pivot_table(index=y, columns=x, values="_lo", aggfunc="first").reindex_like(m)
        hi = t.pivot_table(index=y, columns=x, values="_hi", aggfunc="first").reindex_like(m)
        fig, ax = plt.subplots(figsize=(1.9 * m.shape[1] + 2.5, 1.1 * m.shape[0] + 1.8))
        vals = m.to_numpy(float)
        ends = np.concatenate([vals.ravel(), lo.to_numpy(float).ravel(), hi.to_numpy(float).ravel()])
        ends = ends[np.isfinite(ends)]
        if _is_difference(kpi):
            span = float(np.abs(ends).max()) if len(ends) and np.abs(ends).max() > 0 else 1.0
            cmap, norm = "RdBu_r", TwoSlopeNorm(0.0, -span, span)
        else:
            a, b = (float(ends.min()), float(ends.max())) if len(ends) else (0.0, 1.0)
            cmap, norm = "viridis", plt.Normalize(a, b if b > a else a + 1)
        im = ax.imshow(vals, cmap=cmap, norm=norm, aspect="auto")
        fig.colorbar(im, ax=ax, label=short)
        ax.set_xticks(range(m.shape[1]), [str(c) for c in m.columns])
        ax.set_yticks(range(m.shape[0]), [str(i) for i in m.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                v, a, b = vals[i, j], lo.iat[i, j], hi.iat[i, j]
                if math.isnan(v):
                    continue
                unclear = _is_difference(kpi) and a <= 0 <= b
                if unclear:
                    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#d9d9d9",
                                               edgecolor="#8c8c8c", hatch="//", lw=0,
                                               gid="interval_includes_0"))
                light = not unclear and (norm(v) < 0.25 if cmap == "viridis" else
                                         abs(norm(v) - 0.5) > 0.35)
                ax.text(j, i, f"{fmt_value(v)}\n[{fmt_value(a)}, {fmt_value(b)}]",
                        ha="center", va="center", fontsize=8,
                        color="white" if light else "black")
        if _is_difference(kpi):
            title += "\nhatched grey: the interval includes 0 (no clear change)"
    else:
        fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.8), squeeze=False)
        for ax, key in zip(axes[0], keys):
            s = t.sort_values(key)
            xs = s[key]
            numeric = pd.api.types.is_numeric_dtype(xs)
            pos = xs.to_numpy(float) if numeric else np.arange(len(xs))
            yerr = np.vstack([s[kpi] - s["_lo"], s["_hi"] - s[kpi]])
            ax.errorbar(pos, s[kpi], yerr=yerr, fmt="o-" if len(keys) == 1 else "o", capsize=3)
            if not numeric:
                ax.set_xticks(pos, [str(v) for v in xs], rotation=30, ha="right")
            if _is_difference(kpi):
                ax.axhline(0, color="black", lw=0.8)
            ax.set_xlabel(key)
            ax.set_ylabel(short)
            ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def chart_name(kpi: str, site: str) -> str:
    """sweep_<kpi>.png for the system, sweep_<kpi>_<site>.png for a site: --site never
    overwrites the system's chart."""
    return f"sweep_{kpi}.png" if site == "system" else f"sweep_{kpi}_{site}.png"


def plot(got: Collected, kpi: str, site: str, path: Path | None = None) -> Path | None:
    """Draw `figure` and save it in the sweep folder (or at `path`)."""
    from .report import save

    fig = figure(got, kpi, site)
    if fig is None:
        return None
    path = Path(path or got.folder / chart_name(kpi, site))
    save(fig, path, dpi=110)
    return path


def text_table(got: Collected, kpi: str, site: str) -> str:
    """The KPI by swept value, mean [95% interval], as a grid for two swept keys."""
    t = got.table[got.table["site"] == site]
    if t.empty or kpi not in t:
        return ""
    lo, hi = _intervals(t, kpi)
    cell = [f"{fmt_value(m)} [{fmt_value(a)}, {fmt_value(b)}]" for m, a, b in zip(t[kpi], lo, hi)]
    t = t.assign(_cell=cell)
    if len(got.swept) == 2:
        x, y = got.swept
        grid = t.pivot_table(index=y, columns=x, values="_cell", aggfunc="first")
        return grid.to_string()
    cols = got.swept or ["point"]
    return t[cols + ["_cell"]].rename(columns={"_cell": _label(kpi)}).to_string(index=False)


# --------------------------------------------------------------------------- command line


DEFAULT_KPIS = ("mean_occupied", "mean_medically_optimised")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bedflow-collect", description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="the sweep folder (hydra.sweep.dir)")
    ap.add_argument("--kpi", action="append", help="KPI to draw (repeatable; default "
                    "mean_occupied and mean_medically_optimised, the latter only where a point "
                    "has any): a column of sweep.parquet such as mean_wait_hours, "
                    "effect_beds_released, mean_occupied_change")
    ap.add_argument("--site", default="system", help="site to draw (default: system)")
    ap.add_argument("--baseline", nargs="+", metavar="KEY=VALUE",
                    help="the point to compare every point with, e.g. "
                         "system.sites.medway.downstream.P1=431")
    ap.add_argument("--no-plot", action="store_true", help="write the table only")
    a = ap.parse_args(argv)
    kpis = a.kpi or list(DEFAULT_KPIS)
    try:
        known = list(HEADLINE) + [f"{k}_change" for k in HEADLINE] + [f"effect_{k}" for k in EFFECTS]
        for k in kpis:
            if k not in known:
                raise CollectError(f"--kpi {k}: unknown KPI (available: {', '.join(known)})")
            if k.endswith("_change") and not a.baseline:
                raise CollectError(f"--kpi {k}: a change needs --baseline")
        got = collect(a.folder, a.baseline)
        if not got.table.empty and a.site not in set(got.table["site"]):
            raise CollectError(f"--site {a.site}: no such site (available: "
                               f"{', '.join(dict.fromkeys(got.table['site']))})")
    except (CollectError, OSError, ValueError) as e:
        print(f"bedflow-collect: error: {e}", file=sys.stderr)
        return EXIT_USAGE

    n = len(got.overrides)
    used = len(got.used)
    print(f"{got.folder}: {n} points: {len(got.complete)} complete, {len(got.failed)} failed, "
          f"{len(got.missing)} missing" + (f", {len(got.stale)} stale" if got.stale else "")
          + f"; {used} of {n} points used")
    for line in got.warnings:
        print(f"bedflow-collect: warning: {line}", file=sys.stderr)
    for sub, err in got.failed.items():
        print(f"  failed   {' '.join(got.overrides[sub])}: {err}")
    for sub in got.missing:
        print(f"  missing  {' '.join(got.overrides[sub])}")
    for sub in got.stale:
        print(f"  stale    {' '.join(got.overrides[sub])} (complete for another config)")
    for sub, why in got.damaged.items():
        print(f"  damaged  {' '.join(got.overrides[sub])}: {why}")
    if got.table.empty:
        print("no complete point: nothing to collect")
        return EXIT_INCOMPLETE
    from .writers import atomic_write

    if not a.kpi:  # a default KPI that is zero everywhere (no MO patients on single_ward) says nothing
        kpis = [k for k in kpis if got.table[k].fillna(0).ne(0).any()] or kpis[:1]
    atomic_write(got.folder / TABLE, lambda p: got.table.to_parquet(p, index=False))
    wrote = [TABLE]
    for k in kpis:
        print(f"\n{_label(k)} ({a.site}), mean [95% interval]:\n{text_table(got, k, a.site)}")
        if not a.no_plot:
            path = plot(got, k, a.site)
            if path:
                wrote.append(path.name)
    print(f"\nwrote {', '.join(wrote)} in {got.folder} ({used} of {n} points used, "
          f"swept: {', '.join(got.swept) or 'nothing'})")
    return 0 if used == n else EXIT_INCOMPLETE


def cli() -> None:  # console script
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    cli()
