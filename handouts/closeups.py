"""Close-ups of one injection site with the landmarks a patient finds by touch, drawn from the site catalogue.

The body map says which part of the body; a close-up says how to find the
exact spot there: three fingers under the shoulder bone, the V between two
fingers on the hip, a hand's width from the hip and from the knee, a circle
around the navel. Every shape comes from the site's ``closeup`` entry in
sites.yaml, and ``geometry`` turns it into points once, for the drawing and
for the tests that check the mark against the same landmarks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Line, Path, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from . import outlines, theme
from .diagrams import _curve
from .forms import Backdrop

if TYPE_CHECKING:
    from .context import RenderContext

Point = tuple[float, float]


@dataclass(frozen=True)
class Capsule:
    """A finger: a rounded bar of ``radius`` around the segment a–b."""

    a: Point
    b: Point
    radius: float

    def distance(self, p: Point) -> float:
        """How far p is from the bar's edge (negative inside it)."""
        (ax, ay), (bx, by) = self.a, self.b
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy or 1)))
        return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy) - self.radius


@dataclass(frozen=True)
class Geometry:
    """One close-up in drawing points: what is drawn, and what the tests check the mark against."""

    width: float
    height: float
    unit: float                                   # points per unit of the catalogue
    body: tuple                                   # the outline as (flat points, operators)
    body_points: tuple[Point, ...]                # the outline's own points, for inside-tests
    lines: tuple[tuple[Point, ...], ...]
    points: dict[str, Point]
    marks: dict[str, Point]                       # side (right | left | any) -> the spot
    mark_radius: float
    fingers: tuple[Capsule, ...] = ()
    palms: tuple[tuple[Point, float, float], ...] = ()   # (centre, half width, half height)
    band: tuple[float, float] | None = None       # the finger band, bottom and top (deltoid)
    v: tuple[Point, Point, Point] | None = None   # palm, index tip, middle tip (ventrogluteal)
    third: tuple[float, float] | None = None      # the middle third between the hands, left and right x
    circle: tuple[Point, float] | None = None     # centre and radius to keep clear of
    rule: dict = field(default_factory=dict)


def geometry(spec: dict, width: float) -> Geometry:
    """The close-up of one catalogue entry at ``width`` points wide."""
    u = width

    def at(p) -> Point:
        return p[0] * u, p[1] * u

    points = {name: at(p) for name, p in spec.get("points", {}).items()}
    flat, operators = _curve([(x, y, bool(rest and rest[0])) for x, y, *rest in spec["body"]], closed=True)
    body = (tuple(v * u for v in flat), operators)
    lines = tuple(tuple(at(p) for p in line) for line in spec.get("lines", []))
    marks = {side: at(p) for side, p in spec["marks"].items()}
    extra: dict = {}
    if "fingers" in spec:
        f = spec["fingers"]
        top = points[f["from"]][1] - f.get("gap", 0.0) * u
        w = f["width"] * u
        x0, x1 = f["x"][0] * u, f["x"][1] * u
        extra["fingers"] = tuple(Capsule((x0 + w / 2, top - w * (i + 0.5)), (x1, top - w * (i + 0.5)), w * 0.46)
                                 for i in range(f["count"]))
        extra["palms"] = ((((x1 + u) / 2 + w * 0.4, top - w * f["count"] / 2), (u - x1) / 2 + w * 0.6,
                           w * f["count"] * 0.62),)
        extra["band"] = (top - w * f["count"], top)
    if "hand" in spec:
        h = spec["hand"]
        palm, index, middle = at(h["palm"]), at(h["index"]), at(h["middle"])
        r = 0.028 * u
        fingers = [Capsule(palm, index, r), Capsule(palm, middle, r)]
        if "thumb" in h:
            fingers.append(Capsule(palm, at(h["thumb"]), r * 1.1))
        extra["fingers"] = tuple(fingers)
        extra["palms"] = ((palm, 0.085 * u, 0.075 * u),)
        extra["v"] = (palm, index, middle)
    if "hands" in spec:
        h = spec["hands"]
        left, right = points[h["from"]][0], points[h["to"]][0]
        hand = (right - left) / 3
        extra["third"] = (left + hand, right - hand)
        extra["fingers"], palms = (), []
        for start in (left, right - hand):
            finger = hand / 4
            top = _edge_y(body[0], start + hand / 2, above=True)
            extra["fingers"] += tuple(Capsule((start + finger * (i + 0.5), top), (start + finger * (i + 0.5),
                                              top - 0.17 * u - (0.02 * u if i in (1, 2) else 0.0)), finger * 0.44)
                                      for i in range(4))
            palms.append(((start + hand / 2, top + 0.05 * u), hand / 2, 0.07 * u))
        extra["palms"] = tuple(palms)
    if "circle" in spec:
        c = spec["circle"]
        (cx, cy), r = points[c["at"]], c["cm"] / c["cm_per_unit"] * u
        extra["circle"] = ((cx, cy), r)
        points["rim"] = (cx + r * math.sqrt(0.5), cy + r * math.sqrt(0.5))   # where the radius line ends
    return Geometry(width, spec["aspect"] * u, u, body, tuple(at(p) for p in spec["body"]), lines, points,
                    marks, 0.022 * u, rule=spec.get("rule", {}), **extra)


def _edge_y(flat: Sequence[float], x: float, above: bool) -> float:
    """The outline's highest (or lowest) end point of a curve segment near x: where a hand rests on the limb."""
    ys = [flat[i + 1] for i in range(0, len(flat), 2) if abs(flat[i] - x) < max(flat[::2]) * 0.12]
    return max(ys) if above else min(ys)


def closeup(ctx: RenderContext, site_id: str, sides: Sequence[str | None], width: float, text_size: float,
            words: dict) -> Drawing:
    """The site's close-up ``width`` wide, its words at ``text_size``; the same for every patient with these
    sides, so it is drawn once per context and shared as one form in a file."""
    spec = ctx.library.sites[site_id]["closeup"]
    shown = _shown_sides(spec, sides)
    labels = tuple((label["key"], words.get(label["key"], label["key"])) for label in spec.get("labels", []))
    key = ("closeup", site_id, shown, width, text_size, labels)
    group = ctx.backdrops.get_or_make(key, lambda: _draw(ctx, spec, shown, width, text_size, dict(labels), key))
    drawing = Drawing(width, spec["aspect"] * width)
    drawing.initialFontName = ctx.fonts.regular
    drawing.add(group)
    return drawing


def _shown_sides(spec: dict, sides: Sequence[str | None]) -> tuple[str, ...]:
    """The marks to draw: the prescribed sides where the picture shows both, else its one spot."""
    marks = spec["marks"]
    if "any" in marks:
        return ("any",)
    chosen = [s for s in ("right", "left") if s in marks and (s in sides or None in sides)]
    return tuple(chosen or marks)


def _draw(ctx: RenderContext, spec: dict, shown: tuple[str, ...], width: float, size: float, words: dict,
          key: tuple) -> Backdrop:
    g = geometry(spec, width)
    group = Backdrop(name="closeup-" + "-".join(map(str, key)))
    line = max(0.8, width / 200)
    group.add(Rect(0, 0, g.width, g.height, fillColor=theme.PAPER, strokeColor=None))
    flat, operators = g.body
    group.add(Path(list(flat), list(operators), fillColor=theme.BODY_FILL, strokeColor=theme.BODY_LINE,
                   strokeWidth=line, strokeLineJoin=1, strokeLineCap=1))
    for points in g.lines:
        flat_line, ops = _curve([(x, y, False) for x, y in points], closed=False)
        group.add(Path(list(flat_line), list(ops), fillColor=None, strokeColor=theme.BODY_LINE,
                       strokeWidth=line * 0.8, strokeLineCap=1))
    if g.circle:
        (cx, cy), r = g.circle
        group.add(Circle(cx, cy, r, fillColor=theme.AVOID, strokeColor=theme.INK, strokeWidth=line * 1.2,
                         strokeDashArray=[line * 4, line * 2.5]))
        hatch = Path(strokeColor=theme.MUTED, strokeWidth=line * 0.5, fillColor=None)
        for k in range(-4, 5):
            # diagonal hatching inside the circle, so "keep out" reads without colour
            off = k * r / 4.5
            half = math.sqrt(max(0.0, r * r - off * off / 2 * 2))
            if half:
                dx = half / math.sqrt(2)
                mx, my = cx + off / math.sqrt(2), cy - off / math.sqrt(2)
                hatch.moveTo(mx - dx, my - dx)
                hatch.lineTo(mx + dx, my + dx)
        group.add(hatch)
        group.add(Line(cx, cy, *g.points["rim"], strokeColor=theme.INK, strokeWidth=line))
    for name, (x, y) in g.points.items():
        if name == "navel":
            group.add(Circle(x, y, max(1.2, width * 0.012), fillColor=theme.BODY_FILL, strokeColor=theme.BODY_LINE,
                             strokeWidth=line))
    _hands(group, g, line)
    for name in ("shoulder_tip", "front_hip_point"):      # bony points: ink dots
        if name in g.points:
            x, y = g.points[name]
            group.add(Circle(x, y, width * 0.014, fillColor=theme.INK, strokeColor=theme.PAPER, strokeWidth=line * 0.6))
    for side in shown:
        x, y = g.marks[side]
        group.add(Circle(x, y, g.mark_radius, fillColor=theme.SITE_MARK, strokeColor=theme.INK, strokeWidth=line))
        group.add(Circle(x, y, g.mark_radius * 0.35, fillColor=theme.PAPER, strokeColor=None))
    _labels(ctx, group, spec, g, shown, size, words, line)
    group.add(Rect(0, 0, g.width, g.height, fillColor=None, strokeColor=theme.RULE, strokeWidth=0.6))
    return group


def _hands(group: Backdrop, g: Geometry, line: float) -> None:
    """Palms, then fingers over them: a light hand outlined in ink, so it reads in grey too."""
    style = {"fillColor": theme.HAND, "strokeColor": theme.INK, "strokeWidth": line * 0.8, "strokeLineJoin": 1}
    for (x, y), hw, hh in g.palms:
        group.add(Path(*outlines.rounded(x - hw, y - hh, 2 * hw, 2 * hh, min(hw, hh) * 0.7), **style))
    for finger in g.fingers:
        group.add(Path(*outlines.capsule(finger.a, finger.b, finger.radius), **style))


def _labels(ctx: RenderContext, group: Backdrop, spec: dict, g: Geometry, shown: tuple[str, ...], size: float,
            words: dict, line: float) -> None:
    """Each label where the catalogue puts it (kept inside the picture), with a leader to what it names."""
    font = ctx.fonts.bold
    placed: list[tuple[float, float, float]] = []        # (left, right, baseline) of the labels so far
    for label in spec.get("labels", []):
        if label["key"] in ("your_right", "your_left") and label["key"].split("_")[1] not in shown:
            continue
        value = words.get(label["key"], label["key"])
        w = stringWidth(value, font, size)
        x, y = label["at"][0] * g.unit, label["at"][1] * g.unit
        anchor = label.get("anchor", "start")
        left = x - {"start": 0.0, "middle": w / 2, "end": w}[anchor]
        left = min(max(left, 2.0), g.width - 2.0 - w)
        y = min(max(y, 2.0), g.height - size * 0.8)
        while any(a < left + w + size * 0.3 and left < b + size * 0.3 and abs(y - base) < size * 1.1
                  for a, b, base in placed):
            y += size * 1.15                              # a label never covers another: it steps up a line
        placed.append((left, left + w, y))
        target = label.get("to")
        if target:
            tx, ty = g.marks[shown[0]] if target == "mark" else g.points[target]
            sx = min(max(tx, left), left + w)
            sy = y + size * 0.8 + 1 if ty > y + size * 0.4 else y - 2
            reach = g.mark_radius if target == "mark" else g.width * 0.016
            d = math.hypot(tx - sx, ty - sy)
            if d > reach + 2:
                ex, ey = tx + (sx - tx) * reach / d, ty + (sy - ty) * reach / d
                group.add(Line(sx, sy, ex, ey, strokeColor=theme.INK, strokeWidth=line * 0.9, strokeLineCap=1))
        pad = size * 0.15
        group.add(Rect(left - pad, y - size * 0.25, w + 2 * pad, size * 1.1, fillColor=theme.PAPER,
                       strokeColor=None))
        group.add(String(left, y, value, fontName=font, fontSize=size, fillColor=theme.INK))


def figures(ctx: RenderContext, place, width: float, text_size: float, words: dict, longest: float = 18) -> list:
    """The place's close-up as a tagged figure (with a little space above), or nothing when it has none.

    It is as wide as the room allows up to ``longest`` labels' heights, so its
    words keep their size against the drawing in every layout.
    """
    if not place.closeup_alt or "closeup" not in ctx.library.sites.get(place.site_id, {}):
        return []
    from .blocks import figure, gap

    drawing = closeup(ctx, place.site_id, place.sides, min(width, text_size * longest), text_size, words)
    return [gap(text_size * 0.3), figure(drawing, place.closeup_alt)]
