"""Run replications, in series or in parallel processes, and gather them into Results.

Each replication draws only from streams keyed by its own number, so the order or process it
runs in cannot change its numbers: parallel equals serial.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .config import Config, validate
from .model import run_replication
from .results import Results, daily_frame, system_rows


def _as_config(cfg) -> Config:
    if isinstance(cfg, Config):
        return validate(cfg)
    from .hydra_compose import to_config  # a DictConfig from Hydra or a notebook

    return to_config(cfg)


def simulate(cfg, *, jobs: int | None = None, progress: bool | None = None) -> Results:
    """Run `sim.replications` replications of the configured system and return Results."""
    cfg = _as_config(cfg)
    n = cfg.sim.replications
    jobs = min(jobs or cfg.sim.jobs, n)
    show = cfg.sim.progress if progress is None else progress
    bar = tqdm(total=n, desc="replications", unit="rep", disable=None if show else True,
               leave=False)
    outputs = []
    try:
        if jobs <= 1:
            for r in range(n):
                outputs.append(run_replication(cfg, r))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(run_replication, cfg, r) for r in range(n)]
                for f in as_completed(futures):
                    outputs.append(f.result())
                    bar.update()
    finally:
        bar.close()
    outputs.sort(key=lambda o: o["replication"])
    reps = pd.DataFrame([row for o in outputs for row in o["rows"]])
    start = np.datetime64(dt.date.fromisoformat(cfg.sim.start_date), "D")
    daily = daily_frame(outputs, lambda days: start + days.astype("timedelta64[D]"))
    return Results(config=cfg, replications=reps, system=system_rows(reps), daily=daily)
