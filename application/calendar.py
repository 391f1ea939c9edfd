"""The work-day calendar as workers see it: the package's years plus schedules loaded as data.

A year's schedule (节假日安排) is published by the State Council a year at a time, after
the packages lag behind. ``unionflow calendar load`` drops the year's YAML into the
calendar directory; every worker notices the change on its next deadline computation.
"""

from __future__ import annotations

import functools
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

import domain
from application.input_files import read_yaml
from domain.actors import Acting, CommandMeta
from domain.calendar import CalendarDataError, WorkCalendar, YearSchedule
from domain.calendar_record import CalendarYear, calendar_year_id, schedule_digest
from domain.errors import InvalidInput
from ledger.app import Ledger
from projections.index import CreatedIndex
from settings import ImportLimits

CALENDAR_DATA_DIR = Path(domain.__file__).with_name("calendar_data")


def work_calendar(extra_dir: Path | None = None) -> WorkCalendar:
    """A calendar with the shipped ``calendar_data/*.yaml`` and, if given, ``extra_dir``.

    A year in ``extra_dir`` replaces the shipped one, so a deployment can install a
    newly published schedule before the package ships it.
    """
    calendar = WorkCalendar()
    for directory in (CALENDAR_DATA_DIR, extra_dir):
        if directory is None:
            continue
        if not directory.is_dir():
            raise CalendarDataError(f"calendar data directory not found: {directory}")
        seen: dict[int, Path] = {}
        for path in sorted(directory.glob("*.yaml")):
            schedule = load_schedule_file(path)
            if schedule.year in seen:
                raise CalendarDataError(
                    f"year {schedule.year} defined twice: {seen[schedule.year]} and {path}"
                )
            seen[schedule.year] = path
            calendar.load_schedule(schedule)
    return calendar


def load_schedule_file(path: Path) -> YearSchedule:
    """Read and validate one year schedule from a YAML file."""
    try:
        raw = read_yaml(path, ImportLimits(), "节假日安排")
    except InvalidInput as exc:
        raise CalendarDataError(f"{path}: cannot read schedule: {exc.message_en}") from exc
    return _schedule(path, raw)


def _schedule(path: Path, raw: object) -> YearSchedule:
    try:
        return YearSchedule.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CalendarDataError(f"{path}: invalid schedule: {problems}") from None


class CalendarSource:
    """A WorkCalendar rebuilt whenever the calendar directory changes."""

    def __init__(self, directory: Path, limits: ImportLimits | None = None) -> None:
        self.directory = directory
        self.limits = limits or ImportLimits()
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float], ...] | None = None
        self._calendar = work_calendar()

    def _listing(self) -> tuple[tuple[str, float], ...]:
        if not self.directory.is_dir():
            return ()
        return tuple((p.name, p.stat().st_mtime) for p in sorted(self.directory.glob("*.yaml")))

    def current(self) -> WorkCalendar:
        """The calendar with every schedule loaded so far."""
        with self._lock:
            stamp = self._listing()
            if stamp != self._stamp:
                extra = self.directory if stamp else None
                self._calendar = work_calendar(extra)
                self._stamp = stamp
            return self._calendar

    def install(self, path: Path) -> YearSchedule:
        """Validate a year's schedule (read within the import limits) and install it as
        ``<year>.yaml``."""
        schedule = _schedule(path, read_yaml(path, self.limits, "节假日安排"))
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{schedule.year}.yaml"
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        return schedule


@dataclass(frozen=True)
class YearStatus:
    """Where one year's working days come from, as the operator's calendar page lists it."""

    year: int
    kind: str  # loaded (a schedule loaded as data) | package (chinese-calendar) | provisional
    source: str  # the notice a loaded schedule names
    holidays: int
    workdays: int  # adjusted working days (调休)
    loaded_by: dict[str, str] | None = None  # the actor stamp of the ledger's last record
    loaded_at: datetime | None = None
    recorded: bool = False  # the ledger records a load of this year


def calendar_years(ledger: Ledger, calendar: WorkCalendar, until: int) -> list[YearStatus]:
    """Every year with a schedule, and the unpublished ones up to ``until``, newest first;
    a loaded year names the operator and time of its last record in the ledger."""
    records: dict[int, CalendarYear] = {}
    for aggregate_id in CreatedIndex(ledger, CalendarYear.Created).ids():
        loaded_record: CalendarYear = ledger.get(aggregate_id)
        records[loaded_record.schedule.year] = loaded_record
    loaded = set(calendar.loaded_years())
    package = calendar.package_years()
    years = set(package) | loaded | set(records) | set(range(package.stop, until + 1))
    rows = []
    for year in sorted(years, reverse=True):
        holidays, workdays = calendar.days_of(year)
        kind = "loaded" if year in loaded else "package" if year in package else "provisional"
        record = records.get(year)
        last = ledger.stream(record.id)[-1] if record is not None else None
        rows.append(
            YearStatus(
                year=year,
                kind=kind,
                source=record.schedule.source if record is not None else "",
                holidays=len(holidays),
                workdays=len(workdays),
                loaded_by=last.actor if last is not None else None,
                loaded_at=last.timestamp if last is not None else None,
                recorded=record is not None,
            )
        )
    return rows


def record_schedule(ledger: Ledger, schedule: YearSchedule, acting: Acting, source: str) -> bool:
    """Record in the ledger that ``acting`` loaded ``schedule`` (from the file ``source``).

    The same schedule loaded again is one act, not two; a corrected one is recorded as a
    reload. Returns whether anything was written.
    """
    meta = CommandMeta(
        command_id=f"calendar:{schedule.year}:{schedule_digest(schedule)[:16]}",
        acting=acting,
        occurred_at=datetime.now(UTC),
        comment=f"{schedule.source}（{source}）",
    )
    return ledger.execute(
        calendar_year_id(schedule.year),
        meta,
        functools.partial(CalendarYear.reload, schedule=schedule, meta=meta),
        create=functools.partial(CalendarYear.load, schedule, meta),
    ).applied
