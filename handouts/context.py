"""The render context: the fonts, the content library and the memos a handout is drawn with.

Nothing that may differ between contexts lives in module globals or in
patches to reportlab: a program makes a context (one per clinic content
folder, say) and passes it to ``api.generate``, or takes the default one for
a folder. A context can be used from several threads at once: its memos are
bounded and locked, and everything a single document needs is made per
document.

What is the process's by nature stays beside the contexts, bounded: the
faces registered with reportlab (its registry is one per process; see
``fonts``) and, for the fallback faces, how a text splits into runs and the
small fonts those runs are set in (``fontchain``, ``glyphfonts``). These
depend only on the text and the fonts' files, and are needed where no
context exists: the prescription reader refuses a name no font can print
before anything is rendered.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle

from . import content
from .fonts import Fonts
from .fonts import default as default_fonts
from .memo import Memo

LARGE_INPUT = 16384          # compressed streams at least this long are remembered (the font subsets)


class Flate:
    """reportlab's Flate filter, remembering the few large inputs that repeat.

    The embedded font subsets are the largest streams and are byte-identical
    from one handout to the next (see ``fonts``); they are compressed once.
    The output bytes are exactly zlib's. A document gets this filter as its
    own default, so reportlab's shared filter is left as it is.
    """

    pdfname = "FlateDecode"

    def __init__(self, kept: int = 8):
        self._recent = Memo(kept)

    def encode(self, text) -> bytes:
        import zlib

        data = text.encode("utf8") if isinstance(text, str) else text
        if len(data) < LARGE_INPUT:
            return zlib.compress(data)
        key = hashlib.blake2b(data, digest_size=16).digest()
        return self._recent.get_or_make(key, lambda: zlib.compress(data))

    def decode(self, encoded: bytes) -> bytes:
        import zlib

        return zlib.decompress(encoded)


class RenderContext:
    """Everything rendering reuses between handouts, owned in one place.

    ``content_dir`` is a clinic's content folder (its files replace the
    built-in ones), read once when the context is made; ``library`` gives an
    already loaded one. ``fonts`` defaults to the process's Atkinson
    Hyperlegible.
    """

    def __init__(self, content_dir: str | Path | None = None, *, library: content.Library | None = None,
                 fonts: Fonts | None = None):
        self.content_dir = str(content_dir) if content_dir else None
        self.library = library if library is not None else content.load(self.content_dir)
        self.fonts = (fonts or default_fonts()).register()
        # parsed paragraphs and their line breaks, taken on a second sighting (see Memo)
        self.parsed = Memo(1024, second_sighting=True)
        self.broken = Memo(2048, second_sighting=True)
        self.drawn = Memo(2048, second_sighting=True)     # their page operators (see replay)
        # drawings every handout shares (body outlines), and their page operators
        self.backdrops = Memo(32)
        self.operators = Memo(32)
        self.flate = Flate()
        self._styles = Memo(16)
        self._styles_lock = threading.Lock()

    def styles(self, body: float = 12.0) -> dict[str, ParagraphStyle]:
        """Paragraph styles scaled from the body size (12 pt standard, 18 pt large print)."""
        from .blocks import make_styles

        made = self._styles.get(body)
        if made is None:
            with self._styles_lock:      # one set per size: paragraph memos are keyed by style
                made = self._styles.get(body) or self._styles.put(body, make_styles(self, body))
        return made


_DEFAULTS = Memo(8)
_DEFAULTS_LOCK = threading.Lock()


def default(content_dir: str | Path | None = None) -> RenderContext:
    """The shared context for a content folder (the built-in library when None)."""
    key = str(Path(content_dir).resolve()) if content_dir else None
    ctx = _DEFAULTS.get(key)
    if ctx is None:
        with _DEFAULTS_LOCK:
            ctx = _DEFAULTS.get(key) or _DEFAULTS.put(key, RenderContext(content_dir))
    return ctx
