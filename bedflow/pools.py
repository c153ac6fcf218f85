"""Places: a pool of slots (downstream places, a community caseload) with a FIFO queue."""

from __future__ import annotations

from collections import deque


class Places:
    """A pool of downstream places (or any slots) with a FIFO queue of waiting patients.

    `base` is the contracted capacity; `capacity` may rise above it by places bought for one
    patient each (spot purchase, `buy`), and falls back by one whenever a place comes free
    while any bought place is in use: a bought place ends with its patient.
    """

    __slots__ = ("capacity", "busy", "queue", "base")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.base = capacity
        self.busy = 0
        self.queue: deque = deque()

    def buy(self) -> None:
        """One more place, taken at once by the longest waiting patient."""
        self.capacity += 1
        self.busy += 1
        self.queue.popleft().succeed()

    def release(self, _event=None) -> None:
        if self.capacity > self.base:  # a bought place ends with its patient
            self.capacity -= 1
            self.busy -= 1
        elif self.queue:
            self.queue.popleft().succeed()
        else:
            self.busy -= 1
