import pytest

import bedflow


def run(overrides, **kw):
    """Compose and simulate quietly."""
    cfg = bedflow.compose(list(overrides) + ["sim.progress=false"])
    return bedflow.simulate(cfg, **kw)


@pytest.fixture(scope="session")
def kent_medway():
    """The default system, default year, 6 replications: shared by calibration and Little's law."""
    return run(["sim.replications=6", "sim.jobs=2"])


def assert_rejected(args, key, tmp_path, monkeypatch, capsys):
    """The CLI refuses `args`: exit 2, one stderr line naming `key`, no traceback, no run folder."""
    from bedflow.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("bedflow: error:") and key in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()
