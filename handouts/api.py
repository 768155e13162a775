"""The library's front door: prescription file in, checked handout PDF out.

The command line, the batch runner and other programs all go through these
functions, so every path applies the same checks in the same order:
load → safety check → model → render.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from reportlab.platypus.doctemplate import LayoutError

from . import content, model, prescription, render, safety, schema
from .context import RenderContext
from .context import default as default_context
from .errors import HandoutError, LayoutOverflowError, PrescriptionError, Problem


@dataclass
class Result:
    """A rendered handout and the warnings that did not block it."""

    pdf: bytes
    handout: model.Handout
    warnings: list[Problem] = field(default_factory=list)


def check_file(path: Path | str, content_dir: str | None = None, strict: bool = False,
               context: RenderContext | None = None,
               defaults: str | None = None) -> tuple[prescription.Prescription, list[Problem]]:
    """Load and check one prescription (YAML or FHIR JSON); raises PrescriptionError when anything blocks it."""
    lib = (context or default_context(content_dir)).library
    rx = prescription.load(path, lib, defaults)
    return rx, _checked(rx, lib, strict)


@dataclass
class CheckReport:
    """The outcome of checking many files: every problem, and which files failed."""

    files: int = 0
    failed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        ok = self.files - len(self.failed)
        return (f"{self.files} file{'s' if self.files != 1 else ''} checked: {ok} ok, {len(self.failed)} refused; "
                f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")

    def as_dict(self) -> dict:
        return {"files": self.files, "failed": self.failed, "problems": [p.as_dict() for p in self.problems],
                "summary": self.summary()}


def check_many(paths, content_dir: str | None = None, strict: bool = False,
               context: RenderContext | None = None, defaults: str | None = None) -> CheckReport:
    """Check every file, never stopping at the first bad one."""
    report = CheckReport()
    ctx = context or default_context(content_dir)
    for path in paths:
        report.files += 1
        try:
            _, warnings = check_file(path, strict=strict, context=ctx, defaults=defaults)
            report.problems += warnings
        except HandoutError as error:
            report.failed.append(str(path))
            report.problems += [_as_error(p) if strict else p for p in error.problems]
        except Exception as error:  # a fault of ours: this file is reported, the others are still checked
            report.failed.append(str(path))
            report.problems.append(Problem(str(path), None, "", f"internal error while checking "
                                           f"({type(error).__name__}); please report it", ""))
    return report


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")


def _checked(rx: prescription.Prescription, lib: content.Library, strict: bool) -> list[Problem]:
    """The safety check's warnings (raising when anything blocks), and the language's review warning.

    Checking and generating both come here, so ``handout check`` warns of what ``handout generate`` would.
    """
    problems = safety.check(rx, lib)
    blocking = [p for p in problems if p.severity == "error" or strict]
    if blocking:
        raise PrescriptionError(problems)
    return problems + unreviewed(rx, lib)


def generate(path: Path | str, layout: str = "standard", paper: str | None = None,
             content_dir: str | None = None, strict: bool = False, context: RenderContext | None = None,
             defaults: str | None = None, language: str | None = None) -> Result:
    """One prescription file (YAML or FHIR JSON) to PDF bytes (nothing is written).

    Safe to call from several threads at once. ``context`` (fonts, memos and
    the content library) defaults to the shared one for ``content_dir``; a
    program that serves several clinics may keep one context per clinic.
    ``language`` overrides the prescription's ``patient.language``; ``paper``
    defaults to the language's (letter for en-US, A4 for en-GB).
    """
    ctx = context or default_context(content_dir)
    rx = prescription.load(path, ctx.library, defaults)
    return from_prescription(rx, ctx.library, layout, paper, strict, context=ctx, language=language)


def from_prescription(rx: prescription.Prescription, lib: content.Library, layout: str = "standard",
                      paper: str | None = None, strict: bool = False, context: RenderContext | None = None,
                      language: str | None = None) -> Result:
    """A loaded prescription to PDF bytes; ``context`` should hold ``lib`` (one is made when it does not)."""
    ctx = context if context is not None and context.library is lib else _context_for(lib)
    rx = in_language(rx, lib, language)
    warnings = _checked(rx, lib, strict)
    handout = model.build(rx, lib)
    try:
        pdf = render.render(handout, layout, paper or lib.text(rx.language)["paper"], context=ctx)
    except LayoutError:
        raise _overflow(rx, layout) from None
    return Result(pdf, handout, warnings)


def in_language(rx: prescription.Prescription, lib: content.Library,
                language: str | None) -> prescription.Prescription:
    """The prescription in another language (``--language``): an emergency number it did not give is the
    new language's own (999 for en-GB)."""
    if not language:
        return rx
    data = rx.source.data if isinstance(rx.source.data, dict) else {}
    if "emergency_number" in data:
        return replace(rx, language=language)
    return replace(rx, language=language, emergency_number=lib.text(language)["emergency_number"])


def unreviewed(rx: prescription.Prescription, lib: content.Library) -> list[Problem]:
    """A warning for the terminal (never the handout) when the language's wording awaits a clinician's review.

    It informs rather than refuses, so ``--strict`` does not turn it into an error.
    """
    text = lib.text(rx.language)
    review = text.get("review") or {}
    if lib.language(rx.language) is None or review.get("status") in ("reviewed", "source"):
        return []
    return [Problem(rx.file, rx.line("patient", "language"), "patient.language",
                    f"the {text.get('name', text['language'])} wording has not been reviewed by a clinician "
                    f"({review.get('note') or 'status: ' + str(review.get('status'))})",
                    "have a clinician who reads the language check the handout before it is given",
                    severity="warning")]


# The prescriber's own words that can grow a section past a page, by field.
FREE_TEXT = {
    ("notes",): lambda rx: rx.notes,
    ("patient", "name"): lambda rx: rx.patient_name,
    ("prescriber", "name"): lambda rx: rx.prescriber.name,
    ("prescriber", "clinic"): lambda rx: rx.prescriber.clinic,
    ("prescriber", "email"): lambda rx: rx.prescriber.email,
    ("pharmacy", "name"): lambda rx: rx.pharmacy.name if rx.pharmacy else "",
}


def _overflow(rx: prescription.Prescription, layout: str) -> LayoutOverflowError:
    """Name the free-text field nearest its length limit as the one that did not fit the layout."""
    def share(path: tuple) -> float:
        return len(FREE_TEXT[path](rx)) / schema.rule(path)["maxLength"]

    path = max(FREE_TEXT, key=share)
    written, limit = FREE_TEXT[path](rx), schema.rule(path)["maxLength"]
    return LayoutOverflowError([Problem(
        rx.file, rx.line(*path), ".".join(path),
        f"is too long for the {layout} layout ({len(written):,} characters with the rest of this handout; "
        f"the field takes at most {limit:,}, and a section must fit on one page)",
        "shorten it, or choose another layout with --layout")])


def _context_for(lib: content.Library) -> RenderContext:
    shared = default_context()
    return shared if shared.library is lib else RenderContext(library=lib)
