"""Every site mark sits where its landmarks say, in the catalogue and in every layout's picture.

The catalogue (sites.yaml) holds both the marks and the landmark points of the
drawn outline; these tests check each mark against its rule (2–3 finger
widths below the shoulder tip, the middle third of the outer thigh, 2 in from
the navel, ...), the landmark points against the outline itself, and then the
dots really drawn in each layout against the same rules.
"""

from __future__ import annotations

import math

import pytest
import yaml
from reportlab.graphics.shapes import Circle

from conftest import base_rx, sc_rx
from handouts import content, diagrams, model, prescription, render, theme
from handouts.layouts import available

LIB = content.load()
BODY = LIB.body
STATURE = BODY["stature_cm"]
SITES = {sid: site for sid, site in LIB.sites.items() if site.get("diagram")}


def _cm(dx_a: float, y_a: float, dx_b: float, y_b: float) -> float:
    """Distance between two unit points in centimetres of the drawn adult."""
    return math.hypot((dx_a - dx_b) * diagrams.ASPECT, y_a - y_b) * STATURE


def _crossings(polygon, y: float) -> list[float]:
    """Where a level line at height y crosses the outline, left to right."""
    xs = []
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 <= y < y2) or (y2 <= y < y1):
            xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    return sorted(xs)


def _limb(view: str, x: float, y: float) -> tuple[float, float]:
    """The stretch of the figure, at height y, that holds x (a thigh, an arm, the trunk)."""
    xs = _crossings(diagrams.outline_polygon(view), y)
    for left, right in zip(xs[::2], xs[1::2], strict=True):
        if left <= x <= right:
            return left, right
    raise AssertionError(f"({x:.3f}, {y:.3f}) is outside the {view} outline")


def _inside_triangle(p, a, b, c) -> bool:
    def cross(o, u, v):
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])
    signs = [cross(a, b, p), cross(b, c, p), cross(c, a, p)]
    return all(s > 0 for s in signs) or all(s < 0 for s in signs)


def check_rule(site_id: str, dx: float, y: float) -> None:
    """Raise when the point (dx, y) breaks the site's landmark rule."""
    spot = SITES[site_id]["diagram"]
    rule, points = spot["rule"], BODY[spot["view"]]
    kind = rule["kind"]
    if kind == "below":
        tip = points[rule["from"]]
        low, high = (tip[1] - cm / STATURE for cm in reversed(rule["cm"]))
        assert low <= y <= high, f"{site_id}: {(tip[1] - y) * STATURE:.1f} cm below the {rule['from']}"
        assert y > points[rule["above"]][1], f"{site_id}: not above the {rule['above']}"
        _, outer = _limb(spot["view"], dx, y)
        assert points[rule["above"]][0] <= dx <= outer, f"{site_id}: not on the outer side of the limb"
    elif kind == "inside":
        corners = [points[name] for name in rule["points"]]
        assert _inside_triangle((dx, y), *corners), f"{site_id}: outside the triangle of {rule['points']}"
    elif kind == "third":
        top, bottom = points[rule["from"]][1], points[rule["to"]][1]
        share = (top - y) / (top - bottom)
        assert 1 / 3 <= share <= 2 / 3, f"{site_id}: {share:.2f} of the way from {rule['from']} to {rule['to']}"
        inner, outer = _limb(spot["view"], dx, y)
        if rule["side"] == "outer":
            across = (dx - inner) / (outer - inner)
            assert across >= 0.5, f"{site_id}: {across:.2f} of the way across the limb, not on its outer side"
    elif kind == "away":
        centre = points[rule["from"]]
        distance = _cm(dx, y, centre[0], centre[1])
        assert distance >= rule["cm"], f"{site_id}: {distance:.1f} cm from the {rule['from']}"
    elif kind == "quarter":
        inner, low, outer = (points[name] for name in rule["points"])
        box_top = outer[1]
        assert (inner[0] + outer[0]) / 2 <= dx <= outer[0], f"{site_id}: not in the outer half of the buttock"
        assert (low[1] + box_top) / 2 <= y <= box_top, f"{site_id}: not in the upper half of the buttock"
    else:
        raise AssertionError(f"{site_id}: unknown rule {kind!r}")
    _limb(spot["view"], dx, y)          # and on the body at all


@pytest.mark.parametrize("site_id", sorted(SITES))
def test_catalogue_mark_obeys_its_landmarks(site_id):
    spot = SITES[site_id]["diagram"]
    check_rule(site_id, spot["dx"], spot["y"])


@pytest.mark.parametrize("site_id, dx, y", [
    ("deltoid", 0.240, 0.770),            # the old mark: front of the shoulder above the armpit
    ("deltoid", 0.290, 0.795),            # too high: on the shoulder cap
    ("ventrogluteal", 0.100, 0.500),      # the groin crease, not the side of the hip
    ("abdomen", 0.060, 0.565),            # touching the navel
    ("dorsogluteal", 0.050, 0.500),       # near the cleft
    ("vastus_lateralis", 0.060, 0.400),   # the inner thigh
    ("vastus_lateralis", 0.170, 0.300),   # just above the knee
])
def test_known_wrong_spots_are_refused(site_id, dx, y):
    with pytest.raises(AssertionError):
        check_rule(site_id, dx, y)


@pytest.mark.parametrize("view", ["front", "back", "side"])
def test_landmark_points_lie_on_the_drawn_body(view):
    """The landmarks are points of the outline actually drawn, not of some other figure."""
    polygon = diagrams.outline_polygon(view)
    for name, (x, y) in BODY[view].items():
        xs = _crossings(polygon, y)
        inside = any(a - 0.02 <= x <= b + 0.02 for a, b in zip(xs[::2], xs[1::2], strict=True))
        assert inside, f"{view} {name} ({x}, {y}) is off the outline"


def _rx_with(sites: list[str], route: str = "intramuscular") -> dict:
    rx = base_rx() if route == "intramuscular" else sc_rx()
    rx["sites"] = sites
    if any("buttock" in s for s in sites):
        rx["confirm"] = ["dorsogluteal"]
    return rx


PRESCRIPTIONS = {
    "thigh": _rx_with(["left thigh", "right thigh"]),
    "arm": _rx_with(["right deltoid", "left deltoid"]),
    "hip": _rx_with(["left hip", "right hip", "left buttock"]),
    "belly": _rx_with(["left abdomen", "right abdomen", "right back of arm", "left front of thigh"], "subcutaneous"),
}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Every body map each layout draws for prescriptions that use every site."""
    folder = tmp_path_factory.mktemp("marks")
    pictures = []
    real = diagrams.body_map

    def recording(ctx, marks, width, height, text_size=7.5, words=None):
        drawing = real(ctx, marks, width, height, text_size, words)
        pictures.append((list(marks), width, height, text_size, drawing))
        return drawing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diagrams, "body_map", recording)
        for name, data in PRESCRIPTIONS.items():
            path = folder / f"{name}.yaml"
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            rx = prescription.load(path, LIB)
            handout = model.build(rx, LIB)
            for layout in available():
                before = len(pictures)
                render.render(handout, layout)
                assert len(pictures) > before, f"{layout} drew no body map"
    return pictures


def _dots(drawing) -> list[Circle]:
    circles = [node for node in drawing.contents if isinstance(node, Circle) and node.fillColor == theme.SITE_MARK]
    smallest = min(c.r for c in circles)
    return [c for c in circles if c.r == smallest]


def test_every_layout_draws_each_dot_on_its_landmark(drawn):
    sites_seen = set()
    for marks, width, height, size, drawing in drawn:
        views = diagrams.views_for(marks, LIB.sites)
        frame = diagrams.body_frame(width, height, size, views, diagrams.side_sign(marks, LIB.sites))
        dots = _dots(drawing)
        for site_id, side, _ in marks:
            spot = SITES[site_id]["diagram"]
            sign = 1
            if spot["view"] != "side":
                sign = -1 if (side == "right") == (spot["view"] == "front") else 1
            x, y = frame.point(spot["view"], sign * frame.side_sign * spot["dx"] if spot["view"] == "side"
                               else sign * spot["dx"], spot["y"])
            dot = min(dots, key=lambda c, x=x, y=y: math.hypot(c.cx - x, c.cy - y))
            assert math.hypot(dot.cx - x, dot.cy - y) < 0.01, f"{site_id} {side}: no dot on its spot"
            if spot["rule"]["kind"] == "third" and spot["rule"]["side"] == "outer":
                # the dot's inner edge stays on the outer half, so it never covers the whole thigh
                origin = frame.point(spot["view"], 0.0, 0.0)
                ux, uy = abs(dot.cx - origin[0]) / frame.view_w, (dot.cy - origin[1]) / frame.fig_h
                inner, outer = _limb(spot["view"], ux, uy)
                edge = ux - dot.r / frame.view_w
                assert (edge - inner) / (outer - inner) >= 0.45, f"{site_id}: the dot reaches the inner thigh"
            if spot["rule"]["kind"] == "away":
                navel = diagrams.navel_radius(frame)
                centre = frame.point("front", 0.0, BODY["front"][spot["rule"]["from"]][1])
                gap = math.hypot(dot.cx - centre[0], dot.cy - centre[1]) - dot.r - navel
                assert gap > 0.5, f"{site_id}: the dot touches the navel ({gap:.2f} pt apart)"
            sites_seen.add(site_id)
    assert sites_seen == set(SITES)
