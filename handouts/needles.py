"""Needle length by body weight, read from the route's CDC/IAC bands in routes.yaml.

The safety check and the depth drawing both ask this one place, so the
picture's fat layer and the refusal of a too-short needle follow the same band.
"""

from __future__ import annotations

SKIN_MM = 2.0
INTO_MUSCLE_MM = 4.0   # the drawing puts the band's shortest needle this far into the muscle


def band(route: dict, weight_kg: float | None) -> tuple[float, float] | None:
    """(shortest, longest) usual needle in mm for this weight, or None without a weight or bands."""
    bands = route.get("weight_bands")
    if not weight_kg or not bands:
        return None
    found = next((b for b in bands if weight_kg <= b["max_kg"]), bands[-1])
    return found["needle_mm"]["min"], found["needle_mm"]["max"]


def fat_mm(route: dict, weight_kg: float | None, needle_mm: float, confirmed: bool) -> float | None:
    """Fat to draw under the skin so the picture matches the rule: the band's shortest needle just
    reaches the muscle. A short needle the clinician confirmed is drawn reaching it too (the
    clinician has judged this patient); None keeps the drawing's usual layer."""
    usual = band(route, weight_kg)
    if usual is None:
        return None
    reach = min(usual[0], needle_mm) if confirmed else usual[0]
    return max(reach - INTO_MUSCLE_MM - SKIN_MM, 4.0)
