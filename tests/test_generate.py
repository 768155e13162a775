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
from handouts.layouts import available

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"
SC = ROOT / "examples" / "cyanocobalamin-subcut.yaml"
HYDROXO = ROOT / "examples" / "hydroxocobalamin-im.yaml"


@pytest.fixture(scope="module")
def im_pdf():
    return api.generate(IM).pdf


def test_cli_writes_a_four_page_handout(run, tmp_path):
    out = tmp_path / "handout.pdf"
    result = run("generate", IM, "-o", out)
    assert result.exit_code == 0, result.output
    reader = read_pdf(out)
    assert len(reader.pages) == 4
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_every_personal_detail_is_printed(im_pdf):
    text = pdf_text(im_pdf)
    for detail in ["Maria López", "1 mL", "1,000 mcg", "1,000 mcg/mL",
                   "Into the muscle (intramuscular)", "23 gauge", "1 in (25 mm)",
                   "Your left and right outer thigh", "1 · left outer thigh", "2 · right outer thigh",
                   "Dr. Aisha Chen", "555-010-4477", "555-010-9000", "Riverside Family Clinic",
                   "Main Street Pharmacy", "555-010-2200", "911",
                   "Bring your sharps container to your next visit.",
                   "Every day for 7 days", "Once a week for 4 weeks", "Once a month",
                   "Tue 1 Dec 2026", "Mon 7 Dec 2026", "Mon 14 Dec 2026", "Mon 28 Dec 2026"]:
        assert detail in text, detail


def test_route_wording_is_only_the_prescribed_route(im_pdf):
    sc_text = pdf_text(api.generate(SC).pdf)
    assert "Under the skin (subcutaneous)" in sc_text
    assert "Under the skin (subcutaneous)" not in pdf_text(im_pdf)
    assert "Into the muscle (intramuscular)" not in sc_text


def test_side_effect_tiers_name_who_to_call(im_pdf):
    text = pdf_text(im_pdf)
    assert "Call Dr. Aisha Chen: 555-010-4477" in text
    assert "Call 911 right away" in text


def test_metadata_and_fonts(im_pdf):
    reader = read_pdf(im_pdf)
    meta = reader.metadata
    assert "Maria López" in meta.title
    assert meta.author == "Riverside Family Clinic"
    assert "intramuscular" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
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


@pytest.mark.parametrize("layout", ["standard", "compact", "large-print"])
def test_a_warm_process_makes_the_same_bytes_as_a_fresh_one(layout):
    """Caches (parsed paragraphs, shared drawings, font subsets) never change what is written."""
    for other in EXAMPLES:
        api.generate(other, layout=layout)
    warm = api.generate(SC, layout=layout).pdf
    script = ("import sys; from handouts import api; "
              f"sys.stdout.buffer.write(api.generate({str(SC)!r}, layout={layout!r}).pdf)")
    fresh = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, check=True).stdout
    assert warm == fresh


def test_a_host_application_that_registered_the_same_font_first():
    """reportlab shares one font object per face, so our font may carry the host's name."""
    script = """
import sys
import fontpkg_atkinson_hyperlegible as atkinson
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
pdfmetrics.registerFont(TTFont("HostFont", f"{atkinson.ROOT}/files/AtkinsonHyperlegible-Regular.ttf"))
from handouts import api
first = api.generate(sys.argv[1]).pdf
sys.stdout.buffer.write(api.generate(sys.argv[1]).pdf if first else b"")
"""
    done = subprocess.run([sys.executable, "-c", script, str(SC)], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    text = pdf_text(done.stdout)
    assert "James O'Connor" in text and "Under the skin" in text


def test_a4_paper():
    reader = read_pdf(api.generate(IM, paper="a4").pdf)
    assert round(float(reader.pages[0].mediabox.width)) == 595


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_generates(example, tmp_path, run):
    out = tmp_path / "x.pdf"
    assert run("generate", example, "-o", out).exit_code == 0
    pages = PdfReader(out).pages
    # four pages, then a dose log page when the calendar does not fit in its place
    continued = "(continued)" in (pages[-1].extract_text() or "")
    assert len(pages) == (5 if continued else 4)


def test_hydroxocobalamin_calendar_three_times_a_week():
    text = pdf_text(api.generate(HYDROXO).pdf)
    assert "Three times a week for 2 weeks" in text
    assert "Mon 7 Dec 2026" in text and "Wed 9 Dec 2026" in text and "Fri 11 Dec 2026" in text
    assert "Your right and left upper arm" in text
    assert "Fri 12 Mar 2027" in text      # 12 weeks after the last loading dose


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
    """This checkout's command works from another folder (data files are found by package, not by folder).

    The installed console script is run from elsewhere by test_install, from a
    freshly built wheel: a development environment's script may resolve to
    another installed copy of the project.
    """
    out = tmp_path / "h.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", "from handouts.generate import main; main()", "generate", str(IM),
                           "-o", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(PdfReader(out).pages) == 4


def test_listing_commands(run):
    assert "standard" in run("layouts").output
    meds = run("medications").output
    assert "cyanocobalamin" in meds and "hydroxocobalamin" in meds
    assert "subcutaneous" in meds.splitlines()[0] or "subcutaneous" in meds


def test_listing_the_layouts_imports_neither_them_nor_reportlab():
    """`handout layouts` reads each layout's NAME and DESCRIPTION from its source: a listing stays cheap."""
    script = ("import sys; from generate import cli; cli(['layouts'], standalone_mode=False); "
              "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'reportlab' "
              "or m.startswith('handouts.layouts.')))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    *listed, imported = done.stdout.splitlines()
    assert imported == "[]"
    assert listed == [f"{name:<12} {module.DESCRIPTION}" for name, module in available().items()]

def _pixels_like(image, box, colour, tolerance) -> int:
    counts = image.crop(box).getcolors(maxcolors=1_000_000)
    return sum(n for n, rgb in counts if all(abs(a - b) <= tolerance for a, b in zip(rgb, colour, strict=True)))


def test_diagram_area_is_drawn(im_pdf):
    """The body map (front and back figures, filled and outlined), its site marks and the depth layers are drawn."""
    import pypdfium2 as pdfium

    from handouts import theme

    def rgb(colour):
        return tuple(round(v * 255) for v in colour.rgb())

    image = pdfium.PdfDocument(im_pdf)[0].render(scale=1).to_pil().convert("RGB")
    w, h = image.size
    # "Where to inject" sits below the key points, left third of page 1: the front view left, the back view right
    top, bottom = int(h * 0.56), int(h * 0.86)
    front, back = (int(w * 0.05), top, int(w * 0.205), bottom), (int(w * 0.205), top, int(w * 0.36), bottom)
    for view in (front, back):
        assert _pixels_like(image, view, rgb(theme.BODY_FILL), 6) > 1500, "no body figure drawn"
        assert _pixels_like(image, view, rgb(theme.BODY_LINE), 40) > 150, "no body outline drawn"
    assert _pixels_like(image, front, rgb(theme.SITE_MARK), 40) > 60, "the thighs are not marked"
    assert _pixels_like(image, back, rgb(theme.SITE_MARK), 40) == 0, "a site is marked that was not prescribed"
    # "How deep it goes" beside it: skin, fat and muscle
    depth = (int(w * 0.35), int(h * 0.60), int(w * 0.57), int(h * 0.84))
    for layer in (theme.SKIN, theme.FAT, theme.MUSCLE):
        assert _pixels_like(image, depth, rgb(layer), 6) > 150, "a tissue layer is missing"


def test_words_do_not_run_together_at_line_breaks(im_pdf):
    text = pdf_text(im_pdf)
    assert "Put one hand below your hip and one hand above your knee." in text
    assert "Do not inject on your own until a nurse or doctor has shown you how and watched you do it." in text


def test_password_protected_copy_stays_readable(run, tmp_path):
    out = tmp_path / "locked.pdf"
    result = run("generate", IM, "-o", out, "--password", "b12-maria")
    assert result.exit_code == 0, result.output
    reader = read_pdf(out)
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert encrypt["/V"] == 5 and encrypt["/R"] == 6            # AES-256
    assert reader.decrypt("b12-maria")
    permissions = int(encrypt["/P"])
    assert permissions & (1 << 2) and permissions & (1 << 4) and permissions & (1 << 9)   # print, copy, accessibility
    assert "Maria López" in " ".join(p.extract_text() for p in reader.pages)
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_off_label_route_is_said_plainly(write_rx, tmp_path, run):
    from conftest import sc_rx
    rx = sc_rx()
    rx.update(medication="hydroxocobalamin", strength="1 mg/mL", dose="1 mg", off_label=True)
    out = tmp_path / "x.pdf"
    result = run("generate", write_rx(rx), "-o", out)
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Under the skin (subcutaneous)" in text
    assert "It is not the way the product label says to give it." in text
