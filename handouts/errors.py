"""Problems found in a prescription, reported the way a person can act on them.

Every problem names the file, the line and the field, says what is wrong and
how to fix it. Errors block the handout; warnings are printed and, with
``--strict``, block too.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def field_name(path: tuple) -> str:
    """A path in the YAML as a person writes it: ``schedule.phases[1].every``."""
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one prescription."""

    file: str
    line: int | None
    field: str
    message: str
    fix: str = ""
    severity: str = "error"  # "error" | "warning"
    source: str = ""

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f"{self.field}: " if self.field else ""
        text = f"{where}: {self.severity}: {field}{self.message}"
        if self.source:
            text += f" (source: {self.source})"
        if self.fix:
            text += "\n    fix: " + self.fix.replace("\n", "\n         ")
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "source": self.source,
        }


@dataclass
class HandoutError(Exception):
    """Anything that stops one handout, carrying the problems a person can act on.

    Each door converts it at its own edge: the command line to an exit code,
    a batch to a refused row, the web app to a status. Nothing else escapes
    the library for bad input.
    """

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class PrescriptionError(HandoutError):
    """A prescription (file, CSV row, FHIR resource) that cannot become a handout."""


class ContentError(HandoutError):
    """A content library (built-in or a clinic's folder) that is broken or incomplete."""


class LayoutOverflowError(HandoutError):
    """The handout's sections cannot keep the layout's page promise."""


class OutputError(HandoutError):
    """An output that cannot be written safely: a link, a folder, no permission, a full disk."""
