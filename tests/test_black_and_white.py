"""The route still reads on a black-and-white printer: the bands differ in pattern, not only in colour.

Each handout's first page is rendered to a grayscale picture, as a
monochrome printer or photocopier would see it. The band at the top must
carry upright stripes for a muscle injection and slanted ones for under the
skin, so the two can't be told apart only by a shade of grey.
"""

from __future__ import annotations

import statistics

import pypdfium2 as pdfium
import pytest

from conftest import ROOT
from handouts import api
from handouts.layouts import available

EXAMPLES = {"intramuscular": ROOT / "examples" / "cyanocobalamin-im.yaml",
            "subcutaneous": ROOT / "examples" / "cyanocobalamin-subcut.yaml"}


def _band_strip(pdf: bytes):
    """The grey picture of the band's right end (the stripes), found by its dark rows."""
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil().convert("L")
    width, height = image.size
    pixels = image.load()
    def dark_share(y: int) -> float:
        return sum(pixels[x, y] < 100 for x in range(0, width, 4)) / len(range(0, width, 4))

    band = [y for y in range(height // 2) if dark_share(y) > 0.65]
    assert band, "no band found at the top of page 1"
    top = band[0]
    bottom = next(y for y in range(top, height) if dark_share(y) <= 0.25) - 1
    right = max(x for x in range(width) if pixels[x, top + 1] < 100)
    left = right - int((bottom - top) * 0.35)
    quarter = (bottom - top) // 4
    rows = range(top + quarter, bottom - quarter)     # the stripes' middle, whatever the band's height
    cols = range(left + 2, right - 2)
    return [[pixels[x, y] for x in cols] for y in rows]


def _spread(lines) -> float:
    return statistics.mean(statistics.pstdev(line) for line in lines)


@pytest.fixture(scope="module", params=sorted(available()))
def strips(request):
    return {route: _band_strip(api.generate(path, layout=request.param).pdf) for route, path in EXAMPLES.items()}


def test_muscle_band_has_upright_stripes(strips):
    grid = strips["intramuscular"]
    across, down = _spread(grid), _spread(list(zip(*grid, strict=True)))
    assert across > 40, "no stripes across the band"
    assert down < across / 4, "the stripes are not upright"


def test_under_the_skin_band_has_slanted_stripes(strips):
    grid = strips["subcutaneous"]
    across, down = _spread(grid), _spread(list(zip(*grid, strict=True)))
    assert across > 40 and down > 40, "the stripes are not slanted"
