"""Named random streams, one per purpose, seeded from (seed, replication, name).

A stream's seed depends only on its name, never on the order streams are created, so adding a
stream changes no other stream's draws, and a patient drawn at arrival is the same patient in a
baseline and an intervention run (common random numbers). Draws come from numpy in blocks: one
numpy call per few thousand draws instead of one per draw.
"""

from __future__ import annotations

import hashlib
from functools import partial
from itertools import chain

import numpy as np

BLOCK = 2048


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stream_key(name)))
    return np.random.Generator(np.random.PCG64(ss))


def _blocks(rng: np.random.Generator, kind: str, shape: float = 1.0):
    """A function returning the next block of draws of one kind, as a list of floats."""
    if kind == "uniform":
        return lambda: rng.random(BLOCK).tolist()
    if kind == "exponential":
        return lambda: rng.standard_exponential(BLOCK).tolist()
    if kind == "normal":
        return lambda: rng.standard_normal(BLOCK).tolist()
    if kind == "gamma":
        return lambda: rng.standard_gamma(shape, BLOCK).tolist()
    raise ValueError(kind)  # pragma: no cover - programming error


class Stream:
    """Draws of one stream read by position: `at(k)` is the k-th draw."""

    __slots__ = ("_draw", "_buf", "_first")

    def __init__(self, rng: np.random.Generator, kind: str, shape: float = 1.0):
        self._draw = _blocks(rng, kind, shape)
        self._buf: list = []
        self._first = 0  # position in the stream of _buf[0]

    def at(self, k: int) -> float:
        """The k-th draw (from 0) of the stream, k never decreasing: a stream read by position
        gives patient k the same value whether or not the patients before it read theirs, at no
        cost for those that did not."""
        i = k - self._first
        buf = self._buf
        while i >= len(buf):
            self._first += len(buf)
            i -= len(buf)
            buf = self._buf = self._draw()
        return buf[i]


class Streams:
    """Factory for the streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication

    def rng(self, name: str) -> np.random.Generator:
        return generator(self.seed, self.replication, name)

    def __call__(self, name: str, kind: str, shape: float = 1.0):
        """A stream read in order: calling it returns the next draw. Built from C-level parts
        (next over a chain of numpy blocks), so a draw costs no Python frame."""
        return partial(next, chain.from_iterable(iter(_blocks(self.rng(name), kind, shape), None)))

    def positional(self, name: str, kind: str, shape: float = 1.0) -> Stream:
        return Stream(self.rng(name), kind, shape)
