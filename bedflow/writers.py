"""Writing a run folder's tables: atomic files (temporary name, then rename) and provenance.

Charts are drawn by `plots` and written by `report`; this module imports neither."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict
from enum import Enum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from .results import Results
from .stroke_units import travel_table, unit_table

PACKAGES = ("bedflow", "simpy", "numpy", "pandas", "pyarrow", "matplotlib", "hydra-core",
            "omegaconf", "tqdm")


def _file_mode() -> int:
    """The mode an ordinary new file gets (0o666 less the umask): mkstemp's 0o600 would hide
    outputs from the rest of a team sharing a results folder on a cluster."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call write(tmp) on a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_together(items) -> list[Path]:
    """Each (path, write) to a temporary file beside its path, then all renamed: every file is
    written or none is (a folder that cannot be made fails before any rename)."""
    tmps: list[tuple[Path, Path]] = []
    try:
        for path, write in items:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            tmps.append((Path(tmp), path))
            write(Path(tmp))
            os.chmod(tmp, _file_mode())
        for tmp, path in tmps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in tmps:
            tmp.unlink(missing_ok=True)
        raise
    return [path for _, path in tmps]


def write_json(path: Path, obj: dict) -> Path:
    """`obj` as indented JSON, atomically (values JSON lacks, such as dates, as strings)."""
    return atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str) + "\n"))


def plain(obj):
    """Enums as their values, tuples as lists: what JSON and YAML can hold."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def git_commit() -> str | None:
    """The commit of the source tree bedflow runs from (with +dirty), when it is a git clone."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=5)
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(results: Results, overrides: list[str] | None = None,
               seconds: float | None = None) -> dict:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = None
    sim = results.config.sim
    return {
        "bedflow_version": versions["bedflow"],
        "git_commit": git_commit(),
        "system": results.config.system.name,
        "overrides": list(overrides or []),
        "seed": sim.seed,
        "replications": sim.replications,
        "seeds": "stream seed = SeedSequence(entropy=seed, spawn_key=(replication, "
                 "blake2b-32(stream name)))",
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "packages": versions,
        "elapsed_seconds": None if seconds is None else round(seconds, 3),
        "config": plain(asdict(results.config)),
    }


def write_run(results: Results, folder: Path, prov: dict) -> list[Path]:
    """Write the tables and provenance into `folder`; provenance last, as the completion mark.
    Charts are the report's (`report.write_report`)."""
    folder = Path(folder)
    written = []
    if results.comparison is not None:
        written += [
            atomic_write(folder / "baseline_replications.parquet",
                         lambda p: results.baseline.replications.to_parquet(p, index=False)),
            atomic_write(folder / "comparison.csv",
                         lambda p: results.comparison.to_csv(p, index=False)),
        ]
    if results.sensitivity is not None:
        written.append(atomic_write(folder / "sensitivity.csv",
                                    lambda p: results.sensitivity.to_csv(p, index=False)))
    units, travel = unit_table(results), travel_table(results)
    if len(units):
        written.append(atomic_write(folder / "stroke_units.csv", lambda p: units.drop(
            columns="format").to_csv(p, index=False)))
    if len(travel):
        written.append(atomic_write(folder / "travel.csv", lambda p: travel.drop(
            columns="format").to_csv(p, index=False)))
    if results.events is not None:
        written.append(atomic_write(folder / "events.parquet",
                                    lambda p: results.events.to_parquet(p, index=False)))
    written += [
        atomic_write(folder / "replications.parquet",
                     lambda p: results.replications.to_parquet(p, index=False)),
        atomic_write(folder / "daily.parquet", lambda p: results.daily.to_parquet(p, index=False)),
        atomic_write(folder / "summary.csv", lambda p: results.summary.to_csv(p, index=False)),
        write_json(folder / "provenance.json", prov),
    ]
    return written
