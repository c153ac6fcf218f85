"""Same seed, same numbers; parallel equals serial; streams are independent of one another."""

import copy

import numpy as np
import pandas as pd

import bedflow
from bedflow.config import Places, Site
from bedflow.streams import Streams, generator
from conftest import run

SHORT = ["sim.replications=3", "sim.horizon_days=60", "sim.warmup_days=10"]


def test_same_seed_identical_tables():
    a = run(SHORT)
    b = run(SHORT)
    pd.testing.assert_frame_equal(a.replications, b.replications)
    pd.testing.assert_frame_equal(a.daily, b.daily)


def test_other_seed_other_numbers():
    a = run(SHORT)
    b = run(SHORT + ["sim.seed=7"])
    assert not a.replications["emergency_arrivals"].equals(b.replications["emergency_arrivals"])


def test_parallel_equals_serial():
    serial = run(SHORT + ["sim.jobs=1"])
    parallel = run(SHORT + ["sim.jobs=2"])
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.daily, parallel.daily)


def test_stream_draws_do_not_depend_on_other_streams():
    alone = generator(1, 0, "ward/emergency/los").random(5)
    st = Streams(1, 0)
    st("something/new", "uniform")()  # create and use another stream first
    again = st.rng("ward/emergency/los").random(5)
    np.testing.assert_array_equal(alone, again)
    assert not np.array_equal(alone, generator(1, 1, "ward/emergency/los").random(5))


def test_adding_a_site_changes_no_other_sites_patients():
    """A new site brings new streams; on a loss system the first site's numbers are unchanged."""
    cfg = bedflow.compose(["system=single_ward", "system.when_full=divert", "sim.progress=false",
                           "sim.replications=2", "sim.horizon_days=200"])
    more = copy.deepcopy(cfg)
    more.system.sites["annex"] = Site(name="Annex", beds=10, emergency_per_day=2.0,
                                      downstream=Places())
    a = bedflow.simulate(cfg).replications
    b = bedflow.simulate(more).replications
    pd.testing.assert_frame_equal(a, b[b["site"] == "ward"].reset_index(drop=True))
