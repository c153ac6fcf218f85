"""Cost against SimPy's floor, and memory against the horizon (what `bedflow-bench` reports).

Both are measured in the way that survives a shared machine: the cost as a ratio of two runs
back to back in one process, the memory as the peak of a fresh process for each horizon.
"""

from bedflow.bench import measure, peak_rss_mb


def test_full_model_costs_little_more_per_admission_than_the_simpy_floor():
    """1.15x over a year on a quiet machine (README, Performance); a shorter run carries more
    start-up per admission (1.5x at 60 days) and CI may be busy, so the bound is loose: it
    catches a model that has become several times dearer, not a few percent."""
    got = measure(120, "kent_medway", repeat=2)
    assert got["model_admissions"] > 50_000 and got["floor_admissions"] > 50_000, got
    assert got["ratio"] < 2.5, got


def test_memory_does_not_grow_with_the_horizon_unless_the_event_log_is_on():
    """Kent & Medway admits ~475 patients a day. Keeping a few hundred bytes for each would add
    >50 MB between 60 and 500 days; the daily census adds ~0.3 MB. The event log, which keeps
    every patient's events by design, shows the measurement can see growth."""
    short, long_ = peak_rss_mb(60, "kent_medway"), peak_rss_mb(500, "kent_medway")
    assert long_ - short < 15, (short, long_)
    log = ["sim.event_log=true"]
    short_log, long_log = peak_rss_mb(60, "kent_medway", log), peak_rss_mb(500, "kent_medway", log)
    assert long_log - short_log > 50, (short_log, long_log)
