"""Building blocks that layouts arrange, each knowing its role in the document.

A screen reader needs to know what a thing *is* (heading, list item, table
cell, figure, decoration), so every flowable a layout places carries a
``role`` (PDF structure type) and, for figures, ``alt`` text. The tagging
pass reads these; layouts never deal with tags themselves.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import fonts, theme


@cache
def styles(body: float = 12.0) -> dict[str, ParagraphStyle]:
    """Paragraph styles scaled from the body size (12 pt standard, 18 pt large print)."""
    fonts.register()
    lead = 1.25
    base = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=body, leading=body * lead,
                          textColor=theme.INK, alignment=TA_LEFT)

    def make(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "small": make("small", fontSize=body * 0.85, leading=body * 0.85 * lead, textColor=theme.MUTED),
        "bold": make("bold", fontName=fonts.BOLD),
        "h1": make("h1", fontName=fonts.BOLD, fontSize=body * 1.6, leading=body * 1.9),
        "h2": make("h2", fontName=fonts.BOLD, fontSize=body * 1.25, leading=body * 1.5, spaceBefore=body * 0.5,
                   spaceAfter=body * 0.2),
        "route": make("route", fontName=fonts.BOLD, fontSize=body * 1.75, leading=body * 2.05, textColor=theme.PAPER),
        "route_sub": make("route_sub", fontSize=body, leading=body * 1.25, textColor=theme.PAPER),
        "dose": make("dose", fontName=fonts.BOLD, fontSize=body * 1.5, leading=body * 1.8),
        "cell": make("cell", fontSize=body * 0.95, leading=body * 0.95 * 1.2),
        "cell_bold": make("cell_bold", fontName=fonts.BOLD, fontSize=body * 0.95, leading=body * 0.95 * 1.2),
    }


def mark(flowable: Flowable, role: str, alt: str = "") -> Flowable:
    flowable.role = role
    if alt:
        flowable.alt = alt
    return flowable


def text(value: str) -> str:
    """Prescription text made safe for reportlab's paragraph markup."""
    return escape(str(value))


def heading(value: str, level: int, style: ParagraphStyle) -> Paragraph:
    return mark(Paragraph(text(value), style), f"H{level}")


def para(markup: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph; ``markup`` is already escaped (it may hold <b>)."""
    return mark(Paragraph(markup, style), "P")


def figure(drawing: Drawing, alt: str) -> Drawing:
    return mark(drawing, "Figure", alt)


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
        self.canv.setStrokeColor(theme.INK)
        self.canv.setLineWidth(1.2)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


class CheckItem(Flowable):
    """A list item with a tick box and a number before its text."""

    role = "LI"

    def __init__(self, number: int, body: Paragraph, box: float, label_style: ParagraphStyle):
        super().__init__()
        self.number, self.body, self.box = number, body, box
        self.label = Paragraph(f"{number}.", label_style)
        self.indent = box + label_style.fontSize * 2.2

    def wrap(self, avail_width, avail_height):
        self.label.wrap(self.indent, avail_height)
        _, h = self.body.wrap(avail_width - self.indent, avail_height)
        self.width, self.height = avail_width, max(h, self.box + 2)
        return self.width, self.height

    def draw(self):
        canv = self.canv
        top = self.height
        first = self.body.style.leading
        # The box sits on the first line; the label follows it; the text wraps beside.
        canv.setStrokeColor(theme.INK)
        canv.setLineWidth(1.2)
        canv.rect(0, top - first + (first - self.box) / 2 - 1, self.box, self.box, stroke=1, fill=0)
        self.label.drawOn(canv, self.box + 4, top - self.label.height)
        self.body.drawOn(canv, self.indent, top - self.body.height)


def grid(rows: list[list], widths: list[float], style: list, header_rows: int = 0, role: str = "Table") -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    table.header_rows = header_rows
    return mark(table, role)
