"""One function per motion command, mapped by command type in ``HANDLERS``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.calendar import add_months
from domain.errors import InvalidInput, InvalidState, NotAuthorised

if TYPE_CHECKING:
    from domain.motion.aggregate import Motion
from domain.motion.commands import (
    AnswerMotion,
    AssignMotion,
    CloseSeconding,
    DecideMotion,
    ExtendAnswer,
    FlagAnswerOverdue,
    RateAnswer,
    RemindAnswer,
    SecondMotion,
    _HumanCommands,
    _SystemCommands,
)
from domain.motion.permissions import MotionFacts, answer_dates, reminder_before
from domain.motion.values import Decision, Rating


def second(motion: Motion, c: SecondMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    if not f.delegate:
        raise NotAuthorised(
            f"{meta.acting.actor_id} 不是本届职代会（{motion.s.congress_key}）的在任代表",
            f"{meta.acting.actor_id} is not a delegate in office of {motion.s.congress_key}",
        )
    motion._emit(motion.Seconded, meta, seconder=meta.acting.actor_id)


def close_seconding(
    motion: Motion, c: CloseSeconding, meta: CommandMeta, today: date, f: MotionFacts
) -> None:
    if today < motion.s.closes_on:
        raise InvalidState("提案征集期未满", "the call for motions has not closed yet")
    count, needed = len(motion.s.seconders), motion.s.rules.seconders_min
    if count < needed:
        motion._emit(motion.Lapsed, meta, seconders=count, required=needed)
    else:
        motion._emit(motion.SecondingClosed, meta, seconders=count)


def decide(motion: Motion, c: DecideMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    event = motion.Registered if c.decision is Decision.FILE else motion.Rejected
    motion._emit(event, meta, reasons=c.reasons.strip(), decided_on=today)


def assign(motion: Motion, c: AssignMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    for code in [c.lead, *c.supporting]:
        if f.departments.get(code) != motion.s.unit_org:
            raise InvalidInput(
                f"{code} 不是本单位（{motion.s.unit_org}）的承办部门",
                f"{code} is not a department of {motion.s.unit_org}",
            )
    due, reminder = answer_dates(today, motion.s.rules.answer_months, motion.s.rules)
    motion._emit(
        motion.Assigned,
        meta,
        lead=c.lead,
        supporting=list(c.supporting),
        assigned_on=today,
        due=due,
        reminder_on=reminder,
    )


def remind_answer(
    motion: Motion, c: RemindAnswer, meta: CommandMeta, today: date, f: MotionFacts
) -> None:
    assert motion.s.due is not None  # IN_HANDLING implies a due date
    if not motion.s.reminded:
        motion._emit(motion.AnswerReminded, meta, due=motion.s.due)


def flag_answer_overdue(
    motion: Motion, c: FlagAnswerOverdue, meta: CommandMeta, today: date, f: MotionFacts
) -> None:
    assert motion.s.due is not None
    if motion.s.overdue:
        return
    if today <= motion.s.due:
        raise InvalidState("答复期限未到", "the answer is not yet due")
    motion._emit(motion.AnswerOverdue, meta, due=motion.s.due, escalated_to=motion.s.chair)


def extend(motion: Motion, c: ExtendAnswer, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    assert motion.s.due is not None
    due = add_months(motion.s.due, motion.s.rules.extension_months)
    motion._emit(
        motion.AnswerExtended,
        meta,
        reason=c.reason.strip(),
        due=due,
        reminder_on=reminder_before(due, motion.s.rules, today),
    )


def answer(motion: Motion, c: AnswerMotion, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    late = motion.s.due is not None and today > motion.s.due
    motion._emit(motion.Answered, meta, text=c.text.strip(), answered_on=today, late=late)


def rate(motion: Motion, c: RateAnswer, meta: CommandMeta, today: date, f: MotionFacts) -> None:
    motion._emit(
        motion.AnswerRated, meta, rating=c.rating.value, opinion=c.opinion.strip(), rated_on=today
    )
    if c.rating is Rating.DISSATISFIED:
        due, reminder = answer_dates(today, motion.s.rules.answer_months, motion.s.rules)
        motion._emit(
            motion.HandlingReopened,
            meta,
            round=motion.s.handling_round + 1,
            due=due,
            reminder_on=reminder,
        )


Handler = Callable[["Motion", Any, CommandMeta, date, MotionFacts], None]

# Commands map to their handler by type (a command without one fails at import).
HANDLERS: dict[type[BaseModel], Handler] = {
    SecondMotion: second,
    CloseSeconding: close_seconding,
    DecideMotion: decide,
    AssignMotion: assign,
    RemindAnswer: remind_answer,
    FlagAnswerOverdue: flag_answer_overdue,
    ExtendAnswer: extend,
    AnswerMotion: answer,
    RateAnswer: rate,
}

_unhandled = (set(get_args(_HumanCommands)) | set(get_args(_SystemCommands))) - HANDLERS.keys()
if _unhandled:
    raise RuntimeError(f"motion commands without a handler: {sorted(map(str, _unhandled))}")
