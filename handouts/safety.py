"""Clinical coherence checks, run before anything is rendered.

Route confusion and wrong depth are the errors that hurt people at home, so a
prescription whose parts disagree (route × product, route × site, route ×
needle, dose × strength × site, schedule, someone to call) is refused with the
reason and its source. The limits themselves are data in the content library
(routes.yaml, sites.yaml, medications.yaml); this module only compares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from . import needles, schedule, units
from .content import Library
from .errors import Problem, field_name
from .prescription import Prescription

MIN_HOME_ML = 0.1    # the smallest dose a patient draws up at home; below it a nurse gives it
TOLERANCE_MM = 0.5   # needles are sold in inches: 5/8 in is 15.9 mm, written "16 mm"
DOSE_AGREEMENT = 0.01


def check(rx: Prescription, lib: Library) -> list[Problem]:
    """Every problem found; errors block the handout, warnings are printed."""
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(rx, lib))
    return problems


def _p(rx: Prescription, path: tuple, message: str, fix: str, source: str = "", severity: str = "error") -> Problem:
    return Problem(rx.file, rx.line(*path), rx.source.element(path) or field_name(path), message, fix, severity, source)


def _site_path(rx: Prescription, index: int) -> tuple:
    return ("sites", index) if isinstance(rx.source.data.get("sites"), list) else ("sites",)


def route_and_product(rx: Prescription, lib: Library) -> Iterator[Problem]:
    med = lib.medications[rx.medication]
    route = lib.routes[rx.route]
    name = med.get("display_name", rx.medication)
    source = med.get("source", "")
    refused = route.get("refused") or med.get("refused_routes", {}).get(rx.route)
    if refused:
        yield _p(rx, ("route",), f"{rx.route} is refused for {name}: {refused}",
                 "use a route the label allows: " + ", ".join(med.get("routes", {})), route.get("source", source))
    elif rx.route in med.get("routes", {}):
        if rx.off_label:
            yield _p(rx, ("off_label",), f"{rx.route} is on the label of {name}, so off_label is not needed",
                     "remove 'off_label: true'", source, "warning")
    elif rx.route in (med.get("off_label_routes") or {}):
        if not rx.off_label:
            reason = med["off_label_routes"][rx.route]
            yield _p(rx, ("route",), f"{rx.route} is not on the label of {name} (off-label): {reason}",
                     "use " + " or ".join(med.get("routes", {})) + ", or, if you prescribe this on purpose, "
                     "add 'off_label: true' and the handout will say so plainly", source)
    else:
        yield _p(rx, ("route",), f"{rx.route} is not a route for {name}",
                 "use " + " or ".join(med.get("routes", {})), source)


def route_and_sites(rx: Prescription, lib: Library) -> Iterator[Problem]:
    allowed = [sid for sid, s in lib.sites.items() if s["route"] == rx.route and not s.get("discouraged")]
    if not allowed:
        return  # a route with no sites (intravenous) is refused by route_and_product
    names = ", ".join(lib.sites[s]["name"] for s in allowed)
    for index, choice in enumerate(rx.sites):
        site = lib.sites[choice.site]
        path = _site_path(rx, index)
        if site["route"] != rx.route:
            yield _p(rx, path, f"{choice.written!r} is a site for {site['route']} injections, "
                     f"but the route is {rx.route}", f"choose a site for {rx.route} injections: {names}",
                     site.get("source", ""))
        elif site.get("discouraged") and choice.site not in rx.confirm:
            yield _p(rx, path, f"{choice.written!r} ({site.get('technical', choice.site)}) is discouraged: "
                     f"{site.get('discouraged_reason', '')}".rstrip(": "),
                     f"choose another site ({names}), or add 'confirm: [{choice.site}]' if you mean it",
                     site.get("source", ""))
        if not choice.side and len(site.get("sides", [])) > 1:
            yield _p(rx, path, f"{choice.written!r} does not say which side",
                     f"write 'left {choice.written}' or 'right {choice.written}' so the calendar can rotate sides",
                     severity="warning")


def route_and_needle(rx: Prescription, lib: Library) -> Iterator[Problem]:
    route = lib.routes[rx.route]
    if "needle_mm" not in route:
        return
    low, high = route["needle_mm"]["min"], route["needle_mm"]["max"]
    source = route.get("source", "")
    length = units.needle_length(rx.needle_mm)
    if rx.needle_mm < low - TOLERANCE_MM:
        yield _p(rx, ("needle", "length"), f"a {length} needle is too short for {rx.route} injections"
                 + (": the dose would land under the skin, not in the muscle" if rx.route == "intramuscular" else ""),
                 f"use a needle of at least {units.needle_length(low)}", source)
    elif rx.needle_mm > high + TOLERANCE_MM:
        reason = ": it may reach the muscle" if rx.route == "subcutaneous" else \
            ": the sourced guidance for adults goes no further, so this handout cannot show it safely"
        yield _p(rx, ("needle", "length"), f"a {length} needle is too long for {rx.route} injections{reason}",
                 f"use a needle of at most {units.needle_length(high)}", source)
    gauge = route.get("gauge")
    if gauge and not gauge["min"] <= rx.gauge <= gauge["max"]:
        yield _p(rx, ("needle", "gauge"), f"{rx.gauge} gauge is outside the {gauge['min']}–{gauge['max']} gauge "
                 f"range for {rx.route} injections", f"use a {gauge['min']}–{gauge['max']} gauge needle", source)
    usual = needles.band(route, rx.weight_kg)
    if usual and low - TOLERANCE_MM <= rx.needle_mm <= high + TOLERANCE_MM:
        lo, hi = usual
        want = units.needle_length(lo) if lo == hi else f"{units.needle_length(lo)} to {units.needle_length(hi)}"
        weight_source = route.get("weight_source", source)
        said = f"for a patient of {units.number(rx.weight_kg)} kg the usual needle is {want}, not {length}"
        if rx.needle_mm < lo - TOLERANCE_MM and "needle_length" not in rx.confirm:
            yield _p(rx, ("needle", "length"), said + ": the tip may stop in the fat, while the handout says it "
                     "reaches the muscle", f"use a {units.needle_length(lo)} needle, or, if you have judged this "
                     "patient on purpose (for example skin stretched flat), add 'confirm: [needle_length]'",
                     weight_source)
        elif not lo - TOLERANCE_MM <= rx.needle_mm <= hi + TOLERANCE_MM:
            yield _p(rx, ("needle", "length"), said + (" (confirmed)" if rx.needle_mm < lo else ""),
                     "check the needle length for this patient's size", weight_source, "warning")


def needle_angle(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A chosen angle must be one the route allows (routes.yaml angles_allowed)."""
    allowed = lib.routes[rx.route].get("angles_allowed")
    if rx.angle is not None and allowed and rx.angle not in allowed:
        yield _p(rx, ("angle",), f"{rx.angle} degrees is not an angle for {rx.route} injections",
                 "use " + " or ".join(f"{a}" for a in allowed) + " (degrees), or leave out 'angle'",
                 lib.routes[rx.route].get("source", ""))


def dose_and_volume(rx: Prescription, lib: Library) -> Iterator[Problem]:
    med = lib.medications[rx.medication]
    if rx.dose_mcg is not None and rx.volume_ml is not None:
        expected = rx.dose_mcg / rx.strength_mcg_per_ml
        if abs(expected - rx.volume_ml) > DOSE_AGREEMENT * expected:
            yield _p(rx, ("volume",), f"{units.ml(rx.volume_ml)} of {units.mcg(rx.strength_mcg_per_ml)}/mL is "
                     f"{units.mcg(rx.volume_ml * rx.strength_mcg_per_ml)}, not the {units.mcg(rx.dose_mcg)} dose",
                     f"give {units.ml(expected)} for {units.mcg(rx.dose_mcg)}, or leave out 'volume'")
            return
    for path, phase_mcg, phase_ml, clinic in _doses(rx):
        if phase_ml < MIN_HOME_ML - 1e-9 and not clinic:
            yield _p(rx, path, f"{units.dose_words(phase_ml, phase_mcg, rx.strength_unit)} is too small to measure "
                     f"with a syringe at home (under {units.ml(MIN_HOME_ML)})",
                     "use a weaker strength, if there is one, so the dose is at least "
                     f"{units.ml(MIN_HOME_ML)}; or have a nurse give these doses: add 'at: clinic' to this phase "
                     "of the schedule")
        usual = med.get("usual_dose_mcg")
        if usual and not usual["min"] <= phase_mcg <= usual["max"]:
            yield _p(rx, path, f"{units.mcg(phase_mcg)} is outside the usual {units.mcg(usual['min'])}–"
                     f"{units.mcg(usual['max'])} dose", "check the dose", usual.get("source", med.get("source", "")),
                     "warning")
    volume = max(ml for _, _, ml, _ in _doses(rx))
    for index, choice in enumerate(rx.sites):
        site = lib.sites[choice.site]
        limit = site.get("max_volume_ml")
        if limit and volume > limit + 1e-9:
            yield _p(rx, _site_path(rx, index), f"{units.ml(volume)} is more than the {site['name']} can take "
                     f"(at most {units.ml(limit)})", "split the dose or choose a larger site", site.get("source", ""))
    strengths = [units.strength_mcg_per_ml(s) for s in med.get("strengths", [])]
    if strengths and all(abs(rx.strength_mcg_per_ml - s) > 1e-6 for s in strengths):
        yield _p(rx, ("strength",), f"{units.mcg(rx.strength_mcg_per_ml)}/mL is not a strength listed for "
                 f"{med.get('display_name', rx.medication)}", "check the vial label: " + ", ".join(med["strengths"]),
                 med.get("source", ""), "warning")


def _doses(rx: Prescription) -> list[tuple[tuple, float, float, bool]]:
    """(field path, mcg, mL, all given at the clinic) for each dose as written: a phase's own, or the
    prescription's once (at the clinic only when every phase using it is)."""
    own, shared = [], []
    for i, phase in enumerate(rx.phases):
        if phase.dose_mcg is not None or phase.volume_ml is not None:
            key = "dose" if phase.dose_mcg is not None else "volume"
            own.append((("schedule", "phases", i, key), *rx.phase_dose(phase), phase.at_clinic))
        else:
            shared.append(phase.at_clinic)
    if shared:
        own.insert(0, (("dose" if rx.dose_mcg is not None else "volume",), rx.dose, rx.volume, all(shared)))
    return own


def product_form(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A product sold in more than one form (hydroxocobalamin: UK ampoules, US vials) gets the steps of its
    first form unless the prescription says which; the steps must match what the patient opens."""
    med = lib.medications[rx.medication]
    forms = med.get("forms") or []
    if rx.form is None and len(forms) > 1:
        words = [form.replace("_", " ") for form in forms]
        yield _p(rx, ("medication",), f"{med.get('display_name', rx.medication)} comes in more than one form "
                 f"({', '.join(words)}); with no 'form' the handout shows the steps for the {words[0]}",
                 "add " + " or ".join(f"'form: {w}'" for w in words) + ", whichever the patient will have, so the "
                 "steps match it", med.get("source", ""), "warning")


def schedule_shape(rx: Prescription, lib: Library) -> Iterator[Problem]:
    ongoing = [i for i, phase in enumerate(rx.phases) if phase.ongoing]
    for i in ongoing:
        if i != len(rx.phases) - 1 and not rx.phases[i].until:
            yield _p(rx, ("schedule", "phases", i), "an ongoing phase (no count and no 'for') must be the last one",
                     "give this phase a 'count' or a 'for', say what ends it with 'until' "
                     "(for example 'until: your symptoms stop getting better'), or move it to the end")


def start_date(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A calendar that starts in the past has doses the patient can no longer give on time; one issued
    after its first dose has a date mistyped, one or the other."""
    if rx.start < dt.date.today():
        yield _p(rx, ("schedule", "start"), f"{rx.start.isoformat()} is in the past: the first doses on the "
                 "calendar are already due", "check the start date, or give today's date or a later one",
                 severity="warning")
    if rx.issued > rx.start:
        yield _p(rx, ("issued",), f"{rx.issued.isoformat()} is after the first dose ({rx.start.isoformat()})",
                 "check both dates: a handout is issued before its course starts", severity="warning")


def schedule_length(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A calendar must list every dose: a course too long to list is refused, never cut."""
    if not schedule.plan(rx.start, rx.phases).complete:
        yield _p(rx, ("schedule", "phases"), f"has more than {schedule.MAX_DOSES} dated doses (or runs past the "
                 "calendar's last year), too many for one printed calendar",
                 "write the first part of the course now and give a new handout for the rest")


def patient_age(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """The needle chart (routes.yaml weight_bands) and the handout's words are for an adult who injects
    themselves (the route's ``adults_from``, with its source): a child's handout is checked by the clinician."""
    adults_from = lib.routes[rx.route].get("adults_from")
    born = (rx.source.data.get("patient") or {}).get("date_of_birth")
    if isinstance(born, str):
        try:
            born = dt.date.fromisoformat(born)
        except ValueError:
            return      # the schema check names a malformed date
    if not isinstance(born, dt.date):
        return
    age = rx.issued.year - born.year - ((rx.issued.month, rx.issued.day) < (born.month, born.day))
    if adults_from and 0 <= age < adults_from:
        yield _p(rx, ("patient", "date_of_birth"), f"the patient is {age} years old: the needle limits are the adult "
                 "ones and the handout speaks to an adult who injects themselves",
                 "check the needle length against a children's chart, and teach the parent or carer who will give "
                 "the injections", lib.routes[rx.route].get("source", ""), "warning")


def one_dose_a_day(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """Every listed dose falls on a later day than the one before it.

    More doses a period than it has days ("3 times a day", "8 times a week"), or
    a phase whose ``start`` falls before the phase before it has ended, would
    list two doses on one day or dates out of order: a patient following the
    calendar would inject twice.
    """
    planned = schedule.plan(rx.start, rx.phases).doses
    reported = set()
    for before, dose in zip(planned, planned[1:], strict=False):
        if dose.date > before.date or dose.phase in reported:
            continue
        reported.add(dose.phase)
        phase, base = rx.phases[dose.phase], ("schedule", "phases", dose.phase)
        if dose.phase != before.phase and phase.start is not None:
            yield _p(rx, (*base, "start"), f"{phase.start.isoformat()} is not after the last dose of the phase "
                     f"before ({before.date.isoformat()}): the calendar would list doses twice or out of order",
                     f"give a date after {before.date.isoformat()}, or leave out 'start' (the phase then begins "
                     "one of its gaps after that dose)")
        else:
            yield _p(rx, (*base, "times"), f"puts two doses on {dose.date.isoformat()}: {phase.times} doses "
                     f"every {phase.every.words()} is more than one a day",
                     "give at most one dose a day: fewer times, or a longer 'every'")


def someone_to_call(rx: Prescription, lib: Library) -> Iterator[Problem]:
    if not rx.prescriber.phone:
        yield _p(rx, ("prescriber",), "has no phone number: the patient must have someone to call",
                 "add the prescriber's or clinic's phone, e.g.\nprescriber:\n  phone: \"555-010-4477\"")


def language(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A language the library lacks is a warning (the handout is in US English); a medication or site
    without wording in the language is refused, never printed half in English."""
    tag = lib.language(rx.language)
    if tag is None:
        yield _p(rx, ("patient", "language"), f"no wording in {rx.language!r} yet; the handout will be in English",
                 "languages available: " + ", ".join(sorted(lib.texts)), severity="warning")
        return
    text = lib.text(tag)
    if text.get("base") or tag.split("-")[0] == "en":
        return    # English, or a variant of a language whose wording it inherits
    wanted = [("medications", rx.medication, MEDICATION_WORDING)]
    wanted += [("sites", site, SITE_WORDING) for site in dict.fromkeys(c.site for c in rx.sites)]
    for group, key, fields in wanted:
        given = text.get(group, {}).get(key) or {}
        source = lib.medications[key] if group == "medications" else lib.sites[key]
        missing = [f for f in fields if f in source and f not in given]
        if missing:
            yield _p(rx, ("patient", "language"), f"the {tag} text has no wording for {group[:-1]} '{key}' "
                     f"({', '.join(missing)}); the handout would be partly in English",
                     f"add {group}: {key}: to text/{tag}.yaml in the content folder, or choose another language")


MEDICATION_WORDING = ("display_name", "storage", "side_effects", "cautions", "without_loading", "why_it_matters")
SITE_WORDING = ("name", "short", "label", "technical", "landmarks")


RULES = (route_and_product, route_and_sites, route_and_needle, needle_angle, dose_and_volume, product_form,
         schedule_shape, start_date, schedule_length, patient_age, one_dose_a_day, someone_to_call, language)
