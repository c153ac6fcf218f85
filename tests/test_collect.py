"""bedflow-collect on sweep folders built here from tiny runs (no sweep launched): damaged
points, truncated markers, per-site charts, intervals from 0, paired changes that refuse to pair
different replications, and heat-map colours that respect each cell's interval."""

import json

import numpy as np
import pandas as pd
import pytest

import bedflow
from bedflow import collect as col

KEY = "system.sites.ward.beds"


@pytest.fixture(scope="module")
def runs():
    """beds -> Results of a 10-day single-ward run, 3 replications."""
    base = ["system=single_ward", "sim.replications=3", "sim.horizon_days=10",
            "sim.warmup_days=2", "sim.progress=false"]
    return {b: bedflow.simulate(bedflow.compose(base + [f"{KEY}={b}"])) for b in (16, 20, 24)}


def make_sweep(folder, runs, drop_replication=None):
    """A sweep folder as the sweeper writes it: sweep.json, and per point its tables and
    complete.json; `drop_replication` = (beds, r) leaves replication r out of that point."""
    points = []
    for beds, res in runs.items():
        sub = f"{KEY}={beds}"
        d = folder / sub
        d.mkdir(parents=True)
        reps = res.replications
        if drop_replication and drop_replication[0] == beds:
            reps = reps[reps["replication"] != drop_replication[1]]
        res.summary.to_csv(d / "summary.csv", index=False)
        reps.to_parquet(d / "replications.parquet", index=False)
        (d / "complete.json").write_text(json.dumps({"overrides": [sub]}))
        points.append({"subdir": sub, "overrides": [sub]})
    (folder / "sweep.json").write_text(json.dumps({"points": points, "swept": [KEY]}))
    return folder


def test_a_point_without_summary_is_skipped_with_a_warning_and_the_rest_used(runs, tmp_path,
                                                                               capsys):
    sw = make_sweep(tmp_path / "sw", runs)
    (sw / f"{KEY}=20" / "summary.csv").unlink()
    assert col.main([str(sw), "--no-plot"]) == col.EXIT_INCOMPLETE
    out, err = capsys.readouterr()
    assert f"{KEY}=20" in err and "summary.csv" in err and "skipped" in err
    assert "2 of 3 points used" in out
    t = pd.read_parquet(sw / "sweep.parquet")
    assert sorted(t.loc[t["site"] == "system", KEY]) == [16, 24]


@pytest.mark.parametrize("damaged", ["sweep.json", f"{KEY}=16/complete.json"])
def test_a_truncated_marker_is_one_line_naming_it_exit_2(runs, tmp_path, capsys, damaged):
    sw = make_sweep(tmp_path / "sw", runs)
    f = sw / damaged
    f.write_text(f.read_text()[:25])  # cut off mid-write
    assert col.main([str(sw), "--no-plot"]) == col.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("bedflow-collect: error:") and str(f) in err
    assert not (sw / "sweep.parquet").exists()


def test_a_site_chart_does_not_overwrite_the_system_chart(runs, tmp_path, capsys):
    sw = make_sweep(tmp_path / "sw", runs)
    assert col.main([str(sw), "--kpi", "mean_occupied"]) == 0
    system = (sw / "sweep_mean_occupied.png").read_bytes()
    assert col.main([str(sw), "--kpi", "mean_occupied", "--site", "ward"]) == 0
    assert (sw / "sweep_mean_occupied.png").read_bytes() == system
    assert (sw / "sweep_mean_occupied_ward.png").stat().st_size > 10_000
    assert "sweep_mean_occupied_ward.png" in capsys.readouterr().out


def test_intervals_of_counts_print_from_zero_and_changes_keep_their_sign(runs, tmp_path, capsys):
    sw = make_sweep(tmp_path / "sw", runs)
    s = pd.read_csv(sw / f"{KEY}=16" / "summary.csv")
    row = (s["site"] == "system") & (s["kpi"] == "waits_over_12h")
    # 0, 0 and 100 waits in three replications: mean 33.3, t(2) half-width 4.303 x 57.7 / sqrt 3
    s.loc[row, ["mean", "ci_low", "ci_high"]] = [100 / 3, 100 / 3 - 143.4, 100 / 3 + 143.4]
    s.to_csv(sw / f"{KEY}=16" / "summary.csv", index=False)
    assert col.main([str(sw), "--kpi", "waits_over_12h", "--no-plot"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("16"))
    assert "33 [0, 177]" in line, line  # not [-110, 177]
    # a change can be negative: its interval is not clipped
    assert col.main([str(sw), "--kpi", "mean_occupied_change", "--baseline", f"{KEY}=24",
                     "--no-plot"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("16"))
    t = pd.read_parquet(sw / "sweep.parquet").set_index(["site", KEY])
    lo = t.loc[("system", 16), "mean_occupied_change_ci_low"]
    assert lo < 0 and col.fmt_value(lo) in line


def test_a_baseline_with_other_replications_is_not_paired_silently(runs, tmp_path, capsys):
    sw = make_sweep(tmp_path / "sw", runs, drop_replication=(20, 2))
    col.main([str(sw), "--kpi", "mean_occupied_change", "--baseline", f"{KEY}=24", "--no-plot"])
    err = capsys.readouterr().err
    assert f"{KEY}=20" in err and "only the baseline has 2" in err
    t = pd.read_parquet(sw / "sweep.parquet").set_index(["site", KEY])
    assert np.isnan(t.loc[("system", 20), "mean_occupied_change"])
    assert np.isfinite(t.loc[("system", 16), "mean_occupied_change"])
    # where replications match, the change is the paired t-interval over the replications
    a = runs[16].system.set_index("replication")["mean_occupied"]
    b = runs[24].system.set_index("replication")["mean_occupied"]
    d = (a - b).to_numpy()
    half = 4.303 * d.std(ddof=1) / np.sqrt(3)  # t(2) from the table
    got = t.loc[("system", 16), ["mean_occupied_change", "mean_occupied_change_ci_low",
                                 "mean_occupied_change_ci_high"]].to_numpy(float)
    assert got == pytest.approx([d.mean(), d.mean() - half, d.mean() + half], rel=1e-9)


def grid(values, low, high, kpi="mean_occupied"):
    """A Collected of a 2 x 2 sweep whose system cells hold the given means and intervals."""
    rows = [{"a": a, "b": b, "site": "system", "point": f"{a},{b}", kpi: m,
             f"{kpi}_ci_low": lo, f"{kpi}_ci_high": hi}
            for (a, b), m, lo, hi in zip([(1, 1), (1, 2), (2, 1), (2, 2)], values, low, high)]
    return col.Collected(folder=None, swept=["a", "b"], table=pd.DataFrame(rows))


def test_heat_map_colours_do_not_split_cells_inside_each_others_intervals():
    # four means 10.0-10.6, each +-2: indistinguishable. Colour by the data range alone would put
    # 10.0 and 10.6 at opposite ends; the scale spans the intervals, so they differ by < 0.6 / 4.6
    v = [10.0, 10.2, 10.4, 10.6]
    fig = col.figure(grid(v, [x - 2 for x in v], [x + 2 for x in v]), "mean_occupied", "system")
    im = fig.axes[0].images[0]
    lo, hi = im.norm.vmin, im.norm.vmax
    assert lo <= 8.0 and hi >= 12.6
    assert (im.norm(10.6) - im.norm(10.0)) < 0.6 / 4.6 + 1e-9


def test_heat_map_of_a_change_is_centred_on_zero_and_hatches_no_clear_effect():
    v, lo, hi = [0.1, -0.1, 3.0, -3.0], [-1.0, -1.2, 2.0, -4.0], [1.2, 1.0, 4.0, -2.0]
    fig = col.figure(grid(v, lo, hi, "mean_occupied_change"), "mean_occupied_change", "system")
    im = fig.axes[0].images[0]
    assert im.norm(0.0) == pytest.approx(0.5)  # white at zero: +0.1 and -0.1 both near it
    assert abs(im.norm(0.1) - im.norm(-0.1)) < 0.05
    assert im.get_cmap().name.startswith("RdBu")
    hatched = [p for p in fig.axes[0].patches if p.get_gid() == "interval_includes_0"]
    assert len(hatched) == 2  # the two cells whose interval includes 0
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("[-1, 1.2]" in t for t in texts)  # the interval is in the cell


def _point(folder, p95, mean_wait):
    """A point folder holding only its replications: one ward, three replications."""
    folder.mkdir()
    n = len(p95)
    pd.DataFrame({"site": "ward", "replication": range(n), "admissions": 100, "discharges": 100,
                  "mean_occupied": 10.0, "mean_available_beds": 20.0,
                  "mean_medically_optimised": 1.0, "mean_delay_days": 1.0,
                  "opel1_days": 1, "opel2_days": 0, "opel3_days": 0, "opel4_days": 0,
                  "mean_wait_hours": mean_wait, "p95_wait_hours": p95}
                 ).to_parquet(folder / "replications.parquet", index=False)
    return folder


def test_a_change_in_a_percentile_beyond_the_range_in_one_replication_is_unknown(tmp_path):
    """Replication 1 of the point waited beyond the recorded range (p95 NaN, mean finite): the
    mean of the other two differences would be below the truth, so the change is NaN and says
    why; where the NaN is an empty histogram (no waits, mean NaN too), nothing is noted."""
    base = _point(tmp_path / "base", [10.0, 12.0, 14.0], [2.0, 2.0, 2.0])
    point = _point(tmp_path / "point", [9.0, np.nan, 11.0], [2.0, 3.0, 2.0])
    ward = col._changes(point, base).set_index("site").loc["ward"]
    assert np.isnan(ward[["p95_wait_hours_change", "p95_wait_hours_change_ci_low",
                          "p95_wait_hours_change_ci_high"]].astype(float)).all()
    assert ward["p95_wait_hours_change_note"] == "beyond the recorded range in 1 of 3 replications"
    # the baseline's replications count too, each replication once
    ward = col._changes(base, point).set_index("site").loc["ward"]
    assert ward["p95_wait_hours_change_note"] == "beyond the recorded range in 1 of 3 replications"
    empty = _point(tmp_path / "empty", [9.0, np.nan, 11.0], [2.0, np.nan, 2.0])
    ward = col._changes(empty, base).set_index("site").loc["ward"]
    assert ward["p95_wait_hours_change_note"] == ""
    assert ward["p95_wait_hours_change"] == pytest.approx(-2.0)  # (-1 - 3) / 2, no NaN hidden
