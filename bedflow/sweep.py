"""Sweeps that survive being cut short: the rules, kept apart from Hydra's machinery.

A sweep point's folder is named by its overrides (not by a job number), its files are written
atomically, and `complete.json` is written last. So whatever stops a sweep (a time limit, a
pre-emption, Ctrl-C, a lost node), rerunning the same command with the same `hydra.sweep.dir`
finds the points that are complete and runs only the rest; nothing finished is lost or run twice.

The Hydra side is thin: the sweeper plugin (`hydra_plugins.bedflow_sweeper`) calls `plan` and
`write_manifest` before launching, and `cli._task` calls `run_point` in each job.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import importlib.util
import json
import logging
import os
import pickle
import shlex
import shutil
import socket
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from omegaconf import OmegaConf

from .config import Config, ConfigError

log = logging.getLogger("bedflow.sweep")

DONE = "complete.json"  # written last: its presence is what "complete" means
FAILED = "failed.json"
MANIFEST = "sweep.json"
#: keys that change how a point runs, not what it computes: left out of its folder name and its
#: identity, so a rerun with another `sim.jobs` (or on another launcher) still finds it complete
RUN_ONLY_KEYS = ("sim.jobs", "sim.progress")
MAX_NAME = 200  # file names are limited to 255 bytes

#: launcher choice -> (plugin module it needs, program it needs on PATH)
LAUNCHERS = {
    "basic": (None, None),
    "local": ("hydra_plugins.hydra_joblib_launcher", None),
    "joblib": ("hydra_plugins.hydra_joblib_launcher", None),
    "slurm": ("hydra_plugins.hydra_submitit_launcher", "sbatch"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "sbatch"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", None),
}


# --------------------------------------------------------------------------- folder names


def point_dir_name(override_dirname: str) -> str:
    """The folder of a point: its sorted overrides, made safe as one path component."""
    name = (override_dirname or "default").replace(os.sep, "%2F")
    if len(name.encode()) > MAX_NAME:  # keep it readable and unique
        digest = hashlib.sha1(name.encode()).hexdigest()[:12]
        name = name.encode()[:MAX_NAME - 14].decode(errors="ignore") + "--" + digest
    return name


def parallel_points(jobs) -> int:
    """How many points a machine runs at once: its cores shared among points of `jobs` processes."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, int(jobs)))


def register_resolvers() -> None:
    """Resolvers the configs use; a SLURM job registers them again when it imports bedflow.cli."""
    OmegaConf.register_new_resolver("bedflow.point_dir", point_dir_name, replace=True)
    OmegaConf.register_new_resolver("bedflow.parallel_points", parallel_points, replace=True)


register_resolvers()


# --------------------------------------------------------------------------- identity and state


def config_digest(config: Config) -> str:
    """SHA-256 of what a point computes: the full typed config without the run-only keys."""
    from .writers import plain

    d = plain(asdict(config))
    for key in RUN_ONLY_KEYS:
        section, name = key.split(".")
        d.get(section, {}).pop(name, None)
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()


def status(folder: Path, digest: str | None = None) -> str:
    """complete, stale (complete, but for another config), failed, or missing (never started,
    or stopped before its marker was written)."""
    folder = Path(folder)
    done = folder / DONE
    if done.is_file():
        try:
            mark = json.loads(done.read_text())
        except (OSError, ValueError):
            return "missing"
        if digest is None or mark.get("config_sha256") == digest:
            return "complete"
        return "stale"
    if (folder / FAILED).is_file():
        return "failed"
    return "missing"


def _job_ids() -> dict:
    env = os.environ
    ids = {"host": socket.gethostname(), "pid": os.getpid()}
    for k in ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_RESTART_COUNT"):
        if k in env:
            ids[k.lower()] = env[k]
    return ids


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: core-seconds, for sizing a sweep."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _clear(folder: Path) -> None:
    """Before (re)running a point: drop a stale or failed marker and any temporary left by a
    process that was killed mid-write."""
    for name in (DONE, FAILED):
        (folder / name).unlink(missing_ok=True)
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


class ReplicationStore:
    """The replications a point has finished, kept until the point is complete, so a point cut
    short (a time limit, a pre-emption, Ctrl-C) restarts with them instead of from nothing. This
    is what makes requeueing on a time limit worthwhile: a point longer than one time limit
    completes over several. Kept under the config's digest, so a changed config starts afresh.
    The files are pickles that only bedflow writes and reads, in the user's own sweep folder.
    """

    def __init__(self, folder: Path, digest: str):
        self.root = Path(folder) / ".replications"
        self.dir = self.root / digest[:16]

    def _path(self, i: int) -> Path:
        return self.dir / f"{i:05d}.pkl"

    def load(self, i: int):
        """Output `i` of the run (a replication, or a baseline replication), or None."""
        try:
            return pickle.loads(self._path(i).read_bytes())
        except FileNotFoundError:
            return None
        except Exception:  # a damaged file: run that replication again
            return None

    def save(self, i: int, output: dict) -> None:
        from .writers import atomic_write

        atomic_write(self._path(i),
                     lambda p: p.write_bytes(pickle.dumps(output, pickle.HIGHEST_PROTOCOL)))

    def count(self) -> int:
        return len(list(self.dir.glob("*.pkl"))) if self.dir.is_dir() else 0

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def run_point(cfg, out: Path, overrides: Sequence[str]) -> str:
    """One sweep point, in its job: skip it if complete, else simulate (keeping replications
    as they finish), write, mark complete.

    A failure leaves `failed.json` (the error, for `bedflow-collect` to report) and no outputs,
    then re-raises so Hydra counts the job as failed. An interruption (Ctrl-C, SIGTERM, a kill)
    leaves no marker at all: the point is simply missing and runs again next time.
    """
    from .hydra_compose import to_config
    from .report import write_report
    from .runner import simulate
    from .writers import provenance, write_json, write_run

    out = Path(out)
    overrides = list(overrides)
    try:
        config = to_config(cfg)
        digest = config_digest(config)
        state = status(out, digest)
        if state == "complete":
            log.info("%s: complete, skipped", out.name)
            return "skipped"
        if state == "stale":
            log.warning("%s: complete for another config (configs changed?): running it again",
                        out.name)
        _clear(out)
        store = ReplicationStore(out, digest)
        kept = store.count()
        if kept:
            log.info("%s: resuming with %d of %d replications already done", out.name,
                     kept, config.sim.replications)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        results = simulate(config, progress=False, store=store)
        elapsed, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
        prov = provenance(results, overrides, elapsed)
        write_run(results, out, prov)
        write_report(results, out, prov)
        write_json(out / DONE, {
            "point": out.name, "overrides": overrides, "config_sha256": digest,
            "replications": config.sim.replications, "jobs": config.sim.jobs,
            "seed": config.sim.seed, "elapsed_seconds": round(elapsed, 3),
            "cpu_seconds": round(cpu, 3),
            "replications_resumed": kept,
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "run_id": uuid.uuid4().hex, **_job_ids()})
    except BaseException as e:
        if not isinstance(e, Exception) and (out / DONE).is_file():
            raise  # interrupted just after the point was marked complete: it is
        for f in (out.iterdir() if out.is_dir() else []):  # no half set of outputs
            if f.is_file() and not f.name.startswith(".") and f.suffix != ".log":
                f.unlink(missing_ok=True)
        if not isinstance(e, Exception):  # interrupted: missing, to run again, not failed
            raise
        write_json(out / FAILED, {
            "point": out.name, "overrides": overrides, "error": f"{type(e).__name__}: {e}",
            "traceback": traceback.format_exc(),
            "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"), **_job_ids()})
        log.error("%s: failed: %s: %s", out.name, type(e).__name__, e)
        raise
    store.clear()
    log.info("%s: complete in %.1f s", out.name, elapsed)
    return "ran"


# --------------------------------------------------------------------------- planning a sweep


@dataclass
class Point:
    overrides: list[str]
    subdir: str
    digest: str
    status: str = "missing"
    values: dict = field(default_factory=dict)  # key -> value as typed on the command line


def plan(jobs: Sequence[Sequence[str]], sweep_dir: Path,
         load: Callable[[list[str]], object]) -> list[Point]:
    """Compose and check every point before anything is written, and find which are complete.

    `load(overrides)` returns the point's full config (Hydra's `load_sweep_config`). A point
    that does not compose or validate raises ConfigError naming the key; two points that would
    share a folder (a sweep over a run-only key such as `sim.jobs`) are refused, since one would
    overwrite the other.
    """
    from hydra.errors import HydraException
    from omegaconf import open_dict, read_write
    from omegaconf.errors import OmegaConfBaseException

    from .hydra_compose import one_line, to_config

    points: list[Point] = []
    seen: dict[str, list[str]] = {}
    for i, overrides in enumerate(jobs):
        overrides = list(overrides)
        try:
            cfg = load(overrides)
            with open_dict(cfg):  # what a launcher sets before the folder name is resolved
                cfg.hydra.job.num = i
                cfg.hydra.job.id = f"plan_{i}"
            subdir = str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
            task = copy.deepcopy(cfg)  # the job's view, as Hydra's run_job gives it
            with read_write(task), open_dict(task):
                del task["hydra"]
        except (HydraException, OmegaConfBaseException) as e:
            raise ConfigError(one_line(e)) from None
        digest = config_digest(to_config(task))
        if subdir in seen:
            raise ConfigError(f"hydra.sweep.subdir: points {' '.join(seen[subdir])} and "
                              f"{' '.join(overrides)} would share the folder '{subdir}'; "
                              f"{', '.join(RUN_ONLY_KEYS)} do not change results, so do not "
                              "sweep over them")
        seen[subdir] = overrides
        points.append(Point(overrides, subdir, digest, status(Path(sweep_dir) / subdir, digest),
                            dict((o.split("=", 1) + [""])[:2] for o in overrides)))
    return points


def swept_keys(points: Sequence[Point]) -> list[str]:
    """Keys that take more than one value across the points, in command-line order."""
    keys: list[str] = []
    for p in points:
        for k in p.values:
            if k not in keys:
                keys.append(k)
    return [k for k in keys if len({p.values.get(k) for p in points}) > 1]


def write_manifest(sweep_dir: Path, arguments: Sequence[str], points: Sequence[Point],
                   launcher: str | None = None) -> Path:
    """`sweep.json`: the command's overrides and every point with its folder, so
    `bedflow-collect` can tell a missing point from one that was never asked for."""
    from .writers import write_json

    return write_json(Path(sweep_dir) / MANIFEST, {
        "arguments": list(arguments),
        "swept": swept_keys(points),
        "launcher": launcher,
        "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "points": [{"subdir": p.subdir, "overrides": p.overrides, "config_sha256": p.digest}
                   for p in points],
    })


def finished(sweep_dir: Path, points: int) -> str:
    """The sweep's last line: without it a plain sweep ends silently after Hydra's "Launching N
    jobs", and a newcomer does not know where the points went or what reads them."""
    d = shlex.quote(str(sweep_dir))
    return f"sweep complete: {points} points in {d}; next: bedflow-collect {d}"


# --------------------------------------------------------------------------- command-line checks


def check_launcher(name: str) -> None:
    """One clear line for a launcher that is unknown, not installed, or has no queue to use."""
    from .hydra_compose import config_dir

    own = sorted(p.stem for p in (config_dir() / "hydra" / "launcher").glob("*.yaml"))
    known = dict.fromkeys(own + list(LAUNCHERS))
    if name not in known:
        raise ConfigError(f"hydra/launcher: unknown launcher '{name}' (available: "
                          f"{', '.join(own + ['basic'])})")
    module, program = LAUNCHERS.get(name, (None, None))
    if name in own and name not in LAUNCHERS:  # a launcher file of your own, built on a plugin's
        text = (config_dir() / "hydra" / "launcher" / f"{name}.yaml").read_text()
        module, program = next((LAUNCHERS[b] for b in ("submitit_slurm", "submitit_local",
                                                        "joblib") if b in text), (None, None))
    if module and importlib.util.find_spec(module) is None:
        raise ConfigError(f"hydra/launcher={name}: the launcher plugins are not installed; "
                          "install them with: pip install -e \".[hpc]\"")
    if program and shutil.which(program) is None:
        raise ConfigError(f"hydra/launcher={name}: no `{program}` on this machine's PATH; "
                          "submit from a SLURM login node, or use hydra/launcher=local")


def _holds_a_list(override) -> bool:
    """`group=[a,b]` or a sweep with such a value among its choices."""
    from hydra.core.override_parser.types import ChoiceSweep

    value = override.value()
    values = value.list if isinstance(value, ChoiceSweep) else [value]
    return any(isinstance(v, list) for v in values)


def check_command_line(argv: Sequence[str], multirun: bool) -> list[str] | None:
    """Checks that need no simulation, before Hydra writes anything.

    Returns the overrides of the sweep's first point (with the Hydra overrides) for the caller
    to compose; the sweeper checks every point before launching.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .hydra_compose import one_line

    args = [a for a in argv if not a.startswith("-")]
    try:
        parsed = OverridesParser.create().parse_overrides(args)
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(one_line(e)) from None
    for o in parsed:
        if o.key_or_group == "scenario" and _holds_a_list(o):
            raise ConfigError("scenario: one scenario per run (a list would merge them, the last "
                              "winning); to compare scenarios, sweep them: "
                              "bedflow -m scenario=winter_2016,flu_peak")
        if o.key_or_group == "hydra/launcher" and o.is_sweep_override():
            raise ConfigError("hydra/launcher: choose one launcher per sweep")
        if o.key_or_group == "hydra/launcher":
            check_launcher(str(o.value()))
    if not multirun:
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    hydra_args = [o.input_line for o in parsed if o.is_hydra_override()]
    task = [o for o in parsed if not o.is_hydra_override()]
    try:
        first = BasicSweeper.split_arguments(task, None)[0][0]
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(one_line(e)) from None
    return hydra_args + list(first)
