"""Real regimens (BNF, UK SmPC, US labels) rendered and read back as a patient would.

Each regimen in data/regimens.yaml either prints every dose date its source
gives, with the words that explain it, or is refused with a message that
names the field and says why. The dates there are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from conftest import DATA, pdf_text
from handouts import api

SPEC = yaml.safe_load((DATA / "regimens.yaml").read_text(encoding="utf-8"))
_EN_DATE = (r"(?<!next on )(?<!chose )\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} "
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}")
_ES_DAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
_ES_MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]
_ES_DATE = (rf"(?<!el )\b(?:{'|'.join(_ES_DAYS)}) \d{{1,2}} (?:{'|'.join(_ES_MONTHS)}) \d{{4}}")


def _prescription(name: str, section: str) -> dict:
    rx = {**SPEC["defaults"]}
    for key, value in SPEC[section][name].items():
        if key not in {"dates", "next_on", "says", "never", "layouts", "message"}:
            rx[key] = value
    return {key: value for key, value in rx.items() if value is not None}


def _shown(day: dt.date, spanish: bool) -> str:
    if spanish:
        return f"{_ES_DAYS[day.weekday()]} {day.day} {_ES_MONTHS[day.month - 1]} {day.year}"
    return f"{day:%a} {day.day} {day:%b %Y}"


def _cases():
    for name, regimen in SPEC["regimens"].items():
        for layout in regimen.get("layouts", ["standard"]):
            yield pytest.param(name, layout, id=f"{name}-{layout}")


@pytest.mark.parametrize(("name", "layout"), list(_cases()))
def test_regimen_prints_every_dose_and_explains_it(name, layout, write_rx):
    regimen = SPEC["regimens"][name]
    rx = _prescription(name, "regimens")
    spanish = rx["patient"].get("language") == "es"
    result = api.generate(write_rx(rx), layout=layout)
    text = pdf_text(result.pdf)
    issued = _shown(rx["issued"], spanish)
    found = [day for day in re.findall(_ES_DATE if spanish else _EN_DATE, text) if day != issued]
    assert found == [_shown(day, spanish) for day in regimen["dates"]]
    if regimen.get("next_on"):
        lead = "el " if spanish else "next on "
        assert lead + _shown(regimen["next_on"], spanish) in text
    elif not spanish:
        assert "next on" not in text
    for words in regimen.get("says", []):
        assert words in text, words
    for words in regimen.get("never", []):
        assert words not in text, words


@pytest.mark.parametrize("name", sorted(SPEC["refused"]))
def test_regimen_that_cannot_be_printed_safely_is_refused_with_its_reason(name, run, write_rx, tmp_path):
    path = write_rx(_prescription(name, "refused"))
    out = tmp_path / "out.pdf"
    result = run("generate", path, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    for words in SPEC["refused"][name]["message"]:
        assert words in result.stderr, (words, result.stderr)
    assert f"{path.name}:" in result.stderr and "fix:" in result.stderr


@pytest.mark.parametrize("name", sorted(SPEC["warned"]))
def test_regimen_outside_the_sources_warns_and_strict_refuses(name, run, write_rx):
    path = write_rx(_prescription(name, "warned"))
    checked = run("check", path)
    assert checked.exit_code == 0
    for words in SPEC["warned"][name]["message"]:
        assert words in checked.output, (words, checked.output)
    assert run("check", "--strict", path).exit_code == 1
