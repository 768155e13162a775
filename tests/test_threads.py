"""api.generate on several threads at once gives exactly the bytes of one-at-a-time renders."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from conftest import EXAMPLES, dump
from handouts import api
from handouts.context import RenderContext

# Names beyond Latin-1 give each handout font subsets of its own, so threads also
# make subsets and compress them at the same moment, not only replay remembered ones;
# names in other scripts take the fallback faces.
NAMES = ["Łucja Wąsowska", "Ștefan Țăranu", "Đorđe Šćepanović", "Ľubomír Ďurčo", "Şükrü Ağaoğlu",
         "Дмитрий Иванов", "سارة المصري", "王小明 Wang"]
LAYOUTS = ["standard", "compact", "large-print"]


def _jobs(folder) -> list[tuple[str, str]]:
    """Eight different handouts: every example, every layout, a different patient each."""
    jobs = []
    for i, name in enumerate(NAMES):
        rx = yaml.safe_load(EXAMPLES[i % len(EXAMPLES)].read_text(encoding="utf-8"))
        rx["patient"]["name"] = name
        path = folder / f"rx{i}.yaml"
        path.write_text(dump(rx), encoding="utf-8")
        jobs.append((str(path), LAYOUTS[i % len(LAYOUTS)]))
    return jobs


@pytest.fixture(autouse=True)
def switch_often():
    """Threads take turns every few microseconds instead of every 5 ms, so races show up."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _on_threads(jobs, ctx: RenderContext) -> list[bytes]:
    start = threading.Barrier(len(jobs))

    def render(job):
        start.wait()
        return api.generate(job[0], layout=job[1], context=ctx).pdf

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(render, jobs))


def test_eight_threads_make_the_same_bytes_as_one(tmp_path):
    jobs = _jobs(tmp_path)
    serial = [api.generate(path, layout=layout, context=RenderContext()).pdf for path, layout in jobs]
    assert len(set(serial)) == len(jobs)
    for _ in range(2):
        # a fresh context each round: memos are filled by racing threads, then replayed by them
        ctx = RenderContext()
        assert _on_threads(jobs, ctx) == serial
        assert _on_threads(jobs, ctx) == serial


def test_the_default_context_is_shared_safely(tmp_path):
    jobs = _jobs(tmp_path)
    serial = [api.generate(path, layout=layout).pdf for path, layout in jobs]
    with ThreadPoolExecutor(4) as pool:
        again = list(pool.map(lambda job: api.generate(job[0], layout=job[1]).pdf, jobs * 2))
    assert again == serial * 2


def test_font_subsets_made_on_many_threads_match_those_made_alone():
    """Making a subset reads the font file through one shared position: the face takes turns."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFace

    from handouts import fonts

    face = pdfmetrics.getFont(fonts.default().regular).face
    accented = [c for c in range(0x100, 0x180) if c in face.charToGlyph]     # composite glyphs
    subsets = [[0, *accented[i:i + 40]] for i in range(0, 96)]
    alone = TTFontFace(face.filename)
    expected = [alone.makeSubset(subset) for subset in subsets]
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(face.makeSubset, subsets))
    assert made == expected


def test_memos_are_bounded(tmp_path):
    """Names beyond Latin-1 make new font subsets for every handout; the memos keep only a few."""
    from reportlab.pdfbase import pdfmetrics

    from handouts import fonts
    from handouts.memo import Memo

    memo = Memo(3, second_sighting=True)
    for key in range(10):
        memo.put(key, str(key))
        memo.put(key, str(key))
    assert len(memo) == 3 and memo.get(9) == "9" and memo.get(0) is None

    ctx = RenderContext()
    face = pdfmetrics.getFont(ctx.fonts.regular).face
    for path, layout in _jobs(tmp_path) * 3:
        api.generate(path, layout=layout, context=ctx)
    assert len(face._subsets) <= fonts.SUBSETS_KEPT
    for memo in (ctx.parsed, ctx.broken, ctx.backdrops, ctx.operators, ctx.flate._recent):
        assert len(memo) <= memo.size


def test_threads_in_a_fresh_process_race_for_everything_cold(tmp_path):
    """The first renders of a process register fonts, load fallback faces and the library, all at once."""
    import hashlib
    import json
    import subprocess

    from conftest import ROOT

    jobs = _jobs(tmp_path)
    script = """
import hashlib, json, sys, threading
from concurrent.futures import ThreadPoolExecutor
sys.setswitchinterval(1e-5)
jobs = json.loads(sys.argv[1])
start = threading.Barrier(len(jobs))
def render(job):
    start.wait()
    from handouts import api
    return hashlib.sha256(api.generate(job[0], layout=job[1]).pdf).hexdigest()
with ThreadPoolExecutor(len(jobs)) as pool:
    print(json.dumps(list(pool.map(render, jobs))))
"""
    done = subprocess.run([sys.executable, "-c", script, json.dumps(jobs)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    serial = [hashlib.sha256(api.generate(path, layout=layout).pdf).hexdigest() for path, layout in jobs]
    assert json.loads(done.stdout) == serial
