"""``once``: functools.cache for values that are costly to build (a model session, a grader, a key file) and
are first asked for by several threads together, as a worker's threads are. ``functools.cache`` lets each of
them build its own copy (a worker of 16 threads once loaded 16 embedding models, 2.9 GB); ``once`` builds the
value one time per argument tuple and hands every caller that value."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Once(Generic[P, T]):
    def __init__(self, fn: Callable[P, T]) -> None:
        self._fn = fn
        self._values: dict[tuple[Hashable, ...], T] = {}
        self._lock = threading.RLock()
        functools.update_wrapper(self, fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        key = (*args, *sorted(kwargs.items()))
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._values:
                self._values[key] = self._fn(*args, **kwargs)
            return self._values[key]

    def cache_clear(self) -> None:
        with self._lock:
            self._values.clear()


def once(fn: Callable[P, T]) -> Once[P, T]:
    return Once(fn)
