import datetime as dt

from handouts import schedule
from handouts.prescription import Phase
from handouts.units import Interval


def test_loading_then_weekly_then_monthly():
    phases = (Phase(Interval(1, "day"), count=7), Phase(Interval(1, "week"), count=4), Phase(Interval(1, "month")))
    days = schedule.first_doses(dt.date(2026, 12, 1), phases, 14)
    assert days[:7] == [dt.date(2026, 12, d) for d in range(1, 8)]
    # each phase starts one of its intervals after the last dose before it
    assert days[7:11] == [dt.date(2026, 12, 14), dt.date(2026, 12, 21), dt.date(2026, 12, 28), dt.date(2027, 1, 4)]
    assert days[11:] == [dt.date(2027, 2, 4), dt.date(2027, 3, 4), dt.date(2027, 4, 4)]


def test_three_times_a_week_for_two_weeks():
    phases = (Phase(Interval(1, "week"), times=3, duration=Interval(2, "week")), Phase(Interval(12, "week")))
    days = schedule.first_doses(dt.date(2026, 12, 7), phases, 8)  # a Monday
    assert [d.strftime("%a") for d in days[:6]] == ["Mon", "Wed", "Fri"] * 2
    assert days[6] == dt.date(2027, 3, 12)    # 12 weeks after the last loading dose, no extra dose
    assert days[7] == dt.date(2027, 6, 4)


def test_month_end_is_clamped():
    days = schedule.first_doses(dt.date(2027, 1, 31), (Phase(Interval(1, "month")),), 3)
    assert days == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31)]


def test_words():
    assert schedule.describe(Phase(Interval(1, "day"), count=7)) == "Every day for 7 days (7 doses)"
    assert schedule.describe(Phase(Interval(1, "week"), times=3, duration=Interval(2, "week"))) == \
        "Three times a week for 2 weeks"
    assert schedule.describe(Phase(Interval(12, "week"))).startswith("Once every 12 weeks")


def test_times_a_week_after_daily_keeps_its_spacing():
    phases = (Phase(Interval(1, "day"), count=2), Phase(Interval(1, "week"), times=3, count=3))
    days = schedule.first_doses(dt.date(2026, 12, 1), phases, 5)
    assert days == [dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 4), dt.date(2026, 12, 6),
                    dt.date(2026, 12, 8)]
