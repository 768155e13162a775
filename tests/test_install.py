"""A plain `pip install .` carries the command, both packages and every data file, under the handouts name only."""

import shutil
import subprocess
import sys
import zipfile

from conftest import ROOT

SHIPPED = {"handouts": "handouts", "layouts": "handouts/layouts"}     # folder in the tree → place in the wheel


def test_the_wheel_carries_every_file_and_the_installed_command_works_anywhere(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True)
    wheel_path = next((tmp_path / "dist").glob("handouts-*.whl"))
    wheel = zipfile.ZipFile(wheel_path)
    names = set(wheel.namelist())
    wanted = {f"{place}/{p.relative_to(ROOT / folder).as_posix()}" for folder, place in SHIPPED.items()
              for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    wanted.add("handouts/_cli/generate.py")
    assert wanted <= names, sorted(wanted - names)
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"handouts"}                    # no generic `generate` or `layouts` in site-packages
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "handout = handouts.generate:main" in wheel.read(entry_points).decode()

    # Installed for real, then run from a folder that is not the checkout.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", str(wheel_path)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(bin_dir / "python"), "-c", "import handouts.generate, handouts.layouts as l; "
                            "print(handouts.generate.__file__); print(l.__file__)"],
                           cwd=elsewhere, check=True, capture_output=True, text=True).stdout.split()
    assert all(str(venv) in path for path in where), where
    listed = subprocess.run([str(bin_dir / "handout"), "layouts"], cwd=elsewhere, capture_output=True, text=True)
    assert listed.returncode == 0 and "standard" in listed.stdout and "compact" in listed.stdout, listed.stderr
    made = subprocess.run([str(bin_dir / "handout"), "generate", str(ROOT / "examples" / "cyanocobalamin-im.yaml"),
                           "-o", "h.pdf"], cwd=elsewhere, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (elsewhere / "h.pdf").read_bytes().startswith(b"%PDF")
