"""Every character a patient sees, set in a face that has it, in the right order.

Atkinson Hyperlegible sets everything it can. A word it cannot set goes to the
first face in the chain that has all its letters: Noto Sans (Latin Extended,
Greek, Cyrillic, Vietnamese), Noto Sans CJK, Noto Sans Arabic, then Heebo for
Hebrew (Noto Sans Hebrew is not packaged; Heebo is the open Hebrew sans made
to sit beside Latin sans faces). Whole words move, so a Vietnamese name is
not a patchwork of two designs.

Right-to-left text follows the Unicode bidi algorithm (python-bidi) and is
shaped by HarfBuzz, so Arabic letters join and a Hebrew name reads from the
right. The text is then handed to reportlab in drawing order, each run in a
small font of its own glyphs (see ``glyphfonts``).

A character no face has is refused before anything is drawn
(``unprintable``): a box would look like a name and say nothing.

The memos here (the base face's characters, each text's runs, each run's
shaping) are the process's, not a render context's: they depend only on the
text and the faces' files, the small fonts they lead to are registered in
reportlab's process-wide registry, and they are needed without a context
(the prescription reader's ``unprintable``; ``markup`` for the text the
layouts pass through ``blocks.text``). Each is bounded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from html import escape as escape_html

from . import glyphfonts
from .glyphfonts import Source

# & < > only, as paragraph markup needs (xml.sax.saxutils would import urllib.request: 0.1 s at start-up)
escape = partial(escape_html, quote=False)

FALLBACKS = (
    Source("NotoSans", "fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    Source("NotoSansCJK", "cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf", weights=False),
    Source("NotoSansArabic", "fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf", shaped=True),
    Source("Heebo", "fontpkg_heebo", "files/Heebo[wght].ttf", shaped=True),
)
_RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI"}
# Invisible characters that only steer direction or joining: never drawn.
_DIRECTION_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Of those, the ones that push a whole stretch of text into a direction (embeddings, overrides,
# isolates): a right-to-left override turns "Smith" into what reads as "htimS" while the text
# layer still says "Smith". A prescription never needs them (each field is ordered on its own).
STEERING = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NOT_DRAWN = dict.fromkeys(map(ord, _DIRECTION_MARKS + "\u200b\u2060\ufeff\u00ad"))
_JOINERS = "\u200c\u200d"
_ISOLATES_AS_EMBEDDINGS = str.maketrans("\u2066\u2067\u2068\u2069", "\u202a\u202b\u202a\u202c")


@dataclass(frozen=True)
class Run:
    """Part of a text set in one face: ``family`` None is the base face (Atkinson)."""

    family: str | None
    text: str            # what is drawn, in drawing order


@cache
def _base() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    from . import fonts

    return frozenset(pdfmetrics.getFont(fonts.default().regular).face.charToGlyph)


@cache
def _outside_base() -> re.Pattern:
    """Matches a character the base face cannot set as it stands (runs at C speed: every string passes here)."""
    printable = sorted(chr(c) for c in _base() if chr(c).isprintable() and not 0xD800 <= c <= 0xDFFF)
    return re.compile("[^" + "".join(re.escape(c) for c in printable) + "\n]")


def _plain(text: str) -> bool:
    """True when the base face sets all of it as it stands (almost every string)."""
    if text.isascii():
        return text.isprintable()
    return _outside_base().search(text) is None


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text if ord(c) >= 0x590)


def _covers(index: int, char: str) -> bool:
    if char in _JOINERS:
        return True         # steers shaping; a face without it simply does not draw it
    if index == 0:
        return ord(char) in _base()
    return ord(char) in FALLBACKS[index - 1].unicodes


def unprintable(text: str) -> str:
    """The characters of ``text`` that no face in the chain can draw, each once, in order."""
    if text.isascii() and text.isprintable():
        return ""
    missing = []
    for char in text:
        if char in missing or char.isspace() or ord(char) in _NOT_DRAWN or char in _JOINERS:
            continue
        if unicodedata.category(char) == "Cc" or not any(_covers(i, char) for i in range(len(FALLBACKS) + 1)):
            missing.append(char)
    return "".join(missing)


def steering(text: str) -> str:
    """The embedding, override and isolate controls in ``text``, each once, in order."""
    return "".join(dict.fromkeys(STEERING.findall(text)))


def describe(chars: str) -> str:
    """Characters as a person can find them: '😀' (U+1F600 GRINNING FACE)."""
    def name(c: str) -> str:
        return unicodedata.name(c, "a control character" if unicodedata.category(c) == "Cc" else "unnamed")

    return ", ".join(f"{c!r} (U+{ord(c):04X} {name(c)})" for c in chars)


def _faces(text: str) -> list[int]:
    """The face of each character: whole words move to the first face that has all their letters.

    A space between two words of one face stays in it (one run); any other
    space is the base face's.
    """
    faces = [0] * len(text)
    start = 0
    for end in [*(i for i, c in enumerate(text) if c.isspace()), len(text)]:
        word = text[start:end]
        if word:
            whole = next((i for i in range(len(FALLBACKS) + 1) if all(_covers(i, c) for c in word)), None)
            for k, char in enumerate(word, start):
                faces[k] = whole if whole is not None else next(
                    (i for i in range(len(FALLBACKS) + 1) if _covers(i, char)), 0)
        start = end + 1
    for i, char in enumerate(text):
        if char.isspace() and 0 < i < len(text) - 1 and faces[i - 1] == faces[i + 1] and _covers(faces[i - 1], char):
            faces[i] = faces[i - 1]
    return faces


def _levels(text: str) -> tuple[str, list[int]]:
    """The visible characters and their bidi embedding levels (rules X1–I2), for a left-to-right paragraph.

    Directional marks and embeddings steer the order and are not drawn.
    Isolates (RLI, LRI, FSI … PDI) are read as embeddings, which the
    algorithm here knows; for a name the order comes out the same.
    """
    if not _has_rtl(text):
        visible = text.translate(_NOT_DRAWN)
        return visible, [0] * len(visible)
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"], storage["base_dir"] = 0, "L"
    algorithm.get_embedding_levels(text.translate(_ISOLATES_AS_EMBEDDINGS), storage)
    algorithm.explicit_embed_and_overrides(storage)     # drops the embedding controls (rule X9)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    kept = [c for c in storage["chars"] if ord(c["ch"]) not in _NOT_DRAWN]
    return "".join(c["ch"] for c in kept), [c["level"] for c in kept]


def _language(text: str) -> str | None:
    """Japanese glyph forms for Han characters where the text shows it is Japanese (kana)."""
    if any(0x3040 <= ord(c) <= 0x30FF for c in text) and any(unicodedata.name(c, "").startswith("CJK") for c in text):
        return "ja"
    return None


def _into_levelled_faces(text: str, faces: list[int], levels: list[int]) -> None:
    """Digits and punctuation inside right-to-left text leave the base face for the fallback face around
    them (or the first that has them), so every run drawn inside such text knows its level (``visual``)."""
    for i, level in enumerate(levels):
        if level and not faces[i]:
            near = [faces[k] for k in (*range(i - 1, -1, -1), *range(i + 1, len(text))) if faces[k] and levels[k]]
            faces[i] = next((f for f in (*near[:1], *range(1, len(FALLBACKS) + 1)) if _covers(f, text[i])), 0)


@lru_cache(maxsize=1024)
def _pieces(text: str) -> tuple[tuple[int, int, str], ...]:
    """(face, level, text) pieces in logical order: each a stretch of one face at one bidi level."""
    text, levels = _levels(text)
    faces = _faces(text)
    if any(levels):
        _into_levelled_faces(text, faces, levels)
    pieces: list[list] = []
    for char, face, level in zip(text, faces, levels, strict=False):
        if pieces and pieces[-1][0] == face and pieces[-1][1] == level:
            pieces[-1][2] += char
        else:
            pieces.append([face, level, char])
    return tuple((face, level, piece) for face, level, piece in pieces)


def _drawing_order(items: list, levels: list[int]) -> list:
    """``items`` (at ``levels``) in drawing order: bidi rule L2, from the highest level down, each
    stretch at that level or above reversed."""
    items, levels = list(items), list(levels)
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(items):
            if levels[i] < level:
                i += 1
                continue
            j = i
            while j < len(items) and levels[j] >= level:
                j += 1
            items[i:j], levels[i:j] = items[i:j][::-1], levels[i:j][::-1]
            i = j
    return items


@lru_cache(maxsize=1024)
def _shaped(face: int, level: int, piece: str) -> glyphfonts.Shaped:
    return glyphfonts.shape(FALLBACKS[face - 1], piece, level, _language(piece))


def _logical_runs(text: str) -> list[tuple[int, Run]]:
    """(level, run) for ``text``, in logical order; each run's own glyphs in drawing order."""
    missing = unprintable(text)
    if missing:     # the readers refuse these with file, line and field; this guards any other way in
        from .errors import PrescriptionError, Problem

        raise PrescriptionError([Problem("", None, "", f"{text!r} has characters no handout font can print: "
                                                       f"{describe(missing)}", "write it without them")])
    out = []
    with glyphfonts.LOCK:       # the faces' files and reportlab's registry are shared by every thread
        for face, level, piece in _pieces(text):
            if face == 0:
                piece = piece.replace("\u200c", "").replace("\u200d", "")
                out.append((level, Run(None, _mirrored(piece[::-1]) if level % 2 else piece)))
            else:
                shaped = _shaped(face, level, piece)
                out.append((level, Run(glyphfonts.family(shaped), shaped.codes)))
    return out


def _spaced(text: str) -> str:
    return "".join(" " if c.isspace() else c for c in text)


def runs(text: str) -> list[Run]:
    """``text`` (logical order) as runs in drawing order, each in a face that has its characters.

    For text drawn on one line; a paragraph reorders each of its lines (``visual``).
    """
    if _plain(text):
        return [Run(None, text)]
    levelled = _logical_runs(_spaced(text))
    return _drawing_order([run for _, run in levelled], [level for level, _ in levelled])


def _mirrored(text: str) -> str:
    from bidi.mirror import MIRRORED

    return "".join(MIRRORED.get(c, c) for c in text)


def markup(text: str) -> str:
    """``text`` as reportlab paragraph markup, escaped, with a face change for each run that needs one.

    Runs stay in logical order, so a paragraph breaks its lines as the text reads;
    a right-to-left run's words are each drawn right to left, and ``visual`` puts
    the words of each line in drawing order once the lines are known.
    """
    if _plain(text):
        return escape(text)
    out = []
    for level, run in _logical_runs(_spaced(text)):
        words = " ".join(reversed(run.text.split(" "))) if level % 2 and run.family else run.text
        out.append(escape(words) if run.family is None else f'<font face="{run.family}">{escape(words)}</font>')
    return "".join(out)


_WORDS = re.compile(r" +|[^ ]+")


def visual(para):
    """A broken paragraph (reportlab's ``blPara``) with each line's words in drawing order (bidi rule L2).

    Markup keeps right-to-left words in reading order so that lines break where
    the text reads; here, per line, they are put right to left. The levels come
    from the fonts: each right-to-left run is set in a small font of its level.
    Returns ``para`` itself when no line needs it (almost always).
    """
    from reportlab.pdfbase.pdfmetrics import getFont

    if para.kind == 0:
        if not getattr(getFont(para.fontName), "level", 0) % 2:
            return para
        return para.clone(lines=[(room, words[::-1]) for room, words in para.lines])
    lines, changed = [], False
    for line in para.lines:
        frags = line.words
        if any(hasattr(f, "cbDefn") or not isinstance(getattr(f, "text", None), str) for f in frags) or not any(
                getattr(getFont(f.fontName), "level", 0) for f in frags):
            lines.append(line)
            continue
        tokens = [(f, word) for f in frags for word in _WORDS.findall(f.text)]
        levels = [None if word[0] == " " else getattr(getFont(f.fontName), "level", 0) for f, word in tokens]
        for i, level in enumerate(levels):
            if level is None:       # a space takes the lower level of the words either side (rule N1)
                before = next((v for v in levels[i - 1::-1] if v is not None), 0) if i else 0
                after = next((v for v in levels[i + 1:] if v is not None), 0)
                levels[i] = min(before, after)
        merged: list = []
        for f, word in _drawing_order(tokens, levels):
            if merged and merged[-1][0] is f:
                merged[-1][1] += word
            else:
                merged.append([f, word])
        lines.append(line.clone(words=[f.clone(text=word) for f, word in merged]))
        changed = True
    return para.clone(lines=lines) if changed else para


def _font(run: Run, base: str, bold: bool) -> str:
    if run.family is None:
        return base
    from reportlab.lib.fonts import tt2ps

    return tt2ps(run.family, int(bold), 0)


def width(text: str, base: str, size: float, bold: bool = False) -> float:
    """The drawn width of ``text`` at ``size``, with ``base`` for the runs the base face sets."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(run.text, _font(run, base, bold), size) for run in runs(text))


def draw(canv, x: float, y: float, text: str, base: str, size: float, bold: bool = False) -> None:
    """Draw ``text`` from ``x`` on a canvas whose font is ``base`` at ``size``, each run in its face."""
    parts = runs(text)
    if len(parts) == 1 and parts[0].family is None:
        canv.drawString(x, y, text)
        return
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for run in parts:
        font = _font(run, base, bold)
        canv.setFont(font, size)
        canv.drawString(x, y, run.text)
        x += stringWidth(run.text, font, size)
    canv.setFont(base, size)


def actual_text(para) -> str:
    """What a broken paragraph (``blPara``, lines in reading order) says, in reading order: each glyph
    read back as its letters, right-to-left words turned to reading order, lines joined by spaces."""
    from reportlab.pdfbase.pdfmetrics import getFont

    def said(font_name: str, text: str) -> str:
        font = getFont(font_name)
        letters, level = getattr(font, "letters", {}), getattr(font, "level", 0)
        words = _WORDS.findall(text)
        if level % 2:
            words = ["".join(letters.get(ord(c), c) for c in reversed(word)) for word in words]
        else:
            words = ["".join(letters.get(ord(c), c) for c in word) for word in words]
        return "".join(words)

    if para.kind == 0:
        lines = [said(para.fontName, " ".join(words)) for _, words in para.lines]
    else:
        lines = ["".join(said(f.fontName, f.text) for f in line.words if isinstance(getattr(f, "text", None), str))
                 for line in para.lines]
    return " ".join(" ".join(line.split()) for line in lines)


_FACE_TAG = re.compile(r'<font face="([^"]+)">|<(/?)b>')


def weighted(markup: str, bold: bool) -> str:
    """Markup whose fallback runs take the weight of the text around them.

    reportlab's ``<font face>`` resets bold, so a run inside ``<b>`` (or in a
    bold style) names its bold font itself.
    """
    if '<font face="' not in markup:
        return markup
    from reportlab.lib.fonts import tt2ps

    depth = [int(bold)]

    def swap(match):
        if match.group(1) is None:
            depth.append(depth[-1] + (-1 if match.group(2) else 1))
            return match.group(0)
        return f'<font face="{tt2ps(match.group(1), 1, 0)}">' if depth[-1] > 0 else match.group(0)

    return _FACE_TAG.sub(swap, markup)
