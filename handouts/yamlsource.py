"""The one place YAML is read: safe, bounded, and remembering where each value came from.

Prescriptions, ``--defaults`` files and content folders come from people and
programs we do not control, so reading is bounded before anything is built:
a file over ``MAX_BYTES``, nesting deeper than ``MAX_DEPTH`` or more than
``MAX_NODES`` values is refused while the document is composed, and the same
limits hold for what aliases (``*name``) expand to, counted as they expand: a
"billion laughs" bomb or a self-referencing anchor stops at the limit instead of
growing. Anchors stay allowed because tools such as PyYAML write them.

A clinician fixing a prescription needs the line number, so the loader walks
the node tree (safe constructors only) and records the line of every key path
and the scalar text exactly as written: phone numbers, names and notes are
taken from that text, never from YAML 1.1's guesses (``05550104477`` is not
an octal number, ``Yes`` is not a boolean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.composer import Composer

from .errors import HandoutError, PrescriptionError, Problem

Path_ = tuple  # a key path such as ("needle", "gauge") or ("schedule", "phases", 0)

MAX_BYTES = 256 * 1024   # a prescription is ~1 KB and the whole built-in content library ~30 KB
MAX_DEPTH = 16           # a prescription nests 4 deep, the content library 6
MAX_NODES = 10_000       # values in one document; the built-in files hold 120–260 each


@dataclass
class Located:
    """Plain data plus the 1-based line of every key path in it."""

    data: object
    lines: dict[Path_, int] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)  # scalar text as written (phone numbers)
    # Another reader's names for the key paths (FHIR element paths), used in messages in place of the YAML field.
    elements: dict[Path_, str] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def element(self, path: Path_) -> str | None:
        """The other reader's name for ``path`` or its nearest named ancestor; None for YAML."""
        path = tuple(path)
        while path and self.elements:
            if path in self.elements:
                return self.elements[path]
            path = path[:-1]
        return None


class Refused(yaml.MarkedYAMLError):
    """A document past one of the reading limits; ``problem`` says which and ``fix`` how to fix it."""

    def __init__(self, problem: str, mark=None, fix: str = ""):
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


# libyaml's parser and writer when PyYAML was built with it (several times faster), else pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(Composer, _Base):
    """Safe loading, composed node by node so the limits hold before anything grows.

    Timestamps stay text: dates are validated by the reader, with a message.
    """

    def __init__(self, text: str):
        _Base.__init__(self, text)
        self.anchors = {}
        self.depth = 0
        self.nodes = 0
        self.built = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):      # a reference, not a new node: _build counts what it expands to
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Refused(f"has more than {MAX_NODES:,} values, the limit", event.start_mark,
                          "split it into smaller files")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Refused(f"nests more than {MAX_DEPTH} levels deep, the limit", event.start_mark,
                          "check the indentation; a prescription nests only a few levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(text: str) -> Located:
    """Parse YAML text; raises yaml.YAMLError (with a mark) on malformed input or past a limit."""
    if len(text) > MAX_BYTES:
        raise Refused(f"is larger than {MAX_BYTES // 1024} KB, the limit", None,
                      "a prescription is a few lines; check that this is the right file")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        located = Located(None)
        if node is not None:
            located.data = _build(loader, node, (), located)
    finally:
        loader.dispose()
    return located


def parse(text: str, name: str, error: type[HandoutError] = PrescriptionError) -> Located:
    """``load``, refusing malformed YAML (or YAML past a limit) as ``error``: a problem with the file's
    ``name`` and line, never a parser's traceback."""
    try:
        return load(text)
    except yaml.YAMLError as failure:
        raise error([problem(failure, name)]) from None


def read(path: Path | str, what: str = "prescription",
         error: type[HandoutError] = PrescriptionError) -> tuple[str, str]:
    """A YAML file's text and display name; missing, huge, binary, non-UTF-8 or empty files are refused.

    ``what`` names the kind of file in messages ("prescription", "defaults file", "content file"),
    ``error`` the kind of HandoutError raised.
    """

    name = str(path)

    def refuse(message: str, fix: str):
        return error([Problem(name, None, "", message, fix)])

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise refuse("file not found", "check the path and the file name") from None
    except IsADirectoryError:
        raise refuse(f"is a folder, not a {what}",
                     "give the path of a .yaml file (or use 'handout batch' for folders)") from None
    except OSError as failure:
        raise refuse(f"cannot be read ({failure.strerror})", "check its permissions") from None
    if len(data) > MAX_BYTES:
        raise refuse(f"is larger than {MAX_BYTES // 1024} KB, the limit for a {what}",
                     "check that this is the right file")
    if b"\0" in data[:8192]:
        raise refuse(f"is a binary file, not a {what}",
                     "give a YAML text file; run 'handout schema' to see the format")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise refuse(f"is not UTF-8 text (byte {failure.start})", "save the file as UTF-8 text") from None
    if not text.strip():
        raise refuse("is empty", f"write a {what}; see examples/ or run 'handout schema'")
    return text, name


def problem(error: yaml.YAMLError, name: str) -> Problem:
    """A YAML error (malformed, or past a limit) as a problem a person can act on."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    if isinstance(error, Refused):
        message, fix = reason, error.fix
    else:
        message = f"is not valid YAML: {reason}"
        fix = ("delete one of them" if "twice" in reason else
               "check indentation and that every 'key: value' has a space after the colon")
    return Problem(name, mark.line + 1 if mark else None, "", message, fix)


def _build(loader: _Loader, node: yaml.Node, path: Path_, out: Located) -> object:
    """Plain data from the node tree; aliases expand here, so here the limits hold for what they expand to."""
    loader.built += 1
    if loader.built > MAX_NODES:
        raise Refused(f"has more than {MAX_NODES:,} values once its aliases (*name) are expanded, the limit",
                      node.start_mark, "write fewer values, or fewer references to them")
    if len(path) > MAX_DEPTH:
        raise Refused(f"nests more than {MAX_DEPTH} levels deep once its aliases (*name) are expanded, the limit",
                      node.start_mark, "check that no anchor (&name) refers to itself")
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word", key_node.start_mark
                )
            key = _scalar(loader, key_node)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is given twice; keep one", key_node.start_mark
                )
            child = (*path, key)
            result[key] = _build(loader, value_node, child, out)
            out.lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), out) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:binary":
        raise Refused("has !!binary data where text belongs", node.start_mark,
                      "write the text itself, without !!binary")
    out.raw[path] = node.value
    return _scalar(loader, node)


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> object:
    """A scalar's value; one Python cannot hold (an integer of thousands of digits, a month 13) is a YAML error."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        shown = node.value[:20] + ("…" if len(node.value) > 20 else "")
        raise Refused(f"'{shown}' cannot be read: a number thousands of digits long, or a date that does not exist",
                      node.start_mark, "write a real number or date, or put text in quotes") from None
