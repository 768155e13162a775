"""Closed outlines the pictures share: a rectangle with round corners, and a finger.

Each is a reportlab ``Path``'s points and operators, so the site close-ups
(closeups.py) and the pictures of the hands-on steps (technique.py) draw a
hand the same way and give it their own colours.
"""

from __future__ import annotations

import math

Point = tuple[float, float]

KAPPA = 0.5523          # a quarter circle's Bézier handle, as a share of its radius


def rounded(x: float, y: float, w: float, h: float, r: float) -> tuple[list, list]:
    """A rectangle from (x, y), ``w`` by ``h``, its corners rounded to radius ``r``."""
    k = KAPPA * r
    pts = [x + r, y, x + w - r, y, x + w - r + k, y, x + w, y + r - k, x + w, y + r, x + w, y + h - r,
           x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h, x + r, y + h, x + r - k, y + h,
           x, y + h - r + k, x, y + h - r, x, y + r, x, y + r - k, x + r - k, y, x + r, y]
    return pts, [0, 1, 2, 1, 2, 1, 2, 1, 2, 3]


def capsule(a: Point, b: Point, r: float) -> tuple[list, list]:
    """A finger (or thumb) from a to b: a bar of radius ``r``, two sides and a round end at each point."""
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    pts: list[float] = []
    for end, start in ((b, angle - math.pi / 2), (a, angle + math.pi / 2)):
        for i in range(9):
            t = start + math.pi * i / 8
            pts += [end[0] + r * math.cos(t), end[1] + r * math.sin(t)]
    return pts, [0, *[1] * 17, 3]
