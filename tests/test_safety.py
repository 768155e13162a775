"""Each safety rule: a prescription that breaks it is refused (exit 1, field and line named),
and the nearest valid prescription passes."""

from __future__ import annotations

import re

import pytest

from conftest import base_rx, dump, sc_rx


def hydroxo_sc(rx):
    rx.update(medication="hydroxocobalamin", strength="1 mg/mL", dose="1 mg")


def set_path(rx, path, value):
    node = rx
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


# name: (start from, break it, the field named, message words, fix it nearby)
CASES = {
    "iv_route_refused": (base_rx, lambda rx: rx.update(route="IV"), "route", "refused",
                         lambda rx: rx.update(route="IM")),
    "hydroxocobalamin_subcut_is_off_label": (
        sc_rx, hydroxo_sc, "route", "off-label",
        lambda rx: (hydroxo_sc(rx), rx.update(off_label=True))),
    "hydroxocobalamin_iv_refused": (
        base_rx, lambda rx: (rx.update(medication="hydroxocobalamin", strength="1 mg/mL", dose="1 mg", route="iv")),
        "route", "refused", lambda rx: rx.update(medication="hydroxocobalamin", strength="1 mg/mL", dose="1 mg")),
    "im_route_with_subcut_site": (base_rx, lambda rx: rx.update(sites=["left abdomen", "right thigh"]),
                                  "sites[0]", "subcutaneous", lambda rx: rx.update(sites=["left hip", "right thigh"])),
    "subcut_route_with_deltoid": (sc_rx, lambda rx: rx.update(sites=["left abdomen", "right deltoid"]),
                                  "sites[1]", "intramuscular",
                                  lambda rx: rx.update(sites=["left abdomen", "right back of arm"])),
    "dorsogluteal_needs_confirming": (base_rx, lambda rx: rx.update(sites=["left buttock", "right buttock"]),
                                      "sites[0]", "discouraged",
                                      lambda rx: rx.update(sites=["left buttock", "right buttock"],
                                                           confirm=["dorsogluteal"])),
    "im_needle_too_short": (base_rx, lambda rx: rx.update(needle={"gauge": 25, "length": "1/2 in"}),
                            "needle.length", "under the skin",
                            lambda rx: rx.update(patient={"name": "Ann Lee", "weight": "50 kg"},
                                                 needle={"gauge": 25, "length": "5/8 in"})),
    "subcut_needle_too_long": (sc_rx, lambda rx: rx.update(needle={"gauge": 25, "length": "1 in"}),
                               "needle.length", "too long",
                               lambda rx: rx.update(needle={"gauge": 25, "length": "16 mm"})),
    "im_gauge_out_of_range": (base_rx, lambda rx: rx.update(needle={"gauge": 18, "length": "1 in"}),
                              "needle.gauge", "gauge range",
                              lambda rx: rx.update(needle={"gauge": 21, "length": "1 in"})),
    "subcut_gauge_out_of_range": (sc_rx, lambda rx: rx.update(needle={"gauge": 21, "length": "5/8 in"}),
                                  "needle.gauge", "gauge range",
                                  lambda rx: rx.update(needle={"gauge": 23, "length": "5/8 in"})),
    "dose_and_volume_disagree": (base_rx, lambda rx: rx.update(volume="0.5 mL"), "volume", "not the 1,000 mcg",
                                 lambda rx: rx.update(volume="1 mL")),
    "volume_too_small_to_measure": (base_rx, lambda rx: rx.update(dose="50 mcg"), "dose", "0.1 mL",
                                    lambda rx: rx.update(dose="100 mcg")),
    "deltoid_over_1_ml": (base_rx, lambda rx: rx.update(dose="1500 mcg", sites=["left deltoid", "right thigh"]),
                          "sites[0]", "at most 1 mL",
                          lambda rx: rx.update(dose="1500 mcg", sites=["left hip", "right thigh"])),
    "subcut_over_1_ml": (sc_rx, lambda rx: rx.update(dose="1500 mcg", volume="1.5 mL"), "sites[0]", "at most 1 mL",
                         lambda rx: rx.update(dose="1000 mcg", volume="1 mL")),
    "ongoing_phase_not_last": (base_rx, lambda rx: set_path(rx, ("schedule", "phases"),
                                                            [{"every": "1 month"}, {"every": "1 day", "count": 7}]),
                               "schedule.phases[0]", "must be the last",
                               lambda rx: set_path(rx, ("schedule", "phases"),
                                                   [{"every": "1 day", "count": 7}, {"every": "1 month"}])),
    "start_is_not_a_date": (base_rx, lambda rx: set_path(rx, ("schedule", "start"), "next Tuesday"),
                            "schedule.start", "not a date",
                            lambda rx: set_path(rx, ("schedule", "start"), "2026-12-08")),
    "count_must_be_positive": (base_rx, lambda rx: set_path(rx, ("schedule", "phases", 0, "count"), 0),
                               "schedule.phases[0].count", "less than 1",
                               lambda rx: set_path(rx, ("schedule", "phases", 0, "count"), 1)),
    "interval_must_be_positive": (base_rx, lambda rx: set_path(rx, ("schedule", "phases", 1, "every"), "0 weeks"),
                                  "schedule.phases[1].every", "must be more than zero",
                                  lambda rx: set_path(rx, ("schedule", "phases", 1, "every"), "2 weeks")),
    "someone_to_call": (base_rx, lambda rx: rx.update(prescriber={"name": "Dr. Aisha Chen"}), "prescriber", "phone",
                        lambda rx: rx.update(prescriber={"name": "Dr. Aisha Chen", "phone": "555-010-4477"})),
}


def line_of(text: str, field: str) -> int:
    """The line a field's value sits on in the dumped YAML (list items count from their parent key)."""
    parts = re.findall(r"[^.\[\]]+", field)
    lines = text.splitlines()
    start = 0
    for part in parts:
        if part.isdigit():
            items = [i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- ")]
            start = items[int(part)]
        else:
            start = next(i for i in range(start, len(lines)) if re.match(rf"\s*(- )?{re.escape(part)}:", lines[i]))
    return start + 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_refuses_with_field_and_line(name, run, write_rx):
    start, breaking, field, words, _ = CASES[name]
    assert words.strip(), "each case names words its message must say"
    rx = start()
    breaking(rx)
    text = dump(rx)
    path = write_rx(text)
    result = run("check", path)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    mine = [line for line in errors if f": error: {field}: " in line]
    assert mine, f"no error for {field}: {result.output}"
    assert any(f"{path}:{line_of(text, field)}:" in line for line in mine), (line_of(text, field), result.output)
    assert any(words in line for line in mine), result.output
    assert "fix:" in result.output


@pytest.mark.parametrize("name", sorted(CASES))
def test_nearest_valid_prescription_passes(name, run, write_rx):
    start, _, _, _, fixing = CASES[name]
    rx = start()
    fixing(rx)
    result = run("check", write_rx(rx))
    assert result.exit_code == 0, result.output
    assert ": error: " not in result.output


def test_refusal_names_its_source(run, write_rx):
    rx = base_rx()
    rx["needle"] = {"gauge": 25, "length": "1/2 in"}
    result = run("check", write_rx(rx))
    assert "(source: CDC" in result.output


def test_im_needle_too_short_for_the_weight_is_refused_unless_confirmed(run, write_rx):
    rx = base_rx()
    rx["patient"]["weight"] = "110 kg"    # 153–260 lb: the CDC/IAC chart says 1 to 1.5 in
    rx["needle"] = {"gauge": 23, "length": "5/8 in"}
    result = run("check", write_rx(rx))
    assert result.exit_code == 1
    assert ": error: needle.length: " in result.output and "tip may stop in the fat" in result.output
    assert "confirm: [needle_length]" in result.output and "(source: CDC/IAC" in result.output
    rx["confirm"] = ["needle_length"]
    path = write_rx(rx)
    confirmed = run("check", path)
    assert confirmed.exit_code == 0
    assert ": warning: needle.length: " in confirmed.output and "(confirmed)" in confirmed.output
    assert run("check", "--strict", path).exit_code == 1


def test_longer_than_usual_for_the_weight_stays_a_warning(run, write_rx):
    rx = base_rx()
    rx["patient"]["weight"] = "50 kg"     # < 130 lb: 5/8 to 1 in
    rx["needle"] = {"gauge": 23, "length": "1 1/2 in"}
    result = run("check", write_rx(rx))
    assert result.exit_code == 0 and ": warning: needle.length: " in result.output


def test_im_needle_beyond_the_sourced_maximum_is_refused(run, write_rx):
    rx = base_rx()
    rx["needle"] = {"gauge": 23, "length": "2 in"}
    result = run("check", write_rx(rx))
    assert result.exit_code == 1
    assert ": error: needle.length: " in result.output and "at most 1 1/2 in (38 mm)" in result.output


@pytest.mark.parametrize(("route", "angle", "ok"), [("subcutaneous", 90, True), ("subcutaneous", 45, True),
                                                    ("subcutaneous", 30, False), ("intramuscular", 45, False),
                                                    ("intramuscular", 90, True)])
def test_angle_is_checked_against_the_route(run, write_rx, route, angle, ok):
    rx = sc_rx() if route == "subcutaneous" else base_rx()
    rx["angle"] = angle
    result = run("check", write_rx(rx))
    assert (result.exit_code == 0) == ok, result.output
    if not ok:
        assert ": error: angle: " in result.output


def test_small_dose_is_refused_with_a_fix_unless_given_at_the_clinic(run, write_rx):
    rx = base_rx()
    rx.update(medication="hydroxocobalamin", strength="1 mg/mL")
    del rx["dose"]
    rx["schedule"]["phases"] = [{"every": "1 day", "count": 7, "dose": "30 mcg"},
                                {"every": "1 month", "dose": "100 mcg"}]
    result = run("check", write_rx(rx))
    assert result.exit_code == 1
    assert "schedule.phases[0].dose: 0.03 mL = 0.03 mg (30 mcg) is too small to measure" in result.output
    assert "weaker strength" in result.output and "at: clinic" in result.output
    rx["schedule"]["phases"][0]["at"] = "clinic"
    assert run("check", write_rx(rx)).exit_code == 0


def test_a_start_date_in_the_past_warns(run, write_rx):
    rx = base_rx()
    rx["schedule"]["start"] = "2020-03-02"
    result = run("check", write_rx(rx))
    assert result.exit_code == 0
    assert ": warning: schedule.start: 2020-03-02 is in the past" in result.output


def test_too_many_doses_are_refused_not_cut(run, write_rx):
    rx = base_rx()
    rx["schedule"]["phases"] = [{"every": "1 day", "count": 5000}]
    result = run("check", write_rx(rx))
    assert result.exit_code == 1 and "too many for one printed calendar" in result.output


def test_dose_above_usual_range_warns(run, write_rx):
    rx = base_rx()
    rx["dose"] = "2000 mcg"
    result = run("check", write_rx(rx))
    assert result.exit_code == 0
    assert ": warning: dose: " in result.output


def test_generate_runs_the_same_checks(run, write_rx, tmp_path):
    rx = base_rx()
    rx["route"] = "SC"
    rx["sites"] = ["left deltoid", "right deltoid"]
    out = tmp_path / "out.pdf"
    result = run("generate", write_rx(rx), "-o", out)
    assert result.exit_code == 1
    assert "sites[0]" in result.stderr
    assert not out.exists()


def test_check_many_files_json(run, write_rx):
    import json
    bad = base_rx()
    bad["route"] = "IV"
    result = run("check", "--format", "json", write_rx(base_rx()), write_rx(bad))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files"] == 2 and len(report["failed"]) == 1
    problem = report["problems"][0]
    assert {"file", "line", "field", "message", "fix", "severity", "source"} <= set(problem)
    assert problem["field"] == "route" and problem["line"] == line_of(dump(bad), "route")


def test_check_prints_summary_line(run, write_rx):
    bad = base_rx()
    bad["route"] = "IV"
    result = run("check", write_rx(base_rx()), write_rx(bad))
    assert "2 files checked: 1 ok, 1 refused" in result.output
