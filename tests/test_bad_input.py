"""Bad input: exit 1, one clear message naming file, line and field, no traceback, no output file."""

import pytest
from click.testing import CliRunner

from conftest import ROOT, base_rx
from generate import cli

EXAMPLE = str(ROOT / "examples" / "cyanocobalamin-im.yaml")


def refused(run, rx_path, tmp_path):
    out = tmp_path / "out.pdf"
    result = run("generate", rx_path, "-o", out)
    assert result.exit_code == 1, result.output
    assert not out.exists()
    assert "Traceback" not in result.output
    assert str(rx_path) in result.stderr
    return result.stderr


def test_missing_file(run, tmp_path):
    message = refused(run, tmp_path / "nope.yaml", tmp_path)
    assert "file not found" in message


def test_empty_file(run, write_rx, tmp_path):
    assert "is empty" in refused(run, write_rx("   \n"), tmp_path)


def test_binary_file(run, tmp_path):
    path = tmp_path / "scan.yaml"
    path.write_bytes(b"%PDF-1.4\x00\x01\x02binary")
    assert "binary" in refused(run, path, tmp_path)


def test_not_yaml(run, write_rx, tmp_path):
    message = refused(run, write_rx("patient:\n  name: [unclosed\nroute: IM\n"), tmp_path)
    assert "not valid YAML" in message
    assert ":3:" in message or ":2:" in message


def test_yaml_not_a_mapping(run, write_rx, tmp_path):
    message = refused(run, write_rx("- just\n- a list\n"), tmp_path)
    assert "key: value" in message


def test_wrong_type_names_line_and_field(run, write_rx, tmp_path):
    rx = base_rx()
    rx["needle"]["gauge"] = "thin"
    path = write_rx(rx)
    message = refused(run, path, tmp_path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "gauge" in text)
    assert f"{path}:{line}: error: needle.gauge" in message
    assert "for example" in message


def test_misspelled_key_gets_did_you_mean(run, write_rx, tmp_path):
    rx = base_rx()
    rx["perscriber"] = rx.pop("prescriber")
    message = refused(run, write_rx(rx), tmp_path)
    assert "perscriber" in message and "did you mean 'prescriber'" in message


def test_unknown_medication_suggests(run, write_rx, tmp_path):
    rx = base_rx()
    rx["medication"] = "cyanocobalamine"
    message = refused(run, write_rx(rx), tmp_path)
    assert "medication" in message and "did you mean 'cyanocobalamin'" in message


def test_unknown_site_suggests(run, write_rx, tmp_path):
    rx = base_rx()
    rx["sites"] = ["left thihg", "right thigh"]
    message = refused(run, write_rx(rx), tmp_path)
    assert "sites[0]" in message and "did you mean 'thigh'" in message


def test_bad_date(run, write_rx, tmp_path):
    rx = base_rx()
    rx["schedule"]["start"] = "12/01/2026"
    message = refused(run, write_rx(rx), tmp_path)
    assert "schedule.start" in message and "YYYY-MM-DD" in message


def test_every_problem_is_reported_at_once(run, write_rx, tmp_path):
    rx = base_rx()
    rx["dose"] = "lots"
    rx["needle"]["length"] = "long"
    message = refused(run, write_rx(rx), tmp_path)
    assert "dose" in message and "needle.length" in message


@pytest.mark.parametrize("args", [["generate"], ["generate", "x.yaml"], ["frobnicate"],
                                  ["generate", EXAMPLE, "-o", "x.pdf", "--paper", "a5"]])
def test_usage_errors_exit_2(run, args):
    assert run(*args).exit_code == 2


def test_unknown_layout_is_usage_error(run, tmp_path):
    result = run("generate", EXAMPLE, "-o", tmp_path / "x.pdf", "--layout", "poster")
    assert result.exit_code == 2
    assert "standard" in result.output


# --- defect 2: the listed tracebacks are now clear exit-1 messages ----------------------------

TRACEBACKS = {
    "route_empty": (("route",), "", "route: is empty"),
    "medication_empty": (("medication",), "", "medication: is empty"),
    "weight_2500_lb": (("patient", "weight"), "2500 lb", "patient.weight: '2500 lb' is outside 1–350 kg"),
    "dose_1_over_0": (("dose",), "1/0 mcg", "dose: "),
    "dose_400_digits": (("dose",), "9" * 400 + " mcg", "dose: "),
    "count_400_digits": (("schedule", "phases", 0, "count"), int("9" * 400), "more than 10000"),
    "start_year_9999": (("schedule", "start"), "9999-12-01", "schedule.start: '9999-12-01' is not a date from 1900"),
    "every_million_months": (("schedule", "phases", 2, "every"), "1000000 months", "schedule.phases[2].every: "),
    "notes_600_words": (("notes",), " ".join(["word"] * 600), "notes: is 2,999 characters long; at most 600"),
}


@pytest.mark.parametrize("name", sorted(TRACEBACKS))
@pytest.mark.parametrize("command", ["check", "generate"])
def test_former_tracebacks_are_clear_refusals(run, write_rx, tmp_path, name, command):
    path, value, words = TRACEBACKS[name]
    rx = base_rx()
    node = rx
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    rx_path = write_rx(rx)
    if command == "check":
        result = run("check", rx_path)
        assert result.exit_code == 1 and "Traceback" not in result.output
        message = result.output
    else:
        message = refused(run, rx_path, tmp_path)
    assert words in message and f"{rx_path}:" in message, message


def test_layout_overflow_names_the_field(monkeypatch):
    """reportlab's LayoutError becomes a LayoutOverflowError naming the field nearest its limit."""
    from dataclasses import replace

    from reportlab.platypus.doctemplate import LayoutError

    from handouts import api, content, prescription, render
    from handouts.errors import HandoutError, LayoutOverflowError

    def too_large(*args, **kwargs):
        raise LayoutError("Flowable too large on page 3 in frame 'body'")

    monkeypatch.setattr(render, "render", too_large)
    lib = content.load()
    rx = prescription.load(EXAMPLE, lib)
    with pytest.raises(LayoutOverflowError) as error:
        api.from_prescription(replace(rx, notes="word " * 110), lib, "standard")
    assert isinstance(error.value, HandoutError)
    (problem,) = error.value.problems
    assert problem.field == "notes" and problem.line and "at most 600" in problem.message
    assert "standard layout" in problem.message


def test_internal_error_is_one_line_without_traceback(run, tmp_path, monkeypatch):
    from handouts import model

    def broken(*args, **kwargs):
        raise RuntimeError("something we did not foresee")

    monkeypatch.setattr(model, "build", broken)
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(cli, ["generate", EXAMPLE, "-o", str(out)])
    assert result.exit_code == 1
    assert "internal error while making the handout (RuntimeError" in result.stderr
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_check_reports_an_internal_error_per_file_and_goes_on(tmp_path, monkeypatch, write_rx):
    from handouts import safety

    calls = []

    def flaky(rx, lib):
        calls.append(rx.file)
        if len(calls) == 1:
            raise StopIteration
        return []

    monkeypatch.setattr(safety, "check", flaky)
    result = CliRunner().invoke(cli, ["check", EXAMPLE, EXAMPLE])
    assert result.exit_code == 1
    assert "internal error while checking (StopIteration)" in result.output
    assert "2 files checked: 1 ok, 1 refused" in result.output


@pytest.mark.parametrize("failure", ["not_a_folder", "disk_full"])
def test_unwritable_output_is_a_clean_io_message(tmp_path, monkeypatch, failure):
    import errno

    import generate
    if failure == "not_a_folder":
        (tmp_path / "file.txt").write_text("x")
        out = tmp_path / "file.txt" / "out.pdf"
    else:
        out = tmp_path / "out.pdf"

        def full(path, data, *args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(generate, "write_output", full)
    result = CliRunner().invoke(cli, ["generate", EXAMPLE, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{out}: error: cannot be written" in result.stderr and "no handout written" in result.stderr
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)
