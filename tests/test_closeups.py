"""Each site's close-up puts its mark where its drawn landmarks say, and every layout prints it.

The geometry checked here is the one ``closeups`` draws from (``closeups.geometry``
on the catalogue entry), so a mark moved in sites.yaml, or a landmark moved
without its mark, fails here before a patient sees it.
"""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing

from conftest import ROOT, figure_alts
from handouts import api, closeups, content, technique, theme

LIB = content.load()
WITH_CLOSEUP = sorted(site_id for site_id, site in LIB.sites.items() if "closeup" in site)
WIDTHS = (150.0, 324.0)


def test_the_sites_a_patient_finds_by_touch_all_have_a_closeup():
    assert {"deltoid", "ventrogluteal", "vastus_lateralis", "abdomen"} <= set(WITH_CLOSEUP)


def _inside(polygon, p) -> bool:
    x, y = p
    inside = False
    for (ax, ay), (bx, by) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


def _limb_at(polygon, x) -> tuple[float, float]:
    """Lowest and highest edge of the outline above and below x (the limb's thickness there)."""
    ys = []
    for (ax, ay), (bx, by) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (ax - x) * (bx - x) <= 0 and ax != bx:
            ys.append(ay + (x - ax) * (by - ay) / (bx - ax))
    return min(ys), max(ys)


def problems(g: closeups.Geometry) -> list[str]:
    """What is wrong with each mark against the landmarks drawn with it (empty: it sits right)."""
    out = []
    r = g.mark_radius
    body = list(g.body_points)
    for side, (x, y) in g.marks.items():
        where = f"mark {side} ({x:.1f}, {y:.1f})"
        if not _inside(body, (x, y)):
            out.append(f"{where} is off the body")
        covered = [f for f in g.fingers if f.distance((x, y)) < r]
        if covered:
            out.append(f"{where} is under a finger")
        kind = g.rule["kind"]
        if kind == "below_fingers":
            bottom, _ = g.band
            if y + r > bottom:
                out.append(f"{where} is not below the finger band (bottom {bottom:.1f})")
            if y - r < g.points[g.rule["above"]][1]:
                out.append(f"{where} is not above the {g.rule['above']}")
        elif kind == "in_v":
            a, b, c = g.v
            if not _inside([a, b, c], (x, y)):
                out.append(f"{where} is not inside the V")
        elif kind == "middle_third":
            left, right = g.third
            if not left + r < x < right - r:
                out.append(f"{where} is not in the middle third ({left:.1f} to {right:.1f})")
            low, high = _limb_at(body, x)
            if not low + r < y < high - r:
                out.append(f"{where} is not on the limb's side")
        elif kind == "outside":
            (cx, cy), radius = g.circle
            if math.hypot(x - cx, y - cy) < radius + r:
                out.append(f"{where} is inside the circle to keep clear of")
        else:
            out.append(f"unknown rule {kind}")
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("site_id", WITH_CLOSEUP)
def test_closeup_mark_obeys_its_landmarks(site_id, width):
    g = closeups.geometry(LIB.sites[site_id]["closeup"], width)
    assert problems(g) == []


# Spots a careless edit could move the mark to; each must be refused by the check above.
WRONG = {
    "deltoid": [(0.60, 0.60), (0.585, 0.50), (0.585, 0.25)],        # on the shoulder bone, under the fingers, too low
    "ventrogluteal": [(0.44, 0.38), (0.30, 0.55), (0.60, 0.66)],    # on the palm, behind the V, outside it
    "vastus_lateralis": [(0.20, 0.30), (0.80, 0.30), (0.50, 0.47)], # by the hip, by the knee, off the limb's side
    "abdomen": [(0.50, 0.28), (0.40, 0.30)],                        # on the navel, inside the circle
}


@pytest.mark.parametrize(("site_id", "spot"), [(s, p) for s, spots in WRONG.items() for p in spots])
def test_known_wrong_spots_are_refused(site_id, spot):
    spec = LIB.sites[site_id]["closeup"]
    moved = {**spec, "marks": dict.fromkeys(spec["marks"], list(spot))}
    assert problems(closeups.geometry(moved, 200.0))


def test_only_the_prescribed_sides_are_marked_on_the_belly():
    spec = LIB.sites["abdomen"]["closeup"]
    assert closeups._shown_sides(spec, ["left"]) == ("left",)
    assert closeups._shown_sides(spec, ["right", "left"]) == ("right", "left")


EXAMPLES = {"vastus_lateralis": (ROOT / "examples" / "cyanocobalamin-im.yaml", theme.HAND),
            "abdomen": (ROOT / "examples" / "cyanocobalamin-subcut.yaml", theme.AVOID)}
# Where each layout prints the close-up today: large print always (after the site's words); standard always
# (beside the steps, from "find your spot"); the compact sheet where a column of its sites row has room (the
# thigh's, not the belly's with its second site).
SHOWN = [("large-print", "vastus_lateralis"), ("large-print", "abdomen"), ("standard", "vastus_lateralis"),
         ("standard", "abdomen"), ("compact", "vastus_lateralis")]


def _pixels_of(pdf: bytes, colour) -> int:
    """How many pixels of the pages hold a colour only the close-ups print (a hand, the keep-out circle)."""
    want = tuple(round(v * 255) for v in colour.rgb())
    count = 0
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=1).to_pil().convert("RGB")
        count += sum(n for n, rgb in image.getcolors(1 << 24) if all(abs(a - b) <= 3 for a, b in zip(rgb, want,
                                                                                                     strict=True)))
    return count


@pytest.mark.parametrize(("layout", "site_id"), SHOWN)
def test_the_layout_prints_the_closeup(layout, site_id, monkeypatch):
    path, colour = EXAMPLES[site_id]
    pdf = api.generate(path, layout=layout).pdf
    assert _pixels_of(pdf, colour) > 150, f"{layout}: no close-up of the {site_id}"
    alts = figure_alts(pdf)
    assert any(alt.startswith("Close-up of the") for alt in alts), alts
    # the colour belongs to the close-up (and the hands of the technique pictures): without them, none is printed
    monkeypatch.setattr(closeups, "figures", lambda *args, **kwargs: [])
    monkeypatch.setattr(technique, "drawing", lambda ctx, key, width, *a, **k: Drawing(width, 40))
    assert _pixels_of(api.generate(path, layout=layout).pdf, colour) == 0


@pytest.mark.parametrize("layout", ["standard", "compact"])
def test_a_closeup_never_pushes_the_sites_off_page_one(layout):
    """The sites row cannot split: a close-up goes in only where a column has room for it."""
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        first = PdfReader(io.BytesIO(api.generate(example, layout=layout).pdf)).pages[0].extract_text() or ""
        assert "Where to inject" in first and "How deep it goes" in first, f"{layout}: {example.stem}"

