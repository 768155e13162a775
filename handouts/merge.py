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
import re
from array import array
from pathlib import Path

import pikepdf

from .output import output_file

_PAGES, _CATALOG, _INFO = 1, 2, 3     # reserved object numbers, written last
_SKIP_ON_PAGE = ("/Parent", "/StructParents")
# An indirect reference outside a string: strings are matched first and left as they are.
_TOKENS = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|(\d+) (\d+) R")


class PrintFile:
    """Append handouts one by one; ``close`` finishes the file and moves it into place."""

    def __init__(self, path: Path | str):
        self._context = output_file(path)
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
        """Copy one handout's pages; pad with a blank page to keep the next one on an odd page.

        If copying fails, none of the handout's pages are listed (objects already
        written stay unreferenced, which a PDF allows), so the file stays whole.
        """
        kids = len(self._kids)
        try:
            self._add(pdf)
        except BaseException:
            del self._kids[kids:]
            raise

    def _add(self, pdf: bytes) -> None:
        source = pikepdf.open(io.BytesIO(pdf))
        done: dict[int, int] = {}
        box = None
        for page in source.pages:
            box = page.mediabox
            entries = pikepdf.Dictionary(page.obj)
            for key in _SKIP_ON_PAGE:
                if key in entries:
                    del entries[key]
            contents = {page.obj.Contents.objgen[0]} if page.obj.Contents.is_indirect else set()
            body = self._renumber(entries.unparse(resolved=True), source, done, keep_apart=contents)
            self._kids.append(self._write(b"<< /Parent 1 0 R " + body[2:]))
        if len(source.pages) % 2:
            w, h = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
            self._kids.append(self._write(
                b"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 %s %s] /Resources << >> >>" % (_num(w), _num(h))))
            self.blank_pages += 1
        self.handouts += 1
        source.close()

    def close(self) -> None:
        self._offsets[_PAGES - 1] = self._out.tell()
        self._out.write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [" % (_PAGES, len(self._kids)))
        self._write_each(b" %d 0 R", self._kids)
        self._out.write(b" ] >>\nendobj\n")
        self._write_at(_CATALOG, b"<< /Type /Catalog /Pages 1 0 R >>")
        self._write_at(_INFO, b"<< /Title (Handouts print file: %d handouts) /Producer (handouts) >>"
                       % self.handouts)
        xref_at = self._out.tell()
        count = len(self._offsets) + 1
        self._out.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        self._write_each(b"%010d 00000 n \n", self._offsets)
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

    def _write_each(self, template: bytes, numbers: array) -> None:
        """One line or reference per number, written in pieces: 100,000 pages need no big string."""
        for start in range(0, len(numbers), 4096):
            self._out.write(b"".join(template % n for n in numbers[start:start + 4096]))

    def _write_at(self, number: int, body: bytes) -> None:
        self._offsets[number - 1] = self._out.tell()
        self._out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _renumber(self, body: bytes, source, done: dict[int, int], keep_apart=frozenset()) -> bytes:
        def replace(match):
            if match.group(1) is None:
                return match.group(0)
            number = int(match.group(1))
            return b"%d 0 R" % self._copy(number, source, done, shared=number not in keep_apart)
        return _TOKENS.sub(replace, body)

    def _copy(self, number: int, source, done: dict[int, int], shared: bool) -> int:
        """The new number of an object, writing it (and what it refers to) the first time.

        Resources (fonts) repeat from handout to handout: when ``shared``, an object
        whose bytes, after renumbering, match one already written is not written again.
        """
        if number in done:
            return done[number]
        obj = source.get_object((number, 0))
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            head = pikepdf.Dictionary(obj.stream_dict)
            del head["/Length"]
            head = self._renumber(head.unparse(resolved=True), source, done)
            body = b"<< /Length %d %s\nstream\n%s\nendstream" % (len(raw), head[2:], raw)
        else:
            body = self._renumber(obj.unparse(resolved=True), source, done)
        if shared:
            key = hashlib.blake2b(body, digest_size=16).digest()
            new = self._shared.get(key)
            if new is None:
                new = self._shared[key] = self._write(body)
        else:
            new = self._write(body)
        done[number] = new
        return new


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

