"""FHIR R4 input: a Bundle or a bare MedicationRequest becomes the same Prescription a YAML file does.

Recognised by content, never by file name: JSON whose top object has a
``resourceType``. Importing this package costs nothing; the FHIR model library
is loaded only when a FHIR document is actually read.
"""

from __future__ import annotations


def is_fhir(text: str) -> bool:
    """True for JSON with a resourceType (a YAML flow mapping also starts with '{', so both are needed)."""
    head = text.lstrip("\ufeff \t\r\n")
    return head[:1] == "{" and '"resourceType"' in text


def parse(text: str, name: str, library, defaults: str | None = None, line: int | None = None):
    """One FHIR document (text) to a checked-for-format Prescription; raises PrescriptionError."""
    from .read import parse as read

    return read(text, name, library, defaults, line)
