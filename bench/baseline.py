"""A naive reportlab handout, timed in the same run as every benchmark.

Machines here are noisy; figures are quoted as medians and as ratios to this
baseline: a two-page document of about the same text, registering its TTF
font per document and with no caching, the way a first version would be built.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

SENTENCE = "Put one hand below your hip and one hand above your knee, then inject between them."


def naive_handout() -> bytes:
    import fontpkg_atkinson_hyperlegible as atkinson

    font = Path(atkinson.ROOT) / "files" / "AtkinsonHyperlegible-Regular.ttf"
    pdfmetrics.registerFont(TTFont("NaiveAtkinson", str(font)))
    style = ParagraphStyle("n", fontName="NaiveAtkinson", fontSize=12, leading=15)
    story = []
    for i in range(90):
        story += [Paragraph(f"{i}. {SENTENCE}", style), Spacer(1, 2)]
    story.append(Table([[Paragraph(f"Mon {d} Dec 2026", style), Paragraph("1 · left outer thigh", style), ""]
                        for d in range(1, 13)]))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, invariant=1).build(story)
    return buffer.getvalue()


def median_ms(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def baseline_ms(repeats: int = 30) -> float:
    """Measured in a process of its own: reportlab shares one font object per face
    between names, so the naive font must not meet the project's in one process."""
    script = f"import baseline; baseline.naive_handout(); print(baseline.median_ms(baseline.naive_handout, {repeats}))"
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])
