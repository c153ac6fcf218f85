"""One-at-a-time sensitivity of beds released to the switched-on interventions' inputs.

Every input with a `ranges` entry in its intervention's config is set to its low end, then to
its high end, the others at their defaults; each variant runs with the same seeds as the
baseline (every intervention off), so its beds released is a paired difference like the main
comparison's. The swing between the two ends shows which assumption drives the answer: the
tornado chart (`plots.tornado_chart`) draws them largest first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .config import Config, with_value
from .stats import paired

#: the outcome varied: acute beds released, baseline - scenario, system, paired
OUTCOME = "mean_occupied"


@dataclass(frozen=True)
class Input:
    intervention: str
    parameter: str  # dotted below a duration: "episode.mean_days"
    default: float
    low: float
    high: float

    @property
    def name(self) -> str:
        return f"{self.intervention}.{self.parameter}"


def _value(obj, param: str) -> float:
    for part in param.split("."):
        obj = getattr(obj, part)
    return float(obj)


def inputs(cfg: Config) -> list[Input]:
    """The switched-on interventions' inputs that have a range, in config order."""
    out = []
    for name in cfg.intervention.active():
        obj = getattr(cfg.intervention, name)
        for param, (low, high) in obj.ranges.items():
            out.append(Input(name, param, _value(obj, param), float(low), float(high)))
    return out


def variant(cfg: Config, inp: Input, value: float) -> Config:
    """`cfg` with one input set to `value`."""
    obj = with_value(getattr(cfg.intervention, inp.intervention), inp.parameter, value)
    return replace(cfg, intervention=replace(cfg.intervention, **{inp.intervention: obj}))


def variants(cfg: Config) -> list[tuple[Input, str, Config]]:
    """(input, "low" or "high", config) for every end of every range."""
    return [(inp, end, variant(cfg, inp, getattr(inp, end)))
            for inp in inputs(cfg) for end in ("low", "high")]


def _occupied(system: pd.DataFrame, reps) -> np.ndarray:
    return system.set_index("replication")[OUTCOME].loc[reps].to_numpy(float)


def table(baseline: pd.DataFrame, default: pd.DataFrame,
          runs: list[tuple[Input, str, pd.DataFrame]]) -> pd.DataFrame:
    """One row per input: beds released at its low and high ends beside the default's (each
    baseline - scenario, paired by replication), how far each end moves the answer from the
    default (paired against the default run, far narrower), and the swing between the ends
    (paired too), each with its 95% interval. `baseline`, `default` and each run are system
    rows by replication."""
    reps = baseline["replication"].tolist()
    base, at_default = _occupied(baseline, reps), _occupied(default, reps)
    ends: dict = {}
    for inp, end, system in runs:
        ends.setdefault(inp, {})[end] = _occupied(system, reps)
    released_default = paired(base, at_default)
    rows = []
    for inp, e in ends.items():
        row = {"input": inp.name, "intervention": inp.intervention, "parameter": inp.parameter,
               "default": inp.default, "low": inp.low, "high": inp.high}
        for name, (m, lo, hi) in (
                ("released_default", released_default),
                ("released_at_low", paired(base, e["low"])),
                ("released_at_high", paired(base, e["high"])),
                ("change_at_low", paired(at_default, e["low"])),  # released: low - default
                ("change_at_high", paired(at_default, e["high"])),
                ("high_minus_low", paired(e["low"], e["high"]))):
            row |= {name: m, f"{name}_ci_low": lo, f"{name}_ci_high": hi}
        row["swing"] = abs(row["high_minus_low"])
        row["replications"] = len(reps)
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return out

