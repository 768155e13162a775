"""Many prescriptions → many handouts and one print file, in parallel, nothing lost.

Work is rendered in worker processes and handed back in input order, so
names, suffixes and the print file are the same on every run. Each handout is
written atomically; one refused prescription is reported and the rest go on.
A re-run after an interruption finds the finished files byte-identical and
leaves them as they are.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import api, output, pool, prescription
from .context import default as default_context
from .errors import HandoutError, OutputError, Problem
from .manifest import SUFFIXES, Job, Manifest
from .merge import PrintFile
from .naming import DEFAULT_TEMPLATE, file_name
from .output import output_file, write_atomic
from .owners import Owners


@dataclass(frozen=True)
class Options:
    layout: str = "standard"
    paper: str | None = None             # None: the language's paper (A4 for en-GB)
    content_dir: str | None = None
    strict: bool = False
    template: str = DEFAULT_TEMPLATE
    collisions: str = "suffix"
    language: str | None = None          # overrides each prescription's patient.language


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
    print_file_error: str = ""
    interrupted: bool = False

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "refused":
            self.failed.append(outcome)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.interrupted or self.print_file_error)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        counts = self.counts
        text = (f"{self.done} prescriptions: {counts['written']} written, "
                f"{counts['unchanged']} unchanged, {counts['refused']} refused")
        if self.merged:
            text += f"; print file {self.merged} ({self.merged_pages} pages)"
        if self.print_file_error:
            text += f"; {self.print_file_error}"
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
    key: str = ""              # the input's identity across runs (see owners.py)


def _render(job: Job, options: Options) -> _Rendered:
    """One job, never raising: any failure becomes the job's problems, so one bad input costs one row."""
    if job.refusal is not None:
        return _Rendered(job.source, None, {}, [job.refusal])
    try:
        ctx = default_context(options.content_dir)
        lib = ctx.library
        defaults = job.defaults_file or None
        rx = (prescription.load(job.path, lib, defaults) if job.text is None
              else prescription.parse(job.text, str(job.path or job.source), lib, defaults, job.row_line or None))
        result = api.from_prescription(rx, lib, options.layout, options.paper, options.strict, context=ctx,
                                       language=options.language)
        data = rx.source.data
        fields = {"patient": rx.patient_name, "medication": rx.medication, "route": rx.route,
                  "start": rx.start.isoformat(), "id": str((data.get("patient") or {}).get("id") or ""),
                  "source": job.stem}
    except HandoutError as error:
        return _Rendered(job.source, None, {}, job.relocate(error.problems))
    except Exception as error:  # noqa: BLE001 - a bug must cost one handout, never the batch
        return _Rendered(job.source, None, {}, [_internal(job.source, error, "rendering")])
    return _Rendered(job.source, result.pdf, fields, job.relocate(result.warnings), job.key)


def _internal(source: str, error: BaseException, doing: str) -> Problem:
    return Problem(source, None, "", f"internal error while {doing}; the other handouts are fine "
                   f"({type(error).__name__})",
                   "run the batch again for this file; if it fails again, report it with the file")


def _lost(job: Job, why: str) -> _Rendered:
    return _Rendered(job.source, None, {}, [Problem(
        job.source, None, "", f"{why}; the other handouts are fine",
        "run the batch again for this file; if it fails again, report it with the file")])


def _warm(options: Options) -> None:
    """Load the content library and fonts once per worker, before the first job."""
    default_context(options.content_dir)


# --- in the parent ------------------------------------------------------------

def run(inputs: Iterable[str], outdir: Path | str, options: Options = Options(), *, workers: int | None = None,
        defaults: str | None = None, merge: str | None = None, report: str | None = None,
        progress: Callable[[Outcome], None] | None = None,
        on_count: Callable[[int], None] | None = None) -> Report:
    """Render every input; never stop at a bad one.

    Only a broken ``defaults`` file (PrescriptionError) or an output that cannot
    be written at all (OutputError, OSError) stops the batch, before anything
    is written or, for a disk that fills up, with the handouts written so far.
    """
    outdir = Path(outdir)
    output.prepare_folder(outdir)
    jobs = Manifest(inputs, defaults)
    report_path = Path(report) if report else outdir / "report.csv"
    used = _own_outputs([report_path, *([Path(merge)] if merge else [])], [*jobs.inputs, defaults], outdir)
    total = len(jobs)
    if on_count:
        on_count(total)
    result = Report()
    owners = Owners(outdir)
    with output_file(report_path) as handle:
        rows = _ReportRows(handle)
        printer = _Printer(merge, result)
        try:
            for rendered in _rendered(iter(jobs), total, options, workers):
                outcome = _placed(rendered, outdir, options, used, owners)
                if rendered.pdf is not None and outcome.status != "refused":
                    outcome = printer.add(rendered.pdf, outcome)
                result.add(outcome)
                rows.add(outcome)
                if progress:
                    progress(outcome)
        except KeyboardInterrupt:
            result.interrupted = True
        except BaseException:
            printer.abort()
            raise
        finally:
            owners.save()
        if result.interrupted:
            printer.abort()
            rows.not_done(itertools.islice(jobs, result.done, None))
    printer.close()
    return result


def _own_outputs(paths: list[Path], inputs: list, outdir: Path) -> set[str]:
    """Check the report and print file before any work; the names they take in the handouts' folder.

    Neither may be a link, a folder, an input of the run or the other one; a
    handout named like one of them (``--name print`` beside ``--merge print.pdf``)
    gets a suffix instead of being replaced by it.
    """
    if len(paths) == 2 and output.kind(paths[0]) != "special" and \
            os.path.realpath(paths[0]) == os.path.realpath(paths[1]):
        raise OutputError([Problem(str(paths[1]), None, "", "is also the report file",
                                   "give the print file and the report different names")])
    taken = set()
    for path in paths:
        output.check_target(path)
        output.not_an_input(path, inputs, SUFFIXES)
        output.remove_stale_parts(path.parent)
        if os.path.realpath(path.parent) == os.path.realpath(outdir):
            taken.add(path.name)
    return taken


class _Printer:
    """The --merge print file, if asked for; if it cannot be written, the batch goes on without it."""

    def __init__(self, path: str | None, result: Report):
        self._path, self._result = path, result
        self._file = PrintFile(path) if path else None

    def add(self, pdf: bytes, outcome: Outcome) -> Outcome:
        if self._file is None:
            return outcome
        try:
            self._file.add(pdf)
        except OSError as error:
            self._give_up(f"could not be written ({error.strerror or error})")
        except Exception as error:  # noqa: BLE001 - this handout is left out; the print file goes on
            problem = _internal(outcome.source, error, "adding it to the print file")
            return replace(outcome, status="refused", problems=[*outcome.problems, problem])
        return outcome

    def close(self) -> None:
        if self._file is None:
            return
        try:
            self._file.close()
        except OSError as error:
            self._give_up(f"could not be written ({error.strerror or error})")
            return
        self._result.merged, self._result.merged_pages = str(self._path), self._file.pages

    def abort(self) -> None:
        if self._file is not None:
            self._file.abort()
            self._file = None

    def _give_up(self, why: str) -> None:
        self.abort()
        self._result.print_file_error = f"print file {self._path} {why}"


def _rendered(jobs: Iterator[Job], total: int, options: Options, workers: int | None) -> Iterator[_Rendered]:
    """Results in input order; with more than a few jobs, rendered in worker processes.

    Even one worker is a process of its own: a handout that kills its process
    (out of memory, a crash in a C library) costs that one row, not the batch.
    """
    workers = workers or os.cpu_count() or 1
    if total < 4:
        _warm(options)
        yield from (_render(job, options) for job in jobs)
        return
    size = max(1, min(16, total // (workers * 8)))
    yield from pool.ordered_map(functools.partial(_render, options=options), jobs, workers=workers, chunk=size,
                                lost=_lost, init=_warm, init_args=(options,))


def _placed(rendered: _Rendered, outdir: Path, options: Options, used: set[str], owners: Owners) -> Outcome:
    """``_place``, with a file that cannot be written turned into a refused row."""
    try:
        return _place(rendered, outdir, options, used, owners)
    except OSError as error:
        problem = replace(output.io_error(error.filename or outdir, error).problems[0], file=rendered.source)
        return Outcome(rendered.source, "refused", problems=[*rendered.problems, problem])
    except Exception as error:  # noqa: BLE001 - one handout lost, never the batch
        return Outcome(rendered.source, "refused",
                       problems=[*rendered.problems, _internal(rendered.source, error, "writing the file")])


def _place(rendered: _Rendered, outdir: Path, options: Options, used: set[str], owners: Owners) -> Outcome:
    """Write a handout under its name: this input's own file from the last run is replaced, anyone else's kept.

    Only regular files are ever compared or replaced: a link, a device or a
    folder that has a handout's name counts as taken.
    """
    if rendered.pdf is None:
        return Outcome(rendered.source, "refused", problems=rendered.problems)
    base = file_name(options.template, rendered.fields)
    for name in _names(base, owners.name_of(rendered.key)):
        path = outdir / name
        if name in used:
            if options.collisions == "error":
                return _collision(rendered, name, "another prescription in this batch has the same file name")
            continue
        found = output.kind(path)
        if found == "file":
            if path.read_bytes() == rendered.pdf:
                status = "unchanged"
            elif owners.owner(name) == rendered.key or options.collisions == "overwrite":
                status = "written"
            elif options.collisions == "error":
                return _collision(rendered, name, "a different file with this name is already there")
            else:
                continue
        elif found == "missing":
            status = "written"
        elif options.collisions == "error":
            return _collision(rendered, name, f"a {found} with this name is already there")
        else:
            continue
        used.add(name)
        if status == "written":
            write_atomic(path, rendered.pdf, durable=False)
        owners.claim(name, rendered.key)
        return Outcome(rendered.source, status, str(path), rendered.problems)
    return _collision(rendered, base, "too many files with this name")


def _names(base: str, mine: str | None) -> Iterator[str]:
    """``base``, ``base-2``, ``base-3``…; first the one this input had last time, if it is one of them."""
    stem = base[:-4]
    if mine and (mine == base or re.fullmatch(re.escape(stem) + r"-[1-9]\d*\.pdf", mine)):
        yield mine
    for n in range(1, 10_000):
        name = base if n == 1 else f"{stem}-{n}.pdf"
        if name != mine:
            yield name


def _collision(rendered: _Rendered, name: str, why: str) -> Outcome:
    problem = Problem(rendered.source, None, "", f"not written: {name}: {why}",
                      "use --name with more fields (e.g. {id}), --collisions suffix, or another folder")
    return Outcome(rendered.source, "refused", problems=[*rendered.problems, problem])


REPORT_COLUMNS = ["source", "status", "output", "line", "severity", "field", "message", "fix"]


class _ReportRows:
    """report.csv, written as the batch goes: every input, its outcome and each problem.

    Cells come from file names, CSV headers and prescription text, which anyone
    can write; every cell is quoted and one that a spreadsheet would run as a
    formula gets a leading apostrophe (OWASP's advice on CSV injection).
    """

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
        writer = csv.DictWriter(buffer, REPORT_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerows({key: inert(value) for key, value in row.items()} for row in rows)
        self._handle.write(buffer.getvalue().encode("utf-8"))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def inert(value) -> str:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
