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


def _released(baseline: pd.DataFrame, scenario: pd.DataFrame) -> tuple[float, float, float]:
    """Beds released, baseline - scenario, paired by replication (system rows)."""
    b = baseline.set_index("replication")[OUTCOME]
    s = scenario.set_index("replication")[OUTCOME].loc[b.index]
    return paired(b.to_numpy(float), s.to_numpy(float))


def table(baseline: pd.DataFrame, default: pd.DataFrame,
          runs: list[tuple[Input, str, pd.DataFrame]]) -> pd.DataFrame:
    """One row per input: beds released at its low and high ends (mean and 95% interval) beside
    the default's, and the swing between the ends. `baseline`, `default` and each run are
    system rows by replication."""
    at_default = _released(baseline, default)
    ends: dict = {}
    for inp, end, system in runs:
        ends.setdefault(inp, {})[end] = _released(baseline, system)
    rows = []
    for inp, e in ends.items():
        (lo_m, lo_l, lo_h), (hi_m, hi_l, hi_h) = e["low"], e["high"]
        rows.append({"input": inp.name, "intervention": inp.intervention,
                     "parameter": inp.parameter, "default": inp.default, "low": inp.low,
                     "high": inp.high, "released_default": at_default[0],
                     "released_default_ci_low": at_default[1],
                     "released_default_ci_high": at_default[2],
                     "released_at_low": lo_m, "released_at_low_ci_low": lo_l,
                     "released_at_low_ci_high": lo_h,
                     "released_at_high": hi_m, "released_at_high_ci_low": hi_l,
                     "released_at_high_ci_high": hi_h, "swing": abs(hi_m - lo_m),
                     "replications": len(baseline)})
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return out


def combined_range(sens: pd.DataFrame) -> tuple[float, float]:
    """The lowest and highest beds released over all the ends (one at a time, not jointly)."""
    if sens is None or not len(sens):
        return np.nan, np.nan
    v = pd.concat([sens["released_at_low"], sens["released_at_high"]])
    return float(v.min()), float(v.max())
