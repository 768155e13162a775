"""Shared helpers: write prescriptions, run the CLI, read PDFs back."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pikepdf
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from generate import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
DATA = Path(__file__).parent / "data"


def base_rx() -> dict:
    """The IM example as a dict, to change one thing at a time."""
    return yaml.safe_load((ROOT / "examples" / "cyanocobalamin-im.yaml").read_text(encoding="utf-8"))


def sc_rx() -> dict:
    return yaml.safe_load((ROOT / "examples" / "cyanocobalamin-subcut.yaml").read_text(encoding="utf-8"))


def dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.fixture
def write_rx(tmp_path):
    """Write a prescription (dict or text) to a file and return its path."""
    counter = iter(range(1000))

    def write(data, name: str | None = None) -> Path:
        path = tmp_path / (name or f"rx{next(counter)}.yaml")
        path.write_text(data if isinstance(data, str) else dump(copy.deepcopy(data)), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run():
    """Run the CLI in process; stderr kept apart from stdout."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def read_pdf(data: bytes | Path) -> PdfReader:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return PdfReader(io.BytesIO(raw))


def pdf_text(data: bytes | Path) -> str:
    """All page text, whitespace folded, as a patient's screen reader would get it."""
    reader = read_pdf(data)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def figure_alts(pdf: bytes) -> list[str]:
    """The alt text of every Figure in the structure tree: what a screen reader says for each picture."""
    alts = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if str(node.S) == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            walk(node.get("/K"))

    document = pikepdf.open(io.BytesIO(pdf))     # held: its objects live only as long as it does
    walk(document.Root.StructTreeRoot.K)
    return alts
