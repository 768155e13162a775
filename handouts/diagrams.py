"""Vector drawings drawn from the site catalogue's data: where to inject and how deep.

Only the prescribed sites are marked, numbered in rotation order, so the
picture can never suggest a site the clinician did not choose; the
cross-section is drawn to a fixed scale from the prescribed needle length and
angle, so its tip lands in the layer the needle really reaches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Line, Path, Polygon, PolyLine, String
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth

from . import theme
from .forms import Backdrop

if TYPE_CHECKING:
    from .context import RenderContext

Mark = tuple[str, str | None, str]
Point = tuple[float, float]
Unit = tuple[tuple[float, ...], tuple[int, ...]]      # path points and operators in unit coordinates


def _drawing(ctx: RenderContext, width: float, height: float) -> Drawing:
    """A drawing that starts in the context's font (reportlab would otherwise reference Helvetica)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = ctx.fonts.regular
    return drawing


def _text(ctx: RenderContext, x: float, y: float, value: str, size: float, bold: bool = False,
          anchor: str = "start", colour: Color = theme.INK) -> String:
    return String(x, y, value, fontName=ctx.fonts.bold if bold else ctx.fonts.regular, fontSize=size,
                  fillColor=colour, textAnchor=anchor)


# --- body map -----------------------------------------------------------------

# Half the outline in unit coordinates: x in view widths from the midline, y in
# figure heights from the soles (sites.yaml uses the same units). True = corner.
_HALF: tuple[tuple[float, float, bool], ...] = (
    (0.062, 0.900, True), (0.062, 0.862, False), (0.090, 0.842, False), (0.160, 0.829, False), (0.225, 0.816, False),
    (0.295, 0.797, False), (0.330, 0.762, False), (0.348, 0.720, False), (0.362, 0.600, False), (0.369, 0.492, False),
    (0.377, 0.452, False), (0.367, 0.412, False), (0.341, 0.400, False), (0.317, 0.418, False), (0.309, 0.456, False),
    (0.303, 0.492, False), (0.284, 0.600, False), (0.262, 0.716, False), (0.238, 0.750, True), (0.214, 0.700, False),
    (0.188, 0.640, False), (0.176, 0.598, False), (0.203, 0.510, False), (0.202, 0.466, False), (0.177, 0.340, False),
    (0.161, 0.280, False), (0.166, 0.215, False), (0.150, 0.135, False), (0.120, 0.060, False), (0.128, 0.028, False),
    (0.150, 0.012, False), (0.136, 0.000, True), (0.046, 0.000, True), (0.052, 0.052, False), (0.046, 0.140, False),
    (0.038, 0.220, False), (0.036, 0.280, False), (0.026, 0.380, False), (0.012, 0.452, False), (0.000, 0.470, True),
)
_HEAD = (0.0, 0.933, 0.128, 0.067)    # centre x, centre y, radius x, radius y
_NAVEL = 0.57
ASPECT = 0.40                        # a view's width for each unit of figure height
_CLEFT = ((0.0, 0.468), (0.0, 0.545))
_FOLD = ((0.018, 0.462), (0.09, 0.452), (0.165, 0.466))


def _curve(points: Sequence[tuple[float, float, bool]], closed: bool) -> Unit:
    """Catmull-Rom through the points as cubic Béziers; a corner point keeps a sharp turn."""
    n = len(points)

    def tangent(i: int) -> Point:
        if points[i][2]:
            return 0.0, 0.0
        before = points[i - 1] if closed or i > 0 else points[i]
        after = points[(i + 1) % n] if closed or i < n - 1 else points[i]
        return (after[0] - before[0]) / 2, (after[1] - before[1]) / 2

    flat = [points[0][0], points[0][1]]
    for i in range(n if closed else n - 1):
        (x1, y1, _), (x2, y2, _) = points[i], points[(i + 1) % n]
        t1, t2 = tangent(i), tangent((i + 1) % n)
        flat += [x1 + t1[0] / 3, y1 + t1[1] / 3, x2 - t2[0] / 3, y2 - t2[1] / 3, x2, y2]
    segments = (len(flat) - 2) // 6
    return tuple(flat), (0, *[2] * segments, *([3] if closed else []))


def _outline() -> Unit:
    mirrored = [(-x, y, corner) for x, y, corner in reversed(_HALF[:-1])]
    return _curve([*_HALF, *mirrored], closed=True)


def _head() -> Unit:
    cx, cy, rx, ry = _HEAD
    return _curve([(cx + rx * math.cos(a * math.pi / 4), cy + ry * math.sin(a * math.pi / 4), False)
                   for a in range(8)], closed=True)


def _buttocks() -> Unit:
    parts = [_curve([(x, y, False) for x, y in _CLEFT], closed=False)]
    parts += [_curve([(x * side, y, False) for x, y in _FOLD], closed=False) for side in (1, -1)]
    return tuple(v for flat, _ in parts for v in flat), tuple(op for _, ops in parts for op in ops)


def _place(unit: Unit, centres: Sequence[float], base: float, view_w: float, fig_h: float, **style) -> Path:
    """One path holding the unit shape once per view centre."""
    flat, operators = unit
    points = [c + v * view_w if i % 2 == 0 else base + v * fig_h for c in centres for i, v in enumerate(flat)]
    return Path(points, list(operators) * len(centres), strokeLineJoin=1, strokeLineCap=1, **style)


# The side view, facing the viewer's right (the patient's right side), in the
# same units; x is measured from the mid-depth of the hip. The near arm swings a
# little forward so the hip stays in sight.
_SIDE: tuple[tuple[float, float, bool], ...] = (
    (0.052, 0.882, True), (-0.091, 0.872, False), (-0.163, 0.830, False), (-0.189, 0.770, False),
    (-0.163, 0.690, False), (-0.124, 0.625, False), (-0.156, 0.560, False), (-0.208, 0.505, False),
    (-0.163, 0.455, False), (-0.137, 0.395, False), (-0.098, 0.290, False), (-0.137, 0.200, False),
    (-0.078, 0.070, False), (-0.104, 0.020, False), (-0.091, 0.000, True), (0.299, 0.000, True),
    (0.280, 0.025, False), (0.156, 0.050, False), (0.058, 0.080, False), (0.072, 0.200, False),
    (0.111, 0.290, False), (0.150, 0.400, False), (0.143, 0.495, False), (0.169, 0.560, False),
    (0.182, 0.610, False), (0.150, 0.670, False), (0.202, 0.745, False), (0.163, 0.820, False),
    (0.078, 0.862, True),
)
_SIDE_HEAD = (0.030, 0.933, 0.150, 0.067)
_SIDE_ARM: tuple[tuple[float, float, bool], ...] = (
    (-0.070, 0.815, False), (0.070, 0.812, False), (0.150, 0.700, False), (0.190, 0.620, False),
    (0.360, 0.505, False), (0.380, 0.455, False), (0.335, 0.440, False), (0.300, 0.480, False),
    (0.125, 0.585, False), (0.070, 0.650, False), (-0.025, 0.760, False),
)
_SIDE_SHIFT = -0.090               # the side figure's origin, left of its panel's centre
_EXTENT = {"front": (-0.38, 0.38), "back": (-0.38, 0.38), "side": (-0.30, 0.30)}   # from the panel centre


def _side() -> Unit:
    return _curve(list(_SIDE), closed=True)


def _side_arm() -> Unit:
    return _curve(list(_SIDE_ARM), closed=True)


def _side_head() -> Unit:
    cx, cy, rx, ry = _SIDE_HEAD
    return _curve([(cx + rx * math.cos(a * math.pi / 4), cy + ry * math.sin(a * math.pi / 4), False)
                   for a in range(8)], closed=True)


@dataclass(frozen=True)
class BodyFrame:
    """Where the figures of one body map sit: turns unit coordinates into points."""

    views: tuple[str, ...]
    centres: tuple[float, ...]
    base: float            # height of the soles
    fig_h: float
    view_w: float
    size: float            # label size
    callout: float         # radius of a numbered disc
    target: float          # radius of the dot on the exact spot
    side_sign: int = 1     # +1: the side view shows the right side; -1: the left

    def point(self, view: str, dx: float, y: float) -> Point:
        """A unit point of a view (x measured from the view's own origin) in drawing points."""
        i = self.views.index(view)
        origin = self.centres[i] + (_SIDE_SHIFT * self.side_sign * self.view_w if view == "side" else 0.0)
        return origin + dx * self.view_w, self.base + y * self.fig_h


def body_frame(width: float, height: float, size: float, views: Sequence[str], side_sign: int = 1) -> BodyFrame:
    """The frame for a picture of this size: figures as tall as fit, numbered discs beside them."""
    callout = size * 0.72
    gap = size * 0.35
    panel = width / len(views)
    top, bottom = size * 1.45, size * 1.55
    view_w = min((panel / 2 - 2 * callout - gap) / max(-_EXTENT[v][0], _EXTENT[v][1]) for v in views)
    fig_h = min(height - top - bottom, view_w / ASPECT)
    view_w = fig_h * ASPECT
    base = bottom + (height - top - bottom - fig_h) / 2
    centres = tuple(panel * (i + 0.5) for i in range(len(views)))
    return BodyFrame(tuple(views), centres, base, fig_h, view_w, size, callout,
                     min(3.5, max(1.6, view_w * 0.028)), side_sign)


def navel_radius(frame: BodyFrame) -> float:
    return max(0.9, frame.view_w * 0.011)


def outline_polygon(view: str) -> list[Point]:
    """The outline's own points (the curve passes through each), for checking landmarks against it."""
    if view == "side":
        return [(x, y) for x, y, _ in _SIDE]
    return [(x, y) for x, y, _ in _HALF] + [(-x, y) for x, y, _ in reversed(_HALF[:-1])]


def views_for(marks: Iterable[Mark], sites: dict) -> tuple[str, ...]:
    """Front and back always (so left and right read plainly); a side view when a site needs it."""
    needs_side = any((sites.get(site_id, {}).get("diagram") or {}).get("view") == "side" for site_id, _, _ in marks)
    return ("front", "back", "side") if needs_side else ("front", "back")


def spots(marks: Sequence[Mark], frame: BodyFrame, sites: dict) -> list[tuple[str, float, float, str]]:
    """Each mark as (view, x, y, label) in drawing points; a side view holds both sides' marks on one spot."""
    out = []
    for site_id, side, label in marks:
        spot = sites.get(site_id, {}).get("diagram") or {}
        view = spot.get("view")
        if view not in frame.views:
            continue
        if view == "side":
            out.append((view, *frame.point(view, frame.side_sign * spot["dx"], spot["y"]), label))
            continue
        for each in (side,) if side else ("left", "right"):
            # Front view: the patient's right is on the viewer's left; the back view is the other way.
            sign = -1 if (each == "right") == (view == "front") else 1
            out.append((view, *frame.point(view, sign * spot["dx"], spot["y"]), label))
    return out


def body_map(ctx: RenderContext, marks: Iterable[Mark], width: float, height: float,
             text_size: float = 7.5, words: dict | None = None) -> Drawing:
    """Outlines marking only ``marks`` — (site_id, side, label) in rotation order — on their exact spots.

    A small dot sits on the spot itself, so even a small picture shows the
    outer third of a thigh or a spot clear of the navel; the number sits in a
    disc beside the figure, joined to its dot by a line, so it can be as large
    as the text around it. Where each site is comes from the context's
    library, so a clinic's content folder moves or adds marks just as it
    changes the words.
    """
    sites = ctx.library.sites
    words = words or {}
    marks = list(marks)
    size = text_size
    views = views_for(marks, sites)
    sign = side_sign(marks, sites)
    frame = body_frame(width, height, size, views, sign)
    drawing = _drawing(ctx, width, height)
    captions = _words_key(words, views, sign, marks, sites)
    drawing.add(ctx.backdrops.get_or_make(("body", width, height, size, views, sign, captions),
                                          lambda: _outlines(ctx, width, height, size, views, sign, captions)))
    found = spots(marks, frame, sites)
    discs = _callouts(found, frame, height)
    for (x, y), (cx, cy), _ in discs:
        drawing.add(Line(x, y, cx, cy, strokeColor=theme.INK, strokeWidth=max(0.7, size * 0.07), strokeLineCap=1))
    for (x, y) in dict.fromkeys((x, y) for (x, y), _, _ in discs):
        drawing.add(Circle(x, y, frame.target, fillColor=theme.SITE_MARK, strokeColor=theme.PAPER, strokeWidth=0.8))
    for _, (cx, cy), label in discs:
        drawing.add(Circle(cx, cy, frame.callout, fillColor=theme.SITE_MARK, strokeColor=theme.PAPER, strokeWidth=1))
        drawing.add(String(cx, cy - size * 0.35, label, fontName=ctx.fonts.bold, fontSize=size,
                           fillColor=theme.PAPER, textAnchor="middle"))
    return drawing


def side_sign(marks: Sequence[Mark], sites: dict) -> int:
    """The side view shows the patient's left side only when every side-view site is on the left."""
    sides = {side for site_id, side, _ in marks if (sites.get(site_id, {}).get("diagram") or {}).get("view") == "side"}
    return -1 if sides == {"left"} else 1


def _callouts(found, frame: BodyFrame, height: float) -> list[tuple[Point, Point, str]]:
    """A disc for each spot, beside its figure on the spot's own side, pushed apart so none overlap."""
    columns: dict[tuple[int, int], list] = {}
    for view, x, y, label in found:
        i = frame.views.index(view)
        direction = 1 if x >= frame.centres[i] else -1
        if view == "side":
            direction = frame.side_sign
        columns.setdefault((i, direction), []).append([(x, y), y, label])
    out = []
    step = frame.callout * 2 + frame.size * 0.2
    low, high = frame.callout + 1, height - frame.size * 1.45 - frame.callout
    for (i, direction), entries in columns.items():
        low_edge, high_edge = _EXTENT[frame.views[i]]
        reach = (high_edge if direction > 0 else -low_edge) * frame.view_w
        cx = frame.centres[i] + direction * (reach + frame.size * 0.35 + frame.callout)
        entries.sort(key=lambda e: -e[1])
        for _ in range(3):
            for a, b in zip(entries, entries[1:], strict=False):
                if a[1] - b[1] < step:
                    middle = (a[1] + b[1]) / 2
                    a[1], b[1] = middle + step / 2, middle - step / 2
            for e in entries:
                e[1] = min(max(e[1], low), high)
        out += [(spot, (cx, cy), label) for spot, cy, label in entries]
    return out


def _words_key(words: dict, views, side_sign: int, marks, sites) -> tuple:
    """The captions a backdrop prints, as a hashable key (so the backdrop is cached per wording)."""
    both = len({side for site_id, side, _ in marks
                if (sites.get(site_id, {}).get("diagram") or {}).get("view") == "side"}) > 1
    side_caption = words.get("side_right" if side_sign > 0 else "side_left", "")
    if both:
        side_caption = words.get("side_both", side_caption)
    return (words["front"], words["back"], words["side"], side_caption, words["your_right"], words["your_left"],
            words.get("right_short", ""), words.get("left_short", ""))


def _outlines(ctx: RenderContext, width: float, height: float, size: float, views: tuple[str, ...],
              side_sign: int, captions: tuple[str, ...]) -> Backdrop:
    """The outlines and their captions: the same for every patient with these views, so drawn once per file."""
    frame = body_frame(width, height, size, views, side_sign)
    fig_h, view_w, base = frame.fig_h, frame.view_w, frame.base
    front, back, side, which_side, your_right, your_left, right_short, left_short = captions
    group = Backdrop(name=f"body-{width!r}x{height!r}-{size!r}-{'-'.join(views)}-{side_sign}-{'|'.join(captions)}")
    line = {"strokeColor": theme.BODY_LINE, "strokeWidth": max(0.8, fig_h / 220)}
    detail = {"strokeColor": theme.BODY_LINE, "strokeWidth": line["strokeWidth"] * 0.6, "fillColor": None}
    two = frame.centres[:2]
    group.add(_place(_outline(), two, base, view_w, fig_h, fillColor=theme.BODY_FILL, **line))
    group.add(_place(_buttocks(), two[1:], base, view_w, fig_h, **detail))
    group.add(Circle(two[0], base + _NAVEL * fig_h, navel_radius(frame), **detail))
    group.add(_place(_head(), two, base, view_w, fig_h, fillColor=theme.BODY_FILL, **line))
    for cx, view in zip(two, ("front", "back"), strict=True):
        group.add(_text(ctx, cx, height - size * 1.05, front if view == "front" else back, size, bold=True,
                        anchor="middle"))
        first, second = (your_right, your_left) if view == "front" else (your_left, your_right)
        gap = size * 0.5
        regular = ctx.fonts.regular
        if stringWidth(first, regular, size) + stringWidth(second, regular, size) + 2 * gap > frame.centres[0] * 2:
            first, second = first.split()[-1].capitalize(), second.split()[-1].capitalize()
            # the back view's first word meets the front view's second: a language's short forms when they collide
            room = two[1] - two[0] - 2 * gap
            if right_short and stringWidth(your_left.split()[-1], regular, size) * 2 > room:
                first, second = (right_short, left_short) if view == "front" else (left_short, right_short)
        group.add(_text(ctx, cx - gap, size * 0.3, first, size, anchor="end", colour=theme.MUTED))
        group.add(_text(ctx, cx + gap, size * 0.3, second, size, anchor="start", colour=theme.MUTED))
    if "side" in views:
        origin = frame.point("side", 0.0, 0.0)[0]
        mirrored = [_mirror(u, side_sign) for u in (_side(), _side_head(), _side_arm())]
        for unit in mirrored:
            group.add(_place(unit, (origin,), base, view_w, fig_h, fillColor=theme.BODY_FILL, **line))
        cx = frame.centres[2]
        group.add(_text(ctx, cx, height - size * 1.05, side, size, bold=True, anchor="middle"))
        group.add(_text(ctx, cx, size * 0.3, which_side, size, anchor="middle", colour=theme.MUTED))
    return group


def _mirror(unit: Unit, sign: int) -> Unit:
    flat, operators = unit
    return tuple(v * sign if i % 2 == 0 else v for i, v in enumerate(flat)), operators


# --- cross-section ------------------------------------------------------------

# Layer thicknesses of a typical adult site, for the drawing's scale only: skin
# about 2 mm; fat of about 1 cm under a relaxed site and a bit more in a pinched
# fold (clinical-facts.md §3: a 5/8–1 in needle reaches muscle in most adults).
# The safety rules, not this picture, decide whether a needle is long enough.
SKIN_MM = 2.0
FAT_MM = {"intramuscular": 10.0, "subcutaneous": 14.0}
PINCH_MM = 6.0                # how far the pinched fold rises at the entry point
PINCH_WIDTH_MM = 11.0
ABOVE_MM, BELOW_MM = 20.0, 43.0   # room above the skin for hub and barrel; below it for a 38 mm needle at 90°
HUB_MM, BARREL_MM, BARREL_HALF_MM = 4.0, 14.0, 2.6
MIN_WIDTH_MM = 55.0           # tissue shown beside the needle, at the least


def cross_section(ctx: RenderContext, route: str, angle: float, needle_mm: float, width: float, height: float,
                  *, words: dict, needle_label: str = "", text_size: float = 7.5,
                  fat_mm: float | None = None) -> Drawing:
    """Skin, fat and muscle to scale, with the needle at its angle; the tip's layer is computed.

    ``fat_mm`` is the patient's fat layer when their weight band is known (handouts.needles);
    ``words`` names the layers and the tip's place in the handout's language (text file ``layers``).
    """
    size = max(7.0, text_size)
    drawing = _drawing(ctx, width, height)
    fat = fat_mm if fat_mm is not None else FAT_MM.get(route, FAT_MM["intramuscular"])
    pinch = PINCH_MM if route == "subcutaneous" else 0.0
    right = width - max(stringWidth(words[k], ctx.fonts.regular, size) for k in ("skin", "fat", "muscle")) - size * 0.5
    mm = min(height / (ABOVE_MM + BELOW_MM), right / MIN_WIDTH_MM)
    surface = height - ABOVE_MM * mm
    ex = right * (0.36 if angle >= 80 else 0.42)

    shares = (1.0, 0.85, 0.35)
    depths = (0.0, SKIN_MM, SKIN_MM + fat)

    def edge(i: int, x: float) -> float:
        """Height of the top of skin (0), fat (1) or muscle (2) at x; a pinch lifts the upper layers most."""
        lift = pinch * shares[i] * math.exp(-(((x - ex) / (PINCH_WIDTH_MM * mm)) ** 2))
        return surface - (depths[i] - lift) * mm

    xs = [0.5 + (right - 0.5) * i / 48 for i in range(49)] if pinch else [0.5, right]
    edges = [[(x, edge(i, x)) for x in xs] for i in range(3)] + [[(x, 0.5) for x in xs]]
    for colour, upper, lower in zip((theme.SKIN, theme.FAT, theme.MUSCLE), edges, edges[1:], strict=False):
        outline = upper + lower[::-1]
        drawing.add(Polygon([v for p in outline for v in p], fillColor=colour, strokeColor=None))
    inner = Path(strokeColor=theme.BODY_LINE, strokeWidth=0.5, fillColor=None)
    for points in edges[1:3]:
        _strokes(inner, points, 1.0)
    drawing.add(inner)
    drawing.add(PolyLine([v for p in edges[0] for v in p], strokeColor=theme.BODY_LINE, strokeWidth=0.9))
    muscle_label = min(8, (BELOW_MM - SKIN_MM - fat) / 2)   # inside the drawing with a deep fat layer
    for name, depth in (("skin", SKIN_MM / 2), ("fat", SKIN_MM + fat / 2), ("muscle", SKIN_MM + fat + muscle_label)):
        drawing.add(_text(ctx, right + size * 0.35, surface - depth * mm - size * 0.33, words[name], size))

    rad = math.radians(angle)
    direction = (math.cos(rad), -math.sin(rad))
    ey = edge(0, ex)
    tip = (ex + direction[0] * needle_mm * mm, ey + direction[1] * needle_mm * mm)
    r = max(size * 2.2, 8 * mm)
    if pinch:
        drawing.add(Line(ex - r * 1.3, ey, ex, ey, strokeColor=theme.MUTED, strokeWidth=0.7, strokeDashArray=[2, 2]))
    _angle_mark(ctx, drawing, ex, ey, angle, r, size)
    drawing.add(Line(ex, ey, *tip, strokeColor=theme.NEEDLE, strokeWidth=max(1.2, mm * 0.4), strokeLineCap=1))
    drawing.add(Circle(*tip, max(2.2, size * 0.3), fillColor=None, strokeColor=theme.INK, strokeWidth=0.9))
    layer = "muscle" if tip[1] < edge(2, tip[0]) else "fat" if tip[1] < edge(1, tip[0]) else "skin"
    tip_words = words["tip"][layer]
    w = stringWidth(tip_words, ctx.fonts.bold, size)
    x = tip[0] + size * 0.75 if tip[0] + size * 0.75 + w <= right - 2 else tip[0] - size * 0.75 - w
    for step in range(6):
        # the first height, level with the tip or lower, where no layer boundary runs through the words
        y = max(tip[1] - size * (0.33 + 0.5 * step), 2.0)
        if all(not y - size * 0.25 < edge(i, x + w * k / 4) < y + size * 0.95 for i in range(3) for k in range(5)):
            break
    drawing.add(_text(ctx, x, y, tip_words, size, bold=True))
    barrel_mid = _syringe(drawing, ex, ey, direction, mm, height)
    if needle_label:
        _needle_text(ctx, drawing, barrel_mid, rad, needle_label, size, width, height, mm)
    return drawing


def _angle_mark(ctx: RenderContext, drawing: Drawing, x: float, y: float, angle: float, r: float, size: float) -> None:
    """An arc from the skin (on the syringe's side) to the syringe, and the angle in words."""
    arc = [math.radians(180 - angle * i / 12) for i in range(13)]
    drawing.add(PolyLine([v for a in arc for v in (x + r * math.cos(a), y + r * math.sin(a))], strokeColor=theme.INK,
                         strokeWidth=0.8))
    drawing.add(_text(ctx, x - r - size * 0.3, y + size * 0.2, f"{angle:g}°", size, bold=True, anchor="end"))


def _syringe(drawing: Drawing, x: float, y: float, direction: Point, mm: float, height: float) -> Point:
    """Hub, barrel and finger flange behind the needle, kept inside the drawing; returns the barrel's middle."""
    bx, by = -direction[0], -direction[1]
    nx, ny = by, -bx
    half, hub = BARREL_HALF_MM * mm, HUB_MM * mm
    flange = half * 1.7
    room = (height - 1.5 - y - flange * abs(bx)) / by if by > 1e-6 else BARREL_MM * mm
    if bx < -1e-6:
        room = min(room, (x - 1.5 - flange * by) / -bx)
    barrel = max(2 * mm, min(BARREL_MM * mm, room - hub))

    def at(along: float, across: float) -> Point:
        return x + bx * along + nx * across, y + by * along + ny * across

    def quad(*points: Point) -> list[float]:
        return [v for p in points for v in p]

    drawing.add(Polygon(quad(at(0, half * 0.3), at(hub, half * 0.55), at(hub, -half * 0.55), at(0, -half * 0.3)),
                        fillColor=theme.NEEDLE, strokeColor=None))
    drawing.add(Polygon(quad(at(hub, half), at(hub + barrel, half), at(hub + barrel, -half), at(hub, -half)),
                        fillColor=theme.PAPER, strokeColor=theme.NEEDLE, strokeWidth=0.9, strokeLineJoin=1))
    drawing.add(Line(*at(hub + barrel, flange), *at(hub + barrel, -flange), strokeColor=theme.NEEDLE,
                     strokeWidth=1.4, strokeLineCap=1))
    ticks = Path(strokeColor=theme.NEEDLE, strokeWidth=0.6, fillColor=None)
    for i in range(1, 4):
        _strokes(ticks, [at(hub + barrel * i / 4, half), at(hub + barrel * i / 4, half * 0.35)], 1.0)
    drawing.add(ticks)
    return x + bx * (hub + barrel / 2), y + by * (hub + barrel / 2)


def _needle_text(ctx: RenderContext, drawing: Drawing, at: Point, rad: float, words: str, size: float, width: float,
                 height: float, mm: float) -> None:
    """Beside the barrel on the side away from the angle mark, in two lines when one does not fit."""
    x = at[0] + BARREL_HALF_MM * mm / math.sin(rad) + size * 0.5 / math.tan(rad) + size * 0.5
    lines = [words]
    bold = ctx.fonts.bold
    if x + stringWidth(words, bold, size) > width - 1 and " " in words:
        head, _, tail = words.rpartition(" ")
        lines = [head, tail]
    longest = max(stringWidth(line, bold, size) for line in lines)
    x = max(1.0, min(x, width - 1 - longest))
    y = min(at[1] + (len(lines) - 1) * size * 0.55 - size * 0.33, height - size)
    for i, line in enumerate(lines):
        drawing.add(_text(ctx, x, y - i * size * 1.1, line, size, bold=True))


# --- route icon ---------------------------------------------------------------

def route_icon(ctx: RenderContext, route: str, size: float) -> Drawing:
    """A white pictogram on the route's band: straight down into muscle, or slanted into a pinched fold."""
    drawing = _drawing(ctx, size, size)
    s = size
    line = {"strokeColor": theme.PAPER, "strokeWidth": max(1.2, s * 0.04), "strokeLineCap": 1, "strokeLineJoin": 1,
            "fillColor": None}
    bold, thin = Path(**line), Path(**{**line, "strokeWidth": line["strokeWidth"] * 0.55})
    if route == "intramuscular":
        _strokes(bold, [(0.08, 0.06), (0.92, 0.06), (0.92, 0.52), (0.08, 0.52)], s, closed=True)
        for y in (0.45, 0.32):
            _strokes(bold, [(0.08, y), (0.92, y)], s)
        for x, y in ((x, y) for x in (0.15, 0.60) for y in (0.24, 0.17, 0.10)):
            _strokes(thin, [(x, y), (x + 0.25, y)], s)
        tip, angle, needle = (0.5, 0.16), 90, 0.46
    else:
        for base, rise, width, path in ((0.24, 0.34, 0.19, bold), (0.10, 0.07, 0.22, thin)):
            _strokes(path, [(x, base + rise * math.exp(-((x - 0.62) / width) ** 2))
                            for x in (0.04 + 0.92 * i / 30 for i in range(31))], s)
        tip, angle, needle = (0.62, 0.34), 45, 0.28
    ux, uy = -math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def at(along: float, across: float) -> Point:
        return tip[0] + ux * along + uy * across, tip[1] + uy * along - ux * across

    hub, barrel = needle + 0.07, needle + 0.30
    _strokes(bold, [at(0, 0), at(needle, 0)], s)
    _strokes(bold, [at(hub, 0.1), at(barrel, 0.1), at(barrel, -0.1), at(hub, -0.1)], s, closed=True)
    _strokes(bold, [at(barrel, 0.16), at(barrel, -0.16)], s)
    hub_points = [at(needle, 0.025), at(hub, 0.045), at(hub, -0.045), at(needle, -0.025)]
    drawing.add(Polygon([v * s for p in hub_points for v in p], **{**line, "fillColor": theme.PAPER}))
    drawing.add(thin)
    drawing.add(bold)
    drawing.add(Circle(tip[0] * s, tip[1] * s, s * 0.028, fillColor=theme.PAPER, strokeColor=None))
    return drawing


def route_stripes(ctx: RenderContext, route: str, width: float, height: float) -> Drawing:
    """White stripes at the route's angle (theme.ROUTE_STRIPES): the band's pattern, readable without colour."""
    drawing = _drawing(ctx, width, height)
    angle = math.radians(theme.ROUTE_STRIPES.get(route, 90))
    pitch = max(4.0, width / 4)
    run = height / math.tan(angle) if angle < math.pi / 2 - 1e-6 else 0.0
    stripes = Path(strokeColor=None, fillColor=theme.PAPER)
    x = -run
    while x < width:
        # one parallelogram per stripe, clipped to the strip by hand
        corners = [(x, 0.0), (x + pitch * 0.45, 0.0), (x + pitch * 0.45 + run, height), (x + run, height)]
        clipped = _clip_x(corners, 0.0, width)
        if clipped:
            _strokes(stripes, clipped, 1.0, closed=True)
        x += pitch
    drawing.add(stripes)
    return drawing


def _clip_x(polygon: Sequence[Point], low: float, high: float) -> list[Point]:
    """A convex polygon cut to low <= x <= high (Sutherland–Hodgman against two vertical lines)."""
    points = list(polygon)
    for edge, keep in ((low, lambda p: p[0] >= low), (high, lambda p: p[0] <= high)):
        out = []
        for a, b in zip(points, points[1:] + points[:1], strict=True):
            if keep(a):
                out.append(a)
            if keep(a) != keep(b):
                t = (edge - a[0]) / (b[0] - a[0])
                out.append((edge, a[1] + t * (b[1] - a[1])))
        points = out
        if not points:
            return []
    return points


def _strokes(path: Path, points: Sequence[Point], scale: float, closed: bool = False) -> None:
    path.moveTo(points[0][0] * scale, points[0][1] * scale)
    for x, y in points[1:]:
        path.lineTo(x * scale, y * scale)
    if closed:
        path.closePath()
