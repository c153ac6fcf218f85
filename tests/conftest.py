import pytest

import bedflow


def run(overrides, **kw):
    """Compose and simulate quietly."""
    cfg = bedflow.compose(list(overrides) + ["sim.progress=false"])
    return bedflow.simulate(cfg, **kw)


@pytest.fixture(scope="session")
def kent_medway():
    """The default system, default year, 6 replications: shared by calibration and Little's law."""
    return run(["sim.replications=6", "sim.jobs=2"])
