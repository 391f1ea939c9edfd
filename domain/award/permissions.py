"""Who may issue each nomination or round command and when, and the facts each needs.

``precheck`` is shared by the aggregates and by the round workflow's update validators, so
a refused command never reaches history.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from domain.actors import Acting, Role
from domain.award.checks import Disqualification, HonourHeld
from domain.award.values import (
    NOMINATION_STAGE_LABELS,
    ROUND_STAGE_LABELS,
    NominationStage,
    NominationView,
    Nominee,
    NoticeLevel,
    RoundStage,
    RoundView,
)
from domain.errors import InvalidState, NotAuthorised
from domain.policies import Label, check_engine, check_unit_cadre

S = NominationStage
_UNIT = "unit_cadre"
_SUB_REVIEWER = "sub_union_reviewer"
_FED_REVIEWER = "federation_reviewer"
_NOTICE_REVIEWER = "notice_reviewer"  # of the level whose notice the objection was filed in
_DEPARTMENT = "department"
_ANYONE = "anyone"
_SYSTEM = "system"

_RUNNING = frozenset(s for s in S if s not in (S.APPROVED, S.REMOVED, S.WITHDRAWN))
_NOTICES = frozenset({S.PREPARING, S.FIRST_NOTICE, S.FEDERATION_NOTICE})

RULES: dict[str, tuple[str, frozenset[NominationStage]]] = {
    "joint_agreement": (_UNIT, frozenset({S.PREPARING})),
    "congress_approval": (_UNIT, frozenset({S.PREPARING})),
    "unit_notice": (_UNIT, frozenset({S.PREPARING})),
    "submit": (_UNIT, frozenset({S.PREPARING})),
    "withdraw": (_UNIT, _RUNNING),
    "first_review": (_SUB_REVIEWER, frozenset({S.SUBMITTED})),
    "second_review": (_FED_REVIEWER, frozenset({S.SECOND_REVIEW})),
    "clearance": (_DEPARTMENT, frozenset({S.CLEARANCES})),
    "objection": (_ANYONE, _NOTICES),
    "resolve_objection": (_NOTICE_REVIEWER, _RUNNING),
    "close_notice": (_SYSTEM, _NOTICES),
    "remind_clearances": (_SYSTEM, frozenset({S.CLEARANCES})),
    "escalate_clearances": (_SYSTEM, frozenset({S.CLEARANCES})),
    "enter_federation_notice": (_SYSTEM, frozenset({S.RECOMMENDED})),
    "committee_vote": (_SYSTEM, frozenset({S.COMMITTEE})),
}

COMMAND_LABELS: dict[str, Label] = {
    "nominate": ("推荐候选人", "nominate"),
    "joint_agreement": ("登记党政工联席会议意见", "record the joint agreement"),
    "congress_approval": ("登记职代会表决通过", "record the congress's approval"),
    "unit_notice": ("在本单位公示", "post the unit notice"),
    "submit": ("报送推荐材料", "submit the nomination"),
    "withdraw": ("撤回推荐", "withdraw the nomination"),
    "first_review": ("初审", "make the first review"),
    "second_review": ("复审", "make the second review"),
    "clearance": ("出具部门意见", "give the clearance"),
    "objection": ("提出异议", "file an objection"),
    "resolve_objection": ("调查处理异议", "resolve the objection"),
    "close_notice": ("结束公示", "close the notice"),
}


class ApprovalPoll(BaseModel):
    """What the ledger says of the poll a unit's congress approved a nominee in."""

    poll: str
    exists: bool = False
    unit_org: str = ""  # the congress's unit
    tallied: bool = False
    passed: bool = False
    summary: str = ""  # e.g. "赞成 23 · 反对 2 · 弃权 1（应到 29）"


class NominationFacts(BaseModel):
    """What a nomination cannot know itself, looked up by the application layer."""

    round: RoundView
    in_round: list[Nominee] = Field(default_factory=list)  # nominations still in the list
    notice_ends: date | None = None  # the last day of a notice starting the day it needs
    clearance_due: date | None = None
    poll: ApprovalPoll | None = None
    disqualified: list[Disqualification] = Field(default_factory=list)
    honours: list[HonourHeld] = Field(default_factory=list)


def _stage_refusal(view: NominationView, kind: str) -> InvalidState:
    label = NOMINATION_STAGE_LABELS[view.stage]
    what = COMMAND_LABELS.get(kind, ("执行此操作", "take this step"))
    return InvalidState(
        f"{view.nominee.name}的推荐当前为“{label[0]}”，不能{what[0]}",
        f"{view.nominee.name}'s nomination is {label[1]}: cannot {what[1]}",
    )


def _check_reviewer(acting: Acting, org: str, what: Label) -> None:
    if acting.role is not Role.REVIEWER or acting.org_id != org:
        raise NotAuthorised(
            f"只有 {org} 的审查人可以{what[0]}", f"only a reviewer of {org} may {what[1]}"
        )


def notice_org(view: NominationView, level: NoticeLevel, federation_org: str) -> str:
    """The union whose reviewer investigates an objection to a notice of ``level``."""
    return federation_org if level is NoticeLevel.FEDERATION else view.nominee.sub_union


def precheck(
    kind: str,
    acting: Acting,
    view: NominationView,
    round_view: RoundView,
    *,
    objection_no: int | None = None,
    clearance_key: str | None = None,
) -> None:
    """Refuse a command this actor may not issue at this stage; the same rules guard the
    aggregate and the workflow's validators."""
    who, stages = RULES[kind]
    what = COMMAND_LABELS.get(kind, (kind, kind))
    if who == _SYSTEM:
        check_engine(acting)
    elif who == _UNIT:
        check_unit_cadre(acting, view.nominee.unit_org, what)
    elif who == _SUB_REVIEWER:
        _check_reviewer(acting, view.nominee.sub_union, what)
    elif who == _FED_REVIEWER:
        _check_reviewer(acting, round_view.federation_org, what)
    elif who == _DEPARTMENT:
        asked = round_view.departments.get(clearance_key or "")
        if acting.role is not Role.DEPARTMENT or acting.actor_id != asked:
            raise NotAuthorised(
                f"本项意见（{clearance_key}）应由 {asked or '指定部门'} 出具",
                f"this clearance ({clearance_key}) is for {asked or 'the named department'}",
            )
    elif who == _NOTICE_REVIEWER:
        objection = next((o for o in view.objections if o.no == objection_no), None)
        if objection is None:
            raise InvalidState(f"没有第 {objection_no} 号异议", f"no objection {objection_no}")
        _check_reviewer(acting, notice_org(view, objection.notice, round_view.federation_org), what)
    elif who == _ANYONE and acting.role is Role.SYSTEM:
        raise NotAuthorised("异议须由人提出", "a person files an objection, not the engine")
    if view.stage not in stages:
        raise _stage_refusal(view, kind)


_R = RoundStage
ROUND_RULES: dict[str, tuple[str, frozenset[RoundStage]]] = {
    "close_nominations": (_SYSTEM, frozenset({_R.NOMINATING})),
    "start_notice": ("federation_cadre", frozenset({_R.REVIEWING})),
    "close_notice": (_SYSTEM, frozenset({_R.FEDERATION_NOTICE})),
    "approve_list": (_SYSTEM, frozenset({_R.COMMITTEE})),
    "publish": ("federation_cadre", frozenset({_R.APPROVED})),
}

ROUND_LABELS: dict[str, Label] = {
    "open": ("发起评选", "open a selection round"),
    "close_nominations": ("截止推荐", "close nominations"),
    "start_notice": ("开始总工会公示", "start the federation's notice"),
    "close_notice": ("结束公示", "close the notice"),
    "approve_list": ("确定最终名单", "approve the final list"),
    "publish": ("发布表彰名单", "publish the list"),
}


ROUND_RULES["record_committee"] = ("federation_cadre", frozenset({_R.COMMITTEE}))
ROUND_LABELS["record_committee"] = ("登记评审委员会表决", "record the committee's vote")


def check_round_command(
    kind: str, acting: Acting, federation_org: str, stage: RoundStage, title: str
) -> None:
    """Refuse a round command this actor may not issue at this stage (the aggregate's and
    the round workflow's validators' one rule)."""
    who, stages = ROUND_RULES[kind]
    what = ROUND_LABELS[kind]
    if who == _SYSTEM:
        check_engine(acting)
    else:
        check_unit_cadre(acting, federation_org, what)
    if stage not in stages:
        label = ROUND_STAGE_LABELS[stage]
        raise InvalidState(
            f"评选“{title}”当前为“{label[0]}”，不能{what[0]}",
            f"the round '{title}' is {label[1]}: cannot {what[1]}",
        )


def round_precheck(kind: str, acting: Acting, view: RoundView) -> None:
    """Refuse a round command this actor may not issue at this stage."""
    check_round_command(kind, acting, view.federation_org, view.stage, view.title)
