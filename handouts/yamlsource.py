"""Safe YAML loading that remembers where each value came from.

A clinician fixing a prescription needs the line number, so the loader walks
PyYAML's node tree (safe constructors only) and records the line of every key
path alongside the plain Python data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path_ = tuple  # a key path such as ("needle", "gauge") or ("schedule", "phases", 0)


@dataclass
class Located:
    """Plain data plus the 1-based line of every key path in it."""

    data: object
    lines: dict[Path_, int] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)  # scalar text as written (phone numbers)

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


# libyaml's parser when PyYAML was built with it (several times faster), else pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """SafeLoader that keeps timestamps as text: dates are validated by us, with a message."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(text: str) -> Located:
    """Parse YAML text; raises yaml.YAMLError (with a mark) on malformed input."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        located = Located(None)
        if node is not None:
            located.data = _build(loader, node, (), located)
    finally:
        loader.dispose()
    return located


def _build(loader: _Loader, node: yaml.Node, path: Path_, out: Located) -> object:
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word", key_node.start_mark
                )
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
    out.raw[path] = node.value
    return loader.construct_object(node, deep=True)
