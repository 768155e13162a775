"""The dose calendar, read back from the PDF: every dose of every finite phase, in every layout and paper.

Expected dates are written out by hand (or counted with plain date arithmetic
below), never computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import ROOT, base_rx, pdf_text, read_pdf
from handouts import api

ISSUED = "Fri 20 Nov 2026"       # the handouts' issue date, on no calendar below
LAYOUTS = ("standard", "compact", "large-print")
PAPERS = ("letter", "a4")
_DATE = re.compile(r"(?<!next on )(?<!chose )\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} "
                   r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}")


def d(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y-%m-%d").date()


def days(first: str, n: int, step: int = 1) -> list[dt.date]:
    return [d(first) + dt.timedelta(days=step * i) for i in range(n)]


def shown(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


# name: (start, phases, expected dates of the listed doses, the continuation line's "next on" date or None)
SCHEDULES = {
    "loading-weekly-monthly": (
        "2026-12-01",
        [{"every": "1 day", "count": 7}, {"every": "1 week", "count": 4}, {"every": "1 month"}],
        [*days("2026-12-01", 7), d("2026-12-14"), d("2026-12-21"), d("2026-12-28"), d("2027-01-04"),
         d("2027-02-04"), d("2027-03-04"), d("2027-04-04")],
        d("2027-05-04")),
    "month-end-31-jan": (
        "2027-01-31", [{"every": "1 month", "count": 4}],
        [d("2027-01-31"), d("2027-02-28"), d("2027-03-31"), d("2027-04-30")], None),
    "leap-year-month-end": (
        "2028-01-31", [{"every": "1 month", "count": 3}],
        [d("2028-01-31"), d("2028-02-29"), d("2028-03-31")], None),
    "daily-6-weeks-over-29-feb": (          # 42 doses: 20 Feb to 1 Apr 2028
        "2028-02-20", [{"every": "1 day", "for": "6 weeks"}], days("2028-02-20", 42), None),
    "three-times-a-week": (
        "2026-12-07", [{"every": "1 week", "times": 3, "for": "2 weeks"}, {"every": "12 weeks"}],
        [d("2026-12-07"), d("2026-12-09"), d("2026-12-11"), d("2026-12-14"), d("2026-12-16"), d("2026-12-18"),
         d("2027-03-12"), d("2027-06-04"), d("2027-08-27")],
        d("2027-11-19")),
    "mon-wed-fri-from-a-thursday": (
        "2027-01-07", [{"every": "1 week", "days": ["mon", "wed", "fri"], "for": "2 weeks"},
                       {"every": "1 month", "count": 2}],
        [d("2027-01-08"), d("2027-01-11"), d("2027-01-13"), d("2027-01-15"), d("2027-01-18"), d("2027-01-20"),
         d("2027-02-20"), d("2027-03-20")], None),
    "ranges": (
        "2027-03-01", [{"every": "3 to 4 days", "for": "2 weeks"}, {"every": "2 to 3 months"}],
        [d("2027-03-01"), d("2027-03-04"), d("2027-03-07"), d("2027-03-10"), d("2027-03-13"),
         d("2027-05-13"), d("2027-07-13"), d("2027-09-13")],
        d("2027-11-13")),
    "per-phase-doses": (
        "2027-01-04", [{"every": "1 day", "count": 7, "dose": "1000 mcg"}, {"every": "1 month", "dose": "100 mcg"}],
        [*days("2027-01-04", 7), d("2027-02-10"), d("2027-03-10"), d("2027-04-10")], d("2027-05-10")),
    "every-other-day-3-weeks": (
        "2027-02-01", [{"every": "every other day", "for": "3 weeks"}], days("2027-02-01", 11, 2), None),
}


def _doses(text: str) -> list[str]:
    """Dates in the text but the issue date (title and footers): the calendar's, in reading order."""
    return [found for found in _DATE.findall(text) if found != ISSUED]


def _rx(start: str, phases: list) -> dict:
    rx = base_rx()
    rx["schedule"] = {"start": start, "phases": phases}
    rx["issued"] = "2026-11-20"
    if any("dose" in p for p in phases):
        del rx["dose"]
    return rx


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each schedule rendered once per layout and paper."""
    folder = tmp_path_factory.mktemp("calendars")
    cache = {}

    def get(name, layout, paper):
        key = (name, layout, paper)
        if key not in cache:
            from conftest import dump
            path = folder / f"{name}.yaml"
            path.write_text(dump(_rx(*SCHEDULES[name][:2])), encoding="utf-8")
            cache[key] = api.generate(path, layout=layout, paper=paper).pdf
        return cache[key]

    return get


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_dose_date_is_printed_in_order(rendered, name, layout, paper):
    _, _, expected, next_on = SCHEDULES[name]
    text = pdf_text(rendered(name, layout, paper))
    assert _doses(text) == [shown(day) for day in expected]
    if next_on:
        assert f"next on {shown(next_on)}. Ask your doctor or nurse for a new calendar when this one ends." in text
    else:
        assert "next on" not in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_doses_that_do_not_fit_continue_on_a_dose_log(rendered, layout):
    reader = read_pdf(rendered("daily-6-weeks-over-29-feb", layout, "letter"))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    log = [i for i, page in enumerate(pages) if "Dose log for Maria López (continued)" in page]
    assert log, "no dose log page"
    assert "is on the dose log" in " ".join(pages) or "are on the dose log" in " ".join(pages)
    assert "42" in pages[-1] and shown(d("2028-04-01")) in pages[-1]


@pytest.mark.parametrize("paper", PAPERS)
def test_compact_fills_the_back_of_the_sheet_before_it_starts_a_dose_log(rendered, paper):
    """42 daily doses: the back of the sheet holds doses down to its foot, not a fixed few over blank paper."""
    reader = read_pdf(rendered("daily-6-weeks-over-29-feb", "compact", paper))
    assert "Dose log for Maria López (continued)" in (reader.pages[-1].extract_text() or "")
    heights = []

    def visit(words, cm, tm, font, size):
        if words.strip():
            heights.append(tm[5] * cm[3] + cm[5])

    back = reader.pages[1].extract_text(visitor_text=visit)
    footer = min(heights)
    lowest = min(y for y in heights if y > footer + 1)
    assert lowest - footer < 45, f"{lowest - footer:.0f} pt of the back left empty above the footer"
    assert len(_doses(back)) > 14, "the back holds no more doses than a fixed count did"


def test_compact_keeps_ten_clinic_and_home_doses_on_the_sheet():
    """The US hydroxocobalamin label (7 clinic doses, then monthly): all ten fit the back, no dose log page."""
    reader = read_pdf(api.generate(ROOT / "examples" / "hydroxocobalamin-us-label.yaml", layout="compact").pdf)
    back = " ".join((reader.pages[1].extract_text() or "").split())
    assert len(reader.pages) == 2 and "dose log" not in back.lower()
    assert "Mon 1 Mar 2027" in back and "Mon 7 Jun 2027" in back      # first and tenth dose


def test_each_finite_phase_prints_its_dose_count(rendered):
    text = pdf_text(rendered("every-other-day-3-weeks", "standard", "letter"))
    assert "Every other day for 3 weeks (11 doses)" in text
    text = pdf_text(rendered("three-times-a-week", "standard", "letter"))
    assert "Three times a week for 2 weeks (6 doses)" in text
    assert "Every day for 6 weeks (42 doses)" in pdf_text(rendered("daily-6-weeks-over-29-feb", "compact", "a4"))


def test_ranges_say_which_interval_the_dates_use(rendered):
    text = pdf_text(rendered("ranges", "standard", "letter"))
    assert "Once every 3 to 4 days for 2 weeks (5 doses)" in text
    assert "these dates use every 2 months, the shortest gap" in text
    assert "these dates use every 3 days, the shortest gap" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_per_phase_doses_on_each_row(rendered, layout):
    text = pdf_text(rendered("per-phase-doses", layout, "letter"))
    assert text.count("1 mL = 1,000 mcg") >= 7
    assert text.count("0.1 mL = 100 mcg") >= 3
    assert "Every day for 7 days (7 doses): 1 mL = 1,000 mcg" in text
    # a list item in the schedule, or a phase of the key points' "When" (large print)
    assert re.search(r"[Oo]nce a month from then on, until your doctor or nurse says to stop: 0\.1 mL = 100 mcg", text)
    assert "the dose shown on your calendar for that day" in text


def test_clinic_doses_are_marked(write_rx):
    rx = _rx("2027-01-04", [{"every": "1 day", "count": 3, "at": "clinic"}, {"every": "1 week", "count": 2}])
    text = pdf_text(api.generate(write_rx(rx)).pdf)
    assert text.count("At your clinic") == 3
    # home doses keep their own rotation, starting at site 1
    assert "Wed 13 Jan 2027 1 · left outer thigh" in text and "Wed 20 Jan 2027 2 · right outer thigh" in text


def test_open_phase_that_is_not_last(write_rx):
    rx = _rx("2027-01-04", [{"every": "2 days", "until": "your symptoms stop getting better"},
                            {"every": "2 months"}])
    text = pdf_text(api.generate(write_rx(rx)).pdf)
    assert _doses(text) == [shown(day) for day in days("2027-01-04", 7, 2)]
    assert ("Keep going every other day until your symptoms stop getting better. Your doctor or nurse will tell you "
            "when to change to once every 2 months.") in text


def test_first_days_only_with_a_loading_phase(write_rx):
    monthly = pdf_text(api.generate(write_rx(_rx("2027-01-04", [{"every": "1 month"}]))).pdf)
    loading = pdf_text(api.generate(write_rx(_rx("2027-01-04", [{"every": "1 day", "count": 7},
                                                                 {"every": "1 month"}]))).pdf)
    assert "in the first days" not in monthly
    assert "fast or uneven heartbeat." in monthly
    assert "in the first days" in loading
