"""Run replications, in series or in parallel processes, and gather them into Results.

Each replication draws only from streams keyed by its own number, so the order or process it
runs in cannot change its numbers: parallel equals serial.
"""

from __future__ import annotations

import datetime as dt
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import sensitivity
from .compare import compare
from .config import Config, validate
from .interventions import site_costs
from .model import run_replication
from .results import Results, daily_frame, system_rows


def _as_config(cfg) -> Config:
    """The runner knows typed configs only: Hydra's trees are turned into one by
    `bedflow.compose` or `hydra_compose.to_config`, on the Hydra side."""
    if not isinstance(cfg, Config):
        raise TypeError(f"simulate needs a bedflow Config, got {type(cfg).__name__}; build one "
                        "with bedflow.compose([...]) or bedflow.hydra_compose.to_config(cfg)")
    return validate(cfg)


def _worker_signals() -> None:
    """Leave a queue's warning signals, and Ctrl-C, to the parent process. On SLURM, SIGUSR2
    before the time limit reaches every process of the job; the parent answers it (submitit
    requeues the job), and forked workers must not answer it again with the handler they
    inherited. A Ctrl-C reaches every process in the terminal's group: the parent stops the
    workers (`_stop`), so none prints a traceback of its own."""
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGCONT):
        signal.signal(sig, signal.SIG_DFL)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


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
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_worker_signals)
    try:
        futures = {pool.submit(run_replication, *jobs_list[i]): i for i in todo}
        pending = set(futures)
        while pending:  # wakes often: a Ctrl-C caught by another thread still reaches this one
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in finished:
                i = futures[f]
                out[i] = f.result()
                keep(i, out[i])
                bar.update()
    except BaseException:  # Ctrl-C, or a replication failed: stop now, not when the rest end
        _stop(pool)
        raise
    pool.shutdown()
    return out


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now, then let the executor release its queues and locks (no
    leaked-semaphore warning at exit). Its processes are private, hence the getattr."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _replications(outputs: list[dict]) -> pd.DataFrame:
    """One row per replication and site."""
    return pd.DataFrame([row for o in outputs for row in o["rows"]])


def _system(reps: pd.DataFrame, outputs: list[dict]) -> pd.DataFrame:
    """System rows: the sites added up, and what does not add up over sites (percentiles of
    travel) as the model measured it for the whole system."""
    system = system_rows(reps)
    extra = pd.DataFrame([{"replication": o["replication"]} | o.get("system", {})
                          for o in outputs])
    cols = [c for c in extra.columns if c != "replication"]
    if cols:
        system = system.drop(columns=[c for c in cols if c in system]) \
            .merge(extra, on="replication", how="left")
    return system


def _results(cfg: Config, outputs: list[dict]) -> Results:
    reps = _replications(outputs)
    reps["intervention_cost"] = reps["site"].map(site_costs(cfg))
    start = np.datetime64(dt.date.fromisoformat(cfg.sim.start_date), "D")
    daily = daily_frame(outputs, lambda days: start + days.astype("timedelta64[D]"))
    events = [o["events"] for o in outputs if o.get("events") is not None]
    return Results(config=cfg, replications=reps, system=_system(reps, outputs), daily=daily,
                   events=pd.concat(events, ignore_index=True) if events else None)


def simulate(cfg, *, jobs: int | None = None, progress: bool | None = None,
             store=None) -> Results:
    """Run `sim.replications` replications of the configured system and return Results.

    With any intervention switched on, the baseline (every intervention off) runs too, with the
    same seeds, and `Results.comparison` holds the paired differences; with `sim.sensitivity`,
    each input with a range runs at both ends too (`Results.sensitivity`). `store`: see
    `_run_all`.
    """
    cfg = _as_config(cfg)
    n = cfg.sim.replications
    configs = [cfg] + ([cfg.baseline()] if cfg.compared() else [])
    ends = sensitivity.variants(cfg) if cfg.sim.sensitivity and len(configs) > 1 else []
    configs += [c for _, _, c in ends]
    work = [(c, r) for c in configs for r in range(n)]
    jobs = min(jobs or cfg.sim.jobs, len(work))
    show = cfg.sim.progress if progress is None else progress
    # no bar at all when quiet: tqdm's first bar makes a process lock, which a sweep point's
    # process, ended by a Ctrl-C, would leave behind (a leaked-semaphore warning)
    bar = tqdm(total=len(work), desc="replications", unit="rep", disable=None,
               leave=False) if show else _NoBar()
    try:
        outputs = _run_all(work, jobs, bar, store)
    finally:
        bar.close()
    res = _results(cfg, outputs[:n])
    if len(configs) > 1:
        res.baseline = _results(configs[1], outputs[n:2 * n])
        res.comparison = compare(res.baseline, res)
    if ends:
        parts = [outputs[(k + 2) * n:(k + 3) * n] for k in range(len(ends))]
        runs = [(inp, end, _system(_replications(part), part))
                for (inp, end, _), part in zip(ends, parts)]
        res.sensitivity = sensitivity.table(res.baseline.system, res.system, runs)
    return res
