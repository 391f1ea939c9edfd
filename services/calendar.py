"""The work-day calendar as workers see it: the package's years plus schedules loaded as data.

A year's schedule (节假日安排) is published by the State Council a year at a time, after
the packages lag behind. ``unionflow calendar load`` drops the year's YAML into the
calendar directory; every worker notices the change on its next deadline computation.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from domain.calendar import WorkCalendar, YearSchedule, load_schedule_file


class CalendarSource:
    """A WorkCalendar rebuilt whenever the calendar directory changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float], ...] | None = None
        self._calendar = WorkCalendar.from_data_dir()

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
                self._calendar = WorkCalendar.from_data_dir(extra)
                self._stamp = stamp
            return self._calendar

    def install(self, path: Path) -> YearSchedule:
        """Validate a year's schedule and install it as ``<year>.yaml``."""
        schedule = load_schedule_file(path)
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{schedule.year}.yaml"
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        return schedule
