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


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    ref = REFERENCE_SIZE
    column = width * 0.5 - ref
    return [
        *part.title(ctx, h, size),
        *part.route_banner(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width),
        *part.sites_and_depth(ctx, h, size, width, columns=3),
        *part.steps(ctx, h, size, width),
        PageBreak(),
        *part.side_effects(ctx, h, ref, width, split_items=True),
        part.side_by_side([part.calendar(ctx, h, ref, column, rows=10), part.contacts(ctx, h, ref, column)],
                          width, [0.5, 0.5], ref),
        part.side_by_side([part.cautions(ctx, h, ref), part.needles_and_storage(ctx, h, ref)], width, [0.5, 0.5], ref),
    ]
