"""The work the web app hands to its pool: plain functions of text, picklable both ways.

Each takes the prescription as text (YAML, which JSON also is) and returns
plain data: no file is read or written, so nothing about a patient touches
the disk.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from dataclasses import dataclass, field

from .. import api, prescription, safety
from ..context import default as context_for
from ..errors import HandoutError, Problem

NAME = "form"          # how messages name the prescription: it has no file
PREVIEW_SCALE = 1.25   # 90 dpi: readable on screen, small to send
PNG_LEVEL = 1          # zlib level of preview pages: faster than the default 6, and no larger for these pages
WARM_UP_RENDERS = 3    # a memo keeps a text from its second sighting (see handouts.memo); the third render uses it

# No one's handout: rendered at start-up, in memory, and thrown away.
WARM_UP = """\
patient: {{name: Warm Up, weight: 70 kg}}
medication: cyanocobalamin
strength: 1000 mcg/mL
dose: 1000 mcg
route: intramuscular
sites: [left thigh, right thigh]
needle: {{gauge: 23, length: 1 in}}
schedule:
  start: {today}
  phases:
    - {{every: 1 day, count: 7}}
    - {{every: 1 week, count: 4}}
    - {{every: 1 month}}
prescriber: {{name: Warm Up, phone: 555-010-0000, after_hours: 555-010-0001, clinic: Warm Up Clinic}}
pharmacy: {{name: Warm Up Pharmacy, phone: 555-010-0002}}
emergency_number: "911"
issued: {today}
notes: Warm up.
"""


@dataclass
class Outcome:
    """A finished handout, or the problems that refused it."""

    pdf: bytes = b""
    pages: list[bytes] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0          # the render itself, in the worker: the rest of a request's time is waiting
    cpu_seconds: float = 0.0      # of which on a core (the difference: other programs had the cores)

    @property
    def refused(self) -> bool:
        return not self.pdf


def warm(content_dir: str | None = None) -> None:
    """Load fonts and the content library, and render a handout, once per worker before the first patient.

    A worker's first renders pay for imports, font subsets and the memos'
    first and second sightings of the library's text: two or three times a
    warm render. Paying that at start-up keeps it off a patient's wait. A
    clinic content folder without this medication refuses the warm-up
    handout, which still loads everything but the layout's text.
    """
    context_for(content_dir)
    text = WARM_UP.format(today=dt.date.today().isoformat())
    for _ in range(WARM_UP_RENDERS):
        render(text, "standard", "letter", content_dir=content_dir)


def ping() -> int:
    return os.getpid()


def check(text: str, *, content_dir: str | None = None) -> list[Problem]:
    """Every problem ``handout check`` would report, errors and warnings alike."""
    lib = context_for(content_dir).library
    try:
        rx = prescription.parse(text, NAME, lib)
    except HandoutError as error:
        return error.problems
    return safety.check(rx, lib) + api.unreviewed(rx, lib)


def render(text: str, layout: str, paper: str, password: str = "", pages: bool = False, *,
           content_dir: str | None = None) -> Outcome:
    """The handout PDF (password-protected when asked), and its pages as PNG for a preview."""
    started, cpu_started = time.perf_counter(), time.thread_time()
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
    return Outcome(pdf, _pngs(result.pdf) if pages else [], result.warnings, time.perf_counter() - started,
                   time.thread_time() - cpu_started)


def _pngs(pdf: bytes) -> list[bytes]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            buffer = io.BytesIO()
            page.render(scale=PREVIEW_SCALE).to_pil().save(buffer, "PNG", compress_level=PNG_LEVEL)
            out.append(buffer.getvalue())
        return out
    finally:
        document.close()
