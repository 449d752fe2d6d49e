"""Append-only columns of numbers in numpy buffers instead of lists of Python objects.

A record kept for every tick or every visit of a long run (365 days of one-minute ticks is
525,600 rows) costs 8 bytes a value in a numpy buffer against 32 or more as a Python
``int`` or ``float`` in a list, and the cyclic garbage collector has nothing in it to
traverse.  :class:`Column` grows its buffer by doubling (amortised O(1) per append) and reads
like the list it replaces: ``len``, indexing and slicing (Python scalars back), iteration,
``bool``, and ``numpy.asarray``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

_INT_TYPES = (int, np.int64)
_FLOAT_TYPES = (float, np.float64)
_I64 = np.iinfo(np.int64)


def dtype_of(value) -> type | None:
    """The buffer dtype for ``value`` (an exact int or float, not bool), else None."""
    t = type(value)
    if t in _INT_TYPES:
        return np.int64 if _I64.min <= value <= _I64.max else None
    if t in _FLOAT_TYPES:
        return np.float64
    return None


class Column(Sequence):
    """An append-only column: a typed numpy buffer, or a plain list for anything else.

    Parameters
    ----------
    dtype
        The buffer's dtype.  None (the default) infers it from the first value: ``int64`` for
        ``int``/``numpy.int64``, ``float64`` for ``float``/``numpy.float64``; a value of any
        other type, or one that does not match the inferred kind later, turns the column into a
        list of the values as given (the earlier ones as Python scalars), so
        ``pandas.DataFrame`` infers the same dtype it would from the list this column replaces.
    """

    __slots__ = ("_buf", "_n", "_list", "_fixed")

    def __init__(self, dtype=None) -> None:
        self._fixed = dtype is not None
        self._buf = np.empty(16, dtype=dtype) if dtype is not None else None
        self._n = 0
        self._list: list | None = None

    def append(self, value) -> None:
        """Add ``value`` at the end."""
        if self._list is not None:
            self._list.append(value)
            return
        buf, n = self._buf, self._n
        if not self._fixed:
            kind = dtype_of(value)
            if buf is None and kind is not None:
                buf = self._buf = np.empty(16, dtype=kind)
            elif buf is None or kind is not buf.dtype.type:
                self._list = [] if buf is None else buf[:n].tolist()
                self._list.append(value)
                self._buf = None
                return
        if n == len(buf):
            self._buf = buf = np.concatenate([buf, np.empty_like(buf)])
        buf[n] = value
        self._n = n + 1

    def values(self) -> np.ndarray | list:
        """A copy of the values: an array (its dtype), or a list for a list column."""
        if self._list is not None:
            return list(self._list)
        if self._buf is None:
            return []
        return self._buf[:self._n].copy()

    def __len__(self) -> int:
        return len(self._list) if self._list is not None else self._n

    def __getitem__(self, index):
        if self._list is not None:
            return self._list[index]
        if self._buf is None:
            return [][index]
        view = self._buf[:self._n]
        if isinstance(index, slice):
            return view[index].tolist()
        if not -self._n <= index < self._n:
            raise IndexError("Column index out of range")
        return view[index].item()

    def __iter__(self) -> Iterator:
        if self._list is not None:
            return iter(self._list)
        return iter(self._buf[:self._n].tolist() if self._buf is not None else ())

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return np.asarray(self.values(), dtype=dtype)

    def __repr__(self) -> str:
        return f"Column({list(self)!r})"

    def __reduce__(self):
        return _rebuild, (self._buf.dtype if self._fixed else None, self.values())


def _rebuild(dtype, values) -> Column:
    col = Column(dtype)
    for v in values:
        col.append(v)
    return col
