"""Large print: 18 pt text, 20 pt headings, one column, seven pages for a usual course.

For readers with low vision (APH and ACB large print: 18 pt, no columns, no
italics or capitals, left-aligned). Large print keeps every safety section of
the standard handout: the route, the key points (dose, needle, when, where,
when to call), where and how deep, the steps, the three side-effect tiers
(a missed dose and a wrong needle among the signs to call about), what to
do if something goes wrong (blood in the syringe, a leak, the wrong layer),
the calendar, who to call, the cautions and "do not stop", used needles and
storage, with the site close-ups and the pictures of the hands-on steps.
It leaves out what would only repeat them, or what the pharmacy and the
care team see to: the separate dose and schedule sections (the key points
say them), the supplies list, the notes on units and needle numbers, the
sites' medical names, the calendar's footnote and the phone numbers inside
the tiers ("Who to call" follows them).

Half-inch margins give 7.5-inch lines, about 55 characters at 18 pt; the
body map is short (the close-ups show each site larger). The calendar sets
two doses a row when it can; long sections go on over a page rather than
leave one half empty; every heading stays with its first lines and is in
the PDF outline.
"""

from __future__ import annotations

from reportlab.platypus import CondPageBreak

from . import _parts as part

NAME = "large-print"
DESCRIPTION = ("18 pt, one column, seven pages for a usual course: every safety section, an outline of every "
               "heading; for readers with low vision.")
BODY_SIZE = 18
FOOTER_SIZE = 18
MARGIN = 36
CALENDAR_LINES = 40     # lines of calendar rows in place, over a page break if need be; more go on the dose log
PICTURE = 0.26          # the body map's height, as a share of the text width (the depth picture 0.8 of that);
#                         the close-ups under the landmarks show each site larger


def story(h, width: float, ctx) -> list:
    size = BODY_SIZE
    rows = part.in_place(ctx, h, size, width, CALENDAR_LINES)
    return [
        *part.title(ctx, h, size, brief=True),
        *part.route_banner(ctx, h, size, width),
        *_flowing(part.key_points(ctx, h, size, width), size * 6),
        *part.sites_and_depth(ctx, h, size, width, columns=1, picture=PICTURE),
        *part.steps(ctx, h, size, width, pictures=True),
        *part.problems(ctx, h, size),
        *part.side_effects(ctx, h, size, width, stacked=True),
        *_flowing(part.calendar(ctx, h, size, width, rows=rows, note=False, pairs=True), size * 9),
        *_flowing(part.contacts(ctx, h, size, width), size * 6),
        *part.cautions(ctx, h, size),
        *part.needles_and_storage(ctx, h, size),
        *part.dose_log(ctx, h, size, width, after=rows),
    ]


def _flowing(section: list, room: float) -> list:
    """A section whose table may go on over the page: a new page only when less than ``room`` is left
    (its heading and first rows), and the heading not bound to the whole table."""
    if not section:
        return []
    section[0].keepWithNext = 0
    return [CondPageBreak(room), *section]
