"""What a content library must hold, checked when it is loaded.

A clinic's ``--content`` folder replaces built-in files, so a missing side-effect
tier, a route without its words or a site mark off the body would otherwise
surface as a crash halfway through a handout. Each file's shape is written here
as data (``SHAPES``); every problem names the file, the line and the field.
Keys not listed are allowed: clinics keep sources and notes beside the data.
"""

from __future__ import annotations

import string

from . import units
from .errors import Problem, field_name
from .yamlsource import Located

OPTIONAL = "?"      # a key that starts with it may be left out
ANY = "*"           # any key, each with the same shape


def _text(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be text"
    return None


def _template(*names: str):
    """Text that may hold only these ``{names}`` (a site's label is filled with its side and name)."""
    def check(value) -> str | None:
        if _text(value):
            return _text(value)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as error:
            return f"has a brace out of place ({error})"
        wrong = [f for f in fields if f not in names]
        return f"has the placeholder {{{wrong[0]}}}; it may use only {', '.join('{' + n + '}' for n in names)}" \
            if wrong else None
    return check


def _number(low: float, high: float):
    def check(value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            return f"must be a number from {low:g} to {high:g}"
        return None
    return check


def _strength(value) -> str | None:
    try:
        units.strength_mcg_per_ml(value)
    except ValueError as error:
        return str(error)
    return None


def _one_of(*choices: str):
    def check(value) -> str | None:
        return None if value in choices else f"must be one of: {', '.join(choices)}"
    return check


TEXTS = [_text]                                   # a list of one or more texts
RANGE = {"min": _number(0, 1000), "max": _number(0, 1000)}
MEDICATION = {
    "display_name": _text,
    "strengths": [_strength],
    "routes": {ANY: _text},
    "side_effects": {"expected": TEXTS, "call": TEXTS, "emergency": TEXTS},
    "?aliases": TEXTS, "?cautions": TEXTS, "?storage": TEXTS, "?why_it_matters": _text,
    "?off_label_routes": {ANY: _text}, "?refused_routes": {ANY: _text},
    "?usual_dose_mcg": RANGE,
}
ROUTE = {"?aliases": TEXTS, "?refused": _text, "?angle": _number(1, 90), "?angles_allowed": [_number(1, 90)],
         "?gauge": RANGE, "?needle_mm": RANGE, "?short_needle": {"max_mm": _number(1, 100), "angle": _number(1, 90)},
         "?adults_from": _number(1, 30),
         "?weight_bands": [{"max_kg": _number(1, 1000), "needle_mm": RANGE}]}
def _point(value) -> str | None:
    ok = (isinstance(value, list) and len(value) in (2, 3)
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v <= 2 for v in value[:2]))
    return None if ok else "must be a point [x, y] with numbers from -1 to 2"


# What each close-up rule is checked against (closeups.geometry): the landmark it needs.
CLOSEUP_RULES = {"below_fingers": "fingers", "in_v": "hand", "middle_third": "hands", "outside": "circle"}


def _closeup_refs(value) -> str | None:
    """A close-up's rule has the landmark it is measured against, and every name it uses is a point."""
    if not isinstance(value, dict):
        return None
    rule = (value.get("rule") or {}).get("kind")
    needed = CLOSEUP_RULES.get(rule)
    if needed and needed not in value:
        return f"rule '{rule}' needs '{needed}' (see the built-in sites.yaml)"
    points = value.get("points") or {}
    names = [(value.get("fingers") or {}).get("from"), (value.get("circle") or {}).get("at"),
             *((value.get("hands") or {}).get(k) for k in ("from", "to")),
             (value.get("rule") or {}).get("above"),
             *(label.get("to") for label in value.get("labels") or [] if isinstance(label, dict))]
    drawn = {"mark", *(["rim"] if "circle" in value else [])}     # the spot itself; where the circle's radius ends
    missing = [n for n in names if n and n not in drawn and n not in points]
    return f"names {missing[0]!r}, which is not in its points" if missing else None


CLOSEUP = {
    "aspect": _number(0.2, 2), "body": [_point], "marks": {ANY: _point},
    "rule": {"kind": _one_of(*CLOSEUP_RULES)},
    "?points": {ANY: _point}, "?lines": [[_point]],
    "?labels": [{"key": _text, "at": _point, "?anchor": _one_of("start", "middle", "end"), "?to": _text}],
    "?fingers": {"from": _text, "count": _number(1, 5), "width": _number(0.01, 0.5), "x": [_number(-1, 2)]},
    "?hand": {"palm": _point, "index": _point, "middle": _point, "?thumb": _point},
    "?hands": {"from": _text, "to": _text},
    "?circle": {"at": _text, "cm": _number(0.5, 50), "cm_per_unit": _number(1, 1000)},
}

SITE = {
    "route": _text, "name": _text, "short": _template("side"), "landmarks": _text,
    "max_volume_ml": _number(0.1, 5),
    "?sides": [_one_of("left", "right")], "?aliases": TEXTS, "?technical": _text, "?label": _template("side", "name"),
    "?short_label": _template("side"),
    "diagram": {"view": _text, "dx": _number(-1, 1), "y": _number(0, 1)},
    "?closeup": CLOSEUP,
}
ROUTE_WORDS = {"words": _text, "full": _text, "not": _text, "angle_words": _text}
SHAPES = {
    "medications.yaml": {"medications": {ANY: MEDICATION}},
    "routes.yaml": {"routes": {ANY: ROUTE}},
    "sites.yaml": {"sites": {ANY: SITE}, "?body": {ANY: lambda value: None}},
}


def check(name: str, located: Located, shape) -> list[Problem]:
    """Problems of one file against its shape."""
    problems: list[Problem] = []

    def report(path: tuple, message: str, fix: str = "") -> None:
        problems.append(Problem(name, located.line(path), field_name(path), message, fix))

    def walk(value, spec, path: tuple) -> None:
        if callable(spec):
            message = spec(value)
            if message:
                report(path, message)
        elif isinstance(spec, list):
            if not isinstance(value, list) or not value:
                report(path, "must be a list with at least one item")
                return
            for index, item in enumerate(value):
                walk(item, spec[0], (*path, index))
        elif not isinstance(value, dict):
            report(path, "must be a group of 'key: value' fields")
        else:
            for key, child in spec.items():
                if key == ANY:
                    for name_, item in value.items():
                        walk(item, child, (*path, name_))
                    continue
                optional = key.startswith(OPTIONAL)
                key = key.removeprefix(OPTIONAL)
                if key in value:
                    walk(value[key], child, (*path, key))
                elif not optional:
                    report(path, f"has no '{key}'", f"add '{key}' (see the built-in file of the same name)")

    walk(located.data, shape, ())
    return problems


def cross_check(library, files: dict[str, str]) -> list[Problem]:
    """What one file says about another: routes the sites and medications name, words for every route,
    views the body draws. ``files`` names the file each part came from."""
    problems = []
    routes = library.routes
    views = {k for k, v in library.body.items() if isinstance(v, dict)} or {"front", "back"}

    def report(file_key: str, path: tuple, message: str, fix: str) -> None:
        name, located = files[file_key]
        problems.append(Problem(name, located.line(path), field_name(path), message, fix))

    for sid, site in library.sites.items():
        if site.get("route") not in routes:
            report("sites", ("sites", sid, "route"), f"{site.get('route')!r} is not a route in routes.yaml",
                   "use one of: " + ", ".join(routes))
        view = site.get("diagram", {}).get("view")
        if view not in views:
            report("sites", ("sites", sid, "diagram", "view"), f"{view!r} is not a view of the body",
                   "use one of: " + ", ".join(sorted(views)))
        wrong = _closeup_refs(site.get("closeup"))
        if wrong:
            report("sites", ("sites", sid, "closeup"), wrong, "see the close-ups in the built-in sites.yaml")
    for mid, medication in library.medications.items():
        for route in medication.get("routes", {}):
            if route not in routes:
                report("medications", ("medications", mid, "routes", route), "is not a route in routes.yaml",
                       "use one of: " + ", ".join(routes))
    usable = [r for r, route in routes.items() if "refused" not in route]
    for route in usable:
        for key in ("angle", "gauge", "needle_mm"):
            if key not in routes[route]:
                report("routes", ("routes", route), f"has no '{key}'",
                       "give it, or 'refused:' with the reason the route is never used")
    for language, texts in library.texts.items():
        key = f"text:{language}"
        for route in usable:
            words = texts.get("routes", {}).get(route) if isinstance(texts.get("routes"), dict) else None
            if not isinstance(words, dict):
                report(key, ("routes",), f"has no words for the route '{route}'",
                       f"add routes: {route}: with " + ", ".join(ROUTE_WORDS))
                continue
            if route in (files[key][1].data.get("routes") or {}):      # not when inherited from a base language
                problems += check(files[key][0], files[key][1], {"routes": {route: ROUTE_WORDS}})
    return problems


def missing_text_keys(name: str, located: Located, reference: dict, text: dict | None = None) -> list[Problem]:
    """A language's text must have every key the US English text has, as text where it has text.

    ``text`` is the language's text with its base language merged in (the
    file itself when None); lines are the file's own.
    """
    problems = []

    def walk(value, ref, path: tuple) -> None:
        if isinstance(ref, str) and value is not None and not isinstance(value, (str, dict)):
            problems.append(Problem(name, located.line(path), field_name(path), "must be text",
                                    "see the built-in text/en.yaml"))
        if not isinstance(ref, dict):
            return
        if not isinstance(value, dict):
            problems.append(Problem(name, located.line(path), field_name(path),
                                    "must be a group of 'key: value' fields", "see the built-in text/en.yaml"))
            return
        for key, child in ref.items():
            if key in ("routes", "language", "name", "aliases", "base"):
                continue
            if key not in value:
                problems.append(Problem(name, located.line(path), field_name((*path, key)), "is missing",
                                        f"add '{key}' (see the built-in text/en.yaml)"))
            else:
                walk(value[key], child, (*path, key))

    walk(located.data if text is None else text, reference, ())
    return problems


def placeholders(data, path: tuple = (), found: dict | None = None) -> dict[tuple, set[str]]:
    """The ``{name}`` fields of every text in ``data``, by key path (list items share their list's path)."""
    found = {} if found is None else found
    if isinstance(data, dict):
        for key, value in data.items():
            placeholders(value, (*path, key), found)
    elif isinstance(data, list):
        for item in data:
            placeholders(item, path, found)
    elif isinstance(data, str):
        try:
            found.setdefault(path, set()).update(f for _, f, _, _ in string.Formatter().parse(data) if f)
        except ValueError:
            pass
    return found


def placeholder_problems(name: str, located: Located, allowed: dict[tuple, set[str]]) -> list[Problem]:
    """A clinic's text may fill only the ``{names}`` the built-in texts fill at the same key (``allowed``).

    A typo such as ``{dosis}`` or ``{0}`` would otherwise stop every handout in
    that language with an internal error, and ``{ml.__class__}`` would print
    Python on the handout.
    """
    problems = []

    def report(path: tuple, message: str, fix: str) -> None:
        problems.append(Problem(name, located.line(path), field_name(path), message, fix))

    def walk(value, path: tuple, key_path: tuple) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*path, key), (*key_path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*path, index), key_path)
        elif isinstance(value, str):
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
            except ValueError as error:
                report(path, f"has a brace out of place ({error})", "write {{ or }} for a brace itself; a "
                       "placeholder is a name in braces, like {dose}")
                return
            known = allowed.get(key_path)
            for field in fields:
                if not field.isidentifier():
                    report(path, f"has the placeholder {{{field}}}, which is not a plain name",
                           "use only the names in braces that the built-in text uses here" +
                           (f": {', '.join(sorted(known))}" if known else ""))
                elif known is not None and field not in known:
                    report(path, f"has the placeholder {{{field}}}, which this text does not fill",
                           "use: " + ", ".join(sorted(known)) if known else "this text takes no placeholder")

    walk(located.data, (), ())
    return problems
