"""bedflow-calibrate: the NHS returns read, and a simulated truth's parameters recovered from them.

The round trip: a 2-site system with known beds, demand and process delays is simulated for a
year; its census is written in the NHS shapes; calibrating from those files, with a base whose
process delays are deliberately wrong, must give the demand per site within 3%, the beds
exactly and a system whose MO level is within 10% of the truth's.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml

import bedflow
from bedflow import calibrate, returns

DATA = Path(__file__).parent / "data"
ORGS = {"alpha": "RAA", "beta": "RBB"}

# -------------------------------------------------------------------------- readers


def test_ae_reader_sums_type_1_and_other_by_month():
    ae = returns.read_ae(DATA / "calib_ae.csv", ORGS)
    assert list(ae.columns[:3]) == ["month", "site", "emergency_admissions"]
    apr = ae[(ae.month == "2016-04-01") & (ae.site == "alpha")].iloc[0]
    assert apr.emergency_admissions == 1500 and apr.days == 30 and apr.waits_12h == 2


def test_headers_tolerate_case_and_spaces(tmp_path):
    text = (DATA / "calib_ae.csv").read_text().replace("Org Code", " org  code ").replace(
        "Other emergency admissions", "OTHER EMERGENCY ADMISSIONS ")
    (tmp_path / "ae.csv").write_text(text)
    assert returns.read_ae(tmp_path / "ae.csv", ORGS)["emergency_admissions"].sum() == 5187


def test_beds_and_discharge_readers():
    beds = returns.read_beds(DATA / "calib_beds.csv", ORGS)
    assert beds.loc[(beds.site == "alpha"), "beds_core"].tolist() == [400, 400, 400]
    assert beds["los_21plus"].notna().all()
    dis = returns.read_discharge(DATA / "calib_discharge.csv", ORGS)  # one metric skipped
    assert set(dis.columns) == {"date", "site", "no_criteria_to_reside", "discharges_p0",
                                "discharges_p1", "discharges_p2", "discharges_p3"}
    assert dis.no_criteria_to_reside.sum() == 190


def test_template_reader_allows_empty_optional_cells():
    t = returns.read_template(DATA / "calib_template.csv", ORGS)
    assert len(t) == 4 and t.loc[t.site == "beta", "los_7plus"].isna().all()


@pytest.mark.parametrize("fname, where", [
    ("bad_ae_missing_column.csv", "row 1, column 'Other emergency admissions': missing"),
    ("bad_beds_unknown_org.csv", "row 6, column 'Org Code': unknown org code 'RZZ'"),
    ("bad_beds_text.csv", "row 4, column 'G&A beds occupied': 'n/a' is not a number"),
    ("bad_beds_over.csv", "row 7, column 'G&A beds occupied': 315 occupied is more than the "
                          "310 beds"),
])
def test_bad_file_one_line_exit_2_nothing_written(fname, where, tmp_path, capsys):
    kind = "--ae" if "_ae_" in fname else "--beds"
    with pytest.raises(SystemExit) as e:
        calibrate.main([kind, str(DATA / fname), "--site", "alpha=RAA", "--site", "beta=RBB",
                        "--out", str(tmp_path), "--name", "t"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err == f"bedflow-calibrate: error: {fname}, {where}" or \
        err.startswith(f"bedflow-calibrate: error: {fname}, {where}"), err
    assert list(tmp_path.iterdir()) == []


def test_other_orgs_skipped_on_request():
    beds = returns.read_beds(DATA / "bad_beds_unknown_org.csv", ORGS, skip_other=True)
    assert len(beds) == 5


# -------------------------------------------------------------------------- round trip

SITES = {"qeqm": "RVV01", "william_harvey": "RVV02"}
DROP = ["kent_canterbury", "medway", "maidstone", "tunbridge_wells", "darent_valley"]
BASE_DELAYS = {"P0": 1.0, "P1": 2.2, "P2": 2.95, "P3": 4.9}  # kent_medway's
TRUTH = {"qeqm": {"beds": 330, "emergency_per_day": 37.0},
         "william_harvey": {"beds": 410, "emergency_per_day": 46.5}}
SCALE = 0.7  # the truth's process delays against the base's


def _mo(daily):
    return daily.groupby(["replication", "day"])["medically_optimised"].sum().mean()


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("round_trip")
    over = [f"~system.sites.{s}" for s in DROP] + [
        "system.sites.qeqm.neighbours=[william_harvey]",
        "system.sites.william_harvey.neighbours=[qeqm]",
        "sim.replications=1", "sim.progress=false", "sim.seed=7"]
    for sid, v in TRUTH.items():
        over += [f"system.sites.{sid}.{k}={x}" for k, x in v.items()]
    over += [f"system.discharge.process_delay_days.{k}={round(v * SCALE, 3)}"
             for k, v in BASE_DELAYS.items()]
    truth = bedflow.simulate(bedflow.compose(over), jobs=1, progress=False)
    files = returns.write_nhs_files(truth.daily, SITES, tmp / "nhs")
    out = tmp / "out"
    calibrate.main(["--ae", str(files["ae"]), "--beds", str(files["beds"]),
                    "--discharge", str(files["discharge"]), "--base", "kent_medway",
                    "--name", "truth_fit", "--out", str(out), "--jobs", "2"]
                   + [f"--site={s}={c}" for s, c in SITES.items()])
    return truth, out


def test_round_trip_recovers_demand_beds_and_mo(round_trip):
    truth, out = round_trip
    text = (out / "truth_fit.yaml").read_text()
    assert text.startswith("# @package system\n") and "[data] ae_monthly.csv" in text
    fitted = yaml.safe_load(text)
    for sid, v in TRUTH.items():
        site = fitted["sites"][sid]
        assert site["beds"] == v["beds"]
        err = site["emergency_per_day"] / v["emergency_per_day"] - 1
        print(f"{sid}: emergency_per_day {site['emergency_per_day']} against "
              f"{v['emergency_per_day']} ({100 * err:+.2f}%), beds {site['beds']}")
        assert abs(err) < 0.03
    # the calibrated system, simulated on its own (other seeds): the truth's MO level
    cfg = calibrate.to_config(fitted, pd.Timestamp(truth.daily.date.min()).date(), 365, 90,
                              2, 11, 2)
    mo = _mo(bedflow.simulate(cfg, jobs=2, progress=False).daily)
    seen = _mo(truth.daily)
    print(f"MO level: truth {seen:.1f}, calibrated {mo:.1f} ({100 * (mo / seen - 1):+.1f}%), "
          f"delays {fitted['discharge']['process_delay_days']}")
    assert abs(mo / seen - 1) < 0.10
    assert fitted["mo_reference"] == pytest.approx(seen, rel=0.001)


def test_round_trip_writes_a_fit_report(round_trip):
    _, out = round_trip
    rep = (out / "truth_fit_fit.txt").read_text()
    for heading in ("Beds and emergency demand", "by month", "Little's law", "MO level",
                    "pathway split"):
        assert heading in rep
    assert (out / "truth_fit_fit.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*.tmp"))


def test_existing_yaml_is_not_replaced(round_trip, capsys):
    _, out = round_trip
    with pytest.raises(SystemExit) as e:
        calibrate.main(["--beds", str(DATA / "calib_beds.csv"), "--site", "alpha=RAA",
                        "--site", "beta=RBB", "--out", str(out), "--name", "truth_fit"])
    assert e.value.code == 2 and "exists" in capsys.readouterr().err


def test_all_or_nothing_when_the_report_folder_cannot_be_made(tmp_path, capsys):
    """The YAML and its fit report are written together: a report folder that cannot be made
    (a file is in its way) leaves no YAML behind either."""
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit) as e:
        calibrate.main(["--beds", str(DATA / "calib_beds.csv"), "--site", "alpha=RAA",
                        "--site", "beta=RBB", "--out", str(tmp_path / "out"), "--name", "t",
                        "--report", str(tmp_path / "afile" / "rep")])
    assert e.value.code == 2
    assert not (tmp_path / "out" / "t.yaml").exists()
    assert not list(tmp_path.glob("out/*")) and not list(tmp_path.glob("out/.*"))


def test_a_site_missing_from_the_mo_counts_is_refused(tmp_path, capsys):
    """The MO search simulates every site: a target from some sites only would be wrong."""
    lines = (DATA / "calib_discharge.csv").read_text().splitlines()
    kept = [lines[0]] + [x for x in lines[1:] if "RBB" not in x]
    (tmp_path / "d.csv").write_text("\n".join(kept) + "\n")
    with pytest.raises(SystemExit) as e:
        calibrate.main(["--discharge", str(tmp_path / "d.csv"), "--beds",
                        str(DATA / "calib_beds.csv"), "--site", "alpha=RAA", "--site",
                        "beta=RBB", "--out", str(tmp_path / "out"), "--name", "t"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "site beta" in err and "\n" not in err.strip()
    assert not (tmp_path / "out").exists()


def test_no_escalation_column_keeps_the_base_count(tmp_path):
    beds = pd.read_csv(DATA / "calib_beds.csv")
    beds = beds.drop(columns=[c for c in beds.columns if "escalation" in c.lower()
                              or c.strip().lower() == "g&a beds available"])
    occ, core = "G&A beds occupied", "G&A core beds available"
    beds[occ] = beds[[occ, core]].min(axis=1)  # without escalation beds, within the core
    beds.to_csv(tmp_path / "b.csv", index=False)
    read = returns.read_beds(tmp_path / "b.csv", ORGS)
    assert read["beds_escalation"].isna().all()
    calibrate.main(["--beds", str(tmp_path / "b.csv"), "--site", "qeqm=RAA", "--site",
                    "william_harvey=RBB", "--out", str(tmp_path / "out"), "--name", "t"])
    fitted = yaml.safe_load((tmp_path / "out" / "t.yaml").read_text())
    base = bedflow.compose([]).system.sites
    for sid in ("qeqm", "william_harvey"):
        assert fitted["sites"][sid]["escalation_beds"] == base[sid].escalation_beds
