"""`bedflow-bench`: the full model against SimPy's floor for a bed pool, in the same run.

The floor is the cheapest honest process-based SimPy model of a bed pool (M/M/c): one SimPy
process per patient, beds a plain counter, a FIFO deque of events for those waiting - the idiom
bedflow itself uses, with nothing recorded but a count. Both sides count the same thing,
admissions to a bed, and the figure that matters is the ratio of microseconds per admission.
Times are CPU seconds of this process (less sensitive than wall time to other work on a shared
machine, though still noisy): the two are timed alternately, `--repeat` times each, and the best
and the median of the paired ratios are reported with the load average. `--memory` runs the model for one and five years in fresh processes and reports each
one's peak resident memory: it must not grow with the horizon.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence

import numpy as np
import simpy


def floor(days: float, beds: int, los: float, rho: float, seed: int = 1) -> dict:
    """M/M/c with one process per patient: admissions, seconds, microseconds per admission."""
    rate = rho * beds / los
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    busy, queue, admitted = [0], deque(), [0]

    def patient(stay: float):
        if busy[0] < beds and not queue:
            busy[0] += 1
        else:
            ev = env.event()
            queue.append(ev)
            yield ev  # the bed is handed over by whoever frees it
        admitted[0] += 1
        yield env.timeout(stay)
        if queue:
            queue.popleft().succeed()
        else:
            busy[0] -= 1

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            env.process(patient(rng.exponential(los)))

    env.process(arrivals())
    t0 = time.process_time()
    env.run(until=days)
    seconds = time.process_time() - t0
    return {"admissions": admitted[0], "seconds": seconds,
            "us_per_admission": 1e6 * seconds / max(admitted[0], 1)}


def model(days: float, system: str = "kent_medway", seed: int = 1,
          overrides: Sequence[str] = ()) -> dict:
    """One run of the model from an empty-clock warm start; admissions to a bed in the run."""
    from . import compose
    from .model import Model

    cfg = compose([f"system={system}", "sim.warmup_days=0", f"sim.horizon_days={days}",
                   f"sim.seed={seed}", *overrides])
    t0 = time.process_time()
    m = Model(cfg, 0).run()
    seconds = time.process_time() - t0
    n = sum(w.rec.admissions + w.rec.elective_admitted for w in m.wards)
    occupied = sum(w.rec.occupied_area for w in m.wards) / days
    return {"admissions": n, "seconds": seconds, "us_per_admission": 1e6 * seconds / max(n, 1),
            "mean_occupied": occupied}


def _peak_kib() -> int:
    """This process's peak resident memory in KiB. Linux's VmHWM belongs to the process's own
    memory since its exec; getrusage's ru_maxrss also carries the parent's peak over the exec,
    so from a 290 MB test process every child read at least 290 MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # not Linux
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def peak_rss_mb(days: float, system: str, overrides: Sequence[str] = ()) -> float:
    """Peak resident memory of one run of the model, in a fresh process."""
    code = ("import bedflow.bench as b; "
            f"b.model({days}, {system!r}, overrides={list(overrides)!r}); "
            "print(b._peak_kib())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0


def measure(days: float, system: str = "kent_medway", repeat: int = 5) -> dict:
    """Model and floor timed alternately `repeat` times; the floor has the model's scale (its
    mean occupied beds at a 92% load, a 5.5-day stay)."""
    load = os.getloadavg()[0]
    runs, ratios, bases = [], [], []
    beds = None
    for r in range(repeat):
        full = model(days, system, seed=r + 1)
        if beds is None:
            beds = max(1, round(full["mean_occupied"] / 0.92))
        base = floor(days, beds, 5.5, 0.92, seed=r + 1)
        runs.append(full)
        bases.append(base)
        ratios.append(full["us_per_admission"] / base["us_per_admission"])
    best_model = min(x["us_per_admission"] for x in runs)
    best_floor = min(x["us_per_admission"] for x in bases)
    return {
        "days": days,
        "system": system,
        "repeat": repeat,
        "model_admissions": runs[0]["admissions"],
        "model_us_per_admission": round(best_model, 2),
        "floor_beds": beds,
        "floor_admissions": bases[0]["admissions"],
        "floor_us_per_admission": round(best_floor, 2),
        "ratio_best": round(best_model / best_floor, 2),
        "ratio_median": round(statistics.median(ratios), 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=365.0, help="simulated days (default 365)")
    p.add_argument("--system", default="kent_medway")
    p.add_argument("--repeat", type=int, default=5, help="alternate runs of each (default 5)")
    p.add_argument("--memory", action="store_true", help="also peak memory for 1 and 5 years")
    a = p.parse_args(argv)

    out = measure(a.days, a.system, a.repeat)
    if a.memory:
        out["peak_rss_mb_1y"] = round(peak_rss_mb(365.0, a.system), 1)
        out["peak_rss_mb_5y"] = round(peak_rss_mb(1826.0, a.system), 1)
    print(json.dumps(out))


if __name__ == "__main__":  # pragma: no cover
    main()
