"""Places: a pool of slots (downstream places, a community caseload) with a FIFO queue."""

from __future__ import annotations

from collections import deque


class Places:
    """A pool of downstream places (or any slots) with a FIFO queue of waiting patients."""

    __slots__ = ("capacity", "busy", "queue")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.busy = 0
        self.queue: deque = deque()

    def release(self, _event=None) -> None:
        if self.queue:
            self.queue.popleft().succeed()
        else:
            self.busy -= 1
