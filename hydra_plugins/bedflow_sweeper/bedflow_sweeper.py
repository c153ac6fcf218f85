"""bedflow's resumable sweeper: Hydra's basic sweeper (cartesian product of `a=1,2 b=x,y`, the
same `max_batch_size` and `params`), plus
the things that make a sweep safe to cut short and run again.

1. Before launching, every point is composed and validated, so a bad value anywhere in the sweep
   costs one line and exit 2 with nothing written (Hydra's own check would only compose).
2. Points already complete in `hydra.sweep.dir` are not launched at all: on a queue, a rerun
   submits an array of only the missing points.
3. `sweep.json` lists every point and its folder, for `bedflow-collect`; a failed point is
   reported once all the others have run, and the exit code is 1.
4. Point folders are named by the swept overrides alone, so they stay readable.

It lives in `hydra_plugins` because Hydra only instantiates sweepers from there; its config is
`configs/hydra/sweeper/bedflow.yaml`, and `bedflow.cli` registers the class before Hydra runs.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobStatus
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

log = logging.getLogger(__name__)


def _basic():
    # looked up when used: Hydra's plugin scan re-imports its core plugin modules, so a class
    # captured at import time would not be the one Hydra uses
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    return BasicSweeper


class BedflowSweeper(Sweeper):
    def __init__(self, max_batch_size: Optional[int] = None,
                 params: Optional[Dict[str, str]] = None) -> None:
        self.max_batch_size = max_batch_size
        self.params = params or {}
        self.hydra_context: Optional[HydraContext] = None
        self.config: Optional[DictConfig] = None
        self.launcher: Optional[Launcher] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> Any:
        from bedflow import sweep as sw
        from bedflow.errors import fail
        from bedflow.config import ConfigError

        assert self.config is not None and self.launcher is not None
        assert self.hydra_context is not None
        loader = self.hydra_context.config_loader
        parser = OverridesParser.create(config_loader=loader)
        params = [f"{k}={v}" for k, v in self.params.items()]
        overrides = parser.parse_overrides(params + list(arguments))
        jobs = _basic().split_arguments(overrides, None)[0]
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        self._name_points_by_swept_keys(overrides)
        try:
            points = sw.plan(jobs, sweep_dir, lambda ov: loader.load_sweep_config(self.config, ov))
        except ConfigError as e:
            fail(str(e))

        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        launcher = self.config.hydra.runtime.choices.get("hydra/launcher")
        sw.write_manifest(sweep_dir, arguments, points, launcher)
        todo = [p for p in points if p.status != "complete"]
        log.info(f"sweep folder {sweep_dir} (rerun with hydra.sweep.dir={sweep_dir} to resume): "
                 f"{len(points)} points, {len(points) - len(todo)} already complete, "
                 f"launching {len(todo)}")
        if not todo:
            print(sw.finished(sweep_dir, len(points)))
            return []

        returns, failed, idx = [], [], 0
        for batch in _basic().split_overrides_to_chunks([p.overrides for p in todo],
                                                    self.max_batch_size):
            results = self.launcher.launch(batch, initial_job_idx=idx)
            idx += len(batch)
            returns.append(results)
            for ov, r in zip(batch, results):
                if r.status == JobStatus.FAILED:
                    failed.append((ov, r._return_value))
        if failed:
            for ov, err in failed:
                print(f"bedflow: point failed: {' '.join(ov)}: {type(err).__name__}: {err}",
                      file=sys.stderr)
            print(f"bedflow: {len(failed)} of {len(points)} points failed (their folders hold "
                  f"failed.json), {len(points) - len(failed)} are complete. Rerun the same "
                  "command to retry the failed ones.", file=sys.stderr)
            raise SystemExit(1)
        print(sw.finished(sweep_dir, len(points)))
        return returns

    def _name_points_by_swept_keys(self, overrides) -> None:
        """Name point folders by the swept overrides only, when something is swept: readable
        (`beds=20,caseload_per_site=15`, not every constant too) and still unique in the sweep.
        A constant changed on a rerun is caught by the config digest in complete.json, which
        makes the point run again. Done by adding the constants to Hydra's `exclude_keys` for
        every job (the launchers compose each job from these Hydra overrides)."""
        from bedflow.sweep import RUN_ONLY_KEYS

        if not any(o.is_sweep_override() for o in overrides):
            return
        conf = self.config.hydra.job.config.override_dirname
        exclude = list(dict.fromkeys(list(conf.exclude_keys) + list(RUN_ONLY_KEYS) + [
            o.key_or_group for o in overrides if not o.is_sweep_override()]))
        with read_write(self.config.hydra), open_dict(self.config.hydra):
            self.config.hydra.overrides.hydra.append(
                "hydra.job.config.override_dirname.exclude_keys=[" + ",".join(exclude) + "]")
