"""Mistakes a user makes on the command line: each is one line on stderr naming the problem,
exit code 2, no traceback, and not one new file or folder (the run folder, its date folder, a
sweep folder). Called in process for speed; `test_from_the_shell` checks the real exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bedflow.cli import main

CHEAP = ["system=single_ward", "sim.replications=1", "sim.start_date=2016-03-02",
         "sim.warmup_days=2", "sim.horizon_days=5", "sim.progress=false"]
FENCE = "scenario.ring_fenced=[{site:ward,beds:15},{site:ward,beds:15}]"


def closure(start, end, beds):
    return f"{{site:ward,start:'{start}',end:'{end}',beds:{beds}}}"


# (overrides, a fragment the one error line must hold); {tmp} is the test's folder
RUN_MISTAKES = [
    (["sim.seed=-1"], "sim.seed: must be a non-negative integer, got -1"),
    (["system.cohorts.all.pathways.P0=0.9", "system.cohorts.all.pathways.P1=0.1"],
     "system.sites.ward.downstream.P1: is 0 but patients are sent on pathway P1"),
    (["system.sites.ward.neighbours=[nowhere]"],
     "system.sites.ward.neighbours: unknown site 'nowhere'"),
    (["system.mutual_aid.share=25"], "system.mutual_aid.share: 25 looks like a percentage"),
    (["system.los.long_stay.share=0.1", "system.los.emergency.dist=exponential"],
     "system.los.long_stay: needs system.los.emergency.dist=lognormal"),
    (["hydra.run.dir=/proc/x"], "hydra.run.dir: cannot write /proc/x"),
    (["hydra.run.dir={tmp}/a_file/run"], "is a file, not a folder"),
    (["scenario=[winter_2016,flu_peak]"], "scenario: one scenario per run"),
    (["system.sites.ward.elective_max_occupancy=95"],
     "system.sites.ward.elective_max_occupancy: 95 looks like a percentage; use 0.95"),
    (["system.sites.ward.escalation_open_at=97"], "looks like a percentage; use 0.97"),
    (["system.opel.thresholds=[85,92,97]"],
     "system.opel.thresholds[0]: 85 looks like a percentage; use 0.85"),
    (["system.opel.thresholds=[0.85,0.92,1.5]"], "system.opel.thresholds[2]"),
    (["sim.start_date=2016-02-30"], "sim.start_date: 2016-02-30 does not exist"),
    (["sim.start_date=2016-2-3"], "sim.start_date: must be an ISO date (YYYY-MM-DD)"),
    ([FENCE], "scenario.ring_fenced: 30 beds ring-fenced at ward, which has 20"),
    (["scenario.surges=[{site:ward,start:'2016-03-03',end:'2016-03-05',factor:19}]"],
     "scenario.surges[0].factor: 19 is 19 times the demand; for +19% use 1.19"),
    (["scenario.ring_fenced=[{site:ward,beds:15}]",
      f"scenario.closures=[{closure('2016-03-04', '2016-03-06', 10)}]"],
     "scenario.closures[0]: 10 beds closed and 15 ring-fenced at ward on 2016-03-04, which has 20"),
    ([f"scenario.closures=[{closure('2016-03-03', '2016-03-05', 12)},"
      f"{closure('2016-03-05', '2016-03-06', 12)}]"],
     "scenario.closures[1]: 24 beds closed and 0 ring-fenced at ward on 2016-03-05"),
    ([f"scenario.closures=[{closure('2016-03-03', '2016-02-30', 1)}]"],
     "scenario.closures[0].end: 2016-02-30 does not exist"),
    (["system.mo_reference=-1"], "system.mo_reference"),
    (["system.mo_reference=nan"], "system.mo_reference: must be a finite number"),
    (["sim.census_hour=nan"], "sim.census_hour"),
    (["costs.acute_bed_day=inf"], "costs.acute_bed_day: must be a finite number"),
    (["system.cohorts.all.share=nan"], "system.cohorts.all.share: must be a finite number"),
    (["intervention=[rapid_response]", "intervention.rapid_response.eligible_share=30"],
     "intervention.rapid_response.eligible_share: 30 looks like a percentage; use 0.3"),
    (["sim.start_date=9999-12-30"], "sim.horizon_days: the run from 9999-12-30 would end after"),
]

SWEEP_MISTAKES = [
    (["hydra.sweep.dir=/proc/x", "system.sites.ward.beds=20,21"],
     "hydra.sweep.dir: cannot write /proc/x"),
    (["hydra.sweep.dir={tmp}/a_file/sweep", "system.sites.ward.beds=20,21"],
     "is a file, not a folder"),
    (["scenario=[winter_2016,flu_peak],none"], "scenario: one scenario per run"),
    (["sim.seed=1,-1"], "sim.seed: must be a non-negative integer, got -1"),
]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def assert_one_line_refusal(argv, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("not a folder\n")
    before = _tree(tmp_path)
    with pytest.raises(SystemExit) as e:
        main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2, err
    assert "Traceback" not in err and "\n" not in err, err
    assert err.startswith("bedflow: error: ") and fragment in err, err
    assert _tree(tmp_path) == before  # not one new file or folder, results/<date>/ included


@pytest.mark.parametrize("args,fragment", RUN_MISTAKES, ids=[" ".join(a) for a, _ in RUN_MISTAKES])
def test_a_run_mistake_is_one_line_exit_2_nothing_written(args, fragment, tmp_path, monkeypatch,
                                                          capsys):
    assert_one_line_refusal(CHEAP + args, fragment, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("args,fragment", SWEEP_MISTAKES,
                         ids=[" ".join(a) for a, _ in SWEEP_MISTAKES])
def test_a_sweep_mistake_is_one_line_exit_2_nothing_written(args, fragment, tmp_path, monkeypatch,
                                                            capsys):
    argv = ["-m", "hydra/launcher=local"] + CHEAP + args
    assert_one_line_refusal(argv, fragment, tmp_path, monkeypatch, capsys)


def test_from_the_shell(tmp_path):
    """The real process: exit status 2 and only the line, for a mistake found late before
    (a negative seed reached numpy after the run folder was made)."""
    p = subprocess.run([sys.executable, "-m", "bedflow", *CHEAP, "sim.seed=-1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr == "bedflow: error: sim.seed: must be a non-negative integer, got -1\n"
    assert p.stdout == "" and not list(tmp_path.iterdir())


@pytest.mark.parametrize("slip,message", [
    (lambda s: s.replace("beds: ", "beds ", 1), "line 12: could not find expected ':'"),
    (lambda s: s.replace("    beds: 20", "    beds: 20\n    beds: 21", 1),
     "line 12: found duplicate key beds"),
], ids=["missing colon", "duplicate key"])
def test_a_slip_in_a_copied_system_file_names_file_and_line(slip, message, tmp_path, monkeypatch):
    """docs/your-trust.md has planners copy a system file and type their figures in: a YAML slip
    there was a 100-line traceback with exit 1."""
    import shutil

    from bedflow import hydra_compose
    from bedflow.config import ConfigError

    configs = tmp_path / "configs"
    shutil.copytree(hydra_compose.config_dir(), configs)
    text = (configs / "system" / "single_ward.yaml").read_text()
    assert "    beds: 20 " in text
    (configs / "system" / "my_trust.yaml").write_text(slip(text))
    monkeypatch.setattr(hydra_compose, "config_dir", lambda: configs)
    with pytest.raises(ConfigError) as e:
        hydra_compose.compose(["system=my_trust"])
    assert str(e.value) == f"configs/system/my_trust.yaml {message}"
