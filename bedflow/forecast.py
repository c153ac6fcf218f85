"""A forecast from an observed state: the days each site is likely to be at OPEL 4.

Read from the daily census only: on each day, the share of replications in which the site
declared OPEL 4; the days that share passes 50% and 90%, and the first of them. A planner reads
"likely" and "very likely" at a glance; the fan charts show the rest.
"""

from __future__ import annotations

import pandas as pd

LIKELY, VERY_LIKELY = 0.5, 0.9


def opel4_share(daily: pd.DataFrame) -> pd.DataFrame:
    """Wide table date x site: the share of replications at OPEL 4 on that day's census."""
    at4 = daily.assign(at4=daily["opel_level"] >= 4)
    return at4.pivot_table(index="date", columns="site", values="at4", aggfunc="mean",
                           sort=False).sort_index()


def likely_opel4(daily: pd.DataFrame) -> pd.DataFrame:
    """One row per site: days (and the first day) at OPEL 4 in more than 50% and more than 90%
    of replications, and the dates in ranges ("5-9 Jan, 14 Jan"). Day 0, the state observed,
    is not a forecast and is left out."""
    share = opel4_share(daily).iloc[1:]
    rows = []
    for site in share.columns:
        s = share[site]
        row = {"site": site, "days": len(s)}
        for key, cut in (("likely", LIKELY), ("very_likely", VERY_LIKELY)):
            days = s.index[s > cut]
            row |= {f"{key}_days": len(days),
                    f"{key}_first": days.min().date().isoformat() if len(days) else "",
                    f"{key}_dates": date_ranges(days)}
        rows.append(row)
    return pd.DataFrame(rows)


def date_ranges(days) -> str:
    """'5-9 Jan, 14 Jan': consecutive days joined."""
    days = sorted(pd.Timestamp(d) for d in days)
    out, i = [], 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and (days[j + 1] - days[j]).days == 1:
            j += 1
        a, b = days[i], days[j]
        out.append(f"{a:%-d %b}" if i == j else
                   f"{a:%-d}-{b:%-d %b}" if a.month == b.month else f"{a:%-d %b}-{b:%-d %b}")
        i = j + 1
    return ", ".join(out)
