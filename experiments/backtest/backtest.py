"""Backtest: calibrate on the returns up to a date, forecast the next eight weeks from that
date's state, score the forecast against what followed.

The truth is a simulation with known parameters (there is no internet here to fetch a trust's
published daily figures): kent_medway cut to two east Kent sites with their own beds, demand and
discharge delays (0.7 of kent_medway's), one replication of the 2016-17 year under its own seed.
It is written in the NHS shapes (monthly A&E, daily beds sitrep, discharge sitrep) by
`bedflow.returns.write_nhs_files`. At each forecast origin: `bedflow-calibrate` on the files up
to the day before (base kent_medway, whose delays are 1.43 times the truth's), the truth's
08:00 census that day as `sim.initial_state`, a 56-day forecast of 50 replications under other
seeds; scored on days 1-55 (day 0 is the state itself): mean absolute error of the median
occupied beds, and the share of site-days the truth falls inside the 50% and 90% fans.

Writes scores.csv, coverage.csv and figures/ here. From the repository root (~5 min, 2 cores):

    python experiments/backtest/backtest.py [replications]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

import bedflow  # noqa: E402
from bedflow import calibrate, returns  # noqa: E402
from bedflow.config import SiteState, validate  # noqa: E402
from bedflow.plots import fan  # noqa: E402

HERE = Path(__file__).parent
SITES = {"qeqm": "RVV01", "william_harvey": "RVV02"}
DROP = ["kent_canterbury", "medway", "maidstone", "tunbridge_wells", "darent_valley"]
TRUTH = {"qeqm": {"beds": 330, "emergency_per_day": 37.0, "escalation_beds": 17},
         "william_harvey": {"beds": 410, "emergency_per_day": 46.5, "escalation_beds": 21}}
DELAYS = {"P0": 0.7, "P1": 1.54, "P2": 2.065, "P3": 3.43}  # 0.7 of kent_medway's
ORIGINS = ["2016-06-06", "2016-08-01", "2016-10-03", "2016-11-07", "2016-12-05",
           "2017-01-09"]
DAYS = 56
STATE = ("occupied", "medically_optimised", "ed_waiting", "waiting_P1", "waiting_P2",
         "waiting_P3", "escalation_open", "los_7plus", "los_14plus", "los_21plus")


def truth_run() -> pd.DataFrame:
    over = [f"~system.sites.{s}" for s in DROP] + [
        "system.sites.qeqm.neighbours=[william_harvey]",
        "system.sites.william_harvey.neighbours=[qeqm]",
        "sim.replications=1", "sim.progress=false", "sim.seed=7", "sim.horizon_days=420"]
    for sid, v in TRUTH.items():
        over += [f"system.sites.{sid}.{k}={x}" for k, x in v.items()]
    over += [f"system.discharge.process_delay_days.{k}={v}" for k, v in DELAYS.items()]
    return bedflow.simulate(bedflow.compose(over), jobs=1, progress=False).daily


def state_at(daily: pd.DataFrame, day: str) -> dict:
    rows = daily[pd.to_datetime(daily["date"]) == pd.Timestamp(day)]
    return {r.site: SiteState(**{c: int(getattr(r, c)) for c in STATE})
            for r in rows.itertuples()}


def forecast(fitted: dict, origin: str, state: dict, reps: int) -> pd.DataFrame:
    cfg = calibrate.to_config(fitted, dt.date.fromisoformat(origin), DAYS, 0, reps, 20161101, 2)
    cfg = replace(cfg, sim=replace(cfg.sim, start_date=origin, warmup_days=0.0,
                                   initial_state="truth census"), initial=state)
    return bedflow.simulate(validate(cfg), jobs=2, progress=False).daily


def score(fc: pd.DataFrame, truth: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Per site and day 1-55: the truth, the forecast's median and bands, inside or not."""
    t = truth.assign(date=pd.to_datetime(truth["date"])).set_index(["date", "site"])["occupied"]
    q = fc.assign(date=pd.to_datetime(fc["date"])).groupby(["date", "site"])["occupied"] \
        .quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.columns = ["p05", "p25", "p50", "p75", "p95"]
    q = q[q.index.get_level_values("date") > pd.Timestamp(origin)]  # day 0 is the state
    q["truth"] = t.reindex(q.index).to_numpy()
    q["in50"] = (q["truth"] >= q["p25"]) & (q["truth"] <= q["p75"])
    q["in90"] = (q["truth"] >= q["p05"]) & (q["truth"] <= q["p95"])
    q["abs_error"] = (q["truth"] - q["p50"]).abs()
    return q.reset_index().assign(origin=origin)


def chart(fc: pd.DataFrame, truth: pd.DataFrame, origin: str, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    end = pd.Timestamp(origin) + pd.Timedelta(days=DAYS)
    for ax, site in zip(axes, SITES):
        d = fc[fc["site"] == site].assign(date=pd.to_datetime(fc["date"]))
        fan(ax, d.pivot_table(index="date", columns="replication", values="occupied"),
            "forecast occupied", step=True)
        tr = truth[truth["site"] == site].assign(date=pd.to_datetime(truth["date"]))
        tr = tr[(tr["date"] >= pd.Timestamp(origin) - pd.Timedelta(days=14)) & (tr["date"] < end)]
        ax.plot(tr["date"], tr["occupied"], color="black", lw=1.2, label="truth")
        ax.axvline(pd.Timestamp(origin), color="grey", ls=":", lw=1)
        ax.set_title(f"{site}: forecast from {origin}", loc="left", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
        ax.tick_params(axis="x", labelsize=7, rotation=30)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(reps: int = 50) -> None:
    (HERE / "figures").mkdir(exist_ok=True)
    truth = truth_run()
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        files = returns.write_nhs_files(truth, SITES, Path(tmp) / "nhs")
        for origin in ORIGINS:
            until = (dt.date.fromisoformat(origin) - dt.timedelta(days=1)).isoformat()
            name = f"fit_{origin.replace('-', '')}"
            calibrate.main(["--ae", str(files["ae"]), "--beds", str(files["beds"]),
                            "--discharge", str(files["discharge"]), "--base", "kent_medway",
                            "--until", until, "--name", name, "--out", tmp, "--jobs", "2"]
                           + [f"--site={s}={c}" for s, c in SITES.items()])
            fitted = yaml.safe_load((Path(tmp) / f"{name}.yaml").read_text())
            fc = forecast(fitted, origin, state_at(truth, origin), reps)
            parts.append(score(fc, truth, origin))
            chart(fc, truth, origin, HERE / "figures" / f"forecast_{origin}.png")
            s = parts[-1]
            print(f"{origin}: demand {[fitted['sites'][x]['emergency_per_day'] for x in SITES]}"
                  f" (truth {[TRUTH[x]['emergency_per_day'] for x in SITES]}), delays x"
                  f"{fitted['discharge']['process_delay_days']['P1'] / 2.2:.2f} (truth x0.70);"
                  f" MAE {s['abs_error'].mean():.1f} beds, 50% fan {s['in50'].mean():.0%}, "
                  f"90% fan {s['in90'].mean():.0%}", flush=True)
    scores = pd.concat(parts, ignore_index=True)
    scores.to_csv(HERE / "scores.csv", index=False)
    cov = scores.groupby("origin").agg(site_days=("truth", "size"), mae=("abs_error", "mean"),
                                       in50=("in50", "mean"), in90=("in90", "mean"))
    total = pd.DataFrame({"site_days": [len(scores)], "mae": [scores["abs_error"].mean()],
                          "in50": [scores["in50"].mean()], "in90": [scores["in90"].mean()]},
                         index=["all"])
    cov = pd.concat([cov, total])
    # the share inside a fan, with a 95% interval that treats each origin as one observation
    # (days within a forecast are correlated; origins eight weeks or more apart far less so)
    per = scores.groupby("origin")[["in50", "in90"]].mean()
    half = 2.571 * per.std(ddof=1) / np.sqrt(len(per))  # t(5), six origins
    cov.loc["all", "in50_ci"] = f"[{per['in50'].mean() - half['in50']:.0%}, " \
                                f"{per['in50'].mean() + half['in50']:.0%}]"
    cov.loc["all", "in90_ci"] = f"[{per['in90'].mean() - half['in90']:.0%}, " \
                                f"{per['in90'].mean() + half['in90']:.0%}]"
    cov.to_csv(HERE / "coverage.csv")
    print(cov.round(3).to_string())


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
