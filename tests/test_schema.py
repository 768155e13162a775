"""The JSON Schema that `handout schema` publishes describes the same format the loader reads."""

import datetime as dt
import json

import jsonschema
import pytest
import yaml

from conftest import EXAMPLES, base_rx
from handouts import content, prescription


def as_json(value):
    """A prescription as an editor's YAML plugin sees it: dates are text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.fixture(scope="module")
def validator():
    from click.testing import CliRunner

    from generate import cli
    published = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    jsonschema.Draft202012Validator.check_schema(published)
    return jsonschema.Draft202012Validator(published, format_checker=jsonschema.FormatChecker())


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
