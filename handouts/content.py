"""The content library: medications, routes, sites and wording, kept as YAML data.

Clinical knowledge lives in ``handouts/content/*.yaml`` with a source beside
every number, so a clinician can review it without reading code. A clinic may
point at its own folder; any file found there replaces the built-in one. Every
file is read through ``yamlsource`` (bounded, no anchors) and checked on load
(``contentcheck``), so a broken folder is refused with its file, line and field
before any handout is made.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from . import contentcheck, yamlsource
from .errors import ContentError, Problem
from .memo import Memo
from .wording import Wording
from .yamlsource import Located

BUILTIN = Path(__file__).parent / "content"


def _read(folder: Path | None, name: str) -> tuple[str, Located]:
    """A content file from the clinic's folder, else the built-in one."""
    for base in (folder, BUILTIN):
        if base is not None and (base / name).is_file():
            return _load_file(base / name)
    return name, Located({})


def _load_file(path: Path) -> tuple[str, Located]:
    text, name = yamlsource.read(path, "content file", ContentError)
    located = yamlsource.parse(text, name, ContentError)
    if located.data is None:
        located.data = {}
    if not isinstance(located.data, dict):
        raise ContentError([Problem(name, 1, "", "must be a set of 'key: value' fields",
                                    "compare it with the built-in file of the same name")])
    return name, located


@dataclass(frozen=True)
class Library:
    """Everything the handout says that does not come from the prescription."""

    medications: dict
    routes: dict
    sites: dict
    texts: dict  # language tag ("en-US", "es") -> its text file, a base language's text merged in
    body: dict = field(default_factory=dict)   # landmark points of the drawn body (sites.yaml)
    aliases: dict = field(default_factory=dict)   # other tags a text file answers to ("en" -> "en-US")
    _wordings: Memo = field(default_factory=lambda: Memo(32), compare=False, repr=False)
    _tags: Memo = field(default_factory=lambda: Memo(256), compare=False, repr=False)

    # --- names -------------------------------------------------------------

    def medication_id(self, written: str) -> str | None:
        return _lookup(written, self.medications, extra=("name", "display_name"))

    def route_id(self, written: str) -> str | None:
        return _lookup(written, self.routes)

    def site_ids(self, written: str) -> list[str]:
        """Every site a written name may mean (a word like "thigh" names one site per route)."""
        key = _norm(written)
        return [sid for sid, site in self.sites.items()
                if key in {_norm(sid), _norm(site.get("name", "")), _norm(site.get("technical", ""))}
                | {_norm(a) for a in site.get("aliases", [])}]

    def suggest(self, written: str, kind: str) -> str | None:
        """The closest known name, for a "did you mean" hint."""
        table = {"medication": self.medications, "route": self.routes, "site": self.sites}[kind]
        names = []
        for key, entry in table.items():
            names += [key, *entry.get("aliases", [])]
            if kind == "site":
                names.append(entry.get("name", ""))
        match = difflib.get_close_matches(_norm(written), [_norm(n) for n in names if n], n=1, cutoff=0.6)
        return match[0] if match else None

    # --- languages -----------------------------------------------------------

    def language(self, tag: str | None) -> str | None:
        """The library's tag for a written one ("en" -> "en-US", "es-MX" -> "es"), or None when it has no text."""
        if not tag:
            return None
        return self._tags.get_or_make(tag, lambda: self._find_language(tag)) or None

    def _find_language(self, tag: str) -> str:
        known = {t.lower(): t for t in self.texts} | {a.lower(): t for a, t in self.aliases.items()}
        wanted = tag.strip().replace("_", "-").lower()
        return known.get(wanted) or known.get(wanted.split("-")[0]) or ""

    def text(self, language: str | None) -> dict:
        """The wording in ``language``, or in US English when the library has none in it."""
        return self.texts[self.language(language) or DEFAULT_LANGUAGE]

    def wording(self, language: str | None) -> Wording:
        """The language's text with its date, number and unit formats (made once, then shared)."""
        tag = self.language(language) or DEFAULT_LANGUAGE
        return self._wordings.get_or_make(tag, lambda: Wording(self.texts[tag]))

    def medication(self, med_id: str, language: str | None) -> dict:
        """A medication with its wording (name, side effects, cautions, storage) in ``language``."""
        return _merged(self.medications[med_id], self.text(language).get("medications", {}).get(med_id))

    def site(self, site_id: str, language: str | None) -> dict:
        """A site with its wording (name, landmarks) in ``language``."""
        return _merged(self.sites[site_id], self.text(language).get("sites", {}).get(site_id))


DEFAULT_LANGUAGE = "en-US"


def _merged(base: dict, over: dict | None) -> dict:
    """``base`` with ``over``'s values: groups merge key by key, lists and texts replace."""
    if not over:
        return base
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _norm(text: str) -> str:
    return " ".join(str(text).lower().replace("_", " ").replace("-", " ").split())


def _lookup(written: str, table: dict, extra: tuple[str, ...] = ()) -> str | None:
    key = _norm(written)
    for ident, entry in table.items():
        names = {_norm(ident), *(_norm(a) for a in entry.get("aliases", []))}
        names |= {_norm(entry[f]) for f in extra if f in entry}
        if key in names:
            return ident
    return None


def load(folder: str | None = None) -> Library:
    """Read the library, a clinic's folder first; raises ContentError listing every problem.

    Each call reads the files again; a render context (``context.default``)
    keeps the library it read.
    """
    base = Path(folder) if folder else None
    files: dict[str, tuple[str, Located]] = {}
    problems: list[Problem] = []
    for key in ("medications", "routes", "sites"):
        name, located = files[key] = _read(base, f"{key}.yaml")
        problems += contentcheck.check(name, located, contentcheck.SHAPES[f"{key}.yaml"])
    texts, aliases, problems = _texts(base, files, problems)
    if problems:
        raise ContentError(problems)
    sites = files["sites"][1].data
    library = Library(
        medications=files["medications"][1].data.get("medications", {}),
        routes=_with_builtin_rules(files["routes"][1].data.get("routes", {}), base),
        sites=sites.get("sites", {}),
        texts=texts,
        body=sites.get("body", {}),
        aliases=aliases,
    )
    problems += contentcheck.cross_check(library, files)
    if problems:
        raise ContentError(problems)
    return library


# Route rules a clinic's routes.yaml may predate: left out, they stay the built-in ones.
INHERITED_ROUTE_RULES = ("short_needle", "adults_from")


def _with_builtin_rules(routes: dict, folder: Path | None) -> dict:
    """A clinic's routes.yaml that says nothing of a newer rule keeps the built-in one.

    The short-needle angle (6 mm or less straight in, Hall 2015) and the adult
    age of the needle sources applied to every handout before routes.yaml
    could state them; a clinic file written then would otherwise send a 6 mm
    needle in at the route's 45 degrees, or pass a child's handout, without
    anyone having chosen that. A clinic sets its own by writing the key.
    """
    if folder is None or not (folder / "routes.yaml").is_file():
        return routes
    builtin = _load_file(BUILTIN / "routes.yaml")[1].data.get("routes", {})
    merged = {}
    for name, route in routes.items():
        if isinstance(route, dict):
            inherited = {key: builtin[name][key] for key in INHERITED_ROUTE_RULES
                         if key not in route and key in builtin.get(name, {})}
            route = {**route, **inherited}
        merged[name] = route
    return merged


def _texts(base: Path | None, files: dict, problems: list[Problem]) -> tuple[dict, dict, list[Problem]]:
    """Every language's text file, built-in then the clinic's (a clinic's file for a tag replaces ours).

    A file with ``base: <tag>`` says only what differs from that language
    (en-GB from en-US); the rest is merged in. Every language must then have
    every key the US English text has, so a key added there and forgotten in
    a translation fails loudly when the library loads.
    """
    raw: dict[str, dict] = {}
    aliases: dict[str, str] = {}
    own: set[str] = set()          # the clinic's languages: their placeholders are checked
    builtin: list[dict] = []
    for text_dir in filter(None, (BUILTIN / "text", base and base / "text")):
        for path in sorted(Path(text_dir).glob("*.yaml")):
            if path.stem == "glossary":
                continue
            name, located = _load_file(path)
            tag = str(located.data.get("language", path.stem))
            raw[tag] = located.data
            files[f"text:{tag}"] = (name, located)
            if text_dir == BUILTIN / "text":
                builtin.append(located.data)
            else:
                own.add(tag)
            for alias in located.data.get("aliases", []) or []:
                aliases[str(alias)] = tag
    texts: dict[str, dict] = {}

    def resolve(tag: str, seen: tuple = ()) -> dict:
        if tag not in texts:
            data = raw[tag]
            parent = data.get("base")
            if parent is not None and (parent not in raw or parent in seen):
                name, located = files[f"text:{tag}"]
                problems.append(Problem(name, located.line(("base",)), "base", f"names no other language ({parent!r})",
                                        "give the tag of another text file, such as en-US"))
                parent = None
            merged = _merged(resolve(parent, (*seen, tag)), data) if parent else data
            texts[tag] = {**merged, "language": tag, "aliases": data.get("aliases", []), "base": parent}
        return texts[tag]

    for tag in raw:
        resolve(tag)
    reference = texts.get(DEFAULT_LANGUAGE)
    if reference is None:
        problems.append(Problem("text/en.yaml", None, "language", f"no text file for {DEFAULT_LANGUAGE}",
                                "keep the built-in text/en.yaml"))
        return texts, aliases, problems
    for tag, text in texts.items():
        if tag != DEFAULT_LANGUAGE:
            name, located = files[f"text:{tag}"]
            problems += contentcheck.missing_text_keys(name, located, reference, text)
    allowed: dict[tuple, set[str]] = {}
    for data in builtin if own else ():
        contentcheck.placeholders(data, found=allowed)
    for tag in own:
        problems += contentcheck.placeholder_problems(*files[f"text:{tag}"], allowed)
    return texts, aliases, problems
