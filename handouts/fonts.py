"""Font registration, done once per process, and a fixed font subset per document.

Registering a TTF parses the whole file; doing it per document is the single
largest avoidable cost in a batch run, so it happens on first use and is cached.

reportlab embeds only the glyphs a document uses, numbered in order of first
use, so two handouts would carry two different subsets. ``prime`` assigns the
same characters in the same order at the start of every document: the
embedded subset is then byte-identical from one handout to the next, built
once per process, and stored once in a merged print file.
"""

from __future__ import annotations

import hashlib
import string
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "Atkinson"
BOLD = "Atkinson-Bold"


def _font_dir() -> Path:
    import fontpkg_atkinson_hyperlegible as atkinson

    return Path(atkinson.ROOT) / "files"


# Printable ASCII, then the Latin-1 letters and the punctuation the content uses.
CHARSET = (string.printable[:95] + "".join(chr(c) for c in range(0xA1, 0x100))
           + "\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2212\u00b7")


def _remember_large_compressions() -> None:
    """Compress the (identical) embedded font subset once per process, not once per handout.

    reportlab compresses every stream of every document; the font subsets are the
    largest and are byte-identical each time (see ``prime``). A few recent large
    inputs are remembered by digest; the output bytes are exactly zlib's.
    """
    flate = pdfdoc.PDFZCompress
    encode = flate.encode
    recent: dict[bytes, bytes] = {}

    def remembering_encode(text):
        if len(text) < 16384:
            return encode(text)
        key = hashlib.blake2b(text if isinstance(text, bytes) else text.encode("utf8"), digest_size=16).digest()
        if key not in recent:
            if len(recent) >= 8:
                recent.pop(next(iter(recent)))
            recent[key] = encode(text)
        return recent[key]

    flate.encode = remembering_encode


def _remembering_subsets(font: TTFont) -> TTFont:
    made: dict[tuple, bytes] = {}
    make = font.face.makeSubset

    def make_subset(subset):
        key = tuple(subset)
        if key not in made:
            made[key] = make(subset)
        return made[key]

    font.face.makeSubset = make_subset
    return font


@cache
def register() -> None:
    """Register Atkinson Hyperlegible, a face designed for low-vision readers."""
    folder = _font_dir()
    for name, file in ((REGULAR, "AtkinsonHyperlegible-Regular.ttf"), (BOLD, "AtkinsonHyperlegible-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        # reportlab hands out the first font registered for a face under every later
        # name too (a host application may have registered this one already).
        _remembering_subsets(pdfmetrics.getFont(name))
    _remember_large_compressions()
    # Italics are deliberately mapped to upright faces: large print forbids them
    # and the handouts never need them.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)


def prime(document) -> None:
    """Give the common characters fixed codes in this document (see the module note)."""
    for name in (REGULAR, BOLD):
        pdfmetrics.getFont(name).splitString(CHARSET, document)
