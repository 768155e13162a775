"""The content library: medications, routes, sites and wording, kept as YAML data.

Clinical knowledge lives in ``handouts/content/*.yaml`` with a source beside
every number, so a clinician can review it without reading code. A clinic may
point at its own folder; any file found there replaces the built-in one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BUILTIN = Path(__file__).parent / "content"


def _read(folder: Path | None, name: str) -> dict:
    for base in (folder, BUILTIN):
        if base is not None and (base / name).is_file():
            with open(base / name, encoding="utf-8") as handle:
                return yaml.safe_load(handle) or {}
    return {}


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
    """Read the library, a clinic's folder first.

    Each call reads the files again; a render context (``context.default``)
    keeps the library it read.
    """
    base = Path(folder) if folder else None
    texts = {}
    for text_dir in filter(None, (BUILTIN / "text", base and base / "text")):
        for path in sorted(Path(text_dir).glob("*.yaml")):
            data = _read(path.parent, path.name)
            texts[data.get("language", path.stem)] = data
    sites = _read(base, "sites.yaml")
    return Library(
        medications=_read(base, "medications.yaml").get("medications", {}),
        routes=_read(base, "routes.yaml").get("routes", {}),
        sites=sites.get("sites", {}),
        texts=texts,
        body=sites.get("body", {}),
    )
