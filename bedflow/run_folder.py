"""A run's folder, from before Hydra writes to after the run: checked, claimed, and put back as
it was if the run fails or is interrupted, so no mistake, crash or Ctrl-C costs a user files.

Three cases: the default folder (named by the second) is claimed under a name no other run
holds; a new folder the user named is made by Hydra and removed on failure with the empty
parents it made (`results/<date>/`); a folder that was already there (a rerun into it,
`hydra.run.dir=.`) is backed up first and restored on failure. Outputs are written by atomic
renames, so a hard link keeps a file's old contents; Hydra rewrites `.hydra/` and appends to
`cli.log` in place, so those are copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .config import ConfigError

BACKUP_PREFIX = ".bedflow-backup-"


def check_writable(key: str, folder: str) -> Path:
    """Refuse an output folder that cannot be made (under a file, read-only, /proc), before
    Hydra tries; return the deepest folder on its way that exists. Leaves nothing behind."""
    path = Path(folder).absolute()
    base = next(p for p in (path, *path.parents) if p.exists())
    if not base.is_dir():
        raise ConfigError(f"{key}: cannot write {folder}: {base} is a file, not a folder")
    try:
        tempfile.TemporaryDirectory(dir=base).cleanup()
    except OSError as e:
        raise ConfigError(f"{key}: cannot write {folder}: no folder can be made in {base} "
                          f"({e.strerror or e})") from None
    return base


def claim(path: Path) -> Path:
    """Make `path` now, or `path-2`, `path-3`...: two runs started in the same second were both
    named by the second and wrote into one folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for k in range(1, 1000):
        candidate = path if k == 1 else path.with_name(f"{path.name}-{k}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise ConfigError(f"hydra.run.dir: {path} and 998 variants of it are taken")


def _backup(path: Path) -> Path:
    backup = Path(tempfile.mkdtemp(prefix=BACKUP_PREFIX, dir=path))
    for entry in path.iterdir():
        if entry == backup or entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name == ".hydra":  # the only folder a run writes into
                shutil.copytree(entry, backup / entry.name)
        elif entry.suffix == ".log":  # appended in place
            shutil.copy2(entry, backup / entry.name)
        else:
            try:
                os.link(entry, backup / entry.name)
            except OSError:  # a file system without hard links
                shutil.copy2(entry, backup / entry.name)
    return backup


class RunFolder:
    """Where one run writes; `undo()` after a failure, `done()` after success."""

    def __init__(self, key: str, folder: str, default_name: bool):
        self.path = Path(folder).absolute()
        self.existed = check_writable(key, folder)  # the deepest folder already there
        self.kept: frozenset = frozenset()
        self.backup: Path | None = None
        self.finished = False  # the run wrote everything: nothing to undo
        if default_name:
            self.path = claim(self.path)
        elif self.existed == self.path:
            self.kept = frozenset(e.name for e in self.path.iterdir())
            if self.kept:
                self.backup = _backup(self.path)

    def done(self) -> None:
        self.finished = True
        self._drop_backup()

    def _drop_backup(self) -> None:
        if self.backup is not None:
            shutil.rmtree(self.backup, ignore_errors=True)
            self.backup = None

    def undo(self) -> None:
        """Remove what the run made; put back what it changed in a folder that was there."""
        if self.existed != self.path:
            shutil.rmtree(self.path, ignore_errors=True)
            for parent in self.path.parents:  # the empty parents this run made
                if parent == self.existed or self.existed not in parent.parents:
                    break
                try:
                    parent.rmdir()  # only when empty
                except OSError:
                    break
            return
        for entry in list(self.path.iterdir()):
            if entry.name not in self.kept and entry != self.backup:
                _remove(entry)
        if self.backup is not None:
            for saved in self.backup.iterdir():
                _remove(self.path / saved.name)
                os.replace(saved, self.path / saved.name)
            self._drop_backup()


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
