"""Vector drawings drawn from the site catalogue's data: where to inject and how deep.

Only the prescribed sites are marked, numbered in rotation order, so the
picture can never suggest a site the clinician did not choose; the
cross-section is drawn to scale from the prescribed needle length and angle,
so its tip lands in the layer the needle really reaches.
"""

from __future__ import annotations

import math
from functools import cache

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from . import content, fonts, theme


def _drawing(width: float, height: float) -> Drawing:
    """A drawing that starts in our font (reportlab would otherwise reference Helvetica)."""
    fonts.register()
    drawing = Drawing(width, height)
    drawing.initialFontName = fonts.REGULAR
    return drawing


# --- body map -----------------------------------------------------------------

# Half the outline (the figure's own right side), in a 100 × 200 design box:
# x from the midline, y from the soles. sites.yaml places marks in this box.
_HALF = (
    (6, 174), (14, 168), (22, 164), (26, 158), (28, 148), (29, 130), (30, 120), (31, 104), (31, 96),
    (32, 88), (28, 83), (25, 88), (24, 96), (23, 110), (22, 120), (21, 134), (19, 146), (18, 140),
    (15, 120), (17, 108), (20, 100), (19, 80), (17, 64), (14, 54), (14, 40), (11, 20), (8, 8), (12, 3),
    (12, 0), (4, 0), (4, 8), (4, 30), (4, 54), (3, 80), (0, 92),
)
_BOX_W, _BOX_H = 100.0, 200.0
_HEAD = (0.0, 187.0, 13.0)            # centre x, centre y, radius
_NAVEL = (0.0, 114.0)
_SPAN = 70.0                          # the outline's full width, arms included


@cache
def _outline() -> tuple[float, ...]:
    right = list(_HALF)
    left = [(-x, y) for x, y in reversed(_HALF[:-1])]
    return tuple(v for point in right + left for v in point)


def _label_size(text_size: float) -> float:
    return max(7.0, text_size)


def body_map(marks, width: float, height: float, sites: dict | None = None, text_size: float = 7.5) -> Drawing:
    """Front and back outlines marking only ``marks``: (site_id, side, label) in rotation order."""
    fonts.register()
    sites = sites if sites is not None else content.load().sites
    size = _label_size(text_size)
    drawing = _drawing(width, height)
    view_w = width / 2
    top_band = size * 1.5
    bottom_band = size * 1.6
    scale = min(view_w / (_SPAN + 6), (height - top_band - bottom_band) / _BOX_H)
    for index, view in enumerate(("front", "back")):
        cx = view_w * index + view_w / 2
        base = bottom_band
        group = Group()
        outline = _outline()
        points = [cx + outline[i] * scale if i % 2 == 0 else base + outline[i] * scale for i in range(len(outline))]
        group.add(Polygon(points, fillColor=theme.BODY_FILL, strokeColor=theme.BODY_LINE, strokeWidth=0.9))
        hx, hy, hr = _HEAD
        group.add(Circle(cx + hx * scale, base + hy * scale, hr * scale, fillColor=theme.BODY_FILL,
                         strokeColor=theme.BODY_LINE, strokeWidth=0.9))
        if view == "front":
            group.add(Circle(cx, base + _NAVEL[1] * scale, max(0.8, 1.2 * scale), fillColor=theme.BODY_LINE,
                             strokeColor=None))
        group.add(_text(cx, height - size * 1.1, view.capitalize(), size, bold=True, anchor="middle"))
        first, second = ("Your right", "Your left") if view == "front" else ("Your left", "Your right")
        if stringWidth(first, fonts.REGULAR, size) * 2 + size > view_w * 0.95:
            first, second = first.removeprefix("Your ").capitalize(), second.removeprefix("Your ").capitalize()
        gap = 3 * scale
        group.add(_text(cx - gap, size * 0.35, first, size, anchor="end"))
        group.add(_text(cx + gap, size * 0.35, second, size, anchor="start"))
        for site_id, side, label in marks:
            spot = sites[site_id].get("diagram") or {}
            if spot.get("view") != view:
                continue
            for each in ([side] if side else ["left", "right"]):
                # Front view: the patient's right is on the viewer's left; the back view is the other way.
                toward_viewer_left = (each == "right") == (view == "front")
                x = cx + (-1 if toward_viewer_left else 1) * spot["dx"] * _BOX_W * scale
                y = base + spot["y"] * _BOX_H * scale
                group.add(_mark(x, y, label, max(6.0, size * 0.95)))
        drawing.add(group)
    return drawing


def _mark(x: float, y: float, label: str, radius: float) -> Group:
    group = Group()
    group.add(Circle(x, y, radius, fillColor=theme.SITE_MARK, strokeColor=theme.PAPER, strokeWidth=1))
    size = radius * 1.25
    group.add(String(x, y - size * 0.36, label, fontName=fonts.BOLD, fontSize=size, fillColor=theme.PAPER,
                     textAnchor="middle"))
    return group


def _text(x: float, y: float, value: str, size: float, bold: bool = False, anchor: str = "start",
          colour=theme.INK) -> String:
    return String(x, y, value, fontName=fonts.BOLD if bold else fonts.REGULAR, fontSize=size,
                  fillColor=colour, textAnchor=anchor)


# --- cross-section ------------------------------------------------------------

SKIN_MM = 2.0
FAT_MM = {"intramuscular": 10.0, "subcutaneous": 14.0}    # a thigh; a pinched fold
PINCH_MM = 6.0


def cross_section(route: str, angle: int, needle_mm: float, width: float, height: float,
                  needle_label: str = "", text_size: float = 7.5) -> Drawing:
    """Skin, fat and muscle to scale, with the needle at its angle; the tip's layer is computed."""
    fonts.register()
    size = _label_size(text_size)
    drawing = _drawing(width, height)
    fat = FAT_MM.get(route, 10.0)
    pinch = PINCH_MM if route == "subcutaneous" else 0.0
    tissue_h = height * 0.62
    depth_mm = max(needle_mm * math.sin(math.radians(angle)) + 6, SKIN_MM + fat + 8)
    mm = tissue_h / depth_mm
    surface = tissue_h                              # the skin line's height away from the pinch
    label_w = stringWidth("Muscle", fonts.REGULAR, size) + size
    right = width - label_w
    entry_x = right * (0.7 if angle == 90 else 0.62)

    def bump(x: float, scale: float) -> float:
        return pinch * mm * scale * math.exp(-(((x - entry_x) / (right * 0.16)) ** 2))

    xs = [right * i / 40 for i in range(41)]

    def band(top_mm: float, bottom_mm: float, bump_top: float, bump_bottom: float, colour) -> Polygon:
        upper = [(x, surface - top_mm * mm + bump(x, bump_top)) for x in xs]
        lower = [(x, surface - bottom_mm * mm + bump(x, bump_bottom)) for x in reversed(xs)]
        return Polygon([v for p in upper + lower for v in p], fillColor=colour, strokeColor=theme.BODY_LINE,
                       strokeWidth=0.5)

    drawing.add(band(SKIN_MM + fat, surface / mm, 0.35, 0, theme.MUSCLE))
    drawing.add(band(SKIN_MM, SKIN_MM + fat, 0.85, 0.35, theme.FAT))
    drawing.add(band(0, SKIN_MM, 1.0, 0.85, theme.SKIN))
    for name, level in (("Skin", SKIN_MM / 2), ("Fat", SKIN_MM + fat / 2), ("Muscle", SKIN_MM + fat + 5)):
        y = surface - level * mm - size * 0.35
        if name == "Skin":
            y = surface + size * 0.2
        drawing.add(_text(right + size * 0.4, y, name, size))

    # The needle: from where it meets the skin, at the prescribed angle, to scale.
    rad = math.radians(angle)
    ex, ey = entry_x, surface + bump(entry_x, 1.0)
    direction = (math.cos(rad), -math.sin(rad))
    tip = (ex + direction[0] * needle_mm * mm, ey + direction[1] * needle_mm * mm)
    drawing.add(Line(ex, ey, *tip, strokeColor=theme.NEEDLE, strokeWidth=1.4))
    drawing.add(_syringe(ex, ey, direction, height - ey - size * 0.5, mm))
    drawing.add(Circle(*tip, 2.2, fillColor=None, strokeColor=theme.INK, strokeWidth=1))
    tip_depth = surface - tip[1] + bump(tip[0], 0.35 if route == "subcutaneous" else 0)
    layer = "muscle" if tip_depth > (SKIN_MM + fat) * mm + bump(tip[0], 0.35) else "fat"
    tip_text = f"tip in {layer}"
    tx = min(tip[0] + 5, right - stringWidth(tip_text, fonts.BOLD, size) - 2)
    drawing.add(_text(max(2, tx), tip[1] - size * 1.2, tip_text, size, bold=True))
    drawing.add(_angle_mark(ex, ey, angle, direction, size))
    if needle_label:
        # opposite the syringe: it leans left at a slant, stands right of centre when straight
        if angle == 90:
            drawing.add(_text(2, height - size * 1.1, needle_label, size, bold=True))
        else:
            drawing.add(_text(width - 2, height - size * 1.1, needle_label, size, bold=True, anchor="end"))
    return drawing


def _syringe(x: float, y: float, direction, room: float, mm: float) -> Group:
    """Hub and barrel behind the needle, pointing back the way the needle came."""
    back = (-direction[0], -direction[1])
    normal = (-back[1], back[0])
    hub = min(4 * mm, room * 0.25)
    barrel = max(4.0, min(room / max(abs(back[1]), 0.3) - hub, 30 * mm))
    half = max(2.5, 3.2 * mm)

    def quad(start: float, length: float, w: float):
        ax, ay = x + back[0] * start, y + back[1] * start
        bx, by = ax + back[0] * length, ay + back[1] * length
        return [ax + normal[0] * w, ay + normal[1] * w, bx + normal[0] * w, by + normal[1] * w,
                bx - normal[0] * w, by - normal[1] * w, ax - normal[0] * w, ay - normal[1] * w]

    group = Group()
    group.add(Polygon(quad(0, hub, half * 0.45), fillColor=theme.NEEDLE, strokeColor=None))
    group.add(Polygon(quad(hub, barrel, half), fillColor=theme.PAPER, strokeColor=theme.NEEDLE, strokeWidth=1))
    return group


def _angle_mark(x: float, y: float, angle: int, direction, size: float) -> Group:
    group = Group()
    r = size * 2.2
    if angle == 90:
        s = size * 0.8
        group.add(PolyLine([x - s, y, x - s, y + s, x, y + s], strokeColor=theme.INK, strokeWidth=0.8))
        group.add(_text(x - s - size * 0.9, y + s * 0.2, "90°", size, bold=True, anchor="end"))
        return group
    # The angle between the skin, on the syringe's side, and the syringe.
    start = math.degrees(math.atan2(-direction[1], -direction[0]))
    points = []
    for i in range(13):
        a = math.radians(180 - (180 - start) * i / 12)
        points += [x + r * math.cos(a), y + r * math.sin(a)]
    group.add(PolyLine(points, strokeColor=theme.INK, strokeWidth=0.8))
    group.add(_text(x - r - 2, y + 2, f"{angle}°", size, bold=True, anchor="end"))
    return group


# --- route icon ---------------------------------------------------------------

def route_icon(route: str, size: float) -> Drawing:
    """A white pictogram on the route's band: straight down into muscle, or slanted into a pinched fold."""
    drawing = _drawing(size, size)
    line = {"strokeColor": theme.PAPER, "strokeWidth": max(1.2, size * 0.035)}
    if route == "intramuscular":
        for i, top in enumerate((0.62, 0.52, 0.36)):
            bottom = (0.52, 0.36, 0.06)[i]
            drawing.add(Rect(size * 0.08, size * bottom, size * 0.84, size * (top - bottom), fillColor=None, **line))
        drawing.add(Line(size * 0.5, size * 0.78, size * 0.5, size * 0.16, **line))
        drawing.add(Rect(size * 0.42, size * 0.78, size * 0.16, size * 0.2, fillColor=None, **line))
        drawing.add(Line(size * 0.46, size * 0.21, size * 0.54, size * 0.21, **line))
    else:
        hump = [size * (0.06 + 0.88 * i / 20) for i in range(21)]
        points = []
        for x in hump:
            rel = (x / size - 0.5) / 0.2
            points += [x, size * (0.3 + 0.28 * math.exp(-rel * rel))]
        drawing.add(PolyLine(points, **line))
        drawing.add(Line(size * 0.06, size * 0.12, size * 0.94, size * 0.12, **line))
        drawing.add(Line(size * 0.2, size * 0.5, size * 0.06, size * 0.5, **line))
        drawing.add(Line(size * 0.8, size * 0.5, size * 0.94, size * 0.5, **line))
        # the needle, at 45°, into the fold
        drawing.add(Line(size * 0.56, size * 0.46, size * 0.76, size * 0.66, **line))
        drawing.add(Polygon([size * 0.74, size * 0.72, size * 0.82, size * 0.64, size * 0.96, size * 0.78,
                             size * 0.88, size * 0.86], fillColor=None, **line))
    return drawing
