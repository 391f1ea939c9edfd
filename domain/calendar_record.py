"""A year's work-day schedule as the ledger records it: who loaded which schedule, when.

The calendar itself is read from the schedule files (``application.calendar``); this
record makes loading one an act like every other — by a named operator, stamped and
hash-chained — so an auditor can see which schedule a deadline was counted on.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from domain.actors import CommandMeta
from domain.base import LedgerAggregate, deterministic_id
from domain.calendar import YearSchedule


def calendar_year_id(year: int) -> UUID:
    """The ledger id of one year's schedule record."""
    return deterministic_id("calendar-year", str(year))


def schedule_digest(schedule: YearSchedule) -> str:
    """SHA-256 of the schedule's canonical JSON: equal dates and source, equal digest."""
    body = json.dumps(schedule.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class CalendarYear(LedgerAggregate):
    """The schedules loaded for one year, the current one last."""

    KIND = "calendar_year"

    class Created(LedgerAggregate.Created):
        schedule: dict[str, Any]
        digest: str

        def apply(self, aggregate: CalendarYear) -> None:
            aggregate.schedule = YearSchedule.model_validate(self.schedule)
            aggregate.digest = self.digest

    class Reloaded(LedgerAggregate.Event):
        schedule: dict[str, Any]
        digest: str

        def apply(self, aggregate: CalendarYear) -> None:
            aggregate.schedule = YearSchedule.model_validate(self.schedule)
            aggregate.digest = self.digest

    def __init__(self, schedule: dict[str, Any], digest: str) -> None:
        super().__init__()
        self.schedule = YearSchedule.model_validate(schedule)
        self.digest = digest

    @classmethod
    def load(cls, schedule: YearSchedule, meta: CommandMeta) -> CalendarYear:
        """Record the first schedule loaded for its year."""
        return cls._new(
            calendar_year_id(schedule.year),
            meta,
            schedule=schedule.model_dump(mode="json"),
            digest=schedule_digest(schedule),
        )

    def reload(self, schedule: YearSchedule, meta: CommandMeta) -> None:
        """Record a corrected schedule for the same year; the same schedule again is no act."""
        digest = schedule_digest(schedule)
        if digest != self.digest:
            self._emit(
                self.Reloaded, meta, schedule=schedule.model_dump(mode="json"), digest=digest
            )
