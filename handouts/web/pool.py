"""Renders run in a bounded worker pool, so one slow handout never blocks the server.

The pool holds as many workers as the machine has cores. A request that
finds every worker busy and the waiting line full is answered at once with
``Busy`` (the app turns it into 503 with Retry-After) instead of queueing
without bound; a render that takes longer than the limit is answered with
``TooSlow`` while its worker finishes in the background and frees its place.

``kind`` picks the executor: "process" (default) gives each worker its own
interpreter, fonts and memos; "thread" is for when ``api.generate`` is safe on
several threads at once. The jobs are the same plain functions either way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial

from . import jobs


def cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:          # macOS, Windows
        return os.cpu_count() or 1


class Busy(Exception):
    """Every worker is busy and the waiting line is full."""


class TooSlow(Exception):
    """A job ran past the time limit."""


def make_executor(kind: str, workers: int, content_dir: str | None) -> Executor:
    if kind == "thread":
        jobs.warm(content_dir)
        return ThreadPoolExecutor(workers, thread_name_prefix="render")
    # spawn: the server has threads running, and forking a threaded process can deadlock
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=jobs.warm, initargs=(content_dir,))


class RenderPool:
    """A worker pool with a hard bound on work in flight (running plus waiting)."""

    def __init__(self, workers: int | None = None, queue: int | None = None, timeout: float = 30.0,
                 kind: str = "process", content_dir: str | None = None):
        self.workers = workers or cores()
        self.capacity = self.workers + (queue if queue is not None else 2 * self.workers)
        self.timeout = timeout
        self.kind = kind
        self.content_dir = content_dir
        self._executor: Executor | None = None
        self._in_flight = 0

    def start(self) -> None:
        if self._executor is None:
            self._executor = make_executor(self.kind, self.workers, self.content_dir)
            # start every worker now (each renders a handout as it starts: see jobs.warm), so the
            # first patient of the day does not wait for start-up
            for future in [self._executor.submit(jobs.ping) for _ in range(self.workers)]:
                future.result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one round of the line."""
        return max(1, round(self.capacity / self.workers))

    async def run(self, function, *args):
        """Run ``function(*args, content_dir=...)`` in a worker; Busy or TooSlow instead of waiting forever."""
        if self._in_flight >= self.capacity:
            raise Busy
        self.start()
        self._in_flight += 1
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, partial(function, *args, content_dir=self.content_dir))
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise TooSlow from None

    def _release(self, _future) -> None:
        self._in_flight -= 1
