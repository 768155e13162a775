"""Pharmacy batches: folders, globs, CSV with defaults, failures reported, nothing lost."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT, base_rx, dump, pdf_text, sc_rx
from handouts import naming


def prescriptions(folder, count, start=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        rx = base_rx() if i % 2 == 0 else sc_rx()
        rx["patient"]["name"] = f"Patient {i:03d}"
        (folder / f"rx{i:03d}.yaml").write_text(dump(rx), encoding="utf-8")
    return folder


def report_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_folder_recursive_with_a_bad_prescription(run, tmp_path):
    src = prescriptions(tmp_path / "in", 4)
    prescriptions(src / "nested", 2, start=10)
    bad = base_rx()
    bad["route"] = "IV"
    (src / "nested" / "bad.yml").write_text(dump(bad), encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", src, "-o", out, "--workers", "2")
    assert result.exit_code == 1                      # one failed …
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert len(pdfs) == 6                             # … and every good one was written
    assert "Patient-010-cyanocobalamin-2026-12-01.pdf" in pdfs
    assert f"{src / 'nested' / 'bad.yml'}:" in result.stderr and "route" in result.stderr
    assert "7 prescriptions: 6 written, 0 unchanged, 1 refused" in result.stderr
    rows = report_rows(out / "report.csv")
    refused = [r for r in rows if r["status"] == "refused"]
    assert refused and refused[0]["field"] == "route" and refused[0]["line"]


def test_globs_and_single_files(run, tmp_path):
    src = prescriptions(tmp_path / "in", 3)
    out = tmp_path / "out"
    result = run("batch", str(src / "rx00[01].yaml"), src / "rx002.yaml", "-o", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.pdf"))) == 3


def test_csv_manifest_with_defaults(run, tmp_path):
    defaults = base_rx()
    for key in ("patient", "sites", "dose"):
        defaults.pop(key)
    (tmp_path / "defaults.yaml").write_text(dump(defaults), encoding="utf-8")
    manifest = tmp_path / "pharmacy.csv"
    manifest.write_text(
        "patient.name,patient.id,dose,sites,needle.gauge\n"
        "Ana Ruiz,P-1,1000 mcg,left thigh; right thigh,23\n"
        "Ben Cho,P-2,1000 mcg,left thigh; right thigh,18\n"      # gauge out of range: refused
        "Cy Diaz,P-3,1 mL,left hip; right hip,23\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", manifest, "--defaults", tmp_path / "defaults.yaml", "-o", out,
                 "--name", "{id}-{patient}")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.glob("*.pdf")) == ["P-1-Ana-Ruiz.pdf", "P-3-Cy-Diaz.pdf"]
    assert f"{manifest}:3: error: needle.gauge:" in result.stderr      # the CSV line of Ben's row
    text = " ".join(page.extract_text() for page in PdfReader(out / "P-3-Cy-Diaz.pdf").pages)
    assert "Cy Diaz" in text and "Dr. Aisha Chen" in text and "hip" in text


def test_a_broken_defaults_file_stops_the_batch_before_anything_is_written(run, tmp_path):
    (tmp_path / "defaults.yaml").write_text("prescriber: [unclosed\n", encoding="utf-8")
    manifest = tmp_path / "pharmacy.csv"
    manifest.write_text("patient.name\nAna Ruiz\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", manifest, "--defaults", tmp_path / "defaults.yaml", "-o", out,
                 "--merge", tmp_path / "print.pdf")
    assert result.exit_code == 1
    assert "defaults.yaml" in result.stderr and "not valid YAML" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["defaults.yaml", "out", "pharmacy.csv"]
    assert not any(out.iterdir())


def two_with_one_name(folder):
    """Two prescriptions whose handouts get the same file name (notes "Copy 1" and "Copy 2")."""
    folder.mkdir()
    for n in (1, 2):
        rx = base_rx()
        rx["notes"] = f"Copy {n}"
        (folder / f"same{n}.yaml").write_text(dump(rx), encoding="utf-8")
    return folder


def test_collisions_get_a_suffix_or_an_error(run, tmp_path):
    src = two_with_one_name(tmp_path / "in")
    out = tmp_path / "out"
    assert run("batch", src, "-o", out).exit_code == 0
    assert sorted(p.name for p in out.glob("*.pdf")) == ["Maria-Lopez-cyanocobalamin-2026-12-01-2.pdf",
                                                          "Maria-Lopez-cyanocobalamin-2026-12-01.pdf"]
    strict = run("batch", src, "-o", tmp_path / "out2", "--collisions", "error")
    assert strict.exit_code == 1
    assert "same file name" in strict.stderr
    assert len(list((tmp_path / "out2").glob("*.pdf"))) == 1


def test_overwrite_replaces_an_earlier_runs_file_but_never_a_handout_of_the_same_batch(run, tmp_path):
    src = two_with_one_name(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    stale = out / "Maria-Lopez-cyanocobalamin-2026-12-01.pdf"
    stale.write_bytes(b"an old handout")
    assert run("batch", src, "-o", out, "--collisions", "overwrite").exit_code == 0
    files = sorted(out.glob("*.pdf"))
    assert [p.name for p in files] == ["Maria-Lopez-cyanocobalamin-2026-12-01-2.pdf", stale.name]
    assert "Copy 1" in pdf_text(stale.read_bytes()) and "Copy 2" in pdf_text(files[0].read_bytes())


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "a/b\\c", "..", "\x00\x07bell\nname", "CON",
                                     "x" * 500, "Zoë Ødegård-Ñúñez", "   "])
def test_hostile_names_stay_inside_the_folder(hostile):
    name = naming.file_name("{patient}", {"patient": hostile})
    assert name.endswith(".pdf") and "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith(".") and all(32 < ord(c) < 127 for c in name)
    assert len(name) <= naming.MAX_STEM + 4
    assert name.lower() != "con.pdf"


def test_hostile_patient_name_end_to_end(run, tmp_path):
    rx = base_rx()
    rx["patient"]["name"] = "../../evil/Bob"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rx.yaml").write_text(dump(rx), encoding="utf-8")
    result = run("batch", tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert [p.name for p in (tmp_path / "out").glob("*.pdf")] == ["evil-Bob-cyanocobalamin-2026-12-01.pdf"]
    assert not (tmp_path / "evil").exists()


def test_merged_print_file_starts_every_handout_on_an_odd_page(run, tmp_path):
    src = prescriptions(tmp_path / "in", 3)
    for path in src.iterdir():      # a daily course: the doses beyond the calendar's page go on a dose log
        rx = yaml.safe_load(path.read_text(encoding="utf-8"))
        rx["schedule"]["phases"] = [{"every": "1 day", "for": "8 weeks"}]
        path.write_text(dump(rx), encoding="utf-8")
    out = tmp_path / "out"
    merged = tmp_path / "print.pdf"
    assert run("batch", src, "-o", out, "--merge", merged, "--layout", "standard").exit_code == 0
    reader = PdfReader(merged)
    assert len(reader.pages) == 18                              # 3 five-page handouts, each followed by a blank
    starts = [i for i, page in enumerate(reader.pages) if "Page 1" in (page.extract_text() or "")]
    assert starts == [0, 6, 12]
    assert all(not (reader.pages[i].extract_text() or "").strip() for i in (5, 11, 17))
    # fonts are stored once, not once per handout
    font_files = {id(f) for f in _font_files(reader)}
    assert len(font_files) <= 2


def _font_files(reader):
    seen = {}
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            ref = font.get_object()["/FontDescriptor"].get_object().raw_get("/FontFile2")
            seen[ref.idnum] = ref
    return seen.values()


def test_rerun_gives_identical_files_and_rewrites_nothing(run, tmp_path):
    src = prescriptions(tmp_path / "in", 4)
    out = tmp_path / "out"
    assert run("batch", src, "-o", out, "--merge", tmp_path / "p.pdf").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    merged = (tmp_path / "p.pdf").read_bytes()
    again = run("batch", src, "-o", out, "--merge", tmp_path / "p.pdf")
    assert "0 written, 4 unchanged" in again.stderr
    assert {p.name: p.read_bytes() for p in out.glob("*.pdf")} == before
    assert (tmp_path / "p.pdf").read_bytes() == merged


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_batch_leaves_no_partial_file_and_a_rerun_finishes(tmp_path, stop):
    src = prescriptions(tmp_path / "in", 60)
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from generate import main; main()", "batch", str(src), "-o", str(out),
               "--merge", str(tmp_path / "print.pdf"), "--workers", "2"]
    for _attempt in range(3):
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=_as_from_a_terminal)
        deadline = time.time() + 60
        while time.time() < deadline and len(list(out.glob("*.pdf"))) < 2 and proc.poll() is None:
            time.sleep(0.02)
        # The batch writes its files itself: paused, it writes none, so the stop arrives with work left
        # unless it had already written them all (a busy machine can hold this test back that long).
        proc.send_signal(signal.SIGSTOP)
        written = len(list(out.glob("*.pdf")))
        proc.send_signal(stop)
        proc.send_signal(signal.SIGCONT)
        _, stderr = proc.communicate(timeout=60)
        if written < 60:
            break
    assert written < 60, "the batch finished before it could be stopped, three times"
    assert b"INTERRUPTED" in stderr, stderr.decode()[-2000:]
    assert not list(out.glob("*.part")) and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))
    for pdf in out.glob("*.pdf"):
        pages = PdfReader(pdf).pages                           # every file there is whole: four pages,
        continued = "(continued)" in (pages[-1].extract_text() or "")   # and a dose log when one is needed
        assert len(pages) == (5 if continued else 4) and "Page 1" in (pages[0].extract_text() or "")
    assert not (tmp_path / "print.pdf").exists()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert len(list(out.glob("*.pdf"))) == 60
    assert (tmp_path / "print.pdf").exists()


def _as_from_a_terminal():
    """Ctrl-C as a command typed at a terminal has it: a test run started in the background (``&``)
    passes SIGINT on ignored, and a batch rightly leaves an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_batch_refuses_unknown_name_field(run, tmp_path):
    result = run("batch", prescriptions(tmp_path / "in", 1), "-o", tmp_path / "o", "--name", "{patient}-{dob}")
    assert result.exit_code == 2
    assert "{dob}" in result.output


def test_csv_cells_are_text_except_structured_columns():
    from handouts.manifest import _value
    assert _value("needle.gauge", "23") == "23"
    assert _value("prescriber.phone", "05550104477") == "05550104477"
    assert _value("schedule.start", "2026-12-01") == "2026-12-01"
    assert _value("sites", "left thigh; right thigh") == ["left thigh", "right thigh"]
    assert _value("off_label", "true") is True
    assert yaml.safe_load("a: 1")["a"] == 1
    assert os.sep not in naming.safe("a" + os.sep + "b")


def test_a_corrected_prescription_replaces_its_own_handout_on_a_rerun(run, tmp_path):
    src = prescriptions(tmp_path / "in", 1)
    out = tmp_path / "out"
    assert run("batch", src, "-o", out).exit_code == 0
    rx = base_rx()
    rx["patient"]["name"] = "Patient 000"
    rx["dose"] = "500 mcg"                                   # the correction
    (src / "rx000.yaml").write_text(dump(rx), encoding="utf-8")
    again = run("batch", src, "-o", out)
    assert again.exit_code == 0 and "1 written" in again.stderr
    [pdf] = out.glob("*.pdf")
    assert pdf.name == "Patient-000-cyanocobalamin-2026-12-01.pdf" and "500 mcg" in pdf_text(pdf)
    # A different input that takes the same name, sorted first: it gets the suffix, the owner keeps its name.
    rx["notes"] = "Someone else"
    (src / "a-first.yaml").write_text(dump(rx), encoding="utf-8")
    third = run("batch", src, "-o", out)
    assert third.exit_code == 0 and "1 written, 1 unchanged" in third.stderr
    assert "Someone else" in pdf_text(out / "Patient-000-cyanocobalamin-2026-12-01-2.pdf")
    assert "Someone else" not in pdf_text(pdf)


def test_links_that_leave_the_input_folder_are_skipped_and_reported(run, tmp_path):
    src = prescriptions(tmp_path / "in", 1)
    (src / "data").mkdir()
    inside = base_rx()
    inside["patient"]["name"] = "Linked Inside"
    (src / "data" / "kept.txt").write_text(dump(inside), encoding="utf-8")
    (src / "linked.yaml").symlink_to(src / "data" / "kept.txt")
    (tmp_path / "secret.yaml").write_text("SECRET-CONTENT: private words\n", encoding="utf-8")
    (src / "escape.yaml").symlink_to(tmp_path / "secret.yaml")
    out = tmp_path / "out"
    for inputs in ([src], [str(src / "*.yaml")]):
        result = run("batch", *inputs, "-o", out)
        assert result.exit_code == 1
        assert "SECRET" not in result.stderr and "private" not in result.stderr
        report = (out / "report.csv").read_text(encoding="utf-8")
        assert "SECRET" not in report and "private" not in report
        [row] = [r for r in report_rows(out / "report.csv") if r["status"] == "refused"]
        assert row["source"] == str(src / "escape.yaml") and "outside the input folder" in row["message"]
        assert (out / "Linked-Inside-cyanocobalamin-2026-12-01.pdf").exists()


@pytest.mark.parametrize("template", ["{patient:d}", "{patient!r}", "{patient[0]}", "{patient", "{}"])
def test_bad_name_templates_are_usage_errors(run, tmp_path, template):
    result = run("batch", prescriptions(tmp_path / "in", 1), "-o", tmp_path / "o", "--name", template)
    assert result.exit_code == 2 and "--name" in result.output and "plain fields" in result.output
    assert not (tmp_path / "o").exists()
