"""Reading and writing the quantities a prescription is made of.

Prescribers write units many ways ("1 mg", "1000 mcg", "5/8 in", "16 mm",
"23G"); the handout must show them one way, ISMP style: mcg not µg, mL not cc,
a leading zero (0.5 mL), no trailing zero (1 mL), commas in large numbers
(1,000 mcg). Parsing failures raise ValueError with a message fit for a person.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

MASS_MCG = {"mcg": 1, "microgram": 1, "micrograms": 1, "µg": 1, "μg": 1, "ug": 1,
            "mg": 1000, "milligram": 1000, "milligrams": 1000}
VOLUME_ML = {"ml": 1, "milliliter": 1, "milliliters": 1, "millilitre": 1, "millilitres": 1, "cc": 1}
LENGTH_MM = {"mm": 1, "cm": 10, "in": 25.4, "inch": 25.4, "inches": 25.4, '"': 25.4}
WEIGHT_KG = {"kg": 1, "kgs": 1, "kilogram": 1, "kilograms": 1,
             "lb": 0.45359237, "lbs": 0.45359237, "pound": 0.45359237, "pounds": 0.45359237}
INTERVAL_UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week",
                  "wks": "week", "month": "month", "months": "month"}
INTERVAL_WORDS = {"daily": (1, "day"), "weekly": (1, "week"), "monthly": (1, "month"),
                  "every day": (1, "day"), "every week": (1, "week"), "every month": (1, "month"),
                  "every other day": (2, "day"), "alternate days": (2, "day"), "fortnightly": (2, "week")}

_NUMBER = r"(?P<num>\d+\s+\d+/\d+|\d+/\d+|\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
_QUANTITY = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>[^\d\s].*?)?\s*$")

# Needle lengths sold in inches; a length within half a millimetre is shown as the fraction.
_INCH_SIZES = ["3/8", "1/2", "5/8", "3/4", "7/8", "1", "1 1/4", "1 1/2", "2"]


def _to_number(text: str) -> float:
    """A decimal, fraction or mixed fraction; ValueError for 1/0 and numbers past a float's range."""
    text = text.replace(",", "").strip()
    try:
        if " " in text:  # mixed fraction "1 1/2"
            whole, frac = text.split()
            number = float(int(whole) + Fraction(frac))
        else:
            number = float(Fraction(text)) if "/" in text else float(text)
    except (ZeroDivisionError, OverflowError):
        raise ValueError(f"{text[:20]!r} is not a number that can be used") from None
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]!r} is too large a number")
    return number


def _split(value: object, units: dict, kind: str, example: str) -> tuple[float, str]:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected {kind} such as {example!r}")
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"{str(value)!r} is not {kind}; write it like {example!r}")
    unit = (match["unit"] or "").strip().lower().rstrip(".")
    if unit not in units:
        known = ", ".join(sorted({u for u in units if u.isascii() and len(u) <= 4}))
        raise ValueError(f"{str(value)!r} has no known unit ({known}); write it like {example!r}")
    number = _to_number(match["num"])
    if number <= 0:
        raise ValueError(f"{str(value)!r} must be more than zero")
    return number, unit


def mass_mcg(value: object) -> float:
    """A mass ("1000 mcg", "1 mg") in micrograms."""
    number, unit = _split(value, MASS_MCG, "an amount of medicine", "1000 mcg")
    return number * MASS_MCG[unit]


class Volume(float):
    """A dose written as a volume (mL) rather than a mass."""


def dose(value: object) -> float:
    """A dose as written: a mass in mcg ("1000 mcg", "1 mg"), or a Volume in mL ("1 mL")."""
    try:
        return mass_mcg(value)
    except ValueError:
        try:
            return Volume(volume_ml(value))
        except ValueError:
            raise ValueError(f"{str(value)!r} is not a dose; write it like '1000 mcg' or '1 mL'") from None


def volume_ml(value: object) -> float:
    """A volume ("1 mL", "0.5 ml", "1 cc") in millilitres."""
    number, unit = _split(value, VOLUME_ML, "a volume", "1 mL")
    return number * VOLUME_ML[unit]


def strength_mcg_per_ml(value: object) -> float:
    """A concentration ("1000 mcg/mL", "1 mg/mL", "5000 mcg/5 mL") in mcg per mL."""
    text = str(value)
    if "/" not in text.replace("1/2", "").replace("5/8", ""):
        raise ValueError(f"{text!r} is not a strength; write it like '1000 mcg/mL'")
    mass, _, per = text.rpartition("/")
    per = per.strip()
    per_ml = volume_ml(per if per[:1].isdigit() else f"1 {per}")
    return mass_mcg(mass) / per_ml


def strength_unit(value: object) -> str:
    """The mass unit a strength is written in ("mg" for "1 mg/mL"), so the handout can echo the label."""
    mass = str(value).rpartition("/")[0]
    number, unit = _split(mass, MASS_MCG, "an amount of medicine", "1000 mcg")
    return "mg" if MASS_MCG[unit] == 1000 else "mcg"


def length_mm(value: object) -> float:
    """A needle length ("1 in", "5/8 in", "1 1/2 inch", "25 mm") in millimetres."""
    number, unit = _split(value, LENGTH_MM, "a needle length", "1 in")
    return number * LENGTH_MM[unit]


def weight_kg(value: object) -> float:
    """A body weight ("62 kg", "140 lb") in kilograms."""
    number, unit = _split(value, WEIGHT_KG, "a body weight", "62 kg")
    return number * WEIGHT_KG[unit]


def gauge(value: object) -> int:
    """A needle gauge (23, "23G", "23 gauge")."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:g|ga|gauge)?\s*", str(value), re.IGNORECASE)
    if isinstance(value, bool) or not match:
        raise ValueError(f"{value!r} is not a needle gauge; write a whole number like 23")
    return int(match[1])


@dataclass(frozen=True)
class Interval:
    """A span of time between doses, or a phase length, in calendar units."""

    count: int
    unit: str  # "day" | "week" | "month"

    def words(self) -> str:
        return f"{self.count} {self.unit}" + ("" if self.count == 1 else "s")


MAX_INTERVAL = {"day": 366, "week": 104, "month": 60}   # beyond these no dose calendar makes sense


def interval(value: object) -> Interval:
    """An interval ("1 day", "2 weeks", "monthly", "every other day")."""
    low, high = interval_range(value)
    if high is not None:
        raise ValueError(f"{value!r} is a range; give one time span here, like '2 weeks'")
    return low


def interval_range(value: object) -> tuple[Interval, Interval | None]:
    """An interval or a range of them ("2 to 3 months", "every 3-4 days"): (shortest, longest or None).

    Ranges are how labels and the BNF write maintenance ("every 2 to 3 months");
    the calendar plans on the shortest gap, so no dose is ever late.
    """
    text = str(value).strip().lower().replace("\u2013", "-").replace("\u2014", "-")
    if isinstance(value, bool) or not text:
        raise ValueError(f"expected a time span such as '1 week', not {value!r}")
    if text in INTERVAL_WORDS:
        return Interval(*INTERVAL_WORDS[text]), None
    match = re.fullmatch(r"(?:every\s+)?(?:(\d+)(?:\s*(?:to|-)\s*(\d+))?\s*)?([a-z]+)", text)
    if not match or match[3] not in INTERVAL_UNITS:
        raise ValueError(f"{value!r} is not a time span; write it like '1 day', '2 weeks', '1 month' "
                         "or a range like '2 to 3 months'")
    unit = INTERVAL_UNITS[match[3]]
    low = int(match[1] or 1)
    high = int(match[2]) if match[2] else None
    for count in (low, high):
        if count is not None and count <= 0:
            raise ValueError(f"{value!r} must be more than zero")
        if count is not None and count > MAX_INTERVAL[unit]:
            raise ValueError(f"{value!r} is too long; at most {MAX_INTERVAL[unit]} {unit}s")
    if high is not None and high <= low:
        raise ValueError(f"{value!r}: the range must go from shorter to longer, like '2 to 3 months'")
    return Interval(low, unit), (Interval(high, unit) if high is not None else None)


# --- writing ---------------------------------------------------------------

def number(value: float) -> str:
    """ISMP style: leading zero, no trailing zero, thousands separated by commas."""
    rounded = round(value, 2)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.2f}".rstrip("0").rstrip(".")


def ml(value: float) -> str:
    return f"{number(value)} mL"


def mcg(value: float) -> str:
    return f"{number(value)} mcg"


def amount(mcg_value: float, unit: str = "mcg") -> str:
    """A dose in the label's own unit first: "1 mg (1,000 mcg)" for a mg label, "1,000 mcg" otherwise."""
    if unit == "mg":
        return f"{number(mcg_value / 1000)} mg ({mcg(mcg_value)})"
    return mcg(mcg_value)


def dose_words(volume: float, mcg_value: float, unit: str = "mcg") -> str:
    """What to draw up and what it holds, the same way everywhere: "1 mL = 1 mg (1,000 mcg)"."""
    return f"{ml(volume)} = {amount(mcg_value, unit)}"


def inches(mm: float) -> str | None:
    """The inch size a needle is sold as, or None when mm is not one."""
    for size in _INCH_SIZES:
        if abs(_to_number(size) * 25.4 - mm) <= 0.5:
            return f"{size} in"
    return None


def needle_length(mm: float) -> str:
    """"1 in (25 mm)" for inch needles, "8 mm" for metric-only ones."""
    size = inches(mm)
    metric = f"{number(round(mm))} mm"
    return f"{size} ({metric})" if size else metric
