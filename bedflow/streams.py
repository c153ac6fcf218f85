"""Named random streams, one per purpose, seeded from (seed, replication, name).

A stream's seed depends only on its name, never on the order streams are created, so adding a
stream changes no other stream's draws, and a patient drawn at arrival is the same patient in a
baseline and an intervention run (common random numbers). Draws come from numpy in blocks: one
numpy call per few thousand draws instead of one per draw.
"""

from __future__ import annotations

import hashlib

import numpy as np

BLOCK = 2048


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stream_key(name)))
    return np.random.Generator(np.random.PCG64(ss))


class Stream:
    """Buffered draws of one kind from one named generator."""

    __slots__ = ("_draw", "_buf", "_i")

    def __init__(self, rng: np.random.Generator, kind: str, shape: float = 1.0):
        if kind == "uniform":
            self._draw = lambda: rng.random(BLOCK).tolist()
        elif kind == "exponential":
            self._draw = lambda: rng.standard_exponential(BLOCK).tolist()
        elif kind == "normal":
            self._draw = lambda: rng.standard_normal(BLOCK).tolist()
        elif kind == "gamma":
            self._draw = lambda: rng.standard_gamma(shape, BLOCK).tolist()
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        self._buf: list = []
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i == len(self._buf):
            self._buf = self._draw()
            i = 0
        self._i = i + 1
        return self._buf[i]


class Streams:
    """Factory for the streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication

    def rng(self, name: str) -> np.random.Generator:
        return generator(self.seed, self.replication, name)

    def __call__(self, name: str, kind: str, shape: float = 1.0) -> Stream:
        return Stream(self.rng(name), kind, shape)
