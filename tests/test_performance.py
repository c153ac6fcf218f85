"""Memory against the horizon, as `bedflow-bench --memory` measures it: the peak of a fresh
process for each horizon. (The cost ratio is a benchmark, reported in the README, not a timed
test: timings on shared machines are too noisy to fail a build on.)
"""

from bedflow.bench import peak_rss_mb


def test_memory_does_not_grow_with_the_horizon_unless_the_event_log_is_on():
    """Kent & Medway admits ~475 patients a day. Keeping even 100 bytes for each would add
    ~70 MB between one and five years, far over 10% of a ~150 MB process; the daily census
    adds ~1 MB. The event log, which keeps every patient's events by design, shows the
    measurement can see growth."""
    one, five = peak_rss_mb(365, "kent_medway"), peak_rss_mb(1826, "kent_medway")
    assert five < 1.10 * one, (one, five)
    log = ["sim.event_log=true"]
    # the smaller of two reads: once, in a full test run, a 60-day process peaked ~100 MB above
    # its usual ~190 MB, which hid the growth this line exists to show
    short_log = min(peak_rss_mb(60, "kent_medway", log) for _ in range(2))
    long_log = peak_rss_mb(500, "kent_medway", log)
    assert long_log - short_log > 50, (short_log, long_log)
