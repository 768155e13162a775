"""What each layout promises on paper, read back from the PDF: text sizes, required sections, pages, outline.

Sizes are measured from the drawn text (pictures included), so a label set
smaller than the layout's floor fails here, not in a reader's hands.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from conftest import ROOT, pdf_text
from handouts import api

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"
SC = ROOT / "examples" / "cyanocobalamin-subcut.yaml"
FLOORS = {"standard": 10.0, "compact": 8.5, "large-print": 16.0}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("promises")
    files = {}
    for layout in FLOORS:
        for example in (IM, SC):
            path = folder / f"{layout}-{example.stem}.pdf"
            path.write_bytes(api.generate(example, layout=layout).pdf)
            files[layout, example.stem] = path
    return files


def _sizes(path: Path) -> list[float]:
    """The size of every drawn run of text, as printed (text and page scaling applied), in forms too."""
    sizes = []
    for page in PdfReader(path).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                sizes.extend([round(size * scale, 2)] * len(text.strip()))
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("layout", sorted(FLOORS))
@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_no_text_under_the_layouts_floor(rendered, layout, example):
    sizes = _sizes(rendered[layout, example])
    assert sizes and min(sizes) >= FLOORS[layout], f"{layout}: text at {min(sizes)} pt"


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_large_print_body_text_is_at_least_18_pt(rendered, example):
    sizes = _sizes(rendered["large-print", example])
    body = max(set(sizes), key=sizes.count)          # the size most characters are set in
    assert body >= 18


def test_the_diagram_labels_are_measured_too(rendered):
    """The body map's captions are drawn in a shared form: the measure must see them."""
    text = pdf_text(rendered["standard", "cyanocobalamin-im"])
    assert "Front" in text and "Back" in text


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_compact_keeps_what_the_patient_must_keep_on_one_sheet(rendered, example):
    reader = PdfReader(rendered["compact", example])
    continued = "(continued)" in (reader.pages[-1].extract_text() or "")
    assert len(reader.pages) == (3 if continued else 2)      # one sheet, both sides
    text = pdf_text(rendered["compact", example])
    for needed in ("Used needles", "sharps container", "Storing your medicine", "away from light",
                   "Tell your doctor or nurse", "allergic to cobalt", "do not stop", "If something goes wrong",
                   "Call 911 right away", "Who to call"):
        assert needed in text, needed
    back = " ".join((reader.pages[1].extract_text() or "").split())
    assert "• Trouble breathing, or wheezing." in back        # side effects as bullets, not run together


STANDARD_PAGES = 4          # the pictures of the hands-on steps and the close-ups take the fourth
STANDARD_HEADINGS = ("Key points", "Your dose", "When to inject", "Where to inject", "How deep it goes",
                     "What you need", "Step by step", "If something goes wrong",
                     "Side effects: what is normal and when to get help",
                     "Who to call", "Tell your doctor or nurse", "Your dose calendar", "Used needles",
                     "Storing your medicine")


@pytest.fixture(scope="module")
def standard_examples():
    return {example.stem: PdfReader(io.BytesIO(api.generate(example).pdf))
            for example in sorted((ROOT / "examples").glob("*.yaml"))}


def test_standard_keeps_four_pages_and_the_dose_log(standard_examples):
    """Every bundled example: four pages, and one more only for a dose log that carries on the calendar."""
    for name, reader in standard_examples.items():
        pages = [page.extract_text() or "" for page in reader.pages]
        logs = [text for text in pages if "Dose log for" in text]
        assert len(pages) - len(logs) <= STANDARD_PAGES, f"{name}: {len(pages)} pages, {len(logs)} of dose log"
        assert len(logs) <= 1 and all(log == pages[-1] for log in logs), name


def test_standard_never_ends_a_page_on_a_heading(standard_examples):
    for name, reader in standard_examples.items():
        for number, page in enumerate(reader.pages[:-1], 1):
            lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
            assert lines[-1] not in STANDARD_HEADINGS, f"{name}: page {number} ends with {lines[-1]!r}"


def test_standard_fills_its_pages():
    """No page but the last is left half empty: each page's lowest line of text (the footer aside) is in its
    lowest third."""
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        pages = list(pdfium.PdfDocument(api.generate(example).pdf))
        for number, page in enumerate(pages[:-1], 1):
            text = page.get_textpage()
            boxes = [text.get_rect(i) for i in range(text.count_rects())]      # (left, bottom, right, top)
            footer = min(box[1] for box in boxes)                               # the footer's line is the lowest
            above = max(box[3] for box in boxes if box[1] < footer + 4)
            lowest = min(box[1] for box in boxes if box[1] > above)
            assert lowest < page.get_height() / 3, f"{example.stem}: page {number} ends {lowest:.0f} pt up"


# What large print keeps however it is cut: every safety section, by the words a patient reads there.
LARGE_PRINT_KEEPS = {
    "route": ["Into the muscle (intramuscular)"],
    "key points": ["Key points", "1 mL = 1,000 mcg", "23 gauge, 1 inch (25 mm) long", "Every day for 7 days",
                   "Spots 1 and 2: your left and right outer thigh"],
    "sites": ["Where to inject", "Put one hand below your hip", "Take turns", "How deep it goes",
              "Hold the syringe like a dart"],
    "steps": ["Step by step", "Wash your hands", "There is no need to pull back the plunger",
              "Do not put the cap back on", "Do not inject on your own until"],
    "tiers": ["Mild · Normal", "Call your doctor or nurse today", "911 · Emergency", "Call 911 right away",
              "Changes in your eyesight", "You missed a dose", "Trouble breathing"],
    "calendar": ["Your dose calendar", "Tue 1 Dec 2026", "Sun 4 Apr 2027", "Then once a month, next on"],
    "who to call": ["Who to call", "555-010-4477", "555-010-9000", "Main Street Pharmacy"],
    "cautions": ["Tell your doctor or nurse", "allergic to cobalt", "Potassium is a mineral",
                 "do not stop unless your doctor or nurse says so"],
    "sharps": ["Used needles", "sharps container", "Never put loose needles in the trash"],
    "storage": ["Storing your medicine", "away from light", "where children and pets cannot reach them"],
    "problems": ["If something goes wrong", "You see blood in the syringe", "Medicine leaks out of the skin",
                 "It may have gone into the wrong layer"],
}
# The bundled examples, with the pictures of the hands-on steps and "If something goes wrong":
# what to do about blood, a leak or the wrong layer is worth a seventh page.
LARGE_PRINT_PAGES = 7


@pytest.mark.parametrize("part", sorted(LARGE_PRINT_KEEPS))
def test_large_print_keeps_every_safety_section(rendered, part):
    text = pdf_text(rendered["large-print", "cyanocobalamin-im"])
    missing = [words for words in LARGE_PRINT_KEEPS[part] if words not in text]
    assert not missing, f"large print lacks {missing}"


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_large_print_fits_seven_pages(rendered, example):
    assert len(PdfReader(rendered["large-print", example]).pages) <= LARGE_PRINT_PAGES


def test_large_print_calendar_sets_two_doses_a_row(rendered):
    """Fourteen doses in seven rows: each row reads date, spot, date, spot, in date order."""
    text = pdf_text(rendered["large-print", "cyanocobalamin-im"])
    assert "Date Spot Done Date Spot Done" in text
    assert "Tue 1 Dec 2026 1 Wed 2 Dec 2026 2" in text and "Thu 4 Mar 2027 1 Sun 4 Apr 2027 2" in text


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_large_print_has_an_outline_of_its_headings(rendered, example):
    """Every heading drawn is in the outline, and the outline holds nothing that is not drawn."""
    reader = PdfReader(rendered["large-print", example])
    titles = [entry.title for entry in _flat(reader.outline)]
    text = pdf_text(rendered["large-print", example])
    for heading in ("Key points", "Where to inject", "How deep it goes", "Step by step",
                    "Side effects: what is normal and when to get help", "Your dose calendar", "Who to call",
                    "Tell your doctor or nurse", "Used needles", "Storing your medicine"):
        assert heading in titles, heading
    assert all(title in text for title in titles)


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_large_print_never_ends_a_page_on_a_heading(rendered, example):
    reader = PdfReader(rendered["large-print", example])
    titles = {entry.title for entry in _flat(reader.outline)}
    for number, page in enumerate(reader.pages[:-1], 1):
        lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
        assert lines[-1] not in titles, f"page {number} ends with the heading {lines[-1]!r}"


def _flat(outline):
    for entry in outline:
        if isinstance(entry, list):
            yield from _flat(entry)
        else:
            yield entry
