"""Tagged PDF (PDF/UA-1): a structure tree and marked content, built while drawing.

Open-source reportlab has no tagging API, so this module adds the minimum a
screen reader needs. Flowables call ``Tagger.element`` / ``Tagger.content``
as they draw, which writes ``BDC … EMC`` around their marks in the page
stream and records which structure element owns each marked-content id.
Just before the file is written, ``Tagger.finish`` turns that record into a
structure tree, a parent tree, /MarkInfo, /Tabs /S and XMP metadata with the
PDF/UA identifier. Doing it inside reportlab, not as a post-pass that parses
the PDF again, keeps tagging to a few milliseconds per handout.
"""

from __future__ import annotations

from contextlib import contextmanager
from html import escape

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFPage,
    PDFStream,
    PDFString,
    PDFtrue,
)

PAGE_KEYS = PDFPage.__NoDefault__ + ["StructParents", "Tabs"]


class Element:
    """One node of the structure tree."""

    __slots__ = ("role", "alt", "attrs", "kids", "open_list", "obj", "ref")

    def __init__(self, role: str, alt: str = "", attrs: dict | None = None):
        self.role, self.alt, self.attrs = role, alt, attrs or {}
        self.kids: list = []           # Element or (page, mcid)
        self.open_list: Element | None = None
        self.obj = self.ref = None


class Tagger:
    """Records the structure of one document while reportlab draws it."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.root = Element("Document")
        self.stack = [self.root]
        self.page_marks: dict[int, list[Element]] = {}
        self.hidden = 0                # > 0 inside an artifact: nothing is tagged

    # --- structure --------------------------------------------------------

    def open(self, role: str, alt: str = "", attrs: dict | None = None) -> Element | None:
        if self.hidden:
            self.stack.append(self.stack[-1])
            return None
        parent = self.stack[-1]
        if role == "LI":
            if parent.open_list is None:
                parent.open_list = Element("L")
                parent.kids.append(parent.open_list)
            parent = parent.open_list
        else:
            parent.open_list = None
        element = Element(role, alt, attrs)
        parent.kids.append(element)
        self.stack.append(element)
        return element

    def close(self) -> None:
        self.stack.pop()

    def resume(self, element: Element) -> None:
        """Continue an element started on an earlier page (a split paragraph or table)."""
        self.stack.append(element)

    def element(self, role: str, alt: str = "", attrs: dict | None = None) -> _Element:
        """``with tagger.element(role) as element:`` what is drawn inside belongs to a new element."""
        return _Element(self, role, alt, attrs)

    # --- marked content ---------------------------------------------------

    def content(self, tag: str | None = None, actual: str | None = None) -> _Content:
        """Marks drawn inside belong to the current element.

        ``actual`` is the text they show in reading order (ActualText), for text
        drawn in another order: right-to-left words placed right to left.
        """
        return _Content(self, tag, actual)

    @contextmanager
    def artifact(self, kind: str = ""):
        """Decoration and page furniture: skipped by screen readers."""
        props = f" <</Type /{kind}>> BDC" if kind else " BMC"
        if not self.hidden:
            self.canvas.addLiteral(f"/Artifact{props}")
        self.hidden += 1
        try:
            yield
        finally:
            self.hidden -= 1
            if not self.hidden:
                self.canvas.addLiteral("EMC")

    # --- writing ------------------------------------------------------------

    def finish(self, title: str, author: str, subject: str, language: str, keywords: str) -> None:
        """Write the structure tree and the catalog entries a tagged PDF needs."""
        doc = self.canvas._doc
        pages = doc.Pages.pages
        page_refs = [doc.Reference(page) for page in pages]
        for index, page in enumerate(pages):
            page.__NoDefault__ = PAGE_KEYS
            page.StructParents = index
            page.Tabs = PDFName("S")

        root = PDFDictionary({"Type": PDFName("StructTreeRoot")})
        root_ref = doc.Reference(root)
        numbers = doc.idToObjectNumberAndVersion
        page_refs = [b"%d %d R" % numbers[ref.name] for ref in page_refs]
        self._register(doc, self.root)
        self._fill(self.root, b"%d %d R" % numbers[root_ref.name], page_refs)
        nums = [b"<< /Nums ["]
        for page in sorted(self.page_marks):
            nums.append(b" %d [%s]" % (page, b" ".join([element.ref for element in self.page_marks[page]])))
        nums.append(b" ] >>")
        root.dict.update(K=PDFArray([_Raw([self.root.ref])]), ParentTree=doc.Reference(_Raw(nums)),
                         ParentTreeNextKey=len(pages))

        catalog = doc.Catalog
        catalog.StructTreeRoot = root
        catalog.MarkInfo = PDFDictionary({"Marked": PDFtrue})
        catalog.Metadata = _xmp(title, author, subject, language, keywords)

    @staticmethod
    def _register(doc, root: Element) -> None:
        """Give every element its object (filled by ``_fill``) and its reference, written as bytes."""
        numbers = doc.idToObjectNumberAndVersion
        pending = [root]
        while pending:
            element = pending.pop()
            element.obj = _Raw([])
            element.ref = b"%d %d R" % numbers[doc.Reference(element.obj).name]
            pending.extend(kid for kid in reversed(element.kids) if type(kid) is Element)

    def _fill(self, element: Element, parent_ref: bytes, page_refs: list[bytes]) -> int | None:
        """Write one element (and its subtree) as bytes: hundreds per handout, so no generic dictionaries.

        Returns the page its first marked content is on (None: it has none).
        """
        first_page = None
        kids = []
        for kid in element.kids:
            if type(kid) is Element:
                page = self._fill(kid, element.ref, page_refs)
                kids.append(kid.ref)
            else:
                page = kid[0]
                kids.append(kid)
            if first_page is None:
                first_page = page
        kids = [kid if type(kid) is bytes else b"%d" % kid[1] if kid[0] == first_page
                else b"<< /Type /MCR /Pg %s /MCID %d >>" % (page_refs[kid[0]], kid[1]) for kid in kids]
        head = b"<< /S /%s /P %s /K %s" % (element.role.encode("ascii"), parent_ref,
                                         kids[0] if len(kids) == 1 else b"[%s]" % b" ".join(kids))
        if first_page is not None:
            head += b" /Pg " + page_refs[first_page]
        parts = element.obj.parts
        if not element.alt and not element.attrs:
            parts.append(head + b" >>")
            return first_page
        parts.append(head)
        if element.alt:
            parts += [b" /Alt ", PDFString(element.alt)]
        if element.attrs:
            parts += [b" /A ", PDFDictionary({"O": PDFName(element.attrs.get("O", "Table")),
                                              **{k: PDFName(v) if isinstance(v, str) else v
                                                 for k, v in element.attrs.items() if k != "O"}})]
        parts.append(b" >>")
        return first_page


class _Element:
    """The context ``Tagger.element`` gives; a class, not a generator, as a page opens hundreds."""

    __slots__ = ("tagger", "role", "alt", "attrs")

    def __init__(self, tagger: Tagger, role: str, alt: str, attrs: dict | None):
        self.tagger, self.role, self.alt, self.attrs = tagger, role, alt, attrs

    def __enter__(self) -> Element | None:
        return self.tagger.open(self.role, self.alt, self.attrs)

    def __exit__(self, *exc) -> None:
        self.tagger.close()


class _Content:
    """The context ``Tagger.content`` gives: ``BDC`` on entry, ``EMC`` on exit (nothing in an artifact)."""

    __slots__ = ("tagger", "tag", "actual", "marked")

    def __init__(self, tagger: Tagger, tag: str | None, actual: str | None):
        self.tagger, self.tag, self.actual = tagger, tag, actual

    def __enter__(self) -> None:
        tagger = self.tagger
        self.marked = not tagger.hidden
        if not self.marked:
            return
        element = tagger.stack[-1]
        page = tagger.canvas.getPageNumber() - 1
        marks = tagger.page_marks.setdefault(page, [])
        mcid = len(marks)
        marks.append(element)
        element.kids.append((page, mcid))
        actual = self.actual
        spoken = f" /ActualText <FEFF{actual.encode('utf-16-be').hex().upper()}>" if actual else ""
        tagger.canvas.addLiteral(f"/{self.tag or element.role} <</MCID {mcid}{spoken}>> BDC")

    def __exit__(self, *exc) -> None:
        if self.marked:
            self.tagger.canvas.addLiteral("EMC")


class _Raw(PDFObject):
    """A PDF object written from ready bytes (references already numbered) and the values between them."""

    def __init__(self, parts: list):
        self.parts = parts

    def format(self, document) -> bytes:
        parts = self.parts
        if len(parts) == 1:
            return parts[0]
        return b"".join(part if type(part) is bytes else part.format(document) for part in parts)


def _xmp(title: str, author: str, subject: str, language: str, keywords: str) -> PDFStream:
    """XMP metadata with the PDF/UA identifier; fixed text, so output stays deterministic."""
    def alt(value: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(value, quote=False)}</rdf:li></rdf:Alt>'

    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:title>{alt(title)}</dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(author, quote=False)}</rdf:li></rdf:Seq></dc:creator>
<dc:description>{alt(subject)}</dc:description>
<dc:language><rdf:Bag><rdf:li>{escape(language, quote=False)}</rdf:li></rdf:Bag></dc:language>
<pdf:Keywords>{escape(keywords, quote=False)}</pdf:Keywords>
<pdf:Producer>handouts</pdf:Producer>
<xmp:CreatorTool>handouts</xmp:CreatorTool>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return _Uncompressed(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                         xml.encode("utf-8"))


class _Uncompressed(PDFStream):
    """A stream written as it is, whatever the document's default filters: XMP stays readable."""

    def format(self, document) -> bytes:
        data = document.encrypt.encode(self.content)
        dictionary = PDFDictionary({**self.dictionary.dict, "Length": len(data)})
        return dictionary.format(document) + b"\nstream\n" + data + b"endstream\n"


class _NoTagger:
    """Stands in when a flowable draws on a canvas that is not being tagged."""

    @contextmanager
    def _nothing(self, *args, **kwargs):
        yield None

    element = content = artifact = _nothing

    def open(self, *args, **kwargs):
        return None

    def close(self):
        pass

    def resume(self, element):
        pass


NO_TAGGER = _NoTagger()


def of(canvas) -> Tagger | _NoTagger:
    return getattr(canvas, "tagger", None) or NO_TAGGER
