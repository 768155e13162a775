"""Colours used on the page.

Every text colour here is chosen for at least 4.5:1 contrast on the background
it is printed on (WCAG 2.1 AA); tests compute the ratios from these values.
Meaning is never carried by colour alone: each tier and route also has words
and a symbol.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor

INK = HexColor("#1a1a1a")           # body text on white
MUTED = HexColor("#4a4a4a")         # captions on white (8.9:1)
PAPER = HexColor("#ffffff")
RULE = HexColor("#8a8a8a")          # lines, decoration only

ROUTE_IM = HexColor("#0b3d91")      # dark blue band, white text
ROUTE_SC = HexColor("#6a1b6a")      # dark plum band, white text
# The bands also differ in pattern, so a black-and-white copy still tells them
# apart: white stripes at the needle's own angle (upright for the muscle,
# slanted for under the skin), in a strip at the band's end.
ROUTE_STRIPES = {"intramuscular": 90, "subcutaneous": 45}

TIER_EXPECTED = HexColor("#e8f1e8")  # light backgrounds, INK text on them
TIER_CALL = HexColor("#fff1cc")
TIER_EMERGENCY = HexColor("#fbe0e0")
TIER_EDGE = HexColor("#1a1a1a")
HEADER_FILL = HexColor("#eeeeee")   # table header rows, INK text

SKIN = HexColor("#f3d3bd")
FAT = HexColor("#fbeaa5")
MUSCLE = HexColor("#d98c8c")
BODY_FILL = HexColor("#eef2f7")
BODY_LINE = HexColor("#3b4a5a")
SITE_MARK = HexColor("#b00020")
NEEDLE = HexColor("#333333")
HAND = HexColor("#efc8a4")          # hands in the close-ups and technique pictures, outlined in ink
GLASS = HexColor("#e3f1f6")          # vial and ampoule glass
LIQUID = HexColor("#e58a96")         # the medicine (vitamin B12 is red)
AVOID = HexColor("#d9d2f0")         # an area to keep out of (hatched too, for black-and-white copies)

# Pairs (text, background) that the contrast test checks.
TEXT_ON_BACKGROUND = {
    "body": (INK, PAPER),
    "caption": (MUTED, PAPER),
    "route_im": (PAPER, ROUTE_IM),
    "route_sc": (PAPER, ROUTE_SC),
    "tier_expected": (INK, TIER_EXPECTED),
    "tier_call": (INK, TIER_CALL),
    "tier_emergency": (INK, TIER_EMERGENCY),
    "site_number": (PAPER, SITE_MARK),
    "diagram_label": (INK, BODY_FILL),
    "layer_skin": (INK, SKIN),
    "layer_fat": (INK, FAT),
    "layer_muscle": (INK, MUSCLE),
    "table_header": (INK, HEADER_FILL),
}
