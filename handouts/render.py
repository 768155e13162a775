"""Turning a Handout into PDF bytes: fonts, page furniture, metadata, determinism.

Output is deterministic (reportlab's invariant mode: fixed document ID and
dates), so the same prescription always gives the same bytes and a pharmacy
can audit what it printed.
"""

from __future__ import annotations

import io
from contextlib import contextmanager

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

import layouts

from . import fonts, theme
from .model import Handout
from .tagging import NO_TAGGER, Tagger

PAPER = {"letter": LETTER, "a4": A4}


class HandoutDoc(BaseDocTemplate):
    """A document that remembers the handout it draws, for page furniture."""

    def __init__(self, buffer, handout: Handout, layout, paper: str, tagged: bool = True):
        self.tagged = tagged
        size = PAPER[paper]
        margin = layout.MARGIN
        super().__init__(
            buffer, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
            bottomMargin=margin + layout.BODY_SIZE * 1.6, invariant=1, title=handout.title,
            author=handout.author, subject=handout.subject, creator="handouts",
            producer="handouts", keywords=f"{handout.medication}, {handout.route}, patient handout",
            lang=handout.language, displayDocTitle=1,
            # starting in our own font keeps reportlab from listing an unembedded Helvetica
            initialFontName=fonts.REGULAR,
        )
        self.handout, self.layout = handout, layout
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._footer)])

    def build(self, story):
        h = self.handout
        meta = {"title": h.title, "author": self.author, "subject": h.subject, "language": h.language,
                "keywords": self.keywords}

        def tagged_canvas(*args, **kwargs):
            canv = TaggedCanvas(*args, **kwargs)
            canv.meta = meta if self.tagged else None
            return canv

        super().build(story, canvasmaker=tagged_canvas)

    def _footer(self, canv, doc):
        """Who and which page, on every page, so loose printed sheets stay matched."""
        with canv.tagger.artifact("Pagination"):
            self._draw_footer(canv, doc)

    def _draw_footer(self, canv, doc):
        canv.saveState()
        size = getattr(self.layout, "FOOTER_SIZE", 9)
        canv.setFont(fonts.REGULAR, size)
        canv.setFillColor(theme.MUTED)
        y = self.layout.MARGIN
        h = self.handout
        page = f"Page {doc.page}"
        room = self.width - stringWidth(page, fonts.REGULAR, size) - size * 2
        for left in (f"{h.patient_name} · {h.medication} · issued {h.issued}", f"{h.patient_name} · {h.issued}",
                     h.patient_name):
            if stringWidth(left, fonts.REGULAR, size) <= room:
                break
        canv.drawString(self.leftMargin, y, left)
        canv.drawRightString(self.leftMargin + self.width, y, page)
        canv.restoreState()


class TaggedCanvas(Canvas):
    """A canvas that records the document structure and writes it on save."""

    meta: dict | None      # None: draw without tags (to measure what tagging costs)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tagger = Tagger(self)
        fonts.prime(self._doc)

    @property
    def tagger(self):
        return self._tagger if self.meta is not None else NO_TAGGER

    def save(self):
        if self.meta is not None:
            self._tagger.finish(**self.meta)
        super().save()


@contextmanager
def _binary_streams():
    """Compressed streams stay binary: ASCII85 makes files 25% bigger and slower to write."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def render(handout: Handout, layout_name: str = "standard", paper: str = "letter", tagged: bool = True) -> bytes:
    """The handout as PDF bytes (``tagged=False`` only to measure the cost of tagging)."""
    fonts.register()
    layout = layouts.get(layout_name)
    buffer = io.BytesIO()
    with _binary_streams():
        doc = HandoutDoc(buffer, handout, layout, paper, tagged)
        doc.build(layout.story(handout, doc.width))
    return buffer.getvalue()
