"""Tagged PDF/UA-1 for every layout and example, checked by independent validators."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import EXAMPLES
from handouts import api
from handouts.layouts import available

LAYOUTS = sorted(available())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagged")
    files = {}
    for layout in LAYOUTS:
        for example in EXAMPLES:
            path = folder / f"{layout}-{example.stem}.pdf"
            path.write_bytes(api.generate(example, layout=layout).pdf)
            files[layout, example.stem] = path
    return files


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    return found


def test_pdfua_reports_no_findings(rendered):
    proc = subprocess.run([_tool("pdfua"), "check", *map(str, rendered.values())],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_outloud_reports_no_errors_or_warnings(rendered, tmp_path):
    report = tmp_path / "outloud.json"
    proc = subprocess.run([_tool("outloud"), "--fail-on", "warning", "-q", "--json", str(report),
                           *map(str, rendered.values())], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data, "outloud wrote no report"


def _tree(pdf: pikepdf.Pdf):
    out = []

    def walk(node, depth):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, depth)
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            return
        out.append((depth, str(node.S), str(node.get("/Alt", "")), node.get("/A")))
        walk(node.get("/K"), depth + 1)

    walk(pdf.Root.StructTreeRoot.K, 0)
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_document_catalog_and_structure(rendered, layout):
    pdf = pikepdf.open(rendered[layout, "cyanocobalamin-im"])
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "en-US"
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert "Maria López" in str(pdf.docinfo.Title)
    xmp = bytes(root.Metadata.read_bytes()).decode()
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and "Maria López" in xmp
    for page in pdf.pages:
        assert page.Tabs == "/S" and "/StructParents" in page
    tree = _tree(pdf)
    roles = [role for _, role, _, _ in tree]
    assert roles[0] == "/Document" and "/H1" in roles and roles.count("/H2") >= 6
    for role in ("/L", "/LI", "/Lbl", "/LBody", "/Table", "/TR", "/TH", "/TD", "/Figure", "/P"):
        assert role in roles, role
    figures = [alt for _, role, alt, _ in tree if role == "/Figure"]
    assert all(figures) and any("your left outer thigh" in alt and "your right outer thigh" in alt for alt in figures)
    scopes = {str(a.Scope) for _, role, _, a in tree if role == "/TH" and a is not None}
    assert scopes == {"/Row", "/Column"} if layout != "compact" else scopes


def _tree_leaves(pdf: pikepdf.Pdf) -> list[tuple[int, int, str]]:
    """Marked content in the structure tree's reading order: (page, MCID, role of its element)."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    leaves = []

    def walk(node, page, role):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, page, role)
        elif isinstance(node, int):
            leaves.append((page, int(node), role))
        elif isinstance(node, pikepdf.Dictionary):
            if "/Pg" in node:
                page = pages[node.Pg.objgen]
            if "/MCID" in node:
                leaves.append((page, int(node.MCID), role))
            elif "/S" in node:
                walk(node.get("/K"), page, str(node.S))

    walk(pdf.Root.StructTreeRoot.K, None, "")
    return leaves


def _page_marks(page) -> list[tuple[int, float, float]]:
    """Marked content as drawn on the page: (MCID, x, y of its first text), in content-stream order."""
    marks, ctm, stack, current = [], (1, 0, 0, 1, 0, 0), [], None
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            a, b, c, d, e, f = map(float, operands)
            A, B, C, D, E, F = ctm
            ctm = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)
        elif op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
            current = [int(operands[1].MCID), None, None]
            marks.append(current)
        elif op == "Tm" and current is not None and current[1] is None:
            e, f = float(operands[4]), float(operands[5])
            A, B, C, D, E, F = ctm
            current[1:] = [e * A + f * C + E, e * B + f * D + F]
    return [tuple(mark) for mark in marks]


def _reading_order_problems(headings: list[tuple[int, str, float, float]]) -> list[str]:
    """Headings a sighted reader would meet in another order: (page, text, x, y) in tree order.

    Down a column, the next heading is lower; a heading higher up must be in a
    column further right (or on a later page).
    """
    problems = []
    for (page0, text0, x0, y0), (page1, text1, x1, y1) in zip(headings, headings[1:], strict=False):
        if page1 == page0 and y1 > y0 + 1 and x1 <= x0 + 1:
            problems.append(f"{text1!r} is read after {text0!r} but printed above it, not to its right")
        if page1 < page0:
            problems.append(f"{text1!r} on page {page1 + 1} is read after {text0!r} on page {page0 + 1}")
    return problems


def test_reading_order_problems_are_found():
    assert _reading_order_problems([(0, "a", 32, 500), (0, "b", 32, 600)])
    assert _reading_order_problems([(1, "a", 32, 500), (0, "b", 32, 700)])
    assert not _reading_order_problems([(0, "a", 32, 500), (0, "b", 32, 300), (0, "c", 300, 500)])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reading_order_follows_the_page(rendered, layout):
    """The structure tree is read in the order the page is drawn, and headings where a sighted reader meets them."""
    pdf = pikepdf.open(rendered[layout, "cyanocobalamin-im"])
    leaves = _tree_leaves(pdf)
    drawn = {i: _page_marks(page) for i, page in enumerate(pdf.pages)}
    # every marked piece of content is in the tree exactly once
    assert sorted((page, mcid) for page, mcid, _ in leaves) == sorted(
        (page, mark[0]) for page, marks in drawn.items() for mark in marks)
    # and the tree reads it in the order it is drawn, page by page
    position = {(page, mark[0]): (page, i) for page, marks in drawn.items() for i, mark in enumerate(marks)}
    order = [position[page, mcid] for page, mcid, _ in leaves]
    assert order == sorted(order), "the structure tree is read in another order than the page is drawn"
    at = {(page, mark[0]): mark[1:] for page, marks in drawn.items() for mark in marks}
    headings = [(page, f"{role} #{mcid}", *at[page, mcid]) for page, mcid, role in leaves if role in ("/H1", "/H2")]
    assert len(headings) >= 8
    assert not _reading_order_problems(headings)


def _font_sizes(path: Path) -> set[float]:
    from pypdf import PdfReader
    sizes = set()
    for page in PdfReader(path).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                sizes.add(round(size * scale, 1))
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("example", [e.stem for e in EXAMPLES])
def test_large_print_text_is_at_least_18_pt(rendered, example):
    sizes = _font_sizes(rendered["large-print", example])
    assert sizes and min(sizes) >= 18, sorted(sizes)


def test_large_print_uses_no_italics(rendered):
    pdf = pikepdf.open(rendered["large-print", "cyanocobalamin-im"])
    names = {str(f.BaseFont) for page in pdf.pages for f in page.Resources.Font.values()}
    assert not any("Italic" in n or "Oblique" in n for n in names)


def test_tagging_survives_a_round_trip(rendered):
    data = rendered["standard", "hydroxocobalamin-im"].read_bytes()
    pdf = pikepdf.open(io.BytesIO(data))
    assert len(pdf.Root.StructTreeRoot.ParentTree.Nums) == 2 * len(pdf.pages)
