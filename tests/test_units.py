import pytest

from handouts import units


@pytest.mark.parametrize("text,mcg", [("1000 mcg", 1000), ("1,000 mcg", 1000), ("1 mg", 1000),
                                      ("500 micrograms", 500), ("0.5 mg", 500), ("250 µg", 250)])
def test_mass(text, mcg):
    assert units.mass_mcg(text) == mcg


@pytest.mark.parametrize("text,mm", [("1 in", 25.4), ("5/8 in", 15.875), ("1 1/2 inch", 38.1),
                                     ("1.5 in", 38.1), ("25 mm", 25), ("1.6 cm", 16), ('1"', 25.4)])
def test_length(text, mm):
    assert units.length_mm(text) == pytest.approx(mm)


def test_strength_forms():
    assert units.strength_mcg_per_ml("1000 mcg/mL") == 1000
    assert units.strength_mcg_per_ml("1 mg/mL") == 1000
    assert units.strength_mcg_per_ml("5000 mcg/5 mL") == 1000


@pytest.mark.parametrize("bad", ["abc", "1 xyz", "-1 mg", "0 mg", "", True])
def test_mass_refuses(bad):
    with pytest.raises(ValueError):
        units.mass_mcg(bad)


def test_ismp_numbers():
    assert units.ml(0.5) == "0.5 mL"
    assert units.ml(1.0) == "1 mL"
    assert units.mcg(1000) == "1,000 mcg"
    assert units.needle_length(25.4) == "1 in (25 mm)"
    assert units.needle_length(15.875) == "5/8 in (16 mm)"
    assert units.needle_length(8) == "8 mm"


def test_intervals_and_gauge():
    assert units.interval("monthly") == units.Interval(1, "month")
    assert units.interval("2 weeks") == units.Interval(2, "week")
    assert units.interval("every other day") == units.Interval(2, "day")
    assert units.gauge("23G") == units.gauge(23) == 23
    with pytest.raises(ValueError):
        units.interval("fortnight-ish")
