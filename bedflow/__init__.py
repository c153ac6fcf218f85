"""bedflow: acute hospital bed flow and delayed discharge, simulated with SimPy."""

from importlib.metadata import PackageNotFoundError, version

from .config import Config, ConfigError
from .results import Results
from .runner import simulate

try:
    __version__ = version("bedflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"


def compose(overrides: list[str] | None = None) -> Config:
    """Compose the Hydra configs with `overrides` and return the validated typed Config."""
    from .hydra_compose import compose as _compose

    return _compose(overrides)


__all__ = ["Config", "ConfigError", "Results", "compose", "simulate", "__version__"]
