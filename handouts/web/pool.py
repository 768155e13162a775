"""Renders run in a bounded worker pool, so one slow handout never blocks the server.

The pool holds as many workers as the machine has cores. A request that
finds every worker busy and the waiting line full is answered at once with
``Busy`` (the app turns it into 503 with Retry-After) instead of queueing
without bound; a render that takes longer than the limit is answered with
``TooSlow``. A thread cannot be stopped, so a thread pool's worker finishes
in the background; a process pool's workers are killed and replaced, so a
render that never ends cannot hold a worker (and a place in the line)
forever. A worker that dies (killed, out of memory) breaks a process pool;
the pool replaces it, and the renders it took down are answered ``Broken``.

``kind`` picks the executor: "process" (default) gives each worker its own
interpreter, fonts and memos; "thread" is for when ``api.generate`` is safe on
several threads at once. The jobs are the same plain functions either way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial

from .. import heap
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


class Broken(Exception):
    """The worker running a job stopped (killed, out of memory); the pool has new workers."""


def make_executor(kind: str, workers: int, content_dir: str | None) -> Executor:
    if kind == "thread":
        jobs.warm(content_dir)
        return ThreadPoolExecutor(workers, thread_name_prefix="render")
    # spawn: the server has threads running, and forking a threaded process can deadlock
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(content_dir,))


def _start_worker(content_dir: str | None) -> None:
    jobs.warm(content_dir)
    heap.settle()


def _job(function, args: tuple, content_dir: str | None):
    """``function`` in a worker, then its garbage swept (see ``handouts.heap``) before the next job."""
    try:
        return function(*args, content_dir=content_dir)
    finally:
        heap.sweep()


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
        loop, job = asyncio.get_running_loop(), partial(_job, function, args, self.content_dir)
        try:
            future = loop.run_in_executor(self._executor, job)
        except BrokenExecutor:          # a worker died while idle: this job never started, so new workers take it
            self._replace(self._executor)
            future = loop.run_in_executor(self._executor, job)
        executor = self._executor
        self._in_flight += 1
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            if self.kind == "process":
                self._replace(executor)
            raise TooSlow from None
        except BrokenExecutor:
            self._replace(executor)
            raise Broken from None

    def _replace(self, executor: Executor) -> None:
        """Kill a process pool's workers and start new ones, without waiting for them (they warm up as they start).

        Every job the old workers had is answered BrokenProcessPool, so their places in the line come free.
        """
        if self._executor is not executor:
            return                       # already replaced, for another job it took down
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        self._executor = make_executor(self.kind, self.workers, self.content_dir)

    def _release(self, future) -> None:
        self._in_flight -= 1
        if not future.cancelled():
            future.exception()      # seen: a job no one waits for any more is not logged with its message
