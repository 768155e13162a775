"""Codes ↔ content library entries, read from the library's own ``codes:`` data.

Python holds no clinical code: RxNorm, SNOMED CT, HL7 v3 and EDQM codes live
beside each medication, route and site in ``handouts/content/*.yaml`` (a
clinic's own folder may add more). Only the names of the code systems, for
messages, are kept here.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEMS = {
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://snomed.info/sct": "SNOMED CT",
    "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration": "HL7 v3 route",
    "http://standardterms.edqm.eu": "EDQM",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "http://loinc.org": "LOINC",
}


def system_name(system: str | None) -> str:
    return SYSTEMS.get(system or "", system or "no code system")


@dataclass(frozen=True)
class Match:
    ident: str            # medication, route or site id in the library
    side: str | None = None


class Index:
    """(kind, system, code) → the library entries that code names."""

    def __init__(self, library):
        self.found: dict[tuple[str, str, str], list[Match]] = {}
        self.first: dict[tuple[str, str, str | None], dict] = {}
        for kind, table in (("medication", library.medications), ("route", library.routes),
                            ("site", library.sites)):
            for ident, entry in table.items():
                for coding in entry.get("codes") or []:
                    side = coding.get("side")
                    key = (kind, str(coding["system"]), str(coding["code"]))
                    self.found.setdefault(key, []).append(Match(ident, side))
                    self.first.setdefault((kind, ident, side), coding)
        self.systems = {system for _, system, _ in self.found}

    def lookup(self, kind: str, system: str | None, code: str | None) -> list[Match]:
        return self.found.get((kind, system or "", code or ""), [])

    def coding(self, kind: str, ident: str, side: str | None = None) -> dict | None:
        """The coding written on export for an entry (and side), if the library has one."""
        coding = self.first.get((kind, ident, side))
        if coding is None:
            return None
        return {"system": coding["system"], "code": str(coding["code"]), "display": coding["display"]}


_INDEXES: dict[int, tuple[object, Index]] = {}


def index(library) -> Index:
    """The index of one loaded library (libraries are loaded once per process and kept)."""
    held = _INDEXES.get(id(library))
    if held is None or held[0] is not library:
        held = _INDEXES[id(library)] = (library, Index(library))
    return held[1]
