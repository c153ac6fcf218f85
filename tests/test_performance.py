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
    short_log, long_log = peak_rss_mb(60, "kent_medway", log), peak_rss_mb(500, "kent_medway", log)
    assert long_log - short_log > 50, (short_log, long_log)


def test_a_child_reads_its_own_peak_not_its_parents():
    """A full test run is a ~290 MB process; the child's peak must not inherit it (getrusage's
    ru_maxrss does, across the exec, which hid the event log's growth in CI)."""
    import numpy as np

    fat = np.ones(400_000_000 // 8)  # 400 MB resident here
    assert peak_rss_mb(5, "single_ward") < 300, "read the parent's peak"
    del fat
