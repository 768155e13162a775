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
from layouts import available

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
    assert str(root.Lang) == "en"
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


def test_reading_order_follows_the_page(rendered):
    """Headings come in the order a sighted reader meets them."""
    pdf = pikepdf.open(rendered["standard", "cyanocobalamin-im"])
    headings = []
    for page_number, page in enumerate(pdf.pages):
        for operands, operator in pikepdf.parse_content_stream(page):
            if operator == pikepdf.Operator("BDC") and str(operands[0]) == "/H2":
                headings.append(page_number)
    assert headings == sorted(headings)


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
