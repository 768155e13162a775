"""Plain language, measured over the whole content library so new text can't regress it.

Target (clinical-facts §7): Flesch-Kincaid grade 6 on average, no section above 8.
"""

from __future__ import annotations

import statistics

import pytest
import textstat

from handouts import content

AVERAGE_MAX = 6.0
# Phrases that are only ever filled into a sentence measured elsewhere (a
# picture's label, "medical name: deltoid muscle", a pharmacy's name): a grade
# for three words on their own means nothing.
FRAGMENTS = {"pictures", "medical_name", "needle", "forms", "after_hours_pharmacy", "after_hours_no_pharmacy",
             "key_spots", "document", "contact_words", "layers", "schedule", "side_words", "site_label",
             "amount_mg", "dose_line", "per_ml", "needle_length", "units", "dates", "locale", "paper",
             "emergency_number", "aliases", "review"}
SECTION_MAX = 8.0


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _sentences(strings: list[str]) -> str:
    """Join list items as sentences, the way a reader meets them."""
    return " ".join(s.strip() if s.strip().endswith((".", ":", "?", "!")) else s.strip() + "." for s in strings)


def sections() -> dict[str, str]:
    lib = content.load()
    found = {}
    for med_id, med in lib.medications.items():
        for key in ("storage", "cautions", "why_it_matters"):
            found[f"{med_id}.{key}"] = _sentences(_strings(med.get(key)))
        for tier, items in med["side_effects"].items():
            found[f"{med_id}.side_effects.{tier}"] = _sentences(items)
    for site_id, site in lib.sites.items():
        found[f"sites.{site_id}"] = _sentences([site["landmarks"]])
    for lang, text in lib.texts.items():
        if lang != "en-US":
            continue
        for key, value in text.items():
            if key not in {"language", "name", "headings"} | FRAGMENTS:
                found[f"text.{key}"] = _sentences(_strings(value if key != "steps" else [s["text"] for s in value]))
    return found


SECTIONS = sections()


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_no_section_above_grade_8(name):
    grade = textstat.flesch_kincaid_grade(SECTIONS[name])
    assert grade <= SECTION_MAX, f"{name} reads at grade {grade:.1f}: {SECTIONS[name]}"


def test_average_grade_at_most_6():
    grades = [textstat.flesch_kincaid_grade(t) for t in SECTIONS.values()]
    assert statistics.mean(grades) <= AVERAGE_MAX, f"average grade {statistics.mean(grades):.1f}"
