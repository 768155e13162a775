"""The faces a handout is set in, registered once, and a fixed font subset per document.

Registering a TTF parses the whole file; doing it per document is the single
largest avoidable cost in a batch run, so a ``Fonts`` registers its faces on
first use and keeps them. reportlab's font registry is process-wide, so the
default ``Fonts`` is one per process and every render context shares it.

reportlab embeds only the glyphs a document uses, numbered in order of first
use, so two handouts would carry two different subsets. ``prime`` assigns the
same characters in the same order at the start of every document: the
embedded subset is then byte-identical from one handout to the next, built
once (``_Face`` remembers a few recent subsets), and stored once in a merged
print file.
"""

from __future__ import annotations

import contextlib
import string
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFObject
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from .memo import Memo

REGULAR = "Atkinson"
BOLD = "Atkinson-Bold"

# Printable ASCII, then the Latin-1 letters and the punctuation the content uses.
CHARSET = (string.printable[:95] + "".join(chr(c) for c in range(0xA1, 0x100))
           + "\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2212\u00b7")

SUBSETS_KEPT = 16        # per face: the primed subset, plus a few for names beyond Latin-1
SPLITS_KEPT = 4096       # per face: texts already turned into subset codes (a handout draws a few hundred)

_REGISTRY = threading.Lock()      # reportlab's registry is a plain process-wide dict


def _atkinson_dir() -> Path:
    import fontpkg_atkinson_hyperlegible as atkinson

    return Path(atkinson.ROOT) / "files"


class _Face(TTFontFace):
    """A face that remembers the subsets it made.

    Making a subset reads the font file through one shared read position, so
    it is done under the face's lock; a remembered subset needs no lock.
    """

    def __init__(self, filename: str, kept: int):
        super().__init__(filename)
        self._subsets = Memo(kept)
        self._reading = threading.Lock()

    def makeSubset(self, subset):  # noqa: N802 (reportlab's name)
        key = tuple(subset)
        made = self._subsets.get(key)
        if made is None:
            with self._reading:
                made = self._subsets.put(key, super().makeSubset(subset))
        return made


class _Font(TTFont):
    """A TrueType font whose face remembers its subsets (see ``_Face``), and that splits text from memory.

    Drawing a string first turns it into subset codes, a loop over its
    characters. In a primed document (``prime``) the common characters have
    the same codes as in every other, so a text made only of them splits the
    same way every time and is looked up instead.
    """

    def __init__(self, name: str, filename: str, kept: int):
        super().__init__(name, filename)
        self.face = _Face(filename, kept)
        self._splits = Memo(SPLITS_KEPT, second_sighting=True)

    def prime(self, charset: str, document) -> None:
        fresh = document not in self.state
        super().splitString(charset, document)
        if fresh:       # codes given in charset order from the first: the same in every primed document
            self.state[document].primed = frozenset(charset)

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802 (reportlab's name)
        primed = getattr(self.state.get(doc), "primed", None)
        if primed is None or not isinstance(text, str) or not primed.issuperset(text):
            return super().splitString(text, doc, encoding)
        key = (primed, text)
        split = self._splits.get(key)
        if split is None:
            split = self._splits.put(key, tuple(super().splitString(text, doc, encoding)))
        return split

    def addObjects(self, doc):  # noqa: N802 (reportlab's name)
        """reportlab's font objects, with each subset's widths written once per process, not per document.

        A primed subset's widths are the same in every handout, and writing
        their few hundred numbers is most of the cost of a font's objects.
        """
        fonts = doc.idToObject["BasicFonts"].dict
        before = set(fonts)
        super().addObjects(doc)
        for name in fonts.keys() - before:
            widths = fonts[name].Widths
            fonts[name].Widths = _WIDTHS.get_or_make(tuple(widths.sequence),
                                                     lambda widths=widths: _Written(widths.format(doc)))


class _Written(PDFObject):
    """A value already written as PDF bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document) -> bytes:
        return self.data


_WIDTHS = Memo(64)       # a subset's widths, written (the same bytes in every document)


def fixed_name(name: str, document, text: str) -> str | None:
    """The name a primed face has in ``document``, when it already has one and ``text`` is all fixed codes.

    Drawing such text adds nothing to the document (no new codes, no new
    font), so what it draws may be drawn again from memory (see ``replay``).
    None otherwise.
    """
    font = pdfmetrics.getFont(name)
    state = font.state.get(document) if isinstance(font, _Font) else None
    primed = getattr(state, "primed", None)
    if primed is None or state.internalName is None or not primed.issuperset(text):
        return None
    return state.internalName


class Fonts:
    """The regular and bold faces of one family, under the names reportlab knows them by.

    A render context holds one ``Fonts``; another family (or a chain of them
    for other scripts) is another ``Fonts`` with its own names.
    """

    def __init__(self, regular: str = REGULAR, bold: str = BOLD, folder: Path | None = None,
                 files: tuple[str, str] = ("AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf"),
                 charset: str = CHARSET, subsets_kept: int = SUBSETS_KEPT):
        self.regular, self.bold = regular, bold
        self.charset = charset
        self._folder, self._files, self._kept = folder, files, subsets_kept
        self._registered = False
        self._shared_with_host = False
        self._embedding = threading.Lock()

    def register(self) -> Fonts:
        """Register the faces with reportlab, once (a parsed face is kept for the process)."""
        if self._registered:
            return self
        with _REGISTRY:
            if not self._registered:
                folder = self._folder or _atkinson_dir()
                for name, file in zip((self.regular, self.bold), self._files, strict=True):
                    if name not in pdfmetrics.getRegisteredFontNames():
                        pdfmetrics.registerFont(_Font(name, str(folder / file), self._kept))
                    # reportlab hands out the first font registered for a face under every
                    # later name too: a host application may have registered this one already.
                    if not isinstance(pdfmetrics.getFont(name), _Font):
                        self._shared_with_host = True
                # Italics are deliberately mapped to upright faces: large print forbids them
                # and the handouts never need them.
                for bold in (0, 1):
                    for italic in (0, 1):
                        addMapping(self.regular, bold, italic, self.bold if bold else self.regular)
                self._registered = True
        return self

    def prime(self, document) -> None:
        """Give the common characters fixed codes in this document (see the module note)."""
        for name in (self.regular, self.bold):
            font = pdfmetrics.getFont(name)
            if isinstance(font, _Font):
                font.prime(self.charset, document)
            else:
                font.splitString(self.charset, document)

    def embedding(self):
        """Held while a document's fonts are written.

        Our own faces guard their subsetting themselves; a face a host
        registered first does not, so documents using it embed one at a time.
        """
        return self._embedding if self._shared_with_host else contextlib.nullcontext()


_DEFAULT: Fonts | None = None


def default() -> Fonts:
    """The process's Atkinson Hyperlegible, a face designed for low-vision readers."""
    global _DEFAULT
    if _DEFAULT is None:
        with _REGISTRY:
            if _DEFAULT is None:
                _DEFAULT = Fonts()
    return _DEFAULT.register()
