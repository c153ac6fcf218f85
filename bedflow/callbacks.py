"""Hydra callbacks: after a multirun over intervention combinations, one table and one chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from hydra.experimental.callback import Callback


def _overrides_of(run: Path) -> list[str] | None:
    try:
        return yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) or []
    except (OSError, yaml.YAMLError):
        return None


def _interventions_of(run: Path) -> str:
    """The `intervention=...` override of a job, as a readable label."""
    overrides = _overrides_of(run)
    if overrides is None:
        return run.name
    for o in overrides:
        if o.split("=", 1)[0].lstrip("+~") == "intervention":
            value = o.split("=", 1)[1].strip("[]")
            return value.replace(",", " + ") or "none"
    return "none"


def _point_labels(runs: list[Path]) -> list[str]:
    """A label per point that tells the points apart: its interventions, and the other
    overrides that differ between the points (a sweep over caseloads with the same
    interventions would otherwise print one name for every row)."""
    names = [_interventions_of(r) for r in runs]
    if len(set(names)) == len(names):
        return names
    overrides = [_overrides_of(r) or [] for r in runs]
    common = set.intersection(*(set(o) for o in overrides)) if overrides else set()
    out = []
    for name, over in zip(names, overrides):
        rest = [o for o in over if o not in common
                and o.split("=", 1)[0].lstrip("+~") not in ("intervention", "sim.jobs")]
        out.append(f"{name} ({' '.join(rest)})" if rest else name)
    return out


def _this_sweeps_comparisons(sweep_dir: Path) -> list[Path]:
    """comparison.csv of each point of this sweep (sweep.json) that is complete for its config,
    so points left in the folder by an earlier sweep, or a stale one, are not mixed in."""
    import json

    from . import sweep as sw

    manifest = sweep_dir / sw.MANIFEST
    if not manifest.is_file():  # a multirun without bedflow's sweeper: every job's folder
        return sorted(sweep_dir.glob("*/comparison.csv"))
    points = json.loads(manifest.read_text())["points"]
    return [sweep_dir / p["subdir"] / "comparison.csv" for p in points
            if sw.status(sweep_dir / p["subdir"], p.get("config_sha256")) == "complete"
            and (sweep_dir / p["subdir"] / "comparison.csv").is_file()]


def combine(sweep_dir: Path) -> pd.DataFrame | None:
    """Stack every job's comparison.csv with columns naming its interventions and the point
    (interventions and whatever else differs between the points)."""
    from .plots import combinations_chart
    from .report import save
    from .writers import atomic_write

    parts = []
    files = _this_sweeps_comparisons(Path(sweep_dir))
    for f, label in zip(files, _point_labels([f.parent for f in files])):
        df = pd.read_csv(f)
        df.insert(0, "interventions", _interventions_of(f.parent))
        df.insert(1, "point", label)
        df.insert(2, "run", f.parent.name)
        parts.append(df)
    if not parts:
        return None
    table = pd.concat(parts, ignore_index=True)
    atomic_write(Path(sweep_dir) / "comparisons.csv", lambda p: table.to_csv(p, index=False))
    save(combinations_chart(table), Path(sweep_dir) / "beds_released_by_combination.png")
    return table


class CombineComparisons(Callback):
    def on_multirun_end(self, config, **kwargs) -> None:
        table = combine(Path(config.hydra.sweep.dir))
        if table is None:
            return
        d = table[(table["kpi"] == "beds_released") & (table["site"] == "system")]
        print("\nAcute beds released by intervention combination (system, paired, 95% interval)")
        width = max(len(x) for x in d["point"])
        for _, r in d.iterrows():
            print(f"  {r['point']:<{width}}  {r['difference_mean']:8,.1f}  "
                  f"[{r['difference_ci_low']:,.1f}, {r['difference_ci_high']:,.1f}]")
        print(f"wrote {Path(config.hydra.sweep.dir) / 'comparisons.csv'}")
