"""Worker processes that hand results back in input order and outlive a dead worker.

``multiprocessing.Pool`` waits forever for a task whose worker was killed (the
OOM killer, kill -9), and ``concurrent.futures`` fails every pending task at
once with BrokenProcessPool, so nobody can tell which input was to blame. Here
each worker has a pipe of its own and answers item by item, so when one dies
the parent knows the exact item it was on: that item alone is reported lost,
the rest of its work goes to a fresh worker, and the run goes on. An item that
runs past ``timeout`` seconds is treated the same way (the worker is killed).
"""

from __future__ import annotations

import itertools
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any

from . import heap

Lost = Callable[[Any, str], Any]          # (item, why) -> the result to hand back for it


def ordered_map(work: Callable, items: Iterable, *, workers: int, chunk: int, lost: Lost,
                init: Callable | None = None, init_args: tuple = (), timeout: float = 300.0) -> Iterator:
    """``work(item)`` for every item, computed in ``workers`` processes, yielded in input order.

    At most two chunks per worker are in flight, counting results that wait for
    an earlier one: memory stays flat however far the consumer falls behind.
    """
    pool = _Pool(work, init, init_args, workers)
    source = enumerate(items)
    retry: deque = deque()                 # (index, item) taken back from dead workers, in order
    done: dict[int, Any] = {}
    next_out = 0
    in_flight = 0                          # sent and not yet yielded
    cap = 2 * workers * chunk
    exhausted = False
    try:
        while True:
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
                in_flight -= 1
            while in_flight < cap:
                worker = pool.idlest()
                if worker.chunks >= 2:
                    break
                batch = [retry.popleft() for _ in range(min(chunk, len(retry)))]
                if not batch and not exhausted:
                    batch = list(itertools.islice(source, chunk))
                    exhausted = not batch
                if not batch:
                    break
                pool.send(worker, batch)
                in_flight += len(batch)
            if not in_flight:
                break
            for worker, results, why in pool.poll(timeout):
                for index, result in results:
                    done[index] = result
                if why is not None:
                    left = worker.abandon()
                    if left:
                        index, item = left[0]
                        done[index] = lost(item, why)
                        in_flight -= len(left) - 1
                        retry = deque(sorted([*retry, *left[1:]], key=lambda pair: pair[0]))
        pool.close()
    finally:
        pool.terminate()


class _Worker:
    def __init__(self, context, work, init, init_args):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, work, init, init_args, self.conn), daemon=True)
        self.process.start()
        child.close()
        self.assigned: deque = deque()      # (index, item) sent and not yet answered
        self.sizes: deque = deque()         # the sizes of the chunks in flight
        self.since = time.monotonic()       # when its current item started

    @property
    def chunks(self) -> int:
        return len(self.sizes)

    def send(self, batch: list) -> None:
        if not self.assigned:
            self.since = time.monotonic()
        self.assigned.extend(batch)
        self.sizes.append(len(batch))
        self.conn.send(batch)

    def receive(self) -> tuple[list, bool]:
        """The answers waiting in the pipe, and whether the pipe is broken."""
        results = []
        try:
            while self.conn.poll():
                index, result = self.conn.recv()
                if not self.assigned or self.assigned[0][0] != index:
                    return results, True
                self.assigned.popleft()
                self.sizes[0] -= 1
                if not self.sizes[0]:
                    self.sizes.popleft()
                self.since = time.monotonic()
                results.append((index, result))
        except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
            return results, True    # a message cut short by the worker's death
        return results, False

    def abandon(self) -> list:
        """Stop the worker; hand back what it had not answered."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        left = list(self.assigned)
        self.assigned.clear()
        self.sizes.clear()
        return left


class _Pool:
    def __init__(self, work, init, init_args, size: int):
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._spec = (work, init, init_args)
        self.workers = [_Worker(self._context, *self._spec) for _ in range(size)]

    def idlest(self) -> _Worker:
        return min(self.workers, key=lambda w: w.chunks)

    def send(self, worker: _Worker, batch: list) -> None:
        """Give ``batch`` to ``worker``, or to a fresh one if it died while it had nothing to do."""
        try:
            worker.send(batch)
        except OSError:
            worker.abandon()
            self._replace(worker).send(batch)

    def _replace(self, worker: _Worker) -> _Worker:
        fresh = _Worker(self._context, *self._spec)
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def poll(self, timeout: float) -> Iterator[tuple[_Worker, list, str | None]]:
        """(worker, its new answers, why it is lost or None) for every worker with news.

        A lost worker is replaced at once, so the pool keeps its size.
        """
        busy = [w for w in self.workers if w.assigned]
        if not busy:
            return
        now = time.monotonic()
        wait_for = max(0.0, min(w.since + timeout for w in busy) - now)
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for))
        now = time.monotonic()
        for worker in list(self.workers):
            if not worker.assigned:
                continue
            dead = worker.process.sentinel in ready
            results, broken = worker.receive() if (dead or worker.conn in ready) else ([], False)
            why = None
            if dead or broken:
                worker.process.join(1)
                why = _death(worker.process.exitcode)
            elif now - worker.since > timeout:
                why = f"took longer than {timeout:g} s and was stopped"
            if results or why:
                yield worker, results, why
            if why:
                self._replace(worker)

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(5)

    def terminate(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self.workers:
            worker.process.join()
            worker.conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the system may have run out of memory)" if name == "SIGKILL" else ""
        return f"the worker process stopped unexpectedly: killed by {name}{hint}"
    return f"the worker process stopped unexpectedly (exit code {exitcode})"


def _serve(conn, work, init, init_args, parent_end=None) -> None:
    """A worker: answer each chunk item by item until told to stop.

    Ctrl-C reaches the whole process group; only the parent acts on it (it
    stops the workers), so a worker ignores it, and dies quietly on SIGTERM.
    A forked worker closes its copy of the parent's end of the pipe: then a
    parent killed outright (kill -9) leaves it reading end-of-file, and it
    exits instead of waiting for ever with patient data in memory.
    """
    if parent_end is not None:
        parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if init is not None:
        try:
            init(*init_args)
        except Exception:   # noqa: BLE001 - the same failure is reported item by item by ``work``
            pass
    heap.settle()
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, item in batch:
            try:
                conn.send((index, work(item)))
            except OSError:         # the parent is gone
                return
            heap.sweep()          # after the answer has gone: off the parent's wait
