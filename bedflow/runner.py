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

from .compare import compare
from .config import Config, validate
from .model import run_replication
from .results import Results, daily_frame, system_rows


def _as_config(cfg) -> Config:
    if isinstance(cfg, Config):
        return validate(cfg)
    from .hydra_compose import to_config  # a DictConfig from Hydra or a notebook

    return to_config(cfg)


def _run_all(jobs_list, jobs: int, bar) -> list[dict]:
    """Run (cfg, replication) pairs, in series or in processes; outputs in submission order."""
    if jobs <= 1:
        out = []
        for cfg, r in jobs_list:
            out.append(run_replication(cfg, r))
            bar.update()
        return out
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_replication, cfg, r): i for i, (cfg, r) in enumerate(jobs_list)}
        out: list = [None] * len(jobs_list)
        for f in as_completed(futures):
            out[futures[f]] = f.result()
            bar.update()
    return out


def _results(cfg: Config, outputs: list[dict]) -> Results:
    reps = pd.DataFrame([row for o in outputs for row in o["rows"]])
    start = np.datetime64(dt.date.fromisoformat(cfg.sim.start_date), "D")
    daily = daily_frame(outputs, lambda days: start + days.astype("timedelta64[D]"))
    events = [o["events"] for o in outputs if o.get("events") is not None]
    return Results(config=cfg, replications=reps, system=system_rows(reps), daily=daily,
                   events=pd.concat(events, ignore_index=True) if events else None)


def simulate(cfg, *, jobs: int | None = None, progress: bool | None = None) -> Results:
    """Run `sim.replications` replications of the configured system and return Results.

    With any intervention switched on, the baseline (every intervention off) runs too, with the
    same seeds, and `Results.comparison` holds the paired differences.
    """
    cfg = _as_config(cfg)
    n = cfg.sim.replications
    configs = [cfg] + ([cfg.baseline()] if cfg.intervention.active() else [])
    work = [(c, r) for c in configs for r in range(n)]
    jobs = min(jobs or cfg.sim.jobs, len(work))
    show = cfg.sim.progress if progress is None else progress
    bar = tqdm(total=len(work), desc="replications", unit="rep", disable=None if show else True,
               leave=False)
    try:
        outputs = _run_all(work, jobs, bar)
    finally:
        bar.close()
    res = _results(cfg, outputs[:n])
    if len(configs) > 1:
        res.baseline = _results(configs[1], outputs[n:])
        res.comparison = compare(res.baseline, res)
    return res
