"""Section builders shared by the layouts.

Each function turns one Handout section into flowables at a given text size
and width; a layout module only picks the order, the columns and the size.
"""

from __future__ import annotations

import math

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, PageBreak
from reportlab.platypus.flowables import ImageAndFlowables

from handouts import closeups, diagrams, forms, tagging, technique, theme
from handouts.blocks import CheckItem, Drawn, TickBox, figure, gap, grid, heading, item, para, text, text_floor
from handouts.columns import Columns, Together
from handouts.model import Handout

ROUTE_COLOUR = {"intramuscular": theme.ROUTE_IM, "subcutaneous": theme.ROUTE_SC}
TIER_COLOUR = {"expected": theme.TIER_EXPECTED, "call": theme.TIER_CALL, "emergency": theme.TIER_EMERGENCY}


def title(ctx, h: Handout, size: float, brief: bool = False) -> list:
    """The title, what the handout is for, and whose it is (``brief``: name and prescriber only;
    the strength is in the supplies and the date in the footer)."""
    s = ctx.styles(size)
    words = h.document
    who = text(words["byline_brief" if brief else "byline"]).format(
        name=f"<b>{text(h.patient_name)}</b>", medication=text(h.medication), strength=text(h.strength),
        issued=text(h.issued), issued_long=text(h.issued_long), prescriber=text(h.prescriber_name))
    purpose = [para(f"<b>{text(h.purpose)}</b>", s["body"])] if h.purpose else []
    return [heading(words["heading"].format(medication=h.medication), 1, s["h1"]), *purpose, para(who, s["body"]),
            gap(size * 0.6)]


def route_banner(ctx, h: Handout, size: float, width: float) -> list:
    """The route, impossible to mistake: words, a coloured band, and a route-specific icon."""
    s = ctx.styles(size)
    icon_size = size * 4.2
    words = [
        para(text(h.route_full), s["route"]),
        para(text(h.route_not), s["route_sub"]),
    ]
    strip = size * 2.4
    table = grid(
        [[figure(diagrams.route_icon(ctx, h.route, icon_size), h.icon_alt), words,
          Decoration(diagrams.route_stripes(ctx, h.route, strip, icon_size + size * 1.1))]],
        [icon_size + size, width - icon_size - size - strip, strip],
        [("BACKGROUND", (0, 0), (-1, -1), ROUTE_COLOUR[h.route]),
         ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
         ("LEFTPADDING", (0, 0), (-1, -1), size * 0.6), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.6),
         ("TOPPADDING", (0, 0), (-1, -1), size * 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.6),
         ("LEFTPADDING", (2, 0), (2, 0), 0), ("RIGHTPADDING", (2, 0), (2, 0), 0),
         ("TOPPADDING", (2, 0), (2, 0), 0), ("BOTTOMPADDING", (2, 0), (2, 0), 0)],
        role=None,
    )
    out = [table]
    if h.off_label:
        out += [gap(size * 0.3), para(f"<b>{text(h.document['note'])}</b> {text(h.off_label)}", s["body"])]
    return out + [gap(size * 0.6)]


class Decoration(Drawn):
    """A drawing that only decorates (the band's stripes): screen readers skip it."""

    role = "Artifact"

    def draw(self):
        with tagging.of(self.canv).artifact():
            forms.draw(self.drawing, self.canv)


def dose_and_schedule(ctx, h: Handout, size: float, width: float, columns: int = 2, schedule: bool = True) -> list:
    """The dose and the needle, then when to inject (``schedule=False``: the key points already list the phases)."""
    s = ctx.styles(size)
    dose = [
        heading(h.headings["dose"], 2, s["h2"]),
        *([para(text(h.dose_lines[0]), s["dose"])] if len(h.dose_lines) == 1 else
          [para(f"<b>{text(h.calendar_words['changes'])}</b>", s["body"])]),
        *([para(text(h.dose_units), s["small"])] if h.dose_units else []),
        para(f"<b>{text(h.document['needle'])}</b> {text(h.needle)}", s["body"]),
        *([para(text(h.needle_words), s["small"])] if h.needle_words else []),
    ]
    when = [heading(h.headings["schedule"], 2, s["h2"])] + [
        item(text(line), s["body"]) for line in h.schedule
    ]
    if columns == 1:
        return dose + (when if schedule else [])
    share = 0.42 if len(h.dose_lines) == 1 else 0.34   # doses that change are listed under "When to inject" too
    return [side_by_side([dose, when], width, [share, 1 - share], size)]


def sites_and_depth(ctx, h: Handout, size: float, width: float, columns: int = 3, picture: float = 0.31,
                    grow: float | None = 0.0) -> list:
    """The body map with the prescribed sites, the depth cross-section, and landmarks in words.

    ``columns=3`` puts map, depth and landmarks side by side; ``1`` stacks them
    (large print), with the pictures as wide as the text. Side by side, each
    site's close-up goes under the shortest column if the row grows by no
    more than ``grow`` points, so it never pushes the row off its page
    (``None``: none there, the layout shows them beside the steps);
    stacked, it follows the site's words. Stacked, the body map is
    ``picture`` of the width high, and the landmarks go without the caption
    and the medical names (the picture labels say whose left and right).
    """
    s = ctx.styles(size)
    if columns == 3:
        pic_w = width * picture
        body = [heading(h.headings["sites"], 2, s["h2"]),
                figure(_body_map(ctx, h, pic_w, pic_w * 1.1, size), h.body_alt)]
        depth = [heading(h.headings["depth"], 2, s["h2"]), _depth(ctx, h, pic_w, pic_w * 0.8, size),
                 para(text(h.angle_words), s["small"])]
        share = picture + 0.025
        words = [gap(s["h2"].leading + s["h2"].spaceBefore), *_landmarks(ctx, h, s["small"])]
        cells, shares = [body, depth, words], [share, share, 1 - 2 * share]
        heights = [_height(cell, width * f - size * 0.8) for cell, f in zip(cells, shares, strict=True)]
        tallest = max(heights) + (grow or 0.0)
        for place in h.places if grow is not None else ():
            # each close-up under the shortest column, if the row grows no more than ``grow``
            i = min(range(3), key=heights.__getitem__)
            spot = closeups.figures(ctx, place, width * shares[i] - size * 0.8, _figure_text(size), h.pictures,
                                    longest=15)
            added = _height(spot, width * shares[i] - size * 0.8)
            if spot and heights[i] + added <= tallest:
                cells[i] += spot
                heights[i] += added
        return [side_by_side(cells, width, shares, size),
                para(text(h.rotation), s["body"]), gap(size * 0.3)]
    pic_w = width
    return [heading(h.headings["sites"], 2, s["h2"]),
            figure(_body_map(ctx, h, pic_w, pic_w * picture, size), h.body_alt),
            *_landmarks(ctx, h, s["body"], width, _figure_text(size), plain=True),
            para(text(h.rotation), s["body"]),
            heading(h.headings["depth"], 2, s["h2"]),
            _depth(ctx, h, pic_w, pic_w * picture * 0.8, size),
            para(text(h.angle_words), s["body"])]


def _body_map(ctx, h: Handout, width: float, height: float, size: float):
    return diagrams.body_map(ctx, _marks(h), width, height, text_size=_figure_text(size), words=h.pictures)


def _depth(ctx, h: Handout, width: float, height: float, size: float):
    """Skin, fat and muscle from the side, the needle in them at its angle and length."""
    label = h.document["needle_picture"].format(length=h.needle_length)
    return figure(diagrams.cross_section(ctx, h.route, h.angle, h.needle_mm, width, height, needle_label=label,
                                         text_size=_figure_text(size), fat_mm=h.fat_mm, words=h.layers), h.depth_alt)


def _figure_text(size: float) -> float:
    """Labels inside pictures: the layout's smallest text, as large as the body in large print."""
    return text_floor(size)


def _landmarks(ctx, h: Handout, style, width: float = 0.0, label_size: float = 0.0, plain: bool = False) -> list:
    """Each place in words; with a ``width``, each followed by its close-up with the landmarks drawn.

    ``plain`` leaves out the caption and the medical names (large print).
    """
    out = [] if plain else [para(text(h.diagram_caption), style)]
    for place in h.places:
        medical = f" ({text(place.technical)})" if place.technical and not plain else ""
        out.append(para(f"<b>{place.numbers}. {text(place.label[0].upper() + place.label[1:])}</b>"
                        f"{medical}. {text(place.landmarks)}", style))
        if width:
            # 12 labels' heights wide: beside 18 pt words a close-up need not be wider to read
            out += closeups.figures(ctx, place, width, label_size, h.pictures, longest=12)
    return out


def _height(flowables: list, width: float) -> float:
    return sum(f.wrap(width, 1e6)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def _marks(h: Handout) -> list[tuple[str, str | None, str]]:
    return [(site.site_id, site.side, str(site.number)) for site in h.sites]


def steps(ctx, h: Handout, size: float, width: float, columns: int = 1, pictures: bool = False,
          beside: float = 0.0) -> list:
    """The numbered checklist; in two columns it reads down the left column first.

    With ``pictures`` each run of hands-on steps has its picture
    (technique.py): panels under the steps for getting the dose into the
    syringe, the hand on the skin beside the steps it shows. With ``beside``
    (a share of the width) the pictures and each site's close-up stand in
    a column to the right of the steps, in the order the steps use them.
    """
    s = ctx.styles(size)
    items = [CheckItem(i, para(text(step), s["body"]), size * 1.05, s["bold"]) for i, step in enumerate(h.steps, 1)]
    out = [heading(h.headings["steps"], 2, s["h2"])]
    if columns == 2:
        half = (len(items) + 1) // 2
        out.append(side_by_side([items[:half], items[half:]], width, [0.5, 0.5], size))
    elif beside:
        out += _beside(ctx, h, items, size, width, beside)
    elif pictures:
        out += _with_pictures(ctx, h, items, size, width)
    else:
        out += items
    if h.training:
        out.append(para(f"<b>{text(h.training)}</b>", s["body"]))
    return out


def _with_pictures(ctx, h: Handout, items: list, size: float, width: float) -> list:
    label = _figure_text(size)
    out, done = [], 0
    for first, count, key, alt in h.step_pictures:
        out += items[done:first]
        run, done = items[first:first + count], first + count
        if key in technique.PICTURES:      # a row of panels under its steps
            strip = technique.drawing(ctx, key, min(width, label * 40), label, h.pictures, 4, h.technique)
            out += [*run, figure(strip, alt), gap(size * 0.3)]
        else:                              # one picture, its steps flowing beside it
            picture = technique.drawing(ctx, key, width * 0.42, label, h.pictures, 1, h.technique)
            out.append(ImageAndFlowables(technique.Stack([figure(picture, alt)], 0), run, imageSide="right",
                                         imageLeftPadding=size * 0.8, imageRightPadding=0))
    return out + items[done:]


def _beside(ctx, h: Handout, items: list, size: float, width: float, share: float) -> list:
    """The steps flowing beside their pictures, each picture level with the first step it shows.

    The first picture stands beside its own steps; each later one beside the
    steps from the end of the run before (the last, to the end of the list),
    and the text goes on at full width below a picture taller than its steps
    (platypus's ImageAndFlowables). Each site's close-up (finding the spot)
    stands above the last picture, the hand on the skin with the needle's
    angle. Close-ups that would make that column taller than ``size * 40``
    (about two thirds of a page) follow the steps instead, so a column
    always fits its page.
    """
    label, room, space = _figure_text(size), width * share - size * 0.8, size * 0.6
    runs = [(first, first + count, [figure(technique.drawing(ctx, key, room, label, h.pictures, 2, h.technique),
                                           alt)])
            for first, count, key, alt in h.step_pictures]
    spots, after = [], []
    free = size * 40 - (runs[-1][2][0].height if runs else 0)
    for place in h.places:
        spot = closeups.figures(ctx, place, room, label, h.pictures, longest=20)
        if spot and spot[-1].height + space <= free:
            free -= spot[-1].height + space
            spots.append(spot[-1])
        else:
            after += spot
    if runs:
        runs[-1][2][:0] = spots
    elif spots:                     # no technique pictures: the close-ups beside all the steps
        runs = [(0, len(items), spots)]
    if not runs:
        return items + after
    done = runs[0][0]
    out = items[:done]
    for i, (_, end, column) in enumerate(runs):
        beside = items[done:end if i < len(runs) - 1 else len(items)]
        done += len(beside)
        out.append(ImageAndFlowables(technique.Stack(column, space), beside, imageSide="right",
                                     imageLeftPadding=size * 0.8, imageRightPadding=0, imageTopPadding=0))
    return out + after


def in_place(ctx, h: Handout, size: float, width: float, lines: int) -> int:
    """How many doses fit in a calendar ``width`` wide with room for ``lines`` one-line rows.

    A row takes as many lines as its dose and site wrap to, so long doses
    ("0.03 mL = 0.03 mg (30 mcg)") move more rows to the dose log instead of
    pushing the page over.
    """
    styles = ctx.styles(size)
    column = width - sum(_fixed_columns(ctx, h, h.calendar, size)) - size * 0.6   # less the cell padding

    def wrapped(words: str, style) -> int:
        return max(1, math.ceil(stringWidth(words, style.fontName, style.fontSize) / column)) if words else 0

    used = 2 * len(h.calendar_notes)     # each note above the table takes about two lines
    for shown, dose in enumerate(h.calendar):
        used += wrapped(dose.amount, styles["cell_bold"]) + wrapped(dose.site, styles["cell"])
        if used > lines:
            return shown
    return len(h.calendar)


def _fixed_columns(ctx, h: Handout, doses, size: float) -> list[float]:
    """Widths of the number, date and tick-box columns: as wide as their words, no wider."""
    style, bold = ctx.styles(size)["cell"], ctx.styles(size)["cell_bold"]
    pad = size * 0.6 + 1

    def room(cells, header: str) -> float:
        widths = [stringWidth(cell, style.fontName, style.fontSize) for cell in cells]
        return max([stringWidth(header, bold.fontName, bold.fontSize), *widths]) + pad

    words = h.calendar_words
    return [room([str(doses[-1].number) if doses else "0"], "#"), room([d.date for d in doses], words["date"]),
            max(room([], words["done"]), size * 1.05 + pad)]


def calendar(ctx, h: Handout, size: float, width: float, rows: int, note: bool = True, pairs: bool = False) -> list:
    """The dose calendar in its place: the first ``rows`` doses (see in_place), and where the rest continue.

    Doses never vanish: those that do not fit here go on the dose log
    (``dose_log``), and this section says which doses are there. ``pairs``
    sets two doses a row when every dose is in place, at home and the same
    (see _dose_pairs).
    """
    s = ctx.styles(size)
    words = h.calendar_words
    table = _dose_pairs(ctx, h, size, width) if pairs and len(h.calendar) <= rows else None
    out = [heading(h.headings["calendar"], 2, s["h2"]), *_calendar_notes(h, s),
           table or _dose_table(ctx, h, h.calendar[:rows], size, width)]
    if len(h.calendar) > rows:
        rest = words["continued" if len(h.calendar) > rows + 1 else "continued_one"]
        out.append(para(f"<b>{text(rest.format(first=rows + 1, last=len(h.calendar)))}</b>", s["cell"]))
    elif h.calendar_then:
        out.append(para(f"<b>{text(h.calendar_then)}</b>", s["cell"]))
    return out + ([para(text(h.calendar_note), s["small"])] if note else [])


def dose_log(ctx, h: Handout, size: float, width: float, after: int) -> list:
    """The doses after the first ``after``, on a page of their own headed with the patient's name."""
    if len(h.calendar) <= after:
        return []
    s = ctx.styles(size)
    heading_text = h.calendar_words["log_heading"].format(name=h.patient_name)
    out = [PageBreak(), heading(heading_text, 2, s["h2"]), _dose_table(ctx, h, h.calendar[after:], size, width)]
    if h.calendar_then:
        out.append(para(f"<b>{text(h.calendar_then)}</b>", s["cell"]))
    return out + [para(text(h.calendar_note), s["small"])]


def doses_to_fit(build, least: int, most: int, line: float) -> list:
    """``build(rows)``: the sections holding the calendar with its first ``rows`` doses, then the dose log.

    As many doses stay in place as the page has room for, never fewer than
    ``least`` (see _RoomForDoses); with ``most`` doses or fewer, all of them.
    ``line`` is the text size, the least height of a dose row.
    """
    return build(most) if most <= least else [_RoomForDoses(build, least, most, line)]


class _RoomForDoses(Flowable):
    """Keeps in place as many doses as fit the room left on the page, the rest going on the dose log.

    A count fixed in advance cannot know how far the sections above reach,
    so it left the foot of the back page empty and the doses on a page of
    their own. Here, when the page says how much room is left, the most
    doses whose sections (``build(rows)[0]``, flowing columns) still fit are
    found by bisection, never fewer than ``least`` (then the sections
    continue over the page as before). The columns fit when splitting them
    to the room leaves one piece: one lay of the columns, where their
    balanced height takes several. It takes no room: what it builds goes
    into the story in its place (platypus's generated content, as DocIf does).
    """

    def __init__(self, build, least: int, most: int, line: float):
        super().__init__()
        self.build, self.least, self.most, self.line = build, least, most, line

    def wrap(self, avail_width, avail_height):
        def fitting(rows: int) -> list | None:
            flowables = self.build(rows)
            return flowables if len(flowables[0].splitOn(self.canv, avail_width, avail_height)) == 1 else None

        # no row is lower than a line of text, in two columns: a bound that keeps a long course's tries small
        low, high = self.least, min(self.most, int(2 * avail_height / self.line))
        chosen = fitting(high) if high > low else None
        if chosen is None:                       # high doses do not fit; low are kept, fitting or not
            while high - low > 1:
                middle = (low + high) // 2
                tried = fitting(middle)
                if tried is None:
                    high = middle
                else:
                    chosen, low = tried, middle
        chosen = chosen or self.build(low)
        self._frame.add_generated_content(*chosen)
        return 0, 0

    def draw(self):
        pass


def _calendar_notes(h: Handout, s: dict) -> list:
    return [para(text(note), s["small"]) for note in h.calendar_notes]


def _dose_pairs(ctx, h: Handout, size: float, width: float):
    """Two doses a row — date, spot number, tick box — in half the height of one a row (large print).

    Only when every dose is at home with the same amount, and the row fits the
    width; the spot numbers are those on the map and in the key points. None
    when it cannot be done.
    """
    doses = h.calendar
    if not doses or any(d.amount or d.clinic for d in doses):
        return None
    s = ctx.styles(size)
    cell, bold, words = s["cell"], s["cell_bold"], h.calendar_words
    pad = size * 0.2

    def room(*texts, style=cell, least: float = 0.0) -> float:
        return max(least, *(stringWidth(t, style.fontName, style.fontSize) for t in texts)) + 2 * pad + 1

    date = max(room(*(d.date for d in doses)), room(words["date"], style=bold))
    spot, done = room(words["site"], style=bold), room(words["done"], style=bold, least=size * 1.05)
    spare = width - 2 * (date + spot + done)
    if spare < 0:
        return None
    rows = [[para(f"<b>{text(words[key])}</b>", cell) for key in ("date", "site", "done") * 2]]
    for first in range(0, len(doses), 2):
        row = []
        for d in doses[first:first + 2]:
            row += [para(text(d.date), cell), para(f"<b>{d.spot}</b>", cell), TickBox(size * 1.05)]
        rows.append(row + [""] * (6 - len(row)))
    widths = [date + spare / 4, spot, done + spare / 4] * 2
    return grid(rows, widths, [
        ("GRID", (0, 0), (-1, -1), 0.5, theme.RULE),
        ("LINEAFTER", (2, 0), (2, -1), size * 0.2, theme.INK),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), size * 0.15), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.25),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
    ], header_rows=1)


def _dose_table(ctx, h: Handout, doses, size: float, width: float):
    """Number, date, site (with the dose above it when doses differ between phases) and a tick box."""
    s = ctx.styles(size)
    words = h.calendar_words
    amounts = any(d.amount for d in doses)
    fixed = _fixed_columns(ctx, h, h.calendar, size)
    where = f"{words['dose']} · {words['site']}" if amounts else words["site"]
    header = [para("<b>#</b>", s["cell"]), para(f"<b>{text(words['date'])}</b>", s["cell"]),
              para(f"<b>{text(where)}</b>", s["cell"]), para(f"<b>{text(words['done'])}</b>", s["cell"])]
    body = []
    for d in doses:
        site = f"<b>{text(d.site)}</b>" if d.clinic else text(d.site)
        if d.amount:
            site = f"<b>{text(d.amount)}</b><br/>{site}"
        body.append([para(str(d.number), s["cell"]), para(text(d.date), s["cell"]), para(site, s["cell"]),
                     TickBox(size * 1.05)])
    return grid([header, *body], [fixed[0], fixed[1], width - sum(fixed), fixed[2]], [
        ("GRID", (0, 0), (-1, -1), 0.5, theme.RULE),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), size * 0.15), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.25),
        ("LEFTPADDING", (0, 0), (-1, -1), size * 0.3), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.3),
    ], header_rows=1)


def side_effects(ctx, h: Handout, size: float, width: float, split_items: bool = False, inline: bool = False,
                 stacked: bool = False) -> list:
    """Three tiers, told apart by a word-symbol and a title as well as by colour.

    ``split_items`` sets long lists in two columns; ``inline`` runs each list
    into one paragraph (the one-page layout); ``stacked`` sets each tier as a
    full-width band that may continue on the next page (large print).
    """
    s = ctx.styles(size)
    if stacked:
        # A band starts on a new page only when its title and first sign would not fit; the
        # heading is held by that room, not bound to the whole first band.
        title = heading(h.headings["side_effects"], 2, s["h2"])
        title.keepWithNext = 0
        bands = [_tier_band(tier, s, size, width) for tier in h.tiers]
        heading_room = title.wrap(width, 1e6)[1] + title.getSpaceBefore() + title.getSpaceAfter()
        (first, room), *rest = bands
        out = [CondPageBreak(room + heading_room), title, first]
        for band, room in rest:
            out += [CondPageBreak(room), band]
        return out
    # Tiers are set apart by a bar and a band of colour, not by ruled lines, so the
    # table does not read as a grid of cells with the calendar below it.
    rows, style = [], [("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("LINEBEFORE", (0, 0), (0, -1), size * 0.35, theme.TIER_EDGE),
                       ("TOPPADDING", (0, 0), (-1, -1), size * 0.4), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.5)]
    symbols = _label_column(s["cell_bold"], [tier.symbol for tier in h.tiers], size * 3.6, 12)
    for i, tier in enumerate(h.tiers):
        body = [para(f"<b>{text(tier.title)}</b> — {text(tier.lead)}", s["cell"])]
        entries = [item(text(entry), s["cell"]) for entry in tier.items]
        if inline:
            body.append(para(" ".join(text(entry) for entry in tier.items), s["cell"]))
        elif split_items and len(entries) > 3:
            half = (len(entries) + 1) // 2
            inner = width - symbols - 12
            body.append(side_by_side([entries[:half], entries[half:]], inner, [0.5, 0.5], size))
        else:
            body += entries
        if tier.action:
            body.append(para(f"<b>{text(tier.action)}</b>", s["cell"]))
        rows.append([para(f"<b>{text(tier.symbol)}</b>", s["cell"]), body])
        style.append(("BACKGROUND", (0, i), (-1, i), TIER_COLOUR[tier.key]))
    return [heading(h.headings["side_effects"], 2, s["h2"]),
            grid(rows, [symbols, width - symbols], style, header_cols=1)]


def _label_column(style, labels: list[str], least: float, padding: float) -> float:
    """A column of one-word labels: ``least`` wide, wider when a language's longest label would break."""
    return max(least, max(stringWidth(label, style.fontName, style.fontSize) for label in labels) + padding + 1)


def _tier_band(tier, s: dict, size: float, width: float):
    """One tier as a tinted band with a bar at its edge, and the height its title and first sign need.

    The title always has its first sign beside it, and a long list goes on
    over the page instead of leaving the rest of this one empty. The band
    leaves out the phone numbers: "Who to call" follows it.
    """
    symbol = "" if tier.title.split()[0] == tier.symbol else f"{text(tier.symbol)} · "
    entries = [item(text(entry), s["body"]) for entry in tier.items]
    lead = [para(f"<b>{symbol}{text(tier.title)}</b> — {text(tier.lead)}", s["body"]), *entries[:1]]
    inner, top, bottom = width - size * 1.0, size * 0.3, size * 0.5
    band = grid([[[Together(lead), *entries[1:]]]], [width], [
        ("BACKGROUND", (0, 0), (-1, -1), TIER_COLOUR[tier.key]),
        ("LINEBEFORE", (0, 0), (0, -1), size * 0.35, theme.TIER_EDGE),
        ("LEFTPADDING", (0, 0), (-1, -1), size * 0.6), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.4),
        ("TOPPADDING", (0, 0), (-1, -1), top), ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ], role=None, split_in_row=True)
    return band, sum(part.wrap(inner, 1e6)[1] for part in lead) + top + bottom + 2


def contacts(ctx, h: Handout, size: float, width: float) -> list:
    s = ctx.styles(size)
    rows = [[para(f"<b>{text(k)}</b>", s["cell"]), para(text(v), s["cell"])] for k, v in h.contacts]
    out = [heading(h.headings["contacts"], 2, s["h2"]),
           grid(rows, [width * 0.37, width * 0.63], [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                      ("LINEBELOW", (0, 0), (-1, -1), 0.5, theme.RULE)],
                header_cols=1)]
    if h.notes:
        out += [heading(h.headings["notes"], 2, s["h2"]), para(text(h.notes), s["body"])]
    return out


def bullets(ctx, title_text: str, items, size: float, lead: str = "") -> list:
    s = ctx.styles(size)
    out = [heading(title_text, 2, s["h2"])]
    if lead:
        out.append(para(text(lead), s["body"]))
    return out + [item(text(entry), s["body"]) for entry in items]


def cautions(ctx, h: Handout, size: float) -> list:
    out = bullets(ctx, h.headings["cautions"], h.cautions, size)
    if h.why:
        out.append(para(text(h.why), ctx.styles(size)["body"]))
    return out


def needles_and_storage(ctx, h: Handout, size: float) -> list:
    return bullets(ctx, h.headings["sharps"], h.sharps, size) + bullets(ctx, h.headings["storage"], h.storage, size)


def flowing_columns(sections: list[list], size: float, count: int = 2) -> Columns:
    """Sections set in balanced columns that may continue on the next page (a long note never breaks the page).

    A section's heading is held to its first block, so a heading never ends a column alone.
    """
    flowables = [f for section in sections if section for f in (Together(section[:2]), *section[2:])]
    return Columns(flowables, count, gap=size * 1.2, needed=size * 6)


def side_by_side(cells: list[list], width: float, shares: list[float], size: float):
    """Side-by-side blocks; read left column first."""
    return grid([cells], [width * f for f in shares], [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.8),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ], role=None)



def key_points(ctx, h: Handout, size: float, width: float) -> list:
    """The page-1 summary in a ruled box: how, dose, when, where, when to call (PEMAT item 11)."""
    s = ctx.styles(size)
    if not h.key_points:
        return []
    label_w = _label_column(s["cell_bold"], [label for label, _ in h.key_points], size * 4.2, size)
    rows = [[para(f"<b>{text(label)}</b>", s["cell"]), para(text(words), s["cell"])] for label, words in h.key_points]
    box = grid(rows, [label_w, width - label_w], [
        ("BOX", (0, 0), (-1, -1), size * 0.15, theme.TIER_EDGE),
        ("BACKGROUND", (0, 0), (-1, -1), theme.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), size * 0.15), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.2),
        ("LEFTPADDING", (0, 0), (-1, -1), size * 0.5), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.5),
        ("TOPPADDING", (0, 0), (-1, 0), size * 0.4), ("BOTTOMPADDING", (0, -1), (-1, -1), size * 0.5),
    ], header_cols=1)
    return [heading(h.headings["key_points"], 2, s["h2"]), box, gap(size * 0.4)]


def supplies(ctx, h: Handout, size: float, needle_words: bool = False) -> list:
    """What to have ready; ``needle_words`` adds what the needle's numbers mean (when no dose section does)."""
    if not h.supplies:
        return []
    words = [para(text(h.needle_words), ctx.styles(size)["body"])] if needle_words and h.needle_words else []
    return bullets(ctx, h.headings["supplies"], h.supplies, size) + words


def problems(ctx, h: Handout, size: float) -> list:
    """What to do when something goes wrong, each problem in bold so the eye finds it.

    Each problem stays whole on its page: a last line alone at the top of
    the next would be read without what it is about.
    """
    if not h.problems:
        return []
    s = ctx.styles(size)
    return [heading(h.headings["problems"], 2, s["h2"])] + [
        Together([item(f"<b>{text(title_words)}.</b> {text(words)}", s["body"])]) for title_words, words in h.problems]
