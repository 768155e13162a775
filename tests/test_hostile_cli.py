"""Hostile and careless use of the command line, batches and FHIR input, found by attacking them.

Each test is one way a handout came out silently wrong, a file was lost or a
run crashed: calendars with two doses on one day, an output that replaced its
own prescription, CSV cells cut off, FHIR values that skipped the format's
checks.
"""

from __future__ import annotations

import pytest

from conftest import base_rx, dump, pdf_text, read_pdf


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


def test_an_unquoted_comma_never_cuts_a_note_short(run, tmp_path, clinic):
    """The note's tail went into a cell with no column and the handout said only "Bring your sharps bin"."""
    result = run_csv(run, tmp_path, clinic, "patient.name,sites,notes\n"
                     "Ann Lee,left thigh;right thigh,Bring your sharps bin, and do not inject if it is cloudy\n"
                     'Bo Ng,left thigh;right thigh,"Bring your sharps bin, please"\n')
    assert result.exit_code == 1
    assert "rows.csv:2: error: has 'and do not inject if it is cloudy' in a cell with no column name" in result.stderr
    assert [p.name for p in (tmp_path / "out").glob("*.pdf")] == ["Bo-Ng-cyanocobalamin-2026-12-01.pdf"]
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
