"""Structural validation against FHIR R4 (4.0.1), by the SMART on FHIR model classes.

``fhirclient``'s models are generated from the 4.0.1 specification itself, so a
document that passes them has R4's elements, types, cardinalities and date
formats. Their errors are a nested tree with dotted paths; here each leaf
becomes one Problem with a FHIRPath-style element path and a fix.
"""

from __future__ import annotations

import re

from ..errors import Problem

_QUOTED = re.compile(r'"([^"]+)"')
_EXPECTED = re.compile(r"expecting <class '(?:[\w.]+\.)?(\w+)'>")


def problems(document: dict, name: str, line: int | None) -> list[Problem]:
    """Every way ``document`` (a Bundle or a MedicationRequest) breaks FHIR R4; empty when it is valid."""
    from fhirclient.models import bundle, medicationrequest
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    model = bundle.Bundle if document.get("resourceType") == "Bundle" else medicationrequest.MedicationRequest
    try:
        model(document)
    except FHIRValidationError as error:
        leaves = list(_leaves(error, ()))
    except (TypeError, ValueError, KeyError, AttributeError) as error:   # malformed beyond the model's own checks
        leaves = [((), error)]
    else:
        return []
    found = []
    for path, error in leaves:
        if isinstance(error, KeyError) and _shadowed(path, error, leaves):
            continue
        element, message, fix = _describe(document, path, error)
        found.append(Problem(name, line, element, message, fix))
    return found


def _leaves(error, path: tuple):
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    if isinstance(error, FHIRValidationError):
        inner = (*path, *error.path.split(".")) if error.path else path
        for child in error.errors:
            yield from _leaves(child, inner)
    else:
        yield path, error


def _shadowed(path: tuple, error: KeyError, leaves: list) -> bool:
    """A 'required element missing' that only follows from a bad value of that element."""
    missing = _QUOTED.search(str(error))
    if not missing:
        return False
    depth = len(path)
    return any(other[:depth] == path and len(other) > depth and other[depth].startswith(missing[1])
               for other, e in leaves if e is not error)


def _describe(document: dict, path: tuple, error: Exception) -> tuple[str, str, str]:
    text = str(error).strip("'\"")
    quoted = _QUOTED.search(str(error))
    if isinstance(error, KeyError) and quoted:
        return (element_path(document, (*path, quoted[1])), "is required by FHIR R4 but missing",
                f"add {quoted[1]}; see hl7.org/fhir/R4")
    if isinstance(error, AttributeError) and quoted:
        return (element_path(document, (*path, quoted[1])), "is not an element of FHIR R4 here",
                "check its spelling and nesting against hl7.org/fhir/R4 (4.0.1), or remove it")
    if isinstance(error, TypeError):
        want = _EXPECTED.search(text)
        kind = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
                "list": "a list"}.get(want[1], want[1]) if want else "another type"
        if "list property" in text:
            kind = "a list"
        return element_path(document, path), f"has the wrong type for FHIR R4: it must be {kind}", \
            "correct the value's JSON type"
    if isinstance(error, ValueError) and "format" in text:
        return (element_path(document, path), "is not a valid FHIR date or time",
                "write it as YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss+zz:zz")
    return element_path(document, path), f"is not valid FHIR R4 ({text})", "see hl7.org/fhir/R4"


def element_path(document: dict, path: tuple) -> str:
    """('entry','2','resource','name','0') → 'Patient.name[0]'; indexes in brackets, rooted at the resource."""
    root = document.get("resourceType", "")
    steps = list(path)
    if root == "Bundle" and len(steps) >= 3 and steps[0] == "entry" and steps[2] == "resource" \
            and steps[1].isdigit():
        entries = document.get("entry") or []
        index = int(steps[1])
        entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        resource = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
        root = resource.get("resourceType") if isinstance(resource.get("resourceType"), str) else \
            f"Bundle.entry[{index}].resource"
        steps = steps[3:]
    text = root
    for step in steps:
        text += f"[{step}]" if str(step).isdigit() else f".{step}"
    return text
