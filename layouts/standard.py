"""Standard layout: four letter or A4 pages, 12 pt text, nothing under 10 pt.

In the order a patient uses it (PEMAT item 10): the route and a key-points
box first, then dose, supplies, where and how deep, the steps and what to do
when something goes wrong, at 12 pt; then what to keep (side effects,
calendar, who to call, cautions, used needles) at 11 pt.

A patient alone with a needle is better served by pictures than by fewer
pages: the steps flow beside the pictures of what the hands do (drawing up
from the vial or ampoule, each site's close-up with its landmarks, the hand
on the skin and the needle's angle), each level with the first step it
shows. That takes most of page 2, so the pages fall by topic: what to do
(page 1), how to do it (2), what can go wrong and whom to tell (3), and the
calendar with used needles and storage (4), where the calendar has room for
more doses before a dose log page takes the rest.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak

from handouts.columns import Together

from . import _parts as part

NAME = "standard"
DESCRIPTION = ("Four pages, 12 pt (nothing under 10 pt): key points, where and how deep, the checklist beside "
               "pictures of each hands-on step and a close-up of each site, side-effect guide and calendar.")
BODY_SIZE = 12
REFERENCE_SIZE = 11
FOOTER_SIZE = 10
MARGIN = 32
PICTURES = 0.4         # the share of the width the steps' pictures take, the steps flowing beside them
CALENDAR_LINES = 34     # lines of calendar rows in place (page 4); the doses beyond go on the dose log


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
        *part.sites_and_depth(ctx, h, size, width, columns=3, grow=None),
        CondPageBreak(size * 16),
        part.flowing_columns([part.supplies(ctx, h, size)], size),
        *part.steps(ctx, h, size, width, beside=PICTURES),
        CondPageBreak(size * 12),
        *part.problems(ctx, h, size),
        CondPageBreak(ref * 20),
        *part.side_effects(ctx, h, ref, width, split_items=True),
        part.flowing_columns([part.contacts(ctx, h, ref, column), part.cautions(ctx, h, ref)], ref),
        CondPageBreak(ref * 24),
        part.flowing_columns([[Together(part.calendar(ctx, h, ref, column, rows=rows))],
                              part.needles_and_storage(ctx, h, ref)], ref),
        *part.dose_log(ctx, h, ref, width, after=rows),
    ]
