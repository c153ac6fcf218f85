"""The charts draw what a planner needs: checked element by element on synthetic data, not by
pixel."""

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from bedflow import plots

START = pd.Timestamp("2016-10-03")  # a Monday; 180 days run to 31 March 2017
DAYS = 180
SITES = {"a": 100, "b": 50}


def make_daily(reps=5, extra=()):
    """Census-shaped rows: per replication, day and site, with site levels we can check."""
    rng = np.random.default_rng(0)
    rows = []
    for r in range(reps):
        for i in range(DAYS):
            for s, beds in SITES.items():
                row = {"replication": r, "day": 30 + i, "date": START + pd.Timedelta(days=i),
                       "site": s, "occupied": int(0.9 * beds + rng.integers(-3, 4)),
                       "medically_optimised": int(0.3 * beds),
                       "ed_waiting": int(rng.integers(0, 5)),
                       "available_beds": beds}
                if "waits_over_12h" in extra:
                    row["waits_over_12h"] = int(rng.integers(0, 3))
                if "elective_cancelled" in extra:
                    row["elective_cancelled"] = r + 1  # one a day per site, times (r+1)
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def daily():
    return make_daily()


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def hline_y(ax, gid):
    (line,) = by_gid(ax, gid)
    y = line.get_ydata()
    assert y[0] == y[-1]
    return y[0]


def assert_fan(ax):
    assert len(by_gid(ax, "median")) == 1
    for g in ("band50", "band90"):
        (band,) = by_gid(ax, g)
        assert isinstance(band, PolyCollection)
    # the bands nest: the 90% band is at least as wide as the 50% band
    v50 = by_gid(ax, "band50")[0].get_paths()[0].vertices
    v90 = by_gid(ax, "band90")[0].get_paths()[0].vertices
    assert np.ptp(v90[:, 1]) >= np.ptp(v50[:, 1])


def assert_winter(ax):
    spans = by_gid(ax, "shaded")
    assert len(spans) == 1
    x0, x1 = sorted({round(x, 6) for x in spans[0].get_path().transformed(
        spans[0].get_patch_transform()).vertices[:, 0]})
    assert mdates.num2date(x0).date().isoformat() == "2016-12-01"
    assert mdates.num2date(x1).date().isoformat() == "2017-03-01"  # to the end of February


def test_winter_periods():
    (w,) = plots.winter_periods("2016-04-01", "2017-03-31")
    assert (w[0], w[1]) == (pd.Timestamp("2016-12-01"), pd.Timestamp("2017-03-01"))
    # clipped to the window at both ends; a window over two winters gets both
    ws = plots.winter_periods("2017-01-15", "2017-12-20")
    assert [(a.date().isoformat(), b.date().isoformat()) for a, b, _ in ws] == \
        [("2017-01-15", "2017-03-01"), ("2017-12-01", "2017-12-21")]
    assert plots.winter_periods("2016-04-01", "2016-10-31") == []
    # leap year: the end of February is the 29th
    assert plots.winter_periods("2019-06-01", "2020-06-01")[0][1] == pd.Timestamp("2020-03-01")


def test_each_kind_of_period_gets_its_own_shade():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plots.shade(ax, plots.winter_periods("2016-04-01", "2018-03-31")
                + [("2017-01-09", "2017-01-30", "scenario ward_closures")])
    spans = by_gid(ax, "shaded")
    assert len(spans) == 3
    colours = [tuple(s.get_facecolor()) for s in spans]
    assert colours[0] == colours[1] != colours[2]  # both winters alike, the scenario apart
    assert [t for t in ax.get_legend_handles_labels()[1]] == [
        "winter (1 Dec to end Feb)", "scenario ward_closures"]
    plt.close(fig)


def test_fan_quantiles_over_replications():
    wide = pd.DataFrame([[1, 2, 3, 4, 5]], index=[START])
    q = plots.fan_quantiles(wide).iloc[0]
    assert q["p50"] == 3 and q["p25"] == 2 and q["p75"] == 4
    assert q["p05"] == pytest.approx(1.2) and q["p95"] == pytest.approx(4.8)


def test_occupancy_chart_draws_fan_bed_base_lines_and_winter(daily):
    fig = plots.occupancy_chart(daily, SITES, plots.winter_periods(START, daily["date"].max()))
    ax = fig.axes[0]
    assert_fan(ax)
    assert hline_y(ax, "bed_base") == 150
    assert hline_y(ax, "pct92") == pytest.approx(0.92 * 150)
    assert hline_y(ax, "pct85") == pytest.approx(0.85 * 150)
    assert_winter(ax)
    # the median is of the system total: the sites summed per replication and day
    med = by_gid(ax, "median")[0].get_ydata()
    assert len(med) == DAYS and 0.9 * 150 - 8 <= np.median(med) <= 0.9 * 150 + 8
    assert mdates.num2date(ax.get_xlim()[0]).year == 2016  # a date axis
    assert "occupied beds" in ax.get_ylabel() and "2016" in ax.get_title(loc="left")
    plots.png(fig)


def test_site_panels_one_per_site_with_its_own_bed_base(daily):
    fig = plots.site_panels(daily, "occupied", "occupied beds", "beds", (), SITES)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2
    for ax, beds in zip(axes, SITES.values()):
        assert_fan(ax)
        assert hline_y(ax, "bed_base") == beds
        assert hline_y(ax, "pct92") == pytest.approx(0.92 * beds)
        assert hline_y(ax, "pct85") == pytest.approx(0.85 * beds)
        assert not by_gid(ax, "shaded")  # no periods given, none drawn
    plots.png(fig)


def test_mo_chart_reference_line_only_when_positive(daily):
    ax = plots.mo_chart(daily, reference=1000).axes[0]
    assert_fan(ax)
    assert hline_y(ax, "mo_reference") == 1000
    assert not by_gid(plots.mo_chart(daily, reference=0).axes[0], "mo_reference")


def test_ed_chart_adds_12_hour_waits_when_recorded(daily):
    fig = plots.ed_chart(daily)
    assert len(fig.axes) == 1
    assert_fan(fig.axes[0])
    fig = plots.ed_chart(make_daily(reps=3, extra=("waits_over_12h",)),
                         plots.winter_periods(START, START + pd.Timedelta(days=DAYS - 1)))
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert_fan(ax)
        assert_winter(ax)
        assert len(by_gid(ax, "mean")) == 1  # skewed counts: the mean beside the median
    assert "12" in fig.axes[1].get_ylabel()


def test_weekly_sums_whole_weeks_only():
    d = make_daily(reps=3, extra=("elective_cancelled",))
    wk = plots.weekly(d, "elective_cancelled")
    # 180 days from a Monday: 25 whole weeks and 5 days left over, which are dropped
    assert len(wk) == 25 and (wk.index.day_of_week == 0).all()
    # replication r cancels (r+1) a day at each of 2 sites: 14 (r+1) a week
    assert list(wk.iloc[0]) == [14, 28, 42]


def test_cancellations_chart_mean_and_band():
    d = make_daily(reps=3, extra=("elective_cancelled",))
    ax = plots.cancellations_chart(d).axes[0]
    (mean,) = by_gid(ax, "mean")
    assert np.allclose(mean.get_ydata(), 28)
    (band,) = by_gid(ax, "band90")
    assert isinstance(band, PolyCollection)
    assert "week" in ax.get_ylabel()
    # a patient cancelled, rebooked and cancelled again counts twice: the chart says so
    assert "cancelled twice counts twice" in ax.get_title(loc="left")


def test_beds_released_chart_bars_and_intervals():
    from matplotlib.container import BarContainer

    comp = pd.DataFrame({
        "kpi": ["beds_released"] * 3 + ["occupancy"],
        "site": ["system", "a", "b", "system"],
        "baseline_mean": [135, 90, 45, 0.9], "scenario_mean": [120, 80, 40, 0.8],
        "difference_mean": [15, 10, 5, -0.1],
        "difference_ci_low": [12, 8, -1, -0.12], "difference_ci_high": [18, 12, 11, -0.08],
    })
    names = {"a": "Medway Maritime Hospital, Gillingham (Medway)", "b": "Maidstone Hospital"}
    ax = plots.beds_released_chart(comp, "Acute beds released: x", names).axes[0]
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_width() for b in bars] == [15, 10, 5]  # only beds_released, in table order
    segs = bars.errorbar.lines[2][0].get_segments()  # one 95% interval per bar
    assert [(s[0][0], s[1][0]) for s in segs] == [(12, 18), (8, 12), (-1, 11)]
    # hospitals by name from the config (id in brackets), not bare site ids
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "all sites", "Medway Maritime Hospital, Gillingham (a)", "Maidstone Hospital (b)"]
    assert ax.yaxis_inverted()  # the system on top
    assert "released" in ax.get_xlabel() and ax.get_title() == "Acute beds released: x"
    assert "baseline minus scenario" in ax.get_xlabel()  # the sign, said where it is read
