"""A Prescription → a FHIR R4 Bundle that reads back to the same handout.

The Bundle is the exact inverse of ``read``: reading it gives the same
normalized values, so the handout's bytes are the same. Codes come from the
content library (the first code of each entry); ids are derived from the
prescription, so the same file always gives the same Bundle.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from .. import units
from ..prescription import Contact, Prescription
from . import codes
from .read import EXT, LOINC_BODY_WEIGHT, UCUM, WEEKDAYS, _num

PERIOD_CODE = {"day": "d", "week": "wk", "month": "mo"}
PERIOD_WORD = {"day": "days", "week": "weeks", "month": "months"}


def bundle(rx: Prescription, library) -> dict:
    """The collection Bundle: MedicationRequest, Patient, Medication, prescriber, clinic, pharmacy, weight."""
    index = codes.index(library)
    seed = hashlib.sha256(json.dumps(rx.source.data, sort_keys=True, default=str).encode()).hexdigest()

    def url(kind: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}/{kind}')}"

    entries: list[tuple[str, dict]] = []
    patient = {"resourceType": "Patient", "name": [_human(rx.patient_name, prefix=False)],
               "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": rx.language}]},
                                  "preferred": True}]}
    patient_id = (rx.source.data.get("patient") or {}).get("id")
    if patient_id not in (None, ""):
        patient["identifier"] = [{"value": str(patient_id)}]
    entries.append((url("patient"), patient))

    medication = {"resourceType": "Medication", "code": _concept(index.coding("medication", rx.medication),
                                                                 rx.medication),
                  "ingredient": [{"itemCodeableConcept": _concept(index.coding("medication", rx.medication),
                                                                  rx.medication),
                                  "strength": {"numerator": _mass(rx.strength_mcg_per_ml, rx.strength_unit),
                                               "denominator": _quantity(1, "mL", "mL")}}]}
    entries.append((url("medication"), medication))

    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "medicationReference": {"reference": url("medication")},
               "subject": {"reference": url("patient")}, "authoredOn": rx.issued.isoformat(),
               "dosageInstruction": [_dosage(rx, index, n) for n in range(len(rx.phases))]}
    extensions = [{"url": EXT + "emergency-number", "valueString": rx.emergency_number}]
    if rx.off_label:
        extensions.append({"url": EXT + "off-label", "valueBoolean": True})
    extensions += [{"url": EXT + "confirm", "valueCode": item} for item in rx.confirm]
    if any(phase.dose_mcg is not None or phase.volume_ml is not None for phase in rx.phases):
        # Each Dosage carries the dose it gives; the prescription's own dose, if any, is kept beside them.
        extensions.append({"url": EXT + "phase-doses", "valueBoolean": True})
        if rx.dose_mcg is not None:
            extensions.append({"url": EXT + "dose", "valueQuantity": _quantity(rx.dose_mcg, "mcg", "ug")})
        if rx.volume_ml is not None:
            extensions.append({"url": EXT + "dose", "valueQuantity": _quantity(rx.volume_ml, "mL", "mL")})
    request["extension"] = extensions

    practitioner = {"resourceType": "Practitioner", "name": [_human(rx.prescriber.name, prefix=True)]}
    if _telecom(rx.prescriber):
        practitioner["telecom"] = _telecom(rx.prescriber)
    entries.append((url("practitioner"), practitioner))
    if rx.prescriber.clinic:
        entries.append((url("clinic"), {"resourceType": "Organization", "name": rx.prescriber.clinic}))
        entries.append((url("role"), {"resourceType": "PractitionerRole",
                                      "practitioner": {"reference": url("practitioner")},
                                      "organization": {"reference": url("clinic")}}))
        request["requester"] = {"reference": url("role")}
    else:
        request["requester"] = {"reference": url("practitioner")}
    if rx.pharmacy is not None:
        pharmacy = {"resourceType": "Organization", "name": rx.pharmacy.name}
        if rx.pharmacy.phone:
            pharmacy["telecom"] = [{"system": "phone", "value": rx.pharmacy.phone, "use": "work"}]
        entries.append((url("pharmacy"), pharmacy))
        request["dispenseRequest"] = {"performer": {"reference": url("pharmacy")}}
    if rx.weight_kg is not None:
        system, code = LOINC_BODY_WEIGHT
        entries.append((url("weight"), {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": system, "code": code, "display": "Body weight"}]},
            "subject": {"reference": url("patient")}, "valueQuantity": _quantity(rx.weight_kg, "kg", "kg")}))
    entries.insert(0, (url("request"), request))
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": full, "resource": resource} for full, resource in entries]}


def _dosage(rx: Prescription, index: codes.Index, n: int) -> dict:
    phase = rx.phases[n]
    repeat = {"frequency": phase.times, "period": phase.every.count, "periodUnit": PERIOD_CODE[phase.every.unit]}
    if phase.every_max is not None:
        repeat["periodMax"] = phase.every_max.count
    if phase.weekdays:
        repeat["dayOfWeek"] = [WEEKDAYS[day] for day in phase.weekdays]
    if phase.count is not None:
        repeat["count"] = phase.count
    if phase.duration is not None:
        repeat["boundsDuration"] = {"value": phase.duration.count, "unit": PERIOD_WORD[phase.duration.unit],
                                    "system": UCUM, "code": PERIOD_CODE[phase.duration.unit]}
    start = rx.start if n == 0 else phase.start
    if start is not None:
        repeat["boundsPeriod"] = {"start": start.isoformat()}
    dosage = {"sequence": n + 1, "timing": {"repeat": repeat},
              "route": _concept(index.coding("route", rx.route), rx.route)}
    sites = [_concept(index.coding("site", c.site, c.side),
                      f"{c.side} {c.site.replace('_', ' ')}" if c.side else c.site.replace("_", " "))
             for c in rx.sites]
    extensions = [{"url": EXT + "site-rotation", "valueCodeableConcept": site} for site in sites[1:]]
    extensions += [{"url": EXT + "needle-gauge", "valueInteger": rx.gauge}, {"url": EXT + "needle-length",
                   "valueQuantity": _length(rx.needle_mm)}]
    if rx.angle is not None:
        extensions.append({"url": EXT + "needle-angle", "valueInteger": rx.angle})
    if rx.form is not None:
        extensions.append({"url": EXT + "product-form", "valueString": rx.form.replace("_", " ")})
    if phase.until:
        extensions.append({"url": EXT + "until", "valueString": phase.until})
    if phase.at_clinic:
        extensions.append({"url": EXT + "at-clinic", "valueBoolean": True})
    dosage["extension"] = extensions
    if sites:
        dosage["site"] = sites[0]
    amounts = []
    own = phase.dose_mcg is not None or phase.volume_ml is not None
    dose, volume = (phase.dose_mcg, phase.volume_ml) if own else (rx.dose_mcg, rx.volume_ml)
    if dose is not None:
        amounts.append(_quantity(dose, "mcg", "ug"))
    if volume is not None:
        amounts.append(_quantity(volume, "mL", "mL"))
    dosage["doseAndRate"] = [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/dose-rate-type",
                                                   "code": "ordered", "display": "Ordered"}]},
                              "doseQuantity": amount} for amount in amounts]
    if n == 0 and rx.notes:
        dosage["patientInstruction"] = rx.notes
    return dosage


def _concept(coding: dict | None, text: str) -> dict:
    return {"coding": [coding]} if coding else {"text": text}


def _quantity(value: float, unit: str, code: str) -> dict:
    number = float(value)
    return {"value": int(number) if number.is_integer() else number, "unit": unit, "system": UCUM, "code": code}


def _mass(mcg: float, unit: str) -> dict:
    return _quantity(mcg / 1000, "mg", "mg") if unit == "mg" else _quantity(mcg, "mcg", "ug")


def _length(mm: float) -> dict:
    """Inches when the needle is sold in inches (5/8 in reads back to the same millimetres), else mm."""
    inches = mm / 25.4
    eighths = round(inches * 8) / 8
    if eighths and abs(units.length_mm(f"{_num(eighths)} in") - mm) < 1e-9:
        return _quantity(eighths, "in", "[in_i]")
    return _quantity(mm, "mm", "mm")


def _human(text: str, prefix: bool) -> dict:
    """HumanName with the name as written in text; family and given split for systems that need them."""
    words = text.split()
    name = {"text": text}
    if prefix and len(words) > 2 and words[0].endswith("."):
        name["prefix"], words = [words[0]], words[1:]
    if len(words) > 1:
        name["family"], name["given"] = words[-1], words[:-1]
    elif words:
        name["family"] = words[0]
    return name


def _telecom(contact: Contact) -> list[dict]:
    points = []
    if contact.phone:
        points.append({"system": "phone", "value": contact.phone, "use": "work"})
    if contact.after_hours:
        points.append({"extension": [{"url": EXT + "after-hours", "valueBoolean": True}],
                       "system": "phone", "value": contact.after_hours, "use": "work"})
    if contact.email:
        points.append({"system": "email", "value": contact.email, "use": "work"})
    return points
