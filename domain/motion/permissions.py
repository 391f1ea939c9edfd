"""Who may issue each motion command and when, the facts it needs, and the input guards.

``precheck`` and ``check_command`` are shared by the aggregate and by the workflow's
update validators, so a refused command never reaches history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from domain.actors import Acting, Role
from domain.calendar import add_months
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.motion.commands import FileMotion, MotionCommand
from domain.motion.values import (
    MOTION_ID_PATTERN,
    STAGE_LABELS,
    TITLE_MAX,
    Decision,
    MotionCallView,
    MotionRules,
    MotionView,
    Stage,
)
from domain.policies import check_engine, check_unit_cadre

_DELEGATE = "delegate"
_COMMITTEE = "committee"
_LEAD = "lead_department"
_PROPOSER = "proposer"
_SYSTEM = "system"

# Who may issue each command, and at which stages.
RULES: dict[str, tuple[str, frozenset[Stage]]] = {
    "second": (_DELEGATE, frozenset({Stage.SECONDING})),
    "decide": (_COMMITTEE, frozenset({Stage.AWAITING_DECISION})),
    "assign": (_COMMITTEE, frozenset({Stage.REGISTERED})),
    "answer": (_LEAD, frozenset({Stage.IN_HANDLING})),
    "extend": (_LEAD, frozenset({Stage.IN_HANDLING})),
    "rate": (_PROPOSER, frozenset({Stage.ANSWERED})),
    "close_seconding": (_SYSTEM, frozenset({Stage.SECONDING})),
    "remind_answer": (_SYSTEM, frozenset({Stage.IN_HANDLING})),
    "flag_answer_overdue": (_SYSTEM, frozenset({Stage.IN_HANDLING})),
}

ROLE_FOR: dict[str, Role] = {
    _DELEGATE: Role.DELEGATE,
    _COMMITTEE: Role.CADRE,
    _LEAD: Role.DEPARTMENT,
    _PROPOSER: Role.DELEGATE,
}

COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "file": ("提出提案", "file a motion"),
    "second": ("附议", "second the motion"),
    "decide": ("审查立案", "decide whether to file the motion"),
    "assign": ("交办承办部门", "assign a lead department"),
    "answer": ("书面答复", "answer in writing"),
    "extend": ("申请延期答复", "ask for an extension"),
    "rate": ("评价答复", "rate the answer"),
}


# What the motion waits for at each stage, in the user's words (see the wage contract's).
NEXT_STEPS: dict[Stage, tuple[str, str]] = {
    Stage.SECONDING: (
        "征集附议中：代表 unionflow motion second {id}",
        "open for seconding: delegates run unionflow motion second {id}",
    ),
    Stage.LAPSED: ("附议不足，提案已失效", "too few seconders: the motion lapsed"),
    Stage.AWAITING_DECISION: (
        "等待提案委员会审查：unionflow motion decide {id}",
        "it waits for the motions committee: unionflow motion decide {id}",
    ),
    Stage.REJECTED: ("提案未予立案，已结束", "the motion was not filed: it is over"),
    Stage.REGISTERED: (
        "先交办承办部门：unionflow motion assign {id} --lead 部门",
        "first assign a lead department: unionflow motion assign {id} --lead DEPT",
    ),
    Stage.IN_HANDLING: (
        "承办中：承办部门 unionflow motion answer {id}",
        "in handling: the lead department answers with unionflow motion answer {id}",
    ),
    Stage.ANSWERED: (
        "等待提案人评价：unionflow motion rate {id}",
        "it waits for the proposer's rating: unionflow motion rate {id}",
    ),
    Stage.CLOSED: ("提案已办结", "the motion is closed"),
}


class MotionFacts(BaseModel):
    """What the aggregate cannot know itself: looked up in the roster and the directory."""

    delegate: bool = False  # the acting actor is a delegate in office of the congress
    departments: dict[str, str] = Field(default_factory=dict)  # department id -> its org


def facts_for(
    command: Any,  # a MotionCommand; Any while application.facts passes an object
    actor_id: str,
    *,
    is_delegate: Callable[[str], bool],
    department_org: Callable[[str], str | None],
) -> MotionFacts:
    """Look up only what ``command`` needs, with the caller's lookups."""
    if command.kind == "second":
        return MotionFacts(delegate=is_delegate(actor_id))
    if command.kind == "assign":
        found: dict[str, str] = {}
        for code in [command.lead, *command.supporting]:
            org = department_org(code)
            if org is not None:
                found[code] = org
        return MotionFacts(departments=found)
    return MotionFacts()


def precheck(kind: str, acting: Acting, view: MotionView, *, today: date | None = None) -> None:
    """Refuse a command this actor may not issue now; the same rules guard the aggregate.

    ``today`` (the caller's business date) adds the checks that depend on the date.
    """
    who, stages = RULES[kind]
    _check_actor(who, kind, acting, view)
    if view.stage not in stages:
        label = STAGE_LABELS[view.stage]
        what = COMMAND_LABELS.get(kind, ("执行此操作", "take this step"))
        step = NEXT_STEPS[view.stage]
        raise InvalidState(
            f"提案当前为“{label[0]}”，不能{what[0]}。{step[0].format(id=view.motion_id)}",
            f"the motion is {label[1]}: cannot {what[1]}. {step[1].format(id=view.motion_id)}",
        )
    if kind == "second":
        _check_seconder(acting, view, today)
    elif kind == "extend":
        _check_extension(view, today)


def _check_actor(who: str, kind: str, acting: Acting, view: MotionView) -> None:
    zh, en = COMMAND_LABELS.get(kind, (kind, kind))
    if who == _SYSTEM:
        check_engine(acting)
    elif who == _DELEGATE:
        if acting.role is not Role.DELEGATE or acting.org_id != view.unit_org:
            raise NotAuthorised(
                f"只有本届职代会（{view.congress_key}）代表可以{zh}",
                f"only a delegate of congress {view.congress_key} may {en}",
            )
    elif who == _COMMITTEE:
        check_unit_cadre(
            acting, view.unit_org, (zh, en), acting_as=("提案委员会", "the motions committee")
        )
    elif who == _LEAD:
        if acting.role is not Role.DEPARTMENT or acting.actor_id != view.lead_department:
            raise NotAuthorised(
                f"只有承办部门（{view.lead_department or '尚未交办'}）可以{zh}",
                f"only the lead department ({view.lead_department or 'none yet'}) may {en}",
            )
    elif acting.role is not Role.DELEGATE or acting.actor_id != view.proposer:
        raise NotAuthorised(
            f"只有提案人（{view.proposer}）可以{zh}",
            f"only the proposer ({view.proposer}) may {en}",
        )


def _check_seconder(acting: Acting, view: MotionView, today: date | None) -> None:
    if acting.actor_id == view.proposer:
        raise NotAuthorised("提案人不能附议自己的提案", "a proposer cannot second their own motion")
    if acting.actor_id in view.seconders:
        raise InvalidState(
            f"{acting.actor_id} 已附议过该提案", f"{acting.actor_id} has already seconded it"
        )
    if today is not None and today >= view.closes_on:
        raise InvalidState(
            f"提案征集期已于 {view.closes_on} 截止，不能再附议",
            f"the call closed on {view.closes_on}; seconding has ended",
        )


def _check_extension(view: MotionView, today: date | None) -> None:
    if view.rules.extension_months <= 0:
        raise InvalidState("规则配置不允许延期答复", "the rule profile allows no extension")
    if view.extended:
        raise InvalidState("延期答复只能申请一次", "an extension may be asked for only once")
    # Past the due date the answer is already overdue and escalated; more time cannot undo that.
    if today is not None and view.due is not None and today > view.due:
        raise InvalidState(
            f"答复期限（{view.due}）已过，不能再申请延期",
            f"the answer was due on {view.due}; it is too late to ask for more time",
        )


def check_command(command: MotionCommand, view: MotionView) -> None:
    """Refuse a command whose own data breaks a rule (written reasons, distinct departments)."""
    if command.kind == "decide" and command.decision is Decision.REJECT:
        if not command.reasons.strip():
            raise InvalidInput("不予立案须书面说明理由", "a rejection needs written reasons")
    elif command.kind == "assign":
        named = [command.lead, *command.supporting]
        if not command.lead.strip():
            raise InvalidInput("须指定承办部门", "a lead department is required")
        if len(set(named)) != len(named):
            raise InvalidInput(
                "承办部门与协办部门不能重复", "the lead and supporting departments must differ"
            )
    elif command.kind == "answer" and not command.text.strip():
        raise InvalidInput("答复须有书面内容", "the answer must be written out")
    elif command.kind == "extend" and not command.reason.strip():
        raise InvalidInput("申请延期须说明理由", "an extension needs a reason")


def check_one_matter(command: FileMotion) -> None:
    """One matter per motion (一案一事): a one-line title, with reasons and a proposal."""
    title = command.title.strip()
    if not title:
        raise InvalidInput("提案须有案由（标题）", "a motion needs a title")
    if "\n" in title or len(title) > TITLE_MAX:
        raise InvalidInput(
            f"一案一事：案由须为一行，不超过{TITLE_MAX}字",
            f"one matter per motion: the title is one line of at most {TITLE_MAX} characters",
        )
    if not command.reasons.strip():
        raise InvalidInput("须写明提案理由", "the reasons are required")
    if not command.proposal.strip():
        raise InvalidInput("须写明具体建议", "the proposal is required")


def check_motion_id(motion_id: str) -> None:
    """A motion id is short and safe in workflow ids."""
    if not 1 <= len(motion_id) <= 100 or re.fullmatch(MOTION_ID_PATTERN, motion_id) is None:
        raise InvalidInput(
            f"提案编号无效：{motion_id!r}（仅限字母、数字和 _ . : -）",
            f"invalid motion id {motion_id!r} (letters, digits, _ . : - only)",
        )


def check_call_open(call: MotionCallView, today: date) -> None:
    """Motions are filed inside the call's window only."""
    if today < call.opened_on:
        raise InvalidState("提案征集尚未开始", "the call for motions has not opened yet")
    if today >= call.closes_on:
        raise InvalidState(
            f"提案征集期已于 {call.closes_on} 截止",
            f"the call for motions closed on {call.closes_on}",
        )


def answer_dates(start: date, months: int, rules: MotionRules) -> tuple[date, date | None]:
    """(due, reminder day) for an answer due ``months`` after ``start``."""
    due = add_months(start, months)
    return due, reminder_before(due, rules, start)


def reminder_before(due: date, rules: MotionRules, start: date) -> date | None:
    """The day the lead department is reminded of ``due`` (None when that is not after ``start``)."""
    reminder = due - timedelta(days=rules.answer_reminder_days)
    return reminder if reminder > start else None
