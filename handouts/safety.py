"""Clinical coherence checks, run before anything is rendered.

Route confusion and wrong depth are the errors that hurt people at home, so a
prescription whose parts disagree (route × product, route × site, route ×
needle, dose × strength × site, schedule, someone to call) is refused with the
reason and its source. The limits themselves are data in the content library
(routes.yaml, sites.yaml, medications.yaml); this module only compares.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import schedule, units
from .content import Library
from .errors import Problem, field_name
from .prescription import Prescription

TOLERANCE_MM = 0.5   # needles are sold in inches: 5/8 in is 15.9 mm, written "16 mm"
DOSE_AGREEMENT = 0.01


def check(rx: Prescription, lib: Library) -> list[Problem]:
    """Every problem found; errors block the handout, warnings are printed."""
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(rx, lib))
    return problems


def _p(rx: Prescription, path: tuple, message: str, fix: str, source: str = "", severity: str = "error") -> Problem:
    return Problem(rx.file, rx.line(*path), field_name(path), message, fix, severity, source)


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
        severe = rx.route == "subcutaneous"
        yield _p(rx, ("needle", "length"), f"a {length} needle is too long for {rx.route} injections"
                 + (": it may reach the muscle" if severe else ""),
                 f"use a needle of at most {units.needle_length(high)}", source, "error" if severe else "warning")
    gauge = route.get("gauge")
    if gauge and not gauge["min"] <= rx.gauge <= gauge["max"]:
        yield _p(rx, ("needle", "gauge"), f"{rx.gauge} gauge is outside the {gauge['min']}–{gauge['max']} gauge "
                 f"range for {rx.route} injections", f"use a {gauge['min']}–{gauge['max']} gauge needle", source)
    if rx.weight_kg and route.get("weight_bands"):
        band = next(b for b in route["weight_bands"] if rx.weight_kg <= b["max_kg"])
        lo, hi = band["needle_mm"]["min"], band["needle_mm"]["max"]
        if not lo - TOLERANCE_MM <= rx.needle_mm <= hi + TOLERANCE_MM:
            want = units.needle_length(lo) if lo == hi else f"{units.needle_length(lo)} to {units.needle_length(hi)}"
            yield _p(rx, ("needle", "length"), f"for a patient of {units.number(rx.weight_kg)} kg the usual needle "
                     f"is {want}, not {length}", "check the needle length for this patient's size",
                     route.get("weight_source", source), "warning")


def dose_and_volume(rx: Prescription, lib: Library) -> Iterator[Problem]:
    med = lib.medications[rx.medication]
    if rx.dose_mcg is not None and rx.volume_ml is not None:
        expected = rx.dose_mcg / rx.strength_mcg_per_ml
        if abs(expected - rx.volume_ml) > DOSE_AGREEMENT * expected:
            yield _p(rx, ("volume",), f"{units.ml(rx.volume_ml)} of {units.mcg(rx.strength_mcg_per_ml)}/mL is "
                     f"{units.mcg(rx.volume_ml * rx.strength_mcg_per_ml)}, not the {units.mcg(rx.dose_mcg)} dose",
                     f"give {units.ml(expected)} for {units.mcg(rx.dose_mcg)}, or leave out 'volume'")
            return
    volume = rx.volume
    if volume < 0.1:
        yield _p(rx, ("dose",), f"{units.ml(volume)} is too small to measure with a syringe (under 0.1 mL)",
                 "use a weaker strength so the volume is at least 0.1 mL")
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
    usual = med.get("usual_dose_mcg")
    if usual and not usual["min"] <= rx.dose <= usual["max"]:
        yield _p(rx, ("dose",), f"{units.mcg(rx.dose)} is outside the usual {units.mcg(usual['min'])}–"
                 f"{units.mcg(usual['max'])} dose", "check the dose", usual.get("source", med.get("source", "")),
                 "warning")


def schedule_shape(rx: Prescription, lib: Library) -> Iterator[Problem]:
    ongoing = [i for i, phase in enumerate(rx.phases) if phase.ongoing]
    for i in ongoing:
        if i != len(rx.phases) - 1 and not rx.phases[i].until:
            yield _p(rx, ("schedule", "phases", i), "an ongoing phase (no count and no 'for') must be the last one",
                     "give this phase a 'count' or a 'for', say what ends it with 'until' "
                     "(for example 'until: your symptoms stop getting better'), or move it to the end")


def schedule_length(rx: Prescription, lib: Library) -> Iterator[Problem]:
    """A calendar must list every dose: a course too long to list is refused, never cut."""
    if not schedule.plan(rx.start, rx.phases).complete:
        yield _p(rx, ("schedule", "phases"), f"has more than {schedule.MAX_DOSES} dated doses (or runs past the "
                 "calendar's last year), too many for one printed calendar",
                 "write the first part of the course now and give a new handout for the rest")


def someone_to_call(rx: Prescription, lib: Library) -> Iterator[Problem]:
    if not rx.prescriber.phone:
        yield _p(rx, ("prescriber",), "has no phone number: the patient must have someone to call",
                 "add the prescriber's or clinic's phone, e.g.\nprescriber:\n  phone: \"555-010-4477\"")


def language(rx: Prescription, lib: Library) -> Iterator[Problem]:
    if rx.language not in lib.texts:
        yield _p(rx, ("patient", "language"), f"no wording in {rx.language!r} yet; the handout will be in English",
                 "languages available: " + ", ".join(sorted(lib.texts)), severity="warning")


RULES = (route_and_product, route_and_sites, route_and_needle, dose_and_volume, schedule_shape,
         schedule_length, someone_to_call, language)
