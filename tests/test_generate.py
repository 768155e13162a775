"""The main path: a prescription becomes a complete, personalized handout PDF."""

import hashlib
import os
import stat
import subprocess
import sys

import pytest
from pypdf import PdfReader

from conftest import EXAMPLES, ROOT, base_rx, pdf_text, read_pdf
from handouts import api

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"
SC = ROOT / "examples" / "cyanocobalamin-subcut.yaml"
HYDROXO = ROOT / "examples" / "hydroxocobalamin-im.yaml"


@pytest.fixture(scope="module")
def im_pdf():
    return api.generate(IM).pdf


def test_cli_writes_a_two_page_handout(run, tmp_path):
    out = tmp_path / "handout.pdf"
    result = run("generate", IM, "-o", out)
    assert result.exit_code == 0, result.output
    reader = read_pdf(out)
    assert len(reader.pages) == 2
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_every_personal_detail_is_printed(im_pdf):
    text = pdf_text(im_pdf)
    for detail in ["Maria López", "1 mL", "1,000 mcg", "1,000 mcg/mL",
                   "Into the muscle (intramuscular)", "23 gauge", "1 in (25 mm)",
                   "your left outer thigh", "your right outer thigh",
                   "Dr. Aisha Chen", "555-010-4477", "555-010-9000", "Riverside Family Clinic",
                   "Main Street Pharmacy", "555-010-2200", "911",
                   "Bring your sharps container to your next visit.",
                   "Every day for 7 days", "Once a week for 4 weeks", "Once a month",
                   "Tue 1 Dec 2026", "Tue 8 Dec 2026", "Tue 5 Jan 2027"]:
        assert detail in text, detail


def test_route_wording_is_only_the_prescribed_route(im_pdf):
    sc_text = pdf_text(api.generate(SC).pdf)
    assert "Under the skin (subcutaneous)" in sc_text
    assert "Under the skin (subcutaneous)" not in pdf_text(im_pdf)
    assert "Into the muscle (intramuscular)" not in sc_text


def test_side_effect_tiers_name_who_to_call(im_pdf):
    text = pdf_text(im_pdf)
    assert "Call Dr. Aisha Chen: 555-010-4477" in text
    assert "Call 911 now" in text


def test_metadata_and_fonts(im_pdf):
    reader = read_pdf(im_pdf)
    meta = reader.metadata
    assert "Maria López" in meta.title
    assert meta.author == "Riverside Family Clinic"
    assert "intramuscular" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]))
    assert any("Atkinson" in f for f in fonts)


def test_same_input_same_bytes():
    assert hashlib.sha256(api.generate(IM).pdf).digest() == hashlib.sha256(api.generate(IM).pdf).digest()


def test_a4_paper():
    reader = read_pdf(api.generate(IM, paper="a4").pdf)
    assert round(float(reader.pages[0].mediabox.width)) == 595


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_generates(example, tmp_path, run):
    out = tmp_path / "x.pdf"
    assert run("generate", example, "-o", out).exit_code == 0
    assert len(PdfReader(out).pages) == 2


def test_hydroxocobalamin_calendar_three_times_a_week():
    text = pdf_text(api.generate(HYDROXO).pdf)
    assert "Three times a week for 2 weeks" in text
    assert "Mon 7 Dec 2026" in text and "Wed 9 Dec 2026" in text and "Fri 11 Dec 2026" in text
    assert "your right upper arm" in text or "your right deltoid" in text


def test_stdout_output(run):
    result = run("generate", IM, "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"%PDF")


def test_markup_in_names_is_printed_as_text(write_rx, tmp_path, run):
    rx = base_rx()
    rx["patient"]["name"] = "Ann <b>Lee</b> & Co"
    out = tmp_path / "x.pdf"
    assert run("generate", write_rx(rx), "-o", out).exit_code == 0
    assert "Ann <b>Lee</b> & Co" in pdf_text(out)


def test_real_subprocess_from_elsewhere(tmp_path):
    """The installed console script works outside the checkout (data files are packaged)."""
    out = tmp_path / "h.pdf"
    handout = os.path.join(os.path.dirname(sys.executable), "handout")
    proc = subprocess.run([handout, "generate", str(IM), "-o", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(PdfReader(out).pages) == 2


def test_listing_commands(run):
    assert "standard" in run("layouts").output
    meds = run("medications").output
    assert "cyanocobalamin" in meds and "hydroxocobalamin" in meds
    assert "subcutaneous" in meds.splitlines()[0] or "subcutaneous" in meds
