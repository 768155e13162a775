"""File names for batch output, made from a template and safe on any file system.

Names come from patient data, which can hold anything: slashes, "..",
control characters, names hundreds of characters long. Every name is reduced
to letters, digits, dashes and dots, never starts with a dot, and stays well
under file-system limits.
"""

from __future__ import annotations

import re
import string
import unicodedata

DEFAULT_TEMPLATE = "{patient}-{medication}-{start}"
COLLISIONS = ("suffix", "error", "overwrite")    # when two handouts get the same name
FIELDS = ("patient", "medication", "route", "start", "id", "source")
MAX_STEM = 100                     # characters before ".pdf"
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def check_template(template: str) -> None:
    """Raise ValueError saying what is wrong, so a bad template fails before any work.

    Fields are plain ``{name}``: a format spec (``{patient:d}``), a conversion
    (``{patient!r}``) or an index (``{patient[0]}``) would fail, or surprise,
    on the thousandth handout rather than on the first.
    """
    use = "use plain fields: " + ", ".join(f"{{{f}}}" for f in FIELDS) + " (write {{ and }} for a brace)"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"the name template is not valid ({error}); {use}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS:
            raise ValueError(f"unknown field {{{name}}} in the name template; {use}")
        if spec or conversion:
            written = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            raise ValueError(f"{written} in the name template: fields take no format or conversion; {use}")


def file_name(template: str, fields: dict) -> str:
    """``template`` filled from ``fields``, made safe, ending in .pdf."""
    raw = template.format(**{k: fields.get(k, "") for k in FIELDS})
    return safe(raw) + ".pdf"


def safe(text: str) -> str:
    # Letters lose their accents (López → Lopez) so names survive every file system and zip tool.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    text = text[:MAX_STEM].rstrip("-.")
    if not text or text.lower().split(".")[0] in _RESERVED:
        text = f"handout-{text}" if text else "handout"
    return text
