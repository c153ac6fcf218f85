"""Run replications, in series or in parallel processes, and gather them into Results.

Each replication draws only from streams keyed by its own number, so the order or process it
runs in cannot change its numbers: parallel equals serial.
"""

from __future__ import annotations

import datetime as dt
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .compare import compare
from .config import Config, validate
from .interventions import site_costs
from .model import run_replication
from .results import Results, daily_frame, system_rows


def _as_config(cfg) -> Config:
    if isinstance(cfg, Config):
        return validate(cfg)
    from .hydra_compose import to_config  # a DictConfig from Hydra or a notebook

    return to_config(cfg)


def _worker_signals() -> None:
    """Leave a queue's warning signals to the parent process. On SLURM, SIGUSR2 before the time
    limit reaches every process of the job; the parent answers it (submitit requeues the job),
    and forked workers must not answer it again with the handler they inherited."""
    for sig in (signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGCONT):
        signal.signal(sig, signal.SIG_DFL)


def _run_all(jobs_list, jobs: int, bar, store=None) -> list[dict]:
    """Run (cfg, replication) pairs, in series or in processes; outputs in submission order.

    `store` (optional) keeps each output as it finishes, by its position in `jobs_list`:
    `store.load(i)` returns a kept one or None, `store.save(i, output)` keeps one. A run cut
    short then resumes with what it had finished, with the same numbers (sweeps use this).
    """
    out: list = [store.load(i) if store else None for i in range(len(jobs_list))]
    todo = [i for i, o in enumerate(out) if o is None]
    bar.update(len(jobs_list) - len(todo))
    keep = store.save if store else (lambda i, output: None)
    if jobs <= 1 or len(todo) <= 1:
        for i in todo:
            out[i] = run_replication(*jobs_list[i])
            keep(i, out[i])
            bar.update()
        return out
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_worker_signals) as pool:
        futures = {pool.submit(run_replication, *jobs_list[i]): i for i in todo}
        for f in as_completed(futures):
            i = futures[f]
            out[i] = f.result()
            keep(i, out[i])
            bar.update()
    return out


def _results(cfg: Config, outputs: list[dict]) -> Results:
    reps = pd.DataFrame([row for o in outputs for row in o["rows"]])
    reps["intervention_cost"] = reps["site"].map(site_costs(cfg))
    start = np.datetime64(dt.date.fromisoformat(cfg.sim.start_date), "D")
    daily = daily_frame(outputs, lambda days: start + days.astype("timedelta64[D]"))
    events = [o["events"] for o in outputs if o.get("events") is not None]
    return Results(config=cfg, replications=reps, system=system_rows(reps), daily=daily,
                   events=pd.concat(events, ignore_index=True) if events else None)


def simulate(cfg, *, jobs: int | None = None, progress: bool | None = None,
             store=None) -> Results:
    """Run `sim.replications` replications of the configured system and return Results.

    With any intervention switched on, the baseline (every intervention off) runs too, with the
    same seeds, and `Results.comparison` holds the paired differences. `store`: see `_run_all`.
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
        outputs = _run_all(work, jobs, bar, store)
    finally:
        bar.close()
    res = _results(cfg, outputs[:n])
    if len(configs) > 1:
        res.baseline = _results(configs[1], outputs[n:])
        res.comparison = compare(res.baseline, res)
    return res
