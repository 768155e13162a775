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
CALENDAR_LINES = 5      # lines of calendar rows in place; the doses beyond go on the dose log


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    half = width * 0.5 - size
    rows = part.in_place(ctx, h, size, half, CALENDAR_LINES)
    return [
        *part.title(ctx, h, size),
        *part.route_banner(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width),
        *part.sites_and_depth(ctx, h, size, width, columns=3, picture=0.23),
        part.side_by_side([part.steps(ctx, h, size, half), part.side_effects(ctx, h, size, half, inline=True)],
                          width, [0.5, 0.5], size),
        part.side_by_side([part.calendar(ctx, h, size, half, rows=rows), part.contacts(ctx, h, size, half)],
                          width, [0.5, 0.5], size),
        *part.dose_log(ctx, h, size, width, after=rows),
    ]
