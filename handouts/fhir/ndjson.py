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
    except ValueError:
        return False


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for number, text in enumerate(handle, 1):
            if text.strip():
                yield number, text


def count(path: Path) -> int:
    return sum(1 for _ in _lines(path))


def jobs(path: Path, defaults: str | None) -> Iterator:
    """One batch job per non-blank line."""
    from ..manifest import Job

    for n, (number, text) in enumerate(_lines(path), 1):
        yield Job(f"{path}:{number}", path=path, text=text, stem=f"{path.stem}-{n}", row_line=number,
                  defaults_file=defaults or "", key=f"{os.path.realpath(path)} line {number}")
