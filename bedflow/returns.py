"""Readers for the NHS returns a planner already has, and a writer of the same shapes from a run.

Each reader returns a tidy DataFrame (one row per site and day, or month) and raises
`ReturnsError` with one line naming the file, the row as a spreadsheet shows it (header = row
1) and the column, so a planner can open the file and fix that cell. Sites are the system's
ids; files name organisations by `Org Code`, mapped with `orgs` ({site: org code}).

`write_nhs_files` writes the three published shapes from a bedflow run's daily census, so a
simulated truth with known parameters can be calibrated back (the round trip) or held out.
No Hydra here: the readers are for any caller.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import pandas as pd

from .writers import write_together

PATHWAYS = ("p0", "p1", "p2", "p3")


class ReturnsError(ValueError):
    """A problem in a data file: one line naming file, row and column."""


# --------------------------------------------------------------------------- layouts
# Columns as published (NHS England's CSVs); matched after trimming, collapsing spaces and
# ignoring case, as files saved again from a spreadsheet often change only those.

#: monthly A&E attendances and emergency admissions, by provider
AE_COLUMNS = {
    "Period": "period",
    "Org Code": "org",
    "Emergency admissions via A&E - Type 1": "type1",
    "Other emergency admissions": "other",
}
AE_OPTIONAL = {
    "Org name": "org_name",
    "Patients who have waited 4-12 hs from DTA to admission": "waits_4_12h",
    "Patients who have waited 12+ hrs from DTA to admission": "waits_12h",
}

#: urgent & emergency care daily situation report, G&A beds
BEDS_COLUMNS = {
    "Date": "date",
    "Org Code": "org",
    "G&A core beds available": "beds_core",
    "G&A beds occupied": "beds_occupied",
}
BEDS_OPTIONAL = {
    "G&A beds available": "beds_available",
    "G&A escalation beds available": "beds_escalation",
    "G&A beds occupied by patients with LOS 7+ days": "los_7plus",
    "G&A beds occupied by patients with LOS 14+ days": "los_14plus",
    "G&A beds occupied by patients with LOS 21+ days": "los_21plus",
}

#: acute discharge situation report, long form (recent publications)
DISCHARGE_COLUMNS = {"Period": "period", "Org Code": "org", "Metric": "metric", "Value": "value"}
#: metric strings accepted (case and spacing ignored); other metrics in the file are skipped
DISCHARGE_METRICS = {
    "Number of patients who no longer meet the criteria to reside": "no_criteria_to_reside",
    "Patients who no longer meet the criteria to reside": "no_criteria_to_reside",
    "No longer meet the criteria to reside": "no_criteria_to_reside",
    **{f"Number of patients discharged on pathway {k}": f"discharges_p{k}" for k in range(4)},
    **{f"Discharges on pathway {k}": f"discharges_p{k}" for k in range(4)},
    **{f"Pathway {k} discharges": f"discharges_p{k}" for k in range(4)},
}

#: bedflow's own template: one row per site and day; the site is the system's site id
TEMPLATE_COLUMNS = {c: c for c in ("date", "site", "emergency_admissions", "beds_core",
                                   "beds_occupied")}
TEMPLATE_OPTIONAL = {c: c for c in ("elective_admissions", "beds_escalation",
                                    "no_criteria_to_reside", "discharges_p0", "discharges_p1",
                                    "discharges_p2", "discharges_p3", "los_7plus", "los_14plus",
                                    "los_21plus")}

# header variants seen in the sitrep's LOS columns ("... LoS of 7+ days", "... 7 days or more")
_LOS = re.compile(r"(?:los|length of stay|stay).*?\b(7|14|21)\s*(?:\+|days? or (?:more|over))")


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _fail(path: Path, row: int, column: str, problem: str) -> None:
    raise ReturnsError(f"{Path(path).name}, row {row}, column {column!r}: {problem}")


def _row(i: int) -> int:
    """The spreadsheet row of data row i (0-based): the header is row 1."""
    return int(i) + 2


def _read(path: Path, required: dict, optional: dict) -> tuple[pd.DataFrame, dict]:
    """The file as text cells with the known columns renamed; {new name: header as in the file}."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                          encoding="utf-8-sig")  # a BOM from Excel's "CSV UTF-8"
    except FileNotFoundError:
        raise ReturnsError(f"{path.name}: no such file ({path})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        problem = " ".join(str(e).split()) or type(e).__name__
        raise ReturnsError(f"{path.name}: not a readable CSV file ({problem})") from None
    found = {_norm(c): c for c in raw.columns}
    rename, headers = {}, {}
    for name, new in {**required, **optional}.items():
        col = found.get(_norm(name))
        if col is None and new.startswith("los_"):  # the sitrep's LOS headers vary in wording
            days = new[4:-4]
            col = next((c for n, c in found.items() if (m := _LOS.search(n)) and
                        m.group(1) == days and "occupied" in n), None)
        if col is None and name in required:
            _fail(path, 1, name, f"missing (columns found: {', '.join(map(str, raw.columns))})")
        if col is not None:
            rename[col], headers[new] = new, col
    return raw[list(rename)].rename(columns=rename), headers


def _numbers(df: pd.DataFrame, path: Path, headers: dict, columns: Iterable[str],
             optional: bool = False) -> None:
    """Columns as numbers, in place: a cell that is not a number >= 0 is an error;
    an empty cell is allowed (NaN) only in an optional column."""
    for c in columns:
        if c not in df:
            continue
        text = df[c].str.strip().str.replace(",", "", regex=False)  # "1,234" saved by Excel
        num = pd.to_numeric(text.mask(text == ""), errors="coerce")
        bad = num.isna() & ((text != "") | (not optional))
        if bad.any():
            i = bad.idxmax()
            _fail(path, _row(i), headers[c], "empty, a number is needed" if text.loc[i] == ""
                  else f"{df.loc[i, c]!r} is not a number")
        neg = num < 0
        if neg.any():
            i = neg.idxmax()
            _fail(path, _row(i), headers[c], f"{df.loc[i, c]!r} is negative")
        df[c] = num


_MONTH_FORMATS = ("%B-%Y", "%b-%Y", "%B %Y", "%b %Y", "%Y-%m", "%b-%y", "%B-%y", "%Y-%m-%d",
                  "%d/%m/%Y")
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y",
                "%Y-%m-%d %H:%M:%S")


def _dates(df: pd.DataFrame, column: str, path: Path, header: str, formats: tuple,
           month: bool) -> pd.Series:
    """Dates (the first of the month when `month`). The A&E file's periods read
    `MSitAE-APRIL-2016`: the return's name is dropped, then each layout in `formats` is tried."""
    text = df[column].str.strip()
    if month:
        text = text.str.replace(r"^[A-Za-z]+-(?=[A-Za-z]+-\d{4}$)", "", regex=True)
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = out.isna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo].str.title() if "%b" in fmt or "%B" in fmt
                                   else text[todo], format=fmt, errors="coerce")
    if out.isna().any():
        i = out.isna().idxmax()
        _fail(path, _row(i), header, f"{df.loc[i, column]!r} is not a "
              f"{'month (e.g. 2016-04 or MSitAE-APRIL-2016)' if month else 'date (e.g. 2016-04-01)'}")
    return out.dt.to_period("M").dt.to_timestamp() if month else out.dt.normalize()


def _sites(df: pd.DataFrame, path: Path, header: str, orgs: dict, skip_other: bool) -> pd.DataFrame:
    """Org codes to site ids; a code not in the mapping is an error unless `skip_other` (the
    national file holds every provider in England)."""
    by_code = {}
    for site, code in orgs.items():
        code = _norm(code).upper()
        if code in by_code:
            raise ReturnsError(f"sites {by_code[code]} and {site} are both mapped to {code}: a "
                               "trust's figures cannot be split between sites; map one site to "
                               "each org code")
        by_code[code] = site
    codes = df["org"].map(lambda s: _norm(s).upper())
    known = codes.isin(by_code)
    if not known.all() and not skip_other:
        i = (~known).idxmax()
        _fail(path, _row(i), header, f"unknown org code {df.loc[i, 'org']!r} (mapped: "
              f"{', '.join(f'{s}={c}' for c, s in by_code.items())})")
    df = df[known].copy()
    df["site"] = codes[known].map(by_code)
    return df.drop(columns="org")


def _duplicates(df: pd.DataFrame, keys: list, path: Path, header: str) -> None:
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        i = dup.idxmax()
        _fail(path, _row(i), header, "a second row for the same " +
              " and ".join(f"{k} {df.loc[i, k].date() if k in ('date', 'month') else df.loc[i, k]}"
                           for k in keys))


def _beds_hold(df: pd.DataFrame, path: Path, headers: dict) -> None:
    """A census above the beds open is a mistake in the file (or a column swapped)."""
    beds = df["beds_core"] + (df["beds_escalation"].fillna(0) if "beds_escalation" in df else 0)
    if "beds_available" in df:
        beds = df["beds_available"].fillna(beds)
    over = df["beds_occupied"] > beds
    if over.any():
        i = over.idxmax()
        _fail(path, _row(i), headers["beds_occupied"], f"{df.loc[i, 'beds_occupied']:g} occupied "
              f"is more than the {beds.loc[i]:g} beds available")


# --------------------------------------------------------------------------- readers


def read_ae(path: Path, orgs: dict, skip_other: bool = False) -> pd.DataFrame:
    """NHS England's monthly A&E attendances and emergency admissions, by provider.

    Returns month (first day), site, emergency_admissions (via A&E type 1 + other: the
    admissions needing a G&A bed that the model's emergency demand stands for), type1, other,
    days (in the month) and, when present, waits_4_12h and waits_12h from decision to admit."""
    path = Path(path)
    df, h = _read(path, AE_COLUMNS, AE_OPTIONAL)
    _numbers(df, path, h, ["type1", "other"])
    _numbers(df, path, h, ["waits_4_12h", "waits_12h"], optional=True)
    df["month"] = _dates(df, "period", path, h["period"], _MONTH_FORMATS, month=True)
    df = _sites(df, path, h["org"], orgs, skip_other)
    _duplicates(df, ["month", "site"], path, h["period"])
    df["emergency_admissions"] = df["type1"] + df["other"]
    df["days"] = df["month"].dt.days_in_month
    cols = ["month", "site", "emergency_admissions", "type1", "other", "days"] + \
        [c for c in ("waits_4_12h", "waits_12h") if c in df]
    return df[cols].sort_values(["month", "site"]).reset_index(drop=True)


def read_beds(path: Path, orgs: dict, skip_other: bool = False) -> pd.DataFrame:
    """The urgent & emergency care daily sitrep's G&A beds.

    Returns date, site, beds_core, beds_escalation (available - core when only those are given;
    unknown, NaN, when neither is), beds_available (core + escalation when absent),
    beds_occupied and, when present, los_7plus, los_14plus, los_21plus (beds held by patients
    in hospital that long)."""
    path = Path(path)
    df, h = _read(path, BEDS_COLUMNS, BEDS_OPTIONAL)
    _numbers(df, path, h, ["beds_core", "beds_occupied"])
    _numbers(df, path, h, ["beds_available", "beds_escalation", "los_7plus", "los_14plus",
                           "los_21plus"], optional=True)
    df["date"] = _dates(df, "date", path, h["date"], _DAY_FORMATS, month=False)
    df = _sites(df, path, h["org"], orgs, skip_other)
    _duplicates(df, ["date", "site"], path, h["date"])
    _beds_hold(df, path, h)
    if "beds_escalation" not in df:
        df["beds_escalation"] = (df["beds_available"] - df["beds_core"]).clip(lower=0) \
            if "beds_available" in df else float("nan")
    if "beds_available" not in df:
        df["beds_available"] = df["beds_core"] + df["beds_escalation"].fillna(0.0)
    cols = ["date", "site", "beds_core", "beds_escalation", "beds_available", "beds_occupied"] + \
        [c for c in ("los_7plus", "los_14plus", "los_21plus") if c in df]
    return df[cols].sort_values(["date", "site"]).reset_index(drop=True)


def read_discharge(path: Path, orgs: dict, skip_other: bool = False) -> pd.DataFrame:
    """The acute discharge sitrep in its long form (Period, Org Code, Metric, Value).

    Returns date (the period; the first of the month for a monthly period), site and a column
    per metric found: no_criteria_to_reside, discharges_p0..p3 (the metric strings accepted are
    DISCHARGE_METRICS; other metrics are skipped)."""
    path = Path(path)
    df, h = _read(path, DISCHARGE_COLUMNS, {})
    metrics = {_norm(k): v for k, v in DISCHARGE_METRICS.items()}
    df["metric"] = df["metric"].map(lambda m: metrics.get(_norm(m)))
    df = df[df["metric"].notna()]
    if df.empty:
        raise ReturnsError(f"{path.name}: no metric it could use in column {h['metric']!r} "
                           f"(accepted: {'; '.join(DISCHARGE_METRICS)})")
    _numbers(df, path, h, ["value"])
    monthly = df["period"].str.strip().str.fullmatch(r"\d{4}-\d{2}|[A-Za-z]+[- ]\d{2,4}|"
                                                     r"[A-Za-z]+-[A-Za-z]+-\d{4}")
    df["date"] = _dates(df, "period", path, h["period"], _DAY_FORMATS, month=False) \
        if not monthly.any() else _dates(df, "period", path, h["period"], _MONTH_FORMATS, True)
    df = _sites(df, path, h["org"], orgs, skip_other)
    _duplicates(df, ["date", "site", "metric"], path, h["metric"])
    wide = df.pivot(index=["date", "site"], columns="metric", values="value")
    wide.columns.name = None
    return wide.reset_index().sort_values(["date", "site"]).reset_index(drop=True)


def read_template(path: Path, sites: Iterable[str]) -> pd.DataFrame:
    """bedflow's own daily template (docs/your-trust.md): one row per site and day, with the
    system's site ids; optional columns may be absent or empty."""
    path = Path(path)
    df, h = _read(path, TEMPLATE_COLUMNS, TEMPLATE_OPTIONAL)
    _numbers(df, path, h, ["emergency_admissions", "beds_core", "beds_occupied"])
    _numbers(df, path, h, list(TEMPLATE_OPTIONAL), optional=True)
    df["date"] = _dates(df, "date", path, h["date"], _DAY_FORMATS, month=False)
    known = set(sites)
    df["site"] = df["site"].str.strip()
    bad = ~df["site"].isin(known)
    if bad.any():
        i = bad.idxmax()
        _fail(path, _row(i), h["site"], f"unknown site {df.loc[i, 'site']!r} (sites: "
              f"{', '.join(sorted(known))})")
    _duplicates(df, ["date", "site"], path, h["date"])
    _beds_hold(df, path, h)
    return df.sort_values(["date", "site"]).reset_index(drop=True)


# --------------------------------------------------------------------------- writer

AE_FILE, BEDS_FILE, DISCHARGE_FILE = "ae_monthly.csv", "beds_daily.csv", "discharge_long.csv"


def write_nhs_files(daily: pd.DataFrame, orgs: dict, folder: Path) -> dict[str, Path]:
    """The three NHS shapes from one replication of a run's daily census, atomically.

    The census at 08:00 on a date counts the 24 hours before it; they are filed under that date.
    The A&E file holds whole calendar months only (a part month would read as a quiet one), all
    emergency admissions under type 1 and none under other. The beds sitrep's escalation beds
    are those open plus any patients in corridor care beyond the open beds (trusts report such
    spaces as escalation beds), so occupied never exceeds available."""
    if "replication" in daily and daily["replication"].nunique() > 1:
        raise ValueError(f"daily holds {daily['replication'].nunique()} replications; pass one")
    missing = sorted(set(daily["site"]) - set(orgs))
    if missing:
        raise ValueError(f"no org code for site(s) {', '.join(missing)}")
    d = daily.copy()
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    d["org"] = d["site"].map(orgs)
    folder = Path(folder)

    d["month"] = d["date"].dt.to_period("M")
    days = d.groupby(["month", "site"])["date"].nunique()
    whole = days[days == days.index.get_level_values("month").days_in_month].index
    m = d.set_index(["month", "site"]).loc[lambda x: x.index.isin(whole)].reset_index()
    ae = m.groupby(["month", "site", "org"], as_index=False)[
        ["admissions", "waits_over_4h", "waits_over_12h"]].sum()
    ae = pd.DataFrame({
        "Period": "MSitAE-" + ae["month"].dt.strftime("%B").str.upper() + "-" +
                  ae["month"].dt.year.astype(str),
        "Org Code": ae["org"],
        "Org name": ae["site"],
        "Emergency admissions via A&E - Type 1": ae["admissions"],
        "Other emergency admissions": 0,
        "Patients who have waited 4-12 hs from DTA to admission":
            ae["waits_over_4h"] - ae["waits_over_12h"],
        "Patients who have waited 12+ hrs from DTA to admission": ae["waits_over_12h"],
    })

    extra = (d["occupied"] - d["available_beds"]).clip(lower=0)
    beds = pd.DataFrame({
        "Date": d["date"].dt.strftime("%Y-%m-%d"),
        "Org Code": d["org"],
        "Org name": d["site"],
        "G&A beds available": d["available_beds"] + extra,
        "G&A core beds available": d["available_beds"] - d["escalation_open"],
        "G&A escalation beds available": d["escalation_open"] + extra,
        "G&A beds occupied": d["occupied"],
        "G&A beds occupied by patients with LOS 7+ days": d["los_7plus"],
        "G&A beds occupied by patients with LOS 14+ days": d["los_14plus"],
        "G&A beds occupied by patients with LOS 21+ days": d["los_21plus"],
    })

    metric = {"medically_optimised": "Number of patients who no longer meet the criteria to reside",
              **{f"discharges_P{k}": f"Number of patients discharged on pathway {k}"
                 for k in range(4)}}
    long = d.melt(id_vars=["date", "org"], value_vars=list(metric), var_name="m",
                  value_name="Value")
    long = pd.DataFrame({"Period": long["date"].dt.strftime("%Y-%m-%d"), "Org Code": long["org"],
                         "Metric": long["m"].map(metric), "Value": long["Value"]})

    names = ("ae", "beds", "discharge")
    paths = write_together([(folder / f, lambda p, t=t: t.to_csv(p, index=False))
                            for f, t in ((AE_FILE, ae), (BEDS_FILE, beds),
                                         (DISCHARGE_FILE, long))])
    return dict(zip(names, paths))
