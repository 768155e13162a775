"""Section builders shared by the layouts.

Each function turns one Handout section into flowables at a given text size
and width; a layout module only picks the order, the columns and the size.
"""

from __future__ import annotations

from reportlab.platypus import Paragraph

from handouts import diagrams, theme
from handouts.blocks import CheckItem, TickBox, figure, gap, grid, heading, mark, para, styles, text
from handouts.model import Handout

ROUTE_COLOUR = {"intramuscular": theme.ROUTE_IM, "subcutaneous": theme.ROUTE_SC}
TIER_COLOUR = {"expected": theme.TIER_EXPECTED, "call": theme.TIER_CALL, "emergency": theme.TIER_EMERGENCY}


def title(h: Handout, size: float) -> list:
    s = styles(size)
    who = (f"For <b>{text(h.patient_name)}</b> · {text(h.medication)} {text(h.strength)} · "
           f"issued {text(h.issued)} · prescribed by {text(h.prescriber_name)}")
    return [heading(f"Your {h.medication} injection guide", 1, s["h1"]), para(who, s["body"]), gap(size * 0.6)]


def route_banner(h: Handout, size: float, width: float) -> list:
    """The route, impossible to mistake: words, a coloured band, and a route-specific icon."""
    s = styles(size)
    icon_size = size * 4.2
    words = [
        para(text(h.route_full), s["route"]),
        para(text(h.route_not), s["route_sub"]),
    ]
    table = grid(
        [[figure(diagrams.route_icon(h.route, icon_size), _icon_alt(h)), words]],
        [icon_size + size, width - icon_size - size],
        [("BACKGROUND", (0, 0), (-1, -1), ROUTE_COLOUR[h.route]),
         ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
         ("LEFTPADDING", (0, 0), (-1, -1), size * 0.6), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.6),
         ("TOPPADDING", (0, 0), (-1, -1), size * 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.6)],
        role="Div",
    )
    out = [table]
    if h.off_label:
        out += [gap(size * 0.3), para(f"<b>Note:</b> {text(h.off_label)}", s["body"])]
    return out + [gap(size * 0.6)]


def _icon_alt(h: Handout) -> str:
    if h.route == "intramuscular":
        return "Icon: a needle going straight down through skin and fat into muscle."
    return "Icon: a needle going in at a slant into a pinched fold of skin and fat."


def dose_and_schedule(h: Handout, size: float, width: float, columns: int = 2) -> list:
    s = styles(size)
    dose = [
        heading(h.headings["dose"], 2, s["h2"]),
        para(f"{text(h.dose_ml)} ({text(h.dose_mcg)})", s["dose"]),
        para(f"<b>Needle:</b> {text(h.needle)}", s["body"]),
    ]
    when = [heading(h.headings["schedule"], 2, s["h2"])] + [
        mark(Paragraph(f"• {text(line)}", s["body"]), "LI") for line in h.schedule
    ]
    if columns == 1:
        return dose + when
    return [columns([dose, when], width, [0.42, 0.58], size)]


def sites_and_depth(h: Handout, size: float, width: float, columns: int = 2) -> list:
    """The body map with the prescribed sites, the depth cross-section, and landmarks in words."""
    s = styles(size)
    if columns == 2:
        pic_w = width * 0.5 - size
        body = figure(diagrams.body_map(_marks(h), pic_w, pic_w * 0.95), h.body_alt)
        depth = figure(diagrams.cross_section(h.route, h.angle, h.needle_mm, pic_w, pic_w * 0.72,
                                              needle_label=f"{h.needle_length} needle"), h.depth_alt)
        pictures = columns([[heading(h.headings["sites"], 2, s["h2"]), body],
                             [heading(h.headings["depth"], 2, s["h2"]), depth, para(text(h.angle_words), s["body"])]],
                            width, [0.5, 0.5], size)
        out = [pictures]
    else:
        pic_w = width * 0.8
        out = [heading(h.headings["sites"], 2, s["h2"]),
               figure(diagrams.body_map(_marks(h), pic_w, pic_w * 0.8), h.body_alt),
               heading(h.headings["depth"], 2, s["h2"]),
               figure(diagrams.cross_section(h.route, h.angle, h.needle_mm, pic_w, pic_w * 0.6,
                                             needle_label=f"{h.needle_length} needle"), h.depth_alt),
               para(text(h.angle_words), s["body"])]
    out.append(para(text(h.diagram_caption), s["small"]))
    for site in h.sites:
        out.append(para(f"<b>{site.number}. {text(site.label[0].upper() + site.label[1:])}</b> "
                        f"({text(site.technical)}): {text(site.landmarks)}", s["body"]))
    out += [para(text(h.rotation), s["body"]), gap(size * 0.4)]
    return out


def _marks(h: Handout) -> list[tuple[str, str | None, str]]:
    return [(site.site_id, site.side, str(site.number)) for site in h.sites]


def steps(h: Handout, size: float) -> list:
    s = styles(size)
    items = [CheckItem(i, para(text(step), s["body"]), size * 1.05, s["bold"]) for i, step in enumerate(h.steps, 1)]
    out = [heading(h.headings["steps"], 2, s["h2"]), *items]
    if h.training:
        out.append(para(f"<b>{text(h.training)}</b>", s["body"]))
    return out


def calendar(h: Handout, size: float, width: float) -> list:
    s = styles(size)
    header = [para("<b>Dose</b>", s["cell"]), para("<b>Date</b>", s["cell"]),
              para("<b>Site</b>", s["cell"]), para("<b>Done</b>", s["cell"])]
    rows = [header] + [
        [para(str(d.number), s["cell"]), para(text(d.date), s["cell"]), para(text(d.site), s["cell"]),
         TickBox(size * 1.05)]
        for d in h.calendar
    ]
    widths = [width * 0.11, width * 0.3, width * 0.45, width * 0.14]
    table = grid(rows, widths, [
        ("GRID", (0, 0), (-1, -1), 0.5, theme.RULE),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), size * 0.15), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.25),
    ], header_rows=1)
    return [heading(h.headings["calendar"], 2, s["h2"]), table, para(text(h.calendar_note), s["small"])]


def side_effects(h: Handout, size: float, width: float) -> list:
    """Three tiers, told apart by a word-symbol and a title as well as by colour."""
    s = styles(size)
    rows, style = [], [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 1, theme.TIER_EDGE),
                       ("LINEBELOW", (0, 0), (-1, -2), 1, theme.TIER_EDGE),
                       ("TOPPADDING", (0, 0), (-1, -1), size * 0.4), ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.5)]
    for i, tier in enumerate(h.tiers):
        body = [para(f"<b>{text(tier.title)}</b> — {text(tier.lead)}", s["cell"])]
        body += [mark(Paragraph(f"• {text(item)}", s["cell"]), "LI") for item in tier.items]
        if tier.action:
            body.append(para(f"<b>{text(tier.action)}</b>", s["cell"]))
        rows.append([para(f"<b>{text(tier.symbol)}</b>", s["cell"]), body])
        style.append(("BACKGROUND", (0, i), (-1, i), TIER_COLOUR[tier.key]))
    return [heading(h.headings["side_effects"], 2, s["h2"]),
            grid(rows, [size * 4.2, width - size * 4.2], style)]


def contacts(h: Handout, size: float, width: float) -> list:
    s = styles(size)
    rows = [[para(f"<b>{text(k)}</b>", s["cell"]), para(text(v), s["cell"])] for k, v in h.contacts]
    out = [heading(h.headings["contacts"], 2, s["h2"]),
           grid(rows, [width * 0.32, width * 0.68], [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                      ("LINEBELOW", (0, 0), (-1, -1), 0.5, theme.RULE)])]
    if h.notes:
        out += [heading(h.headings["notes"], 2, s["h2"]), para(text(h.notes), s["body"])]
    return out


def bullets(title_text: str, items, size: float, lead: str = "") -> list:
    s = styles(size)
    out = [heading(title_text, 2, s["h2"])]
    if lead:
        out.append(para(text(lead), s["body"]))
    return out + [mark(Paragraph(f"• {text(item)}", s["body"]), "LI") for item in items]


def safety_notes(h: Handout, size: float) -> list:
    out = bullets(h.headings["cautions"], h.cautions, size)
    if h.wrong_route:
        out.append(para(f"<b>{text(h.wrong_route)}</b>", styles(size)["body"]))
    out += bullets(h.headings.get("sharps", "Needles and sharps"), h.sharps, size)
    out += bullets(h.headings.get("storage", "Storing your medicine"), h.storage, size)
    if h.why:
        out.append(para(text(h.why), styles(size)["body"]))
    return out


def columns(cells: list[list], width: float, shares: list[float], size: float):
    """Side-by-side blocks; read left column first."""
    return grid([cells], [width * f for f in shares], [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), size * 0.8),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ], role="Div")

