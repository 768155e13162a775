"""Which input each handout in an output folder was made from, remembered between runs.

A corrected prescription run again must replace its own handout under the
same name, not leave the old dose there and add a ``-2`` beside it; and it
must never replace the handout of a different patient that happens to get the
same name. The file contents cannot tell these apart, so the folder keeps a
small list, ``.handouts-sources.csv``: each file name and the input it came
from (a prescription file's full path, or a CSV manifest's full path and row).
Without the list (a folder from an older version, or the list deleted) a
name that is taken counts as someone else's, which is the safe side.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .output import write_atomic

FILE = ".handouts-sources.csv"


class Owners:
    """File name → input key for one output folder; ``save`` writes it back atomically."""

    def __init__(self, folder: Path):
        self._path = folder / FILE
        self._names: dict[str, str] = {}
        try:
            with open(self._path, newline="", encoding="utf-8") as handle:
                self._names = {row[0]: row[1] for row in csv.reader(handle) if len(row) == 2}
        except (OSError, UnicodeDecodeError, csv.Error):
            pass      # no list yet, or an unreadable one: every taken name counts as someone else's
        self._by_key = {key: name for name, key in self._names.items()}
        self._changed = False

    def owner(self, name: str) -> str | None:
        return self._names.get(name)

    def name_of(self, key: str) -> str | None:
        """The name this input's handout had after the last run."""
        return self._by_key.get(key)

    def claim(self, name: str, key: str) -> None:
        if not key or self._names.get(name) == key:
            return
        old = self._by_key.pop(key, None)
        if old is not None and old != name:
            self._names.pop(old, None)
        self._names[name] = key
        self._by_key[key] = name
        self._changed = True

    def save(self) -> None:
        if not self._changed:
            return
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(sorted(self._names.items()))
        write_atomic(self._path, buffer.getvalue().encode("utf-8"), durable=False)
