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
from bedflow.mser import WarmupCheck, warmup_check
from bedflow.report import render, write_report
from bedflow.writers import provenance

# Kent & Medway through one winter, small: 2 replications of 125 days, all 7 sites
WINTER = ["sim.replications=2", "sim.jobs=2", "sim.progress=false", "sim.start_date=2016-11-01",
          "sim.warmup_days=5", "sim.horizon_days=120"]


@pytest.fixture(scope="module")
def run():
    return bedflow.simulate(bedflow.compose(WINTER))


@pytest.fixture(scope="module")
def plain(run, tmp_path_factory):
    """(folder, write_report's answer) for the run as the model records it today."""
    folder = tmp_path_factory.mktemp("plain")
    return folder, write_report(run, folder, prov(run))


@pytest.fixture(scope="module")
def rich(run, tmp_path_factory):
    """(folder, results) for the run with the daily counts and a comparison."""
    folder = tmp_path_factory.mktemp("rich")
    res = with_extras(run)
    write_report(res, folder, prov(res))
    return folder, res


def with_extras(res):
    """The same run with the daily columns and the comparison the lead is adding to the model:
    a daily count of 12-hour waits and of cancellations, and an intervention comparison."""
    daily = res.daily.copy()
    rng = np.random.default_rng(1)
    daily["waits_over_12h"] = rng.poisson(0.5, len(daily))
    daily["elective_cancelled"] = rng.poisson(1.0, len(daily))
    out = dataclasses.replace(res, daily=daily)
    sites = ["system"] + list(res.config.system.sites)
    n = len(sites)
    diff = np.linspace(40, 5, n)
    comp = pd.DataFrame({
        "kpi": ["beds_released"] * n + ["mean_medically_optimised"],
        "site": sites + ["system"],
        "baseline_mean": [3000.0] * n + [1000.0], "scenario_mean": list(3000 - diff) + [900.0],
        "difference_mean": list(diff) + [-100.0],
        "difference_ci_low": list(diff - 6) + [-120.0],
        "difference_ci_high": list(diff + 6) + [-80.0],
    })
    object.__setattr__(out, "comparison", comp)
    return out


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
    assert "Intervention against baseline" not in page


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
    assert (bedflow.writers.git_commit() or "unknown")[:12] in page
    assert "planning reference of 1,000" in page


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
    for name in ("elective_cancellations", "bed_release"):
        assert (tmp_path / f"{name}.png").is_file()
    assert "Intervention against baseline" in page
    comp = page.split("Intervention against baseline")[1].split("<h2>")[0]
    assert comp.count("<tr>") == 1 + len(res.comparison)  # header and every row
    assert "medically optimised patients (mean)" in comp
    assert "12-hour waits per day (below)" in page
    assert "Weekly elective cancellations need" not in page


def test_charts_follow_the_columns(rich):
    folder, _ = rich
    page = (folder / "report.html").read_text(encoding="utf-8")
    names = re.findall(r"<figure id=(\w+)>", page)
    assert names == ["bed_release", "occupancy", "occupancy_by_site", "medically_optimised",
                     "medically_optimised_by_site", "ed_waits", "elective_cancellations"]


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
