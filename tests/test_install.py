"""A plain `pip install .` carries the command, both packages and every data file."""

import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT

SHIPPED = ("handouts", "layouts")


def test_the_wheel_carries_every_file(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True)
    wheel = zipfile.ZipFile(next((tmp_path / "dist").glob("handouts-*.whl")))
    names = set(wheel.namelist())
    wanted = {p.relative_to(ROOT).as_posix() for folder in SHIPPED for p in (ROOT / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts} | {"generate.py"}
    assert wanted <= names, sorted(wanted - names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "handout = generate:main" in wheel.read(entry_points).decode()
