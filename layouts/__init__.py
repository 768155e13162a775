"""Layouts: each module arranges the same Handout sections into pages.

A layout is one module in this package defining ``NAME``, ``DESCRIPTION``,
``BODY_SIZE`` (pt), ``MARGIN`` (pt) and ``story(handout, width, ctx) -> list``,
where ``ctx`` is the render context (styles, fonts, the content library).
Adding a layout means adding a module; nothing else changes. ``NAME`` and
``DESCRIPTION`` are plain strings, so the layouts can be listed without
importing them (and reportlab with them).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path
from types import ModuleType


def _modules() -> list[pkgutil.ModuleInfo]:
    return [info for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
            if not info.name.startswith("_")]


@cache
def available() -> dict[str, ModuleType]:
    """Every layout module in this package, by its NAME."""
    found = {}
    for info in _modules():
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "story") and hasattr(module, "NAME"):
            found[module.NAME] = module
    return found


@cache
def described() -> dict[str, str]:
    """Every layout's DESCRIPTION by its NAME, read from the modules' source: a listing costs milliseconds,
    where importing the layouts brings in reportlab and the whole renderer."""
    import ast

    found = {}
    for info in _modules():
        tree = ast.parse((Path(info.module_finder.path) / f"{info.name}.py").read_bytes())
        names = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
        drawn = any(isinstance(node, ast.FunctionDef) and node.name == "story" for node in tree.body)
        if drawn and "NAME" in names:
            found[ast.literal_eval(names["NAME"])] = ast.literal_eval(names.get("DESCRIPTION", ast.Constant("")))
    return found


def get(name: str) -> ModuleType:
    layouts = available()
    if name not in layouts:
        raise KeyError(f"unknown layout {name!r}; choose one of: {', '.join(layouts)}")
    return layouts[name]
