"""The pharmacy page's batches: the same ``handout batch``, run where nothing stays on disk.

A batch needs files (the manifest, the handouts, the print file, report.csv),
so it runs in a private temporary folder, in memory (/dev/shm) where the
system has one, deleted as soon as the ZIP is built; the ZIP itself lives in
memory for a short while, then is dropped. The batch runs in a process of its
own (spawned: the server has threads, and a batch forks its workers), which
reports progress back one handout at a time.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HandoutError, Problem

KEEP_SECONDS = 15 * 60          # a finished ZIP waits this long for its download
KEEP_FINISHED = 3               # and only the newest few: a ZIP of 5,000 handouts takes most of a gigabyte
PRINT_FILE = "print-all.pdf"
OUTDIR = "handouts"
MEMORY_DISK = "/dev/shm"


class Busy(Exception):
    """A batch is already running."""


class TooManyRows(Exception):
    def __init__(self, rows: int, limit: int):
        super().__init__(f"the CSV has {rows} prescriptions; this server takes at most {limit} at a time. "
                         "Split the file, or ask for a higher --max-rows.")


@dataclass
class Batch:
    """One upload's progress and, when done, its ZIP (in memory only)."""

    ident: str
    state: str = "starting"          # starting | running | done | refused | failed
    total: int = 0
    done: int = 0
    counts: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    zip: bytes = b""
    finished_at: float = 0.0

    def as_dict(self) -> dict:
        return {"id": self.ident, "state": self.state, "total": self.total, "done": self.done,
                "counts": self.counts, "problems": [p.as_dict() for p in self.problems],
                "zip": f"/pharmacy/batches/{self.ident}/zip" if self.zip else ""}


def _scratch() -> str:
    """A private folder, in memory where the system offers one."""
    base = MEMORY_DISK if os.access(MEMORY_DISK, os.W_OK) else None
    return tempfile.mkdtemp(prefix="handouts-", dir=base)    # mode 0700


def safe_name(name: str, fallback: str) -> str:
    """An uploaded file's name, kept for report.csv's sources, with no path in it."""
    stem = re.sub(r"[^\w.\-]+", "-", Path(name or "").name).strip(".-")
    return stem or fallback


def _run(folder: str, csv_name: str, defaults: str | None, layout: str, paper: str,
         content_dir: str | None, workers: int | None, conn) -> None:
    """In the batch's own process: handout batch, reporting each handout's outcome.

    It runs inside the scratch folder with relative paths, so report.csv names
    files as they are laid out in the ZIP.
    """
    from .. import batch

    os.chdir(folder)
    options = batch.Options(layout, paper, content_dir)
    try:
        report = batch.run([csv_name], OUTDIR, options, workers=workers, defaults=defaults, merge=PRINT_FILE,
                           on_count=lambda total: conn.send(("total", total)),
                           progress=lambda outcome: conn.send(("one", outcome.status)))
        conn.send(("done", dict(report.counts)))
    except HandoutError as error:
        conn.send(("refused", error.problems))
    except BaseException as error:   # noqa: BLE001 - reported by type only: the message may quote a patient
        try:
            conn.send(("failed", type(error).__name__))
        except OSError:              # the server is gone (killed): no one will remove the folder but this process
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        conn.close()


class Batches:
    """Runs one batch at a time and keeps finished ZIPs in memory for a while."""

    def __init__(self, max_rows: int = 5000, workers: int | None = None, content_dir: str | None = None,
                 timeout: float = 3600):
        self.max_rows = max_rows
        self.workers = workers
        self.content_dir = content_dir
        self.timeout = timeout
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()
        self._processes: set = set()
        self._threads: list[threading.Thread] = []

    def get(self, ident: str) -> Batch | None:
        self._expire()
        return self._batches.get(ident)

    def start(self, csv_data: bytes, csv_name: str, defaults_data: bytes, defaults_name: str,
              layout: str, paper: str) -> Batch:
        """Check the upload's size, then run it in the background; Busy while another runs.

        The files are written as they were sent, so ``handout batch`` reads them by its own rules.
        """
        from ..manifest import Manifest

        self._expire()
        with self._lock:
            if any(b.state in ("starting", "running") for b in self._batches.values()):
                raise Busy
            batch = Batch(secrets.token_urlsafe(16))
            self._batches[batch.ident] = batch
        folder = _scratch()
        try:
            csv_file = str(Path(safe_name(csv_name, "manifest.csv")).with_suffix(".csv"))
            Path(folder, csv_file).write_bytes(csv_data)
            defaults = None
            if defaults_data.strip():
                defaults = "defaults-" + safe_name(defaults_name, "defaults.yaml")
                Path(folder, defaults).write_bytes(defaults_data)
            rows = len(Manifest([os.path.join(folder, csv_file)]))
            if rows > self.max_rows:
                raise TooManyRows(rows, self.max_rows)
            batch.total = rows
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            del self._batches[batch.ident]
            raise
        thread = threading.Thread(target=self._supervise, name="batch", daemon=True,
                                  args=(batch, folder, csv_file, defaults, layout, paper))
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return batch

    def close(self) -> None:
        """With the server: stop a running batch and remove its folder, so no patient's file outlives it."""
        for process in list(self._processes):
            process.kill()
        for thread in self._threads:
            thread.join(10)

    def _supervise(self, batch: Batch, folder: str, csv_file: str, defaults: str | None,
                   layout: str, paper: str) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=False)
        # not a daemon: a daemon may not start processes, and handout batch renders 4 or more rows in its own
        # workers (every batch past 3 rows failed); close() ends it with the server instead
        process = context.Process(target=_run, args=(
            folder, csv_file, defaults, layout, paper, self.content_dir, self.workers, child))
        try:
            self._processes.add(process)
            process.start()
            child.close()
            batch.state = "running"
            deadline = time.monotonic() + self.timeout
            final = None
            while final is None:
                if not parent.poll(max(0.0, min(1.0, deadline - time.monotonic()))):
                    if time.monotonic() >= deadline or not process.is_alive():
                        final = "failed"
                    continue
                final = self._hear(batch, parent.recv())
            if final == "done":
                batch.zip = _zip(folder)      # before the state says done: a poll may come at any moment
            batch.state = final
        except (EOFError, OSError):
            batch.state = "failed"
        finally:
            if process.is_alive():
                process.kill()
            process.join(5)
            self._processes.discard(process)
            parent.close()
            shutil.rmtree(folder, ignore_errors=True)
            batch.finished_at = time.monotonic()
            self._expire()

    @staticmethod
    def _hear(batch: Batch, message: tuple) -> str | None:
        """Note one message from the batch; the final state once it has ended."""
        kind, value = message
        if kind == "total":
            batch.total = value
        elif kind == "one":
            batch.done += 1
            batch.counts[value] = batch.counts.get(value, 0) + 1
        elif kind == "done":
            batch.counts = value
            return "done"
        elif kind == "refused":
            batch.problems = value
            return "refused"
        else:
            return "failed"
        return None

    def _expire(self) -> None:
        """Forget finished batches past their time, and all but the newest few, so memory stays bounded."""
        now = time.monotonic()
        with self._lock:
            finished = sorted((b for b in self._batches.values() if b.finished_at),
                              key=lambda b: b.finished_at, reverse=True)
            for batch in finished[KEEP_FINISHED:] + [b for b in finished if now - b.finished_at > KEEP_SECONDS]:
                self._batches.pop(batch.ident, None)


def _zip(folder: str) -> bytes:
    """The handouts, the print file and report.csv, in one ZIP built in memory."""
    buffer = io.BytesIO()
    outdir = Path(folder, OUTDIR)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(outdir.glob("*.pdf")):
            archive.write(path, f"{OUTDIR}/{path.name}")
        if Path(folder, PRINT_FILE).exists():
            archive.write(Path(folder, PRINT_FILE), PRINT_FILE)
        archive.write(outdir / "report.csv", "report.csv")
    return buffer.getvalue()
