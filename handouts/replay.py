"""A paragraph's page operators, drawn once and then replayed.

Turning a paragraph's lines into PDF text operators is about a fifth of a
render, and a batch draws most paragraphs thousands of times. The operators
depend only on the paragraph (its text, style and width), the name its fonts
have in the document and the canvas font in force when it starts, so they are
remembered under exactly that. Only text whose characters all have fixed codes
in fonts the document already names is remembered (``fonts.fixed_name``):
replaying it adds nothing to the document that drawing would have added.
"""

from __future__ import annotations

from reportlab.platypus import Paragraph

from .fonts import fixed_name


def draw(paragraph: Paragraph, markup: str | None, memo) -> None:
    """``paragraph`` drawn on its canvas, from ``memo`` when it was drawn the same way before."""
    canv = paragraph.canv
    key = _key(paragraph, markup, canv) if markup is not None else None
    code = memo.get(key) if key is not None else None
    if code is not None:
        canv._code.extend(code)
        return
    start = len(canv._code)
    Paragraph.draw(paragraph)
    if key is not None:
        memo.put(key, tuple(canv._code[start:]))


def _key(paragraph: Paragraph, markup: str, canv) -> tuple | None:
    frags = paragraph.frags
    if paragraph.bulletText is not None or any(getattr(f, "link", None) or getattr(f, "us_lines", None)
                                               for f in frags):
        return None     # a bullet is not in the key; links and rules add to the page beyond its operators
    text = "".join(getattr(f, "text", "") for f in frags)
    names = []
    for font in sorted({getattr(f, "fontName", None) or "" for f in frags}):
        name = fixed_name(font, canv._doc, text) if font else None
        if name is None:
            return None
        names.append(name)
    return (markup, paragraph.style.key, paragraph.width, canv._fontname, canv._fontsize, canv._leading,
            canv.bottomup, *names)
