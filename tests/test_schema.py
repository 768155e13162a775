"""The JSON Schema that `handout schema` publishes describes the same format the loader reads."""

import datetime as dt
import json

import jsonschema
import pytest
import yaml

from conftest import EXAMPLES, base_rx
from handouts import content, prescription, schema


def as_json(value):
    """A prescription as an editor's YAML plugin sees it: dates are text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def x_quantity(validator, spec, instance, _schema):
    """The schema's own keyword for quantities written with units: grammar and range."""
    if isinstance(instance, str):
        message = schema.quantity_violation(spec, instance.strip())
        if message:
            yield jsonschema.ValidationError(message)


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-quantity": x_quantity})


@pytest.fixture(scope="module")
def validator():
    from click.testing import CliRunner

    from generate import cli
    published = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    jsonschema.Draft202012Validator.check_schema(published)
    return Validator(published, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_matches_the_schema(validator, example):
    validator.validate(as_json(yaml.safe_load(example.read_text(encoding="utf-8"))))


def test_a_dose_given_as_a_volume_matches_the_schema_and_loads(validator):
    rx = base_rx()
    rx["dose"] = "1 mL"
    validator.validate(as_json(rx))
    loaded = prescription.parse(yaml.safe_dump(rx, allow_unicode=True), "rx.yaml", content.load())
    assert loaded.volume == 1 and loaded.dose == 1000


@pytest.mark.parametrize("where", [(), ("patient",), ("needle",), ("schedule",), ("prescriber",)])
def test_schema_and_loader_refuse_the_same_unknown_field(validator, where):
    rx = base_rx()
    node = rx
    for key in where:
        node = node[key]
    node["colour"] = "blue"
    assert not validator.is_valid(as_json(rx))
    with pytest.raises(prescription.PrescriptionError) as error:
        prescription.parse(yaml.safe_dump(rx, allow_unicode=True), "rx.yaml", content.load())
    assert any(p.field.endswith("colour") for p in error.value.problems)


BIG = int("9" * 400)
# (field path, value, valid?): every value goes through jsonschema and through the loader.
VALUES = [
    (("prescriber", "phone"), "555-010-4477 Ext. 12", True),
    (("prescriber", "phone"), "555-010-4477 ext 12", True),
    (("prescriber", "phone"), "(555) 010-4477", True),
    (("prescriber", "phone"), "+1 555 010 4477", True),
    (("prescriber", "phone"), "+--", False),
    (("prescriber", "phone"), "12", False),
    (("prescriber", "phone"), "555_010_4477", False),
    (("prescriber", "phone"), "call me", False),
    (("emergency_number",), "112", True),
    (("emergency_number",), "", False),
    (("patient", "date_of_birth"), "banana", False),
    (("patient", "date_of_birth"), "1980-02-30", False),
    (("patient", "date_of_birth"), "1980-02-28", True),
    (("patient", "date_of_birth"), "9999-01-01", False),
    (("schedule", "start"), "9999-12-01", False),
    (("schedule", "start"), "2026-13-01", False),
    (("schedule", "start"), "2027-01-31", True),
    (("issued",), "26-11-2026", False),
    (("patient", "weight"), "2500 lb", False),
    (("patient", "weight"), "62 kg", True),
    (("patient", "weight"), "140 lb", True),
    (("patient", "weight"), "0 kg", False),
    (("patient", "weight"), "lots", False),
    (("patient", "weight"), "9" * 400 + " kg", False),
    (("dose",), "1/0 mcg", False),
    (("dose",), "1" * 400 + " mcg", False),
    (("dose",), "1 mL", True),
    (("dose",), "1 mg", True),
    (("dose",), "20000 mcg", False),
    (("dose",), "6 mL", False),
    (("strength",), "1000 mcg/mL", True),
    (("strength",), "1000 mcg/0 mL", False),
    (("schedule", "phases", 2, "every"), "1000000 months", False),
    (("schedule", "phases", 2, "every"), "13 months", False),
    (("schedule", "phases", 2, "every"), "0 days", False),
    (("schedule", "phases", 2, "every"), "2 weeks", True),
    (("schedule", "phases", 2, "every"), "monthly", True),
    (("schedule", "phases", 0, "count"), 0, False),
    (("schedule", "phases", 0, "count"), 10000, True),
    (("schedule", "phases", 0, "count"), 10001, False),
    (("schedule", "phases", 0, "count"), BIG, False),
    (("schedule", "phases", 0, "count"), "7", False),
    (("schedule", "phases", 0, "times"), 0, False),
    (("schedule", "phases", 0, "times"), True, False),
    (("patient", "name"), "", False),
    (("patient", "name"), "   ", False),
    (("patient", "name"), "Null", True),
    (("patient", "name"), "Zoë Núñez 山田 花子", True),
    (("patient", "name"), "A" * 101, False),
    (("prescriber", "name"), "\t", False),
    (("medication",), "", False),
    (("route",), "", False),
    (("notes",), "word " * 120, True),
    (("notes",), "word " * 121, False),
    (("needle", "gauge"), 23, True),
    (("needle", "gauge"), "23G", True),
    (("needle", "gauge"), 40, False),
    (("needle", "gauge"), "40G", False),
    (("needle", "gauge"), "thin", False),
    (("needle", "length"), "5 in", False),
    (("needle", "length"), "2 in", True),        # a clinical rule refuses it later, with its source
    (("needle", "length"), "16 mm", True),
    (("patient", "language"), "english", False),
    (("prescriber", "email"), "clinic@example.org", True),
    (("prescriber", "email"), "nope", False),
    (("patient", "id"), "P-1", True),
    (("patient", "id"), 12, True),
    (("patient", "id"), "x" * 65, False),
    (("sites",), ["left thigh"] * 13, False),
]


@pytest.mark.parametrize("path, value, valid", VALUES, ids=lambda v: str(v)[:30])
def test_schema_and_loader_give_the_same_verdict(validator, path, value, valid):
    rx = base_rx()
    node = rx
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    by_schema = validator.is_valid(as_json(rx))
    try:
        prescription.parse(yaml.safe_dump(rx, allow_unicode=True), "rx.yaml", content.load())
        by_loader = True
    except prescription.PrescriptionError as error:
        by_loader = False
        assert all("Traceback" not in p.message for p in error.problems)
    assert (by_schema, by_loader) == (valid, valid)
