"""The command line end to end: a run folder with every file, and one clear line for each mistake."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import assert_rejected


QUICK = ["system=single_ward", "sim.replications=2", "sim.horizon_days=30", "sim.warmup_days=5"]


def bedflow_cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "bedflow", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_run_writes_the_run_folder_and_prints_the_table(tmp_path):
    p = bedflow_cli(QUICK + ["sim.jobs=2"], tmp_path)
    assert p.returncode == 0, p.stderr
    runs = [d for d in (tmp_path / "results").glob("*/*") if d.is_dir()]
    assert len(runs) == 1
    run = runs[0]
    for name in ("replications.parquet", "daily.parquet", "summary.csv", "provenance.json",
                 ".hydra/config.yaml", "report.html", "occupancy.png", "medically_optimised.png",
                 "ed_waits.png"):
        assert (run / name).is_file(), name
    assert not list(run.glob(".*.tmp"))
    reps = pd.read_parquet(run / "replications.parquet")
    assert len(reps) == 2 and set(reps["site"]) == {"ward"}
    daily = pd.read_parquet(run / "daily.parquet")
    assert len(daily) == 2 * 30 and daily["day"].min() == 5
    summary = pd.read_csv(run / "summary.csv")
    assert {"site", "kpi", "mean", "ci_low", "ci_high"} <= set(summary.columns)
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["seed"] == 20161101 and prov["replications"] == 2
    assert prov["packages"]["simpy"] and prov["python"]
    assert "occupied beds (mean)" in p.stdout and "95% interval" in p.stdout
    assert "report.html" in p.stdout
    log = (run / "cli.log").read_text()  # what the run did, for later: Hydra's job log
    assert "simulating 2 replications of single_ward" in log
    assert "2 replications done in" in log and f"wrote {run}" in log
    assert "[INFO]" not in p.stdout + p.stderr  # the log is not echoed to the terminal


def test_help_says_what_bedflow_is_and_its_main_keys(tmp_path):
    p = bedflow_cli(["--help"], tmp_path)
    assert p.returncode == 0
    assert p.stdout.startswith("bedflow: how many acute beds")
    for key in ("system=", "scenario=", "intervention=", "sim.replications", "sim.horizon_days",
                "sim.seed", "Examples", "flu_peak, none", "stroke_hasu_2019", "monks_stroke_2016"):
        assert key in p.stdout, key
    assert "Powered by Hydra" not in p.stdout and not list(tmp_path.iterdir())


def test_short_warm_up_gets_one_warning_line(tmp_path):
    # an empty ward filling up (no warm start, no warm-up): a transient MSER-5 must find
    fill = ["system=single_ward", "system.sites.ward.beds=400",
            "system.sites.ward.emergency_per_day=60", "sim.warm_start=false",
            "sim.warmup_days=0", "sim.horizon_days=100", "sim.replications=4", "sim.jobs=2"]
    p = bedflow_cli(fill, tmp_path)
    assert p.returncode == 0, p.stderr
    warnings = [x for x in p.stderr.splitlines() if x.startswith("bedflow: warning:")]
    assert len(warnings) == 1 and "sim.warmup_days=" in warnings[0], p.stderr
    (run,) = [d for d in (tmp_path / "results").glob("*/*") if d.is_dir()]
    assert "class=note" in (run / "report.html").read_text(encoding="utf-8")


def test_contract_columns():
    import bedflow

    r = bedflow.simulate(bedflow.compose(QUICK + ["sim.progress=false"]))
    need = {"replication", "site", "emergency_arrivals", "admissions", "waited", "diverted",
            "mean_wait_hours", "mean_occupied", "mean_medically_optimised",
            "medically_optimised_patients", "mean_delay_days", "elective_cancelled"}
    assert need <= set(r.replications.columns)
    assert {"replication", "day", "date", "site", "occupied", "medically_optimised",
            "ed_waiting"} <= set(r.daily.columns)
    first = r.daily.iloc[0]
    assert str(first["date"].date()) == "2016-01-07" and first["day"] == 5


BAD = [
    (["system.sites.ward.beds=-3"], "system.sites.ward.beds"),
    (["system.sites.ward.beds=2.5"], "system.sites.ward.beds"),
    (["system.sites.nowhere.beds=3"], "nowhere"),
    (["system.cohorts.all.pathways.P0=0.5"], "system.cohorts.all.pathways"),
    (["sim.warmup_days=-1"], "sim.warmup_days"),
    (["sim.horizon_days=-10"], "sim.horizon_days"),
    (["sim.replications=0"], "sim.replications"),
    (["system.los.emergency.dist=lognormal", "system.los.emergency.cv=0"], "system.los.emergency.cv"),
    (["sim.no_such_key=1"], "no_such_key"),
    (["system=nowhere"], "system/nowhere"),
    (["system.when_full=maybe"], "system.when_full"),
    (["sim.start_date=2016-13-45"], "sim.start_date"),
]


@pytest.mark.parametrize("args,key", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_one_line_exit_2_nothing_written(args, key, tmp_path, monkeypatch, capsys):
    assert_rejected(["system=single_ward", *args], key, tmp_path, monkeypatch, capsys)


def test_bad_input_from_the_shell(tmp_path):
    p = bedflow_cli(["system.sites.medway.beds=-1"], tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == "bedflow: error: system.sites.medway.beds: must be a non-negative " \
                               "integer, got -1"
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------------- Ctrl-C and crashes

LONG = ["system=single_ward", "sim.replications=4", "sim.jobs=2", "sim.warmup_days=0",
        "sim.horizon_days=40000", "sim.progress=false"]


def _interrupt(args, cwd, started, group):
    """Start bedflow, wait until `started()` (its folder is there: simulating), then SIGINT
    it as a terminal's Ctrl-C does (its whole process group) or as `kill -INT` does (itself)."""
    import os
    import signal
    import time

    p = subprocess.Popen([sys.executable, "-m", "bedflow", *args], cwd=cwd, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    t0 = time.monotonic()
    while not started() and p.poll() is None and time.monotonic() - t0 < 120:
        time.sleep(0.1)
    time.sleep(1.0)  # inside the replications, workers running
    assert p.poll() is None, p.communicate()
    (os.killpg if group else os.kill)(p.pid, signal.SIGINT)
    t1 = time.monotonic()
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err, time.monotonic() - t1


@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int"])
def test_ctrl_c_ends_a_run_at_once_with_one_line_and_no_folder(tmp_path, group):
    rc, out, err, took = _interrupt(LONG, tmp_path, lambda: any(
        (tmp_path / "results").glob("*/*/.hydra")), group)
    assert (rc, err) == (130, "bedflow: interrupted\n"), err  # no traceback, no semaphore warning
    assert took < 10  # the workers are stopped, not waited for (a replication here takes ~30 s)
    assert not (tmp_path / "results").exists()  # neither the run folder nor results/<date>/


def test_ctrl_c_ends_a_local_sweep_with_one_line_leaving_no_half_point(tmp_path):
    sw = tmp_path / "sw"
    args = ["-m", "hydra/launcher=local", "hydra.sweep.dir=sw", *LONG,
            "system.sites.ward.beds=20,21"]
    rc, out, err, took = _interrupt(args, tmp_path, lambda: any(sw.glob("*/.hydra")), group=True)
    assert (rc, err) == (130, "bedflow: interrupted\n"), err
    assert took < 10
    points = list(sw.glob("*/"))
    assert points and not any((p / "complete.json").exists() for p in points)
    for point in points:  # missing, to run again: no marker, no outputs
        assert not [f.name for f in point.iterdir() if not f.name.startswith(".")
                    and f.suffix != ".log"], point


def test_a_crash_leaves_no_run_folder_nor_its_date_folder(tmp_path, monkeypatch, capsys):
    from bedflow import runner
    from bedflow.cli import main

    def crash(*a, **k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runner, "simulate", crash)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(QUICK)
    assert e.value.code == 1 and "a bug" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("folder", ["mine", "."], ids=["existing folder", "the working folder"])
@pytest.mark.parametrize("where", ["simulate", "report"])
def test_a_failed_rerun_in_an_existing_folder_leaves_it_as_it_was(
        folder, where, tmp_path, monkeypatch, capsys):
    """A rerun into a folder that holds an earlier run or a user's files (`hydra.run.dir=.`)
    and then fails must leave it as it was: it used to delete the whole folder, and then kept
    the new run's `.hydra/`, log lines and tables beside the earlier run's report."""
    from bedflow import report, runner
    from bedflow.cli import main

    def crash(*a, **k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runner if where == "simulate" else report,
                        "simulate" if where == "simulate" else "write_report", crash)
    monkeypatch.chdir(tmp_path)
    run = tmp_path / folder
    run.mkdir(exist_ok=True)
    before = {"keep.txt": "a planner's notes", "summary.csv": "the earlier run's figures",
              "cli.log": "the earlier run's log\n", ".hydra/overrides.yaml": "- sim.seed=1\n"}
    for name, text in before.items():
        (run / name).parent.mkdir(exist_ok=True)
        (run / name).write_text(text)
    (run / "earlier").mkdir()
    with pytest.raises(SystemExit) as e:
        main(QUICK + [f"hydra.run.dir={folder}", "sim.seed=7"])
    assert e.value.code == 1 and "a bug" in capsys.readouterr().err
    after = sorted(str(p.relative_to(run)) for p in run.rglob("*"))
    assert after == sorted([*before, ".hydra", "earlier"]), after
    assert {name: (run / name).read_text() for name in before} == before


def test_a_run_into_an_existing_folder_replaces_its_outputs_and_leaves_no_backup(
        tmp_path, monkeypatch, capsys):
    from bedflow.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "summary.csv").write_text("the earlier run's figures")
    main(QUICK + ["hydra.run.dir=mine", "sim.progress=false"])
    assert "kpi" in (tmp_path / "mine" / "summary.csv").read_text()
    assert not list((tmp_path / "mine").glob(".bedflow-backup-*"))


def test_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path, monkeypatch, capsys):
    """The default folder is named by the second: a second run in that second took the same
    folder and overwrote the first's files without a word."""
    import datetime as dt

    from bedflow.cli import main

    monkeypatch.chdir(tmp_path)
    now = dt.datetime.now()
    taken = [tmp_path / "results" / f"{t:%Y-%m-%d}" / f"{t:%H-%M-%S}"
             for t in (now + dt.timedelta(seconds=k) for k in range(4))]
    for folder in taken:  # an earlier run holds this second and the next three
        folder.mkdir(parents=True)
        (folder / "summary.csv").write_text("an earlier run's figures")
    main(QUICK + ["sim.progress=false"])
    written = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    assert any(written == f"{f}-2" for f in taken), written
    for folder in taken:
        assert (folder / "summary.csv").read_text() == "an earlier run's figures"
    assert (Path(written) / "summary.csv").read_text() != "an earlier run's figures"


# --------------------------------------------------------------------------- short horizons

@pytest.mark.parametrize("days", range(1, 10))
def test_a_short_horizon_runs_and_writes_its_tables(days, tmp_path, monkeypatch, capsys):
    """A week or less is a fair question (what happens over Christmas): the weekly charts
    are left out or partial, the tables are whole."""
    from bedflow.cli import main

    monkeypatch.chdir(tmp_path)
    main(["system=single_ward", "sim.replications=2", "sim.warmup_days=2",
          f"sim.horizon_days={days}", "sim.progress=false", "hydra.run.dir=run"])
    run = tmp_path / "run"
    assert len(pd.read_parquet(run / "daily.parquet")) == 2 * days  # one census a day
    assert len(pd.read_parquet(run / "replications.parquet")) == 2
    assert {"mean_occupied"} <= set(pd.read_csv(run / "summary.csv")["kpi"])
    assert (run / "report.html").is_file() and "wrote" in capsys.readouterr().out


def test_matplotlib_warnings_go_to_the_log_not_the_terminal(tmp_path):
    (tmp_path / "matplotlibrc").write_text("font.family: NoSuchFont\n")  # findfont warns
    p = bedflow_cli(QUICK + ["sim.progress=false", "hydra.run.dir=run"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert all(x.startswith("bedflow: warning:") for x in p.stderr.splitlines()), p.stderr
    assert "findfont" not in p.stdout + p.stderr
    assert "findfont: Font family" in (tmp_path / "run" / "cli.log").read_text()


def test_version_is_bedflows(capsys):
    from bedflow import __version__
    from bedflow.cli import main

    main(["--version"])
    assert capsys.readouterr().out == f"bedflow {__version__}\n"


def test_an_error_before_the_run_starts_leaves_no_folder(tmp_path, monkeypatch, capsys):
    """The run folder is claimed before Hydra starts; anything that stops the run before it
    begins writing (here a failure in the task itself) must not leave it behind."""
    import bedflow.cli as cli

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_run", boom)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        cli.main(QUICK)
    assert e.value.code == 1 and "boom" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
