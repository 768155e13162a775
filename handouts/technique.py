"""Pictures of the hands-on steps: getting the dose into the syringe, and holding the skin as the needle goes in.

Each picture is a row (or a grid) of numbered panels that follow the steps
beside it: drawing up from a vial (air in, turn it over, tap out the air,
read the dose line), opening a glass ampoule (tap it down, snap it away from
you under gauze, draw up, read the dose line), and the skin pulled flat for
a muscle injection or pinched into a fold for one under the skin, with the
needle at the prescribed angle. Objects are drawn once in their own units
(a panel is 100 units square) and placed with a transform; words stay
outside the transforms, at the layout's label size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Path,
    Polygon,
    PolyLine,
    Rect,
    String,
    mmult,
    rotate,
    scale,
    translate,
)
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from . import outlines, theme
from .forms import Backdrop

PANEL_W, PANEL_H = 100.0, 100.0
ART = 0.80                  # the drawn part of a panel: its height, and its width around the middle
INK = {"strokeColor": theme.INK, "strokeLineJoin": 1, "strokeLineCap": 1}

# The panels of each picture, in order: (label key, how to draw it).
Panel = Callable[[Group, float, dict], float | None]     # may return the height of a line to label


def _rounded(x: float, y: float, w: float, h: float, r: float, **style) -> Path:
    return Path(*outlines.rounded(x, y, w, h, r), **style)


def _finger(a: tuple[float, float], b: tuple[float, float], r: float, line: float) -> Path:
    """A finger (or thumb) from a to b, light and outlined so it reads in grey."""
    return Path(*outlines.capsule(a, b, r), fillColor=theme.HAND, strokeWidth=line, **INK)


def _arrow(g: Group, points: Sequence[tuple[float, float]], line: float, head: float = 5.0) -> None:
    """A bold arrow along the points, its head at the last one."""
    g.add(PolyLine([v for p in points for v in p], strokeWidth=line * 1.6, **INK))
    (x1, y1), (x2, y2) = points[-2], points[-1]
    a = math.atan2(y2 - y1, x2 - x1)
    tip = [x2 + math.cos(a) * head * 0.4, y2 + math.sin(a) * head * 0.4]
    left = [x2 + math.cos(a + 2.5) * head, y2 + math.sin(a + 2.5) * head]
    right = [x2 + math.cos(a - 2.5) * head, y2 + math.sin(a - 2.5) * head]
    g.add(Polygon(tip + left + right, fillColor=theme.INK, strokeColor=theme.INK, strokeWidth=line * 0.5))


def _syringe(fill: float, pulled: float, line: float, needle: float = 12.0, barrel: float = 26.0,
             half: float = 5.0, bubbles: bool = False, ticks: int = 10) -> Group:
    """A syringe, needle tip at (0, 0) pointing down: ``fill`` of the barrel holds medicine, ``pulled`` is how
    far the plunger is drawn back (0–1 of the barrel)."""
    g = Group()
    hub, top = needle + 4, needle + 4 + barrel
    g.add(Line(0, 0, 0, needle, strokeColor=theme.NEEDLE, strokeWidth=line * 1.1, strokeLineCap=1))
    g.add(Polygon([-1.4, needle, 1.4, needle, 2.6, hub, -2.6, hub], fillColor=theme.NEEDLE, strokeColor=None))
    stopper = hub + barrel * max(0.04, pulled)
    if fill:
        g.add(Rect(-half, hub, 2 * half, (stopper - hub) * fill, fillColor=theme.LIQUID, strokeColor=None))
    if bubbles:
        for bx, by, r in ((-2.5, hub + 3, 1.6), (2, hub + 5.5, 1.2), (-0.5, hub + 8, 1.0)):
            g.add(Circle(bx, by, r, fillColor=theme.PAPER, strokeColor=theme.INK, strokeWidth=line * 0.5))
    g.add(Rect(-half, hub, 2 * half, barrel, fillColor=None, strokeWidth=line, **INK))
    marks = Path(strokeColor=theme.INK, strokeWidth=line * 0.6, fillColor=None)
    for i in range(1, ticks):
        y = hub + barrel * i / ticks
        marks.moveTo(half, y)
        marks.lineTo(half - (4 if i % 5 == 0 else 2.2), y)
    g.add(marks)
    g.add(Rect(-half + 0.6, stopper, 2 * half - 1.2, 3.2, fillColor=theme.INK, strokeColor=None))
    g.add(Line(-half - 4, top, half + 4, top, strokeColor=theme.INK, strokeWidth=line * 1.8, strokeLineCap=1))
    rod = stopper + 3.2
    end = stopper + barrel + 4            # the rod is as long as the barrel: pulling it back lengthens the syringe
    g.add(Rect(-1.5, rod, 3, end - rod, fillColor=theme.NEEDLE, strokeColor=None))
    g.add(Line(-half, end, half, end, strokeColor=theme.INK, strokeWidth=line * 2.2, strokeLineCap=1))
    return g


def _vial(upside_down: bool, line: float) -> Group:
    """A vial with its rubber top at (0, 0): upright (body below the top), or turned over (body above it)."""
    g = Group()
    depth = 34 * 0.55
    # the medicine lies at the bottom: the far end upright, the rubber top's end turned over
    g.add(Rect(-11, -12 - depth if upside_down else -46, 22, depth, fillColor=theme.LIQUID, strokeColor=None))
    g.add(_rounded(-11, -46, 22, 34, 3, fillColor=None, strokeWidth=line, **INK))
    g.add(Rect(-5, -12, 10, 6, fillColor=theme.GLASS, strokeWidth=line, **INK))
    g.add(Rect(-8, -6, 16, 6, fillColor=theme.NEEDLE, strokeColor=None))
    if upside_down:
        g.transform = scale(1, -1)
        return Group(g)
    return g


def _place(shape: Group, x: float, y: float, turn: float = 0.0) -> Group:
    shape.transform = mmult(translate(x, y), rotate(turn))
    return shape


def _panel_air_in(g: Group, line: float, info: dict) -> None:
    g.add(_place(_vial(False, line), 50, 48))
    g.add(_place(_syringe(0, 0.12, line), 50, 44))
    _arrow(g, [(68, 96), (68, 78)], line)


def _panel_turn_over(g: Group, line: float, info: dict) -> None:
    g.add(_place(_vial(True, line), 50, 53))
    g.add(_place(_syringe(1, 0.5, line), 50, 61, 180))
    _arrow(g, [(74, 61), (84, 77), (74, 93)], line)
    _arrow(g, [(68, 18), (68, 3)], line)


def _panel_tap(g: Group, line: float, info: dict) -> None:
    g.add(_place(_syringe(1, 0.6, line, bubbles=True), 45, 88, 180))
    g.add(_finger((92, 72), (62, 74), 5, line))
    for r in (5, 9):
        g.add(PolyLine([v for a in range(-3, 4) for v in (72 - r * math.cos(a * 0.25), 74 + r * math.sin(a * 0.25))],
                       strokeWidth=line * 0.8, **INK))


def _panel_dose_line(g: Group, line: float, info: dict) -> float:
    """Needle up, as after tapping out the air: the stopper's edge nearest the needle on the dose mark."""
    share = info.get("share") or 0.6
    ticks = info.get("ticks", 10)
    g.add(_place(_syringe(1, share, line, needle=8, barrel=40, half=9, ticks=ticks), 42, 98, 180))
    y = 98 - 8 - 4 - 40 * share
    _arrow(g, [(92, y), (56, y)], line)
    return y


def _ampoule(line: float, head_off: bool = False) -> Group:
    """A glass ampoule standing on (0, 0): body, neck, head; ``head_off`` leaves the neck open."""
    g = Group()
    g.add(Rect(-9, 2, 18, 26, fillColor=theme.LIQUID, strokeColor=None))
    body = Path([-10, 4, -10, 38, -4, 46, -4, 50, 4, 50, 4, 46, 10, 38, 10, 4], [0, 1, 1, 1, 1, 1, 1, 1],
                fillColor=None, strokeWidth=line, **INK)
    g.add(body)
    g.add(_rounded(-10, 0, 20, 10, 4, fillColor=theme.LIQUID, strokeWidth=line, **INK))
    g.add(Line(-4, 50, -4, 50, strokeColor=theme.INK, strokeWidth=line))
    if not head_off:
        g.add(Path([-4, 50, -6, 56, -6, 66, 0, 71, 6, 66, 6, 56, 4, 50], [0, 1, 1, 1, 1, 1, 1],
                   fillColor=theme.GLASS, strokeWidth=line, **INK))
        g.add(Line(-5, 50, 5, 50, strokeColor=theme.INK, strokeWidth=line * 1.6))
    return g


def _panel_tap_down(g: Group, line: float, info: dict) -> None:
    g.add(_place(_ampoule(line), 44, 14))
    g.add(_finger((90, 82), (60, 78), 5, line))
    _arrow(g, [(26, 80), (26, 40)], line)


def _panel_snap(g: Group, line: float, info: dict) -> None:
    g.add(_place(_ampoule(line, head_off=True), 34, 10))
    head = Group(Path([-6, 0, -6, 10, 0, 15, 6, 10, 6, 0], [0, 1, 1, 1, 1], fillColor=theme.GLASS, strokeWidth=line,
                      **INK))
    g.add(_place(head, 54, 70, -35))
    gauze = Group(_rounded(-11, -9, 22, 26, 3, fillColor=theme.PAPER, strokeWidth=line, **INK))
    for k in range(-2, 3):
        gauze.add(Line(-11, 4 + k * 5, 11, 4 + k * 5, strokeColor=theme.MUTED, strokeWidth=line * 0.4))
        gauze.add(Line(k * 5, -9, k * 5, 17, strokeColor=theme.MUTED, strokeWidth=line * 0.4))
    g.add(_place(gauze, 56, 72, -35))
    g.add(_finger((92, 62), (66, 74), 5, line))
    _arrow(g, [(60, 90), (76, 96), (90, 88)], line)


def _panel_draw_up(g: Group, line: float, info: dict) -> None:
    g.add(_place(_ampoule(line, head_off=True), 36, 8, -20))
    g.add(_place(_syringe(0.8, 0.45, line, needle=30), 44, 22, -20))
    _arrow(g, [(80, 70), (80, 92)], line)


PICTURES: dict[str, tuple[tuple[str, Panel], ...]] = {
    "vial": (("air_in", _panel_air_in), ("turn_over", _panel_turn_over), ("tap_out_air", _panel_tap),
             ("dose_line", _panel_dose_line)),
    "ampoule": (("tap_down", _panel_tap_down), ("snap_away", _panel_snap), ("draw_up", _panel_draw_up),
                ("dose_line", _panel_dose_line)),
}


def drawing(ctx, key: str, width: float, text_size: float, words: dict, columns: int = 4,
            info: dict | None = None) -> Drawing:
    """The picture ``key`` (a product form, or "stretch"/"pinch") ``width`` wide, its panels in ``columns``;
    memoized per context like the body outlines, and shared as one form in a file.

    ``info`` is the handout's ``technique``: the skin pictures draw the needle at its ``angle``, which
    comes from the content (routes.yaml) or the prescription; without one they refuse rather than guess.
    """
    info = info or {}
    if key in ("stretch", "pinch"):
        angle = info.get("angle")
        if angle is None:       # the route's angle (routes.yaml) or the prescription's: never one of ours
            raise ValueError(f"the {key!r} picture needs the needle's angle (info['angle']); none was given")
        height = max(width * 0.42, text_size * 5.0)
        labels = (words.get(key, key), f"{angle}°")
        make = lambda: _skin(ctx, key, width, height, text_size, labels, angle)  # noqa: E731
    else:
        panels = PICTURES[key]
        rows = math.ceil(len(panels) / columns)
        cell = width / columns
        title = _title_lines(ctx, [words.get(k, k) for k, _ in panels], cell, text_size)
        height = rows * (cell * ART * PANEL_H / PANEL_W + title * text_size * 1.15 + text_size * 0.2)
        labels = tuple(words.get(k, k) for k, _ in panels) + (repr(sorted(info.items())),)
        make = lambda: _panels(ctx, key, width, height, text_size, columns, title, words, info)  # noqa: E731
    group = ctx.backdrops.get_or_make(("technique", key, width, text_size, columns, labels), make)
    out = Drawing(width, height)
    out.initialFontName = ctx.fonts.regular
    out.add(group)
    return out


def _title_lines(ctx, titles: list[str], cell: float, size: float) -> int:
    return max(len(_wrap(ctx, t, cell - size * 0.5, size)) for t in titles)


def _wrap(ctx, words: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for word in words.split():
        if lines and stringWidth(f"{lines[-1]} {word}", ctx.fonts.bold, size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _panels(ctx, key: str, width: float, height: float, size: float, columns: int, title: int, words: dict,
            info: dict) -> Backdrop:
    # the words are part of the name: a form drawn in one language is never reused for another
    group = Backdrop(name=f"technique-{key}-{width!r}-{size!r}-{columns}-{sorted(info.items())!r}-"
                          + "|".join(words.get(k, k) for k, _ in PICTURES[key]))
    panels = PICTURES[key]
    cell = width / columns
    art = cell * ART * PANEL_H / PANEL_W
    row_h = art + title * size * 1.15 + size * 0.2
    unit = cell * ART / PANEL_W
    line = max(0.7, width / 320) / unit
    for i, (label, draw) in enumerate(panels):
        col, row = i % columns, i // columns
        x0, y0 = col * cell, height - (row + 1) * row_h
        inner = Group()
        dose_at = draw(inner, line, info)
        inner.transform = mmult(translate(x0 + cell * (1 - ART) / 2, y0), scale(unit, unit))
        group.add(inner)
        # no numbers: the steps beside the picture carry their own
        lines = _wrap(ctx, words.get(label, label), cell - size * 0.5, size)
        for k, text in enumerate(lines):
            group.add(String(x0 + cell / 2, y0 + art + size * 0.3 + (len(lines) - 1 - k) * size * 1.15, text,
                             fontName=ctx.fonts.bold, fontSize=size, fillColor=theme.INK, textAnchor="middle"))
        if dose_at is not None and info.get("dose"):
            group.add(String(x0 + cell - size * 0.2, y0 + dose_at * unit + size * 0.5, info["dose"],
                             fontName=ctx.fonts.bold, fontSize=size, fillColor=theme.INK, textAnchor="end"))
        if col:
            group.add(Line(x0, y0 + size * 0.3, x0, y0 + row_h - size * 0.3, strokeColor=theme.RULE, strokeWidth=0.5))
    return group


def _skin(ctx, key: str, width: float, height: float, size: float, labels: tuple[str, str], angle: float) -> Backdrop:
    """The skin seen from the side, held by one hand, with the needle going in at its angle."""
    group = Backdrop(name=f"technique-{key}-{width!r}-{size!r}-{angle!r}-{labels[0]}")
    surface = height * 0.42
    line = max(0.8, width / 260)
    pinch = key == "pinch"
    cx = width * (0.56 if pinch else 0.66)
    rise, spread = (height * 0.2, width * 0.09) if pinch else (0.0, 1.0)

    def top(x: float) -> float:
        return surface + rise * math.exp(-(((x - cx) / spread) ** 2))

    xs = [width * i / 40 for i in range(41)]
    outline = [(x, top(x)) for x in xs]
    group.add(Polygon([v for p in [(0, 0), *outline, (width, 0)] for v in p], fillColor=theme.SKIN,
                      strokeColor=None))
    group.add(PolyLine([v for p in outline for v in p], strokeColor=theme.BODY_LINE, strokeWidth=line * 1.2))
    finger = height * 0.07
    if pinch:
        base = spread * 1.1
        group.add(_finger((cx - base * 2.4, surface + finger * 2.6), (cx - base * 0.75, surface + finger * 0.9),
                          finger, line))
        group.add(_finger((cx + base * 2.4, surface + finger * 2.6), (cx + base * 0.75, surface + finger * 0.9),
                          finger, line))
        entry = (cx - spread * 0.35, top(cx - spread * 0.35))
    else:
        # a hand from the side, flat on the skin, pulling it to the left
        group.add(_rounded(width * 0.03, surface, width * 0.16, finger * 3.2, finger, fillColor=theme.HAND,
                           strokeColor=theme.INK, strokeWidth=line))
        group.add(_finger((width * 0.16, surface + finger), (width * 0.40, surface + finger), finger, line))
        for k in range(3):
            x = width * (0.44 + 0.035 * k)
            group.add(Line(x, surface - height * 0.04, x + width * 0.02, surface - height * 0.04,
                           strokeColor=theme.BODY_LINE, strokeWidth=line * 0.8))
        _arrow(group, [(width * 0.34, surface - height * 0.14), (width * 0.08, surface - height * 0.14)], line,
               head=height * 0.05)
        entry = (cx, surface)
    # the syringe comes from above, on the right: the needle points down into the skin at the angle
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    s = height / 120
    depth = 22 * s                        # the whole needle goes in
    needle_in = (entry[0] - ux * depth, entry[1] - uy * depth)
    syringe = _syringe(0.9, 0.5, line / s, needle=22, barrel=34, half=6)
    syringe.transform = mmult(translate(*needle_in), mmult(rotate(-(90 - angle)), scale(s, s)))
    group.add(syringe)
    r = height * 0.2
    arc = [math.radians(a) for a in [angle * i / 12 for i in range(13)]]
    group.add(PolyLine([v for a in arc for v in (entry[0] + r * math.cos(a), entry[1] + r * math.sin(a))],
                       strokeColor=theme.INK, strokeWidth=line))
    words, degrees = labels
    middle = math.radians(angle / 2)        # the angle's words beside the middle of its arc, clear of the syringe
    reach = r + size * (0.5 if angle >= 80 else 1.0)
    group.add(String(entry[0] + reach * math.cos(middle), entry[1] + reach * math.sin(middle) - size * 0.35, degrees,
                     fontName=ctx.fonts.bold, fontSize=size, fillColor=theme.INK))
    group.add(String(size * 0.3, size * 0.3, words, fontName=ctx.fonts.bold, fontSize=size, fillColor=theme.INK))
    return group


class Stack(Flowable):
    """Pictures one above the other, for text to flow around as one block (platypus's ImageAndFlowables)."""

    def __init__(self, parts: list, space: float):
        super().__init__()
        self.parts, self.space = parts, space
        self.width = max(p.width for p in parts)
        self.height = sum(p.height for p in parts) + space * (len(parts) - 1)

    def wrap(self, *_):
        return self.width, self.height

    def _restrictSize(self, *_):
        """Its own size: pictures are never squeezed."""
        return self.width, self.height

    def _unRestrictSize(self):
        """Nothing to undo (ImageAndFlowables calls this when it splits)."""

    def draw(self):
        y = self.height
        for part in self.parts:
            y -= part.height
            part.drawOn(self.canv, self.width - part.width, y)
            y -= self.space
