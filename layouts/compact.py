"""Compact: one page with everything the patient must keep.

For pharmacies printing thousands of sheets and for patients who already
know the technique: route, dose, sites, steps, side effects, calendar and who
to call on a single side, at 9 pt.
"""

from __future__ import annotations

from . import _parts as part

NAME = "compact"
DESCRIPTION = "One page, 9 pt: route, dose, sites, steps, side effects, calendar and contacts."
BODY_SIZE = 9
MARGIN = 28


def story(h, width: float) -> list:
    size = BODY_SIZE
    half = width * 0.5 - size
    return [
        *part.title(h, size),
        *part.route_banner(h, size, width),
        *part.dose_and_schedule(h, size, width),
        *part.sites_and_depth(h, size, width, columns=3, picture=0.23),
        part.side_by_side([part.steps(h, size, half), part.side_effects(h, size, half, inline=True)],
                          width, [0.5, 0.5], size),
        part.side_by_side([part.calendar(h, size, half, rows=6), part.contacts(h, size, half)],
                          width, [0.5, 0.5], size),
    ]
