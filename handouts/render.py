"""Turning a Handout into PDF bytes: fonts, page furniture, metadata, determinism.

Output is deterministic (reportlab's invariant mode: fixed document ID and
dates), so the same prescription always gives the same bytes and a pharmacy
can audit what it printed. Everything reused between documents (fonts,
memos, the content library) comes from a ``RenderContext``; a document
changes no reportlab setting, so several threads may render at once.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from . import fontchain, layouts, theme
from .context import RenderContext
from .context import default as default_context
from .model import Handout
from .tagging import NO_TAGGER, Tagger

PAPER = {"letter": LETTER, "a4": A4}


class HandoutDoc(BaseDocTemplate):
    """A document that remembers the handout it draws, for page furniture."""

    def __init__(self, buffer, handout: Handout, layout, paper: str, ctx: RenderContext, tagged: bool = True):
        self.tagged, self.context = tagged, ctx
        size = PAPER[paper]
        margin = layout.MARGIN
        super().__init__(
            buffer, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
            bottomMargin=margin + layout.BODY_SIZE * 1.6, invariant=1, title=handout.title,
            author=handout.author, subject=handout.subject, creator="handouts",
            producer="handouts",
            keywords=handout.document["keywords"].format(medication=handout.medication, route=handout.route_words),
            lang=handout.language, displayDocTitle=1,
            # starting in our own font keeps reportlab from listing an unembedded Helvetica
            initialFontName=ctx.fonts.regular,
            # reportlab's own compression reads process-wide settings; the context's filter is
            # set on each document instead (TaggedCanvas)
            pageCompression=0,
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
            canv = TaggedCanvas(*args, context=self.context, **kwargs)
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
        regular = self.context.fonts.regular
        canv.setFont(regular, size)
        canv.setFillColor(theme.MUTED)
        y = self.layout.MARGIN
        h = self.handout
        words = h.document
        page = words["page"].format(page=doc.page)
        room = self.width - stringWidth(page, regular, size) - size * 2
        for left in (words["footer"].format(name=h.patient_name, medication=h.medication, issued=h.issued),
                     words["footer_short"].format(name=h.patient_name, issued=h.issued), h.patient_name):
            if fontchain.width(left, regular, size) <= room:
                break
        fontchain.draw(canv, self.leftMargin, y, left, regular, size)
        canv.drawRightString(self.leftMargin + self.width, y, page)
        canv.restoreState()


class TaggedCanvas(Canvas):
    """A canvas that records the document structure and writes it on save.

    Flowables reach the render context through ``canvas.context``.
    """

    meta: dict | None      # None: draw without tags (to measure what tagging costs)

    def __init__(self, *args, context: RenderContext, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context
        # Binary Flate streams (ASCII85 would make files 25% bigger and slower to write),
        # through the context's filter, which compresses the repeated font subsets once.
        self._doc.defaultStreamFilters = [context.flate]
        self._tagger = Tagger(self)
        context.fonts.prime(self._doc)

    @property
    def tagger(self):
        return self._tagger if self.meta is not None else NO_TAGGER

    def save(self):
        if self.meta is not None:
            self._tagger.finish(**self.meta)
        with self.context.fonts.embedding():
            super().save()


def render(handout: Handout, layout_name: str = "standard", paper: str = "letter", tagged: bool = True,
           context: RenderContext | None = None) -> bytes:
    """The handout as PDF bytes (``tagged=False`` only to measure the cost of tagging).

    ``context`` should be the one whose library built the handout (the
    default context when None).
    """
    ctx = context or default_context()
    layout = layouts.get(layout_name)
    buffer = io.BytesIO()
    doc = HandoutDoc(buffer, handout, layout, paper, ctx, tagged)
    doc.build(layout.story(handout, doc.width, ctx))
    return buffer.getvalue()
