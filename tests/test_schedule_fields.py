"""The schedule fields as a prescriber writes them: the loader, the schema and the README agree,
bad values are refused with a fix, and the dose dates keep their rules for any input."""

from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, base_rx, dump
from handouts import content, schedule, schema, units
from handouts.errors import PrescriptionError
from handouts.prescription import Phase, parse
from handouts.units import Interval

LIB = content.load()
VALIDATOR = jsonschema.Draft202012Validator(schema.load())


def _with_phase(phase: dict, **top) -> dict:
    rx = base_rx()
    rx["schedule"]["phases"] = [phase]
    rx.update(top)
    return rx


def _loader_accepts(rx: dict) -> bool:
    try:
        parse(dump(rx), "rx.yaml", LIB)
        return True
    except PrescriptionError:
        return False


@pytest.mark.parametrize(("rx", "valid"), [
    (_with_phase({"every": "1 week", "days": ["mon", "wed", "fri"], "for": "2 weeks"}), True),
    (_with_phase({"every": "1 week", "days": ["funday"]}), False),
    (_with_phase({"every": "2 days", "until": "your symptoms stop getting better"}), True),
    (_with_phase({"every": "1 month", "start": "2027-04-05"}), True),
    (_with_phase({"every": "1 month", "start": "5 April"}), False),
    (_with_phase({"every": "1 day", "count": 3, "at": "clinic"}), True),
    (_with_phase({"every": "1 day", "count": 3, "at": "hospital"}), False),
    (_with_phase({"every": "1 month", "dose": "100 mcg"}), True),
    (_with_phase({"every": "1 month"}, angle=90), True),
    (_with_phase({"every": "1 month"}, angle=0), False),
    (_with_phase({"every": "1 month"}, confirm=["needle_length"]), True),
])
def test_schema_and_loader_agree(rx, valid):
    assert VALIDATOR.is_valid(json.loads(json.dumps(rx, default=str))) == valid
    assert _loader_accepts(rx) == valid


def test_readme_and_schema_document_every_schedule_field():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    fmt = readme[readme.index("## The prescription file"):readme.index("## Layout of the code")]
    phase = schema.load()["properties"]["schedule"]["properties"]["phases"]["items"]["properties"]
    for name, spec in phase.items():
        assert f"`{name}`" in fmt, f"phase field {name!r} is not in the README's format section"
        assert spec.get("description") or name in ("every",), name
    for name in ("angle", "confirm"):
        assert f"# {name}:" in fmt and schema.load()["properties"][name]["description"]
    assert "needle_length" in schema.load()["properties"]["confirm"]["description"]


@pytest.mark.parametrize(("phase", "field", "words"), [
    ({"every": "1 day", "days": ["mon"]}, "schedule.phases[0].days", "needs weeks"),
    ({"every": "1 week", "days": ["mon", "someday"]}, "schedule.phases[0].days", "not a day of the week"),
    ({"every": "2 days", "count": 3, "until": "better"}, "schedule.phases[0].until", "count or for"),
    ({"every": "3 to 2 months"}, "schedule.phases[0].every", "shorter to longer"),
    ({"every": "2 to 3 weeks", "times": 2}, "schedule.phases[0].times", "range"),
    ({"every": "1 month", "dose": "100 mcg", "volume": "0.1 mL"}, "schedule.phases[0].volume", "once"),
    ({"every": "400 days"}, "schedule.phases[0].every", "too long"),
])
def test_bad_schedule_fields_are_refused_with_a_fix(phase, field, words):
    with pytest.raises(PrescriptionError) as caught:
        parse(dump(_with_phase(phase)), "rx.yaml", LIB)
    message = str(caught.value)
    assert "rx.yaml:" in message and f"{field}: " in message and words in message and "fix:" in message


def test_on_as_a_key_points_to_days():
    text = dump(_with_phase({"every": "1 week", "for": "2 weeks"}))
    text = text.replace("for: 2 weeks", "for: 2 weeks\n    on: [mon]")
    with pytest.raises(PrescriptionError) as caught:
        parse(text, "rx.yaml", LIB)
    assert "days: [mon, wed, fri]" in str(caught.value)


@pytest.mark.parametrize(("text", "low", "high"), [
    ("every 2 to 3 months", Interval(2, "month"), Interval(3, "month")),
    ("3-4 days", Interval(3, "day"), Interval(4, "day")),
    ("2\u20133 months", Interval(2, "month"), Interval(3, "month")),
    ("every other day", Interval(2, "day"), None),
    ("monthly", Interval(1, "month"), None),
])
def test_ranges_in_words(text, low, high):
    assert units.interval_range(text) == (low, high)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_interval_parsing_never_crashes(text):
    try:
        low, high = units.interval_range(text)
    except ValueError as error:
        assert str(error)
        return
    assert low.count >= 1 and (high is None or high.count > low.count)


_UNITS = st.sampled_from(["day", "week", "month"])


@st.composite
def phases(draw):
    result = []
    for _ in range(draw(st.integers(1, 3))):
        unit = draw(_UNITS)
        every = Interval(draw(st.integers(1, 4)), unit)
        kind = draw(st.sampled_from(["count", "for", "days"] if unit == "week" else ["count", "for"]))
        if kind == "count":
            result.append(Phase(every, count=draw(st.integers(1, 12))))
        elif kind == "for":
            result.append(Phase(every, times=draw(st.integers(1, 3)) if unit != "day" else 1,
                                duration=Interval(draw(st.integers(1, 8)), draw(_UNITS))))
        else:
            days = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=4))))
            result.append(Phase(Interval(1, "week"), times=len(days), weekdays=days,
                                duration=Interval(draw(st.integers(1, 4)), "week")))
    if draw(st.booleans()):
        result.append(Phase(Interval(draw(st.integers(1, 3)), draw(_UNITS))))
    return tuple(result)


@settings(max_examples=120, deadline=None)
@given(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)), phases())
def test_plan_rules_hold_for_any_schedule(start, chosen):
    plan = schedule.plan(start, chosen)
    dates = [p.date for p in plan.doses]
    assert dates == sorted(dates) and len(set(dates)) == len(dates), "dates go forward, one dose a day at most"
    assert dates[0] >= start
    for index, phase in enumerate(chosen):
        mine = [p.date for p in plan.doses if p.phase == index]
        if phase.count is not None:
            assert len(mine) == phase.count
        if phase.weekdays:
            assert all(day.weekday() in phase.weekdays for day in mine)
        if phase.duration is not None and mine and not phase.weekdays:
            assert mine[-1] < schedule.add(mine[0], phase.duration)
    if chosen[-1].ongoing:
        assert plan.open_phase == len(chosen) - 1 and plan.next_date > dates[-1]
    else:
        assert plan.open_phase is None and plan.next_date is None


def test_dose_count_of_a_window_is_exact():
    every_other = Phase(Interval(2, "day"), duration=Interval(3, "week"))
    assert len(schedule.plan(dt.date(2027, 2, 1), (every_other,)).doses) == 11
    assert re.search(r"\(11 doses\)", schedule.describe(every_other, 11))
