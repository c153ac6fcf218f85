"""Helpers for the sweep tests: run the CLI and the collector as a user would, read markers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

# a 2 x 2 sweep of the one-ward harness: seconds per point
GRID = ["system=single_ward", "sim.replications=3", "sim.horizon_days=60", "sim.warmup_days=5",
        "system.sites.ward.beds=16,20", "system.sites.ward.emergency_per_day=3.0,3.6"]


def bedflow(args, cwd, timeout=600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bedflow", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, **kw)


def collect(folder, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bedflow.collect", str(folder), *args],
                          capture_output=True, text=True, timeout=timeout)


def subdir(overrides) -> str:
    """A point's folder: its swept overrides, sorted (all of them if nothing is swept), without
    the run-only keys."""
    return ",".join(sorted(o for o in overrides
                           if o.split("=")[0] not in ("sim.jobs", "sim.progress")))


def markers(folder: Path) -> dict[str, dict]:
    """complete.json of every complete point, by folder name."""
    return {p.parent.name: json.loads(p.read_text()) for p in Path(folder).glob("*/complete.json")}


def table(folder: Path) -> pd.DataFrame:
    t = pd.read_parquet(Path(folder) / "sweep.parquet")
    return t.sort_values(["point", "site"]).reset_index(drop=True)
