"""A language's wording: its text file, and dates, numbers and units as its readers write them.

Patient-facing words come from the content library's text file for the
language (``content/text/<tag>.yaml``); dates, decimal marks, digit grouping,
list joining and time spans come from CLDR through Babel, so "martes, 1 de
diciembre de 2026" and "0,5 mL" need no hand-written rule and never depend on
the machine's locale. Babel is imported when the first handout is worded, not
when the command starts, and every formatted value is remembered: the same
dates and doses recur from one handout of a batch to the next.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import lru_cache

from .memo import Memo


class Wording:
    """Formatting for one language; made once per library and language (``content.Library.wording``).

    ``text`` is the language's resolved text file. Its ``locale`` names the
    CLDR locale ("en_US", "es"); ``dates`` gives a CLDR pattern or format
    name for the calendar (``short``) and for running text (``long``);
    ``numbers.group_from`` is the smallest number written with a thousands
    separator (10000 where, as in Spanish and the BNF, "1000" is not split);
    ``units`` gives each unit as a template ("{n} mcg") or, with ``cldr``,
    as a CLDR unit that Babel words and puts in the plural.
    """

    def __init__(self, text: dict):
        self.text = text
        self.tag = text.get("language", "en-US")
        self._locale_id = text.get("locale", self.tag.replace("-", "_"))
        self._numbers = text.get("numbers") or {}
        self._units = text.get("units") or {}
        self._dates = text.get("dates") or {}
        self._memo = Memo(4096)
        self._lock = threading.Lock()
        self._locale = None

    @property
    def locale(self):
        if self._locale is None:
            with self._lock:
                if self._locale is None:
                    self._locale = _locale(self._locale_id)
        return self._locale

    def _remember(self, key, make):
        return self._memo.get_or_make(key, make)

    # --- dates ------------------------------------------------------------

    def date(self, day: dt.date, style: str = "short") -> str:
        """A date as the language writes it: "Tue, Dec 1, 2026", "martes, 1 de diciembre de 2026"."""
        return self._remember(("date", day, style), lambda: self._format_date(day, style))

    def _format_date(self, day: dt.date, style: str) -> str:
        from babel.dates import format_date

        return format_date(day, self._dates.get(style, "medium"), locale=self.locale)

    def weekday(self, index: int) -> str:
        """A weekday name (0 = Monday), from the text file's own list when it has one (plural forms)."""
        own = self.text.get("schedule", {}).get("weekdays")
        if own:
            return own[index]
        return self.locale.days["format"]["wide"][index]

    # --- numbers and units -------------------------------------------------

    def number(self, value: float) -> str:
        """ISMP style in the locale's marks: leading zero, no trailing zero ("0.5", "0,5", "1,000", "1000")."""
        return self._remember(("number", value), lambda: self._format_number(value))

    def _format_number(self, value: float) -> str:
        from babel.numbers import format_decimal

        rounded = round(value, 2)
        grouped = abs(rounded) >= self._numbers.get("group_from", 1000)
        return format_decimal(rounded, format="#,##0.##", locale=self.locale, group_separator=grouped)

    def unit(self, value: float, unit: str) -> str:
        """``value`` in ``unit`` (mcg, mg, ml, mm, inch): "1,000 mcg", "1000 microgramos"."""
        return self._remember(("unit", value, unit), lambda: self._format_unit(value, unit))

    def _format_unit(self, value: float, unit: str) -> str:
        spec = self._units.get(unit, "{n} " + unit)
        if isinstance(spec, str):
            return spec.format(n=self.number(value))
        from babel.units import format_unit

        return format_unit(round(value, 2), spec["cldr"], length=spec.get("length", "long"), locale=self.locale,
                           format="#,##0.##" if abs(value) >= self._numbers.get("group_from", 1000) else "0.##")

    def ml(self, value: float) -> str:
        return self.unit(value, "ml")

    def amount(self, mcg: float, unit: str = "mcg") -> str:
        """A dose in the label's own unit first: "1 mg (1,000 mcg)" for a mg label, "1,000 mcg" otherwise."""
        if unit == "mg":
            return self.text["amount_mg"].format(mg=self.unit(mcg / 1000, "mg"), mcg=self.unit(mcg, "mcg"))
        return self.unit(mcg, "mcg")

    def dose(self, ml: float, mcg: float, unit: str = "mcg") -> str:
        """What to draw up and what it holds, the same way everywhere: "1 mL = 1 mg (1,000 mcg)"."""
        return self.text["dose_line"].format(ml=self.ml(ml), amount=self.amount(mcg, unit))

    def strength(self, mcg_per_ml: float, unit: str) -> str:
        """The strength as the label writes it: "1 mg/mL" or "1,000 mcg/mL"."""
        mass = self.unit(mcg_per_ml / 1000, "mg") if unit == "mg" else self.unit(mcg_per_ml, "mcg")
        return self.text["per_ml"].format(amount=mass)

    def needle_length(self, mm: float, spoken: bool = False) -> str:
        """"1 in (25 mm)" for a needle sold in inches, "8 mm" for a metric one, in the language's order.

        ``spoken`` gives running text's form ("1 inch (25 mm)"): "1 in long" reads as a preposition.
        """
        from .units import inches

        size = inches(mm)
        metric = self.unit(round(mm), "mm")
        if not size:
            return metric
        # "1½ in", never "1 1/2 in", which reads as "11/2" once printed
        whole = size.removesuffix(" in").replace("1 1/4", "1\u00bc").replace("1 1/2", "1\u00bd")
        inch = self.text["units"]["inch_words" if spoken else "inch"]
        return self.text["needle_length"].format(inches=inch.format(n=whole), mm=metric)

    def span(self, count: int, unit: str) -> str:
        """A time span in words, put in the plural by CLDR: "2 weeks", "1 semana"."""
        from babel.units import format_unit

        return self._remember(("span", count, unit), lambda: format_unit(
            count, f"duration-{unit}", length="long", locale=self.locale))

    def join(self, words: list[str]) -> str:
        """"a, b and c" in the language (CLDR list patterns)."""
        if len(words) <= 1:
            return "".join(words)
        from babel.lists import format_list

        return format_list(list(words), locale=self.locale)


@lru_cache(maxsize=16)
def _locale(identifier: str):
    from babel import Locale

    return Locale.parse(identifier)
