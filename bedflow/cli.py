"""`bedflow [hydra overrides]`: compose, check, simulate, write the run folder, print the table.

Overrides, and the folder Hydra would write to, are checked before Hydra makes a run folder, so
a mistake costs one line on stderr, exit code 2 and no folder. A run that fails or is
interrupted (Ctrl-C: one line, exit 130) leaves no folder either. Progress and warnings go to
the run's `cli.log`, not the terminal, which gets the table. Hydra is used for what it is good
at: composing, the run folder and multirun sweeps.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from . import sweep  # also registers the resolvers that name sweep folders, in every job
from .config import ConfigError
from .errors import fail, interrupted
from .run_folder import RunFolder, check_writable

log = logging.getLogger("bedflow")

# Hydra's own flags; when any is given, Hydra handles the command line on its own
_HYDRA_FLAGS = ("--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--resolve",
                "--package", "-p", "--info", "-i", "--config-path", "-cp", "--config-name", "-cn",
                "--config-dir", "-cd", "--experimental-rerun", "--shell-completion", "-sc",
                "--multirun", "-m")

#: where this run writes (checked and claimed before Hydra starts; see run_folder)
_folder: RunFolder | None = None


def _task(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    logging.captureWarnings(True)  # matplotlib's warnings go to cli.log, not the terminal
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:  # a sweep point: skipped when complete, see sweep.py
        sweep.run_point(cfg, out, list(hc.overrides.task))
        return
    _run(cfg, out, list(hc.overrides.task))


def _run(cfg, out: Path, overrides: list[str]) -> None:
    from . import __version__
    from .hydra_compose import to_config
    from .report import write_report
    from .runner import simulate
    from .table import format_comparison, format_forecast, format_stroke, format_table
    from .writers import provenance, write_run

    done = False
    try:
        config = to_config(cfg)
        n, iv = config.sim.replications, config.intervention.active()
        log.info("bedflow %s, overrides: %s", __version__, " ".join(overrides) or "none")
        log.info("simulating %d replications of %s, scenario %s, interventions %s%s", n,
                 config.system.name, config.scenario.name, ", ".join(iv) or "none",
                 f" (and {n} of the baseline without them)" if config.compared() else "")
        t0 = time.perf_counter()
        results = simulate(config)
        log.info("%d replications done in %.1f s", n * (2 if config.compared() else 1),
                 time.perf_counter() - t0)
        prov = provenance(results, overrides, time.perf_counter() - t0)
        write_run(results, out, prov)
        report = write_report(results, out, prov)  # charts and report.html, from the tables
        done = True
    except ConfigError as e:
        fail(str(e))
    finally:
        if _folder is not None:  # nothing half-written is left, nor an empty results/<date>/
            _folder.done() if done else _folder.undo()
    print(format_table(results))
    forecast = format_forecast(results)
    if forecast:
        print()
        print(forecast)
    if results.comparison is not None:
        print()
        print(format_comparison(results))
    stroke = format_stroke(results)
    if stroke:
        print()
        print(stroke)
    if report.warning:
        log.warning(report.warning)
        print(f"bedflow: warning: {report.warning}", file=sys.stderr)
    log.info("wrote %s", out)
    print(f"\nwrote {out} (open report.html)")


def _register_sweeper() -> None:
    """Hydra instantiates a sweeper only from a class it knows, and its plugin scan misses
    plugins installed in place (pip install -e): make bedflow's known."""
    from hydra.core.plugins import Plugins
    from hydra_plugins.bedflow_sweeper.bedflow_sweeper import BedflowSweeper

    Plugins.instance().register(BedflowSweeper)


def main(argv: list[str] | None = None) -> None:
    global _folder
    _folder = None
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # bedflow's, not Hydra's (which Hydra's flag would print)
        from . import __version__

        print(f"bedflow {__version__}")
        return
    try:
        try:
            from .hydra_compose import compose_with_folders, config_dir, register

            flags = {a.split("=")[0] for a in argv if a.split("=")[0] in _HYDRA_FLAGS}
            folders, key = {}, None
            if not flags:
                sweep.check_command_line(argv, multirun=False)
                _, folders = compose_with_folders(argv)  # check first: no folder for a mistake
                key = "hydra.run.dir"
            elif flags <= {"-m", "--multirun"}:  # the first point now; the sweeper checks them all
                _, folders = compose_with_folders(sweep.check_command_line(argv, multirun=True))
                key = "hydra.sweep.dir"
            if key == "hydra.run.dir":
                default = not any(a.startswith(key + "=") for a in argv)
                _folder = RunFolder(key, folders[key], default_name=default)
                if default:  # the name claimed, which another run started this second lacks
                    argv = argv + [f"{key}={_quoted(_folder.path)}"]
            elif key in folders:
                check_writable(key, folders[key])
            cdir = str(config_dir())
            register()  # the schema config.yaml names, for Hydra's own flags too
            _register_sweeper()
        except ConfigError as e:
            fail(str(e))

        import hydra

        run = hydra.main(config_path=cdir, config_name="config", version_base="1.3")(_task)
        sys.argv = [sys.argv[0] if sys.argv else "bedflow"] + argv
        run()
    except KeyboardInterrupt:
        _stop_local_launcher()
        interrupted()
    except BrokenPipeError:  # `bedflow --help | head`: the reader left; not an error of ours
        _quiet_stdout()
    finally:  # whatever stopped a run before it finished (Ctrl-C, a crash, an error in Hydra)
        if _folder is not None and not _folder.finished:
            _folder.undo()


def _quoted(path: Path) -> str:
    """A path as a Hydra override value: quoted, with quotes and backslashes escaped."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's flush at exit does not raise the pipe error again."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _stop_local_launcher() -> None:
    """After a Ctrl-C in a local sweep: end the launcher's worker processes and release their
    locks now, or Python warns of leaked semaphores at exit."""
    if "joblib" not in sys.modules:
        return
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True, kill_workers=True)


if __name__ == "__main__":  # pragma: no cover
    main()
