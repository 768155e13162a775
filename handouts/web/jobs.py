"""The work the web app hands to its pool: plain functions of text, picklable both ways.

Each takes the prescription as text (YAML, which JSON also is) and returns
plain data: no file is read or written, so nothing about a patient touches
the disk.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from .. import api, prescription, safety
from ..context import default as context_for
from ..errors import HandoutError, Problem

NAME = "form"          # how messages name the prescription: it has no file
PREVIEW_SCALE = 1.25   # 90 dpi: readable on screen, small to send


@dataclass
class Outcome:
    """A finished handout, or the problems that refused it."""

    pdf: bytes = b""
    pages: list[bytes] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return not self.pdf


def warm(content_dir: str | None = None) -> None:
    """Load fonts and the content library once per worker, before the first patient."""
    context_for(content_dir)


def ping() -> int:
    return os.getpid()


def check(text: str, *, content_dir: str | None = None) -> list[Problem]:
    """Every problem ``handout check`` would report, errors and warnings alike."""
    lib = context_for(content_dir).library
    try:
        rx = prescription.parse(text, NAME, lib)
    except HandoutError as error:
        return error.problems
    return safety.check(rx, lib)


def render(text: str, layout: str, paper: str, password: str = "", pages: bool = False, *,
           content_dir: str | None = None) -> Outcome:
    """The handout PDF (password-protected when asked), and its pages as PNG for a preview."""
    ctx = context_for(content_dir)
    try:
        rx = prescription.parse(text, NAME, ctx.library)
        result = api.from_prescription(rx, ctx.library, layout, paper, context=ctx)
    except HandoutError as error:
        return Outcome(problems=error.problems)
    pdf = result.pdf
    if password:
        from .. import protect

        pdf = protect.encrypt(pdf, password)
    return Outcome(pdf, _pngs(result.pdf) if pages else [], result.warnings)


def _pngs(pdf: bytes) -> list[bytes]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            buffer = io.BytesIO()
            page.render(scale=PREVIEW_SCALE).to_pil().save(buffer, "PNG", optimize=False)
            out.append(buffer.getvalue())
        return out
    finally:
        document.close()
