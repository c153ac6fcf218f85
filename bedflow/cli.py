"""`bedflow [hydra overrides]`: compose, check, simulate, write the run folder, print the table.

Overrides are checked before Hydra makes a run folder, so a mistake costs one line on stderr,
exit code 2 and no folder. Hydra is used for what it is good at: composing, the run folder and
multirun sweeps.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from . import sweep  # also registers the resolvers that name sweep folders, in every job
from .config import ConfigError

EXIT_USAGE = 2
# Hydra's own flags; when any is given, Hydra handles the command line on its own
_HYDRA_FLAGS = ("--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--resolve",
                "--package", "-p", "--info", "-i", "--config-path", "-cp", "--config-name", "-cn",
                "--config-dir", "-cd", "--experimental-rerun", "--shell-completion", "-sc",
                "--multirun", "-m")


def fail(message: str) -> None:
    print(f"bedflow: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _task(cfg) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from .hydra_compose import to_config
    from .report import write_report
    from .runner import simulate
    from .table import format_comparison, format_table
    from .writers import provenance, write_run

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    if hc.mode == RunMode.MULTIRUN:  # a sweep point: skipped when complete, see sweep.py
        sweep.run_point(cfg, out, list(hc.overrides.task))
        return
    done = False
    try:
        config = to_config(cfg)
        t0 = time.perf_counter()
        results = simulate(config)
        prov = provenance(results, list(hc.overrides.task), time.perf_counter() - t0)
        write_run(results, out, prov)
        report = write_report(results, out, prov)  # charts and report.html, from the tables
        done = True
    except ConfigError as e:
        shutil.rmtree(out, ignore_errors=True)
        fail(str(e))
    finally:
        if not done:
            shutil.rmtree(out, ignore_errors=True)  # nothing half-written is left behind
    print(format_table(results))
    if results.comparison is not None:
        print()
        print(format_comparison(results))
    if report.warning:
        print(f"bedflow: warning: {report.warning}", file=sys.stderr)
    print(f"\nwrote {out} (open report.html)")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        from .hydra_compose import compose, config_dir, register

        flags = {a.split("=")[0] for a in argv if a.split("=")[0] in _HYDRA_FLAGS}
        if not flags:
            sweep.check_command_line(argv, multirun=False)
            compose(argv)  # check first: no run folder for a bad override
        elif flags <= {"-m", "--multirun"}:  # the first point now; the sweeper checks them all
            compose(sweep.check_command_line(argv, multirun=True))
        register()
        cdir = str(config_dir())
    except ConfigError as e:
        fail(str(e))

    import hydra

    run = hydra.main(config_path=cdir, config_name="config", version_base="1.3")(_task)
    sys.argv = [sys.argv[0] if sys.argv else "bedflow"] + argv
    run()


if __name__ == "__main__":  # pragma: no cover
    main()
