"""What the standard handouts say, read back from the PDF: the words a patient alone at home needs,
numbers that cannot be misread, and no wording that points at something that is not there."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, base_rx, pdf_text, sc_rx
from handouts import api

IM = ROOT / "examples" / "cyanocobalamin-im.yaml"
SC = ROOT / "examples" / "cyanocobalamin-subcut.yaml"

# What a review of the handouts found missing, as the patient reads it (clinical-facts §3–§5, §8).
NEEDED = {
    "supplies": ["What you need", "syringe with mL marks", "A new needle for each shot", "Alcohol wipes",
                 "A sharps container"],
    "tiers": ["Changes in your eyesight", "(nausea)", "headache", "dizzy", "(flushing)"],
    "problems": ["You missed a dose", "You see blood in the syringe", "Medicine leaks out of the skin",
                 "It may have gone into the wrong layer"],
    "steps": ["There is no need to pull back the plunger"],
    "storage": ["where children and pets cannot reach them", "write the date you first open it"],
    "key points": ["Key points", "How", "Dose", "When", "Where", "Call"],
    "terms": ["tells how thin the needle is", "Used needles are called sharps",
              "Potassium is a mineral in your blood"],
}


@pytest.fixture(scope="module")
def standard():
    return {path.stem: pdf_text(api.generate(path).pdf) for path in (IM, SC)}


@pytest.mark.parametrize("example", ["cyanocobalamin-im", "cyanocobalamin-subcut"])
@pytest.mark.parametrize("part", sorted(NEEDED))
def test_the_standard_handout_says_what_the_patient_needs(standard, example, part):
    missing = [words for words in NEEDED[part] if words not in standard[example]]
    assert not missing, f"{example} lacks {missing}"


def test_no_after_hours_number_says_whom_to_call_after_hours(standard):
    text = standard["cyanocobalamin-subcut"]          # its prescriber gives no after-hours number
    assert "After hours, call your pharmacy (Harbor Pharmacy 555-014-7788)" in text
    assert "Call 911 only for an emergency" in text


def test_the_needle_numbers_are_explained_with_the_patients_own_needle(standard):
    assert "The gauge, 23, tells how thin the needle is" in standard["cyanocobalamin-im"]
    assert "The length, 5/8 inch (16 mm), is how far the needle goes in" in standard["cyanocobalamin-subcut"]


def test_key_points_name_the_spots_by_their_numbers_on_the_map(standard):
    assert "Spots 1 and 2: your left and right outer thigh." in standard["cyanocobalamin-im"]
    assert ("Spots 1 and 2: your belly, left and right of your belly button; spot 3: back of your right upper arm."
            in standard["cyanocobalamin-subcut"])


def test_subcutaneous_steps_keep_their_order(standard):
    """Pinch, needle in, no pulling back, push: the no-aspiration step never comes before the pinch."""
    text = standard["cyanocobalamin-subcut"]
    text = text[text.index("Step by step"):]
    order = [text.index(words) for words in ("Pinch a fold of skin", "Put the needle in at 45 degrees",
                                             "There is no need to pull back", "Push the plunger down slowly")]
    assert order == sorted(order)


def test_a_single_open_phase_does_not_say_from_then_on(tmp_path):
    rx = base_rx()
    rx["schedule"]["phases"] = [{"every": "1 month"}]
    path = tmp_path / "monthly.yaml"
    path.write_text(yaml.safe_dump(rx), encoding="utf-8")
    text = pdf_text(api.generate(path).pdf)
    assert "Once a month, until your doctor or nurse says to stop" in text
    assert "from then on" not in text


def test_one_and_a_half_inches_cannot_be_read_as_eleven_halves(tmp_path):
    rx = sc_rx() | {"route": "intramuscular", "sites": ["left thigh", "right thigh"],
                    "needle": {"gauge": 23, "length": "1 1/2 in"}}
    path = tmp_path / "long-needle.yaml"
    path.write_text(yaml.safe_dump(rx), encoding="utf-8")
    text = pdf_text(api.generate(path).pdf)
    assert "1½ inch (38 mm)" in text and "1½ in (38 mm) needle" in text
    assert not re.search(r"\b1 ?1/2\b", text)


def test_the_calendar_names_the_back_of_the_arm_plainly(standard):
    text = standard["cyanocobalamin-subcut"]
    assert "3 · back of right arm" in text and "right back of arm" not in text
