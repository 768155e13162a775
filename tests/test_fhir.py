"""FHIR R4 input: the same handout from a Bundle as from the YAML, codes from the library, clean refusals."""

from __future__ import annotations

import copy
import json
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, EXAMPLES, ROOT, read_pdf
from handouts import content, prescription, safety
from handouts.errors import PrescriptionError
from handouts.fhir import convert, validate, write

HL7 = sorted((DATA / "fhir" / "hl7").glob("*.json"))
ROUND_TRIP = [*EXAMPLES, DATA / "fhir" / "calendar.yaml"]
LIB = content.load()


def bundle_of(example) -> dict:
    return json.loads(convert.convert(example, "fhir"))


def parse(document: dict, defaults: str | None = None) -> prescription.Prescription:
    return prescription.parse(json.dumps(document), "rx.json", LIB, defaults)


def refusal(document: dict, defaults: str | None = None) -> list:
    with pytest.raises(PrescriptionError) as caught:
        parse(document, defaults)
    return caught.value.problems


def request(document: dict) -> dict:
    return document["entry"][0]["resource"]


@pytest.fixture(scope="module")
def im_bundle() -> dict:
    return bundle_of(ROOT / "examples" / "cyanocobalamin-im.yaml")


@pytest.mark.parametrize("example", ROUND_TRIP, ids=lambda p: p.stem)
def test_every_example_as_fhir_gives_the_same_pdf_bytes(example, run, tmp_path):
    as_fhir = tmp_path / "rx.json"
    assert run("convert", example, "--to", "fhir", "-o", as_fhir).exit_code == 0
    document = json.loads(as_fhir.read_text(encoding="utf-8"))
    assert document["resourceType"] == "Bundle"
    assert validate.problems(document, "rx.json", None) == []          # valid FHIR R4 by the model library
    assert run("generate", example, "-o", tmp_path / "yaml.pdf").exit_code == 0
    assert run("generate", as_fhir, "-o", tmp_path / "fhir.pdf").exit_code == 0
    from_yaml, from_fhir = (tmp_path / "yaml.pdf").read_bytes(), (tmp_path / "fhir.pdf").read_bytes()
    assert from_fhir == from_yaml
    name = yaml.safe_load(example.read_text(encoding="utf-8"))["patient"]["name"]
    assert name in read_pdf(from_fhir).pages[0].extract_text()


def test_detected_by_content_not_by_name(im_bundle, run, tmp_path):
    disguised = tmp_path / "looks-like.yaml"
    disguised.write_text(json.dumps(im_bundle), encoding="utf-8")
    assert run("check", disguised).exit_code == 0
    flow_yaml = tmp_path / "flow.json"     # a YAML flow mapping starts with '{' too, and stays YAML
    flow_yaml.write_text("{patient: {name: Ana}}", encoding="utf-8")
    result = run("check", flow_yaml)
    assert result.exit_code == 1 and "MedicationRequest" not in result.output and "medication" in result.output


def test_hl7_injectable_examples_refused_with_element_paths(run):
    """HL7's own R4 examples (Lantus, Novolog, ceftriaxone IM, vancomycin IV) are refused, never guessed."""
    result = run("check", "--format", "json", *HL7)
    assert result.exit_code == 1 and "Traceback" not in result.output
    report = json.loads(result.output)
    assert report["files"] == 4 and len(report["failed"]) == 4
    by_file = {}
    for problem in report["problems"]:
        by_file.setdefault(problem["file"].rsplit("-", 1)[-1], []).append(problem)
    fields = {name: {p["field"] for p in found} for name, found in by_file.items()}
    assert "MedicationRequest.status" in fields["medrx0320.json"]               # completed
    assert "MedicationRequest.medicationCodeableConcept.coding[0]" in fields["medrx0320.json"]
    assert "MedicationRequest.dosageInstruction[1].sequence" in fields["medrx0321.json"]  # concurrent doses
    assert "MedicationRequest.contained[0].code.coding[0]" in fields["medrx0332.json"]
    assert "MedicationRequest.dosageInstruction[0].route.coding[0]" in fields["medrx0318.json"]
    messages = " ".join(p["message"] for p in by_file["medrx0332.json"])
    assert "Ceftriaxone sodium 500mg powder for injection solution vial (product) (SNOMED CT 375860009) " \
           "is not in the content library" in messages
    assert all(p["fix"] for p in report["problems"])


def test_unknown_rxnorm_code_refused_by_name(im_bundle):
    document = copy.deepcopy(im_bundle)
    medication = document["entry"][2]["resource"]
    assert medication["resourceType"] == "Medication"
    medication["code"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "2193",
                                      "display": "ceftriaxone"}], "text": "cyanocobalamin"}
    problems = refusal(document)
    assert [p.message for p in problems] == ["ceftriaxone (RxNorm 2193) is not in the content library"]
    assert problems[0].field == "Medication.code.coding[0]"


@pytest.mark.parametrize("element, value, reason", [
    ("status", "completed", "only an active or draft order"), ("status", "on-hold", "only an active or draft"),
    ("intent", "proposal", "only an order or a plan"), ("intent", "filler-order", "only an order or a plan")])
def test_status_and_intent_refused_with_the_reason(im_bundle, element, value, reason):
    document = copy.deepcopy(im_bundle)
    request(document)[element] = value
    problems = refusal(document)
    assert problems[0].field == f"MedicationRequest.{element}" and reason in problems[0].message


@pytest.mark.parametrize("status, intent", [("active", "order"), ("draft", "plan")])
def test_active_or_draft_orders_and_plans_are_read(im_bundle, status, intent):
    document = copy.deepcopy(im_bundle)
    request(document).update(status=status, intent=intent)
    assert parse(document).medication == "cyanocobalamin"


ROUTE_CODES = [   # the table: SNOMED CT, HL7 v3, EDQM
    ("http://snomed.info/sct", "78421000", "intramuscular"), ("http://snomed.info/sct", "34206005", "subcutaneous"),
    ("http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "IM", "intramuscular"),
    ("http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "SQ", "subcutaneous"),
    ("http://standardterms.edqm.eu", "20035000", "intramuscular"),
    ("http://standardterms.edqm.eu", "20066000", "subcutaneous")]


@pytest.mark.parametrize("system, code, route", ROUTE_CODES, ids=[c for _, c, _ in ROUTE_CODES])
def test_every_route_code(im_bundle, system, code, route):
    document = copy.deepcopy(im_bundle)
    request(document)["dosageInstruction"][0]["route"] = {"coding": [{"system": system, "code": code}]}
    if route == "subcutaneous":      # keep the rest coherent so only the route is under test
        for dosage in request(document)["dosageInstruction"]:
            dosage["route"] = {"coding": [{"system": system, "code": code}]}
            dosage["site"] = {"coding": [{"system": "http://snomed.info/sct", "code": "68505006"}]}
            dosage["extension"] = [{"url": "urn:handouts:fhir:needle-gauge", "valueInteger": 25},
                                   {"url": "urn:handouts:fhir:needle-length",
                                    "valueQuantity": {"value": 16, "code": "mm",
                                                      "system": "http://unitsofmeasure.org"}}]
    else:
        for dosage in request(document)["dosageInstruction"]:
            dosage["route"] = {"coding": [{"system": system, "code": code}]}
    assert parse(document).route == route


SITE_CODES = [(sid, c["code"], c.get("side")) for sid, site in LIB.sites.items() for c in site.get("codes", [])]


@pytest.mark.parametrize("site, code, side", SITE_CODES, ids=[f"{s}-{c}" for s, c, _ in SITE_CODES])
def test_every_site_code_with_its_laterality(im_bundle, site, code, side):
    document = copy.deepcopy(im_bundle)
    route = LIB.sites[site]["route"]
    route_code = LIB.routes[route]["codes"][0]
    for dosage in request(document)["dosageInstruction"]:
        dosage["route"] = {"coding": [route_code]}
        dosage["site"] = {"coding": [{"system": "http://snomed.info/sct", "code": code}]}
        dosage["extension"] = [e for e in dosage["extension"] if e["url"] != "urn:handouts:fhir:site-rotation"]
    rx = parse(document)
    assert [(c.site, c.side) for c in rx.sites] == [(site, side)]


def test_codes_are_data_in_the_library_not_python():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "handouts" / "fhir").glob("*.py"))
    for _, code, _ in ROUTE_CODES + [(None, c, None) for _, c, _ in SITE_CODES]:
        assert f'"{code}"' not in source
    assert '"11248"' not in source and "11248" in (ROOT / "handouts/content/medications.yaml").read_text()


def test_bare_medication_request_with_defaults(im_bundle, tmp_path, run):
    bare = copy.deepcopy(request(im_bundle))
    bare["subject"] = {"reference": "Patient/123", "display": "Ana Souza"}
    bare["requester"] = {"reference": "Practitioner/9"}
    bare["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                      "code": "11248"}]}
    del bare["medicationReference"], bare["dispenseRequest"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare), encoding="utf-8")
    refused = run("check", path)
    assert refused.exit_code == 1 and "prescriber" in refused.output
    defaults = tmp_path / "clinic.yaml"
    defaults.write_text("prescriber: {name: Dr. Lee, phone: 555-010-1234, clinic: Hill Clinic}\n", encoding="utf-8")
    result = run("generate", path, "--defaults", defaults, "-o", tmp_path / "out.pdf")
    assert result.exit_code == 0, result.output
    text = read_pdf(tmp_path / "out.pdf").pages[0].extract_text()
    assert "Ana Souza" in text and "Dr. Lee" in text


def test_patient_name_language_and_latest_weight(im_bundle):
    document = copy.deepcopy(im_bundle)
    patient = document["entry"][1]["resource"]
    patient["name"] = [{"use": "old", "text": "Maria Old"}, {"use": "official", "text": "Maria López Díaz"},
                       {"use": "usual", "given": ["Mari"], "family": "López"}]
    patient["communication"] = [{"language": {"coding": [{"code": "fr"}]}},
                                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]},
                                 "preferred": True}]
    weight = next(e for e in document["entry"] if e["resource"]["resourceType"] == "Observation")
    older = copy.deepcopy(weight)
    weight["resource"]["effectiveDateTime"] = "2026-11-20"
    older["resource"].update(effectiveDateTime="2026-01-01", valueQuantity={"value": 150, "unit": "lb",
                             "system": "http://unitsofmeasure.org", "code": "[lb_av]"})
    document["entry"].append(older)
    rx = parse(document)
    assert (rx.patient_name, rx.language, rx.weight_kg) == ("Mari López", "es", 62)


def test_problems_name_fhir_elements_not_yaml_fields(im_bundle):
    document = copy.deepcopy(im_bundle)
    dosage = request(document)["dosageInstruction"][0]
    for each in request(document)["dosageInstruction"]:
        each["doseAndRate"][0]["doseQuantity"].update(value=5000)  # far above a label dose, within the bounds
    dosage["timing"]["repeat"]["timeOfDay"] = ["08:00:00"]
    dosage["route"]["coding"][0]["sytem"] = "typo"
    problems = refusal(document)
    assert [(p.field, p.message) for p in problems] == [
        ("MedicationRequest.dosageInstruction[0].route.coding[0].sytem", "is not an element of FHIR R4 here")]
    del dosage["route"]["coding"][0]["sytem"]
    problems = refusal(document)
    assert [p.field for p in problems] == ["MedicationRequest.dosageInstruction[0].timing.repeat.timeOfDay"]
    del dosage["timing"]["repeat"]["timeOfDay"]
    problems = safety.check(parse(document), LIB)       # the same safety rules as YAML, at the FHIR element
    assert any(p.field == "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity" for p in problems)


def test_the_bundle_reads_back_to_the_same_prescription():
    for example in ROUND_TRIP:
        rx = prescription.load(example, LIB)
        again = parse(write.bundle(rx, LIB))
        same = [f for f in rx.__dataclass_fields__ if f not in ("file", "source", "sites")]
        assert {f: getattr(again, f) for f in same} == {f: getattr(rx, f) for f in same}
        assert [(c.site, c.side) for c in again.sites] == [(c.site, c.side) for c in rx.sites]


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=3), max_leaves=8)


@settings(max_examples=int(os.environ.get("FHIR_EXAMPLES", 60)), deadline=None,     # FHIR_EXAMPLES=2000 to dig
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path_choice=st.integers(0, 10_000), value=JSONISH)
def test_hostile_values_never_escape_as_a_traceback(im_bundle, path_choice, value):
    document = copy.deepcopy(im_bundle)
    spots = []

    def walk(node):
        if isinstance(node, dict):
            for key in node:
                spots.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for i, item in enumerate(node):
                spots.append((node, i))
                walk(item)

    walk(document)
    node, key = spots[path_choice % len(spots)]
    node[key] = value
    try:
        parse(document)
    except PrescriptionError as error:
        assert error.problems and all(p.message for p in error.problems)
