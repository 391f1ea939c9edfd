"""Chinese statutory work-day calendar (法定工作日历): deadlines counted in working days.

Official schedules come from ``chinese_calendar`` or from YAML data; unpublished years fall
back to Mon–Fri minus ``holidays.China`` and mark the resulting deadline provisional.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import chinese_calendar
from holidays.countries.china import China as ChinaHolidays
from pydantic import BaseModel, ConfigDict, Field, model_validator

# chinese_calendar raises NotImplementedError outside the years it ships; read its own
# range once from its public tables instead of hard-coding 2004–2026.
_PACKAGE_FIRST_YEAR = min(d.year for d in chinese_calendar.holidays)
_PACKAGE_LAST_YEAR = max(d.year for d in chinese_calendar.holidays)

_ONE_DAY = dt.timedelta(days=1)


class CalendarDataError(ValueError):
    """A year schedule file is missing, unreadable or invalid."""


class YearSchedule(BaseModel):
    """A year's official holiday schedule (放假安排): rest days and adjusted working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=1949, le=2200, description="The calendar year the schedule covers.")
    holidays: list[dt.date] = Field(
        description="Every statutory rest day of the year, weekend days inside a break included."
    )
    workdays: list[dt.date] = Field(
        description="Weekend days made working days (调休, adjusted working days)."
    )
    source: str = Field(min_length=1, description="The notice the dates come from.")

    @model_validator(mode="after")
    def _check_dates(self) -> YearSchedule:
        outside = sorted(d for d in (*self.holidays, *self.workdays) if d.year != self.year)
        if outside:
            raise ValueError(f"dates outside {self.year}: {_dates(outside)}")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"dates both holiday and workday: {_dates(both)}")
        # A weekday in `workdays` would be a no-op and usually means a typo in the date.
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(f"workdays must be Saturdays or Sundays: {_dates(weekdays)}")
        return self


class Deadline(BaseModel):
    """A computed due date; ``provisional`` when it crossed a year with no published schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    provisional: bool
    provisional_years: list[int] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _YearDays:
    """The rest days and adjusted working days of one year, cached as sets."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    published: bool

    def is_working(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


class WorkCalendar:
    """Working days by the State Council schedule; loaded schedules override the package."""

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        self._schedules: dict[int, YearSchedule] = {}
        self._years: dict[int, _YearDays] = {}
        for schedule in schedules:
            self.load_schedule(schedule)

    def load_schedule(self, schedule: YearSchedule) -> None:
        """Use ``schedule`` for its year, replacing the package data or the fallback."""
        self._schedules[schedule.year] = schedule
        self._years.pop(schedule.year, None)

    def published_years(self) -> list[int]:
        """Years with an official schedule (package or loaded), ascending."""
        package = range(_PACKAGE_FIRST_YEAR, _PACKAGE_LAST_YEAR + 1)
        return sorted(set(package) | set(self._schedules))

    def loaded_years(self) -> list[int]:
        """Years whose schedule was loaded as data (not the package's), ascending."""
        return sorted(self._schedules)

    def package_years(self) -> range:
        """The years the ``chinese_calendar`` package ships."""
        return range(_PACKAGE_FIRST_YEAR, _PACKAGE_LAST_YEAR + 1)

    def days_of(self, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        """The rest days and the adjusted working days (调休) of ``year`` (the fallback's
        festivals, and none adjusted, in a year not yet published)."""
        days = self._year(year)
        return days.holidays, days.workdays

    def is_published(self, year: int) -> bool:
        """Whether ``year`` has an official schedule, so its deadlines are final."""
        return year in self._schedules or _PACKAGE_FIRST_YEAR <= year <= _PACKAGE_LAST_YEAR

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (a provisional answer in unpublished years)."""
        _require_date(day)
        return self._year(day.year).is_working(day)

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
        _require_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day, remaining = start, n
        provisional_years: set[int] = set()
        while remaining:
            day += _ONE_DAY
            year = self._year(day.year)
            if not year.published:
                provisional_years.add(day.year)
            if year.is_working(day):
                remaining -= 1
        return Deadline(
            date=day,
            provisional=bool(provisional_years),
            provisional_years=sorted(provisional_years),
        )

    def add_calendar_days(self, start: dt.date, n: int) -> Deadline:
        """The date ``n`` calendar days after ``start``; never provisional."""
        _require_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return Deadline(date=start + dt.timedelta(days=n), provisional=False)

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        """The number of working days in ``(start, end]``; 0 when ``end <= start``."""
        _require_date(start)
        _require_date(end)
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            count += self._year(day.year).is_working(day)
        return count

    def _year(self, year: int) -> _YearDays:
        cached = self._years.get(year)
        if cached is None:
            cached = self._years[year] = self._build_year(year)
        return cached

    def _build_year(self, year: int) -> _YearDays:
        schedule = self._schedules.get(year)
        if schedule is not None:
            return _YearDays(frozenset(schedule.holidays), frozenset(schedule.workdays), True)
        if _PACKAGE_FIRST_YEAR <= year <= _PACKAGE_LAST_YEAR:
            return _YearDays(
                frozenset(d for d in chinese_calendar.holidays if d.year == year),
                frozenset(d for d in chinese_calendar.workdays if d.year == year),
                True,
            )
        # holidays' China knows the festivals of future years but not the adjusted
        # working days, which the State Council only announces each November.
        return _YearDays(frozenset(ChinaHolidays(years=year)), frozenset(), False)


def _require_date(day: dt.date) -> None:
    # A datetime is a date subclass but never equals a date, so set lookups would
    # silently treat every holiday as a working day.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected datetime.date, got {type(day).__name__}")


def _dates(days: Iterable[dt.date]) -> str:
    return ", ".join(d.isoformat() for d in days)


# -- deadline helpers shared by every process ---------------------------------------------


class DeadlineLike(Protocol):
    date: date
    provisional: bool


class Calendar(Protocol):
    """What the aggregate needs of the work-day calendar."""

    def add_working_days(self, start: date, n: int) -> Deadline: ...

    def is_working_day(self, day: date) -> bool: ...


def add_months(d: date, months: int) -> date:
    """Calendar months, clamped to the month's last day."""
    month = d.month - 1 + months
    year = d.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def working_days_before(calendar: Calendar, due: date, n: int, not_before: date) -> date | None:
    """The day ``n`` working days before ``due`` (None when that is already past)."""
    if n <= 0:
        return None
    # Walk back day by day: the calendar only counts forwards.
    day = due
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day if day > not_before else None
