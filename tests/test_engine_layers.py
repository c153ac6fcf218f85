"""The engine's layers: recording is apart from the flow, so keeping the event log must not
change a single number, and the log must account for every patient it saw."""

import bedflow
from bedflow.model import run_replication


def test_the_event_log_changes_no_number():
    over = ["sim.warmup_days=3", "sim.horizon_days=10", "intervention=[rapid_response,"
            "discharge_to_assess]", "sim.progress=false"]
    plain = run_replication(bedflow.compose(over), 1)
    logged = run_replication(bedflow.compose(over + ["sim.event_log=true"]), 1)
    assert plain["rows"] == logged["rows"]
    for field, arr in plain["census"].items():
        assert (arr == logged["census"][field]).all(), field
    ev = logged["events"]
    # every patient who left a bed had been admitted to one
    adm = ev[ev["event"] == "admitted"]
    rel = ev[ev["event"] == "bed_released"]
    assert set(rel["patient"]) <= set(adm["patient"])
    assert len(rel) > 1000
