"""Hostile and careless input: YAML bombs, text that YAML 1.1 would reinterpret, blank fields.

Bombs run in a child process with a memory cap and a timeout, so a regression
fails this test instead of taking the machine down.
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, base_rx, dump, pdf_text

EXAMPLE = ROOT / "examples" / "cyanocobalamin-im.yaml"

LAUGHS = "lol: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))
BOMBS = {
    "alias_bomb": LAUGHS,                                     # 9^9 "lol"s once expanded
    "self_reference": "patient: &a {name: *a}\nroute: IM\n",  # a 27-byte loop
    "deep_nesting": "notes: " + "[" * 500 + "]" * 500 + "\n",
    "deep_mapping": "".join("  " * i + f"k{i}:\n" for i in range(500)),
    "huge_file": "notes: " + "x" * 400_000 + "\n",
    "many_values": "sites: [" + ",".join(["a"] * 30_000) + "]\n",
    "merge_key": dump(base_rx()).replace("patient:\n", "patient:\n  <<: {weight: 60 kg}\n", 1),
}
LIMIT_WORDS = {
    "alias_bomb": "10,000 values once its aliases", "self_reference": "16 levels deep once its aliases",
    "deep_nesting": "16 levels", "deep_mapping": "16 levels", "huge_file": "256 KB",
    "many_values": "10,000 values", "merge_key": "key",
}

PROBE = """
import json, sys, time, tracemalloc
from handouts import api, content
from handouts.errors import HandoutError
content.load()      # the library is read once per process; measure only the prescription

def attempt(path):
    try:
        api.check_file(path)
        return "accepted"
    except HandoutError as error:
        return str(error)

out = {}
for path in sys.argv[1:]:
    start = time.process_time()     # CPU time: other processes on the machine do not count
    message = attempt(path)
    seconds = time.process_time() - start
    tracemalloc.start()
    attempt(path)
    out[path] = {"seconds": seconds, "peak_mb": tracemalloc.get_traced_memory()[1] / 1e6, "message": message}
    tracemalloc.stop()
print(json.dumps(out))
"""


def capped(args, timeout=30):
    """Run a Python child with 1 GB of address space at most."""
    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, preexec_fn=limit)


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    paths = {}
    for name, text in BOMBS.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def probed(bomb_files):
    result = capped(["-c", PROBE, *map(str, bomb_files.values())])
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_refused_fast_small_and_says_the_limit(name, bomb_files, probed):
    outcome = probed[str(bomb_files[name])]
    assert LIMIT_WORDS[name] in outcome["message"], outcome["message"]
    assert str(bomb_files[name]) in outcome["message"]
    assert outcome["seconds"] < 0.5, outcome
    assert outcome["peak_mb"] < 8, outcome


def test_check_and_generate_refuse_bombs_without_a_traceback(bomb_files, tmp_path):
    files = [str(p) for p in bomb_files.values()]
    checked = capped(["-m", "generate", "check", *files])
    assert checked.returncode == 1, checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr
    assert f"{len(files)} files checked: 0 ok" in checked.stdout
    out = tmp_path / "out.pdf"
    made = capped(["-m", "generate", "generate", str(bomb_files["alias_bomb"]), "-o", str(out)])
    assert made.returncode == 1 and "once its aliases" in made.stderr and "Traceback" not in made.stderr
    assert not out.exists()


def test_bomb_in_defaults_file_is_refused(bomb_files, tmp_path):
    manifest = tmp_path / "rows.csv"
    manifest.write_text("patient.name\nAna Ruiz\n", encoding="utf-8")
    result = capped(["-m", "generate", "batch", str(manifest), "--defaults", str(bomb_files["alias_bomb"]),
                     "-o", str(tmp_path / "out")])
    assert result.returncode == 1
    assert "once its aliases" in result.stderr and "Traceback" not in result.stderr


# --- text fields exactly as written ----------------------------------------------------------


def generated_text(run, write_rx, tmp_path, text: str) -> str:
    out = tmp_path / "out.pdf"
    result = run("generate", write_rx(text), "-o", out)
    assert result.exit_code == 0, result.output
    return pdf_text(out)


@pytest.mark.parametrize("written, shown", [
    ("05550104477", "05550104477"),          # YAML 1.1: octal 765495615
    ("+15550104477", "+15550104477"),        # YAML 1.1: the int 15550104477
    ("555.010.4477", "555.010.4477"),
])
def test_phone_numbers_print_exactly_as_written(run, write_rx, tmp_path, written, shown):
    text = dump(base_rx()).replace("phone: 555-010-4477", f"phone: {written}")
    assert f"phone: {written}" in text
    assert shown in generated_text(run, write_rx, tmp_path, text)


def test_phone_with_underscores_is_refused_not_changed(run, write_rx, tmp_path):
    text = dump(base_rx()).replace("phone: 555-010-4477", "phone: 555_010_4477")
    result = run("check", write_rx(text))
    assert result.exit_code == 1
    assert "prescriber.phone: '555_010_4477' is not a phone number" in result.output


@pytest.mark.parametrize("name", ["Yes", "Null", "on", "1e3", "2026-12-01", "0x1F"])
def test_names_that_yaml_would_reinterpret_are_kept(run, write_rx, tmp_path, name):
    rx = base_rx()
    text = dump(rx).replace(f"name: {rx['patient']['name']}", f"name: {name}")
    assert f"For {name} · vitamin B12" in generated_text(run, write_rx, tmp_path, text)


def test_ids_and_emergency_numbers_are_text(run, write_rx, tmp_path):
    text = dump(base_rx()).replace("emergency_number: '911'", "emergency_number: 0112")
    assert "emergency_number: 0112" in text
    assert "0112" in generated_text(run, write_rx, tmp_path, text)


# --- blank and zero -----------------------------------------------------------------------


@pytest.mark.parametrize("path, value, words", [
    (("patient", "name"), "", "patient.name: is empty"),
    (("patient", "name"), "   ", "patient.name: is empty"),
    (("prescriber", "name"), "  ", "prescriber.name: is empty"),
    (("medication",), "", "medication: is empty"),
    (("route",), "", "route: is empty"),
    (("schedule", "phases", 0, "times"), 0, "schedule.phases[0].times: '0' is less than 1"),
])
def test_blank_text_and_zero_times_are_refused(run, write_rx, path, value, words):
    rx = base_rx()
    node = rx
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    result = run("check", write_rx(rx))
    assert result.exit_code == 1, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_whole_numbers_are_read_as_written(run, write_rx, tmp_path):
    text = dump(base_rx()).replace("count: 7", "count: 010")       # YAML 1.1: octal 8
    assert "count: 010" in text
    assert "Every day for 10 days (10 doses)" in generated_text(run, write_rx, tmp_path, text)


# --- clinic content folders are checked on load ---------------------------------------------


def clinic_folder(tmp_path, name: str, change) -> Path:
    folder = tmp_path / "clinic"
    source = ROOT / "handouts" / "content" / name
    (folder / source.parent.relative_to(ROOT / "handouts" / "content")).mkdir(parents=True, exist_ok=True)
    text = change(source.read_text(encoding="utf-8"))
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name, change, words", [
    ("medications.yaml", lambda t: t.replace("      emergency:\n", "      urgent:\n", 1),
     "medications.yaml:{line}: error: medications.cyanocobalamin.side_effects: has no 'emergency'"),
    ("text/en.yaml", lambda t: t.replace("  intramuscular:\n    words:", "  intramuscular_old:\n    words:", 1),
     "has no words for the route 'intramuscular'"),
    ("sites.yaml", lambda t: t.replace("y: 0.", "y: 7.", 1), "must be a number from 0 to 1"),
    ("sites.yaml", lambda t: t.replace("marks: {any: [0.585, 0.21]}", "marks: {any: 0.585}", 1),
     "sites.deltoid.closeup.marks.any: must be a point [x, y]"),
    ("sites.yaml", lambda t: t.replace("rule: {kind: in_v}", "rule: {kind: below_fingers, above: armpit}", 1),
     "rule 'below_fingers' needs 'fingers'"),
    ("routes.yaml", lambda t: "loop: &x [*x]\n" + t, "once its aliases"),
])
def test_broken_clinic_content_is_refused_with_file_line_and_field(run, tmp_path, name, change, words):
    folder = clinic_folder(tmp_path, name, change)
    for command in (["check", EXAMPLE], ["generate", EXAMPLE, "-o", tmp_path / "out.pdf"]):
        result = run(*command, "--content", folder)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and not isinstance(result.exception, (KeyError, TypeError))
        message = result.output
        if "{line}" in words:
            line = next(i for i, text in enumerate((folder / name).read_text().splitlines(), 1)
                        if "side_effects:" in text)
            words_here = words.format(line=line)
        else:
            words_here = words
        assert words_here in message, message
    assert not (tmp_path / "out.pdf").exists()


# --- CSV manifests: text cells, encodings, separators -------------------------------------------


def csv_batch(run, tmp_path, data: bytes):
    defaults = base_rx()
    for key in ("patient", "notes"):
        defaults.pop(key)
    (tmp_path / "defaults.yaml").write_text(dump(defaults), encoding="utf-8")
    manifest = tmp_path / "rows.csv"
    manifest.write_bytes(data)
    return run("batch", manifest, "--defaults", tmp_path / "defaults.yaml", "-o", tmp_path / "out",
               "--workers", "1"), manifest


def test_csv_cells_are_text(run, tmp_path):
    rows = ('patient.name,prescriber.phone,notes\r\n'
            'Yes,05550104477,Take it at 9am #important call if sore\r\n'
            '&Ann,+15550104477,Reminder: bring your sharps bin\r\n')
    result, _ = csv_batch(run, tmp_path, codecs.BOM_UTF8 + rows.encode("utf-8"))
    assert result.exit_code == 0, result.output
    texts = [pdf_text(p) for p in sorted((tmp_path / "out").glob("*.pdf"))]
    joined = " ".join(texts)
    for words in ("For Yes ·", "05550104477", "Take it at 9am #important call if sore", "For &Ann ·",
                  "+15550104477", "Reminder: bring your sharps bin"):
        assert words in joined, words


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_csv_with_semicolons_bom_and_utf16_is_read(run, tmp_path, encoding):
    rows = "patient.name;notes\r\nZoë Núñez;Dose 1,5 mL? no: 1 mL\r\n"
    result, _ = csv_batch(run, tmp_path, rows.encode(encoding))
    assert result.exit_code == 0, result.output
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    assert "For Zoë Núñez ·" in pdf_text(pdf) and "Dose 1,5 mL? no: 1 mL" in pdf_text(pdf)


def test_csv_in_a_legacy_code_page_is_refused_with_its_line(run, tmp_path):
    rows = "patient.name,notes\nAna Ruiz,ok\nZoë Núñez,café\n"
    result, manifest = csv_batch(run, tmp_path, rows.encode("cp1252"))
    assert result.exit_code == 1
    assert f"{manifest}:3: error: is not UTF-8 text: byte 0xeb" in result.stderr
    assert "CSV UTF-8" in result.stderr and "Traceback" not in result.output
