"""Per-agent "until" times with a running count of those later than a clock.

:class:`UntilArray` holds ``busy_until`` (when each resident is home again) and answers
"how many are later than ``now``?" (:meth:`UntilArray.count_after`) in O(changes since the
last question) instead of O(agents): item writes keep a count and a heap of the finite times
still ahead, and a question pops the times the clock has passed since the last one.
"""

from __future__ import annotations

import heapq
import operator
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Count:
    """The running count of an :class:`UntilArray` (shared with its views and copies)."""

    #: times are counted against this clock (the last ``now`` asked about)
    clock: float = -np.inf
    #: number of entries later than ``clock``
    after: int = 0
    #: (time, write number, index) of every finite time later than ``clock`` when written (stale ones included)
    heap: list = field(default_factory=list)
    #: index -> write number of its current finite entry in ``heap``
    latest: dict = field(default_factory=dict)
    writes: int = 0
    #: True when a write was not tracked: the next question recounts
    stale: bool = True


class UntilArray(np.ndarray):
    """A float64 array of times with :meth:`count_after` in O(changes).

    Item writes ``a[i] = t`` on the array itself are tracked one by one.  Any other write (a
    slice or mask assignment, an in-place ufunc, ``fill``, a write to a view or copy) marks the
    count stale, and the next :meth:`count_after` recounts in O(n): never a wrong count, at
    worst a slow one.  Results of ufuncs are plain arrays.
    """

    def __new__(cls, values) -> UntilArray:
        obj = np.asarray(values, dtype=np.float64).view(cls)
        obj._count = _Count()
        obj._own = True
        return obj

    def __array_finalize__(self, obj) -> None:
        # views and copies share the count: a write through them makes it stale
        self._count = getattr(obj, "_count", None)
        self._own = False

    def __reduce__(self):
        return UntilArray, (np.asarray(self),)

    def _untracked(self) -> None:
        if self._count is not None:
            self._count.stale = True

    def __setitem__(self, key, value) -> None:
        c = self._count
        if not self._own or c is None or c.stale or not isinstance(key, (int, np.integer)):
            super().__setitem__(key, value)
            self._untracked()
            return
        i = operator.index(key)
        if i < 0:
            i += len(self)
        old = float(np.ndarray.__getitem__(self, i))
        super().__setitem__(i, value)
        new = float(np.ndarray.__getitem__(self, i))
        if old > c.clock:
            c.after -= 1
            c.latest.pop(i, None)
        if new > c.clock:
            c.after += 1
            if new != np.inf:
                c.writes += 1
                c.latest[i] = c.writes
                heapq.heappush(c.heap, (new, c.writes, i))

    def count_after(self, now: float) -> int:
        """Number of entries later than ``now`` (``now`` should not go back; if it does, a recount)."""
        c = self._count if self._own else None
        if c is None:
            return int(np.count_nonzero(np.asarray(self) > now))
        if c.stale or now < c.clock:
            self._recount(c, now)
            return c.after
        heap, latest = c.heap, c.latest
        while heap and heap[0][0] <= now:
            _, w, i = heapq.heappop(heap)
            if latest.get(i) == w:
                del latest[i]
                c.after -= 1
        c.clock = now
        return c.after

    def _recount(self, c: _Count, now: float) -> None:
        values = np.asarray(self)
        ahead = values > now
        idx = np.flatnonzero(ahead & (values != np.inf))
        c.clock, c.after, c.writes, c.stale = float(now), int(np.count_nonzero(ahead)), len(idx), False
        c.heap = list(zip(values[idx].tolist(), range(1, len(idx) + 1), idx.tolist(), strict=True))
        heapq.heapify(c.heap)
        c.latest = dict(zip(idx.tolist(), range(1, len(idx) + 1), strict=True))

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [np.asarray(x) if isinstance(x, UntilArray) else x for x in inputs]
        if out is not None:
            for o in out:
                if isinstance(o, UntilArray):
                    o._untracked()
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, UntilArray) else o for o in out)
        if method == "at" and isinstance(inputs[0], UntilArray):
            inputs[0]._untracked()
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types, args, kwargs):
        if func in _WRITES_FIRST and args and isinstance(args[0], UntilArray):
            args[0]._untracked()
        return super().__array_function__(func, types, args, kwargs)

    def fill(self, value) -> None:
        """As :meth:`numpy.ndarray.fill` (the count is recounted at the next question)."""
        super().fill(value)
        self._untracked()

    def put(self, *args, **kwargs) -> None:
        """As :meth:`numpy.ndarray.put` (the count is recounted at the next question)."""
        super().put(*args, **kwargs)
        self._untracked()

    def sort(self, *args, **kwargs) -> None:
        """As :meth:`numpy.ndarray.sort` (the count is recounted at the next question)."""
        super().sort(*args, **kwargs)
        self._untracked()


#: numpy functions that write into their first argument
_WRITES_FIRST = frozenset({np.copyto, np.place, np.put, np.putmask, np.put_along_axis, np.fill_diagonal})
