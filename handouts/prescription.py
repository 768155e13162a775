"""Reading a prescription file into a typed, normalized ``Prescription``.

The file format (see README and ``handout schema``) is a contract clinics rely
on. Reading is forgiving in spelling (IM / intramuscular, "1 mg" / "1000 mcg")
and strict in meaning: every field is checked, every problem is collected (not
just the first) and reported with its file, line and a fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import fontchain, schema, units, yamlsource
from .content import Library
from .errors import PrescriptionError, Problem, field_name

EXAMPLE = {
    "patient": "patient:\n  name: Maria Lopez",
    "patient.name": "patient:\n  name: Maria Lopez",
    "patient.weight": "patient:\n  weight: 62 kg",
    "patient.language": "patient:\n  language: en",
    "medication": "medication: cyanocobalamin",
    "strength": "strength: 1000 mcg/mL",
    "dose": "dose: 1000 mcg",
    "volume": "volume: 1 mL",
    "route": "route: intramuscular",
    "off_label": "off_label: true",
    "confirm": "confirm: [dorsogluteal]",
    "sites": "sites: [left thigh, right thigh]",
    "needle": "needle: {gauge: 23, length: 1 in}",
    "needle.gauge": "needle: {gauge: 23, length: 1 in}",
    "needle.length": "needle: {gauge: 23, length: 1 in}",
    "schedule": "schedule:\n  start: 2026-12-01\n  phases:\n    - {every: 1 day, count: 7}\n    - {every: 1 month}",
    "schedule.start": "schedule:\n  start: 2026-12-01",
    "schedule.phases": "phases:\n  - {every: 1 week, count: 4}\n  - {every: 1 month}",
    "schedule.phases.every": "phases:\n  - {every: 1 week, count: 4}",
    "schedule.phases.count": "phases:\n  - {every: 1 week, count: 4}",
    "schedule.phases.times": "phases:\n  - {every: 1 week, times: 3, for: 2 weeks}",
    "schedule.phases.for": "phases:\n  - {every: 1 week, times: 3, for: 2 weeks}",
    "schedule.phases.days": "phases:\n  - {every: 1 week, days: [mon, wed, fri], for: 2 weeks}",
    "schedule.phases.until": "phases:\n  - {every: 2 days, until: no further improvement}\n  - {every: 2 months}",
    "schedule.phases.start": "phases:\n  - {every: 2 to 3 months, start: 2027-03-01}",
    "schedule.phases.dose": "phases:\n  - {every: 1 day, count: 7, dose: 1000 mcg}\n"
                            "  - {every: 1 month, dose: 100 mcg}",
    "schedule.phases.volume": "phases:\n  - {every: 1 month, volume: 0.1 mL}",
    "schedule.phases.at": "phases:\n  - {every: 1 day, count: 3, at: clinic}",
    "angle": "angle: 90",
    "form": "form: vial",
    "prescriber": "prescriber:\n  name: Dr. Aisha Chen\n  phone: 555-010-4477",
    "prescriber.name": "prescriber:\n  name: Dr. Aisha Chen",
    "prescriber.phone": 'prescriber:\n  phone: "555-010-4477"',
    "pharmacy": "pharmacy: {name: Main Street Pharmacy, phone: 555-010-2200}",
    "emergency_number": 'emergency_number: "911"',
    "issued": "issued: 2026-11-25",
    "notes": "notes: Bring your sharps container to your next visit.",
}

SIDES = {"left": "left", "l": "left", "lt": "left", "right": "right", "r": "right", "rt": "right"}


WEEKDAYS = {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
            "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
            "sat": 5, "saturday": 5, "sun": 6, "sunday": 6}
PLACES = {"home": False, "clinic": True, "nurse": True}


@dataclass(frozen=True)
class Phase:
    """One stretch of the schedule, as a prescriber writes it.

    It mirrors FHIR R4 ``Timing.repeat`` so other readers can fill it:
    ``every`` ← period/periodUnit, ``every_max`` ← periodMax (a range such as
    "every 2 to 3 months"), ``times`` ← frequency, ``weekdays`` ← dayOfWeek,
    ``count`` ← count, ``duration`` ← boundsDuration; ``until`` is an event
    that ends an open phase (no FHIR field: it is the patient instruction),
    ``start`` a date the clinician chose for this phase's first dose;
    ``dose_mcg``/``volume_ml`` ← doseAndRate for this phase only.
    """

    every: units.Interval
    times: int = 1
    count: int | None = None            # doses in this phase
    duration: units.Interval | None = None
    every_max: units.Interval | None = None
    weekdays: tuple[int, ...] = ()      # chosen weekdays ('days:' in the file), 0 = Monday; every counts weeks
    until: str = ""                     # "no further improvement": open, ends when the clinician says
    start: dt.date | None = None        # the clinician's chosen first date of this phase
    dose_mcg: float | None = None       # this phase's own dose, when it differs
    volume_ml: float | None = None
    at_clinic: bool = False             # a nurse gives these doses at the clinic

    @property
    def ongoing(self) -> bool:
        """No count and no length: the dates go on until the clinician says otherwise."""
        return self.count is None and self.duration is None


@dataclass(frozen=True)
class SiteChoice:
    site: str              # catalogue id
    side: str | None       # "left" | "right" | None
    written: str           # as the prescriber wrote it


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    after_hours: str = ""
    clinic: str = ""
    email: str = ""


@dataclass(frozen=True)
class Prescription:
    """A prescription with every value in one unit and one spelling."""

    file: str
    patient_name: str
    language: str
    weight_kg: float | None
    medication: str
    strength_mcg_per_ml: float
    strength_unit: str              # "mg" or "mcg", as the label writes it
    dose_mcg: float | None          # as written, if written
    volume_ml: float | None         # as written, if written
    route: str
    off_label: bool
    confirm: tuple[str, ...]
    angle: int | None
    sites: tuple[SiteChoice, ...]
    gauge: int
    needle_mm: float
    start: dt.date
    phases: tuple[Phase, ...]
    prescriber: Contact
    pharmacy: Contact | None
    emergency_number: str
    issued: dt.date
    notes: str
    source: yamlsource.Located = field(repr=False, compare=False, hash=False)
    form: str | None = None         # the product's form, when the prescriber picks one (medications.yaml "forms")

    @property
    def dose(self) -> float:
        """The dose in mcg, from the dose or from volume × strength."""
        if self.dose_mcg is None and self.volume_ml is None:
            return self.phase_dose(self.phases[0])[0]
        return self.dose_mcg if self.dose_mcg is not None else self.volume_ml * self.strength_mcg_per_ml

    @property
    def volume(self) -> float:
        """The volume in mL to draw up, from the volume or from dose ÷ strength."""
        if self.dose_mcg is None and self.volume_ml is None:
            return self.phase_dose(self.phases[0])[1]
        return self.volume_ml if self.volume_ml is not None else self.dose_mcg / self.strength_mcg_per_ml

    def phase_dose(self, phase: Phase) -> tuple[float, float]:
        """(mcg, mL) of one dose in this phase: its own dose, or the prescription's."""
        if phase.dose_mcg is not None:
            return phase.dose_mcg, phase.dose_mcg / self.strength_mcg_per_ml
        if phase.volume_ml is not None:
            return phase.volume_ml * self.strength_mcg_per_ml, phase.volume_ml
        return self.dose, self.volume

    def line(self, *path) -> int | None:
        return self.source.line(path)


class _Reader:
    """Collects problems while turning located YAML data into typed values."""

    def __init__(self, file: str, located: yamlsource.Located, library: Library):
        self.file, self.src, self.lib = file, located, library
        self.problems: list[Problem] = []
        self.bad: set[tuple] = set()      # paths the schema already refused: read as not given

    def against_schema(self) -> None:
        """Check every value against the schema's types and bounds before anything reads it.

        Every value means those of other readers too (FHIR: their paths are in
        ``elements``, not ``lines``). A null is "not given", except where the
        field has a pattern: ``phone: null`` is not a phone number to print.
        """
        for path in dict.fromkeys([*self.src.lines, *self.src.elements]):
            present, value = self.find(path) if path else (False, None)
            if value is None and not (_written(self.src.raw.get(path)) and "pattern" in (schema.rule(path) or {})):
                continue
            message = schema.violation(path, value, self.src.raw.get(path))
            if message:
                self.problem(path, message)
                self.bad.add(path)

    def problem(self, path: tuple, message: str, fix: str = "", example_key: str | None = None) -> None:
        name = self.src.element(path) or field_name(path)
        example = None if self.src.elements else EXAMPLE.get(example_key or ".".join(p for p in path
                                                                                      if isinstance(p, str)))
        if example:
            fix = (fix + "\n" if fix else "") + "for example:\n" + example
        self.problems.append(Problem(self.file, self.src.line(path), name, message, fix))

    def find(self, path: tuple) -> tuple[bool, object]:
        """(present, value) of a key path."""
        node = self.src.data
        for key in path:
            present = (isinstance(node, dict) and key in node) or (
                isinstance(node, list) and isinstance(key, int) and key < len(node))
            if not present:
                return False, None
            node = node[key]
        return True, node

    def missing(self, path: tuple) -> None:
        parent = field_name(path[:-1])
        self.problem(path, "is missing", f"add '{path[-1]}'" + (f" under '{parent}'" if parent else ""))

    def get(self, path: tuple, required: bool = False, kind: type | tuple = object):
        present, node = self.find(path)
        if not present:
            if required:
                self.missing(path)
            return None
        if tuple(path) in self.bad:
            return None
        if node is None:
            if required:
                self.problem(path, "is empty", "give it a value")
            return None
        if not isinstance(node, kind) or isinstance(node, bool) and kind is not bool:
            want = {str: "text", dict: "a group of fields", list: "a list", bool: "true or false"}.get(kind, "a value")
            self.problem(path, f"must be {want}, not {_describe(node)}")
            return None
        return node

    def text(self, path: tuple, required: bool = False) -> str:
        """A text field exactly as written: never YAML's guess at a number, boolean, date or null.

        ``05550104477``, ``+15550104477``, ``Yes`` and ``Null`` stay those very characters.
        """
        present, node = self.find(path)
        if not present:
            if required:
                self.missing(path)
            return ""
        if tuple(path) in self.bad:
            return ""
        raw = self.src.raw.get(tuple(path))
        if raw is None:
            self.problem(path, f"must be text, not {_describe(node)}")
            return ""
        if node is None and not _written(raw):
            raw = ""
        text = raw.strip()
        if required and not text:
            self.problem(path, "is empty" if not raw else "is only spaces", "write it out")
        return text

    def printed(self, path: tuple, required: bool = False, lines: bool = False) -> str:
        """Text the handout prints: every character must be in one of its faces (never a box).

        Letters are composed (NFC), so a name typed with combining accents is the
        same name. A one-line field (``lines`` False: a name) has its tabs, line
        breaks and repeated spaces folded to single spaces, as a reader would read it.
        """
        value = unicodedata.normalize("NFC", self.text(path, required))
        if not lines:
            value = " ".join(value.split())
        if required and value and not any(unicodedata.category(c)[0] in "LNPS" for c in value):
            self.problem(path, "has only invisible characters (such as zero-width spaces)", "write it out")
        missing = fontchain.unprintable(value)
        if missing:
            self.problem(path, f"has characters no handout font can print: {fontchain.describe(missing)}",
                         "write it without them; letters of every script print, emoji and symbols do not",
                         )
        steering = fontchain.steering(value)
        if steering:
            self.problem(path, f"has invisible direction controls that make it read differently from what it "
                               f"says: {fontchain.describe(steering)}",
                         "delete them; right-to-left letters (Arabic, Hebrew) are put in order without them")
        return value

    def convert(self, path: tuple, parse, required: bool = False):
        """A value parsed from its text as written; an empty or null value counts as not given."""
        present, node = self.find(path)
        if present and node is None:
            present = False
        if not present:
            if required:
                self.get(path, True)
            return None
        text = self.text(path)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as error:
            self.problem(path, str(error))
            return None

    def integer(self, path: tuple) -> int | None:
        """A whole number written in plain digits (YAML 1.1 would read 010 as 8 and 1_0 as 10)."""
        def parse(text: str) -> int:
            if not text.isascii() or not text.isdigit():
                raise ValueError(f"{text!r} is not a whole number; write plain digits")
            return int(text)
        return self.convert(path, parse)

    def name(self, path: tuple, lookup, kind: str, unknown: str, fix: str) -> str | None:
        """A required name (medication, route) resolved through the library, with a "did you mean"."""
        written = self.text(path, True)
        found = lookup(written) if written else None
        if written and not found:
            close = self.lib.suggest(written, kind)
            self.problem(path, f"{written!r} {unknown}", (f"did you mean '{close}'? " if close else "") + fix)
        return found

    def unknown_keys(self) -> None:
        for pattern, allowed in schema.fields().items():
            for path, mapping in _mappings(self.src.data, pattern):
                for key in mapping:
                    if key in allowed:
                        continue
                    close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else "allowed here: " + ", ".join(sorted(allowed))
                    if key is True and "days" in allowed:    # YAML 1.1 reads a bare 'on:' (or 'yes:') key as true
                        hint = "YAML reads 'on:' as true; write the chosen weekdays as 'days: [mon, wed, fri]'"
                    self.problem((*path, key), "is not a field this format knows", hint, example_key="")


def _mappings(data, pattern: tuple):
    """Yield (path, mapping) for every mapping matching a pattern with '*' for list items."""
    found = [((), data)]
    for step in pattern:
        nxt = []
        for path, node in found:
            if step == "*" and isinstance(node, list):
                nxt += [((*path, i), item) for i, item in enumerate(node)]
            elif isinstance(node, dict) and step in node:
                nxt.append(((*path, step), node[step]))
        found = nxt
    return [(p, n) for p, n in found if isinstance(n, dict)]


def _describe(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _date(value) -> dt.date:
    """A date the schema's pattern already admitted (YYYY-MM-DD, 1900–2099); Feb 30 still fails here."""
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, like 2026-12-01") from None


def read_text(path: Path | str) -> tuple[str, str]:
    """The file's text and display name; unreadable, huge, empty or binary files are refused here."""
    return yamlsource.read(path)


def load(path: Path | str, library: Library, defaults: str | None = None) -> Prescription:
    """Read one prescription file (YAML or FHIR JSON); raises PrescriptionError listing every problem."""
    text, name = read_text(path)
    return parse(text, name, library, defaults)


def parse(text: str, name: str, library: Library, defaults: str | None = None,
          line: int | None = None) -> Prescription:
    """Parse prescription text (``name`` is used in messages); the format is told by the content.

    ``defaults`` (a YAML file) fills what a bare FHIR MedicationRequest lacks; ``line``
    is an NDJSON line's number. YAML text has its own lines and takes neither.
    """
    from . import fhir

    if fhir.is_fhir(text):
        return fhir.parse(text, name, library, defaults, line)
    located = yamlsource.parse(text, name)
    if not isinstance(located.data, dict):
        raise PrescriptionError([Problem(name, 1, "",
                                         f"must be a set of 'key: value' fields, not {_describe(located.data)}",
                                         "start with 'patient:'; run 'handout schema' or see examples/")])
    return build(located, name, library)


def build(located: yamlsource.Located, name: str, library: Library) -> Prescription:
    """Located plain data (from any reader) → a checked-for-format Prescription."""
    reader = _Reader(name, located, library)
    reader.unknown_keys()
    reader.against_schema()
    result = _build(reader)
    if reader.problems:
        raise PrescriptionError(reader.problems)
    return result


def _build(r: _Reader) -> Prescription | None:
    lib = r.lib
    r.get(("patient",), True, dict)
    patient_name = r.printed(("patient", "name"), True)
    language = r.text(("patient", "language")) or "en-US"

    medication = r.name(("medication",), lib.medication_id, "medication", "is not in the content library",
                        "run 'handout medications' to list them")

    strength = r.convert(("strength",), units.strength_mcg_per_ml)
    strength_unit = units.strength_unit(r.get(("strength",))) if strength is not None else "mcg"
    if strength is None and r.get(("strength",)) is None and medication:
        listed = lib.medications[medication].get("strengths", [])
        if len(listed) == 1:
            strength = units.strength_mcg_per_ml(listed[0])
            strength_unit = units.strength_unit(listed[0])
        else:
            r.problem(("strength",), "is missing", "add the strength on the vial label")
    dose = r.convert(("dose",), units.dose)
    volume = r.convert(("volume",), units.volume_ml)
    if isinstance(dose, units.Volume):           # "dose: 1 mL" is the volume to draw up
        if volume is not None:
            r.problem(("volume",), "is given twice: dose is already a volume",
                      "give the dose in mcg, or leave out 'volume'")
        dose, volume = None, float(dose)
    phases_raw = r.get(("schedule", "phases")) if isinstance(r.get(("schedule",)), dict) else None
    every_phase_has_dose = isinstance(phases_raw, list) and phases_raw and all(
        isinstance(p, dict) and ("dose" in p or "volume" in p) for p in phases_raw)
    if r.get(("dose",)) is None and r.get(("volume",)) is None and not every_phase_has_dose:
        r.problem(("dose",), "is missing", "give the dose in mcg (or the volume in mL), here or on every phase")

    route = r.name(("route",), lib.route_id, "route", "is not a route this tool knows",
                   "use intramuscular (IM) or subcutaneous (subcut)")

    off_label = r.get(("off_label",), False, bool) or False
    confirm = r.get(("confirm",), False, (list, str)) or []
    confirm = tuple(str(c).strip().lower() for c in ([confirm] if isinstance(confirm, str) else confirm))
    for index, item in enumerate(confirm):
        if item not in CONFIRMABLE and item not in lib.sites:
            near = difflib.get_close_matches(item.replace("-", "_").replace(" ", "_"), [*CONFIRMABLE, *lib.sites], 1)
            r.problem(("confirm", index) if isinstance(r.get(("confirm",)), list) else ("confirm",),
                      f"{item!r} is not something a prescription confirms: it would confirm nothing",
                      f"did you mean '{near[0]}'?" if near else
                      "confirm 'needle_length' or a discouraged site by its name, such as 'dorsogluteal'")

    angle = r.integer(("angle",))
    if angle is not None and not 1 <= angle <= 90:
        r.problem(("angle",), f"{angle} is not a needle angle", "give the angle in degrees, like 90 or 45")
        angle = None
    sites = _sites(r, route)
    r.get(("needle",), True, dict)
    gauge = r.convert(("needle", "gauge"), units.gauge, True)
    needle_mm = r.convert(("needle", "length"), units.length_mm, True)
    weight = r.convert(("patient", "weight"), units.weight_kg)

    r.get(("schedule",), True, dict)
    start = r.convert(("schedule", "start"), _date, True)
    phases = _phases(r)

    r.get(("prescriber",), True, dict)
    prescriber = Contact(
        name=r.printed(("prescriber", "name"), True),
        phone=r.text(("prescriber", "phone")),
        after_hours=r.text(("prescriber", "after_hours")),
        clinic=r.printed(("prescriber", "clinic")),
        email=r.printed(("prescriber", "email")),
    )
    pharmacy = None
    if r.get(("pharmacy",), False, dict) is not None:
        pharmacy = Contact(name=r.printed(("pharmacy", "name")), phone=r.text(("pharmacy", "phone")))
    emergency = r.text(("emergency_number",)) or lib.text(language)["emergency_number"]
    issued = r.convert(("issued",), _date)
    notes = r.printed(("notes",), lines=True)
    form = _form(r, medication)

    if r.problems:
        return None
    return Prescription(
        file=r.file, patient_name=patient_name, language=language, weight_kg=weight,
        medication=medication, strength_mcg_per_ml=strength, strength_unit=strength_unit, dose_mcg=dose,
        volume_ml=volume,
        route=route, off_label=bool(off_label), confirm=confirm, angle=angle, sites=tuple(sites), gauge=gauge,
        needle_mm=needle_mm, start=start, phases=tuple(phases), prescriber=prescriber, pharmacy=pharmacy,
        emergency_number=emergency, issued=issued or start, notes=notes, source=r.src, form=form,
    )


def _form(r: _Reader, medication: str | None) -> str | None:
    """The product form the prescriber picked, one of those the medication comes in ("prefilled syringe" or
    "ampule" spelled as the library does)."""
    written = r.text(("form",))
    if not written or not medication:
        return None
    wanted = "_".join(written.lower().replace("-", "").split()).replace("ampule", "ampoule")
    forms = r.lib.medications[medication].get("forms") or ["vial"]
    if wanted not in forms:
        r.problem(("form",), f"{written!r} is not a form {medication} comes in",
                  "use one of: " + ", ".join(f.replace("_", " ") for f in forms) + ", or leave 'form' out")
        return None
    return wanted


def _sites(r: _Reader, route: str | None) -> list[SiteChoice]:
    raw = r.get(("sites",), True, (list, str))
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not items:
        r.problem(("sites",), "is an empty list", "name at least one site")
    chosen = []
    for index, item in enumerate(items):
        path = ("sites",) if isinstance(raw, str) else ("sites", index)
        if path in r.bad:
            continue
        if not isinstance(item, str):
            r.problem(path, f"must be a site name like 'left thigh', not {_describe(item)}")
            continue
        words = item.lower().replace(",", " ").split()
        sides = [SIDES[w] for w in words if w in SIDES]
        rest = " ".join(w for w in words if w not in SIDES)
        candidates = r.lib.site_ids(rest)
        if not candidates:
            close = r.lib.suggest(rest, "site")
            r.problem(path, f"{item!r} is not a site in the catalogue",
                      (f"did you mean '{close}'? " if close else "")
                      + "for example: left thigh, right deltoid, abdomen")
            continue
        site = next((c for c in candidates if r.lib.sites[c]["route"] == route), candidates[0])
        if len(set(sides)) > 1:
            r.problem(path, f"{item!r} names both sides", "write one site per list item")
            continue
        side = sides[0] if sides else None
        if side and side not in r.lib.sites[site].get("sides", []):
            r.problem(path, f"{item!r}: this site has no {side} side", "leave out left/right")
            continue
        chosen.append(SiteChoice(site, side, item))
    return chosen


def _phases(r: _Reader) -> list[Phase]:
    raw = r.get(("schedule", "phases"), True, list)
    if raw is None:
        return []
    if not raw:
        r.problem(("schedule", "phases"), "is an empty list", "give at least one phase")
    phases = []
    for i, item in enumerate(raw):
        base = ("schedule", "phases", i)
        if not isinstance(item, dict):
            r.problem(base, f"must be a group like {{every: 1 week, count: 4}}, not {_describe(item)}",
                      example_key="schedule.phases")
            continue
        span = r.convert((*base, "every"), units.interval_range, True)
        count = r.integer((*base, "count"))
        times = r.integer((*base, "times")) or 1
        duration = r.convert((*base, "for"), units.interval)
        if count is not None and duration is not None:
            r.problem((*base, "for"), "is given together with count", "give either count or for, not both")
        on = _weekdays(r, (*base, "days"))
        if on and span and span[0].unit != "week":
            r.problem((*base, "days"), "needs weeks: chosen weekdays repeat every week",
                      "write 'every: 1 week' with 'days: [mon, wed, fri]'")
        if on and r.get((*base, "times")) is not None:
            r.problem((*base, "times"), "is given together with days", "leave out times: the weekdays say how often")
        if span and span[1] is not None and times > 1:
            r.problem((*base, "times"), "cannot be used with a range",
                      "write the range alone, like 'every: 3 to 4 days'")
        until = r.text((*base, "until"))
        if until and _DATE_LIKE.fullmatch(until):
            r.problem((*base, "until"), f"{until!r} is a date; 'until' names what ends the phase, such as 'your "
                      "symptoms stop getting better', and the calendar would not stop on it",
                      "to stop on a date, give this phase a 'count' or 'for', or the next phase a 'start'")
            until = ""
        if until and (count is not None or duration is not None):
            r.problem((*base, "until"), "is given together with count or for",
                      "an 'until' phase ends when the clinician says; leave out count and for")
        start = r.convert((*base, "start"), _date)
        dose = r.convert((*base, "dose"), units.dose)
        volume = r.convert((*base, "volume"), units.volume_ml)
        if isinstance(dose, units.Volume):
            if volume is not None:
                r.problem((*base, "volume"), "is given twice: dose is already a volume",
                          "give the dose in mcg, or leave out 'volume'")
            dose, volume = None, float(dose)
        elif dose is not None and volume is not None:
            r.problem((*base, "volume"), "is given together with dose", "give this phase's dose once, in mcg or in mL")
        place = r.text((*base, "at")).lower()
        if place and place not in PLACES:
            r.problem((*base, "at"), f"{place!r} is not a place", "write 'at: clinic' for doses a nurse gives, "
                      "or leave it out for doses given at home")
        if span:
            phases.append(Phase(span[0], times if not on else len(on), count, duration, span[1], on, until, start,
                                dose, volume, PLACES.get(place, False)))
    return phases



CONFIRMABLE = ("needle_length",)    # besides the sites: what the safety checks let a prescriber confirm
_DATE_LIKE = re.compile(r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\s*")


def _written(raw: str | None) -> bool:
    """Whether a YAML null was written as a word (``null``, ``Null``: a name, or a phone to refuse) rather
    than left empty or as ``~``, which only ever mean "not given"."""
    return bool(raw and raw.strip() not in ("", "~"))


def _weekdays(r: _Reader, path: tuple) -> tuple[int, ...]:
    raw = r.get(path, False, (list, str))
    if raw is None:
        return ()
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    days = []
    for item in items:
        day = WEEKDAYS.get(str(item).strip().lower().rstrip("."))
        if day is None:
            r.problem(path, f"{item!r} is not a day of the week", "write days like [mon, wed, fri]")
            return ()
        days.append(day)
    if not days:
        r.problem(path, "is an empty list", "name the days, like [mon, wed, fri]")
    return tuple(sorted(set(days)))
