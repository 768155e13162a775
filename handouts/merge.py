"""One print-ready file for a whole batch, written as a stream.

A pharmacy prints hundreds of handouts double-sided in one job, so every
handout starts on an odd page (a blank page follows a handout with an odd page
count) and two patients never share a sheet. Pages are copied object by object
straight to disk; only object offsets and page numbers stay in memory, so a
batch of 10,000 needs no more memory than a batch of 100. Resources that are
byte-identical after renumbering (the embedded fonts, which ``fonts.prime``
makes identical on purpose) are written once and shared.

The print file carries no structure tree: it is for the printer. Each
patient's own PDF is the accessible copy.
"""

from __future__ import annotations

import hashlib
import io
from array import array
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from .output import atomic_file

_PAGES, _CATALOG, _INFO = 1, 2, 3     # reserved object numbers, written last
_SKIP_ON_PAGE = {"/Parent", "/StructParents"}


class PrintFile:
    """Append handouts one by one; ``close`` finishes the file and moves it into place."""

    def __init__(self, path: Path | str):
        self._context = atomic_file(path)
        self._out = self._context.__enter__()
        self._offsets = array("Q", [0, 0, 0])      # object n lives at _offsets[n - 1]
        self._kids = array("L")
        self._shared: dict[bytes, int] = {}
        self._out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.handouts = 0
        self.blank_pages = 0

    @property
    def pages(self) -> int:
        return len(self._kids)

    def add(self, pdf: bytes) -> None:
        """Copy one handout's pages; pad with a blank page to keep the next one on an odd page."""
        reader = PdfReader(io.BytesIO(pdf))
        done: dict[int, int] = {}
        box = None
        for page in reader.pages:
            box = page.mediabox
            entries = {k: v for k, v in page.items() if k not in _SKIP_ON_PAGE}
            body = self._dict(entries, done, shared=False, parent=True)
            self._kids.append(self._write(body))
        if len(reader.pages) % 2:
            w, h = float(box.width), float(box.height)
            self._kids.append(self._write(
                b"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 %s %s] /Resources << >> >>" % (_num(w), _num(h))))
            self.blank_pages += 1
        self.handouts += 1

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % n for n in self._kids)
        self._write_at(_PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self._kids)))
        self._write_at(_CATALOG, b"<< /Type /Catalog /Pages 1 0 R >>")
        self._write_at(_INFO, b"<< /Title (Handouts print file: %d handouts) /Producer (handouts) >>"
                       % self.handouts)
        xref_at = self._out.tell()
        count = len(self._offsets) + 1
        self._out.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        self._out.write(b"".join(b"%010d 00000 n \n" % offset for offset in self._offsets))
        digest = hashlib.md5(b"%d %d" % (count, xref_at)).hexdigest().encode()
        self._out.write(b"trailer\n<< /Size %d /Root 2 0 R /Info 3 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
                        % (count, digest, digest, xref_at))
        self._context.__exit__(None, None, None)

    def abort(self) -> None:
        """Leave nothing behind (the batch was interrupted)."""
        self._context.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)

    # --- copying objects ----------------------------------------------------

    def _write(self, body: bytes) -> int:
        self._offsets.append(0)
        number = len(self._offsets)
        self._write_at(number, body)
        return number

    def _write_at(self, number: int, body: bytes) -> None:
        self._offsets[number - 1] = self._out.tell()
        self._out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _copy(self, ref: IndirectObject, done: dict[int, int], shared: bool) -> int:
        """The new number of an object, writing it (and what it refers to) the first time."""
        if ref.idnum in done:
            return done[ref.idnum]
        obj = ref.get_object()
        body = self._value(obj, done, shared)
        if shared:
            key = hashlib.blake2b(body, digest_size=16).digest()
            number = self._shared.get(key)
            if number is None:
                number = self._shared[key] = self._write(body)
        else:
            number = self._write(body)
        done[ref.idnum] = number
        return number

    def _value(self, obj, done: dict[int, int], shared: bool) -> bytes:
        if isinstance(obj, IndirectObject):
            return b"%d 0 R" % self._copy(obj, done, shared)
        if isinstance(obj, StreamObject):
            data = obj._data
            entries = {k: v for k, v in obj.items() if k != "/Length"}
            return b"%s\nstream\n%s\nendstream" % (
                self._dict({**entries, "/Length": len(data)}, done, shared), data)
        if isinstance(obj, DictionaryObject):
            return self._dict(obj, done, shared)
        if isinstance(obj, ArrayObject):
            return b"[" + b" ".join(self._value(v, done, shared) for v in obj) + b"]"
        if isinstance(obj, int):
            return b"%d" % obj
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        return buffer.getvalue()

    def _dict(self, entries, done: dict[int, int], shared: bool, parent: bool = False) -> bytes:
        parts = [b"<<"]
        if parent:
            parts.append(b"/Parent 1 0 R")
        for key, value in entries.items():
            # Resources (fonts, images) repeat from handout to handout: share identical ones.
            inner = shared or key == "/Resources"
            parts.append(self._value(NameObject(key), done, inner))
            parts.append(self._value(value, done, inner))
        parts.append(b">>")
        return b" ".join(parts)


def _num(value: float) -> bytes:
    return (b"%d" % value) if value == int(value) else (b"%.4f" % value).rstrip(b"0")


def merge_files(paths, out: Path | str) -> PrintFile:
    """Merge handout files from disk, in order (used to re-make a print file)."""
    printer = PrintFile(out)
    try:
        for path in paths:
            printer.add(Path(path).read_bytes())
    except BaseException:
        printer.abort()
        raise
    printer.close()
    return printer

