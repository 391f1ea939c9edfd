"""Loading a year's schedule is an operator's act in the ledger (issue 8, point 2)."""

from __future__ import annotations

import datetime as dt

from application.calendar import record_schedule
from bootstrap import App
from domain.actors import Role
from domain.calendar import YearSchedule
from domain.calendar_record import CalendarYear, calendar_year_id


def _schedule(*holidays: str) -> YearSchedule:
    return YearSchedule(
        year=2031,
        holidays=[dt.date.fromisoformat(d) for d in holidays],
        workdays=[],
        source="国务院办公厅关于2031年部分节假日安排的通知",
    )


def test_a_loaded_schedule_is_recorded_once_with_its_operator_and_a_correction_as_a_reload(
    app: App,
):
    operator = app.directory.acting("ops.admin", Role.OPERATOR)
    assert record_schedule(app.ledger, _schedule("2031-01-01"), operator, "2031.yaml")
    assert not record_schedule(app.ledger, _schedule("2031-01-01"), operator, "2031.yaml")
    assert record_schedule(
        app.ledger, _schedule("2031-01-01", "2031-01-02"), operator, "2031-fixed.yaml"
    )
    events = app.ledger.stream(calendar_year_id(2031))
    assert [type(e) for e in events] == [CalendarYear.Created, CalendarYear.Reloaded]
    assert {e.actor["id"] for e in events} == {"ops.admin"}
    assert {e.actor["role"] for e in events} == {"operator"}
    record = app.ledger.get(calendar_year_id(2031))
    assert record.schedule.holidays == [dt.date(2031, 1, 1), dt.date(2031, 1, 2)]
