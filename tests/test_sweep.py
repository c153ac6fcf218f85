"""Sweeps on this machine (hydra/launcher=local): one folder per point named by its overrides, a
marker written last, a rerun that runs only what is missing, one collected table, and one clear
line for each mistake. The SLURM side is in test_slurm.py."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import bedflow
from bedflow import runner
from bedflow.cli import main
from bedflow.sweep import ReplicationStore
from sweeping import GRID, bedflow as bedflow_cli, collect, markers, subdir, table

LOCAL = ["-m", "hydra/launcher=local"]


def _points(grid):
    """The points of a grid, as override lists (cartesian product, in command-line order)."""
    import itertools

    axes = [[f"{a.split('=')[0]}={v}" for v in a.split("=", 1)[1].split(",")] for a in grid]
    return [list(p) for p in itertools.product(*axes)]


def test_local_sweep_collects_one_table_equal_to_each_point_run_alone(tmp_path):
    p = bedflow_cli(LOCAL + GRID + ["hydra.sweep.dir=sw"], tmp_path)
    assert p.returncode == 0, p.stderr
    sw = tmp_path / "sw"
    done = markers(sw)
    assert set(done) == {subdir(pt[4:]) for pt in _points(GRID)}  # named by the swept keys
    assert "system.sites.ward.beds=20,system.sites.ward.emergency_per_day=3.6" in done
    assert not list(sw.rglob(".*.tmp")) and not list(sw.rglob(".replications"))
    mask = os.umask(0o022)
    os.umask(mask)
    for f in [sw / "sweep.json", *sw.glob("*/complete.json"), *sw.glob("*/summary.csv")]:
        assert f.stat().st_mode & 0o777 == 0o666 & ~mask, f  # readable like any new file
    manifest = json.loads((sw / "sweep.json").read_text())
    assert manifest["swept"] == ["system.sites.ward.beds", "system.sites.ward.emergency_per_day"]
    assert len(manifest["points"]) == 4

    c = collect(sw)
    assert c.returncode == 0, c.stderr
    assert "4 points: 4 complete, 0 failed, 0 missing" in c.stdout
    t = table(sw)
    assert len(t) == 8 and set(t["site"]) == {"system", "ward"}  # 4 points x (system, ward)
    assert t["system.sites.ward.beds"].dtype.kind == "i"
    assert t["system.sites.ward.emergency_per_day"].dtype.kind == "f"
    assert {"mean_occupied", "mean_occupied_ci_low", "mean_occupied_ci_high",
            "mean_wait_hours", "replications"} <= set(t.columns)
    assert (sw / "sweep_mean_occupied.png").stat().st_size > 10_000  # a default KPI
    assert not (sw / "sweep_mean_medically_optimised.png").exists()  # the other: 0 on single_ward

    # the same point run alone, in this process, gives the same numbers to the last bit
    one = bedflow.simulate(bedflow.compose(
        GRID[:4] + ["system.sites.ward.beds=20", "system.sites.ward.emergency_per_day=3.6",
                    "sim.progress=false"]))
    row = t[(t["system.sites.ward.beds"] == 20) & (t["system.sites.ward.emergency_per_day"] == 3.6)
            & (t["site"] == "system")].iloc[0]
    for kpi in ("mean_occupied", "mean_wait_hours", "emergency_arrivals"):
        m, lo, hi = one.kpi(kpi)
        assert (row[kpi], row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"]) == (m, lo, hi), kpi

    # rerunning the finished sweep launches nothing and rewrites no marker
    again = bedflow_cli(LOCAL + GRID + ["hydra.sweep.dir=sw"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "4 points, 4 already complete, launching 0" in again.stdout
    assert markers(sw) == done


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_interrupted_sweep_reruns_only_the_missing_points(tmp_path, how):
    grid = ["system=single_ward", "sim.replications=3", "sim.horizon_days=2000",
            "sim.warmup_days=5", "system.sites.ward.beds=16,18,20,22,24,26"]
    args = LOCAL + grid + ["hydra.sweep.dir=sw", "hydra.launcher.n_jobs=2"]
    sw = tmp_path / "sw"
    first = subprocess.Popen([sys.executable, "-m", "bedflow", *args], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.time() + 300
        while len(markers(sw)) < 2 and time.time() < deadline and first.poll() is None:
            time.sleep(0.05)
        os.killpg(first.pid, how)  # the sweep and its workers, as Ctrl-C or a pre-emption would
    finally:
        first.wait(timeout=60)
        try:
            os.killpg(first.pid, signal.SIGKILL)  # any worker that outlived its parent
        except ProcessLookupError:
            pass
    before = markers(sw)
    assert 2 <= len(before) < 6, f"interrupt came too late: {len(before)} points complete"

    p = bedflow_cli(args, tmp_path)
    assert p.returncode == 0, p.stderr
    assert f"6 points, {len(before)} already complete, launching {6 - len(before)}" in p.stdout
    after = markers(sw)
    assert len(after) == 6
    for name, mark in before.items():  # finished points were not run again
        assert after[name] == mark
    assert all(after[n]["run_id"] != before.get(n, {}).get("run_id") for n in set(after) - set(before))
    assert not list(sw.rglob(".*.tmp"))

    # and every point holds what an uninterrupted run gives, exactly
    for point in _points(grid):
        alone = bedflow.simulate(bedflow.compose(point + ["sim.progress=false"]))
        got = pd.read_parquet(sw / subdir(point[4:]) / "replications.parquet")
        pd.testing.assert_frame_equal(got, alone.replications, check_exact=True)
    assert collect(sw).returncode == 0


def test_a_failed_point_is_reported_and_the_rest_collected(tmp_path):
    grid = ["system=single_ward", "sim.replications=2", "sim.horizon_days=30", "sim.warmup_days=5",
            "system.sites.ward.beds=16,20,24"]
    args = LOCAL + grid + ["hydra.sweep.dir=sw"]
    sw = tmp_path / "sw"
    bad = sw / "system.sites.ward.beds=20"
    (bad / "summary.csv").mkdir(parents=True)  # a real write failure: a folder in the file's way

    p = bedflow_cli(args, tmp_path)
    assert p.returncode == 1
    assert "point failed: " in p.stderr and "system.sites.ward.beds=20: IsADirectoryError" in p.stderr
    assert "1 of 3 points failed" in p.stderr
    failed = json.loads((bad / "failed.json").read_text())
    assert failed["error"].startswith("IsADirectoryError") and "Traceback" in failed["traceback"]
    assert not (bad / "replications.parquet").exists()  # no half set of outputs
    assert len(markers(sw)) == 2

    c = collect(sw)
    assert c.returncode == 1
    assert "3 points: 2 complete, 1 failed, 0 missing" in c.stdout
    assert "failed   " in c.stdout and "IsADirectoryError" in c.stdout
    t = table(sw)
    assert sorted(t.loc[t["site"] == "system", "system.sites.ward.beds"]) == [16, 24]

    # clear the obstacle: the rerun runs the failed point only, and the sweep is whole
    (bad / "summary.csv").rmdir()
    done = markers(sw)
    p = bedflow_cli(args, tmp_path)
    assert p.returncode == 0, p.stderr
    assert "3 points, 2 already complete, launching 1" in p.stdout
    assert not (bad / "failed.json").exists()
    assert {k: v for k, v in markers(sw).items() if k in done} == done
    assert collect(sw).returncode == 0


def test_a_constant_changed_on_a_rerun_runs_the_points_again(tmp_path):
    """Folders are named by the swept keys only; the config digest in complete.json is what
    tells a finished point from one that now means something else."""
    grid = ["system=single_ward", "sim.horizon_days=20", "sim.warmup_days=2",
            "system.sites.ward.beds=16,20", "hydra.sweep.dir=sw"]
    assert bedflow_cli(["-m", "sim.replications=2"] + grid, tmp_path).returncode == 0
    p = bedflow_cli(["-m", "sim.replications=3"] + grid, tmp_path)
    assert p.returncode == 0, p.stderr
    assert "2 points, 0 already complete, launching 2" in p.stdout
    assert sorted(markers(tmp_path / "sw")) == ["system.sites.ward.beds=16",
                                                "system.sites.ward.beds=20"]
    assert {m["replications"] for m in markers(tmp_path / "sw").values()} == {3}
    assert collect(tmp_path / "sw").returncode == 0
    assert set(table(tmp_path / "sw")["replications"]) == {3}


def test_a_point_cut_short_resumes_from_its_finished_replications(tmp_path, monkeypatch):
    cfg = bedflow.compose(["system=single_ward", "sim.replications=4", "sim.horizon_days=90",
                           "sim.progress=false"])
    whole = bedflow.simulate(cfg)
    store = ReplicationStore(tmp_path, "digest")
    for r in (0, 2):  # what an interrupted first attempt had finished
        store.save(r, runner.run_replication(cfg, r))
    ran = []
    real = runner.run_replication
    monkeypatch.setattr(runner, "run_replication", lambda c, r: ran.append(r) or real(c, r))
    resumed = bedflow.simulate(cfg, store=store)
    assert ran == [1, 3]
    assert store.count() == 4
    pd.testing.assert_frame_equal(resumed.replications, whole.replications, check_exact=True)
    pd.testing.assert_frame_equal(resumed.daily, whole.daily, check_exact=True)


def test_collect_carries_intervention_effects_and_the_paired_change_from_a_baseline(tmp_path):
    """Points with an intervention carry its paired effect (comparison.csv); --baseline adds the
    paired change from one point. Caseload 0 is the same as no team, so the two must agree."""
    # electives never stood down: the beds the team frees stay free (in the default, lists a
    # site no longer stands down refill them, which 20 days of January can outweigh)
    args = LOCAL + ["intervention=[rapid_response]", "sim.replications=2", "sim.horizon_days=20",
                    "sim.warmup_days=5", "intervention.rapid_response.caseload_per_site=0,30",
                    "system.opel.stop_electives_at=5", "hydra.sweep.dir=sw"]
    p = bedflow_cli(args, tmp_path)
    assert p.returncode == 0, p.stderr
    key = "intervention.rapid_response.caseload_per_site"
    c = collect(tmp_path / "sw", "--baseline", f"{key}=0", "--kpi", "effect_beds_released",
                "--kpi", "mean_occupied_change")
    assert c.returncode == 0, c.stdout + c.stderr
    t = table(tmp_path / "sw").set_index(["site", key])
    none, team = t.loc[("system", 0)], t.loc[("system", 30)]
    assert (none["effect_beds_released"], none["mean_occupied_change"]) == (0, 0)
    assert team["effect_beds_released_ci_low"] > 0  # the team releases beds, clearly
    for end, other in (("", ""), ("_ci_low", "_ci_high"), ("_ci_high", "_ci_low")):
        assert team[f"effect_beds_released{end}"] == pytest.approx(
            -team[f"mean_occupied_change{other}"], abs=1e-9)
    assert (tmp_path / "sw" / "sweep_effect_beds_released.png").is_file()


BAD = [
    (["hydra/launcher=nowhere"], "hydra/launcher: unknown launcher 'nowhere' (available: local, slurm"),
    (["hydra/launcher=local", "system.sites.ward.beds=5,-1"], "system.sites.ward.beds: must be a non-negative"),
    (["system.sites.ward.beds=5,6", "sim.jobs=1,2"], "would share the folder"),
    (["system.sites.ward.nope=1,2"], "nope"),
    (["system.sites.ward.beds=5,,6"], "system.sites.ward.beds=5,,6"),
    (["hydra/launcher=local,slurm"], "hydra/launcher: choose one launcher"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_sweep_one_line_exit_2_nothing_written(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["-m", "system=single_ward", *args])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("bedflow: error:") and message in err, err
    assert not (tmp_path / "results").exists()


def test_slurm_launcher_without_sbatch_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine with no SLURM client
    with pytest.raises(SystemExit) as e:
        main(["-m", "hydra/launcher=slurm", "system=single_ward", "system.sites.ward.beds=5,6"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == ("bedflow: error: hydra/launcher=slurm: no `sbatch` on this machine's PATH; "
                   "submit from a SLURM login node, or use hydra/launcher=local")
    assert not (tmp_path / "results").exists()


def test_a_launcher_file_of_your_own_is_checked_like_the_one_it_builds_on(tmp_path, monkeypatch):
    from bedflow import hydra_compose
    from bedflow.config import ConfigError
    from bedflow.sweep import check_launcher

    (tmp_path / "hydra" / "launcher").mkdir(parents=True)
    (tmp_path / "hydra" / "launcher" / "mycluster.yaml").write_text(
        "defaults:\n  - submitit_slurm\n  - _self_\npartition: short\n")
    monkeypatch.setattr(hydra_compose, "config_dir", lambda: tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=r"hydra/launcher=mycluster: no `sbatch`"):
        check_launcher("mycluster")
    with pytest.raises(ConfigError, match=r"unknown launcher 'nowhere' \(available: mycluster, basic\)"):
        check_launcher("nowhere")


def test_collect_bad_input_exit_2(tmp_path):
    p = collect(tmp_path / "nowhere")
    assert p.returncode == 2 and p.stderr.startswith("bedflow-collect: error:")
    p = collect(tmp_path)
    assert p.returncode == 2 and "not a sweep folder" in p.stderr
    p = collect(tmp_path, "--kpi", "happiness")
    assert p.returncode == 2 and "--kpi happiness: unknown KPI" in p.stderr
    p = collect(tmp_path, "--kpi", "mean_occupied_change")
    assert p.returncode == 2 and "a change needs --baseline" in p.stderr
