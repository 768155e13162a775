"""Handouts in US English, UK English and Spanish, read back from the PDFs.

Every example renders in every language and layout; the Spanish PDF has no
English left in it; each language reads plainly (measured on the whole
assembled handout); the layouts keep their page promises in Spanish; the
safety rules refuse in every language; and a translation that lacks a key of
the US English text fails when the library loads.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
import textstat
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from test_page_promises import FLOORS, LARGE_PRINT_PAGES, _flat, _sizes
from test_readability import _strings as _values
from test_safety import CASES

from conftest import EXAMPLES, ROOT, base_rx, dump, pdf_text, read_pdf
from handouts import api, content, model, prescription
from handouts.content import BUILTIN
from handouts.errors import ContentError, PrescriptionError
from handouts.safety import MEDICATION_WORDING, SITE_WORDING

LANGUAGES = ("en-US", "en-GB", "es")
LAYOUTS = ("standard", "compact", "large-print")
LIB = content.load()


@pytest.fixture(scope="module")
def rendered():
    """Every example in every language and layout, as PDF bytes."""
    return {(example.stem, language, layout): api.generate(example, layout=layout, language=language).pdf
            for example in EXAMPLES for language in LANGUAGES for layout in LAYOUTS}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_example_renders_in_every_layout_in_its_language(rendered, language):
    english = {key: len(read_pdf(pdf).pages) for key, pdf in rendered.items() if key[1] == "en-US"}
    for (stem, lang, layout), pdf in rendered.items():
        if lang != language:
            continue
        reader = read_pdf(pdf)
        assert str(reader.trailer["/Root"]["/Lang"]) == language, (stem, layout)
        assert reader.metadata.title and "\x00" not in reader.metadata.title
        pages = len(reader.pages)
        if layout == "compact":      # one sheet, both sides, and the dose log's page when there is one
            assert pages <= 3, (stem, layout, pages)
        elif layout == "standard":   # at most four pages (fewer on A4), and the dose log's
            last = reader.pages[-1].extract_text() or ""
            continued = "(continued)" in last or "(sigue)" in last
            assert pages <= (5 if continued else 4), (stem, layout, pages)
        else:                        # large print promises no count; Spanish runs about a fifth longer
            assert pages <= english[stem, "en-US", layout] * 1.25, (stem, layout, pages)


def _english_words() -> set[str]:
    """Every word of the US English wording: text file, medications, sites (not its comments)."""
    words = set()
    for name in ("text/en.yaml", "medications.yaml", "sites.yaml"):
        words |= _words(" ".join(_values(yaml.safe_load((BUILTIN / name).read_text(encoding="utf-8")))))
    return words


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{2,}", text)}


# Words English and Spanish write alike, and names of things: drugs, units, numbers' companions.
SHARED = {"vitamin", "cyanocobalamin", "hydroxocobalamin", "mg", "mcg", "ml", "mm", "in", "de", "la", "el", "no",
          "abdomen", "pus", "normal", "a", "b12"}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_english_left_in_the_spanish_handout(rendered, layout):
    spanish = LIB.wording("es").locale          # CLDR's Spanish month and weekday names ("may" is mayo)
    names = [*spanish.months["format"]["abbreviated"].values(), *spanish.days["format"]["abbreviated"].values()]
    english = _english_words() - _words(" ".join(_values(LIB.text("es")) + names)) - SHARED
    for example in EXAMPLES:
        rx = prescription.load(example, LIB)
        # the prescriber's own words stay as written: names, clinic, notes, "until" phrases
        theirs = _words(" ".join([rx.patient_name, rx.prescriber.name, rx.prescriber.clinic, rx.prescriber.email,
                                  rx.notes, rx.pharmacy.name if rx.pharmacy else "",
                                  *(p.until for p in rx.phases)]))
        left = _words(pdf_text(rendered[example.stem, "es", layout])) & english - theirs
        assert not left, f"{example.stem} ({layout}): English words in the Spanish handout: {sorted(left)}"


def _assembled(h: model.Handout) -> str:
    """Everything a patient reads as sentences, in reading order (labels and the calendar's cells left out)."""
    parts = [h.route_full, h.route_not, h.off_label, *(t for _, t in h.key_points), *h.dose_lines, *h.schedule,
             h.needle_words, h.diagram_caption, *(p.landmarks for p in h.places), h.angle_words, h.rotation,
             *h.supplies, *h.steps, h.training, h.calendar_then, *h.calendar_notes, h.calendar_note,
             *(f"{t.title}. {t.lead} " + " ".join(t.items) for t in h.tiers), *h.cautions, h.why, *h.sharps,
             *h.storage, *(f"{title}. {text}" for title, text in h.problems)]
    return " ".join(p.strip() if p.strip().endswith((".", ":", "?", "!")) else p.strip() + "." for p in parts if p)


def _handout(example: str, language: str) -> model.Handout:
    rx = api.in_language(prescription.load(ROOT / "examples" / f"{example}.yaml", LIB), LIB, language)
    return model.build(rx, LIB)


READABLE = ["cyanocobalamin-im", "cyanocobalamin-subcut", "hydroxocobalamin-im",
            "hydroxocobalamin-weekly-then-every-2-to-3-months"]


@pytest.mark.parametrize("example", READABLE)
@pytest.mark.parametrize("language", ["en-US", "en-GB"])
def test_english_handouts_read_at_grade_6_or_below(example, language):
    textstat.set_lang("en")
    grade = textstat.flesch_kincaid_grade(_assembled(_handout(example, language)))
    assert grade <= 6.0, f"{language} {example}: Flesch-Kincaid grade {grade:.1f}"


@pytest.mark.parametrize("example", READABLE)
def test_spanish_handouts_read_easily(example):
    textstat.set_lang("es")
    try:
        score = textstat.fernandez_huerta(_assembled(_handout(example, "es")))
    finally:
        textstat.set_lang("en")
    assert score >= 70, f"{example}: Fernández-Huerta {score:.1f}"


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
def test_spanish_keeps_the_page_promises(rendered, example, tmp_path):
    for layout, floor in FLOORS.items():
        path = tmp_path / f"{layout}.pdf"
        path.write_bytes(rendered[example, "es", layout])
        sizes = _sizes(path)
        assert min(sizes) >= floor, f"{layout}: text at {min(sizes)} pt"
    compact = read_pdf(rendered[example, "es", "compact"])
    continued = "(sigue)" in (compact.pages[-1].extract_text() or "")
    assert len(compact.pages) == (3 if continued else 2)
    text = pdf_text(rendered[example, "es", "compact"])
    for needed in ("Agujas usadas", "recipiente para agujas", "Cómo guardar su medicina", "lejos de la luz",
                   "Dígale a su médico", "alergia al cobalto", "Si algo sale mal", "Llame al 911 de inmediato",
                   "A quién llamar"):
        assert needed in text, needed
    large = read_pdf(rendered[example, "es", "large-print"])
    assert len(large.pages) <= LARGE_PRINT_PAGES
    titles = {entry.title for entry in _flat(large.outline)}
    assert {"Lo más importante", "Paso a paso", "A quién llamar", "Agujas usadas"} <= titles
    for number, page in enumerate(large.pages[:-1], 1):
        lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
        assert lines[-1] not in titles, f"page {number} ends with the heading {lines[-1]!r}"


@pytest.mark.parametrize("name", sorted(CASES)[:8])
def test_safety_rules_still_refuse_in_spanish(name, write_rx):
    start, breaking, field, words, _ = CASES[name]
    rx = start()
    breaking(rx)
    rx.setdefault("patient", {})["language"] = "es"
    with pytest.raises(PrescriptionError) as refused:
        api.generate(write_rx(rx))
    assert any(words in p.message for p in refused.value.problems if p.severity == "error")


def test_spanish_dates_numbers_and_units_follow_the_locale():
    h = _handout("hydroxocobalamin-im", "es")
    assert h.dose_lines == ("1 mL = 1 mg (1000 microgramos)",)
    w = LIB.wording("es")
    import datetime as dt

    assert w.date(dt.date(2026, 12, 1), "long") == "martes, 1 de diciembre de 2026"
    assert w.number(0.5) == "0,5" and w.number(10000) == "10.000"
    assert _handout("cyanocobalamin-im", "es").schedule[0] == "Todos los días durante 7 días (7 dosis)"
    text = pdf_text(api.generate(ROOT / "examples" / "cyanocobalamin-im.yaml", language="es").pdf)
    assert "emitida el miércoles, 25 de noviembre de 2026" in text and "mar 1 dic 2026" in text


def test_uk_handout_follows_nhs_practice(rendered, write_rx):
    h = _handout("hydroxocobalamin-im", "en-GB")
    assert h.dose_lines == ("1 mL = 1 mg (1000 micrograms)",)
    for example in EXAMPLES:
        for layout in LAYOUTS:
            text = pdf_text(rendered[example.stem, "en-GB", layout])
            for never in ("clinician", "laundry", "°F", "trash", "color"):
                assert never not in text, (example.stem, layout, never)
    rx = base_rx()
    del rx["emergency_number"]               # the examples say 911 themselves, which a handout keeps
    rx["patient"]["language"] = "en-GB"
    pdf = api.generate(write_rx(rx)).pdf
    text = pdf_text(pdf)
    for said in ("GP", "sharps bin", "Call 999", "NHS 111", "Tue 1 Dec 2026"):
        assert said in text, said
    assert "911" not in text
    width, height = read_pdf(pdf).pages[0].mediabox[2:]
    assert (round(float(width)), round(float(height))) == (595, 842)       # A4 unless --paper says otherwise


def test_the_patients_language_field_picks_and_the_option_overrides(run, write_rx, tmp_path):
    rx = base_rx()
    rx["patient"]["language"] = "es"
    del rx["emergency_number"]
    path = write_rx(rx)
    out = tmp_path / "es.pdf"
    result = run("generate", path, "-o", out)
    assert result.exit_code == 0, result.output
    assert str(PdfReader(out).trailer["/Root"]["/Lang"]) == "es"
    assert "not been reviewed by a clinician" in result.stderr          # on the terminal ...
    assert "reviewed" not in pdf_text(out)                              # ... never on the handout
    result = run("generate", path, "-o", out, "--language", "en-GB")
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert str(PdfReader(out).trailer["/Root"]["/Lang"]) == "en-GB" and "Call 999" in text
    result = run("generate", path, "-o", out, "--language", "en")       # the old tag still works
    assert result.exit_code == 0 and "not been reviewed" not in result.stderr
    assert str(PdfReader(out).trailer["/Root"]["/Lang"]) == "en-US"
    result = run("generate", path, "-o", out, "--language", "fr")
    assert result.exit_code == 2 and "en-GB" in result.output


def test_check_warns_of_unreviewed_wording_as_generate_does(run, write_rx, tmp_path):
    """The same warning, word for word, whether the file is checked first or the handout made at once."""
    rx = base_rx()
    rx["patient"]["language"] = "es"
    del rx["emergency_number"]
    path = write_rx(rx)
    made = run("generate", path, "-o", tmp_path / "es.pdf")
    checked = run("check", path)
    warned = [line for line in made.stderr.splitlines() if "not been reviewed by a clinician" in line]
    assert made.exit_code == 0 and len(warned) == 1
    assert checked.exit_code == 0 and warned[0] in checked.stdout.splitlines(), checked.stdout
    assert "1 warning" in checked.stdout
    report = run("check", path, "--format", "json")
    [problem] = json.loads(report.stdout)["problems"]
    assert (problem["field"], problem["severity"]) == ("patient.language", "warning")
    assert "wording has not been reviewed by a clinician" in problem["message"]
    assert "not been reviewed" not in run("check", write_rx(base_rx())).stdout      # US English is the source

def test_every_key_of_us_english_is_in_every_language():
    english = LIB.texts["en-US"]

    def keys(node, path=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield (*path, key)
                yield from keys(value, (*path, key))

    for language in ("en-GB", "es"):
        text = LIB.texts[language]
        for path in keys(english):
            node = text
            for key in path:
                assert isinstance(node, dict) and key in node, f"{language} lacks {'.'.join(map(str, path))}"
                node = node[key]


def test_a_translation_missing_a_key_is_refused_on_load(tmp_path):
    folder = tmp_path / "clinic"
    (folder / "text").mkdir(parents=True)
    spanish = yaml.safe_load((BUILTIN / "text" / "es.yaml").read_text(encoding="utf-8"))
    del spanish["schedule"]["every_other_day"]
    spanish["language"] = "es-419"
    (folder / "text" / "es-419.yaml").write_text(dump(spanish), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        content.load(str(folder))
    assert any(p.field == "schedule.every_other_day" and "es-419.yaml" in p.file for p in refused.value.problems)


def test_a_clinic_adds_a_language_with_one_file(tmp_path, write_rx):
    folder = tmp_path / "clinic"
    (folder / "text").mkdir(parents=True)
    shutil.copy(BUILTIN / "text" / "es.yaml", folder / "text" / "es-419.yaml")
    spanish = (folder / "text" / "es-419.yaml").read_text(encoding="utf-8")
    spanish = spanish.replace("language: es\n", "language: es-419\n").replace("Paso a paso", "Paso por paso")
    (folder / "text" / "es-419.yaml").write_text(spanish, encoding="utf-8")
    rx = base_rx()
    rx["patient"]["language"] = "es-419"
    result = api.generate(write_rx(rx), content_dir=str(folder))
    assert "Paso por paso" in pdf_text(result.pdf)
    assert str(read_pdf(result.pdf).trailer["/Root"]["/Lang"]) == "es-419"


def test_spanish_wording_covers_every_medication_and_site():
    spanish = LIB.texts["es"]
    for med_id, med in LIB.medications.items():
        for key in ("display_name", "storage", "side_effects", "cautions", "why_it_matters", "without_loading"):
            if key in med:
                assert key in spanish["medications"][med_id], (med_id, key)
    for site_id in LIB.sites:
        assert {"name", "short", "label", "technical", "landmarks"} <= set(spanish["sites"][site_id]), site_id


def test_each_language_uses_the_glossarys_terms():
    glossary = yaml.safe_load((BUILTIN / "text" / "glossary.yaml").read_text(encoding="utf-8"))["terms"]
    english = " ".join(_values(LIB.texts["en-US"]) + _values(LIB.medications) + _values(LIB.sites)).lower()
    for language in ("en-GB", "es"):
        meds = [{k: v for k, v in LIB.medication(m, language).items() if k in MEDICATION_WORDING}
                for m in LIB.medications]
        sites = [{k: v for k, v in LIB.site(s, language).items() if k in SITE_WORDING} for s in LIB.sites]
        said = " ".join(_values(LIB.texts[language]) + _values(meds) + _values(sites)).lower()
        for term, words in glossary.items():
            forms = words[language] if isinstance(words[language], list) else [words[language]]
            if words["en-US"].lower() in english:
                assert any(form.lower() in said for form in forms), f"{language} never says {forms} ({term})"
            for avoided in (words.get("not") or {}).get(language, []):
                assert avoided.lower() not in said, f"{language} says {avoided!r}; the glossary says {forms}"


def test_the_web_form_offers_the_librarys_languages():
    from handouts.web import form

    offered = {choice["value"] for choice in form.choices()["languages"]}
    assert {"en-US", "en-GB", "es"} <= offered


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_written_language_resolves_to_a_library_language_or_none(tag):
    found = LIB.language(tag)
    assert found is None or found in LIB.texts
    assert LIB.text(tag)["language"] == (found or "en-US")


def test_every_line_of_every_language_is_text():
    """A colon left unquoted in YAML turns a line into a mapping, which would print as braces."""
    def walk(node, path):
        if isinstance(node, list):
            for i, item in enumerate(node):
                assert isinstance(item, str) or (isinstance(item, dict) and {"text", "label", "title"} & set(item)), \
                    f"{path}[{i}] is not text: {item!r}"
                walk(item, f"{path}[{i}]")
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")

    for language in LANGUAGES:
        walk(LIB.texts[language], language)
