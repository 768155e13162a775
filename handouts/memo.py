"""Bounded memos that several threads may share.

Rendering remembers a lot (parsed paragraphs, line breaks, shared drawings,
font subsets and their compressed bytes) because a batch repeats most of
it thousands of times. Every memo here has a size limit, so a process that
renders forever stays the same size, and a lock, so a render context can be
used from a thread pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    """A least-recently-used memo of at most ``size`` entries.

    ``second_sighting=True`` takes a key only when it comes back: most handout
    text repeats from one handout to the next and is worth keeping, while one
    patient's own words (name, notes) come once and would only churn the memo
    and the heap. A missing value is made outside the lock, so a slow maker
    never holds up the other threads (two threads may make the same value
    once; makers are pure, so either result is the same).
    """

    def __init__(self, size: int, second_sighting: bool = False):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._seen: OrderedDict | None = OrderedDict() if second_sighting else None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: Hashable) -> Any:
        """The remembered value, or None."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            seen = self._seen
            if seen is not None and key not in seen:
                seen[key] = None
                if len(seen) > self.size:
                    seen.popitem(last=False)
                return value
            self._values[key] = value
            self._values.move_to_end(key)
            if len(self._values) > self.size:
                self._values.popitem(last=False)
            return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        value = self.get(key)
        return value if value is not None else self.put(key, make())
