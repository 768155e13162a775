"""Large print: 18 pt text and larger headings, one column, 1-inch margins.

For readers with low vision (APH large print: 18 pt, no columns, no italics
or capitals, left-aligned). The same sections as the standard handout, one
after another in the order they are used, pictures as wide as the text;
every heading stays with its first lines and is in the PDF outline.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether

from . import _parts as part

NAME = "large-print"
DESCRIPTION = "18 pt, one column, 1-inch margins, an outline of every heading: for readers with low vision."
BODY_SIZE = 18
FOOTER_SIZE = 18
MARGIN = 72
CALENDAR_LINES = 14     # lines of calendar rows in place; the doses beyond go on the dose log


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    rows = part.in_place(ctx, h, size, width, CALENDAR_LINES)
    return [
        *part.title(ctx, h, size),
        *part.route_banner(ctx, h, size, width),
        *part.key_points(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width, columns=1),
        *part.supplies(ctx, h, size),
        *part.sites_and_depth(ctx, h, size, width, columns=1),
        *part.steps(ctx, h, size, width, pictures=True),
        *part.problems(ctx, h, size),
        *part.side_effects(ctx, h, size, width),
        KeepTogether(part.calendar(ctx, h, size, width, rows=rows)),
        *part.contacts(ctx, h, size, width),
        *part.cautions(ctx, h, size),
        *part.needles_and_storage(ctx, h, size),
        *part.dose_log(ctx, h, size, width, after=rows),
    ]
