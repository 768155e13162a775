"""Drawings that are the same on every handout, written once as Form XObjects.

The body outline is the largest part of a page stream. Drawn as a form, its
page operators are made once per render context, and a merged print file
stores it once for the whole batch (``merge`` shares byte-identical objects)
instead of once per patient.
"""

from __future__ import annotations

import copy
import hashlib

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isString


class Backdrop(Group):
    """A group every handout draws identically; ``name`` says which one."""

    _attrMap = AttrMap(BASE=Group, name=AttrMapValue(isString, desc="names the form"))


def draw(drawing: Drawing, canvas) -> None:
    """Like ``renderPDF.draw(drawing, canvas, 0, 0)``, with each Backdrop as a shared form.

    The form's page operators are remembered in the canvas's render context
    (``canvas.context``) when every character in them has a fixed code in
    every document (``Fonts.charset``), with the document's font names they
    were written with: they are replayed only into a document that names its
    fonts the same way.
    """
    shared = [node for node in drawing.contents if isinstance(node, Backdrop)]
    for backdrop in shared:
        canvas.doForm(_form(backdrop, drawing, canvas))
    contents = drawing.contents
    drawing.contents = [node for node in contents if not isinstance(node, Backdrop)]
    try:
        renderPDF.draw(drawing, canvas, 0, 0)
    finally:
        drawing.contents = contents


def _form(backdrop: Backdrop, drawing: Drawing, canvas) -> str:
    name = "Shared" + hashlib.blake2b(backdrop.name.encode(), digest_size=6).hexdigest()
    if canvas.hasForm(name):
        return name
    canvas.beginForm(name, 0, 0, drawing.width, drawing.height)
    ctx = getattr(canvas, "context", None)        # None: a canvas of someone else's, nothing remembered
    known = ctx and ctx.operators.get(backdrop.name)
    font_names = canvas._doc.fontMapping
    if known and known[0].items() <= font_names.items():
        canvas._code.extend(known[1])
    else:
        alone = Drawing(drawing.width, drawing.height)
        alone.initialFontName = drawing.initialFontName
        # reportlab marks each node with its parent while drawing it: a private copy, since
        # other threads may be drawing the same shared backdrop
        alone.add(copy.deepcopy(backdrop))
        renderPDF.draw(alone, canvas, 0, 0)
        if ctx and all(set(text).issubset(ctx.fonts.charset) for text in _texts(backdrop)):
            ctx.operators.put(backdrop.name, (dict(font_names), list(canvas._code)))
    canvas.endForm()
    return name


def _texts(group: Group):
    for node in group.contents:
        if isinstance(node, String):
            yield node.text
        elif isinstance(node, Group):
            yield from _texts(node)
