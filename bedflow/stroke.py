"""A stroke unit inside a site: hyper-acute beds, then acute stroke unit beds.

A patient is (arrival time, hyper-acute days, acute days). On arrival it takes the unit's first
bed (hyper-acute, or acute where the unit has no hyper-acute beds, for the whole stay) or finds
none: then it is an outlier in a general bed at the site, or waits in ED for the unit's next
bed (`StrokeFull`). At the end of the hyper-acute stay it moves to an acute stroke bed, or keeps
its hyper-acute bed until one is free (a held-up transfer). Beds are counters with FIFO queues
and every step a timeout callback, as in bedflow.model.
"""

from __future__ import annotations

from collections import deque

from .recorder import StrokeRecorder


class StrokeWard:
    __slots__ = ("env", "hyper", "acute", "hyper_busy", "acute_busy", "entry", "transfer",
                 "rec", "wait", "outlier")

    def __init__(self, env, hyper: int, acute: int, rec: StrokeRecorder, wait: bool, outlier):
        self.env = env
        self.hyper, self.acute = hyper, acute
        self.hyper_busy = self.acute_busy = 0
        self.entry: deque = deque()  # waiting in ED for the first bed: (arrived, h, a)
        self.transfer: deque = deque()  # in a hyper-acute bed, waiting for an acute one: a
        self.rec = rec
        self.wait = wait
        self.outlier = outlier  # outlier(stay days, t): placed in a general bed (False: none)

    def arrive(self, t: float, h: float, a: float, minutes: float) -> None:
        self.rec.arrived(t, minutes)
        if self.hyper:
            if self.hyper_busy < self.hyper and not self.entry:
                self.hyper_busy += 1
                self.rec.hyperacute(+1, t)
                self._hyperacute(h, a)
                return
        elif self.acute_busy < self.acute and not self.entry:
            self.acute_busy += 1
            self.rec.acute(+1, t)
            self._acute(h + a)
            return
        if self.wait:
            self.rec.found_no_bed(t, False)
            self.entry.append((t, h, a))
        else:
            self.rec.found_no_bed(t, self.outlier(h + a, t))

    def _hyperacute(self, h: float, a: float) -> None:
        self.env.timeout(h).callbacks.append(lambda _: self._to_acute(a))

    def _acute(self, a: float) -> None:
        self.env.timeout(a).callbacks.append(self._left_acute)

    def _to_acute(self, a: float) -> None:
        t = self.env.now
        if self.acute_busy < self.acute and not self.transfer:
            self.acute_busy += 1
            self.rec.acute(+1, t)
            self._acute(a)
            self._free_hyper(t)
        else:
            self.rec.transfer_held(t)
            self.transfer.append(a)

    def _free_hyper(self, t: float) -> None:
        if self.entry:  # the bed goes to the longest waiting in ED
            arrived, h, a = self.entry.popleft()
            self.rec.waited_for_bed(arrived, t)
            self._hyperacute(h, a)
        else:
            self.hyper_busy -= 1
            self.rec.hyperacute(-1, t)

    def _left_acute(self, _event) -> None:
        t = self.env.now
        if self.transfer:  # the bed goes to a held-up transfer, who frees a hyper-acute bed
            self._acute(self.transfer.popleft())
            self._free_hyper(t)
        elif self.entry and not self.hyper:  # no hyper-acute stage: straight from ED
            arrived, h, a = self.entry.popleft()
            self.rec.waited_for_bed(arrived, t)
            self._acute(h + a)
        else:
            self.acute_busy -= 1
            self.rec.acute(-1, t)
