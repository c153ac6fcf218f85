"""Starting from an observed state (`sim.initial_state`): day 0 is the state, the stays still
to run are drawn so the state empties as theory says, a scenario changes only what follows, and
a bad census is one line."""

import math

import numpy as np
import pytest

import bedflow
from bedflow.forecast import date_ranges, likely_opel4
from tests.conftest import assert_rejected, run

KM = {"qeqm": (350, 130, 10, 2, 1, 1, 18), "william_harvey": (370, 140, 5, 0, 0, 0, 0),
      "kent_canterbury": (270, 100, 3, 0, 0, 0, 0), "medway": (530, 190, 12, 3, 1, 0, 27),
      "maidstone": (295, 110, 2, 0, 0, 0, 0), "tunbridge_wells": (395, 140, 4, 0, 0, 0, 0),
      "darent_valley": (420, 150, 6, 0, 0, 0, 0)}
COLS = ("occupied", "medically_optimised", "ed_waiting", "waiting_P1", "waiting_P2",
        "waiting_P3", "escalation_open")


def census(path, rows, date="2016-12-05"):
    lines = ["date,site," + ",".join(COLS)]
    lines += [f"{date},{site}," + ",".join(str(x) for x in v) for site, v in rows.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def forecast(path, *more, days=28, reps=3):
    return run([f"sim.initial_state={path}", "sim.start_date=2016-12-05", "sim.warmup_days=0",
                f"sim.horizon_days={days}", f"sim.replications={reps}", *more], jobs=2)


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    return census(tmp_path_factory.mktemp("state") / "census.csv", KM)


def test_day_0_is_the_observed_state(state):
    res = forecast(state)
    d0 = res.daily[res.daily["day"] == 0]
    assert len(d0) == len(KM) * 3 and (d0["date"] == "2016-12-05").all()
    for site, values in KM.items():
        rows = d0[d0["site"] == site]
        for col, v in zip(COLS, values):
            assert (rows[col] == v).all(), (site, col, rows[col].tolist(), v)
    # the census after day 0 moves on (the state is not frozen)
    later = res.daily[res.daily["day"] == 7]
    assert not (later.set_index(["replication", "site"])["occupied"] ==
                d0.set_index(["replication", "site"])["occupied"]).all()


@pytest.mark.parametrize("system, rows, more", [
    # MO patients with no discharge process, people in ED with beds free and no admission process
    ("single_ward", {"ward": (12, 10, 5, 0, 0, 0, 0)}, ["time_of_day=none"]),
    ("single_ward", {"ward": (20, 3, 4, 0, 0, 0, 0)}, ["system.when_full=divert"]),
    # a long backlog for places (spot purchase would buy them), the declaration at the census
    # hour (electives at 09:00), escalation closed at a full site, diversion between sites
    ("kent_medway", {**KM, "qeqm": (350, 130, 10, 40, 15, 20, 0), "medway": (560, 190, 12, 3, 1,
                                                                             0, 0)},
     ["system.electives.admit_hour=9", "time_of_day=none", "system.when_full=divert"]),
])
def test_day_0_is_the_state_whatever_the_model_does_next(system, rows, more, tmp_path):
    path = census(tmp_path / "c.csv", rows)
    res = forecast(path, f"system={system}", *more, days=5, reps=2)
    d0 = res.daily[res.daily["day"] == 0]
    for site, values in rows.items():
        got = d0[d0["site"] == site]
        for col, v in zip(COLS, values):
            assert (got[col] == v).all(), (site, col, got[col].tolist(), v)
    assert (d0[["admissions", "discharges_P0", "waits_over_4h"]] == 0).all().all()


def test_a_scenario_on_top_changes_only_what_follows(state):
    base = forecast(state, days=42)
    flu = forecast(state, "scenario=flu_peak", days=42)
    key = ["replication", "day", "site"]
    b = base.daily.set_index(key).sort_index()
    f = flu.daily.set_index(key).sort_index()
    day0 = b.index.get_level_values("day") == 0
    assert b[day0][list(COLS)].equals(f[day0][list(COLS)])
    # flu_peak begins 19 December (day 14): the extra frail patients fill beds after it
    late = b.index.get_level_values("day") >= 28
    assert f[late]["occupied"].sum() > b[late]["occupied"].sum()
    early = b.index.get_level_values("day") <= 13
    assert b[early]["occupied"].equals(f[early]["occupied"])  # nothing before the surge


def test_the_state_empties_as_theory_says(tmp_path):
    """single_ward with beds to spare (M/M/infinity): from n0 patients, exponential stays
    (memoryless: what is left of a stay has the same mean), E N(t) = n0 e^(-t/m) +
    lambda m (1 - e^(-t/m)). The mean census over replications each day, within 4 standard
    errors."""
    path = census(tmp_path / "ward.csv", {"ward": (60, 0, 0, 0, 0, 0, 0)}, date="2016-03-02")
    res = run(["system=single_ward", "system.sites.ward.beds=200", f"sim.initial_state={path}",
               "sim.start_date=2016-03-02", "sim.warmup_days=0", "sim.horizon_days=20",
               "sim.replications=40"], jobs=2)
    lam, m, n0 = 3.6, 5.0, 60
    g = res.daily.groupby("day")["occupied"]
    mean, se = g.mean(), g.std(ddof=1) / math.sqrt(40)
    for day in mean.index:
        expect = n0 * math.exp(-day / m) + lam * m * (1 - math.exp(-day / m))
        assert abs(mean[day] - expect) <= 4 * max(se[day], 0.5), (day, mean[day], expect)
    assert mean[0] == n0 and mean.iloc[-1] < 30  # the state drains towards lambda m = 18


def test_likely_opel4_counts_days_over_the_cuts():
    import pandas as pd
    days = pd.to_datetime(["2017-01-04", "2017-01-05", "2017-01-06", "2017-01-07", "2017-01-09"])
    rows = []
    for r in range(10):
        for i, d in enumerate(days):
            # OPEL 4 in 10 (day 0, the state: not counted), 10, 6, 5 and 10 of 10 replications
            at4 = r < (10, 10, 6, 5, 10)[i]
            rows.append({"replication": r, "date": d, "site": "a", "opel_level": 4 if at4 else 2})
    t = likely_opel4(pd.DataFrame(rows)).iloc[0]
    assert t["likely_days"] == 3 and t["likely_dates"] == "5-6 Jan, 9 Jan"
    assert t["very_likely_days"] == 2 and t["very_likely_first"] == "2017-01-05"
    assert date_ranges(pd.to_datetime(["2017-01-31", "2017-02-01"])) == "31 Jan-1 Feb"


def _bad(tmp_path, text):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    return p


HEAD = "site," + ",".join(COLS)
ROWS = "\n".join(f"{s}," + ",".join(str(x) for x in v) for s, v in KM.items())


@pytest.mark.parametrize("text, more, key", [
    (HEAD.replace(",occupied", "") + "\n", [], "bad.csv, row 1: no column 'occupied'"),
    (HEAD + "\n" + ROWS.replace("medway,", "medwya,"), [], "bad.csv, row 5, column 'site'"),
    (HEAD + "\n" + ROWS.replace("530,", "many,"), [], "bad.csv, row 5, column 'occupied'"),
    (HEAD + "\n" + ROWS.replace("530,", "900,"), [], "bad.csv, row 5, column 'occupied'"),
    (HEAD + "\n" + ROWS.replace("530,190", "530,600"), [],
     "bad.csv, row 5, column 'medically_optimised'"),
    (HEAD + "\n" + ROWS.replace(",0,27", ",0,5"), [], "bad.csv, row 5, column 'escalation_open'"),
    (HEAD + "\n" + "\n".join(ROWS.splitlines()[:-1]), [], "no row for site 'darent_valley'"),
    ("date," + HEAD + "\n" + "\n".join("2016-12-04," + r for r in ROWS.splitlines()), [],
     "sim.start_date"),
    (HEAD + "\n" + ROWS, ["sim.warmup_days=90"], "sim.warmup_days"),
])
def test_a_bad_census_is_one_line(text, more, key, tmp_path, monkeypatch, capsys):
    p = _bad(tmp_path, text)
    args = [f"sim.initial_state={p}", "sim.start_date=2016-12-05", "sim.warmup_days=0",
            "sim.horizon_days=7", *more]
    assert_rejected(args, key, tmp_path, monkeypatch, capsys)


def test_no_such_census_file(tmp_path, monkeypatch, capsys):
    assert_rejected(["sim.initial_state=nowhere.csv", "sim.warmup_days=0"], "nowhere.csv",
                    tmp_path, monkeypatch, capsys)


def test_a_census_the_model_took_is_day_0_long_stays_included(tmp_path):
    """A census of a kent_medway run (its 08:00 state on a day, long stays included) starts a
    forecast whose day 0 is that census in every column the census holds: the patients placed
    are drawn to match the beds held by stays of 7, 14 and 21 days or more."""
    run0 = run(["sim.replications=1", "sim.warmup_days=60", "sim.horizon_days=20"])
    day = run0.daily[run0.daily["day"] == run0.daily["day"].max()]
    date = str(day["date"].iloc[0])[:10]
    cols = COLS + ("los_7plus", "los_14plus", "los_21plus")
    path = tmp_path / "c.csv"
    day.assign(date=date)[["date", "site", *cols]].to_csv(path, index=False)
    res = run([f"sim.initial_state={path}", f"sim.start_date={date}", "sim.warmup_days=0",
               "sim.horizon_days=3", "sim.replications=2"], jobs=2)
    d0 = res.daily[res.daily["day"] == 0].set_index(["replication", "site"])
    want = day.set_index("site")[list(cols)]
    for r in (0, 1):
        got = d0.loc[r][list(cols)].loc[want.index]
        assert (got.to_numpy() == want.to_numpy()).all(), (got - want)


def test_community_caseloads_start_at_their_steady_load(state):
    """With a virtual ward on top of a forecast, its places start at the load they carry in
    steady state (Erlang B on the offered referrals): its occupancy over the first week is a
    steady run's over the same week, not the ~0.4 of places starting empty and filling."""
    fc = forecast(state, "intervention=[virtual_ward]", days=7, reps=3)
    steady = run(["intervention=[virtual_ward]", "sim.start_date=2016-09-06",
                  "sim.horizon_days=7", "sim.replications=3"], jobs=2)
    a = fc.system["virtual_ward_occupancy"].mean()
    b = steady.system["virtual_ward_occupancy"].mean()
    assert abs(a - b) < 0.06, (a, b)
    # and the forecast's comparison is paired from the same state
    assert fc.baseline.config.initial == fc.config.initial
