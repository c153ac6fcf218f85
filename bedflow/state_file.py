"""Read a census of today's state per site (`sim.initial_state=<census.csv>`).

One row per site, the columns of `SiteState` (a `date` column, if there, must be one date: the
day the state was taken). Read at the edge, before the model: a mistake is one line naming the
file, the row (as a spreadsheet numbers it, the header being row 1) and the column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from pathlib import Path

import pandas as pd

from .config import ConfigError, SiteState, state_problem

COLUMNS = [f.name for f in fields(SiteState)]
REQUIRED = ("site", "occupied", "medically_optimised")


def read_state(path: str, system) -> tuple[dict[str, SiteState], str | None]:
    """{site: SiteState} and the census date (None without a `date` column), each row checked
    against the system's beds (`config.state_problem`)."""
    sites = system.sites
    name = Path(path).name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ConfigError(f"sim.initial_state: no such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ConfigError(f"sim.initial_state: {name} is not a CSV file ({e})") from None
    df.columns = [c.strip() for c in df.columns]
    for c in REQUIRED:
        if c not in df.columns:
            raise ConfigError(f"{name}, row 1: no column {c!r} (columns: site, "
                              f"{', '.join(COLUMNS)}; optional: date)")
    unknown = [c for c in df.columns if c not in ("site", "date", *COLUMNS)]
    if unknown:
        raise ConfigError(f"{name}, row 1, column {unknown[0]!r}: not a census column "
                          f"(columns: site, {', '.join(COLUMNS)}; optional: date)")
    out: dict[str, SiteState] = {}
    dates = set()
    for i, row in enumerate(df.to_dict("records"), start=2):
        sid = row["site"].strip()
        if sid not in sites:
            raise ConfigError(f"{name}, row {i}, column 'site': unknown site {sid!r} (sites: "
                              f"{', '.join(sites)})")
        if sid in out:
            raise ConfigError(f"{name}, row {i}, column 'site': {sid!r} appears twice")
        values = {}
        for c in COLUMNS:
            unknown = "-1" if c.startswith("los_") else "0"  # long stays: optional, not known
            text = str(row.get(c, unknown)).strip() or unknown
            try:
                values[c] = int(text)
            except ValueError:
                raise ConfigError(f"{name}, row {i}, column {c!r}: {text!r} is not a whole "
                                  "number") from None
            if values[c] < 0 and not (c.startswith("los_") and text == "-1"):
                raise ConfigError(f"{name}, row {i}, column {c!r}: {text} is negative")
        if "date" in row and row["date"].strip():
            try:
                dates.add(dt.date.fromisoformat(row["date"].strip()[:10]).isoformat())
            except ValueError:
                raise ConfigError(f"{name}, row {i}, column 'date': {row['date']!r} is not a "
                                  "date (YYYY-MM-DD)") from None
        out[sid] = SiteState(**values)
        problem = state_problem(system, sid, out[sid])
        if problem:
            raise ConfigError(f"{name}, row {i}, column {problem[0]!r}: {problem[1]}")
    if len(dates) > 1:
        raise ConfigError(f"{name}, column 'date': more than one date ({', '.join(sorted(dates))}): "
                          "a census is one day's state")
    return out, (dates.pop() if dates else None)
