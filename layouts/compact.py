"""Compact: one sheet, printed on both sides, with everything the patient must keep.

For pharmacies printing thousands of sheets and for patients who already
know the technique. The front is what to do (route, key points, dose, sites,
depth, steps); the back is what to keep (side effects as bullets, what to do
when something goes wrong, calendar, who to call, cautions, "do not stop",
used needles and storage). 9 pt text, nothing under 8.5 pt; sections flow in
balanced columns, so a long note moves text along rather than breaking the
sheet.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak

from handouts.columns import Together

from . import _parts as part

NAME = "compact"
DESCRIPTION = ("One sheet printed on both sides, 9 pt: the front says what to do, the back what to keep "
               "(side effects, calendar, contacts, cautions, used needles, storage).")
BODY_SIZE = 9
FOOTER_SIZE = 8.5
MARGIN = 28
CALENDAR_LINES = 14     # lines of calendar rows kept in place at least; more when the back of the sheet has room


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    half = width * 0.5 - size
    least = part.in_place(ctx, h, size, half, CALENDAR_LINES)
    problems, contacts = part.problems(ctx, h, size), part.contacts(ctx, h, size, half)
    cautions, needles = part.cautions(ctx, h, size), part.needles_and_storage(ctx, h, size)

    def back(rows: int) -> list:
        calendar = [Together(part.calendar(ctx, h, size, half, rows=rows))]   # one piece, as in standard
        return [part.flowing_columns([problems, calendar, contacts, cautions, needles], size),
                *part.dose_log(ctx, h, size, width, after=rows)]

    return [
        *part.title(ctx, h, size),
        *part.route_banner(ctx, h, size, width),
        *part.key_points(ctx, h, size, width),
        *part.dose_and_schedule(ctx, h, size, width),
        *part.sites_and_depth(ctx, h, size, width, columns=3, picture=0.25),
        part.flowing_columns([part.supplies(ctx, h, size), part.steps(ctx, h, size, half)], size),
        CondPageBreak(size * 30),
        *part.side_effects(ctx, h, size, width, split_items=True),
        *part.doses_to_fit(back, least, len(h.calendar), size),
    ]
