"""FHIR R4 → the prescription format's fields, each remembering the FHIR element it came from.

The result is the same plain data a YAML prescription file gives, so the same
loader and the same safety rules check it; in place of YAML line numbers it
carries element paths (``MedicationRequest.dosageInstruction[0].route.coding[0]``),
so every problem names the element to fix. Codes are looked up in the content
library's ``codes:`` data and never guessed: a code the library lacks is refused
by name.
"""

from __future__ import annotations

import copy
import functools
import json
import math

from .. import prescription, yamlsource
from ..errors import PrescriptionError, Problem, field_name
from . import codes, validate

EXT = "urn:handouts:fhir:"          # this project's extensions (see README, "FHIR R4")
UCUM = "http://unitsofmeasure.org"
LOINC_BODY_WEIGHT = ("http://loinc.org", "29463-7")
STATUS_OK = ("active", "draft")
INTENT_OK = ("order", "plan")
MASS = {"ug": "mcg", "mcg": "mcg", "mg": "mg"}
VOLUME = {"mL": "mL", "ml": "mL"}
LENGTH = {"mm": "mm", "cm": "cm", "[in_i]": "in"}
WEIGHT = {"kg": "kg", "[lb_av]": "lb"}
PERIOD = {"d": "day", "wk": "week", "mo": "month"}
NOT_SHOWN = {   # Timing.repeat elements a handout cannot show yet: refused rather than silently dropped
    "timeOfDay": "times of day", "when": "times tied to meals or sleep", "offset": "an offset from an event",
    "frequencyMax": "a range of doses per period", "countMax": "a range of doses",
    "boundsRange": "a range as the bounds",
    "duration": "how long each injection takes", "durationMax": "how long each injection takes",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")     # FHIR days-of-week codes


def parse(text: str, name: str, library, defaults: str | None = None, line: int | None = None):
    """FHIR JSON text → Prescription; every problem names its FHIR element."""
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_not_a_number, parse_float=_finite)
    except json.JSONDecodeError as error:
        where = line or error.lineno
        raise PrescriptionError([Problem(name, where, "", f"is not valid JSON: {error.msg} (column {error.colno})",
                                         "check the quotes, commas and brackets near there")]) from None
    except _Unreadable as error:
        raise PrescriptionError([Problem(name, line, "", str(error), error.fix)]) from None
    except RecursionError:
        raise PrescriptionError([Problem(name, line, "", f"nests more than {MAX_DEPTH} levels deep, the limit",
                                         "a FHIR Bundle nests a few levels; check that this is the right file")]) \
            from None
    if _depth(document) > MAX_DEPTH:
        raise PrescriptionError([Problem(name, line, "", f"nests more than {MAX_DEPTH} levels deep, the limit",
                                         "a FHIR Bundle nests a few levels; check that this is the right file")])
    if not isinstance(document, dict):
        raise PrescriptionError([Problem(name, line, "", "is JSON but not a FHIR resource",
                                         "give a Bundle or a MedicationRequest")])
    kind = document.get("resourceType")
    if kind not in ("Bundle", "MedicationRequest"):
        raise PrescriptionError([Problem(name, line, "resourceType",
                                         f"is {kind!r}, not a Bundle or a MedicationRequest",
                                         "send the MedicationRequest, alone (with --defaults) or in a Bundle "
                                         "with its Patient, Practitioner and Medication")])
    found = [Problem(name, line, validate.element_path(document, path), "is null: FHIR JSON leaves out an "
                     "element that has no value", "remove it") for path in _nulls(document, ())]
    found = found or validate.problems(document, name, line)
    if found:
        raise PrescriptionError(found)
    mapper = _Mapper(document, name, line, library)
    mapper.run()
    located = mapper.located(defaults)
    if mapper.problems:
        raise PrescriptionError(mapper.problems)
    return prescription.build(located, name, library)


class _Mapper:
    """Walks one MedicationRequest and what it references; collects fields, element paths and problems."""

    def __init__(self, document: dict, name: str, line: int | None, library):
        self.doc, self.name, self.line, self.lib = document, name, line, library
        self.codes = codes.index(library)
        self.data: dict = {}
        self.elements: dict[tuple, str] = {}
        self.raw: dict[tuple, str] = {}
        self.problems: list[Problem] = []
        self.resources: list[tuple[dict, str, str]] = []   # (resource, element path, fullUrl)
        if document["resourceType"] == "Bundle":
            for entry in document.get("entry") or []:
                resource = entry.get("resource")
                if isinstance(resource, dict):
                    self.resources.append((resource, resource.get("resourceType", "Resource"),
                                           entry.get("fullUrl", "")))
        else:
            self.resources.append((document, "MedicationRequest", ""))

    # --- bookkeeping -------------------------------------------------------------

    def put(self, path: tuple, value, element: str) -> None:
        node = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        self.elements[path] = element
        if not isinstance(value, (dict, list)):     # the loader reads text as written; FHIR's is the JSON value
            self.raw[path] = ("true" if value else "false") if isinstance(value, bool) else str(value)

    def problem(self, element: str, message: str, fix: str = "") -> None:
        self.problems.append(Problem(self.name, self.line, element, message, fix))

    def located(self, defaults: str | None) -> yamlsource.Located:
        """The fields as located data: FHIR values over the --defaults file's."""
        lines = {(): self.line} if self.line else {}
        if not defaults:
            return yamlsource.Located(self.data, lines, self.raw, self.elements)
        base = _defaults(defaults)
        data = copy.deepcopy(base.data)
        _overlay(data, self.data)
        elements = {path: f"{field_name(path)} (from {defaults}:{ln})" for path, ln in base.lines.items() if path}
        elements.update(self.elements)
        return yamlsource.Located(data, lines, {**base.raw, **self.raw}, elements)

    # --- references -----------------------------------------------------------

    def resolve(self, reference: dict | None, owner: dict, owner_path: str) -> tuple[dict | None, str]:
        target = (reference or {}).get("reference") or ""
        if target.startswith("#"):
            for i, contained in enumerate(owner.get("contained") or []):
                if contained.get("id") == target[1:]:
                    return contained, f"{owner_path}.contained[{i}]"
            return None, ""
        found = [(resource, path) for resource, path, full_url in self.resources
                 if target and (target == full_url or target == f"{resource.get('resourceType')}/{resource.get('id')}"
                                or full_url.endswith("/" + target))]
        if len({id(resource) for resource, _ in found}) > 1:    # two Patients with one id: never pick one
            self.problem(owner_path, f"refers to {target!r}, which {len(found)} resources in this Bundle answer "
                         "to: which one is meant is not sure", "give each resource its own id and fullUrl")
        return found[0] if found else (None, "")

    def referred(self, owner: dict, key: str, owner_path: str, name: tuple) -> tuple[dict | None, str]:
        """The resource ``owner[key]`` refers to, and its path; one the document does not hold may still
        say who it is (``display``), which is then taken as the ``name`` field."""
        found, path = self.resolve(owner.get(key), owner, owner_path)
        display = (owner.get(key) or {}).get("display")
        if found is None and display:
            self.put(name, display, f"{owner_path}.{key}.display")
        return found, path

    # --- the walk -------------------------------------------------------------

    def run(self) -> None:
        requests = [(r, p) for r, p, _ in self.resources if r.get("resourceType") == "MedicationRequest"]
        if len(requests) != 1:
            self.problem("Bundle.entry", f"holds {len(requests)} MedicationRequests; one handout needs exactly one",
                         "put one MedicationRequest per Bundle (NDJSON, one Bundle a line, for many)")
            return
        mr, p = requests[0]
        self.request(mr, p)
        self.patient(mr, p)
        self.medication(mr, p)
        self.dosages(mr, p)
        self.prescriber(mr, p)
        self.pharmacy(mr, p)
        if mr.get("authoredOn"):
            self.put(("issued",), mr["authoredOn"][:10], f"{p}.authoredOn")
        notes = [n.get("text", "").strip() for n in mr.get("note") or [] if n.get("text", "").strip()]
        if notes:
            self.note(" ".join(notes), f"{p}.note")
        for ext, value, element in self.extensions(mr, p):
            if ext == "emergency-number":
                self.put(("emergency_number",), value, element)
            elif ext == "off-label":
                self.put(("off_label",), value, element)
            elif ext == "confirm":
                self.put(("confirm", len(self.data.get("confirm", {}))), value, element)
        if "confirm" in self.data:
            self.data["confirm"] = list(self.data["confirm"].values())

    def request(self, mr: dict, p: str) -> None:
        if mr.get("status") not in STATUS_OK:
            self.problem(f"{p}.status", f"is {mr.get('status')!r}: only an active or draft order can become a "
                         "handout (a completed, stopped, cancelled or on-hold order must not be given)",
                         "send the current order, with status active (or draft for a preview)")
        if mr.get("intent") not in INTENT_OK:
            self.problem(f"{p}.intent", f"is {mr.get('intent')!r}: only an order or a plan is instructions "
                         "for the patient (a proposal or a pharmacy's own order is not)",
                         "send the prescriber's MedicationRequest with intent order (or plan)")
        if mr.get("doNotPerform"):
            self.problem(f"{p}.doNotPerform", "is true: this request says NOT to give the medicine",
                         "a handout is only made for a medicine to be given")
        for owner, path in [(mr, p)] + [(d, f"{p}.dosageInstruction[{i}]")
                                        for i, d in enumerate(mr.get("dosageInstruction") or [])]:
            if owner.get("modifierExtension"):
                self.problem(f"{path}.modifierExtension", "changes the meaning of the order in a way this "
                             "tool cannot read", "remove it, or give the handout by hand")

    def extensions(self, owner: dict, path: str):
        for i, ext in enumerate(owner.get("extension") or []):
            url = ext.get("url", "")
            if url.startswith(EXT):
                value = next((v for k, v in ext.items() if k.startswith("value")), None)
                yield url[len(EXT):], value, f"{path}.extension[{i}]"

    def patient(self, mr: dict, p: str) -> None:
        patient, pp = self.referred(mr, "subject", p, ("patient", "name"))
        if patient is None:
            return
        if patient.get("resourceType") != "Patient":
            self.problem(f"{p}.subject", f"is a {patient.get('resourceType')}, not a Patient",
                         "a handout is for one patient")
            return
        name, index = _choose_name(patient.get("name") or [])
        if name:
            self.put(("patient", "name"), _name_text(name, prefix=False), f"{pp}.name[{index}]")
        for i, talk in enumerate(patient.get("communication") or []):
            if talk.get("preferred"):
                code = next((c.get("code") for c in (talk.get("language") or {}).get("coding") or []
                             if c.get("code")), None)
                if code:
                    self.put(("patient", "language"), code, f"{pp}.communication[{i}].language")
                break
        for i, ident in enumerate(patient.get("identifier") or []):
            if ident.get("value"):
                self.put(("patient", "id"), ident["value"], f"{pp}.identifier[{i}].value")
                break
        self.weight(patient)

    def weight(self, patient: dict) -> None:
        """The patient's latest body weight; an Observation about someone else in the Bundle is not theirs."""
        best = None
        for resource, path, _ in self.resources:
            if resource.get("resourceType") != "Observation" or resource.get("status") == "entered-in-error":
                continue
            if resource.get("subject") and self.resolve(resource["subject"], resource, path)[0] is not patient:
                continue
            coded = {(c.get("system"), c.get("code")) for c in (resource.get("code") or {}).get("coding") or []}
            if LOINC_BODY_WEIGHT in coded and resource.get("valueQuantity"):
                when = resource.get("effectiveDateTime") or ""
                if best is None or when >= best[0]:
                    best = (when, resource, path)
        if best:
            _, obs, path = best
            value = self.quantity(obs["valueQuantity"], WEIGHT, f"{path}.valueQuantity", "a body weight",
                                  "kg or [lb_av]")
            if value:
                self.put(("patient", "weight"), value, f"{path}.valueQuantity")

    def medication(self, mr: dict, p: str) -> None:
        if "medicationCodeableConcept" in mr:
            self.concept("medication", mr["medicationCodeableConcept"], f"{p}.medicationCodeableConcept",
                         ("medication",))
            return
        med, mp = self.resolve(mr.get("medicationReference"), mr, p)
        if med is None:
            display = (mr.get("medicationReference") or {}).get("display")
            if display:
                self.put(("medication",), display, f"{p}.medicationReference.display")
            else:
                self.problem(f"{p}.medicationReference", "does not lead to a Medication in this document",
                             "contain the Medication, or put it in the Bundle")
            return
        if not med.get("code"):
            self.problem(f"{mp}.code", "is missing: the medicine is not named", "give its RxNorm code")
            return
        self.concept("medication", med["code"], f"{mp}.code", ("medication",))
        strengths = [(i, ing["strength"]) for i, ing in enumerate(med.get("ingredient") or []) if ing.get("strength")]
        if len(strengths) > 1:
            self.problem(f"{mp}.ingredient", "lists more than one strength: a combination product",
                         "the content library covers single-ingredient products only")
        elif strengths:
            i, ratio = strengths[0]
            element = f"{mp}.ingredient[{i}].strength"
            amount = self.quantity(ratio.get("numerator") or {}, MASS, f"{element}.numerator", "a strength",
                                   "mg or ug")
            per = ratio.get("denominator") or {}
            if amount and VOLUME.get(per.get("code") or per.get("unit")) and per.get("value"):
                number, unit = amount.split()
                self.put(("strength",), f"{_num(float(number) / per['value'])} {unit}/mL", element)
            elif amount:
                self.problem(f"{element}.denominator", "must be a volume in mL",
                             "write the strength per mL, e.g. 1000 ug / 1 mL")

    def concept(self, kind: str, concept: dict, element: str, path: tuple, route: str | None = None):
        """A CodeableConcept → a library entry by code; by text only when no code is given."""
        codings = concept.get("coding") or []
        for j, coding in enumerate(codings):
            found = self.codes.lookup(kind, coding.get("system"), coding.get("code"))
            if found:
                if kind == "site":
                    match = next((m for m in found if self.lib.sites[m.ident]["route"] == route), found[0])
                    words = match.ident.replace("_", " ")
                    self.put(path, f"{match.side} {words}" if match.side else words, f"{element}.coding[{j}]")
                else:
                    self.put(path, found[0].ident, f"{element}.coding[{j}]")
                return found[0].ident
        if codings:
            first = codings[0]
            label = first.get("display") or concept.get("text") or "this code"
            what = {"medication": "is not in the content library", "route": "is not a route the content library "
                    "knows", "site": "is not a site in the content library's catalogue"}[kind]
            self.problem(f"{element}.coding[0]", f"{label} ({codes.system_name(first.get('system'))} "
                         f"{first.get('code')}) {what}", self.fix(kind))
            return None
        if concept.get("text"):
            self.put(path, concept["text"], f"{element}.text")
            return None
        self.problem(element, "has neither a code nor text", self.fix(kind))
        return None

    def fix(self, kind: str) -> str:
        if kind == "medication":
            return ("run 'handout medications' to see what the library covers; nothing is guessed. A clinic can "
                    "add a medication with its codes in its own content folder (--content)")
        table = self.lib.routes if kind == "route" else self.lib.sites
        known = []
        for ident, entry in table.items():
            if kind == "route" and not any(s["route"] == ident for s in self.lib.sites.values()):
                continue
            for coding in (entry.get("codes") or [])[:2 if kind == "site" else 3]:
                known.append(f"{codes.system_name(coding['system'])} {coding['code']} ({coding['display']})")
        return "use one of: " + "; ".join(known)

    def quantity(self, q: dict, units: dict, element: str, what: str, allowed: str) -> str | None:
        value, code = q.get("value"), q.get("code") or q.get("unit")
        if q.get("comparator"):
            self.problem(f"{element}.comparator", f"is {q['comparator']!r}: {what} must be one exact amount, not "
                         "a limit", "give the exact amount, without comparator")
            return None
        if value is None:
            self.problem(f"{element}.value", f"is missing: {what} needs a number", f"give value and code ({allowed})")
            return None
        if code not in units or (q.get("system") not in (None, UCUM) and q.get("code")):
            self.problem(f"{element}.code", f"{code!r} is not a unit for {what} this tool reads",
                         f"use UCUM ({UCUM}) code {allowed}")
            return None
        return f"{_num(value)} {units[code]}"

    def note(self, text: str, element: str) -> None:
        if "notes" in self.data:
            self.data["notes"] += " " + text
        else:
            self.put(("notes",), text, element)

    # --- dosage -------------------------------------------------------------------

    def dosages(self, mr: dict, p: str) -> None:
        dosages = mr.get("dosageInstruction") or []
        if not dosages:
            self.problem(f"{p}.dosageInstruction", "is missing: no dose, route or schedule",
                         "give one Dosage per phase of the schedule")
            return
        ordered = sorted(enumerate(dosages), key=lambda item: item[1].get("sequence", 0))
        kept, marked = {}, False
        for ext, value, element in self.extensions(mr, p):
            marked = marked or ext == "phase-doses" and value is True
            if ext == "dose":
                amount = self.quantity(value or {}, {**MASS, **VOLUME}, f"{element}.valueQuantity", "a dose",
                                       "mg, ug or mL")
                if amount:
                    field = "volume" if amount.endswith("mL") else "dose"
                    kept[field] = amount
                    self.put((field,), amount, f"{element}.valueQuantity")
        seen: dict = {}
        before = len(self.problems)
        for i, dosage in ordered:
            if dosage.get("sequence") in seen:
                self.problem(f"{p}.dosageInstruction[{i}].sequence", f"repeats sequence {dosage.get('sequence')} "
                             f"of dosageInstruction[{seen[dosage.get('sequence')]}]: doses given at the same time",
                             "a handout shows one injection at a time: give each phase its own sequence number")
            seen[dosage.get("sequence")] = i
        if len(self.problems) > before:
            return
        same: dict = {"dose": kept} if kept or marked else {}
        for phase, (i, dosage) in enumerate(ordered):
            self.dosage(dosage, f"{p}.dosageInstruction[{i}]", phase, same)
            self.elements.setdefault(("schedule", "phases", phase), f"{p}.dosageInstruction[{i}].timing")
        schedule = self.data.setdefault("schedule", {})
        schedule["phases"] = [phase for _, phase in sorted(schedule.get("phases", {}).items())]
        if not any(d.get("route") for d in dosages):
            self.problem(f"{p}.dosageInstruction[0].route", "is missing", self.fix("route"))

    def dosage(self, d: dict, base: str, phase: int, same: dict) -> None:
        for key, why in (("asNeededBoolean", "as needed"), ("asNeededCodeableConcept", "as needed"),
                         ("rateRatio", "an infusion rate"), ("rateRange", "an infusion rate"),
                         ("rateQuantity", "an infusion rate")):
            if d.get(key):
                self.problem(f"{base}.{key}", f"gives {why}: a home-injection handout follows a fixed schedule",
                             "give a fixed schedule in timing.repeat")
        self.agree(same, "route", d.get("route"), f"{base}.route")
        route = self.data.get("route") if isinstance(self.data.get("route"), str) else None
        if d.get("route") and phase == 0:
            self.concept("route", d["route"], f"{base}.route", ("route",))
            route = self.data.get("route")
        rotation = [(d["site"], f"{base}.site")] if d.get("site") else []
        for ext, value, element in self.extensions(d, base):
            if ext == "site-rotation":
                rotation.append((value or {}, f"{element}.valueCodeableConcept"))
            elif ext == "needle-gauge" and "gauge" not in self.data.get("needle", {}):
                self.put(("needle", "gauge"), value, f"{element}.valueInteger")
            elif ext == "needle-angle" and "angle" not in self.data:
                self.put(("angle",), value, f"{element}.valueInteger")
            elif ext == "product-form" and "form" not in self.data:
                self.put(("form",), value, f"{element}.valueString")
            elif ext == "until":
                self.put(("schedule", "phases", phase, "until"), value, f"{element}.valueString")
            elif ext == "at-clinic" and value:
                self.put(("schedule", "phases", phase, "at"), "clinic", f"{element}.valueBoolean")
            elif ext == "needle-length" and "length" not in self.data.get("needle", {}):
                length = self.quantity(value or {}, LENGTH, f"{element}.valueQuantity", "a needle length",
                                       "mm or [in_i]")
                if length:
                    self.put(("needle", "length"), length, f"{element}.valueQuantity")
        self.agree(same, "sites", [c for c, _ in rotation], f"{base}.site")
        if rotation and phase == 0:
            for k, (concept, element) in enumerate(rotation):
                self.concept("site", concept, element, ("sites", k), route)
            self.data["sites"] = list(self.data.get("sites", {}).values())
        doses = {}
        for j, rate in enumerate(d.get("doseAndRate") or []):
            element = f"{base}.doseAndRate[{j}]"
            if rate.get("doseRange"):
                self.problem(f"{element}.doseRange", "is a range: the patient needs one dose",
                             "give doseQuantity")
            q = rate.get("doseQuantity")
            if q:
                unit = q.get("code") or q.get("unit")
                field = "volume" if unit in VOLUME else "dose"
                amount = self.quantity(q, VOLUME if field == "volume" else MASS, f"{element}.doseQuantity",
                                       "a dose", "mg, ug or mL")
                if amount and field in doses:
                    self.problem(f"{element}.doseQuantity", f"gives a second {field}", "give one dose")
                elif amount:
                    doses[field] = (amount, f"{element}.doseQuantity")
        # The prescription's dose is the first phase's (or the one kept in the dose extension); a phase
        # whose Dosage gives another dose has its own.
        if phase == 0 and not d.get("doseAndRate"):
            self.problem(f"{base}.doseAndRate", "is missing: no dose", "give doseAndRate.doseQuantity in mg, ug or mL")
        if "dose" not in same:
            same["dose"] = {k: v[0] for k, v in doses.items()}
            for field, (amount, element) in doses.items():
                self.put((field,), amount, element)
        elif doses and {k: v[0] for k, v in doses.items()} != same["dose"]:
            for field, (amount, element) in doses.items():
                self.put(("schedule", "phases", phase, field), amount, element)
        self.timing(d.get("timing") or {}, f"{base}.timing", phase)
        for k, extra in enumerate(d.get("additionalInstruction") or []):
            text = extra.get("text") or next((c.get("display") for c in extra.get("coding") or []
                                              if c.get("display")), "")
            if text:
                self.note(text, f"{base}.additionalInstruction[{k}]")
        if d.get("patientInstruction"):
            self.note(d["patientInstruction"].strip(), f"{base}.patientInstruction")

    def agree(self, same: dict, what: str, value, element: str) -> None:
        """Every phase must give the same route and sites (one handout, one way to inject)."""
        if not value:
            return
        if what not in same:
            same[what] = (value, element)
        elif same[what][0] != value:
            self.problem(element, f"differs from {same[what][1]}: every phase must give the same {what}",
                         "a handout shows one injection; make a separate order for a different one")

    def timing(self, timing: dict, element: str, phase: int) -> None:
        if timing.get("event"):
            self.problem(f"{element}.event", "lists dates this tool does not read: the calendar would not show them",
                         "give the schedule in repeat (period, count, boundsPeriod.start) instead")
        repeat = timing.get("repeat")
        if not repeat:
            self.problem(f"{element}.repeat", "is missing: the schedule is not given",
                         "give repeat.frequency, period and periodUnit (d, wk or mo)")
            return
        r = f"{element}.repeat"
        for key, what in NOT_SHOWN.items():
            if key in repeat:
                self.problem(f"{r}.{key}", f"gives {what}, which a handout cannot show yet",
                             "leave it out and say it in patientInstruction, or give the handout by hand")
        path = ("schedule", "phases", phase)
        period, unit = repeat.get("period"), repeat.get("periodUnit")
        if period is None or unit not in PERIOD or period != int(period) or period <= 0:
            self.problem(f"{r}.period" if unit in PERIOD or unit is None else f"{r}.periodUnit",
                         f"is {_num(period) if period is not None else 'missing'} {unit or ''}".rstrip()
                         + ": the time between doses must be whole days, weeks or months",
                         "give period (a whole number) and periodUnit d, wk or mo")
        else:
            longest = repeat.get("periodMax")
            if longest is not None and (longest != int(longest) or longest <= period):
                self.problem(f"{r}.periodMax", f"is {_num(longest)}: a range must go from period to a longer "
                             "whole number", "give periodMax greater than period, in the same periodUnit")
            span = f"{int(period)} to {int(longest)}" if longest is not None else f"{int(period)}"
            self.put((*path, "every"), f"{span} {PERIOD[unit]}", f"{r}.period")
        days = repeat.get("dayOfWeek") or []
        if days:
            self.put((*path, "days"), list(days), f"{r}.dayOfWeek")
        elif repeat.get("frequency", 1) != 1:
            self.put((*path, "times"), repeat["frequency"], f"{r}.frequency")
        if "count" in repeat:
            self.put((*path, "count"), repeat["count"], f"{r}.count")
        if repeat.get("boundsDuration"):
            span = repeat["boundsDuration"]
            code = span.get("code") or span.get("unit")
            if code in PERIOD and span.get("value") and span["value"] == int(span["value"]):
                self.put((*path, "for"), f"{int(span['value'])} {PERIOD[code]}", f"{r}.boundsDuration")
            else:
                self.problem(f"{r}.boundsDuration", "must be whole days, weeks or months",
                             "give value (a whole number) and code d, wk or mo")
        bounds = repeat.get("boundsPeriod") or {}
        if bounds.get("start"):
            where = ("schedule", "start") if phase == 0 else (*path, "start")
            self.put(where, bounds["start"][:10], f"{r}.boundsPeriod.start")
        if bounds.get("end"):
            self.problem(f"{r}.boundsPeriod.end", "is not read: an end date does not say how many doses",
                         "give count, or boundsDuration, instead")

    # --- who to call ------------------------------------------------------------

    def prescriber(self, mr: dict, p: str) -> None:
        who, wp = self.referred(mr, "requester", p, ("prescriber", "name"))
        if who is None:
            return
        kind = who.get("resourceType")
        telecom = []
        if kind == "PractitionerRole":
            telecom += [(c, f"{wp}.telecom[{i}]") for i, c in enumerate(who.get("telecom") or [])]
            clinic, cp = self.resolve(who.get("organization"), who, wp)
            if clinic and clinic.get("name"):
                self.put(("prescriber", "clinic"), clinic["name"], f"{cp}.name")
            person, pp = self.referred(who, "practitioner", wp, ("prescriber", "name"))
            who, wp, kind = person, pp, "Practitioner" if person else None
        if kind == "Practitioner":
            name, index = _choose_name(who.get("name") or [])
            if name:
                self.put(("prescriber", "name"), _name_text(name, prefix=True), f"{wp}.name[{index}]")
            telecom += [(c, f"{wp}.telecom[{i}]") for i, c in enumerate(who.get("telecom") or [])]
        elif kind == "Organization" and who.get("name"):
            self.put(("prescriber", "clinic"), who["name"], f"{wp}.name")
            telecom += [(c, f"{wp}.telecom[{i}]") for i, c in enumerate(who.get("telecom") or [])]
        self.contacts(telecom, "prescriber")

    def contacts(self, telecom: list, who: str) -> None:
        for point, element in telecom:
            if point.get("use") == "old" or not point.get("value"):
                continue
            after = any(e.get("url") == EXT + "after-hours" and e.get("valueBoolean")
                        for e in point.get("extension") or [])
            field = {"phone": "after_hours" if after else "phone", "email": "email"}.get(point.get("system"))
            if field and (who, field) != ("pharmacy", "after_hours") and field not in self.data.get(who, {}):
                self.put((who, field), point["value"], f"{element}.value")

    def pharmacy(self, mr: dict, p: str) -> None:
        dispense = mr.get("dispenseRequest") or {}
        org, op = self.resolve(dispense.get("performer"), mr, p)
        if org is None:
            return
        if org.get("name"):
            self.put(("pharmacy", "name"), org["name"], f"{op}.name")
        self.contacts([(c, f"{op}.telecom[{i}]") for i, c in enumerate(org.get("telecom") or [])
                       if c.get("system") == "phone"], "pharmacy")


MAX_DEPTH = 32      # a Bundle of a MedicationRequest nests about 10 levels


class _Unreadable(ValueError):
    """JSON that parses but cannot be read for sure: a key given twice, NaN, a number past a float's range."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


def _object(pairs: list) -> dict:
    """A JSON object; a key given twice is refused ("status": "stopped", "status": "active" is not an order)."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise _Unreadable(f"gives {key!r} twice in one object: which one holds is not sure",
                              f"keep one '{key}' in that object")
        result[key] = value
    return result


def _not_a_number(word: str):
    raise _Unreadable(f"has {word}, which is not a JSON number", "give a number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Unreadable(f"has the number {text[:20]}, too large to be read", "give a number of usual size")
    return number


def _depth(document) -> int:
    """How deep lists and objects nest, counted without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


@functools.lru_cache(maxsize=4)
def _defaults(path: str) -> yamlsource.Located:
    """A --defaults file, read once per process however many bare MedicationRequests share it."""
    from ..manifest import load_defaults

    return load_defaults(path)


def _choose_name(names: list) -> tuple[dict | None, int]:
    """``usual`` first, then ``official``, then any current name."""
    for use in ("usual", "official", None):
        for i, name in enumerate(names):
            if name.get("use") == use or use is None and name.get("use") not in ("old", "maiden", "anonymous"):
                return name, i
    return None, 0


def _name_text(name: dict, prefix: bool) -> str:
    if name.get("text"):
        return name["text"].strip()
    parts = (name.get("prefix") or [] if prefix else []) + (name.get("given") or []) + [name.get("family") or ""]
    return " ".join(part for part in parts if part).strip()


def _num(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _nulls(node, path: tuple):
    if node is None:
        yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _nulls(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nulls(value, (*path, str(i)))


def _overlay(base: dict, over: dict) -> None:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value)
        else:
            base[key] = value
