"""Hydra composition: the one module (with `cli`) that knows about Hydra.

Schemas are the dataclasses in `bedflow.config`, registered in Hydra's ConfigStore, so a typo in
an override is an error. `OmegaConf.to_object` turns the composed tree into those dataclasses.
No `_target_` is ever instantiated: names map to code in code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from .config import Config, ConfigError, validate
from .state_file import read_state

SCHEMA = "bedflow_schema"


def config_dir() -> Path:
    """The project's `configs/` folder (the package is installed in place, `pip install -e`)."""
    d = Path(__file__).resolve().parent.parent / "configs"
    if not (d / "config.yaml").is_file():
        raise ConfigError(f"configs: no config.yaml in {d}; install bedflow with `pip install -e .`"
                          " from a clone of the repository")
    return d


def register() -> None:
    """The schema config.yaml names first. (The sweeper config.yaml selects for -m is a file,
    configs/hydra/sweeper/bedflow.yaml; the CLI registers the sweeper's class to run it.)"""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name=SCHEMA, node=Config)


def one_line(exc: BaseException) -> str:
    """Hydra and OmegaConf errors span lines and chain causes; users get one line."""
    parts: list[str] = []
    e: BaseException | None = exc
    while e is not None and len(parts) < 3:
        lines = [x.strip() for x in str(e).strip().splitlines() if x.strip()]
        first = lines[0] if lines else type(e).__name__
        key = getattr(e, "full_key", None)
        if key and key not in first:
            first = f"{key}: {first}"
        parent, k = getattr(e, "parent_node", None), getattr(e, "key", None)
        if k is not None and "not in" in first and hasattr(parent, "keys"):
            names = [str(x) for x in parent.keys()]
            close = difflib.get_close_matches(str(k), names, n=1)
            first += f" (did you mean {close[0]}?)" if close else f" (keys here: {', '.join(names)})"
        missing = re.search(r"Could not load '(\w+)/([^']+)'", first)
        if missing:  # an unknown name in a list-valued group, e.g. intervention=[rapid_responce]
            group, name = missing.groups()
            names = sorted(f.stem for f in (config_dir() / group).glob("*.yaml"))
            first = f"{group}: no {group} called {name!r} (available: {', '.join(names)})"
        opts = [i for i, x in enumerate(lines) if x.startswith("Available options")]
        if opts:
            names = []
            for x in lines[opts[0] + 1:]:
                if x.endswith(":"):
                    break
                names.append(x)
            first += " (available: " + ", ".join(names) + ")"
        if "$" not in first and first not in parts:
            parts.append(first)
        e = e.__cause__ or e.__context__
        if not isinstance(e, (OmegaConfBaseException, HydraException)):
            break
    return " - ".join(parts)


def to_config(cfg: DictConfig) -> Config:
    """Typed, validated Config from a composed DictConfig (from Hydra or built by hand)."""
    try:
        merged = OmegaConf.merge(OmegaConf.structured(Config), cfg)
        obj = OmegaConf.to_object(merged)
    except OmegaConfBaseException as e:
        raise ConfigError(one_line(e)) from None
    if obj.sim.initial_state:  # the observed state a forecast starts from: read here, at the edge
        state, day = read_state(obj.sim.initial_state, obj.system)
        if day is not None and day != obj.sim.start_date:
            raise ConfigError(f"sim.start_date: {obj.sim.start_date} is not the census date "
                              f"{day} of {obj.sim.initial_state} (set sim.start_date={day})")
        obj = replace(obj, initial=state)
    return validate(obj)


def compose(overrides: list[str] | None = None) -> Config:
    """The typed, validated Config of config.yaml with `overrides` (Hydra's syntax)."""
    return to_config(_compose(overrides, with_hydra=False))


def compose_with_folders(overrides: list[str] | None = None) -> tuple[Config, dict[str, str]]:
    """compose, plus where Hydra would write: {"hydra.run.dir": ..., "hydra.sweep.dir": ...}
    (a folder named by something only known in the job, such as hydra.job.num, is left out)."""
    cfg = _compose(overrides, with_hydra=True)
    folders = {}
    for key in ("hydra.run.dir", "hydra.sweep.dir"):
        try:
            folders[key] = str(OmegaConf.select(cfg, key, throw_on_resolution_failure=True))
        except OmegaConfBaseException:
            pass
    with read_write(cfg), open_dict(cfg):
        del cfg["hydra"]
    return to_config(cfg), folders


def _compose(overrides: list[str] | None, with_hydra: bool) -> DictConfig:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    register()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides or []),
                                 return_hydra_config=with_hydra)
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(one_line(e)) from None
    except yaml.YAMLError as e:  # a slip in a YAML file: a missing colon, a duplicate key
        raise ConfigError(_yaml_line(e)) from None
    except AssertionError as e:  # OmegaConf, for an override below a node that is None
        raise ConfigError(_below_nothing(overrides or []) or f"could not apply the overrides: {e}") \
            from None


def _yaml_line(e: "yaml.YAMLError") -> str:
    """`file line N: problem` for a YAML error, whose own text spans several lines."""
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e).strip().splitlines()[0]
    if mark is None:
        return f"a YAML file cannot be read: {problem}"
    try:
        name = Path(mark.name).resolve().relative_to(config_dir().parent)
    except (ValueError, OSError):
        name = mark.name
    return f"{name} line {mark.line + 1}: {problem}"


def _below_nothing(overrides: list[str]) -> str | None:
    """The usual way to set a key below nothing: a parameter of an intervention not switched on."""
    for o in overrides:
        parts = o.split("=", 1)[0].lstrip("+~").split(".")
        if len(parts) >= 3 and parts[0] == "intervention":
            return (f"{'.'.join(parts)}: intervention {parts[1]} is not switched on; add it to the "
                    f"list, e.g. intervention=[{parts[1]}]")
    return None
