"""Tests for the statutory work-day calendar against the real 2025–2026 schedules."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from application.calendar import CALENDAR_DATA_DIR, load_schedule_file, work_calendar
from domain.calendar import (
    CalendarDataError,
    Deadline,
    WorkCalendar,
    YearSchedule,
)

D = dt.date


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def schedule_2027(**changes: object) -> YearSchedule:
    fields: dict[str, object] = {
        "year": 2027,
        "holidays": [D(2027, 1, 1)],
        # 2027-01-02 is a Saturday, made a working day by this test-made schedule.
        "workdays": [D(2027, 1, 2)],
        "source": "test-made schedule",
    }
    fields.update(changes)
    return YearSchedule.model_validate(fields)


def test_national_day_2025_is_eight_rest_days(calendar: WorkCalendar) -> None:
    for day in range(1, 9):
        assert not calendar.is_working_day(D(2025, 10, day))
    assert calendar.is_working_day(D(2025, 10, 9))


def test_adjusted_weekend_days_of_2025_are_working_days(calendar: WorkCalendar) -> None:
    assert D(2025, 9, 28).weekday() == 6 and D(2025, 10, 11).weekday() == 5
    assert calendar.is_working_day(D(2025, 9, 28))
    assert calendar.is_working_day(D(2025, 10, 11))
    assert not calendar.is_working_day(D(2025, 10, 12))


def test_ten_working_days_after_2025_09_26_is_october_16(calendar: WorkCalendar) -> None:
    # By hand: 9-28 (Sun, adjusted) 1, 9-29 2, 9-30 3, 10-01..08 holiday, 10-09 4,
    # 10-10 5, 10-11 (Sat, adjusted) 6, 10-13 7, 10-14 8, 10-15 9, 10-16 10.
    deadline = calendar.add_working_days(D(2025, 9, 26), 10)
    assert deadline == Deadline(date=D(2025, 10, 16), provisional=False, provisional_years=[])


def test_zero_working_days_returns_start(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(D(2025, 10, 1), 0).date == D(2025, 10, 1)


def test_negative_count_is_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        calendar.add_working_days(D(2025, 10, 1), -1)


def test_datetime_is_refused_rather_than_misread(calendar: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        calendar.is_working_day(dt.datetime(2025, 10, 1, 9, 0))


def test_calendar_days_are_plain_and_never_provisional(calendar: WorkCalendar) -> None:
    deadline = calendar.add_calendar_days(D(2026, 12, 20), 20)
    assert deadline == Deadline(date=D(2027, 1, 9), provisional=False)


def test_2027_deadline_is_provisional_and_skips_new_year(calendar: WorkCalendar) -> None:
    # 2027-01-01 is a Friday (New Year, from holidays.China); 2–3 Jan is a weekend.
    deadline = calendar.add_working_days(D(2026, 12, 31), 1)
    assert deadline.date == D(2027, 1, 4)
    assert deadline.provisional
    assert deadline.provisional_years == [2027]
    assert not calendar.is_published(2027)


def test_deadline_from_december_2026_into_2027_is_provisional(calendar: WorkCalendar) -> None:
    deadline = calendar.add_working_days(D(2026, 12, 24), 10)
    assert deadline.date == D(2027, 1, 8)
    assert deadline.provisional_years == [2027]


def test_deadline_inside_2026_is_final(calendar: WorkCalendar) -> None:
    assert not calendar.add_working_days(D(2026, 12, 1), 10).provisional


def test_loaded_2027_schedule_makes_deadline_final_and_honours_workday() -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(D(2026, 12, 31), 1).provisional
    calendar.load_schedule(schedule_2027())
    deadline = calendar.add_working_days(D(2026, 12, 31), 1)
    assert deadline == Deadline(date=D(2027, 1, 2), provisional=False, provisional_years=[])
    assert calendar.is_published(2027)
    assert 2027 in calendar.published_years()


def test_loaded_schedule_overrides_the_package_year() -> None:
    calendar = WorkCalendar()
    assert not calendar.is_working_day(D(2025, 10, 8))
    calendar.load_schedule(
        YearSchedule(year=2025, holidays=[D(2025, 10, 1)], workdays=[], source="test-made")
    )
    assert calendar.is_working_day(D(2025, 10, 8))
    assert not calendar.is_working_day(D(2025, 9, 28))


def test_published_years_cover_the_package_range(calendar: WorkCalendar) -> None:
    years = calendar.published_years()
    assert years[0] == 2004 and years[-1] == 2026
    assert calendar.is_published(2025) and not calendar.is_published(2003)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"holidays": [D(2026, 12, 31)]}, "outside 2027"),
        ({"workdays": [D(2027, 1, 1)]}, "both holiday and workday"),
        ({"workdays": [D(2027, 1, 4)]}, "Saturdays or Sundays"),
        ({"source": ""}, "source"),
        ({"notes": "x"}, "notes"),
    ],
)
def test_bad_year_schedule_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        schedule_2027(**changes)


def test_schedule_file_round_trip_and_data_dir(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nsource: test-made\nholidays:\n  - 2027-01-01\nworkdays:\n  - 2027-01-02\n",
        encoding="utf-8",
    )
    assert load_schedule_file(tmp_path / "2027.yaml") == schedule_2027(source="test-made")
    calendar = work_calendar(tmp_path)
    assert calendar.is_published(2027)
    assert calendar.is_working_day(D(2027, 1, 2))


def test_bad_schedule_file_error_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "2027.yaml"
    path.write_text("year: 2027\nsource: x\nholidays: [not-a-date]\nworkdays: []\n")
    with pytest.raises(CalendarDataError, match=r"2027\.yaml.*holidays\.0"):
        load_schedule_file(path)


def test_shipped_data_has_no_2027_schedule() -> None:
    assert (CALENDAR_DATA_DIR / "README.txt").is_file()
    assert not work_calendar().is_published(2027)


def test_missing_extra_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="not found"):
        work_calendar(tmp_path / "absent")


def test_250_working_days_take_well_under_10_ms(calendar: WorkCalendar) -> None:
    calendar.add_working_days(D(2026, 1, 1), 250)  # warm the per-year cache
    best = min(_timed(calendar, D(2026, 1, 1), 250) for _ in range(3))
    assert best < 0.010


def _timed(calendar: WorkCalendar, start: dt.date, n: int) -> float:
    began = time.perf_counter()
    calendar.add_working_days(start, n)
    return time.perf_counter() - began


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=300),
)
def test_result_is_the_nth_working_day_after_start(start: dt.date, n: int) -> None:
    calendar = WorkCalendar()
    result = calendar.add_working_days(start, n).date
    assert result > start
    assert calendar.is_working_day(result)
    walked = [start + dt.timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(calendar.is_working_day(day) for day in walked) == n
    assert calendar.count_working_days(start, result) == n
