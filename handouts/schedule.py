"""Dose dates and schedule wording.

Patients follow dates, not rules: "every 3 days for 2 weeks" is turned into the
actual calendar of the first doses, with the site for each dose in the
prescribed rotation order.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from .prescription import Phase
from .units import Interval

NUMBER_WORDS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times"}


def add(start: dt.date, span: Interval, n: int = 1) -> dt.date:
    """``start`` plus ``n`` spans; months keep the day of the month where it exists."""
    if span.unit == "day":
        return start + dt.timedelta(days=span.count * n)
    if span.unit == "week":
        return start + dt.timedelta(weeks=span.count * n)
    months = start.month - 1 + span.count * n
    year, month = start.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _doses_in(phase: Phase) -> int | None:
    if phase.count is not None:
        return phase.count
    if phase.duration is None:
        return None
    days = (add(dt.date(2000, 1, 1), phase.duration) - dt.date(2000, 1, 1)).days
    per = (add(dt.date(2000, 1, 1), phase.every) - dt.date(2000, 1, 1)).days
    return max(1, days * phase.times // per)


def dates(start: dt.date, phases: tuple[Phase, ...]) -> Iterator[dt.date]:
    """Every dose date, in order; endless when the last phase is ongoing.

    A phase starts one of its own intervals after the last dose of the phase
    before ("weekly for 4 weeks, then monthly": the first monthly dose is a
    month after the last weekly one), so no dose is added at a phase change.
    """
    last = None
    for phase in phases:
        day = start if last is None else _next(last, phase)
        total = _doses_in(phase)
        index = 0
        while total is None or index < total:
            cycle, within = divmod(index, phase.times)
            period_start = add(day, phase.every, cycle)
            period_days = (add(period_start, phase.every) - period_start).days
            last = period_start + dt.timedelta(days=within * period_days // phase.times)
            yield last
            index += 1


def _next(last: dt.date, phase: Phase) -> dt.date:
    if phase.times == 1:
        return add(last, phase.every)
    return last + dt.timedelta(days=(add(last, phase.every) - last).days // phase.times)


def first_doses(start: dt.date, phases: tuple[Phase, ...], limit: int) -> list[dt.date]:
    result = []
    for when in dates(start, phases):
        result.append(when)
        if len(result) >= limit:
            break
    return result


def describe(phase: Phase) -> str:
    """A phase in words: "Every day for 7 days", "Three times a week for 2 weeks", "Once a month after that"."""
    every = phase.every
    if phase.times > 1:
        unit = every.unit if every.count == 1 else every.words()
        how = f"{NUMBER_WORDS.get(phase.times, f'{phase.times} times')} a {unit}".capitalize()
    elif every.count == 1:
        how = f"once a {every.unit}" if every.unit != "day" else "every day"
    elif every.unit == "day" and every.count == 2:
        how = "every other day"
    else:
        how = f"once every {every.words()}"
    how = how[0].upper() + how[1:]
    if phase.count is not None and phase.times == 1:
        return f"{how} for {Interval(every.count * phase.count, every.unit).words()} ({_doses(phase.count)})"
    if phase.count is not None:
        return f"{how}, {_doses(phase.count)}"
    if phase.duration is not None:
        return f"{how} for {phase.duration.words()}"
    return f"{how} from then on, until your clinician says to stop"


def _doses(count: int) -> str:
    return f"{count} dose{'s' if count != 1 else ''}"
