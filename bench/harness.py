"""What the benchmark scripts share: a command line described by the script's own docstring, and one
measured run in a process of its own (``SCRIPT --child INPUTS OUT WORKERS``, which prints a JSON line).

A measured run gets a fresh interpreter, so its memory peak and start-up are its own, and no run's
memos flatter the next.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

CHILD = "--child"


def parser(doc: str, **numbers: int) -> argparse.ArgumentParser:
    """The script's arguments, described by its docstring's first line; an integer option per keyword
    (``count=1000`` is ``--count``, 1000 unless given)."""
    made = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in numbers.items():
        made.add_argument(f"--{name}", type=int, default=default)
    return made


def as_child(child: Callable[[str, str, int], None]) -> bool:
    """When this process was started by ``in_child``, the measured run ``child(inputs, out, workers)``: True.
    False otherwise (the script goes on to its own arguments)."""
    if sys.argv[1:2] != [CHILD]:
        return False
    inputs, out, workers = sys.argv[2:5]
    child(inputs, out, int(workers))
    return True


def in_child(script: str, inputs: Path, workers: int) -> dict:
    """One measured run of ``script`` in a fresh process, writing to a folder of its own: its JSON line."""
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, script, CHILD, str(inputs), out, str(workers)],
                              capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"{Path(script).name}: the run with {workers} worker(s) failed:\n{proc.stderr}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
