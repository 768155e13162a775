"""Standard layout: two letter or A4 pages, 12 pt text.

Page one is what to do (route, dose, where, how deep, the steps) at 12 pt;
page two is what to keep (side effects, calendar, who to call, cautions, used
needles) at 11 pt, so both fit on two sheets of letter or A4.
"""

from __future__ import annotations

from reportlab.platypus import PageBreak

from . import _parts as part

NAME = "standard"
DESCRIPTION = "Two pages, 12 pt: the full handout with diagrams, checklist, calendar and side-effect guide."
BODY_SIZE = 12
REFERENCE_SIZE = 11
MARGIN = 32
CALENDAR_LINES = 14     # lines of calendar rows in place; the doses beyond go on the dose log


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    ref = REFERENCE_SIZE
    column = width * 0.5 - ref
    rows = part.in_place(ctx, h, ref, column, CALENDAR_LINES)
    return [
        *part.title(ctx, h, size),
        *part.route_banner(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width),
        *part.sites_and_depth(ctx, h, size, width, columns=3),
        *part.steps(ctx, h, size, width),
        PageBreak(),
        *part.side_effects(ctx, h, ref, width, split_items=True),
        # the calendar takes the left column's full height; who to call and the cautions share the right
        part.side_by_side([part.calendar(ctx, h, ref, column, rows=rows),
                           part.contacts(ctx, h, ref, column) + part.cautions(ctx, h, ref)], width, [0.5, 0.5], ref),
        part.side_by_side([part.bullets(ctx, h.headings["sharps"], h.sharps, ref),
                           part.bullets(ctx, h.headings["storage"], h.storage, ref)], width, [0.5, 0.5], ref),
        *part.dose_log(ctx, h, ref, width, after=rows),
    ]
