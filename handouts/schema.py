"""The published JSON Schema of the prescription format (kept as data)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SCHEMA = Path(__file__).parent / "content" / "prescription.schema.json"


@cache
def load() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))
