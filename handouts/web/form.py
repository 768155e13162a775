"""The clinician's form, generated from the JSON Schema and the content library.

Every field of the format becomes a control, so a field added to the schema
appears in the form without a change here. Where the library knows the
choices (medications, their routes, each route's sites and needles,
languages) the control offers only those; the browser narrows them as the
clinician picks (medication → routes → sites), from the ``choices`` data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .. import schema, units
from ..context import default as context_for

# Fields the library knows the values of: path → widget (the rest follow their schema type).
WIDGETS = {
    "medication": "medication",
    "strength": "strength",
    "route": "route",
    "sites": "sites",
    "needle.gauge": "gauge",
    "needle.length": "needle-length",
    "patient.language": "language",
}
# Details of the clinic, not of the patient: the browser remembers them for the next patient.
REMEMBERED = ("prescriber", "pharmacy", "emergency_number")
# Intervals a schedule is usually written in (the format accepts others; see the schema).
INTERVALS = ["1 day", "2 days", "1 week", "2 weeks", "1 month", "2 months", "3 months"]
# Needle lengths as sold: inch sizes, and the short metric pen needles.
METRIC_MM = [4, 5, 6, 8]
PHASE_PATH = "schedule.phases"
WORDS = {"id": "ID", "mcg": "mcg", "ml": "mL"}


@dataclass
class Control:
    """One field or group of the form, with what the template needs to draw it accessibly."""

    path: str                    # "needle.gauge"; list items use * ("schedule.phases.*.every")
    label: str
    kind: str                    # group | list | text | number | date | checkbox | select widgets (WIDGETS)
    hint: str = ""
    required: bool = False
    children: list[Control] = field(default_factory=list)
    remembered: bool = False
    default: str = ""

    @property
    def ident(self) -> str:
        """An HTML id: the path with dots and stars made safe."""
        return "f-" + self.path.replace(".", "-").replace("*", "N")


def label(key: str) -> str:
    words = [WORDS.get(w, w) for w in key.split("_")]
    return " ".join(words).capitalize() if words[0] not in WORDS.values() else " ".join(words)


def _resolve(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    target = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _kind(path: str, node: dict) -> str:
    if path in WIDGETS:
        return WIDGETS[path]
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types and "properties" in node:
        return "group"
    if "array" in types and isinstance(node.get("items"), dict) and node["items"].get("type") == "object":
        return "list"
    if types == ["boolean"]:
        return "checkbox"
    if types == ["integer"] or types == ["number"]:
        return "number"
    if node.get("format") == "date":
        return "date"
    if path.endswith((".every", ".for")) and path.startswith(PHASE_PATH):
        return "interval"
    return "text"


def _controls(node: dict, root: dict, prefix: str, remembered: bool) -> list[Control]:
    required = set(node.get("required", []))
    out = []
    for key, child in node.get("properties", {}).items():
        child = _resolve(child, root)
        path = f"{prefix}{key}"
        kind = _kind(path, child)
        keep = remembered or path in REMEMBERED
        hint = child.get("description", "")
        default = str(child.get("default", ""))
        control = Control(path, child.get("title") or label(key), kind, hint, key in required, remembered=keep,
                          default=default)
        if kind == "group":
            control.children = _controls(child, root, path + ".", keep)
        elif kind == "list":
            control.children = _controls(_resolve(child["items"], root), root, path + ".*.", keep)
        out.append(control)
    return out


@cache
def controls() -> tuple[Control, ...]:
    """The whole form, in the schema's order; neighbouring top-level fields share a row group."""
    root = schema.load()
    out: list[Control] = []
    for control in _controls(root, root, "", False):
        if control.kind in ("group", "list", "sites"):
            out.append(control)
        elif out and out[-1].kind == "row":
            out[-1].children.append(control)
        else:
            out.append(Control("", "", "row", children=[control]))
    return tuple(out)


def _lengths(limits: dict) -> list[dict]:
    sizes = [(units.length_mm(f"{size} in"), f"{size} in") for size in units._INCH_SIZES]
    sizes += [(mm, f"{mm} mm") for mm in METRIC_MM]
    return [{"value": value, "label": units.needle_length(mm)} for mm, value in sorted(sizes)
            if limits.get("min", 0) <= round(mm) <= limits.get("max", 1000)]


@cache
def choices(content_dir: str | None = None) -> dict:
    """What the library allows, for the browser to narrow the pickers with."""
    lib = context_for(content_dir).library
    routes = {}
    for rid, route in lib.routes.items():
        if route.get("refused"):
            continue
        gauge = route.get("gauge", {})
        sites = []
        for sid, site in lib.sites.items():
            if site.get("route") != rid:
                continue
            for side in site.get("sides") or [""]:
                value = f"{side} {site['name']}".strip()
                sites.append({"value": value, "label": value[:1].upper() + value[1:], "site": sid,
                              "discouraged": bool(site.get("discouraged"))})
        routes[rid] = {"label": rid, "gauges": list(range(gauge["min"], gauge["max"] + 1)) if gauge else [],
                       "lengths": _lengths(route.get("needle_mm", {})), "sites": sites}
    medications = {}
    for mid, med in lib.medications.items():
        allowed = {r: "label" for r in med.get("routes", {}) if r in routes}
        allowed |= {r: "off-label" for r in (med.get("off_label_routes") or {}) if r in routes}
        medications[mid] = {"label": med.get("display_name", mid), "strengths": med.get("strengths", []),
                            "routes": allowed}
    languages = [{"value": code, "label": text.get("name", code)} for code, text in sorted(lib.texts.items())]
    return {"medications": medications, "routes": routes, "languages": languages, "intervals": INTERVALS}
