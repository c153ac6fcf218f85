"""Sweeps on a real SLURM cluster (hydra/launcher=slurm): the same table as on this machine, a
cancelled sweep that resumes with only its missing points, and a point past its time limit that
SLURM requeues and that resumes from its finished replications.

They need a cluster: `scripts/local-slurm install && scripts/local-slurm start` (as root) makes
a one-node one here. Without one they skip, unless BEDFLOW_REQUIRE_SLURM=1 (CI sets it), when
they fail. BEDFLOW_SLURM_PARTITION picks the partition on a cluster of your own.
"""

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import bedflow
from bedflow.model import run_replication
from sweeping import GRID, bedflow as bedflow_cli, collect, markers, subdir, table


def _no_cluster() -> str | None:
    """Why the SLURM tests cannot run here, or None when a node is up."""
    if shutil.which("sbatch") is None:
        return "no sbatch on PATH"
    try:
        p = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"sinfo failed: {e}"
    if p.returncode != 0:
        return f"sinfo failed: {p.stderr.strip()}"
    if not {s.rstrip("*~#") for s in p.stdout.split()} & {"idle", "mixed", "allocated"}:
        return f"no node is up (sinfo: {' '.join(p.stdout.split()) or 'nothing'})"
    return None


@pytest.fixture(scope="module")
def slurm():
    reason = _no_cluster()
    if reason:
        if os.environ.get("BEDFLOW_REQUIRE_SLURM") == "1":
            pytest.fail(f"BEDFLOW_REQUIRE_SLURM=1 but there is no SLURM cluster: {reason}")
        pytest.skip(f"no SLURM cluster ({reason}); start one with scripts/local-slurm start")
    args = ["-m", "hydra/launcher=slurm", "hydra.launcher.mem_gb=1"]
    if os.environ.get("BEDFLOW_SLURM_PARTITION"):
        args.append(f"hydra.launcher.partition={os.environ['BEDFLOW_SLURM_PARTITION']}")
    return args


@pytest.fixture(scope="module")
def local_table(tmp_path_factory):
    """GRID swept on this machine: the table SLURM must reproduce."""
    d = tmp_path_factory.mktemp("local")
    p = bedflow_cli(["-m", "hydra/launcher=local"] + GRID + ["hydra.sweep.dir=sw"], d)
    assert p.returncode == 0, p.stderr
    assert collect(d / "sw").returncode == 0
    return table(d / "sw")


def _array_ids(sw) -> set[str]:
    """SLURM job ids of the arrays submitted for this sweep (submitit's folders: <id>_<task>)."""
    return {p.name.split("_")[0] for p in (sw / ".submitit").glob("*_*") if p.is_dir()}


def test_slurm_sweep_equals_local_sweep(slurm, local_table, tmp_path):
    # two cores per point on SLURM, one per point locally: same seeds, same numbers
    p = bedflow_cli(slurm + GRID + ["hydra.sweep.dir=sw", "sim.jobs=2",
                                    "hydra.launcher.timeout_min=10"], tmp_path)
    assert p.returncode == 0, p.stderr
    sw = tmp_path / "sw"
    done = markers(sw)
    assert len(done) == 4
    assert all(m.get("slurm_job_id") and m["jobs"] == 2 for m in done.values())  # ran on SLURM
    assert len(_array_ids(sw)) == 1  # one array job, one task a point
    c = collect(sw)
    assert c.returncode == 0, c.stdout + c.stderr
    pd.testing.assert_frame_equal(table(sw), local_table, check_exact=True)


def test_cancelled_slurm_sweep_resubmits_only_missing_points(slurm, local_table, tmp_path):
    args = slurm + GRID + ["hydra.sweep.dir=sw", "hydra.launcher.array_parallelism=1",
                           "hydra.launcher.timeout_min=10"]
    sw = tmp_path / "sw"
    log = open(tmp_path / "first.log", "w")
    first = subprocess.Popen([sys.executable, "-m", "bedflow", *args], cwd=tmp_path, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 300
        while not markers(sw) and time.time() < deadline and first.poll() is None:
            time.sleep(0.2)
    finally:  # the submitting command is stopped and its array cancelled, as `scancel` would
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=60)
        for job in _array_ids(sw):
            subprocess.run(["scancel", job], check=False, timeout=30)
        deadline = time.time() + 120
        while time.time() < deadline and any(
                subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True
                               ).stdout.strip() for job in _array_ids(sw)):
            time.sleep(0.5)
    before = markers(sw)
    assert 1 <= len(before) < 4, (tmp_path / "first.log").read_text()
    first_arrays = _array_ids(sw)

    p = bedflow_cli(args, tmp_path)
    assert p.returncode == 0, p.stderr
    assert f"4 points, {len(before)} already complete, launching {4 - len(before)}" in p.stdout
    new = _array_ids(sw) - first_arrays
    assert len(new) == 1
    tasks = list((sw / ".submitit").glob(f"{new.pop()}_*"))
    assert len(tasks) == 4 - len(before)  # the new array holds only the missing points
    after = markers(sw)
    assert len(after) == 4 and all(after[k] == v for k, v in before.items())
    assert collect(sw).returncode == 0
    pd.testing.assert_frame_equal(table(sw), local_table, check_exact=True)


def test_point_past_its_time_limit_is_requeued_and_resumes(slurm, tmp_path):
    """A point needing about 150 s of work, with a two-minute limit and SLURM's warning 60 s
    before it (SLURM may send it up to 60 s early, so 0-60 s in): no attempt can finish the work
    before it is signalled, submitit requeues it, and a requeued attempt carries on from the
    replications an earlier one finished. The last attempt may find every replication done and
    only the outputs left to write, so the partial resume is looked for in every attempt's log."""
    horizon = 20000
    cfg = bedflow.compose(["system=single_ward", f"sim.horizon_days={horizon}",
                           "sim.replications=1", "sim.progress=false"])
    run_replication(cfg, 0)  # warm: the job's replications run warm too
    per_rep = math.inf
    for _ in range(2):  # the faster of two, so the work is not overestimated
        t0 = time.perf_counter()
        run_replication(cfg, 0)
        per_rep = min(per_rep, time.perf_counter() - t0)
    reps = max(20, math.ceil(150 / per_rep))
    point = ["system=single_ward", f"sim.horizon_days={horizon}", f"sim.replications={reps}"]
    p = bedflow_cli(slurm + point + ["hydra.sweep.dir=sw", "hydra.launcher.timeout_min=2",
                                     "hydra.launcher.signal_delay_s=60",
                                     "hydra.launcher.max_num_timeout=10"], tmp_path, timeout=1200)
    assert p.returncode == 0, p.stdout + p.stderr
    folder = tmp_path / "sw" / subdir(point)
    mark = markers(tmp_path / "sw")[folder.name]
    assert int(mark.get("slurm_restart_count", 0)) >= 1, mark  # it was requeued
    resumed = [int(k) for k in re.findall(r"resuming with (\d+) of (?:\d+) replications",
                                          (folder / "cli.log").read_text())]
    assert mark["replications_resumed"] >= 1, (mark, resumed)  # the last attempt resumed too
    assert any(1 <= k < reps for k in resumed), (reps, resumed)  # kept what it had done
    got = pd.read_parquet(folder / "replications.parquet").set_index("replication")
    assert list(got.index) == list(range(reps))
    cfg = bedflow.compose(point + ["sim.progress=false"])
    for r in (0, reps - 1):  # a replication from before the requeue and one from after
        alone = pd.DataFrame(run_replication(cfg, r)["rows"]).set_index("replication")
        assert set(got.columns) - set(alone.columns) == {"intervention_cost"}  # the runner's
        pd.testing.assert_frame_equal(got.loc[[r], alone.columns], alone, check_exact=True,
                                      check_dtype=False)
