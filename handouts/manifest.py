"""What a batch is made of: prescription files, folders, globs and CSV manifests.

Pharmacy systems export CSV, one row per patient, with columns named by the
prescription's fields in dotted form (``patient.name``, ``needle.gauge``); a
``--defaults`` YAML file holds what every row shares. Each row becomes the
same prescription text a file would hold, so it goes through exactly the same
checks, and its problems point back at the CSV line.
"""

from __future__ import annotations

import copy
import csv
import glob
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from . import yamlsource
from .errors import PrescriptionError, Problem
from .prescription import read_text

SUFFIXES = (".yaml", ".yml")
LIST_FIELDS = {"sites", "confirm"}


@dataclass(frozen=True)
class Job:
    """One prescription to render: a file, or a CSV row turned into prescription text."""

    source: str                       # shown in messages: a path, or "pharmacy.csv:12"
    path: Path | None = None
    text: str | None = None
    stem: str = ""
    row_file: str = ""                # for CSV rows: the manifest, and the row's line
    row_line: int = 0
    row_fields: frozenset = field(default_factory=frozenset)
    defaults_file: str = ""
    defaults_lines: dict = field(default_factory=dict, compare=False, hash=False)

    def relocate(self, problems: list[Problem]) -> list[Problem]:
        """Point a CSV row's problems at the manifest line, or at the defaults file."""
        if not self.row_file:
            return problems
        out = []
        for p in problems:
            top = p.field.split("[")[0]
            from_row = not p.field or any(top == f or top.startswith(f + ".") or f.startswith(top + ".")
                                          for f in self.row_fields)
            if from_row or not self.defaults_file:
                out.append(replace(p, file=self.row_file, line=self.row_line))
            else:
                line = self.defaults_lines.get(tuple(top.split(".")))
                out.append(replace(p, file=self.defaults_file, line=line))
        return out


def collect(inputs, defaults: str | None = None) -> Iterator[Job]:
    """Every job, in a stable order: inputs as given, folders and globs sorted."""
    base = _defaults(defaults)
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
            yield from (_file_job(p) for p in found)
        elif path.suffix.lower() == ".csv" and path.is_file():
            yield from _rows(path, base, defaults)
        elif path.exists() or not glob.has_magic(item):
            yield _file_job(path)      # a missing file is reported like any other bad input
        else:
            for match in sorted(glob.glob(item, recursive=True)):
                match_path = Path(match)
                if match_path.suffix.lower() == ".csv":
                    yield from _rows(match_path, base, defaults)
                elif match_path.is_file():
                    yield _file_job(match_path)


def _file_job(path: Path) -> Job:
    return Job(str(path), path=path, stem=path.stem)


def _defaults(path: str | None) -> yamlsource.Located:
    if not path:
        return yamlsource.Located({})
    text, name = read_text(path)
    try:
        located = yamlsource.load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise PrescriptionError([Problem(name, mark.line + 1 if mark else None, "", "is not valid YAML",
                                         "fix the defaults file")]) from None
    if not isinstance(located.data, dict):
        raise PrescriptionError([Problem(name, 1, "", "must be a set of 'key: value' fields",
                                         "write the fields every row shares, e.g. 'prescriber:' and 'medication:'")])
    return located


def _rows(path: Path, base: yamlsource.Located, defaults: str | None) -> Iterator[Job]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            return
        columns = [c.strip() for c in header]
        for number, row in enumerate(reader, 1):
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            data = copy.deepcopy(base.data)
            written = set()
            for column, cell in zip(columns, row, strict=False):
                if column and cell.strip():
                    _put(data, column.split("."), _value(column, cell))
                    written.add(column)
            yield Job(f"{path}:{line}", text=yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                      stem=f"{path.stem}-{number}", row_file=str(path), row_line=line,
                      row_fields=frozenset(written), defaults_file=defaults or "", defaults_lines=base.lines)


def _value(column: str, cell: str):
    """A cell as YAML would read it (numbers, true/false, [lists]); dates stay text."""
    text = cell.strip()
    if column in LIST_FIELDS and not text.startswith("["):
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    try:
        return yamlsource.load(text).data
    except yaml.YAMLError:
        return text


def _put(data: dict, keys: list[str], value) -> None:
    for key in keys[:-1]:
        if not isinstance(data.get(key), dict):
            data[key] = {}
        data = data[key]
    data[keys[-1]] = value
