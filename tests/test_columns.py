"""Balanced columns (handouts.columns): even, read column by column, continued on the next page with nothing lost."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from handouts.columns import Columns

STYLE = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12, spaceBefore=4)
WORDS = "wash your hands check the label clean the skin pull the plunger push the needle in".split()


def _blocks(count: int) -> list:
    """Numbered paragraphs of one to four lines each."""
    return [Paragraph(f"Block {n}: " + " ".join(WORDS[: 4 + (n * 7) % 13] * (1 + n % 3)), STYLE)
            for n in range(1, count + 1)]


def _build(blocks: list) -> PdfReader:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=LETTER, leftMargin=40, rightMargin=40, topMargin=40,
                      bottomMargin=40).build([Columns(blocks, 2, gap=14, needed=60)])
    return PdfReader(out)


def _runs(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text run in drawing order."""
    runs = []

    def seen(text, cm, tm, *_):
        if text.strip():
            runs.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=seen)
    return runs


def _numbers(reader: PdfReader) -> list[int]:
    return [int(n) for page in reader.pages for n in re.findall(r"Block (\d+):", page.extract_text())]


def test_columns_are_even_and_read_left_column_first():
    reader = _build(_blocks(14))
    assert len(reader.pages) == 1
    runs = _runs(reader.pages[0])
    middle = LETTER[0] / 2
    left = [r for r in runs if r[0] < middle]
    right = [r for r in runs if r[0] >= middle]
    assert left and right
    assert runs == left + right             # the whole left column is drawn (and read) before the right one
    assert abs(min(y for _, y, _ in left) - min(y for _, y, _ in right)) <= 4 * STYLE.leading   # about level
    assert _numbers(reader) == list(range(1, 15))


def test_columns_continue_on_the_next_page_in_order_with_nothing_lost():
    reader = _build(_blocks(150))
    assert len(reader.pages) >= 3
    assert _numbers(reader) == list(range(1, 151))
    for page in reader.pages[:-1]:          # full pages fill both columns down to the margin
        runs = _runs(page)
        assert min(y for x, y, _ in runs if x < LETTER[0] / 2) < 40 + 3 * STYLE.leading
        assert min(y for x, y, _ in runs if x >= LETTER[0] / 2) < 40 + 3 * STYLE.leading
