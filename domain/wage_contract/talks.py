"""Handlers of the talks' own deadlines and data: talks start within the profile's
working days of the reply, and data a side asks for comes ``data_before_talks_days``
before the talks that need it (WCN §18).

Each checks and computes, then emits events on the aggregate; events only assign.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.actors import CommandMeta
from domain.calendar import Calendar
from domain.errors import InvalidInput, InvalidState
from domain.wage_contract.commands import (
    FlagTalksStartOverdue,
    RecordTalksDataProvided,
    RemindTalksStart,
    RequestTalksData,
)

if TYPE_CHECKING:
    from domain.wage_contract.aggregate import WageContract


def _check_talks_not_started(case: WageContract) -> date:
    if not case.s.talks_not_started or case.s.talks_start_due is None:
        raise InvalidState("协商已开始", "talks have started")
    return case.s.talks_start_due


def remind_talks_start(
    case: WageContract, c: RemindTalksStart, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    due = _check_talks_not_started(case)
    if not case.s.talks_start_reminded:
        case._emit(case.TalksStartReminded, meta, due=due)


def flag_talks_start_overdue(
    case: WageContract, c: FlagTalksStartOverdue, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    due = _check_talks_not_started(case)
    if today <= due:
        raise InvalidState("协商开始期限未到", "the period to start talks has not ended")
    if not case.s.talks_start_overdue:
        case._emit(case.TalksStartOverdue, meta, due=due)


def check_data_provided_in_time(case: WageContract, today: date) -> None:
    """Data a side asked for is provided at least ``data_before_talks_days`` before the
    talks round that needs it (WCN §18)."""
    days = case.rule_profile.wage_contract.data_before_talks_days
    for request in case.s.data_requests:
        items = "、".join(request.items)
        if request.provided_on is None:
            raise InvalidState(
                f"第{request.no}项资料请求（{items}）尚未提供；资料须在协商前{days}日提供，"
                "提供后请登记：unionflow wage data-provided",
                f"data request {request.no} ({items}) is not provided yet; data is due "
                f"{days} days before talks; record it: unionflow wage data-provided",
            )
        earliest = request.provided_on + timedelta(days=days)
        if today < earliest:
            raise InvalidState(
                f"第{request.no}项资料于{request.provided_on}提供，须在协商前{days}日提供，"
                f"最早可于{earliest}协商",
                f"data request {request.no} was provided on {request.provided_on}; talks "
                f"need it {days} days before, so on {earliest} at the earliest",
            )


def request_talks_data(
    case: WageContract, c: RequestTalksData, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    case._emit(
        case.TalksDataRequested,
        meta,
        no=len(case.s.data_requests) + 1,
        requested_from=c.requested_from.value,
        items=[item.strip() for item in c.items],
        requested_on=today,
    )


def record_talks_data_provided(
    case: WageContract,
    c: RecordTalksDataProvided,
    meta: CommandMeta,
    today: date,
    cal: Calendar,
) -> None:
    if not 1 <= c.no <= len(case.s.data_requests):
        raise InvalidInput(f"没有第{c.no}项资料请求", f"there is no data request {c.no}")
    if case.s.data_requests[c.no - 1].provided_on is not None:
        raise InvalidState(f"第{c.no}项资料已登记提供", f"data request {c.no} is provided")
    case._emit(case.TalksDataProvided, meta, no=c.no, provided_on=today)
