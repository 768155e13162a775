"""A plain `pip install .` carries the command, both packages and every data file."""

import importlib.metadata
import json

import pytest

from conftest import ROOT


def test_the_installed_package_carries_every_file():
    try:
        dist = importlib.metadata.distribution("handouts")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("handouts is not installed")
    if json.loads(dist.read_text("direct_url.json") or "{}").get("dir_info", {}).get("editable"):
        pytest.skip("an editable install reads the source tree")
    installed = {f.as_posix() for f in dist.files}
    wanted = {p.relative_to(ROOT).as_posix() for folder in ("handouts", "layouts") for p in (ROOT / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts} | {"generate.py"}
    assert wanted <= installed, sorted(wanted - installed)
    assert any(entry.name == "handout" for entry in dist.entry_points)
