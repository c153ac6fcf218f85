"""`bedflow-bench`: the full model against SimPy's own floor, in the same process.

The floor is the cheapest honest SimPy model of a bed pool (M/M/c on a simpy.Container, one
counter): any richer model costs more per admission. Absolute times on shared machines are
noisy, so the figure that matters is the ratio of microseconds per admission, measured back to
back. `--memory` runs the model for one and ten years in fresh processes and reports each
one's peak resident memory: it must not grow with the horizon.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np
import simpy


def floor(days: float, beds: int, los: float, rho: float, seed: int = 1) -> dict:
    rate = rho * beds / los
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    pool = simpy.Container(env, capacity=beds, init=beds)
    done = [0]

    def patient(stay: float):
        yield pool.get(1)
        yield env.timeout(stay)
        yield pool.put(1)
        done[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            env.process(patient(rng.exponential(los)))

    env.process(arrivals())
    t0 = time.perf_counter()
    env.run(until=days)
    seconds = time.perf_counter() - t0
    return {"admissions": done[0], "seconds": seconds,
            "us_per_admission": 1e6 * seconds / max(done[0], 1)}


def model(days: float, system: str = "kent_medway", seed: int = 1,
          overrides: Sequence[str] = ()) -> dict:
    from . import compose
    from .model import Model

    cfg = compose([f"system={system}", "sim.warmup_days=0", f"sim.horizon_days={days}",
                   f"sim.seed={seed}", *overrides])
    t0 = time.perf_counter()
    m = Model(cfg, 0).run()
    seconds = time.perf_counter() - t0
    n = sum(w.rec.admissions + w.rec.elective_admitted for w in m.wards)
    occupied = sum(w.rec.occupied_area for w in m.wards) / days
    return {"admissions": n, "seconds": seconds, "us_per_admission": 1e6 * seconds / max(n, 1),
            "mean_occupied": occupied}


def peak_rss_mb(days: float, system: str, overrides: Sequence[str] = ()) -> float:
    """Peak resident memory of one run of the model, in a fresh process."""
    code = ("import resource, bedflow.bench as b; "
            f"b.model({days}, {system!r}, overrides={list(overrides)!r}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0  # ru_maxrss is KiB on Linux


def measure(days: float, system: str = "kent_medway", repeat: int = 3) -> dict:
    """Microseconds per admission of the model and of the floor at its scale, best of `repeat`."""
    full = min((model(days, system, seed=r + 1) for r in range(repeat)),
               key=lambda r: r["us_per_admission"])
    # the floor at the same scale: the model's mean occupied beds at a 92% load, same stay
    beds = max(1, round(full["mean_occupied"] / 0.92))
    base = min((floor(days, beds, 5.5, 0.92, seed=r + 1) for r in range(repeat)),
               key=lambda r: r["us_per_admission"])
    return {
        "days": days,
        "system": system,
        "model_admissions": full["admissions"],
        "model_us_per_admission": round(full["us_per_admission"], 2),
        "floor_beds": beds,
        "floor_admissions": base["admissions"],
        "floor_us_per_admission": round(base["us_per_admission"], 2),
        "ratio": round(full["us_per_admission"] / base["us_per_admission"], 2),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=365.0, help="simulated days (default 365)")
    p.add_argument("--system", default="kent_medway")
    p.add_argument("--repeat", type=int, default=3, help="best of N for each (default 3)")
    p.add_argument("--memory", action="store_true", help="also peak memory for 1 and 10 years")
    a = p.parse_args(argv)

    out = measure(a.days, a.system, a.repeat)
    if a.memory:
        out["peak_rss_mb_1y"] = round(peak_rss_mb(365.0, a.system), 1)
        out["peak_rss_mb_10y"] = round(peak_rss_mb(3652.0, a.system), 1)
    print(json.dumps(out))


if __name__ == "__main__":  # pragma: no cover
    main()
