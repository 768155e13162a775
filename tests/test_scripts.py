"""Names in every script: set in a face that has them, in reading order, with real text behind them."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import base_rx, pdf_text, read_pdf
from handouts import api, fontchain
from handouts.layouts import available

NAMES = {
    "cyrillic": "Анна Кузнецова",
    "greek": "Ελένη Παπαδοπούλου",
    "vietnamese": "Nguyễn Thị Hương",
    "chinese": "王小明",
    "japanese": "山田 はなこ",
    "korean": "김민준",
    "arabic": "محمد أحمد",
    "hebrew": "דוד כהן",
    "latin-extended": "Łukasz Żółć-Ørsted",
}
RTL = {"arabic", "hebrew"}
LAYOUTS = sorted(available())


def _visual(name: str) -> str:
    return name[::-1]


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    """Every name in every layout; the prescriber and clinic in other scripts too."""
    folder = tmp_path_factory.mktemp("scripts")
    import yaml

    files = {}
    for script, name in NAMES.items():
        rx = base_rx()
        rx["patient"]["name"] = name
        rx["prescriber"]["clinic"] = "Клиника Рассвет"
        source = folder / f"{script}.yaml"
        source.write_text(yaml.safe_dump(rx, allow_unicode=True), encoding="utf-8")
        for layout in LAYOUTS:
            path = folder / f"{script}-{layout}.pdf"
            path.write_bytes(api.generate(source, layout=layout).pdf)
            files[script, layout] = path
    return files


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("script", list(NAMES))
def test_name_reads_back_from_the_text_layer(handouts, script, layout):
    name = NAMES[script]
    text = pdf_text(handouts[script, layout])
    assert f"For {name}" in text or (script in RTL and _visual(name) in text), text[:300]
    assert "Клиника Рассвет" in text
    assert "\x00" not in text and not any(0xE000 <= ord(c) <= 0xF8FF for c in text)
    title = read_pdf(handouts[script, layout]).metadata.title
    assert title.endswith(f"for {name}")


@pytest.mark.parametrize("script", list(NAMES))
def test_every_run_is_set_in_a_face_that_has_it(handouts, script):
    """Fallback faces are embedded subsets holding only the glyphs the name uses."""
    pdf = pikepdf.open(handouts[script, "standard"])
    fonts = {}
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            fonts[str(font.BaseFont)] = font
    fallback = {n: f for n, f in fonts.items() if "Atkinson" not in n}
    assert fallback, sorted(fonts)
    for name, font in fallback.items():
        program = font.FontDescriptor.FontFile2.read_bytes()
        glyphs = TTFont(io.BytesIO(program))["maxp"].numGlyphs
        assert "+" in name and glyphs <= len(set(NAMES[script] + "Клиника Рассвет")) + 2, (name, glyphs)


def test_rtl_names_are_drawn_right_to_left():
    runs = fontchain.runs("Dr. דוד כהן")
    assert runs[0].family is None and runs[0].text == "Dr. "
    assert runs[1].family.startswith("Heebo") and runs[1].text == "ןהכ\u00a0דוד"
    arabic = fontchain.runs("محمد")
    assert len(arabic) == 1 and arabic[0].family.startswith("NotoSansArabic")
    assert all(0xE000 <= ord(c) <= 0xF8FF for c in arabic[0].text)      # joining forms, not the plain letters


def test_a_word_stays_in_one_face():
    """A Vietnamese name is not a patchwork of Atkinson and Noto Sans letters."""
    runs = fontchain.runs("Nguyễn Thị Hương")
    assert [r.family is None for r in runs] == [False]


def test_same_name_same_bytes(handouts, tmp_path):
    rx = base_rx()
    rx["patient"]["name"] = NAMES["arabic"]
    import yaml

    source = tmp_path / "rx.yaml"
    source.write_text(yaml.safe_dump(rx, allow_unicode=True), encoding="utf-8")
    first = api.generate(source).pdf
    api.generate(Path(__file__).parent.parent / "examples" / "hydroxocobalamin-im.yaml")
    assert api.generate(source).pdf == first


def test_decomposed_letters_print_as_the_name(write_rx):
    rx = base_rx()
    rx["patient"]["name"] = unicodedata.normalize("NFD", NAMES["vietnamese"])
    text = pdf_text(api.generate(write_rx(rx)).pdf)
    assert f"For {NAMES['vietnamese']}" in text


@pytest.mark.parametrize(("field", "value", "shown"), [
    (("patient", "name"), "Ana 😀 Díaz", "'😀' (U+1F600 GRINNING FACE)"),
    (("prescriber", "clinic"), "Sunrise 💊 Clinic", "U+1F48A PILL"),
    (("notes",), "Bring it\x00back", "U+0000"),
])
def test_unprintable_characters_refuse_the_handout(run, write_rx, tmp_path, field, value, shown):
    rx = base_rx()
    node = rx
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    source = write_rx(rx)
    out = tmp_path / "out.pdf"
    result = run("generate", source, "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert ".".join(field) in result.output and shown in result.output
    assert "no handout font can print" in result.output
    check = run("check", source)
    assert check.exit_code == 1 and shown in check.output


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="".join(NAMES.values()) + " -'.()", min_size=1, max_size=24))
def test_any_mix_of_scripts_keeps_its_letters(text):
    """Whatever the mix, every letter is drawn once, in a face that has it."""
    drawn = []
    from reportlab.pdfbase import pdfmetrics

    for run in fontchain.runs(text):
        if run.family is None:
            drawn.append(run.text)
            continue
        font = pdfmetrics.getFont(run.family)
        letters = font.letters
        drawn.append("".join(letters.get(ord(c), c) for c in run.text))
        assert all(ord(c) in font.face.charToGlyph for c in run.text)
    assert _letters("".join(drawn)) == _letters(text)


def _letters(text: str) -> list[str]:
    """The letters of a text, in any order; a bracket mirrored for right-to-left counts as itself."""
    return sorted(text.replace(" ", "").replace(")", "("))


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).parent / name)


def test_accessibility_checkers_stay_clean(handouts):
    files = [str(handouts[s, "standard"]) for s in NAMES] + [str(handouts["arabic", "large-print"]),
                                                            str(handouts["chinese", "compact"])]
    pdfua = subprocess.run([_tool("pdfua"), "check", *files], capture_output=True, text=True, timeout=300)
    assert pdfua.returncode == 0, pdfua.stdout + pdfua.stderr
    outloud = subprocess.run([_tool("outloud"), "--fail-on", "warning", "-q", *files],
                             capture_output=True, text=True, timeout=600)
    assert outloud.returncode == 0, outloud.stdout + outloud.stderr


HOSTILE = "دוד王はИễ ()-\u200c\u200d\u200e\u200f\u202b\u202c\u2067\u2069\u0301\u064e\u05b8"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=16) | st.text(HOSTILE, max_size=16))
def test_hostile_text_is_refused_or_set(text):
    """Any text is either refused by name or set without an error; direction marks are never drawn."""
    if fontchain.unprintable(text):
        return
    drawn = "".join(run.text for run in fontchain.runs(text))
    assert not set(drawn) & set("\u200e\u200f\u202b\u202c\u2067\u2069")
