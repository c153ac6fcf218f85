"""Winter 2016-17 at Medway: what the surge did, and what ring-fencing electives would have changed.

Three runs with the same seed (so the same patients, apart from the surge's extra ones): no
surge, the winter_2016 scenario, and winter_2016 with elective-only beds at Medway and Maidstone.
Prints Medway's winter (1 December - 28 February) KPIs, each with its 95% interval over
replications, and the paired differences. From the repository root:

    python experiments/winter_2016/compare.py [replications]
"""

import sys

import bedflow
from bedflow.stats import mean_ci, paired

RING_FENCE = "scenario.ring_fenced=[{site: medway, beds: 47}, {site: maidstone, beds: 26}]"


def winter_kpis(res, site="medway"):
    d = res.daily[(res.daily["site"] == site) & (res.daily["date"] >= "2016-12-01")
                  & (res.daily["date"] <= "2017-02-28")]
    g = d.groupby("replication")
    return {  # name: (per-replication values, format)
        "occupied beds (mean, 08:00)": (g["occupied"].mean(), "{:,.1f}"),
        "occupancy of available beds": (g["occupied"].sum() / g["available_beds"].sum(), "{:.1%}"),
        "people waiting in ED at 08:00": (g["ed_waiting"].mean(), "{:,.1f}"),
        "12-hour ED waits (Dec-Feb)": (g["waits_over_12h"].sum(), "{:,.0f}"),
        "elective cancellations (Dec-Feb)": (g["elective_cancelled"].sum(), "{:,.0f}"),
        "days at OPEL 4": (g["opel_level"].apply(lambda x: (x == 4).sum()), "{:,.1f}"),
    }


def fmt(f, interval):
    m, lo, hi = interval
    return f"{f.format(m)} [{f.format(lo)}, {f.format(hi)}]"


def main(reps: int) -> None:
    common = [f"sim.replications={reps}", "sim.jobs=2", "sim.progress=false"]
    runs = {
        "no surge": common,
        "winter_2016": common + ["scenario=winter_2016"],
        "winter_2016 + ring-fenced electives": common + ["scenario=winter_2016", RING_FENCE],
    }
    kpis = {name: winter_kpis(bedflow.simulate(bedflow.compose(o))) for name, o in runs.items()}
    names = list(runs)
    print(f"Medway Maritime, 1 Dec 2016 - 28 Feb 2017; {reps} replications; mean [95% interval]\n")
    print("| KPI | " + " | ".join(names) + " | surge effect | ring-fencing effect |")
    print("|---" * (len(names) + 3) + "|")
    for k, (_, f) in kpis[names[0]].items():
        v = [kpis[n][k][0].to_numpy(float) for n in names]
        cells = [fmt(f, mean_ci(x)) for x in v] + [fmt(f, paired(v[1], v[0])),
                                                   fmt(f, paired(v[2], v[1]))]
        print(f"| {k} | " + " | ".join(cells) + " |")
    print("\nEffects are paired differences, scenario minus baseline (same seeds): "
          "winter_2016 - no surge, and ring-fenced - winter_2016.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
