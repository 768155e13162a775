"""What a batch is made of: prescription files, folders, globs and CSV manifests.

Pharmacy systems export CSV, one row per patient, with columns named by the
prescription's fields in dotted form (``patient.name``, ``needle.gauge``); a
``--defaults`` YAML file holds what every row shares. Each row becomes the
same prescription text a file would hold, so it goes through exactly the same
checks, and its problems point back at the CSV line.
"""

from __future__ import annotations

import codecs
import copy
import csv
import glob
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from . import schema, yamlsource
from .errors import PrescriptionError, Problem
from .fhir import ndjson

SUFFIXES = (".yaml", ".yml", ".json", ".ndjson", ".jsonl")   # what a folder walk picks up; content tells the format
LIST_FIELDS = {"sites", "confirm"}
BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}


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
    key: str = ""                     # the same input on every run: a file's full path, a CSV's path and row
    refusal: Problem | None = None    # refused before reading (a link that leaves the input folder)

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


class Manifest:
    """The inputs of one batch, in a stable order (inputs as given, folders and globs sorted).

    It holds no list of jobs: ``len`` counts them without building them (a CSV
    row costs a YAML dump) and each iteration streams them afresh, so a batch
    of 100,000 prescriptions needs no more memory than one of 100. A broken
    ``--defaults`` file is refused here, before anything is written.
    """

    def __init__(self, inputs, defaults: str | None = None):
        self.inputs = list(inputs)
        self.defaults = defaults
        self.base = load_defaults(defaults)

    def __iter__(self) -> Iterator[Job]:
        for kind, path in _sources(self.inputs):
            if kind == "csv":
                yield from _rows(path, self.base, self.defaults)
            elif kind == "outside":
                yield _outside(path)
            elif kind == "nothing":
                yield _nothing(path)
            elif ndjson.is_ndjson(path):
                yield from ndjson.jobs(path, self.defaults)
            else:
                yield _file_job(path, self.defaults)

    def __len__(self) -> int:
        return sum(sum(1 for _ in _row_lines(path)) if kind == "csv" else
                   ndjson.count(path) if kind == "file" and ndjson.is_ndjson(path) else 1
                   for kind, path in _sources(self.inputs))


def _sources(inputs) -> Iterator[tuple[str, Path]]:
    """(kind, path) for every input: "file", "csv", "outside" for a link that leaves its folder, or
    "nothing" for a folder or glob that names no prescription (a typo in a nightly job's pattern must
    not pass as an empty batch).

    A file named twice (``batch rx/ rx/*.yaml``) is one input: it would print
    the same patient's handout twice, the second as ``-2``.
    """
    seen: set[str] = set()
    for kind, path in _expanded(inputs):
        key = os.path.realpath(path)
        if kind in ("outside", "nothing") or key not in seen:
            seen.add(key)
            yield kind, path


def _expanded(inputs) -> Iterator[tuple[str, Path]]:
    for item in inputs:
        empty = True
        for source in _expanded_one(item):
            empty = False
            yield source
        if empty:
            yield "nothing", Path(item)


def _expanded_one(item: str) -> Iterator[tuple[str, Path]]:
    path = Path(item)
    if path.is_dir():
        yield from _walk(str(path), os.path.realpath(path))
    elif path.suffix.lower() == ".csv" and path.is_file():
        yield "csv", path
    elif path.exists() or not glob.has_magic(item):
        yield "file", path      # a missing file is reported like any other bad input
    else:
        root = os.path.realpath(_fixed_part(item))
        for match in sorted(glob.glob(item, recursive=True)):
            match_path = Path(match)
            if os.path.islink(match) and not _inside(match, root):
                yield "outside", match_path
            elif match_path.suffix.lower() == ".csv":
                yield "csv", match_path
            elif match_path.is_file():
                yield "file", match_path


def _walk(folder: str, root: str) -> Iterator[tuple[str, Path]]:
    """Prescription files below a folder in sorted order, one directory listing in memory at a time.

    Links to folders are not followed; a link to a file outside ``root`` is
    skipped and reported, never read.
    """
    with os.scandir(folder) as listing:
        entries = sorted((entry.name, entry.is_dir(follow_symlinks=False), entry.is_file(), entry.is_symlink())
                         for entry in listing)
    for name, is_dir, is_file, is_link in entries:
        path = os.path.join(folder, name)
        if is_dir:
            yield from _walk(path, root)
        elif name.lower().endswith(SUFFIXES) and is_link and not _inside(path, root):
            yield "outside", Path(path)
        elif is_file and name.lower().endswith(SUFFIXES):
            yield "file", Path(path)


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([os.path.realpath(path), root]) == root


def _fixed_part(pattern: str) -> str:
    """The folder a glob starts from: its path up to the first wildcard."""
    parts = Path(pattern).parts
    fixed = list(itertools.takewhile(lambda part: not glob.has_magic(part), parts[:-1]))
    return os.path.join(*fixed) if fixed else "."


def _nothing(path: Path) -> Job:
    what = "folder" if path.is_dir() else "pattern"
    return Job(str(path), refusal=Problem(
        str(path), None, "", f"names no prescription: the {what} holds no "
        + ", ".join(f"*{suffix}" for suffix in SUFFIXES) + " file" + (" (nor *.csv)" if what == "pattern" else ""),
        "check the folder or the pattern"))


def _outside(path: Path) -> Job:
    return Job(str(path), refusal=Problem(
        str(path), None, "", "skipped: a link to a file outside the input folder (not read)",
        "copy the prescription into the folder, or give its own path"))


def _file_job(path: Path, defaults: str | None = None) -> Job:
    return Job(str(path), path=path, stem=path.stem, key=os.path.realpath(path), defaults_file=defaults or "")


def load_defaults(path: str | None) -> yamlsource.Located:
    """The --defaults file as located data; a broken one is refused before any work starts."""
    if not path:
        return yamlsource.Located({})
    text, name = yamlsource.read(path, "defaults file")
    located = yamlsource.parse(text, name)
    if not isinstance(located.data, dict):
        raise PrescriptionError([Problem(name, 1, "", "must be a set of 'key: value' fields",
                                         "write the fields every row shares, e.g. 'prescriber:' and 'medication:'")])
    return located


def _row_lines(path: Path) -> Iterator[tuple[int, int, list[str], list[str]]]:
    """(row number, line, header, cells) for each row that is not blank.

    Spreadsheets save CSV many ways: a UTF-8 byte-order mark, UTF-16 (with its
    mark), ``;`` or a tab between cells where the decimal mark is a comma, Excel's
    ``sep=;`` first line, CRLF line ends. Those are read as they are; bytes that
    are not UTF-8 (a legacy code page such as cp1252) are refused with the line
    they are on, never guessed. So is a header that names a column twice, or a
    column and a field inside it (``patient`` and ``patient.name``): a row would
    lose one of the two values without a word.
    """
    lines = _text_lines(path)
    first, skipped = next(lines, ""), 0
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, first, skipped = first.strip()[4], next(lines, ""), 1
    else:
        delimiter = max(",;\t", key=first.count)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header:
            return
        columns = [c.strip() for c in header]
        _check_header(path, columns, reader.line_num + skipped)
        for number, row in enumerate(reader, 1):
            if any(cell.strip() for cell in row):
                yield number, reader.line_num + skipped, columns, row
    except csv.Error as error:
        raise PrescriptionError([Problem(str(path), reader.line_num + skipped, "",
                                         f"is not a readable CSV file ({error})",
                                         "check the quotes on that line: a cell that starts with a quote must "
                                         "end with one")]) from None


def _check_header(path: Path, columns: list[str], line: int) -> None:
    seen: list[str] = []
    for column in filter(None, columns):
        clash = next((c for c in seen if c == column or column.startswith(c + ".") or c.startswith(column + ".")),
                     None)
        if clash is not None:
            what = f"the column {column!r} twice" if clash == column else f"both {clash!r} and {column!r}"
            raise PrescriptionError([Problem(str(path), line, "", f"has {what}: each row would keep only one value",
                                             "keep one column for each field")])
        seen.append(column)


def _text_lines(path: Path) -> Iterator[str]:
    with open(path, "rb") as handle:
        start = handle.read(2)
        handle.seek(0)
        if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):     # UTF-16 says so with its mark
            yield from io.TextIOWrapper(handle, encoding="utf-16", newline="")
            return
        for number, data in enumerate(handle, 1):
            try:
                yield data.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise PrescriptionError([Problem(
                    str(path), number, "", f"is not UTF-8 text: byte 0x{data[error.start]:02x} on this line "
                    "is from another character set (such as Windows-1252), so its letters cannot be read for sure",
                    "save it as 'CSV UTF-8' (Excel: Save As, CSV UTF-8; LibreOffice: character set Unicode (UTF-8))"),
                ]) from None


def _rows(path: Path, base: yamlsource.Located, defaults: str | None) -> Iterator[Job]:
    for number, line, columns, row in _row_lines(path):
        key = f"{os.path.realpath(path)} row {number}"
        lost = [cell for i, cell in enumerate(row) if cell.strip() and (i >= len(columns) or not columns[i])]
        if lost:
            yield Job(f"{path}:{line}", stem=f"{path.stem}-{number}", key=key, refusal=Problem(
                str(path), line, "", f"has {schema.short(lost[0].strip())} in a cell with no column name in the header "
                "(a comma "
                "inside a cell that is not in double quotes splits it in two)",
                'put a cell that holds a comma in double quotes, like "Bring it, please"; or name the column'))
            continue
        data = copy.deepcopy(base.data)
        written = set()
        try:
            for column, cell in zip(columns, row, strict=False):
                if column and cell.strip():
                    _put(data, column.split("."), _value(column, cell))
                    written.add(column)
        except ValueError as error:
            yield Job(f"{path}:{line}", stem=f"{path.stem}-{number}", key=key, refusal=Problem(
                str(path), line, column, str(error), "give each field once in a phase, like "
                "'every: 1 week, count: 4; every: 1 month'"))
            continue
        yield Job(f"{path}:{line}", text=yaml.dump(data, Dumper=yamlsource.DUMPER, sort_keys=False, allow_unicode=True),
                  stem=f"{path.stem}-{number}", row_file=str(path), row_line=line,
                  row_fields=frozenset(written), defaults_file=defaults or "", defaults_lines=base.lines,
                  key=key)


def _value(column: str, cell: str):
    """A cell is text, exactly as written; only columns structured by nature have their own small syntax.

    sites / confirm: items between ``;`` or ``,`` (``[...]`` around them is allowed);
    off_label: true/false, yes/no; schedule.phases: phases between ``;``, each
    ``every: 1 week, count: 4``. Everything else (names, phones, notes, ids)
    stays the very characters in the cell.
    """
    text = cell.strip()
    if column in LIST_FIELDS:
        return _items(text)
    if column == "off_label":
        return BOOLEANS.get(text.lower(), text)
    if column == "schedule.phases":
        return [_phase(phase) for phase in _items(text, ";")]
    return _typed(tuple(column.split(".")), text)


def _typed(path: tuple, text):
    """A field the format types as a whole number only (angle, count, times), written in plain digits,
    is that number: as text it was refused ("must be a whole number, not '4'")."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and \
            (schema.rule(path) or {}).get("type") == "integer":
        return int(text)
    return text


def _phase(text: str) -> dict:
    """One phase of a schedule cell; a field given twice is refused (a dict would keep the last in silence)."""
    phase = {}
    for key, value in map(_pair, _outside_brackets(text)):
        if key in phase:
            raise ValueError(f"gives '{key}' twice in the phase {schema.short(text.strip())}")
        phase[key] = _typed(("schedule", "phases", 0, key), value)
    return phase


def _outside_brackets(text: str) -> list[str]:
    """``every: 1 week, days: [mon, wed], for: 2 weeks`` split at the commas outside ``[...]``."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "[") - (char == "]")
        if char == "," and depth <= 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _items(text: str, separators: str = ";,") -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def _pair(text: str) -> tuple[str, object]:
    key, _, value = text.partition(":")
    value = value.strip()
    return key.strip(), _items(value) if value.startswith("[") and value.endswith("]") else value


def _put(data: dict, keys: list[str], value) -> None:
    for key in keys[:-1]:
        if not isinstance(data.get(key), dict):
            data[key] = {}
        data = data[key]
    data[keys[-1]] = value
