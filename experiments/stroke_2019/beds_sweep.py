"""How many beds each hyper-acute stroke unit needs, and the model against Monks et al. 2016.

1. Monks et al. 2016, Table 2: `system=monks_stroke_2016` at 9-14 beds, the share of
   admissions who found the unit full, against the paper and Erlang B.
2. The three HASUs of 2019: a grid of hyper-acute beds (8-24) and acute stroke unit beds
   (16-52) at every unit, the share finding no hyper-acute bed on arrival; for each unit the
   fewest beds in all (hyper-acute + acute) that hold it to 1 in 50 and to 1 in 100. Both stages
   matter: a patient who cannot move on to an acute bed keeps a hyper-acute one. A unit whose
   full beds send patients to general beds never hears from those beds again, so the units are
   run alone (no general demand): their draws are the full model's, stream for stroke stream,
   and at the business case's beds the figures are the full run's to the digit (checked).

Writes monks_table.csv, hasu_sweep.csv and figures/beds_needed.png here. From the repository
root (about 5 minutes on two cores):

    python experiments/stroke_2019/beds_sweep.py [replications] [years]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import bedflow  # noqa: E402
from bedflow.config import Catchment, StrokeUnit  # noqa: E402
from bedflow.stats import mean_ci  # noqa: E402
from bedflow.theory import erlang_b  # noqa: E402

HERE = Path(__file__).parent
PAPER = {9: 0.19, 10: 0.14, 11: 0.09, 12: 0.06, 13: 0.04, 14: 0.02}  # Table 2, p(delay)


def share(df: pd.DataFrame) -> np.ndarray:
    return (df["stroke_no_bed"] / df["stroke_admissions"]).to_numpy(float)


def monks(reps: int, years: int) -> pd.DataFrame:
    rows = []
    for beds, paper in PAPER.items():
        cfg = bedflow.compose(["system=monks_stroke_2016", f"system.sites.asu.beds={beds}",
                               f"sim.replications={reps}", f"sim.horizon_days={365 * years}",
                               "sim.progress=false"])
        st = cfg.system.stroke
        load = sum(c.per_day for c in st.catchments.values()) * sum(
            t.share * t.acute.mean_days for t in st.types.values())
        m, lo, hi = mean_ci(share(bedflow.simulate(cfg, jobs=2).system))
        rows.append({"beds": beds, "paper": paper, "bedflow": m, "ci_low": lo, "ci_high": hi,
                     "erlang_b": erlang_b(beds, load), "one_in": 1 / m})
    return pd.DataFrame(rows)


def alone(cfg, beds: dict) -> bedflow.Config:
    """The 2019 units with `beds[unit]` = (hyper-acute, acute) beds, run alone: the scenario's
    units and mapping written into the system, no general demand, nothing to compare."""
    sc, y = cfg.scenario, cfg.system
    units = {u: StrokeUnit(*beds[u]) for u in sc.stroke_units}
    catch = {c: Catchment(v.per_day, sc.stroke_serves.get(c, v.unit))
             for c, v in y.stroke.catchments.items()}
    sites = {s: replace(v, emergency_per_day=0.0, elective_per_weekday=0)
             for s, v in y.sites.items()}
    stroke = replace(y.stroke, enabled=True, units=units, catchments=catch,
                     beds_within_site=False, demand_within_site=False)
    return replace(cfg, system=replace(y, sites=sites, stroke=stroke),
                   scenario=replace(sc, stroke_units={}, stroke_serves={}, stroke=True),
                   sim=replace(cfg.sim, warm_start=False))


def sweep(reps: int, years: int) -> pd.DataFrame:
    cfg = bedflow.compose(["scenario=stroke_hasu_2019", f"sim.replications={reps}",
                           f"sim.horizon_days={365 * years}", "sim.progress=false"])
    rows = []
    for h in range(8, 25, 2):
        for a in range(16, 53, 4):
            res = bedflow.simulate(alone(cfg, {u: (h, a) for u in cfg.scenario.stroke_units}),
                                   jobs=2)
            rows += _rows(res, h, a, years)
    return pd.DataFrame(rows)


def _rows(res, h: int, a: int, years: int) -> list:
    rows = []
    for site, df in res.replications.groupby("site"):
        if df["stroke_beds"].iloc[0] == 0:
            continue
        m, lo, hi = mean_ci(share(df))
        rows.append({"site": site, "hyperacute_beds": h, "acute_beds": a, "beds": h + a,
                     "admissions_a_year": df["stroke_admissions"].mean() / years,
                     "no_bed_share": m, "ci_low": lo, "ci_high": hi,
                     "occupancy": df["stroke_occupancy"].mean(),
                     "transfers_held_up_a_year": df["stroke_transfer_delayed"].mean() / years})
    return rows


def check_alone_is_the_full_model(reps: int) -> None:
    """At the business case's beds the units alone give the full model's stroke figures."""
    cfg = bedflow.compose(["scenario=stroke_hasu_2019", f"sim.replications={reps}",
                           "sim.progress=false"])
    full = bedflow.simulate(cfg, jobs=2).replications
    part = bedflow.simulate(alone(replace(cfg, sim=replace(cfg.sim, warm_start=True)),
                                  {u: (v.hyperacute, v.acute)
                                   for u, v in cfg.scenario.stroke_units.items()}),
                            jobs=2).replications
    cols = ["stroke_admissions", "stroke_no_bed", "stroke_transfer_delayed",
            "mean_stroke_occupied"]
    a = full.set_index(["site", "replication"])[cols].sort_index()
    b = part.set_index(["site", "replication"])[cols].sort_index()
    assert np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=0, atol=1e-9), (a - b)
    print(f"units alone = full model, {len(cols)} stroke columns x {len(a)} rows, to 1e-9")


def needed(sw: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per unit, the fewest beds in all (and their split) whose mean share is at most the
    target, and the fewest whose 95% interval is within it too."""
    out = []
    for site, df in sw.groupby("site"):
        row = {"site": site, "target": target}
        for what, ok in (("mean", df["no_bed_share"] <= target),
                         ("interval", df["ci_high"] <= target)):
            best = df[ok].sort_values(["beds", "no_bed_share"]).head(1)
            row |= {f"{what}_beds": best["beds"].iloc[0] if len(best) else np.nan,
                    f"{what}_split": (f"{best['hyperacute_beds'].iloc[0]} + "
                                      f"{best['acute_beds'].iloc[0]}") if len(best) else "-",
                    f"{what}_share": best["no_bed_share"].iloc[0] if len(best) else np.nan}
        out.append(row)
    return pd.DataFrame(out)


def frontier(df: pd.DataFrame) -> pd.DataFrame:
    """For each number of beds in all, the best split on the grid: the lowest share."""
    return df.sort_values("no_bed_share").groupby("beds").head(1).sort_values("beds")


def chart(sw: pd.DataFrame, business: dict) -> None:
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    for (site, df), colour in zip(sw.groupby("site"), ("#2f6f9f", "#e08a2c", "#5a9e5a")):
        f = frontier(df)
        ax.plot(f["beds"], f["no_bed_share"], "o-", color=colour, ms=3,
                label=f"{site.replace('_', ' ')} ({df['admissions_a_year'].mean():,.0f} a year)")
        ax.fill_between(f["beds"], f["ci_low"].clip(lower=1e-4), f["ci_high"], color=colour,
                        alpha=0.2)
        ax.axvline(sum(business[site]), color=colour, lw=0.8, ls="--")
    for y, label in ((0.02, "1 in 50"), (0.01, "1 in 100")):
        ax.axhline(y, color="black", lw=0.8, ls=":")
        ax.text(ax.get_xlim()[1], y, f" {label}", va="center", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 0.6)
    ax.set_xlabel("stroke beds at the unit, hyper-acute + acute, at the best split on the grid"
                  "\n(dashed: the business case's beds)")
    ax.set_ylabel("share finding no hyper-acute bed")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    ax.set_title("Stroke beds each 2019 unit needs (mean, 95% interval over replications)")
    fig.savefig(HERE / "figures" / "beds_needed.png", dpi=110)


def main(reps: int = 10, years: int = 5) -> None:
    pd.set_option("display.width", 160)
    m = monks(reps, years)
    m.to_csv(HERE / "monks_table.csv", index=False)
    print(m.round(4).to_string(index=False))
    check_alone_is_the_full_model(max(2, reps // 5))
    sw = sweep(reps, years)
    sw.to_csv(HERE / "hasu_sweep.csv", index=False)
    cfg = bedflow.compose(["scenario=stroke_hasu_2019"])
    business = {u: (v.hyperacute, v.acute) for u, v in cfg.scenario.stroke_units.items()}
    chart(sw, business)
    need = pd.concat([needed(sw, 0.02), needed(sw, 0.01)])
    need.to_csv(HERE / "beds_needed.csv", index=False)
    print(need.round(4).to_string(index=False))
    at = [_rows(bedflow.simulate(alone(cfg2, business), jobs=2), 0, 0, years)
          for cfg2 in [bedflow.compose(["scenario=stroke_hasu_2019", f"sim.replications={reps}",
                                        f"sim.horizon_days={365 * years}", "sim.progress=false"])]]
    print("at the business case's beds:")
    print(pd.DataFrame(at[0]).drop(columns=["hyperacute_beds", "acute_beds", "beds"])
          .round(4).to_string(index=False))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
