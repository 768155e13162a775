"""The published JSON Schema of the prescription format: the one definition of its fields and bounds.

The loader reads its field names (the "is not a field this format knows"
check), its types, lengths, patterns, ranges and date bounds from here, so the
schema users validate against and the loader cannot disagree. Quantities
written with units ("62 kg", "1 mL", "2 weeks") carry an ``x-quantity``
keyword: the grammar that reads them (``parse``) and the range of each base
unit, ``[minimum, maximum]``. ``x-hint`` is the message a person sees when a
pattern is not met.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache, lru_cache
from pathlib import Path

from . import units

SCHEMA = Path(__file__).parent / "content" / "prescription.schema.json"

PARSERS = {
    "weight": units.weight_kg, "dose": units.dose, "volume": units.volume_ml, "length": units.length_mm,
    "strength": units.strength_mcg_per_ml, "interval": units.interval, "gauge": units.gauge,
    "interval_range": lambda text: max(filter(None, units.interval_range(text)), key=_days),
}
DAYS = {"day": 1, "week": 7, "month": 30.44}


@cache
def load() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@cache
def fields() -> dict[tuple, frozenset[str]]:
    """Each mapping's allowed keys, by path ('*' stands for any list item)."""
    found: dict[tuple, frozenset[str]] = {}

    def walk(node: dict, path: tuple) -> None:
        node = _resolve(node)
        if "properties" in node:
            found[path] = frozenset(node["properties"])
            for key, child in node["properties"].items():
                walk(child, (*path, key))
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "*"))

    walk(load(), ())
    return found


def _resolve(node: dict) -> dict:
    """A schema node with its local ``$ref`` merged in (keys beside the ``$ref`` win)."""
    ref = node.get("$ref")
    if not ref:
        return node
    target = load()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**_resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}


def rule(path: tuple) -> dict | None:
    """The schema of the value at a key path (list indexes and '*' alike), or None if it has none."""
    return _rule(tuple("*" if isinstance(key, int) else key for key in path))


@lru_cache(maxsize=512)   # bounded: unknown keys in hostile files must not grow it
def _rule(path: tuple) -> dict | None:
    node = load()
    for key in path:
        node = _resolve(node)
        if key == "*":
            branches = [node, *node.get("oneOf", [])]
            node = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)
        else:
            node = node.get("properties", {}).get(key)
        if node is None:
            return None
    return _resolve(node)


def violation(path: tuple, value: object, text: str | None) -> str | None:
    """How a value breaks the schema at ``path`` (None when it does not).

    ``text`` is the scalar as written: a field the schema types as text takes
    it whatever YAML would have made of it; lists and groups pass ``None``.
    """
    spec = rule(path)
    if spec is None:
        return None
    branches = spec.get("oneOf") or [spec]
    found = None
    for branch in branches:
        found = _violation({**spec, **branch}, value, text)
        if found is None:
            return None
    return found


def _types(spec: dict) -> list[str]:
    kind = spec.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _violation(spec: dict, value: object, text: str | None) -> str | None:
    types = _types(spec)
    if isinstance(value, dict):
        return None if not types or "object" in types else f"must be {_want(types)}, not a group of fields"
    if isinstance(value, list):
        if types and "array" not in types:
            return f"must be {_want(types)}, not a list"
        if len(value) < spec.get("minItems", 0):
            return "is an empty list" if not value else f"needs at least {spec['minItems']} items"
        if "maxItems" in spec and len(value) > spec["maxItems"]:
            return f"has {len(value)} items; at most {spec['maxItems']} are allowed"
        return None
    if isinstance(value, bool) and "boolean" in types:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and "integer" in types:
        number = int(text) if text and text.isascii() and text.isdigit() else value
        if number < spec.get("minimum", number):
            return f"{text!r} is less than {spec['minimum']}, the smallest allowed"
        if number > spec.get("maximum", number):
            return f"{text!r} is more than {spec['maximum']}, the largest allowed"
        return None
    if "string" not in types:
        return f"must be {_want(types)}, not {text!r}"
    return _text_violation(spec, (text or "").strip())


def _want(types: list[str]) -> str:
    words = {"string": "text", "integer": "a whole number", "boolean": "true or false", "array": "a list",
             "object": "a group of fields"}
    return " or ".join(words.get(t, t) for t in types)


def _text_violation(spec: dict, text: str) -> str | None:
    if not text and (spec.get("minLength", 0) or "pattern" in spec):
        return "is empty"
    if len(text) < spec.get("minLength", 0):
        return f"is shorter than {spec['minLength']} characters"
    if "maxLength" in spec and len(text) > spec["maxLength"]:
        return f"is {len(text):,} characters long; at most {spec['maxLength']:,} are allowed"
    if "pattern" in spec and not _pattern(spec["pattern"]).search(text):
        return f"{short(text)} {spec.get('x-hint', 'is not in the form this field takes')}"
    if spec.get("format") == "date":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return f"{short(text)} {spec.get('x-hint', 'is not a date')}"
    if "x-quantity" in spec:
        return quantity_violation(spec["x-quantity"], text)
    return None


def quantity_violation(spec: dict, text: str) -> str | None:
    """How a quantity written with a unit breaks its grammar or range (None when it does not)."""
    try:
        parsed = PARSERS[spec["parse"]](text)
    except ValueError as error:
        return str(error)
    unit, number = _measure(parsed, spec)
    low, high = spec[unit]
    if number < low or number > high:
        return f"{short(text)} is outside {units.number(low)}–{units.number(high)} {unit}, the range this field takes"
    return None


def _days(span: units.Interval) -> float:
    return span.count * DAYS[span.unit]


def _measure(parsed, spec: dict) -> tuple[str, float]:
    if isinstance(parsed, units.Interval):
        return "day", _days(parsed)
    if isinstance(parsed, units.Volume):
        return "mL", float(parsed)
    unit = next(k for k in spec if k != "parse" and (spec["parse"] != "dose" or k != "mL"))
    return unit, float(parsed)


def short(text: str) -> str:
    """A value quoted for a message, cut to 40 characters."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


@cache
def _pattern(source: str) -> re.Pattern:
    return re.compile(source)
