"""Hostile and careless use of the command line, batches and FHIR input, found by attacking them.

Each test is one way a handout came out silently wrong, a file was lost or a
run crashed: calendars with two doses on one day, an output that replaced its
own prescription, CSV cells cut off, FHIR values that skipped the format's
checks.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fhir import bundle_of, request

from conftest import ROOT, base_rx, dump, pdf_text, read_pdf
from generate import cli
from handouts import content, manifest, prescription, safety
from handouts.errors import PrescriptionError

LIB = content.load()


@pytest.fixture(scope="module")
def im_bundle() -> dict:
    return bundle_of(ROOT / "examples" / "cyanocobalamin-im.yaml")


def refused(run, path, *words):
    """Run check and generate on ``path``: both refuse, no PDF is written, and the message has ``words``."""
    out = path.with_suffix(".pdf")
    for args in (("check", path), ("generate", path, "-o", out)):
        result = run(*args)
        assert result.exit_code == 1, result.output
        for word in words:
            assert word in result.output, result.output
    assert not out.exists()


# --- schedules: never two doses on one day ------------------------------------------------


@pytest.mark.parametrize("phase, words", [
    ({"every": "1 week", "times": 8, "for": "2 weeks"}, ["schedule.phases[0].times", "8 doses every 1 week",
                                                         "more than one a day"]),
    ({"every": "1 day", "times": 2, "count": 4}, ["puts two doses on 2026-12-01"]),
])
def test_more_doses_than_days_is_refused(run, write_rx, phase, words):
    rx = base_rx()
    rx["schedule"]["phases"][0] = phase
    refused(run, write_rx(rx), *words)


@pytest.mark.parametrize("start", ["2026-11-01", "2026-12-03", "2026-12-07"])
def test_a_phase_starting_before_the_last_one_ends_is_refused(run, write_rx, start):
    """Daily 1–7 Dec, then weekly from ``start``: the calendar listed 3 Dec twice, or 1 Nov after 7 Dec."""
    rx = base_rx()
    rx["schedule"]["phases"][1]["start"] = start
    refused(run, write_rx(rx), "schedule.phases[1].start", "not after the last dose of the phase before (2026-12-07)")


def test_a_phase_start_the_day_after_is_kept(run, write_rx, tmp_path):
    rx = base_rx()
    rx["schedule"]["phases"][1]["start"] = "2026-12-08"
    out = tmp_path / "ok.pdf"
    assert run("generate", write_rx(rx), "-o", out).exit_code == 0
    assert "7 Mon 7 Dec 2026" in pdf_text(out) and "8 Tue 8 Dec 2026" in pdf_text(out)


# --- outputs never replace an input, the report or each other -------------------------------


def test_generate_and_convert_refuse_to_write_over_their_prescription(run, write_rx, tmp_path):
    rx = write_rx(base_rx())
    before = rx.read_bytes()
    (tmp_path / "hard.yaml").hardlink_to(rx)
    for args in (("generate", rx, "-o", rx), ("generate", rx, "-o", tmp_path / "hard.yaml"),
                 ("convert", rx, "--to", "yaml", "-o", rx)):
        result = run(*args)
        assert result.exit_code == 1 and "is an input of this run" in result.output, result.output
    assert rx.read_bytes() == before


def test_an_empty_output_name_is_a_usage_error(run, write_rx):
    result = run("generate", write_rx(base_rx()), "-o", "")
    assert result.exit_code == 2 and "the file name is empty" in result.output


@pytest.mark.parametrize("option, target", [
    ("--merge", "rx.yaml"), ("--report", "rx.yaml"), ("--report", "patients.csv"), ("--merge", "clinic.yaml"),
    ("--report", "in/new.yaml"),
])
def test_batch_refuses_a_print_file_or_report_that_is_an_input(run, tmp_path, option, target):
    rx = tmp_path / "rx.yaml"
    rx.write_text(dump(base_rx()), encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "patients.csv").write_text("patient.name\nAnn Lee\n", encoding="utf-8")
    (tmp_path / "clinic.yaml").write_text("route: IM\n", encoding="utf-8")
    kept = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run("batch", rx, tmp_path / "in", tmp_path / "patients.csv", "--defaults", tmp_path / "clinic.yaml",
                 "-o", tmp_path / "out", option, tmp_path / target)
    assert result.exit_code == 1 and "is an input of this run" in result.output, result.output
    assert {p: p.read_bytes() for p in kept} == kept
    assert not (tmp_path / "in" / "new.yaml").exists()


def test_the_print_file_never_replaces_the_report_or_a_handout(run, tmp_path):
    rx = tmp_path / "rx.yaml"
    rx.write_text(dump(base_rx()), encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", rx, "-o", out, "--merge", out / "report.csv")
    assert result.exit_code == 1 and "is also the report file" in result.output
    assert not any(out.iterdir())
    result = run("batch", rx, "-o", out, "--merge", out / "print.pdf", "--name", "print")
    assert result.exit_code == 0, result.output
    report = (out / "report.csv").read_text(encoding="utf-8")
    assert f'"{out / "print-2.pdf"}"' in report                      # the handout stepped aside
    assert len(read_pdf(out / "print-2.pdf").pages) == 4
    assert len(read_pdf(out / "print.pdf").pages) == 4                # the print file, an odd-page padded copy


# --- CSV manifests: no cell lost, no row swallowed --------------------------------------------


@pytest.fixture
def clinic(tmp_path):
    """A defaults file with everything but the patient and the sites."""
    defaults = base_rx()
    for key in ("patient", "sites", "notes"):
        defaults.pop(key)
    path = tmp_path / "clinic.yaml"
    path.write_text(dump(defaults), encoding="utf-8")
    return path


def run_csv(run, tmp_path, clinic, text: str, name: str = "rows.csv"):
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    return run("batch", manifest, "--defaults", clinic, "-o", tmp_path / "out")


def written(tmp_path) -> list[str]:
    """The handouts a batch into ``tmp_path / "out"`` wrote."""
    return sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))


def test_an_unquoted_comma_never_cuts_a_note_short(run, tmp_path, clinic):
    """The note's tail went into a cell with no column and the handout said only "Bring your sharps bin"."""
    result = run_csv(run, tmp_path, clinic, "patient.name,sites,notes\n"
                     "Ann Lee,left thigh;right thigh,Bring your sharps bin, and do not inject if it is cloudy\n"
                     'Bo Ng,left thigh;right thigh,"Bring your sharps bin, please"\n')
    assert result.exit_code == 1
    assert "rows.csv:2: error: has 'and do not inject if it is cloudy' in a cell with no column name" in result.stderr
    assert written(tmp_path) == ["Bo-Ng-cyanocobalamin-2026-12-01.pdf"]
    assert "Bring your sharps bin, please" in pdf_text(tmp_path / "out" / "Bo-Ng-cyanocobalamin-2026-12-01.pdf")


def test_an_unclosed_quote_never_swallows_the_rows_after_it(run, tmp_path, clinic):
    """All rows after the quote became one patient's name, and the report never listed them."""
    result = run_csv(run, tmp_path, clinic, "patient.name,sites\n"
                     '"Ann Lee,left thigh\nBo Ng,left thigh\nCy Diaz,left thigh\n')
    assert result.exit_code == 1
    assert "rows.csv:4: error: is not a readable CSV file (unexpected end of data)" in result.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("header, words", [
    ("patient.name,patient.name,sites", "has the column 'patient.name' twice"),
    ("patient,patient.name,sites", "has both 'patient' and 'patient.name'"),
])
def test_a_header_that_names_a_field_twice_is_refused(run, tmp_path, clinic, header, words):
    result = run_csv(run, tmp_path, clinic, f"{header}\nAnn Lee,Bo Ng,left thigh\n")
    assert result.exit_code == 1 and f"rows.csv:1: error: {words}" in result.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("text", [
    "sep=;\npatient.name;sites\nAnn Lee;left thigh\n",                    # Excel's separator line
    "patient.name\tsites\nAnn Lee\tleft thigh\n",                         # tab-separated export
])
def test_excel_separator_lines_and_tabs_are_read(run, tmp_path, clinic, text):
    result = run_csv(run, tmp_path, clinic, text)
    assert result.exit_code == 0, result.output
    assert "For Ann Lee" in pdf_text(tmp_path / "out" / "Ann-Lee-cyanocobalamin-2026-12-01.pdf")


def test_chosen_weekdays_can_be_written_in_a_csv_phase(run, tmp_path, clinic):
    result = run_csv(run, tmp_path, clinic, "patient.name,sites,schedule.phases\n"
                     'Ann Lee,left thigh;right thigh,"every: 1 week, days: [mon, wed, fri], for: 2 weeks; '
                     'every: 1 month"\n')
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "out" / "Ann-Lee-cyanocobalamin-2026-12-01.pdf")
    assert "1 Wed 2 Dec 2026" in text and "2 Fri 4 Dec 2026" in text and "3 Mon 7 Dec 2026" in text


# --- FHIR: the format's checks hold, and nothing is read two ways --------------------------


def fhir_refusal(document, *, text: str | None = None) -> list[tuple[str, str]]:
    """(element, message) of each problem; ``text`` is JSON written by hand (NaN, a key twice)."""
    with pytest.raises(PrescriptionError) as caught:
        prescription.parse(text if text is not None else json.dumps(document), "rx.json", LIB)
    return [(p.field, p.message) for p in caught.value.problems]


def test_fhir_values_meet_the_same_bounds_and_patterns_as_yaml(im_bundle):
    """The schema was only run over YAML lines: 'call me' printed as the prescriber's phone number."""
    document = copy.deepcopy(im_bundle)
    practitioner = next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Practitioner")
    practitioner["telecom"][0]["value"] = "call me"
    for dosage in request(document)["dosageInstruction"]:
        dosage["doseAndRate"][0]["doseQuantity"]["value"] = 50000
    problems = fhir_refusal(document)
    assert ("Practitioner.telecom[0].value", "'call me' is not a phone number; write digits with spaces or dashes, "
            "like 555-010-4477 (ext. 12 may follow)") in problems
    assert ("MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity",
            "'50000 mcg' is outside 0–10,000 mcg, the range this field takes") in problems


@pytest.mark.parametrize("old, new, words", [
    ('"period": 1,', '"period": Infinity,', "has Infinity, which is not a JSON number"),
    ('"period": 1,', '"period": NaN,', "has NaN, which is not a JSON number"),
    ('"period": 1,', '"period": 1e400,', "has the number 1e400, too large to be read"),
    ('"status": "active"', '"status": "stopped", "status": "active"', "gives 'status' twice in one object"),
    ('"entry": [', '"entry": [' + "[" * 5000 + "]" * 5000 + ",", "nests more than 32 levels deep"),
])
def test_fhir_json_that_cannot_be_read_for_sure_is_refused(im_bundle, old, new, words):
    """Infinity and deep nesting crashed ("internal error"); a stopped order with a second status was printed."""
    text = json.dumps(im_bundle)
    assert old in text
    assert any(words in message for _, message in fhir_refusal(None, text=text.replace(old, new, 1)))


@pytest.mark.parametrize("change, element", [
    (lambda d: d["doseAndRate"][0]["doseQuantity"].update(comparator="<"), "doseAndRate[0].doseQuantity.comparator"),
    (lambda d: d["timing"].update(event=["2026-12-01", "2026-12-15"]), "timing.event"),
    (lambda d: d["timing"]["repeat"].update(duration=10, durationUnit="min"), "timing.repeat.duration"),
    (lambda d: d["timing"]["repeat"].update(frequency=3, period=1, periodUnit="d"), "timing.repeat.frequency"),
])
def test_fhir_dosage_we_cannot_show_is_refused_not_dropped(im_bundle, change, element):
    """'< 1000 ug' printed as exactly 1000 mcg; event dates and durations were dropped without a word."""
    document = copy.deepcopy(im_bundle)
    change(request(document)["dosageInstruction"][0])
    try:
        problems = fhir_refusal(document)
    except pytest.fail.Exception:           # read without complaint: the safety rules must refuse it then
        problems = [(p.field, p.message) for p in safety.check(prescription.parse(json.dumps(document), "rx.json",
                                                                                  LIB), LIB) if p.severity == "error"]
    assert any(field == f"MedicationRequest.dosageInstruction[0].{element}" for field, _ in problems), problems


def test_an_ndjson_line_in_another_character_set_is_refused_not_garbled(tmp_path, im_bundle):
    """errors='replace' printed 'Mar\\ufffda' on the handout; now that line alone is refused."""
    line = json.dumps(im_bundle, ensure_ascii=False)
    assert "María López" in line or "Maria López" in line
    export = tmp_path / "export.ndjson"
    export.write_bytes(line.encode("utf-8") + b"\n" + line.replace("López", "Lopes").encode("utf-8")
                       .replace(b"Lopes", "López".encode("cp1252")) + b"\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(export), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{export}:2: error: is not UTF-8 text" in result.stderr
    assert len(list(out.glob("*.pdf"))) == 1 and "\ufffd" not in pdf_text(next(out.glob("*.pdf")))


# --- YAML: nothing printed that the prescriber did not write as text ---------------------------


@pytest.mark.parametrize("old, new, words", [
    ("phone: 555-010-4477", "phone: ~", "prescriber: has no phone number"),        # printed "Phone ~"
    ("phone: 555-010-4477", "phone: null", "prescriber.phone: 'null' is not a phone number"),
    ("after_hours: 555-010-9000", "after_hours: NULL", "prescriber.after_hours: 'NULL' is not a phone number"),
    ("name: Maria López", 'name: "\\u200b\\u200b"', "patient.name: has only invisible characters"),
    ("name: Maria López", "name: !!binary TWFyaWE=", "has !!binary data where text belongs"),
    ("- {every: 1 day, count: 7}", "- {every: 1 day, until: 2026-12-10}", "'2026-12-10' is a date; 'until' names"),
])
def test_values_that_are_not_what_they_look_like_are_refused(run, write_rx, old, new, words):
    text = (ROOT / "examples" / "cyanocobalamin-im.yaml").read_text(encoding="utf-8")
    assert old in text
    refused(run, write_rx(text.replace(old, new, 1)), words)


def test_a_file_named_twice_in_a_batch_is_one_handout(run, tmp_path):
    """'batch rx/ rx/*.yaml' printed the patient's handout twice, the second as -2."""
    folder = tmp_path / "rx"
    folder.mkdir()
    (folder / "ana.yaml").write_text(dump(base_rx()), encoding="utf-8")
    result = run("batch", folder, folder / "ana.yaml", str(folder) + "/*.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert written(tmp_path) == ["Maria-Lopez-cyanocobalamin-2026-12-01.pdf"]
    assert "1 prescriptions: 1 written" in result.stderr


# --- kill -9: no worker outlives the batch -----------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_exit_when_the_batch_is_killed_outright(tmp_path):
    """After kill -9 of the batch, its workers waited for ever on their pipes, holding patient data."""
    folder = tmp_path / "rx"
    folder.mkdir()
    for i in range(40):
        (folder / f"rx{i}.yaml").write_text(dump(base_rx()).replace("Maria López", f"Patient {i}"), encoding="utf-8")
    batch = subprocess.Popen([sys.executable, "-c", "from generate import main; main()", "batch", str(folder),
                              "-o", str(tmp_path / "out"), "--workers", "2"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((tmp_path / "out").glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(batch.pid)
    assert len(workers) == 2 and batch.poll() is None, "the batch ended before it could be killed"
    batch.kill()
    batch.wait()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "worker processes outlived the batch"


# --- a clinic's translation: placeholders it cannot fill are refused on load -------------------


@pytest.mark.parametrize("line, words", [
    ('dose_line: "{mll} = {amount}"', "has the placeholder {mll}, which this text does not fill"),
    ('dose_line: "{0} = {amount}"', "has the placeholder {0}, which is not a plain name"),
    ('dose_line: "{ml.__class__} = {amount}"', "has the placeholder {ml.__class__}, which is not a plain name"),
    ('dose_line: "{ml = {amount}"', "has a brace out of place"),
    ("dose_line: 5", "dose_line: must be text"),
])
def test_a_clinic_translation_with_a_broken_placeholder_is_refused_on_load(run, write_rx, tmp_path, line, words):
    """Each of these stopped every handout in the language with an internal error (KeyError, IndexError…),
    or printed Python's class list in the dose line."""
    text = (ROOT / "handouts" / "content" / "text" / "es.yaml").read_text(encoding="utf-8")
    assert 'dose_line: "{ml} = {amount}"' in text
    text = text.replace("language: es", "language: fr", 1).replace('dose_line: "{ml} = {amount}"', line, 1)
    (tmp_path / "clinic" / "text").mkdir(parents=True)
    (tmp_path / "clinic" / "text" / "fr.yaml").write_text(text, encoding="utf-8")
    rx = write_rx(base_rx())
    result = run("generate", rx, "-o", tmp_path / "out.pdf", "--content", tmp_path / "clinic", "--language", "fr")
    assert result.exit_code == 1, result.output
    assert "fr.yaml:" in result.output and "dose_line" in result.output and words in result.output, result.output
    assert "internal error" not in result.output and not (tmp_path / "out.pdf").exists()


def test_a_clinic_copy_of_a_built_in_translation_loads(run, write_rx, tmp_path):
    """The README's way to add a language (copy es.yaml) passes the placeholder check as it is."""
    text = (ROOT / "handouts" / "content" / "text" / "es.yaml").read_text(encoding="utf-8")
    (tmp_path / "clinic" / "text").mkdir(parents=True)
    (tmp_path / "clinic" / "text" / "fr.yaml").write_text(text.replace("language: es", "language: fr", 1),
                                                           encoding="utf-8")
    result = run("generate", write_rx(base_rx()), "-o", tmp_path / "out.pdf", "--content", tmp_path / "clinic",
                 "--language", "fr")
    assert result.exit_code == 0, result.output


# --- property: any CSV is read row for row, or refused as a whole, never a crash ---------------

COLUMNS = ["patient.name", "sites", "notes", "schedule.phases", "needle.gauge", "off_label", "confirm", "patient",
           "", "x.y", "prescriber.phone"]
CELLS = st.text(alphabet=st.sampled_from(list("ab ,;:\"'\t\n\r[]=+-@{}&*!|>%#\u00e9\u200b\ufeff1")), max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(COLUMNS), min_size=2, max_size=5, unique=True),
       rows=st.lists(st.lists(CELLS, max_size=6), max_size=4), delimiter=st.sampled_from([",", ";", "\t"]),
       quoted=st.booleans())
def test_any_csv_is_read_row_for_row_or_refused_whole(tmp_path, header, rows, delimiter, quoted):
    """Written by a spreadsheet (quoted), every row that has a cell is one job; written by hand, anything
    goes, but only a PrescriptionError may come out, and every job's text is read by the same loader."""
    if quoted:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
        text = buffer.getvalue()
    else:
        text = "\n".join(delimiter.join(line) for line in [header, *rows])
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    try:
        jobs = list(manifest.Manifest([path]))
    except PrescriptionError:
        assert not quoted or any(c and any(c.startswith(o + ".") for o in header if o) for c in header), text
        return
    if quoted:
        assert len(jobs) == sum(1 for row in rows if any(cell.strip() for cell in row)), text
    for job in jobs:
        if job.refusal is None:
            try:
                prescription.parse(job.text, job.source, LIB)
            except PrescriptionError:
                pass


def test_a_pattern_or_folder_that_names_no_prescription_is_a_refused_row(run, tmp_path):
    """A typo in a nightly job's glob ('*.ymal') made an empty batch that exited 0."""
    (tmp_path / "empty").mkdir()
    rx = tmp_path / "ana.yaml"
    rx.write_text(dump(base_rx()), encoding="utf-8")
    result = run("batch", rx, str(tmp_path) + "/*.ymal", tmp_path / "empty", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "*.ymal: error: names no prescription: the pattern holds no" in result.stderr
    assert "empty: error: names no prescription: the folder holds no *.yaml" in result.stderr
    assert "3 prescriptions: 1 written, 0 unchanged, 2 refused" in result.stderr


def test_a_clinic_site_label_with_an_unknown_placeholder_is_refused_on_load(run, write_rx, tmp_path):
    """'{sid}' in a site's label stopped every belly handout with KeyError."""
    text = (ROOT / "handouts" / "content" / "sites.yaml").read_text(encoding="utf-8")
    old = 'label: "your belly, {side} of your belly button"'
    assert old in text
    (tmp_path / "clinic").mkdir()
    (tmp_path / "clinic" / "sites.yaml").write_text(text.replace(old, old.replace("{side}", "{sid}")),
                                                    encoding="utf-8")
    result = run("check", write_rx(base_rx()), "--content", tmp_path / "clinic")
    assert result.exit_code == 1
    assert "sites.abdomen.label: has the placeholder {sid}; it may use only {side}, {name}" in result.output


@pytest.mark.parametrize("tag, words", [
    ("zh-Hant-TW", "no wording in 'zh-Hant-TW' yet; the handout will be in English"),     # a script subtag
    ("EN", None),                                                                           # tags ignore case
    ("es-419", "the Español wording has not been reviewed"),
])
def test_every_well_formed_language_tag_is_read(run, write_rx, tag, words):
    """'zh-Hant-TW' and 'EN' are BCP 47 tags, but were refused as "not a language code"."""
    rx = base_rx()
    rx["patient"]["language"] = tag
    result = run("check", write_rx(rx))
    assert result.exit_code == 0, result.output
    assert (words in result.output) if words else "warning:" not in result.output


@pytest.mark.parametrize("confirm, words", [
    (["needle-length"], "confirm[0]: 'needle-length' is not something a prescription confirms"),
    ("everything", "confirm: 'everything' is not something a prescription confirms"),
])
def test_a_confirmation_of_nothing_is_refused(run, write_rx, confirm, words):
    """'confirm: [needle-length]' (a dash for the underscore) was taken and confirmed nothing, in silence."""
    rx = base_rx()
    rx["confirm"] = confirm
    refused(run, write_rx(rx), words)


def test_a_reference_two_resources_answer_to_is_refused(im_bundle):
    """'Patient/p1' with two Patients of id p1 in the Bundle printed the first one's name on the handout."""
    document = copy.deepcopy(im_bundle)
    entry = next(e for e in document["entry"] if e["resource"]["resourceType"] == "Patient")
    entry["resource"]["id"] = "p1"
    other = copy.deepcopy(entry)
    other["fullUrl"] = "urn:uuid:11111111-1111-4111-8111-111111111111"
    other["resource"]["name"] = [{"text": "Other Person"}]
    document["entry"].insert(1, other)
    request(document)["subject"] = {"reference": "Patient/p1"}
    assert ("MedicationRequest", "refers to 'Patient/p1', which 2 resources in this Bundle answer to: which one is "
            "meant is not sure") in fhir_refusal(document)


def test_another_patients_weight_in_the_bundle_is_not_used(im_bundle):
    """The latest body-weight Observation was taken whoever it was about: another patient's 130 kg."""
    document = copy.deepcopy(im_bundle)
    weight = next(e for e in document["entry"] if e["resource"]["resourceType"] == "Observation")
    other = copy.deepcopy(weight)
    other["fullUrl"] = "urn:uuid:22222222-2222-4222-8222-222222222222"
    other["resource"].update(subject={"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"},
                             effectiveDateTime="2099-01-01", valueQuantity={
                                 "value": 130, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"})
    document["entry"].append(other)
    assert weight["resource"].get("subject"), "the example's own weight names its patient"
    assert prescription.parse(json.dumps(document), "rx.json", LIB).weight_kg == 62


def test_a_field_given_twice_in_a_csv_phase_refuses_that_row_only(run, tmp_path, clinic):
    """'every: 1 week, count: 4, every: 2 weeks' kept the last 'every' in silence."""
    result = run_csv(run, tmp_path, clinic, "patient.name,sites,schedule.phases\n"
                     'Ann Lee,left thigh,"every: 1 week, count: 4, every: 2 weeks; every: 1 month"\n'
                     'Bo Ng,left thigh,"every: 1 week, count: 4; every: 1 month"\n')
    assert result.exit_code == 1
    assert "rows.csv:2: error: schedule.phases: gives 'every' twice in the phase" in result.stderr
    assert written(tmp_path) == ["Bo-Ng-cyanocobalamin-2026-12-01.pdf"]


def test_whole_numbers_in_csv_cells_are_numbers(run, tmp_path, clinic):
    """The README's own 'every: 1 week, count: 4' was refused: "count: must be a whole number, not '4'"
    (and an 'angle' column likewise), so no CSV phase with a count or times ever worked."""
    result = run_csv(run, tmp_path, clinic, "patient.name,sites,angle,schedule.phases\n"
                     'Bo Ng,left thigh;right thigh,90,"every: 1 day, count: 3; every: 1 week, times: 2, for: 2 weeks; '
                     'every: 1 month"\n')
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "out" / "Bo-Ng-cyanocobalamin-2026-12-01.pdf")
    assert "3 Thu 3 Dec 2026" in text and "4 Sun 6 Dec 2026" in text and "7 Wed 16 Dec 2026" in text, text


def test_a_handout_issued_after_its_first_dose_is_flagged(run, write_rx):
    """'issued: 2027-11-25' for a course starting 2026-12-01 (a mistyped year) passed without a word."""
    rx = base_rx()
    rx["issued"] = "2027-11-25"
    result = run("check", write_rx(rx))
    assert "warning: issued: 2027-11-25 is after the first dose (2026-12-01)" in result.output
    assert run("check", "--strict", write_rx(rx)).exit_code == 1
