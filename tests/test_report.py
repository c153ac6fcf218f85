"""report.html: one self-contained page with the figures, the sites, the charts, the settings
and the provenance; checked as text here and in a real headless Chromium below."""

import base64
import dataclasses
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bedflow
from bedflow import plots
from bedflow.mser import WarmupCheck, warmup_check
from bedflow.report import Chart, default_periods, render, write_report
from bedflow.writers import provenance

# Kent & Medway through one winter, small: 2 replications of 125 days, all 7 sites, with a flu
# scenario (a dated window to shade) and an intervention, so the run carries its paired
# comparison against the baseline
WINTER = ["sim.replications=2", "sim.jobs=2", "sim.progress=false", "sim.start_date=2016-11-01",
          "sim.warmup_days=5", "sim.horizon_days=120", "scenario=flu_peak",
          "intervention=[discharge_to_assess]"]
COUNTS = ["waits_over_12h", "elective_cancelled"]  # daily counts the census gained later


@pytest.fixture(scope="module")
def run():
    return bedflow.simulate(bedflow.compose(WINTER))


def older(res):
    """The run as the model recorded it before interventions and the daily counts."""
    out = dataclasses.replace(res, daily=res.daily.drop(columns=COUNTS))
    for name in ("comparison", "baseline"):
        if hasattr(out, name):
            object.__setattr__(out, name, None)
    return out


@pytest.fixture(scope="module")
def plain(run, tmp_path_factory):
    """(folder, write_report's answer) for a run without the daily counts or a comparison."""
    folder = tmp_path_factory.mktemp("plain")
    res = older(run)
    return folder, write_report(res, folder, prov(res))


@pytest.fixture(scope="module")
def rich(run, tmp_path_factory):
    """(folder, results) for the run as it is: daily counts and a comparison."""
    folder = tmp_path_factory.mktemp("rich")
    write_report(run, folder, prov(run))
    return folder, run


def prov(res):
    return provenance(res, WINTER, 1.0)


def test_report_is_one_self_contained_page(plain):
    tmp_path, out = plain
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert out.paths[-1] == tmp_path / "report.html"
    # nothing is fetched: no scripts, stylesheets, fonts or links to other files
    assert not re.search(r"<script|<link|@import|url\(|https?://", page, re.I)
    srcs = re.findall(r"""src=['"]([^'"]*)""", page)
    assert len(srcs) == 5  # occupancy and MO, each for the system and by site; ED
    for src, name in zip(srcs, ["occupancy", "occupancy_by_site", "medically_optimised",
                                "medically_optimised_by_site", "ed_waits"]):
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png == (tmp_path / f"{name}.png").read_bytes() and png[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*.tmp"))
    assert len(page.encode()) < 2_000_000  # fits in an e-mail
    # without the daily columns: say so, no weekly chart
    assert "not recorded per day" in page and "Weekly elective cancellations need" in page
    assert not (tmp_path / "elective_cancellations.png").exists()
    assert "Interventions against the baseline" not in page


def test_report_contents(run, plain):
    tmp_path, _ = plain
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    s = run.summary
    first = s[s["site"] == "system"].iloc[0]
    # the headline table starts with the system, and its figures are the summary's
    head = page.split("<h2>Headline figures</h2>")[1].split("<h2>")[0]
    assert f"<td>{first['label']}</td><td>{first['mean']:,.1f}</td>" in head
    lo, hi = run.kpi("mean_medically_optimised")[1:]
    assert f"{lo:,.1f} to {hi:,.1f}" in head
    for sid, site in run.config.system.sites.items():
        assert f"({sid})" in page.split("<h2>By site</h2>")[1]
    # settings, the composed config and the provenance
    assert "kent_medway" in page and "sim.start_date=2016-11-01" in page
    assert "warmup_days: 5" in page and "<details>" in page
    assert "discharge_to_assess" in page  # the composed config names the intervention
    assert "scenario flu_peak" in page and "Seven weeks of flu" in page
    assert (bedflow.writers.git_commit() or "unknown")[:12] in page
    assert "planning reference of 1,000" in page


def test_shading_is_winter_and_the_scenario_window(run):
    (winter, flu) = default_periods(run)
    assert (winter[0], winter[1]) == (pd.Timestamp("2016-12-01"), pd.Timestamp("2017-03-01"))
    # the scenario's highlight, both days included
    assert (flu[0], flu[1]) == (pd.Timestamp("2016-12-19"), pd.Timestamp("2017-02-06"))
    assert "flu_peak" in flu[2]


def test_warm_up_note(run):
    short = render(run, prov(run), [], WarmupCheck(30.0, 25, False))
    top = short.split("<h2>Headline")[0]  # above the first section: read first
    assert "class=note" in top and "about 55 days" in top and "sim.warmup_days=55" in top
    fine = render(run, prov(run), [], WarmupCheck(30.0, 0, False))
    assert "class=note" not in fine and "looks long enough" in fine


def test_write_report_returns_the_warm_up_warning(run, plain):
    assert plain[1].warning == warmup_check(run).message()


def test_report_with_daily_counts_and_a_comparison(rich):
    tmp_path, res = rich
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "elective_cancellations.png").is_file()
    assert (tmp_path / "beds_released.png").is_file()  # the report owns every chart
    assert "interventions discharge_to_assess, against the baseline" in page
    comp = page.split("Interventions against the baseline</h2>")[1].split("<h2>")[0]
    comp = comp.split("<h3>")[0]  # the comparison, not what the services did
    # the system's rows, then every site's (folded): header rows and one row per comparison row
    assert comp.count("<tr>") == 2 + len(res.comparison) and "<details>" in comp
    system = res.comparison[(res.comparison["site"] == "system")
                            & (res.comparison["kpi"] == "beds_released")].iloc[0]
    assert f"<td>{system['label']}</td><td>all sites</td>" in comp
    assert f"{system['difference_mean']:,.1f}" in comp
    assert "£" in comp  # costs in pounds, as the printed comparison shows them
    assert "Below: 12-hour waits per day" in page
    assert "Weekly elective cancellations need" not in page
    caption = page.split("<figure id=elective_cancellations>")[1].split("</figcaption>")[0]
    assert "a patient cancelled several times counts each time" in caption


def test_synthetic_comparison_table_and_chart(run):
    # the shape the brief fixed: kpi, site, baseline/scenario means, difference and interval
    comp = pd.DataFrame({
        "kpi": ["mean_medically_optimised", "beds_released", "beds_released"],
        "site": ["system", "medway", "system"],
        "baseline_mean": [1000.0, 600.0, 3100.0], "scenario_mean": [900.0, 590.0, 3060.0],
        "difference_mean": [-100.0, 10.0, 40.0], "difference_ci_low": [-120.0, -2.0, 30.0],
        "difference_ci_high": [-80.0, 22.0, 50.0],
    })
    res = dataclasses.replace(older(run))
    object.__setattr__(res, "comparison", comp)
    png = plots.png(plots.beds_released_chart(comp, "Acute beds released"))
    cs = [Chart("beds_released", "Acute beds released", "", png)]
    page = render(res, prov(res), cs, WarmupCheck(5.0, 0, False))
    table = page.split("Interventions against the baseline</h2>")[1].split("<h2>")[0]
    table = table.split("<h3>")[0]  # the comparison, not what the services did
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", table) if "<td>" in r]
    # the system (beds released first), then the sites; labels from HEADLINE without a label
    assert [re.findall(r"<td>(.*?)</td>", r)[:2] for r in rows] == [
        ["beds released", "all sites"], ["medically optimised patients (mean)", "all sites"],
        ["beds released", "Medway Maritime Hospital, Gillingham (medway)"]]  # by name
    assert "30.0 to 50.0" in rows[0] and "-2.0 to 22.0" in rows[2]
    assert page.count("data:image/png;base64,") == 1


def test_charts_follow_the_columns(rich):
    folder, _ = rich
    page = (folder / "report.html").read_text(encoding="utf-8")
    names = re.findall(r"<figure id=(\w+)>", page)
    assert names == ["beds_released", "occupancy", "occupancy_by_site", "medically_optimised",
                     "medically_optimised_by_site", "ed_waits", "elective_cancellations"]


def test_one_sign_convention_and_bed_days_valued_not_saved(rich):
    folder, res = rich
    page = (folder / "report.html").read_text(encoding="utf-8")
    comp = page.split("Interventions against the baseline</h2>")[1].split("<h2>")[0]
    # the convention is stated once, in the table's header, and every row follows it
    assert "difference = scenario - baseline" in comp.split("</thead>")[0]
    c = res.comparison.set_index(["site", "kpi"])
    for kpi, r in c.loc["system"].iterrows():
        s, b = r["scenario_mean"], r["baseline_mean"]
        named = any(w in kpi for w in ("released", "fewer", "freed"))
        want = (b - s) if named else (s - b)  # paired mean = difference of the means
        assert r["difference_mean"] == pytest.approx(want, rel=1e-9, abs=1e-9), kpi
        assert ("baseline - scenario" if named else "scenario - baseline") in r["label"], kpi
    # bed-days freed are valued, not counted as cash saved; no "net cost"
    assert "net cost" not in page.lower() and "net_cost" not in set(res.comparison["kpi"])
    assert "value of bed-days freed" in comp and "not cash unless beds close" in comp
    assert "saving" not in comp.lower()


@pytest.mark.parametrize("days,monday", [(1, True), (3, True), (7, True), (7, False)])
def test_short_horizons_write_the_report_with_what_they_can_show(days, monday, tmp_path):
    import warnings

    # Monday 4 April 2016: 7 days hold one whole week; from Friday 1 April (the default year's
    # first day) they hold none, nor do 1 or 3 days
    first = pd.Timestamp("2016-04-04" if monday else "2016-04-01")
    res = bedflow.simulate(bedflow.compose([
        "system=single_ward", "sim.replications=2", "sim.progress=false",
        f"sim.start_date={first - pd.Timedelta(days=3):%Y-%m-%d}", "sim.warmup_days=3",
        f"sim.horizon_days={days}"]))
    assert res.daily["date"].min() == first
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a matplotlib warning fails the test
        out = write_report(res, tmp_path, prov(res))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert out.paths[-1] == tmp_path / "report.html"
    names = re.findall(r"<figure id=(\w+)>", page)
    assert names[:3] == ["occupancy", "medically_optimised", "ed_waits"]
    if days == 7 and monday:
        assert names[-1] == "elective_cancellations"
        assert "no whole week" not in page
    else:
        assert "elective_cancellations" not in names
        assert not (tmp_path / "elective_cancellations.png").exists()
        assert "no whole week" in page and f"{days}-day window" in page


def test_a_system_of_another_period_is_not_labelled_2016_17(run):
    from bedflow.report import window_label

    now = bedflow.compose(["system=kent_medway_now", "sim.progress=false"])
    assert now.system.period  # kent_medway_now says which years its figures describe
    res = dataclasses.replace(run, config=now)
    label = window_label(res)
    assert label.startswith(now.system.period)
    assert "2016" not in label.split("(")[0]  # the dates are only the calendar it runs on
    page = render(res, prov(res), [], WarmupCheck(5.0, 0, False))
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert now.system.period in title and not title.endswith("2017")
    from bedflow.table import format_table

    assert f"· {now.system.period}, on the calendar of 2016-04-01" in format_table(res)
    # a system without a period of its own is labelled by its dates
    assert window_label(run) == \
        f"{run.daily['date'].min():%-d %b %Y} to {run.daily['date'].max():%-d %b %Y}"


def test_percentile_beyond_the_histogram_and_people_still_waiting(run):
    from bedflow.results import summarise, system_rows
    from bedflow.table import format_table

    reps = run.replications.copy()
    reps["p95_wait_hours"] = reps["p95_wait_hours"].astype(float)
    reps.loc[reps["replication"] == 1, "p95_wait_hours"] = float("nan")  # beyond the range
    reps["still_waiting_at_end"] = 3
    system = system_rows(reps)
    system["p95_wait_hours"] = [30.0, float("nan")]  # the system's, where a run records one
    res = dataclasses.replace(run, replications=reps, system=system)
    s = res.summary.set_index(["site", "kpi"])
    # one replication beyond the range: the mean of the others would be below the truth
    assert np.isnan(s.loc[("system", "p95_wait_hours"), "mean"])
    assert "beyond" in s.loc[("system", "p95_wait_hours"), "note"]
    site = reps["site"].iloc[0]
    assert s.loc[(site, "p95_wait_hours"), "note"] == "beyond the recorded range in 1 of 2 replications"
    assert s.loc[("system", "still_waiting_at_end"), "mean"] == 3 * reps["site"].nunique()
    text = format_table(res)
    p95 = next(x for x in text.splitlines() if x.startswith("ED wait for a bed (hours, 95th"))
    assert "beyond range" in p95 and "nan" not in text.lower()
    assert any(x.startswith("still waiting in ED at the end") for x in text.splitlines())
    page = render(res, prov(res), [], WarmupCheck(5.0, 0, False))
    assert "beyond range" in page and "still waiting in ED at the end" in page
    assert ">nan<" not in page.lower()
    # a run recorded before the column existed still summarises, without it
    old_reps = run.replications.drop(columns="still_waiting_at_end")
    old = summarise(old_reps, system_rows(old_reps))
    assert "still_waiting_at_end" not in set(old["kpi"]) and "mean_occupied" in set(old["kpi"])



def test_comparison_columns_say_with_and_without_interventions(rich):
    """With flu_peak on, "scenario" would read as the flu scenario: the two runs are named
    for the interventions, on the page and in the printed table, with the capped beds note."""
    from bedflow.table import format_comparison

    folder, res = rich
    page = (folder / "report.html").read_text(encoding="utf-8")
    comp = page.split("Interventions against the baseline</h2>")[1].split("<h2>")[0]
    heads = re.findall(r"<th>(.*?)</th>", comp.split("</thead>")[0])
    assert heads[2:4] == ["without interventions", "with interventions"]
    assert "beds released is capped" in comp and "shorter ED waits" in comp
    text = format_comparison(res).splitlines()
    head = next(x for x in text if x.startswith("System"))
    assert head.split()[1:6] == ["without", "interventions", "with", "interventions",
                                 "difference"]
    assert " baseline " not in head and " scenario " not in head
    assert any("beds released is capped" in x for x in text)
    # the rows still line up under the wider heads: "with interventions" ends where its value does
    beds = next(x for x in text if x.startswith("acute beds released"))
    r = res.comparison.set_index(["site", "kpi"]).loc[("system", "beds_released")]
    end = head.index("with interventions") + len("with interventions")
    assert beds[:end].endswith(f"{r['scenario_mean']:,.1f}")


def test_page_says_what_is_validated_and_what_is_not(plain):
    folder, _ = plain
    page = (folder / "report.html").read_text(encoding="utf-8")
    top = page.split("<h2>")[0]  # before the first section: seen without scrolling
    assert re.search(r"<p class=caveat><b>Validated for one year only.</b> The default Kent "
                     r"&amp; Medway year is held against what the NHS recorded in 2016-17", top)
    assert "experiments/validation_2016" in top and "not validated" in top
    # the pressure valves' counts are in the checks, with a verdict line
    checks = page.split("<h2>Checks</h2>")[1].split("<h2>")[0]
    assert "<b>Pressure.</b>" in checks and "days at OPEL 4" in checks


def test_a_30_day_run_is_not_called_simulated_years(tmp_path):
    res = bedflow.simulate(bedflow.compose([
        "system=single_ward", "sim.replications=3", "sim.progress=false",
        "sim.warmup_days=3", "sim.horizon_days=30"]))
    page = render(res, prov(res), [], WarmupCheck(3.0, 0, False))
    head = page.split("<h2>Headline figures</h2>")[1].split("</p>")[0]
    assert "years" not in head
    assert "3 replications of the 30-day window" in head


def test_report_layers_charts_and_tables_import_down_only():
    """writers write tables and import no chart module; plots draws and imports no bedflow
    module; report, which owns every chart, imports no private helper of another module."""
    import ast

    src = Path(bedflow.__file__).parent

    def imports(module):
        out = []
        for n in ast.walk(ast.parse((src / f"{module}.py").read_text())):
            if isinstance(n, ast.ImportFrom) and n.level == 1:
                out += [(n.module or a.name, a.name) for a in n.names]
        return out

    assert not {m for m, _ in imports("writers")} & {"plots", "report"}
    assert imports("plots") == []
    assert [(m, name) for m, name in imports("report") if name.startswith("_")] == []
    assert "except ImportError" not in (src / "report.py").read_text()


# --------------------------------------------------------------------------- a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1200,900"]


def _browser():
    """(chromium, chromedriver) paths; skip when absent unless BEDFLOW_REQUIRE_BROWSER is set."""
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser",
                                                   "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if chromium and driver:
        return chromium, driver
    if os.environ.get("BEDFLOW_REQUIRE_BROWSER"):
        pytest.fail("BEDFLOW_REQUIRE_BROWSER is set but chromium, chromedriver or selenium is "
                    "missing (apt-get install chromium chromium-driver; pip install selenium)")
    pytest.skip("no chromium/chromedriver/selenium (set BEDFLOW_REQUIRE_BROWSER=1 to require)")


def test_report_in_a_real_browser(rich, tmp_path):
    chromium, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    page = rich[0] / "report.html"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        driver.set_page_load_timeout(60)
        driver.get(page.as_uri())
        images = driver.execute_script(
            "return [...document.images].map(i => [i.alt, i.complete, i.naturalWidth])")
        assert len(images) == 7
        for alt, complete, width in images:
            assert complete and width > 0, f"image not shown: {alt}"
        tables = driver.execute_script(
            "return [...document.querySelectorAll('table')].map("
            "t => t.querySelectorAll('tbody tr').length)")
        assert len(tables) >= 7 and all(n > 0 for n in tables), tables
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => !n.startsWith('data:'))")
        assert fetched == []  # nothing loaded from anywhere but the page itself
        # full-page screenshot for a person to look at
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(height + 150, 16000))
        folder = Path(os.environ.get("BEDFLOW_ARTIFACTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / "report_screenshot.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        print(f"report screenshot: {shot}")
    finally:
        driver.quit()
