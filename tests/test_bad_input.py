"""Bad input: exit 1, one clear message naming file, line and field, no traceback, no output file."""

import pytest

from conftest import ROOT, base_rx

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
