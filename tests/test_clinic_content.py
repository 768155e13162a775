"""A clinic's content folder drives the pictures too: the body map reads the same library as the words."""

from __future__ import annotations

import shutil

import pypdfium2 as pdfium
import pytest
import yaml

from conftest import ROOT, figure_alts, sc_rx
from handouts import api
from handouts.content import BUILTIN

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"
SITE_RED = (0xB0, 0x00, 0x20)


def _clinic(tmp_path, change) -> str:
    """A clinic folder: the built-in site catalogue with one change."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    sites = yaml.safe_load((BUILTIN / "sites.yaml").read_text(encoding="utf-8"))
    change(sites["sites"])
    (folder / "sites.yaml").write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
    return str(folder)


def _marks(pdf: bytes) -> list[tuple[int, int]]:
    """Pixels of the site marks' red in the body map (left third of page 1, below the title)."""
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    w, h = image.size
    box = (0, int(h * 0.25), int(w * 0.36), int(h * 0.95))
    area = image.crop(box)
    return [(box[0] + x, box[1] + y) for y in range(area.height) for x in range(area.width)
            if all(abs(a - b) < 40 for a, b in zip(area.getpixel((x, y)), SITE_RED, strict=True))]


def _centre(points):
    return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)


@pytest.fixture(scope="module")
def built_in_marks():
    return _marks(api.generate(IM).pdf)


def test_a_moved_site_mark_moves_on_the_handout(tmp_path, built_in_marks):
    def move_thigh_up(sites):
        sites["vastus_lateralis"]["diagram"]["y"] = 0.75

    pdf = api.generate(IM, content_dir=_clinic(tmp_path, move_thigh_up)).pdf
    moved = _marks(pdf)
    assert len(built_in_marks) > 30 and len(moved) > 30
    (x0, y0), (x1, y1) = _centre(built_in_marks), _centre(moved)
    assert abs(x1 - x0) < 3
    assert y0 - y1 > 25, (y0, y1)          # higher on the page by a quarter of the figure


def test_a_site_the_clinic_added_is_drawn(tmp_path, write_rx, built_in_marks):
    def add_site(sites):
        added = dict(sites["vastus_lateralis"], name="lower back muscle", short="lower back",
                     aliases=["lower back muscle"], diagram={"view": "back", "dx": 0.12, "y": 0.6})
        sites["clinic_lower_back"] = added

    folder = _clinic(tmp_path, add_site)
    rx = yaml.safe_load(IM.read_text(encoding="utf-8"))
    rx["sites"] = ["left lower back muscle"]
    pdf = api.generate(write_rx(rx), content_dir=folder).pdf
    marks = _marks(pdf)
    assert len(marks) > 30, "the clinic's site is not marked"
    x, _ = _centre(marks)
    assert x > _centre(built_in_marks)[0] + 40      # on the back view, right of the front view's middle


def test_the_same_folder_by_another_path_gives_the_same_handout(tmp_path):
    folder = _clinic(tmp_path, lambda sites: None)
    link = tmp_path / "again"
    shutil.copytree(folder, link)
    assert api.generate(IM, content_dir=folder).pdf == api.generate(IM, content_dir=str(link)).pdf


def test_a_short_needles_angle_is_the_one_routes_yaml_gives(tmp_path, write_rx):
    """A 6 mm needle goes in straight (Hall 2015, in routes.yaml); a clinic's routes.yaml may set it otherwise."""
    rx = sc_rx()
    rx["needle"]["length"] = "6 mm"
    path = write_rx(rx)

    def pinch_alt(content_dir=None) -> str:
        alts = figure_alts(api.generate(path, content_dir=content_dir).pdf)
        return next(alt for alt in alts if alt.startswith("A thumb and finger pinch up a fold"))

    assert "at 90 degrees" in pinch_alt()
    routes = yaml.safe_load((BUILTIN / "routes.yaml").read_text(encoding="utf-8"))
    routes["routes"]["subcutaneous"]["short_needle"]["max_mm"] = 5
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "routes.yaml").write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    assert "at 45 degrees" in pinch_alt(str(folder))         # the route's own angle, as routes.yaml says
    # a clinic file from before routes.yaml named short needles keeps their angle, not the route's 45
    del routes["routes"]["subcutaneous"]["short_needle"]
    older = tmp_path / "older clinic"
    older.mkdir()
    (older / "routes.yaml").write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    assert "at 90 degrees" in pinch_alt(str(older))
