"""Building blocks that layouts arrange, each knowing its role in the document.

A screen reader needs to know what a thing *is* (heading, list item, table
cell, figure, decoration), so every flowable a layout places carries a
``role`` (PDF structure type) and, for figures, ``alt`` text. The tagging
pass reads these; layouts never deal with tags themselves.
"""

from __future__ import annotations

import copy
import re
from html import unescape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import fontchain, fonts, forms, replay, tagging, theme

LARGE_PRINT = 18.0   # APH large print; from this body size up, no text is smaller than the body


def text_floor(body: float) -> float:
    """The smallest text a layout with this body size may print (tests read it back from the PDF).

    Large print keeps every word at body size; beside 10–12 pt body text
    nothing goes under 10 pt, and the compact sheet keeps 8.5 pt.
    """
    if body >= LARGE_PRINT:
        return body
    return 10.0 if body >= 10 else 8.5


def make_styles(ctx, body: float) -> dict[str, ParagraphStyle]:
    """Paragraph styles scaled from the body size (12 pt standard, 18 pt large print).

    Use ``RenderContext.styles``: each style carries its context, whose memos
    its paragraphs use, and a key naming it in those memos.
    """
    regular, bold = ctx.fonts.regular, ctx.fonts.bold
    lead = 1.2
    floor = text_floor(body)

    def scaled(factor: float) -> float:
        return max(body * factor, floor)

    base = ParagraphStyle("body", fontName=regular, fontSize=body, leading=body * lead,
                          textColor=theme.INK, alignment=TA_LEFT)

    def make(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    # Large print keeps headings near the body size (ACB: 22 pt title, 20 pt headings over 18 pt text),
    # so its pages hold text, not spacing.
    # (size, leading) as multiples of the body size
    h1, h2, route = ((1.35, 1.6), (1.12, 1.3), (1.4, 1.64)) if body >= LARGE_PRINT else \
        ((1.6, 1.9), (1.25, 1.45), (1.75, 2.05))
    made = {
        "body": base,
        "small": make("small", fontSize=scaled(0.85), leading=scaled(0.85) * lead, textColor=theme.MUTED),
        "bold": make("bold", fontName=bold),
        "h1": make("h1", fontName=bold, fontSize=body * h1[0], leading=body * h1[1]),
        "h2": make("h2", fontName=bold, fontSize=body * h2[0], leading=body * h2[1], spaceBefore=body * 0.4,
                   spaceAfter=body * 0.2, keepWithNext=1),
        "route": make("route", fontName=bold, fontSize=body * route[0], leading=body * route[1], textColor=theme.PAPER),
        "route_sub": make("route_sub", fontSize=body, leading=body * 1.25, textColor=theme.PAPER),
        "dose": make("dose", fontName=bold, fontSize=body * 1.5, leading=body * 1.8),
        "cell": make("cell", fontSize=scaled(0.95), leading=scaled(0.95) * 1.2),
        "cell_bold": make("cell_bold", fontName=bold, fontSize=scaled(0.95), leading=scaled(0.95) * 1.2),
    }
    for name, style in made.items():
        style.context, style.key = ctx, (name, body)
    return made


def mark(flowable: Flowable, role: str, alt: str = "") -> Flowable:
    flowable.role = role
    if alt:
        flowable.alt = alt
    return flowable


def text(value: str) -> str:
    """Prescription text made safe for reportlab's paragraph markup, each run in a face that has it."""
    return fontchain.markup(str(value))


class Para(Paragraph):
    """A paragraph that tags itself (P, H1, H2 or a list item) as it draws.

    The parts of a paragraph split across pages share one structure element,
    so a screen reader hears one paragraph. Parsing and line breaking are
    remembered across handouts: the same sentence at the same width breaks the
    same way, and a batch repeats most sentences thousands of times.
    """

    def __init__(self, markup, style, role: str | None = "P", **kwargs):
        ctx = getattr(style, "context", None)
        if markup is not None:
            markup = fontchain.weighted(markup, style.fontName == (ctx.fonts.bold if ctx is not None else fonts.BOLD))
        remembered = ctx is not None and markup is not None and not kwargs
        key = (markup, style.key) if remembered else None
        frags = ctx.parsed.get(key) if remembered else None
        if frags is None:
            super().__init__(markup, style, **kwargs)
            if remembered:
                ctx.parsed.put(key, self.frags)
        else:
            super().__init__(None, style, frags=frags)
        self.markup = markup
        self.role = role     # None: the text belongs to the element around it (a table cell, a list body)
        self._tag = [None]
        self._wrapped = None

    def wrap(self, avail_width, avail_height):
        if self._wrapped is not None and self._wrapped[0] == avail_width:
            return self.width, self.height
        ctx = getattr(self.style, "context", None)
        key = (self.markup, self.style.key, avail_width) if ctx is not None and self.markup is not None else None
        known = key and ctx.broken.get(key)
        if known:
            self._wrapWidths, self.blPara, self.height = known
            self.width = avail_width
        else:
            super().wrap(avail_width, avail_height)
            if key:
                ctx.broken.put(key, (self._wrapWidths, self.blPara, self.height))
        self._wrapped = (avail_width,)
        return self.width, self.height

    def __deepcopy__(self, memo):
        """A trial copy (balanced columns copy every paragraph they try to split) shares the parsed
        fragments and line breaks, which ``wrap`` only reads and ``split`` copies before editing."""
        twin = copy.copy(self)
        twin._tag = copy.deepcopy(self._tag, memo)
        return twin

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        lines = self.blPara
        if lines.kind == 1:
            # Splitting styled lines edits their words in place (a space after each line's last
            # word): give it copies of the remembered line breaks' words, never the memo's own.
            self.blPara = lines.clone(lines=[line.clone(words=[copy.copy(w) for w in line.words])
                                             for line in lines.lines])
        self._wrapped = None
        parts = super().split(avail_width, avail_height)
        for part in parts:
            part.role, part._tag = self.role, self._tag
        return parts

    def draw(self):
        logical, actual = self.blPara, None
        if self.markup and '<font face="' in self.markup:
            self.blPara = fontchain.visual(logical)     # right-to-left words in drawing order, line by line
            if self.blPara is not logical:
                actual = fontchain.actual_text(logical)
        try:
            self._draw_tagged(actual)
        finally:
            self.blPara = logical

    def _draw_tagged(self, actual: str | None):
        tagger = tagging.of(self.canv)
        if self.role is None:
            with tagger.content(actual=actual):
                self._draw_text()
            return
        depth = 1
        if self._tag[0] is not None:
            tagger.resume(self._tag[0])
        elif self.role == "LI":
            tagger.open("LI")
            self._tag[0] = tagger.open("LBody")
            depth = 2
        else:
            if self.role in ("H1", "H2"):
                _bookmark(self.canv, getattr(self, "outline", None) or self.markup, int(self.role[1]) - 1)
            self._tag[0] = tagger.open(self.role)
        try:
            with tagger.content(actual=actual):
                self._draw_text()
        finally:
            for _ in range(depth):
                tagger.close()

    def _draw_text(self):
        ctx = getattr(self.style, "context", None)
        if ctx is None:
            super().draw()
        else:
            replay.draw(self, self.markup, ctx.drawn)


def _bookmark(canv, markup: str, level: int) -> None:
    """An outline entry for a heading, so a long handout (large print, a dose log) can be navigated."""
    number = getattr(canv, "_headings", 0)
    canv._headings = number + 1
    key = f"h{number}"
    canv.bookmarkPage(key)
    canv.addOutlineEntry(unescape(re.sub(r"<[^>]+>", "", markup or "")), key, level)


def heading(value: str, level: int, style: ParagraphStyle) -> Para:
    made = Para(text(value), style, f"H{level}")
    made.outline = fontchain.escape(str(value))  # the bookmark reads letters, not the glyph codes a name is drawn in
    return made


def para(markup: str, style: ParagraphStyle) -> Para:
    """A paragraph; ``markup`` is already escaped (it may hold <b>)."""
    return Para(markup, style)


def item(markup: str, style: ParagraphStyle) -> Para:
    """A bulleted list item; consecutive items form one list. Wrapped lines hang under the text, not the bullet."""
    return Para(f"• {markup}", _hanging(style), "LI")


class _HangingStyle(ParagraphStyle):
    """reportlab deep-copies a style with a first-line indent when it splits a paragraph; the copy must
    share the style's render context (locks and memos), not try to copy it."""

    def __deepcopy__(self, memo):
        return copy.copy(self)


def _hanging(style: ParagraphStyle) -> ParagraphStyle:
    made = getattr(style, "hanging", None)
    if made is None:
        indent = style.fontSize * 0.75
        made = _HangingStyle(f"{style.name}-item")
        # dict() copies in one step: another thread may be setting style.hanging meanwhile
        made.__dict__.update({k: v for k, v in dict(style.__dict__).items() if k not in ("name", "parent", "hanging")})
        made.leftIndent, made.firstLineIndent = style.leftIndent + indent, -indent
        made.context = getattr(style, "context", None)
        key = getattr(style, "key", None)
        made.key = key and (f"{key[0]}-item", *key[1:])
        style.hanging = made
    return made


class Drawn(Flowable):
    """A vector drawing at its own size; how a screen reader meets it is the subclass's."""

    def __init__(self, drawing: Drawing):
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, *_):
        return self.width, self.height


class Figure(Drawn):
    """A vector drawing with the words a screen reader says instead."""

    role = "Figure"

    def __init__(self, drawing: Drawing, alt: str):
        super().__init__(drawing)
        self.alt = alt

    def draw(self):
        tagger = tagging.of(self.canv)
        with tagger.element("Figure", self.alt), tagger.content():
            forms.draw(self.drawing, self.canv)


def figure(drawing: Drawing, alt: str) -> Figure:
    return Figure(drawing, alt)


def gap(height: float) -> Spacer:
    return mark(Spacer(1, height), "Artifact")


class TickBox(Flowable):
    """An empty square to tick with a pen: printed furniture, not content."""

    role = "Artifact"

    def __init__(self, size: float):
        super().__init__()
        self.size = size
        self.width = self.height = size

    def wrap(self, *_):
        return self.size, self.size

    def draw(self):
        with tagging.of(self.canv).artifact():
            self.canv.setStrokeColor(theme.INK)
            self.canv.setLineWidth(1.2)
            self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


class CheckItem(Flowable):
    """A list item with a tick box and a number before its text."""

    role = "LI"

    def __init__(self, number: int, body: Paragraph, box: float, label_style: ParagraphStyle):
        super().__init__()
        self.number, self.body, self.box = number, body, box
        self.label = Para(f"{number}.", label_style, role=None)    # its text is marked as the label's own
        body.role = None
        self.indent = box + label_style.fontSize * 2.2

    def wrap(self, avail_width, avail_height):
        if getattr(self, "_width_at", None) != avail_width:     # columns ask many times
            self.label.wrap(self.indent, avail_height)
            _, h = self.body.wrap(avail_width - self.indent, avail_height)
            self.width, self.height = avail_width, max(h, self.box + 2)
            self._width_at = avail_width
        return self.width, self.height

    def draw(self):
        canv, tagger = self.canv, tagging.of(self.canv)
        top = self.height
        first = self.body.style.leading
        # The box sits on the first line; the label follows it; the text wraps beside.
        with tagger.element("LI"):
            with tagger.artifact():
                canv.setStrokeColor(theme.INK)
                canv.setLineWidth(1.2)
                canv.rect(0, top - first + (first - self.box) / 2 - 1, self.box, self.box, stroke=1, fill=0)
            with tagger.element("Lbl"):
                self.label.drawOn(canv, self.box + 4, top - self.label.height)
            with tagger.element("LBody"):
                self.body.drawOn(canv, self.indent, top - self.body.height)


class TableTags:
    """Tags a table as reportlab draws it (its ``renderCB``): Table > TR > TH/TD.

    Backgrounds and rules are artifacts. A table that goes on over a page is
    a table on each page, its header row repeated as real headers: each
    page's ruled grid is announced as a table, and its cells keep their
    column headers on that page. ``role=None`` makes a layout-only grid
    (columns, banners) transparent to screen readers; a header row it
    repeats is an artifact.
    """

    def __init__(self, role: str | None, header_rows: int = 0, header_cols: int = 0):
        self.role, self.header_rows, self.header_cols = role, header_rows, header_cols
        self.parts = 0
        self.open: list = []

    def __call__(self, table, event, *args):
        tagger = tagging.of(table.canv)
        if event == "startTable":
            self.parts += 1
            if self.role:
                tagger.open(self.role)
        elif event == "endTable":
            if self.role:
                tagger.close()
        elif event in ("startBG", "startLines"):
            self._enter(tagger.artifact())
        elif event in ("endBG", "endLines"):
            self._exit()
        elif event == "startRow":
            if self.role == "Table":
                self._enter(tagger.element("TR"))
            elif self.parts > 1 and args[0] < self.header_rows:
                self._enter(tagger.artifact())
            else:
                self.open.append(None)
        elif event == "startCell" and self.role == "Table":
            row, col = args[0], args[1]
            if row < self.header_rows:
                self._enter(tagger.element("TH", attrs={"O": "Table", "Scope": "Column"}))
            elif col < self.header_cols:
                self._enter(tagger.element("TH", attrs={"O": "Table", "Scope": "Row"}))
            else:
                self._enter(tagger.element("TD"))
        elif event == "endCell" and self.role == "Table":
            self._exit()
        elif event == "endRow":
            self._exit()

    def _enter(self, context) -> None:
        if context is not None:
            context.__enter__()
        self.open.append(context)

    def _exit(self) -> None:
        context = self.open.pop()
        if context is not None:
            context.__exit__(None, None, None)


class Grid(Table):
    """A table that remembers its size at a width: columns and side-by-side cells ask it again and again."""

    _size_at = None

    def wrap(self, avail_width, avail_height):
        if self._size_at == avail_width:
            return self._width, self._height
        size = super().wrap(avail_width, avail_height)
        # a long table measured only as far as the height offered is measured again next time
        self._size_at = avail_width if self._hmax == self._nrows else None
        return size

    def split(self, avail_width, avail_height):
        self._size_at = None
        return super().split(avail_width, avail_height)


def grid(rows: list[list], widths: list[float], style: list, header_rows: int = 0, header_cols: int = 0,
         role: str | None = "Table", split_in_row: bool = False) -> Table:
    """A table; ``role=None`` for grids that only arrange (columns, banners).

    ``split_in_row`` lets a tall row continue on the next page, rather than move whole and leave a gap.
    """
    if role == "Table":
        for row in rows:
            for cell in row:
                if isinstance(cell, Para):
                    cell.role = None    # a cell's only paragraph is the cell's own text
    table = Grid(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT",
                 renderCB=TableTags(role, header_rows, header_cols), splitInRow=int(split_in_row))
    # Cells default to Helvetica, which would be listed in the file without being embedded.
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR), *style]))
    return table
