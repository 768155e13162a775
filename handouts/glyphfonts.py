"""Small fonts made from a few glyphs of a large face, for the names a handout prints.

The fallback faces are large (the CJK face holds 65,000 glyphs in PostScript
outlines, which reportlab cannot embed) and variable (one file for every
weight). A patient's name needs a dozen of their glyphs, so each run of text
gets a TrueType font of just those glyphs at the weight it is set in: built
in a few milliseconds, deterministic (it depends only on the run's glyphs),
and embedded by reportlab like any other font.

Shaping may turn a letter into another glyph (Arabic joining forms, a lam-alef
ligature, Japanese glyph variants). Such glyphs get private-use codes in the
small font, and the font's ToUnicode map sends each code back to the letters
it shows, so the text layer carries real Unicode, never private-use codes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .memo import Memo

LOCK = threading.RLock()      # fontTools reads a face's file lazily through one shared position
PRIVATE_USE = 0xE000
REGISTERED_LIMIT = 512      # small fonts kept registered; far more than one handout uses
OUTLINES_KEPT = 4096        # converted glyph outlines kept per face (about 1 KB each)
# A face with no bold weight (the CJK face's bold is another 16 MB package) is made bold by
# HarfBuzz's synthetic emboldening of its outlines: every stroke this much of an em thicker,
# each glyph this much wider, so a bold heading stays bold in every script.
EMBOLDEN = 0.03


@dataclass
class Source:
    """One fallback face on disk, opened only when a document first needs it.

    HarfBuzz reads it: which characters it has (the CJK face's 44,000 in
    milliseconds, where parsing its cmap in Python takes a second), shaping, and
    each glyph's outline at a weight. fontTools reads only a few small tables.
    """

    key: str                 # short name used in font names: "NotoSans"
    module: str              # the Python package that ships the file
    file: str                # path inside that package
    weights: bool = True     # a variable face with a wght axis (bold is made from it); else bold is synthetic
    shaped: bool = False     # its script needs HarfBuzz (joining letters, marks placed on letters)
    _outlines: Memo = field(default_factory=lambda: Memo(OUTLINES_KEPT), repr=False)

    @cached_property
    def path(self) -> Path:
        import importlib

        return Path(importlib.import_module(self.module).__file__).parent / self.file

    @cached_property
    def font(self):
        from fontTools.ttLib import TTFont as ToolsFont

        return ToolsFont(str(self.path), lazy=True)

    @cached_property
    def hb_face(self):
        import uharfbuzz as hb

        return hb.Face(hb.Blob.from_file_path(str(self.path)))

    @cached_property
    def unicodes(self):
        """The characters the face has a glyph for (a HarfBuzz set: ``code in source.unicodes``)."""
        return self.hb_face.unicodes

    @cached_property
    def hb_font(self):
        import uharfbuzz as hb

        return hb.Font(self.hb_face)

    def glyph(self, code: int) -> int:
        """The glyph id of a character the face has."""
        return self.hb_font.get_nominal_glyph(code)

    @cached_property
    def drawn(self) -> dict:
        """HarfBuzz fonts that draw outlines: regular, and bold (the wght axis at 700, or emboldened)."""
        import uharfbuzz as hb

        fonts = {}
        for bold in (False, True):
            font = fonts[bold] = hb.Font(self.hb_face)
            if self.weights:
                font.set_variations({"wght": 700 if bold else 400})
            elif bold:
                font.synthetic_bold = (EMBOLDEN, EMBOLDEN, False)
        return fonts

    def outline(self, glyph, bold: bool) -> Outline:
        key = (glyph, bold)
        return self._outlines.get_or_make(key, lambda: _outline(self, glyph, bold))


@dataclass(frozen=True)
class Shaped:
    """A run of text as glyphs, in the order they are drawn (left to right)."""

    source: Source
    level: int                          # its bidi level: odd is right to left
    codes: str                          # one character per glyph: the letter, or a private-use code
    glyphs: tuple[tuple[int, object], ...]  # (code, glyph id or placed glyphs), each once, in order of use
    letters: tuple[tuple[int, str], ...]  # private-use code -> the letters it shows

    @cached_property
    def digest(self) -> str:
        blob = repr((self.source.key, self.level, self.glyphs, self.letters)).encode()
        return hashlib.blake2b(blob, digest_size=6).hexdigest()


def shape(source: Source, text: str, level: int, language: str | None = None) -> Shaped:
    """The glyphs for ``text`` (logical order) at bidi ``level``, in drawing order.

    Scripts whose letters change with context (``Source.shaped``) and text whose
    language picks other glyph forms go through HarfBuzz; the rest use each
    character's own glyph, reversed and mirrored when right to left.
    """
    rtl = level % 2 == 1
    if source.shaped or language:
        return _harfbuzz(source, text, level, language)
    from bidi.mirror import MIRRORED

    text = "".join(c for c in text if ord(c) in source.unicodes or c not in "\u200c\u200d")
    codes = "".join(MIRRORED.get(c, c) for c in reversed(text)) if rtl else text
    glyphs = {ord(c): source.glyph(ord(c)) for c in codes}
    return Shaped(source, level, codes, tuple(glyphs.items()), ())


def _harfbuzz(source: Source, text: str, level: int, language: str | None) -> Shaped:
    """Shape with HarfBuzz; a letter drawn as several glyphs (a base and its marks) becomes one glyph.

    Each cluster (one letter with its marks, or a ligature's letters) is one
    glyph of the small font, built from HarfBuzz's glyphs at HarfBuzz's
    positions, so marks sit where the face puts them and every glyph maps to
    the letters it shows.
    """
    import uharfbuzz as hb

    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if level % 2 else "ltr"
    if language:
        buf.language = language
    hb.shape(source.hb_font, buf, {})
    starts = sorted({info.cluster for info in buf.glyph_infos})
    ends = dict(zip(starts, starts[1:] + [len(text)], strict=False))
    clusters: list[tuple[int, list]] = []
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=False):
        if not clusters or clusters[-1][0] != info.cluster:
            clusters.append((info.cluster, []))
        clusters[-1][1].append((info.codepoint, pos.x_advance, pos.x_offset, pos.y_offset))
    codes, glyphs, letters = [], {}, {}
    for cluster, parts in clusters:
        shown = text[cluster:ends[cluster]]
        if len(parts) == 1 and not parts[0][2] and not parts[0][3]:
            glyph = parts[0][0]
        else:
            x, placed = 0, []
            for name, advance, dx, dy in parts:
                placed.append((name, x + dx, dy))
                x += advance
            glyph = (tuple(placed), x)
        if len(shown) == 1 and ord(shown) in source.unicodes and source.glyph(ord(shown)) == glyph:
            code = ord(shown)
        else:
            code = next((c for c, g in glyphs.items() if g == glyph and letters.get(c) == shown), None)
            if code is None:
                code = PRIVATE_USE + len(letters)
                letters[code] = shown
        glyphs.setdefault(code, glyph)
        codes.append(chr(code))
    return Shaped(source, level, "".join(codes), tuple(glyphs.items()), tuple(sorted(letters.items())))


class _LetteredFont(TTFont):
    """A reportlab font whose ToUnicode map gives private-use codes their letters."""

    letters: dict[int, str]
    level: int          # the bidi level of the text it sets (``fontchain.visual`` reorders lines by it)

    def addObjects(self, doc):
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state else []
        super().addObjects(doc)
        if not self.letters:
            return
        for n, subset in enumerate(subsets):
            prefix = (b"".join((_subset_tag(n), b"+", self.face.name, self.face.subfontNameX))).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + prefix)
            if stream is not None:
                stream.content = _to_unicode(prefix, subset, self.letters)


def _subset_tag(n: int) -> bytes:
    from reportlab.pdfbase.ttfonts import SUBSETN

    return SUBSETN(n)


def _to_unicode(name: str, subset: list[int], letters: dict[int, str]) -> str:
    entries = []
    for index, code in enumerate(subset):
        shown = letters.get(code, chr(code))      # "" for a mark split off a letter: it adds no text
        entries.append("<{:02X}> <{}>".format(index, shown.encode("utf-16-be").hex().upper()))
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name}) /Supplement 0 >> def",
        f"/CMapName /{name} def", "/CMapType 2 def",
        "1 begincodespacerange", "<00> <%02X>" % (len(subset) - 1), "endcodespacerange",
        f"{len(entries)} beginbfchar", *entries, "endbfchar",
        "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


_registered: OrderedDict[str, str] = OrderedDict()   # family -> its regular font name


def family(shaped: Shaped) -> str:
    """Register the small fonts (regular and bold) for a shaped run; returns the family name for markup."""
    name = f"{shaped.source.key}-{shaped.digest}"
    if name in _registered:
        _registered.move_to_end(name)
        return name
    regular = _register(shaped, name, bold=False)
    bold = _register(shaped, name + "-Bold", bold=True)
    for b in (0, 1):
        for i in (0, 1):
            addMapping(name, b, i, bold if b else regular)
    _registered[name] = regular
    while len(_registered) > REGISTERED_LIMIT:
        _forget(_registered.popitem(last=False)[0])
    return name


def _forget(family_name: str) -> None:
    """Unregister a family's fonts and their bold/italic mappings, so a long batch stays the same size."""
    from reportlab.lib import fonts as mappings

    for font_name in (family_name, family_name + "-Bold"):
        if font_name in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.getFont(font_name).unregister()
        mappings._ps2tt_map.pop(font_name.lower(), None)
        for bold in (0, 1):
            for italic in (0, 1):
                mappings._tt2ps_map.pop((font_name.lower(), bold, italic), None)


def _register(shaped: Shaped, name: str, bold: bool) -> str:
    font = _LetteredFont(name, io.BytesIO(build(shaped, bold)), asciiReadable=False)
    font.letters, font.level = dict(shaped.letters), shaped.level
    pdfmetrics.registerFont(font)
    return name


def build(shaped: Shaped, bold: bool) -> bytes:
    """A TrueType font holding just the run's glyphs, at regular or bold weight.

    The tables are written directly (fontTools' builder takes 20 ms a font);
    each glyph's outline is converted once per process and kept.
    """
    source = shaped.source
    ids = [0] + list(dict.fromkeys(glyph for _, glyph in shaped.glyphs))      # 0: .notdef
    glyphs = [source.outline(glyph, bold) for glyph in ids]
    index = {glyph: i for i, glyph in enumerate(ids)}
    weight = 700 if bold else 400
    ps_name = f"{source.key}{shaped.digest}-{'Bold' if weight == 700 else 'Regular'}"
    return _assemble(source, glyphs, {code: index[glyph] for code, glyph in shaped.glyphs}, ps_name, weight)


@dataclass(frozen=True)
class Outline:
    """One glyph as TrueType data: compiled outline, advance, bounds and size counts."""

    data: bytes
    advance: int
    bounds: tuple[int, int, int, int]
    points: int
    contours: int


def _outline(source: Source, glyph, bold: bool) -> Outline:
    """``glyph`` is a glyph id, or (((glyph id, x, y), ...), advance) for glyphs placed together."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    font = source.drawn[bold]
    recording = RecordingPen()
    if isinstance(glyph, int):
        font.draw_glyph_with_pen(glyph, recording)
        advance = font.get_glyph_h_advance(glyph)
    else:
        placed, advance = glyph
        for part, x, y in placed:
            font.draw_glyph_with_pen(part, TransformPen(recording, (1, 0, 0, 1, x, y)))
        if bold and not source.weights:
            advance += EMBOLDEN * source.hb_face.upem
    pen = TTGlyphPen(None)
    recording.replay(pen if "glyf" in source.font else Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    made = pen.glyph()
    data = made.compile(None) if made.numberOfContours else b""
    bounds = (made.xMin, made.yMin, made.xMax, made.yMax) if data else (0, 0, 0, 0)
    points = len(made.coordinates) if data else 0
    return Outline(data + b"\0" * (-len(data) % 4), round(advance), bounds, points,
                   max(made.numberOfContours, 0))


def _assemble(source: Source, glyphs: list[Outline], cmap: dict[int, int], ps_name: str, weight: int) -> bytes:
    tools = source.font
    upm = tools["head"].unitsPerEm
    hhea = tools["hhea"]
    boxes = [g.bounds for g in glyphs if g.data]
    x0, y0 = min((b[0] for b in boxes), default=0), min((b[1] for b in boxes), default=0)
    x1, y1 = max((b[2] for b in boxes), default=0), max((b[3] for b in boxes), default=0)
    loca, offset = [], 0
    for g in glyphs:
        loca.append(offset)
        offset += len(g.data)
    loca.append(offset)
    groups = sorted(cmap.items())
    os2 = bytearray(tools.reader["OS/2"])
    os2[4:6] = struct.pack(">H", weight)
    os2[8:10] = b"\0\0"                               # fsType: installable, the face is OFL
    tables = {
        b"OS/2": bytes(os2),
        b"cmap": struct.pack(">HHHHI", 0, 1, 3, 10, 12) + struct.pack(">HHIII", 12, 0, 16 + 12 * len(groups), 0,
                                                                        len(groups))
        + b"".join(struct.pack(">III", code, code, gid) for code, gid in groups),
        b"glyf": b"".join(g.data for g in glyphs),
        b"head": struct.pack(">HHHHIIHHqqhhhhHHhhh", 1, 0, 1, 0, 0, 0x5F0F3CF5, 3, upm, 0, 0, x0, y0, x1, y1,
                             1 if weight == 700 else 0, 3, 2, 1, 0),
        b"hhea": struct.pack(">HHhhhHhhhhhhhhhhhH", 1, 0, hhea.ascent, hhea.descent, hhea.lineGap,
                             max(g.advance for g in glyphs), 0, 0, x1, 1, 0, 0, 0, 0, 0, 0, 0, len(glyphs)),
        b"hmtx": b"".join(struct.pack(">Hh", g.advance, g.bounds[0]) for g in glyphs),
        b"loca": struct.pack(f">{len(loca)}I", *loca),
        b"maxp": struct.pack(">HH15H", 1, 0, len(glyphs), max(g.points for g in glyphs),
                             max(g.contours for g in glyphs), 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0)[:32],
        b"name": _name_table(ps_name),
        b"post": struct.pack(">HHhHhhIIIII", 3, 0, 0, 0, -100, 50, 0, 0, 0, 0, 0),
    }
    return _sfnt(tables)


def _name_table(ps_name: str) -> bytes:
    family, _, style = ps_name.rpartition("-")
    records = [(1, family), (2, style), (4, f"{family} {style}"), (6, ps_name)]
    strings = [text.encode("utf-16-be") for _, text in records]
    header = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    offset, entries = 0, b""
    for (name_id, _), data in zip(records, strings, strict=False):
        entries += struct.pack(">HHHHHH", 3, 1, 0x409, name_id, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(strings)


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    offset = 12 + 16 * count
    directory, body = b"", b""
    for tag in tags:
        data = tables[tag]
        checksum = sum(struct.unpack(f">{(len(data) + 3) // 4}I", data + b"\0" * (-len(data) % 4))) & 0xFFFFFFFF
        directory += struct.pack(">4sIII", tag, checksum, offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    return header + directory + body
