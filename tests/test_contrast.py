"""Every text colour on its background meets WCAG 2.1 AA (4.5:1), computed from the theme."""

from __future__ import annotations

import pytest

from handouts import theme

AA_NORMAL_TEXT = 4.5


def _luminance(colour) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour.rgb())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("name", sorted(theme.TEXT_ON_BACKGROUND))
def test_text_colours_meet_wcag_aa(name):
    fg, bg = theme.TEXT_ON_BACKGROUND[name]
    assert contrast(fg, bg) >= AA_NORMAL_TEXT, f"{name}: {contrast(fg, bg):.2f}:1"


def test_contrast_formula_matches_wcag_examples():
    from reportlab.lib import colors
    assert contrast(colors.black, colors.white) == pytest.approx(21.0)
    assert contrast(colors.HexColor("#777777"), colors.white) == pytest.approx(4.48, abs=0.01)
