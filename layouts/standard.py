"""Standard layout: two letter or A4 pages, 12 pt text.

Page one is what to do (route, dose, where, how deep, the steps); page two is
what to keep (calendar, side effects, who to call).
"""

from __future__ import annotations

from reportlab.platypus import PageBreak

from . import _parts as part

NAME = "standard"
DESCRIPTION = "Two pages, 12 pt: the full handout with diagrams, checklist, calendar and side-effect guide."
BODY_SIZE = 12
MARGIN = 40


def story(h, width: float) -> list:
    size = BODY_SIZE
    return [
        *part.title(h, size),
        *part.route_banner(h, size, width),
        *part.dose_and_schedule(h, size, width),
        *part.sites_and_depth(h, size, width),
        *part.steps(h, size),
        PageBreak(),
        *part.side_effects(h, size, width),
        part.columns([part.calendar(h, size, width * 0.55 - size),
                      part.contacts(h, size, width * 0.45)], width, [0.55, 0.45], size),
        *part.safety_notes(h, size),
    ]
