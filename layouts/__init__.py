"""Layouts: each module arranges the same Handout sections into pages.

A layout is one module in this package defining ``NAME``, ``DESCRIPTION``,
``BODY_SIZE`` (pt), ``MARGIN`` (pt) and ``story(handout, width, ctx) -> list``,
where ``ctx`` is the render context (styles, fonts, the content library).
Adding a layout means adding a module; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def available() -> dict[str, ModuleType]:
    """Every layout module in this package, by its NAME."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "story") and hasattr(module, "NAME"):
            found[module.NAME] = module
    return found


def get(name: str) -> ModuleType:
    layouts = available()
    if name not in layouts:
        raise KeyError(f"unknown layout {name!r}; choose one of: {', '.join(layouts)}")
    return layouts[name]
