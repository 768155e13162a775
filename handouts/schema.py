"""The published JSON Schema of the prescription format, kept as data.

It is the one list of the format's fields: the loader's "is not a field this
format knows" check reads it, so the schema users validate against and the
loader can never disagree.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SCHEMA = Path(__file__).parent / "content" / "prescription.schema.json"


@cache
def load() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@cache
def fields() -> dict[tuple, frozenset[str]]:
    """Each mapping's allowed keys, by path ('*' stands for any list item)."""
    found: dict[tuple, frozenset[str]] = {}

    def walk(node: dict, path: tuple) -> None:
        if "properties" in node:
            found[path] = frozenset(node["properties"])
            for key, child in node["properties"].items():
                walk(child, (*path, key))
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "*"))

    walk(load(), ())
    return found
