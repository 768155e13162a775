"""The hands-on steps come with pictures, and the steps follow the product's form.

Read back from the PDF: the steps a patient sees for a vial or an ampoule,
the pictures beside them (tagged figures with alt text, found by the
medicine's colour that only they print), the angle the prescription sets,
and a clear refusal of a form the medicine does not come in.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from reportlab.graphics.shapes import Drawing

from conftest import ROOT, base_rx, figure_alts, pdf_text
from handouts import api, context, model, prescription, technique, theme

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"                 # cyanocobalamin: vials (US label)
AMPOULE = ROOT / "examples" / "hydroxocobalamin-im.yaml"          # hydroxocobalamin: UK ampoules first
SC_90 = ROOT / "examples" / "cyanocobalamin-subcut-90-degrees.yaml"
SC_45 = ROOT / "examples" / "cyanocobalamin-subcut.yaml"


def _medicine_pixels(pdf: bytes) -> int:
    """Pixels in the medicine's colour, which only the technique pictures print."""
    want = tuple(round(v * 255) for v in theme.LIQUID.rgb())
    count = 0
    for page in pdfium.PdfDocument(pdf):
        colours = page.render(scale=1).to_pil().convert("RGB").getcolors(1 << 24)
        count += sum(n for n, rgb in colours if all(abs(a - b) <= 3 for a, b in zip(rgb, want, strict=True)))
    return count


@pytest.mark.parametrize("layout", ["standard", "large-print"])
def test_layout_shows_drawing_up_and_holding_the_skin(layout, monkeypatch):
    pdf = api.generate(IM, layout=layout).pdf
    alts = figure_alts(pdf)
    assert any(alt.startswith("Four pictures of drawing up from a vial") and "1 mL" in alt for alt in alts), alts
    assert any(alt.startswith("A hand pulls the skin flat") and "90 degrees" in alt for alt in alts), alts
    assert _medicine_pixels(pdf) > 200
    # the colour is the pictures' alone: drawn empty, the handout has none of it
    monkeypatch.setattr(technique, "drawing", lambda ctx, key, width, *a, **k: Drawing(width, 40))
    assert _medicine_pixels(api.generate(IM, layout=layout).pdf) == 0


def test_standard_sets_the_pictures_beside_their_steps():
    """On the page with the drawing-up steps, the pictures stand to the right of the words, never under them."""
    document = pdfium.PdfDocument(api.generate(IM).pdf)
    want = tuple(round(v * 255) for v in theme.LIQUID.rgb())
    for page in document:
        text = page.get_textpage()
        found = text.search("Turn the vial upside down").get_next()
        if found:
            break
    else:
        pytest.fail("no page has the drawing-up steps")
    left, _, right, _ = text.get_charbox(found[0])           # where the step's words start
    image = page.render(scale=1).to_pil().convert("RGB")
    columns = [x for x in range(image.width) for y in range(0, image.height, 2)
               if all(abs(a - b) <= 3 for a, b in zip(image.getpixel((x, y)), want, strict=True))]
    assert len(columns) > 100                                 # the medicine in the syringes and vial
    baseline = text.get_charbox(found[0])[1]
    step_end = max(box[2] for box in (text.get_charbox(i) for i in range(text.count_chars()))
                   if abs(box[1] - baseline) < 2)              # the right end of the step's line
    assert min(columns) > step_end, "a picture overlaps or sits left of its step's words"
    assert min(columns) > left + page.get_width() * 0.45


@pytest.mark.parametrize("layout", ["standard", "large-print"])
def test_ampoule_steps_and_picture_for_uk_hydroxocobalamin(layout):
    pdf = api.generate(AMPOULE, layout=layout).pdf
    text = pdf_text(pdf)
    assert "glass ampoule" in text and "Snap the top off, away from you" in text
    assert "rubber top of the vial" not in text
    assert any(alt.startswith("Four pictures of opening a glass ampoule") for alt in figure_alts(pdf))


def test_vial_steps_for_cyanocobalamin():
    text = pdf_text(api.generate(IM).pdf)
    assert "rubber top of the vial" in text and "Turn the vial upside down" in text
    assert "ampoule" not in text


@pytest.mark.parametrize("layout", ["standard", "large-print"])
@pytest.mark.parametrize(("example", "angle"), [(SC_45, 45), (SC_90, 90)])
def test_pinch_picture_uses_the_prescribed_angle(example, angle, layout):
    alts = figure_alts(api.generate(example, layout=layout).pdf)
    pinch = [alt for alt in alts if alt.startswith("A thumb and finger pinch up a fold")]
    assert pinch and f"at {angle} degrees" in pinch[0]
    assert not any(alt.startswith("A hand pulls the skin flat") for alt in alts)


def test_the_prescription_picks_the_form(write_rx):
    rx = base_rx()
    rx.update({"medication": "hydroxocobalamin", "dose": "1 mg", "form": "vial"})
    text = pdf_text(api.generate(write_rx(rx)).pdf)
    assert "rubber top of the vial" in text and "ampoule" not in text


def test_a_form_the_medicine_does_not_come_in_is_refused(write_rx, run):
    rx = base_rx()
    rx["form"] = "ampule"              # cyanocobalamin comes in vials only
    path = write_rx(rx)
    result = run("generate", path, "-o", path.with_suffix(".pdf"))
    assert result.exit_code != 0
    assert "form" in result.output and "is not a form cyanocobalamin comes in" in result.output
    assert "use one of: vial" in result.output
    assert not path.with_suffix(".pdf").exists()



def _strings(node) -> list[str]:
    return [node.text] if hasattr(node, "text") else [s for child in getattr(node, "contents", []) for s in
                                                       _strings(child)]


@pytest.mark.parametrize(("example", "key", "route"), [(IM, "stretch", "intramuscular"),
                                                        (SC_45, "pinch", "subcutaneous")])
def test_the_skin_picture_takes_its_angle_from_the_content_and_never_guesses_one(example, key, route):
    ctx = context.default()
    h = model.build(prescription.load(example, ctx.library), ctx.library)
    angle = ctx.library.routes[route]["angle"]          # routes.yaml, where the angle's source is
    assert h.technique["angle"] == angle
    shown = _strings(technique.drawing(ctx, key, 200, 9, h.pictures, 1, h.technique))
    assert f"{angle}°" in shown
    for info in ({}, {"ticks": 10}):                    # no angle: refused, not drawn at a made-up one
        with pytest.raises(ValueError, match="angle"):
            technique.drawing(ctx, key, 200, 9, h.pictures, 1, info)
