"""Hydra callbacks: after a multirun over intervention combinations, one table and one chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from hydra.experimental.callback import Callback


def _interventions_of(run: Path) -> str:
    """The `intervention=...` override of a job, as a readable label."""
    try:
        overrides = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) or []
    except (OSError, yaml.YAMLError):
        return run.name
    for o in overrides:
        if o.split("=", 1)[0].lstrip("+~") == "intervention":
            value = o.split("=", 1)[1].strip("[]")
            return value.replace(",", " + ") or "none"
    return "none"


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
    """Stack every job's comparison.csv with a column naming its interventions."""
    from .plots import combinations_chart
    from .report import save
    from .writers import atomic_write

    parts = []
    for f in _this_sweeps_comparisons(Path(sweep_dir)):
        df = pd.read_csv(f)
        df.insert(0, "interventions", _interventions_of(f.parent))
        df.insert(1, "run", f.parent.name)
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
        width = max(len(x) for x in d["interventions"])
        for _, r in d.iterrows():
            print(f"  {r['interventions']:<{width}}  {r['difference_mean']:8,.1f}  "
                  f"[{r['difference_ci_low']:,.1f}, {r['difference_ci_high']:,.1f}]")
        print(f"wrote {Path(config.hydra.sweep.dir) / 'comparisons.csv'}")
