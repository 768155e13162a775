"""Standard layout: three letter or A4 pages, 12 pt text, nothing under 10 pt.

In the order a patient uses it (PEMAT item 10): the route and a key-points
box first, then dose, supplies, where and how deep, the steps and what to do
when something goes wrong, at 12 pt; then what to keep (side effects,
calendar, who to call, cautions, used needles) at 11 pt.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak

from . import _parts as part

NAME = "standard"
DESCRIPTION = ("Three pages, 12 pt (nothing under 10 pt): key points, pictures of where and how, checklist, "
               "calendar and side-effect guide.")
BODY_SIZE = 12
REFERENCE_SIZE = 11
FOOTER_SIZE = 10
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
        *part.key_points(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width),
        *part.sites_and_depth(ctx, h, size, width, columns=3),
        CondPageBreak(size * 16),
        part.flowing_columns([part.supplies(ctx, h, size), part.cautions(ctx, h, ref)], size),
        *part.steps(ctx, h, size, width),
        *part.problems(ctx, h, size),
        CondPageBreak(ref * 20),
        *part.side_effects(ctx, h, ref, width, split_items=True),
        part.flowing_columns([part.calendar(ctx, h, ref, column, rows=rows),
                              part.contacts(ctx, h, ref, column), part.needles_and_storage(ctx, h, ref)], ref),
        *part.dose_log(ctx, h, ref, width, after=rows),
    ]
