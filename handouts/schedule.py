"""Dose dates and schedule wording.

Patients follow dates, not rules: "every other day for 3 weeks" is turned into
the actual date of every dose, so the calendar can list each one and anyone can
count them. The rules, in one place:

- A phase's doses fall inside its own window: ``count`` doses, or every dose
  before the window's end (``for: 3 weeks`` from the first dose: days 0, 2, …,
  20 is 11 doses, never rounded down).
- A phase starts one of its own gaps after the last dose of the phase before
  ("weekly for 4 weeks, then monthly": the first monthly dose is a month after
  the last weekly one), so no dose is added at a phase change; chosen weekdays
  start on the first such weekday after it; a clinician's ``start`` date wins.
- A range ("every 2 to 3 months") is planned on its shorter gap, so no dose is
  late; the handout says so.
- An open phase (no count, no length) lists its next few doses; after it the
  calendar stops, because only the clinician knows when it ends.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .memo import Memo
from .prescription import Phase
from .units import Interval
from .wording import Wording

AHEAD = 3          # doses of an ongoing last phase listed before the line that says how it goes on
UNTIL_AHEAD = 7    # doses of an open phase that is not the last: the switch may be weeks away
MAX_DOSES = 400    # more dated doses than this is not one calendar: the safety check refuses it
_NOMINAL_DAYS = {"day": 1, "week": 7, "month": 30.44}


def add(start: dt.date, span: Interval, n: int = 1) -> dt.date:
    """``start`` plus ``n`` spans; months keep the day of the month where it exists."""
    if span.unit == "day":
        return start + dt.timedelta(days=span.count * n)
    if span.unit == "week":
        return start + dt.timedelta(weeks=span.count * n)
    months = start.month - 1 + span.count * n
    year, month = start.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Planned:
    """One dated dose and the phase (index) it belongs to."""

    date: dt.date
    phase: int


@dataclass(frozen=True)
class Plan:
    """Every dose of every finite phase, then the next few doses of an open one.

    ``open_phase`` is the phase still going on after the listed doses (None
    when the course ends); ``next_date`` is its next dose after them, or None
    when the following date is the clinician's call (an open phase that is not
    the last one). ``complete`` is False only when the schedule ran past
    MAX_DOSES or the calendar's last year, which the safety check refuses.
    """

    doses: tuple[Planned, ...]
    open_phase: int | None
    next_date: dt.date | None
    complete: bool = True


def plan(start: dt.date, phases: tuple[Phase, ...], ahead: int = AHEAD) -> Plan:
    """The dated doses a calendar must show (see the module rules)."""
    doses: list[Planned] = []
    last: dt.date | None = None
    try:
        for index, phase in enumerate(phases):
            begin = _begin(start, last, phase)
            dates = _phase_dates(phase, begin)
            if phase.ongoing:
                for _ in range(ahead if index == len(phases) - 1 else max(ahead, UNTIL_AHEAD)):
                    doses.append(Planned(next(dates), index))
                following = next(dates) if index == len(phases) - 1 else None
                return Plan(tuple(doses), index, following)
            for when in dates:
                doses.append(Planned(when, index))
                if len(doses) > MAX_DOSES:
                    return Plan(tuple(doses), None, None, complete=False)
                last = when
    except (OverflowError, ValueError):     # dates past the year 9999
        return Plan(tuple(doses), None, None, complete=False)
    return Plan(tuple(doses), None, None)


def _begin(start: dt.date, last: dt.date | None, phase: Phase) -> dt.date:
    """The first day of a phase's window (see the module rules)."""
    if phase.start is not None:
        return phase.start
    if last is None:
        return start
    if phase.weekdays:
        return last + dt.timedelta(days=1)
    return last + dt.timedelta(days=_gap_days(last, phase))


def _gap_days(day: dt.date, phase: Phase) -> int:
    """Days between doses from ``day``: one period, shared out when there are several doses a period."""
    return (add(day, phase.every) - day).days // phase.times


def _phase_dates(phase: Phase, begin: dt.date) -> Iterator[dt.date]:
    """The phase's dose dates from ``begin``, stopping at its count or the end of its window."""
    end = add(begin, phase.duration) if phase.duration is not None else None
    made = 0
    for when in _pattern(phase, begin):
        if (phase.count is not None and made >= phase.count) or (end is not None and when >= end):
            return
        yield when
        made += 1


def _pattern(phase: Phase, begin: dt.date) -> Iterator[dt.date]:
    """Endless dose dates of a phase's rhythm from ``begin``."""
    if phase.weekdays:
        week_start = begin - dt.timedelta(days=begin.weekday())
        day = begin
        while True:
            week = (day - week_start).days // 7
            if day.weekday() in phase.weekdays and week % phase.every.count == 0:
                yield day
            day += dt.timedelta(days=1)
    cycle = 0
    while True:
        period_start = add(begin, phase.every, cycle)
        period_days = (add(period_start, phase.every) - period_start).days
        for within in range(phase.times):
            yield period_start + dt.timedelta(days=within * period_days // phase.times)
        cycle += 1


def dates(start: dt.date, phases: tuple[Phase, ...]) -> Iterator[dt.date]:
    """Every dose date in order, the open phase's going on for ever (for rotation and checks)."""
    last = None
    for phase in phases:
        source = _phase_dates(phase, _begin(start, last, phase))
        for last in source:
            yield last
        if phase.ongoing:
            return


def first_doses(start: dt.date, phases: tuple[Phase, ...], limit: int) -> list[dt.date]:
    result = []
    for when in dates(start, phases):
        result.append(when)
        if len(result) >= limit:
            break
    return result


def has_loading(phases: tuple[Phase, ...]) -> bool:
    """True when the course starts with doses closer together than it goes on with (a loading phase)."""
    if len(phases) < 2:
        return False
    first, last = phases[0], phases[-1]
    return _per_day(first) > _per_day(last)


def _per_day(phase: Phase) -> float:
    return phase.times / (phase.every.count * _NOMINAL_DAYS[phase.every.unit])


# --- words ------------------------------------------------------------------
# The phrases are the language's (text file, ``schedule``); spans, weekday
# names and list joining are CLDR's (``wording``).

def rhythm(phase: Phase, w: Wording | None = None) -> str:
    """How often, in words: "every other day", "three times a week", "once every 2 to 3 months"."""
    w = w or _english()
    say = w.text["schedule"]
    every = phase.every
    span = w.span(every.count, every.unit)
    if phase.weekdays:
        days = w.join([w.weekday(d) for d in phase.weekdays])
        return say["on_days"].format(days=days) if every.count == 1 else \
            say["on_days_every"].format(days=days, span=span)
    if phase.every_max is not None:
        return say["range"].format(low=w.number(every.count), high=w.span(phase.every_max.count, every.unit))
    if phase.times > 1:
        times = say["times"].get(phase.times) or say["times_other"].format(n=w.number(phase.times))
        per = say["per"][every.unit] if every.count == 1 else say["per_span"].format(span=span)
        return say["times_per"].format(times=times, per=per)
    if every.count == 1:
        return say["every_day"] if every.unit == "day" else say["once_per"].format(per=say["per"][every.unit])
    if every.unit == "day" and every.count == 2:
        return say["every_other_day"]
    return say["once_every"].format(span=span)


def describe(phase: Phase, doses: int | None = None, w: Wording | None = None, only: bool = False,
             amount: str = "") -> str:
    """A phase in words, with its dose count when it ends: "Every other day for 3 weeks (11 doses)".

    An open phase that is the whole course reads "Once a month, until ...": "from then on"
    would point back to a phase that is not there. An ``until`` phase takes its own dose
    (``amount``) before "Your doctor or nurse will tell you when to change": after it, the
    dose would read as the one to change to.
    """
    w = w or _english()
    say = w.text["schedule"]
    how = rhythm(phase, w)
    how = how[0].upper() + how[1:]
    doses = phase.count if doses is None else doses

    def counted(line: str) -> str:
        return say["counted"].format(line=line, doses=dose_count(doses, w)) if doses is not None else line

    if phase.count is not None and phase.times == 1 and not phase.weekdays and phase.every_max is None:
        return counted(say["for"].format(how=how, span=w.span(phase.every.count * phase.count, phase.every.unit)))
    if phase.count is not None:
        return say["with_count"].format(how=how, doses=dose_count(phase.count, w))
    if phase.duration is not None:
        return counted(say["for"].format(how=how, span=w.span(phase.duration.count, phase.duration.unit)))
    if phase.until:
        until = say["with_dose"].format(line=phase.until, amount=amount) if amount else phase.until
        return say["until"].format(how=how, until=until)
    return say["ongoing_only" if only else "ongoing"].format(how=how)


def dose_count(count: int, w: Wording) -> str:
    forms = w.text["schedule"]["doses"]
    return (forms["one"] if count == 1 else forms["other"]).format(n=w.number(count))


def _english() -> Wording:
    """The library's US English, for callers that word a schedule outside any handout (tests, messages)."""
    from . import content

    return _ENGLISH.get_or_make("en", lambda: content.load().wording(None))


_ENGLISH = Memo(1)
