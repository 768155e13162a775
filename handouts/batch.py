"""Many prescriptions → many handouts and one print file, in parallel, nothing lost.

Work is rendered in worker processes and handed back in input order, so
names, suffixes and the print file are the same on every run. Each handout is
written atomically; one refused prescription is reported and the rest go on.
A re-run after an interruption finds the finished files byte-identical and
leaves them as they are.
"""

from __future__ import annotations

import csv
import io
import itertools
import multiprocessing
import os
import signal
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import api, prescription
from .context import default as default_context
from .errors import PrescriptionError, Problem
from .manifest import Job, Manifest
from .merge import PrintFile
from .naming import DEFAULT_TEMPLATE, file_name
from .output import atomic_file, write_atomic


@dataclass(frozen=True)
class Options:
    layout: str = "standard"
    paper: str = "letter"
    content_dir: str | None = None
    strict: bool = False
    template: str = DEFAULT_TEMPLATE
    collisions: str = "suffix"


@dataclass
class Outcome:
    """What happened to one input."""

    source: str
    status: str                      # written | unchanged | refused
    output: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Report:
    """Counts and failures only: a batch of any size keeps no list of its handouts."""

    counts: Counter = field(default_factory=Counter)
    failed: list[Outcome] = field(default_factory=list)
    merged: str = ""
    merged_pages: int = 0
    interrupted: bool = False

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "refused":
            self.failed.append(outcome)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        counts = self.counts
        text = (f"{self.done} prescriptions: {counts['written']} written, "
                f"{counts['unchanged']} unchanged, {counts['refused']} refused")
        if self.merged:
            text += f"; print file {self.merged} ({self.merged_pages} pages)"
        if self.interrupted:
            text += "; INTERRUPTED: run the same command again to finish"
        return text


# --- in the worker processes ---------------------------------------------------

@dataclass
class _Rendered:
    source: str
    pdf: bytes | None
    fields: dict
    problems: list[Problem]


def _render(job: Job, options: Options) -> _Rendered:
    ctx = default_context(options.content_dir)
    lib = ctx.library
    try:
        rx = (prescription.load(job.path, lib) if job.text is None
              else prescription.parse(job.text, job.source, lib))
        result = api.from_prescription(rx, lib, options.layout, options.paper, options.strict, context=ctx)
    except PrescriptionError as error:
        return _Rendered(job.source, None, {}, job.relocate(error.problems))
    data = rx.source.data
    fields = {"patient": rx.patient_name, "medication": rx.medication, "route": rx.route,
              "start": rx.start.isoformat(), "id": str((data.get("patient") or {}).get("id") or ""),
              "source": job.stem}
    return _Rendered(job.source, result.pdf, fields, job.relocate(result.warnings))


def _render_chunk(jobs: list[Job], options: Options) -> list[_Rendered]:
    return [_render(job, options) for job in jobs]


def _warm(options: Options) -> None:
    """Load the content library and fonts once per worker, before the first job.

    A worker dies quietly on the parent's terminate(); only the parent turns a
    kill into a clean stop.
    """
    if multiprocessing.parent_process() is not None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    default_context(options.content_dir)


# --- in the parent ------------------------------------------------------------

def run(inputs: Iterable[str], outdir: Path | str, options: Options = Options(), *, workers: int | None = None,
        defaults: str | None = None, merge: str | None = None, report: str | None = None,
        progress: Callable[[Outcome], None] | None = None,
        on_count: Callable[[int], None] | None = None) -> Report:
    """Render every input; never stop at a bad one.

    Only a broken ``defaults`` file raises PrescriptionError, before anything is written.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    jobs = Manifest(inputs, defaults)
    total = len(jobs)
    if on_count:
        on_count(total)
    result = Report()
    printer = PrintFile(merge) if merge else None
    used: set[str] = set()
    with atomic_file(Path(report) if report else outdir / "report.csv") as handle:
        rows = _ReportRows(handle)
        try:
            for rendered in _rendered(iter(jobs), total, options, workers):
                outcome = _place(rendered, outdir, options, used)
                if printer and rendered.pdf is not None and outcome.status != "refused":
                    printer.add(rendered.pdf)
                result.add(outcome)
                rows.add(outcome)
                if progress:
                    progress(outcome)
        except KeyboardInterrupt:
            result.interrupted = True
        except BaseException:
            if printer:
                printer.abort()
            raise
        if result.interrupted:
            if printer:
                printer.abort()
                printer = None
            rows.not_done(itertools.islice(jobs, result.done, None))
    if printer:
        printer.close()
        result.merged, result.merged_pages = str(merge), printer.pages
    return result


def _rendered(jobs: Iterator[Job], total: int, options: Options, workers: int | None) -> Iterator[_Rendered]:
    """Results in input order, with at most two chunks per worker in flight.

    The bound keeps memory flat when the parent (writing files, the print file)
    falls behind the workers: finished handouts wait in the workers, not in a
    queue that grows with the batch.
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or total < 4:
        _warm(options)
        yield from (_render(job, options) for job in jobs)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = context.Pool(workers, initializer=_warm, initargs=(options,))
    size = max(1, min(16, total // (workers * 8)))
    pending: deque = deque()
    try:
        while chunk := list(itertools.islice(jobs, size)):
            pending.append(pool.apply_async(_render_chunk, (chunk, options)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _place(rendered: _Rendered, outdir: Path, options: Options, used: set[str]) -> Outcome:
    if rendered.pdf is None:
        return Outcome(rendered.source, "refused", problems=rendered.problems)
    base = file_name(options.template, rendered.fields)
    for n in range(1, 10_000):
        name = base if n == 1 else f"{base[:-4]}-{n}.pdf"
        path = outdir / name
        if name in used:
            if options.collisions == "error":
                return _collision(rendered, name, "another prescription in this batch has the same file name")
            continue
        if path.exists() and options.collisions != "overwrite":
            if path.read_bytes() == rendered.pdf:
                used.add(name)
                return Outcome(rendered.source, "unchanged", str(path), rendered.problems)
            if options.collisions == "error":
                return _collision(rendered, name, "a different file with this name is already there")
            continue
        used.add(name)
        write_atomic(path, rendered.pdf, durable=False)
        return Outcome(rendered.source, "written", str(path), rendered.problems)
    return _collision(rendered, base, "too many files with this name")


def _collision(rendered: _Rendered, name: str, why: str) -> Outcome:
    problem = Problem(rendered.source, None, "", f"not written: {name}: {why}",
                      "use --name with more fields (e.g. {id}), --collisions suffix, or another folder")
    return Outcome(rendered.source, "refused", problems=[*rendered.problems, problem])


REPORT_COLUMNS = ["source", "status", "output", "line", "severity", "field", "message", "fix"]


class _ReportRows:
    """report.csv, written as the batch goes: every input, its outcome and each problem."""

    def __init__(self, handle):
        self._handle = handle
        self._write([dict(zip(REPORT_COLUMNS, REPORT_COLUMNS, strict=True))])

    def add(self, outcome: Outcome) -> None:
        known = {"source": outcome.source, "status": outcome.status, "output": outcome.output}
        self._write([{**known, "line": p.line or "", "severity": p.severity, "field": p.field,
                      "message": p.message, "fix": p.fix.replace("\n", " ")} for p in outcome.problems] or [known])

    def not_done(self, jobs: Iterable[Job]) -> None:
        self._write([{"source": job.source, "status": "not done (interrupted)"} for job in jobs])

    def _write(self, rows: list[dict]) -> None:
        buffer = io.StringIO()
        csv.DictWriter(buffer, REPORT_COLUMNS, lineterminator="\n").writerows(rows)
        self._handle.write(buffer.getvalue().encode("utf-8"))
