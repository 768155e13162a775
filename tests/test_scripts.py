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
    assert runs[1].family.startswith("Heebo") and runs[1].text == "ןהכ דוד"
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


def test_a_fresh_process_makes_the_same_bytes(handouts, tmp_path):
    """Small fonts (a CJK name's synthetic bold among them) depend only on the glyphs, not on what ran before."""
    made = handouts["chinese", "standard"]
    out = tmp_path / "again.pdf"
    subprocess.run([_tool("handout"), "generate", str(made.parent / "chinese.yaml"), "-o", str(out)],
                   check=True, capture_output=True, timeout=120)
    assert out.read_bytes() == made.read_bytes()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_decomposed_letters_print_as_the_name(write_rx, layout):
    """Letters typed as a base and combining marks are the same name as the composed letters (NFC)."""
    rx = base_rx()
    rx["patient"]["name"] = unicodedata.normalize("NFD", NAMES["vietnamese"])
    pdf = api.generate(write_rx(rx), layout=layout).pdf
    assert f"For {NAMES['vietnamese']}" in pdf_text(pdf)
    assert read_pdf(pdf).metadata.title.endswith(f"for {NAMES['vietnamese']}")


@pytest.mark.parametrize(("field", "value", "shown"), [
    (("patient", "name"), "Ana 😀 Díaz", "'😀' (U+1F600 GRINNING FACE)"),
    (("prescriber", "clinic"), "Sunrise 💊 Clinic", "U+1F48A PILL"),
    (("notes",), "Bring it\x00back", "U+0000"),
])
def test_unprintable_characters_refuse_the_handout(run, write_rx, tmp_path, field, value, shown):
    source = write_rx(_with(field, value))
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


def test_accessibility_checkers_stay_clean(handouts, wrapped_rtl, tmp_path):
    wrapped = tmp_path / "wrapped-rtl.pdf"
    wrapped.write_bytes(wrapped_rtl["standard"])
    files = [str(handouts[s, "standard"]) for s in NAMES] + [str(handouts["arabic", "large-print"]),
                                                            str(handouts["chinese", "compact"]), str(wrapped)]
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


HEBREW_NOTE = ("הביאו את מיכל המחטים לביקור הבא במרפאה אל תשליכו מחטים משומשות לפח האשפה הרגיל "
               "התקשרו אלינו אם יש כאב חזק או נפיחות במקום ההזרקה אחרי יומיים")
ARABIC_CLINIC = "مستشفى الملك فيصل التخصصي ومركز الأبحاث قسم أمراض الدم"


@pytest.fixture(scope="module")
def wrapped_rtl(tmp_path_factory):
    """A right-to-left note and clinic long enough to wrap, in every layout."""
    import yaml

    rx = base_rx()
    rx["notes"] = HEBREW_NOTE
    rx["prescriber"]["clinic"] = ARABIC_CLINIC
    source = tmp_path_factory.mktemp("rtl") / "rx.yaml"
    source.write_text(yaml.safe_dump(rx, allow_unicode=True), encoding="utf-8")
    return {layout: api.generate(source, layout=layout).pdf for layout in LAYOUTS}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_wrapped_right_to_left_text_reads_line_after_line(wrapped_rtl, layout):
    """Each line of a wrapped right-to-left note holds the next words in reading order (bidi per line),
    and no word is cut in two to fit a narrow column."""
    lines = [" ".join(line.split()) for page in read_pdf(wrapped_rtl[layout]).pages
             for line in (page.extract_text() or "").splitlines()]
    words = HEBREW_NOTE.split()
    held = [line for line in lines if set(line.split()) & set(words)]
    assert len(held) >= 2, held                          # it does wrap
    assert " ".join(held) == HEBREW_NOTE, held
    text = pdf_text(wrapped_rtl[layout])
    assert all(word in text.split() for word in ARABIC_CLINIC.split()), text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(HEBREW_NOTE.split() + ["12", "B12", "-"]), min_size=1, max_size=30),
       st.integers(min_value=60, max_value=400))
def test_each_line_is_drawn_in_reading_order(words, width):
    """Whatever the words and the width (wide enough for a word: a single word wider than its column
    is cut, as in any script), reading each drawn line's right-to-left words from the right gives the
    text's words in order, line after line."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics

    from handouts import blocks, fonts

    text = " ".join(words)
    para = blocks.Para(fontchain.markup(text), ParagraphStyle("p", fontName=fonts.default().regular, fontSize=10))
    para.wrap(width, 10_000)
    shown = fontchain.visual(para.blPara)
    read = []
    for line in shown.lines:
        frags = [(shown.fontName, " ".join(line[1]))] if shown.kind == 0 else [(f.fontName, f.text) for f in line.words]
        drawn = []      # (level, word as read) in drawing order
        for font_name, part in frags:
            font = pdfmetrics.getFont(font_name)
            level = getattr(font, "level", 0)
            for word in part.split():
                letters = "".join(getattr(font, "letters", {}).get(ord(c), c) for c in word)
                drawn.append((level, letters[::-1] if level % 2 else letters))
        read += _read(drawn)
    assert read == text.split()


def _read(drawn: list[tuple[int, str]]) -> list[str]:
    """Words of one line in reading order, given in drawing order with their levels (inverse of rule L2)."""
    out, i = [], 0
    while i < len(drawn):
        j = i
        while j < len(drawn) and drawn[j][0] % 2 == drawn[i][0] % 2 and (drawn[i][0] > 0) == (drawn[j][0] > 0):
            j += 1
        if drawn[i][0] > 0:
            stretch = drawn[i:j]
            while j < len(drawn) and drawn[j][0] > 0:
                stretch.append(drawn[j])
                j += 1
            out += _read_rtl(stretch)
        else:
            out += [w for _, w in drawn[i:j]]
        i = j
    return out


def _read_rtl(stretch: list[tuple[int, str]]) -> list[str]:
    """A right-to-left stretch read from the right; runs of a higher (left-to-right) level read from their left."""
    out, i, stretch = [], 0, stretch[::-1]
    while i < len(stretch):
        if stretch[i][0] % 2:
            out.append(stretch[i][1])
            i += 1
            continue
        j = i
        while j < len(stretch) and not stretch[j][0] % 2:
            j += 1
        out += [w for _, w in stretch[i:j][::-1]]
        i = j
    return out


def test_bold_is_bold_in_every_script(handouts):
    """The name in the bold 'For …' line is set bold, the CJK face too (made bold from its outlines)."""
    for script in ("chinese", "japanese", "korean", "arabic", "greek"):
        pdf = pikepdf.open(handouts[script, "standard"])
        fonts = {str(f.BaseFont): f for page in pdf.pages for f in page.Resources.Font.values()}
        fallback = {n: f for n, f in fonts.items() if "Atkinson" not in n}
        bold = [n for n in fallback if n.endswith("-Bold")]
        regular = [n for n in fallback if n.endswith("-Regular")]
        assert bold and regular, sorted(fallback)
        widths = {n: sum(fallback[n].Widths) for n in fallback}
        assert min(widths[n] for n in bold) > 0 and sum(widths[n] for n in bold) > sum(widths[n] for n in regular) * 0.5


def test_synthetic_bold_is_thicker_and_wider():
    """The CJK face has no bold weight: its bold glyphs are its outlines emboldened, never the regular ones."""
    from fontTools.pens.areaPen import AreaPen

    from handouts import glyphfonts

    shaped = glyphfonts.shape(fontchain.FALLBACKS[1], "王", 0)
    faces = [TTFont(io.BytesIO(glyphfonts.build(shaped, bold))) for bold in (False, True)]
    areas, advances = [], []
    for face in faces:
        name = face.getBestCmap()[ord("王")]
        pen = AreaPen(face.getGlyphSet())
        face.getGlyphSet()[name].draw(pen)
        areas.append(abs(pen.value))
        advances.append(face["hmtx"][name][0])
    assert areas[1] > areas[0] * 1.2 and advances[1] > advances[0]
    assert faces[1]["OS/2"].usWeightClass == 700


SPOOF = {
    "an emoji": ("Ana \U0001F600 Díaz", "U+1F600 GRINNING FACE"),
    "a private-use character": ("Ana \ue000 Díaz", "U+E000"),
    "an unassigned code point": ("Ana \u0378 Díaz", "U+0378"),
    "a control character": ("Ana \x07 Díaz", "U+0007"),
    "a zero-width joiner sequence": ("Ana \U0001F468\u200d\U0001F469\u200d\U0001F467 Díaz", "U+1F468 MAN"),
    "a right-to-left override": ("Ana \u202eDíaz", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "a right-to-left isolate": ("Ana \u2067Díaz\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"),
}
PRINTED = [("patient", "name"), ("prescriber", "name"), ("prescriber", "clinic"), ("pharmacy", "name"), ("notes",)]


@pytest.mark.parametrize("field", PRINTED, ids=".".join)
@pytest.mark.parametrize("kind", list(SPOOF))
def test_every_printed_field_refuses_what_it_cannot_show_truly(run, write_rx, field, kind):
    """Every field a patient reads refuses a character it cannot print or one that would reorder what it
    says, naming the field and the character (``generate`` refuses through the same check)."""
    value, shown = SPOOF[kind]
    check = run("check", write_rx(_with(field, value)))
    assert check.exit_code == 1, check.output
    assert f"{'.'.join(field)}: has" in check.output and shown in check.output


@pytest.mark.parametrize("field", [("prescriber", "phone"), ("prescriber", "after_hours"), ("pharmacy", "phone"),
                                   ("emergency_number",)], ids=".".join)
@pytest.mark.parametrize("kind", list(SPOOF))
def test_phone_fields_take_only_phone_numbers(run, write_rx, field, kind):
    check = run("check", write_rx(_with(field, "555-010-4477 " + SPOOF[kind][0])))
    assert check.exit_code == 1 and f"{'.'.join(field)}: " in check.output and "is not a phone number" in check.output


def _with(field: tuple, value: str) -> dict:
    """The example prescription (with a pharmacy) with one field set to ``value``."""
    rx = base_rx()
    rx.setdefault("pharmacy", {"name": "Main Street Pharmacy", "phone": "555-010-2200"})
    node = rx
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    return rx


def test_a_name_is_one_line(write_rx):
    """Tabs and line breaks pasted into a name read as single spaces, in the title and the metadata."""
    rx = base_rx()
    rx["patient"]["name"] = "Анна\tKuz\u2028Smith\n  Jr"
    pdf = api.generate(write_rx(rx)).pdf
    assert "For Анна Kuz Smith Jr ·" in pdf_text(pdf)
    assert read_pdf(pdf).metadata.title.endswith("for Анна Kuz Smith Jr")


MIXED = {"cyrillic-latin": "Анна Smith", "han-latin": "李 Wei", "greek-latin": "Ελένη Smith-Jones",
         "arabic": NAMES["arabic"], "hebrew": NAMES["hebrew"]}


@pytest.mark.parametrize("name", list(MIXED.values()), ids=list(MIXED))
def test_mixed_script_names_read_back_everywhere(write_rx, name):
    """Title, footer, metadata and the dose log's heading and bookmark all carry the name's letters
    (the bookmark the letters themselves, never the glyph codes a right-to-left name is drawn with)."""
    rx = base_rx()
    rx["patient"]["name"] = name
    rx["schedule"] = {"start": "2028-02-20", "phases": [{"every": "1 day", "for": "6 weeks"}]}    # needs a dose log
    pdf = api.generate(write_rx(rx)).pdf
    reader = read_pdf(pdf)
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    assert f"For {name} ·" in pages[0] and all(page.startswith(f"{name} ·") or f"{name} ·" in page for page in pages)
    assert f"Dose log for {name}" in pages[-1]     # pypdf moves the space after a right-to-left name
    assert f"Dose log for {name} (continued)" in [entry.title for entry in _outline(reader.outline)]


def test_arabic_name_with_latin_digits(write_rx):
    """Latin digits in an Arabic name stay left to right inside it; the Arabic words read back whole."""
    rx = base_rx()
    rx["patient"]["name"] = "محمد أحمد 2"
    runs = fontchain.runs("For محمد أحمد 2 ·")
    assert runs[0].text == "For " and runs[-1].text == " ·"
    assert runs[1].text == "2"          # drawn first: the number ends the right-to-left name
    text = pdf_text(api.generate(write_rx(rx)).pdf)
    assert "محمد" in text.split() and "أحمد" in text.split() and "2" in text.split()


def _outline(entries):
    for entry in entries:
        if isinstance(entry, list):
            yield from _outline(entry)
        else:
            yield entry


WORDS = {   # a few given and family names per script
    "cyrillic": ["Анна", "Кузнецова", "Пётр", "Иванов"], "greek": ["Ελένη", "Παπαδοπούλου", "Γιώργος"],
    "vietnamese": ["Nguyễn", "Thị", "Hương", "Trần", "Đức"], "han": ["王", "小明", "李", "伟"],
    "japanese": ["山田", "はなこ", "タロウ"], "korean": ["김", "민준", "이서연"],
    "latin-extended": ["Łukasz", "Żółć", "Ørsted", "Şahin", "Dvořák"], "latin": ["Maria", "López", "O'Neil"],
}


@settings(max_examples=12, deadline=None)
@given(st.lists(st.sampled_from([w for ws in WORDS.values() for w in ws]), min_size=1, max_size=4),
       st.sampled_from(LAYOUTS))
def test_any_left_to_right_name_reads_back(tmp_path_factory, words, layout):
    """A name made of words from several scripts prints in the title, footer and metadata as written."""
    import yaml

    name = " ".join(words)
    rx = base_rx()
    rx["patient"]["name"] = name
    source = tmp_path_factory.mktemp("name") / "rx.yaml"
    source.write_text(yaml.safe_dump(rx, allow_unicode=True), encoding="utf-8")
    pdf = api.generate(source, layout=layout).pdf
    text = pdf_text(pdf)
    assert f"For {name} ·" in text and f"{name} ·" in text.split("Page 1")[0] + text
    assert read_pdf(pdf).metadata.title.endswith(f"for {name}")


def _actual_texts(pdf: bytes) -> list[str]:
    import re

    doc = pikepdf.open(io.BytesIO(pdf))
    found = []
    for page in doc.pages:
        streams = page.Contents if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
        data = b"".join(stream.read_bytes() for stream in streams)
        found += [bytes.fromhex(m.decode()).decode("utf-16-be")
                  for m in re.findall(rb"/ActualText <FEFF([0-9A-F]+)>", data)]
    return found


@pytest.mark.parametrize("layout", LAYOUTS)
def test_right_to_left_paragraphs_say_their_text_in_reading_order(wrapped_rtl, layout):
    """Where words are drawn right to left, the marked content carries the text in reading order
    (ActualText), which screen readers read instead of the drawing order."""
    said = _actual_texts(wrapped_rtl[layout])
    assert HEBREW_NOTE in said
    assert any(ARABIC_CLINIC in text and text.startswith("Dr. Aisha Chen") for text in said), said


def test_left_to_right_text_needs_no_actual_text(handouts):
    assert _actual_texts(handouts["chinese", "standard"].read_bytes()) == []
