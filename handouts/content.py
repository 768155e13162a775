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

import yaml

from . import contentcheck, yamlsource
from .errors import ContentError, Problem
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
    try:
        located = yamlsource.load(text)
    except yaml.YAMLError as error:
        raise ContentError([yamlsource.problem(error, name)]) from None
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
    texts: dict  # language code -> wording
    body: dict = field(default_factory=dict)   # landmark points of the drawn body (sites.yaml)

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

    def text(self, language: str) -> dict:
        return self.texts.get(language) or self.texts["en"]


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
    texts = {}
    english = _load_file(BUILTIN / "text" / "en.yaml")[1].data
    for text_dir in filter(None, (BUILTIN / "text", base and base / "text")):
        for path in sorted(Path(text_dir).glob("*.yaml")):
            name, located = _load_file(path)
            language = located.data.get("language", path.stem)
            texts[language] = located.data
            files[f"text:{language}"] = (name, located)
            if text_dir != BUILTIN / "text":
                problems += contentcheck.missing_text_keys(name, located, english)
    if problems:
        raise ContentError(problems)
    sites = files["sites"][1].data
    library = Library(
        medications=files["medications"][1].data.get("medications", {}),
        routes=files["routes"][1].data.get("routes", {}),
        sites=sites.get("sites", {}),
        texts=texts,
        body=sites.get("body", {}),
    )
    problems += contentcheck.cross_check(library, files)
    if problems:
        raise ContentError(problems)
    return library
