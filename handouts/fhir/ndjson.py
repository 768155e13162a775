"""NDJSON (bulk-data export): one FHIR resource or Bundle a line, each line one prescription.

Told by content: a file whose first non-blank line is a whole JSON object with a
resourceType. Lines are streamed, never listed, so an export of any size costs
the batch no memory; each line's problems point at its line number.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

_PEEK = 1 << 20


def is_ndjson(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            first = handle.read(1)
            while first in (b" ", b"\t", b"\r", b"\n"):
                first = handle.read(1)
            if first != b"{":
                return False
            line = (first + handle.readline(_PEEK)).strip()
    except OSError:
        return False
    if not line.endswith(b"}") or b'"resourceType"' not in line:
        return False
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):     # not JSON, or nested past the parser's depth: read as YAML, refused
        return False


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) of each non-blank line; text None for a line that is not UTF-8.

    Such a line is refused by itself, never read with replacement characters:
    "L\ufffdpez" would print on the handout as the patient's name.
    """
    with open(path, "rb") as handle:
        for number, data in enumerate(handle, 1):
            if not data.strip():
                continue
            try:
                yield number, data.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, None


def count(path: Path) -> int:
    return sum(1 for _ in _lines(path))


def jobs(path: Path, defaults: str | None) -> Iterator:
    """One batch job per non-blank line."""
    from ..errors import Problem
    from ..manifest import Job

    for n, (number, text) in enumerate(_lines(path), 1):
        refusal = None if text is not None else Problem(
            str(path), number, "", "is not UTF-8 text: this line has bytes from another character set, so its "
            "letters cannot be read for sure", "export the file as UTF-8, as FHIR requires")
        yield Job(f"{path}:{number}", path=path, text=text, stem=f"{path.stem}-{n}", row_line=number,
                  defaults_file=defaults or "", key=f"{os.path.realpath(path)} line {number}", refusal=refusal)
