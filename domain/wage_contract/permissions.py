"""Who may issue each wage contract command, and at which stages.

``precheck`` is shared by the aggregate and by the workflow's update validators, so a
refused command never reaches history.
"""

from __future__ import annotations

from typing import Any

from domain.actors import Acting, Role
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_engine, check_unit_cadre
from domain.wage_contract.values import STAGE_LABELS, Stage, WageContractView

# Who may issue each command, and at which stages.
_UNIT = "unit_cadre"
_REVIEWER = "reviewer"
_SYSTEM = "system"

RULES: dict[str, tuple[str, frozenset[Stage]]] = {
    "record_reply": (_UNIT, frozenset({Stage.OFFERED})),
    "appoint_negotiators": (
        _UNIT,
        frozenset({Stage.OFFERED, Stage.IN_TALKS, Stage.SUSPENDED, Stage.RETURNED}),
    ),
    "record_talks_round": (_UNIT, frozenset({Stage.IN_TALKS})),
    "request_talks_data": (_UNIT, frozenset({Stage.IN_TALKS, Stage.SUSPENDED})),
    "record_talks_data_provided": (_UNIT, frozenset({Stage.IN_TALKS, Stage.SUSPENDED})),
    "suspend_talks": (_UNIT, frozenset({Stage.IN_TALKS})),
    "resume_talks": (_UNIT, frozenset({Stage.SUSPENDED})),
    "sign_draft": (_UNIT, frozenset({Stage.IN_TALKS})),
    "submit_for_review": (_UNIT, frozenset({Stage.DRAFTED})),
    "approve": (_REVIEWER, frozenset({Stage.UNDER_REVIEW})),
    "return_for_revision": (_REVIEWER, frozenset({Stage.UNDER_REVIEW})),
    "revise_draft": (_UNIT, frozenset({Stage.RETURNED})),
    "record_adoption_vote": (_UNIT, frozenset({Stage.APPROVED})),
    "request_adoption_poll": (_UNIT, frozenset({Stage.APPROVED})),
    "record_adoption_from_poll": (_SYSTEM, frozenset({Stage.APPROVED})),
    "sign_contract": (_UNIT, frozenset({Stage.ADOPTED})),
    "file_contract": (_UNIT, frozenset({Stage.SIGNED})),
    "record_filing_incomplete": (_UNIT, frozenset({Stage.FILED})),
    "record_objection": (_UNIT, frozenset({Stage.FILED})),
    "publish": (_UNIT, frozenset({Stage.EFFECTIVE})),
    "report_to_higher_union": (_UNIT, frozenset({Stage.EFFECTIVE, Stage.PUBLISHED})),
    "escalate_reply_overdue": (_SYSTEM, frozenset({Stage.OFFERED})),
    "remind_reviewer": (_SYSTEM, frozenset({Stage.UNDER_REVIEW})),
    "escalate_review": (_SYSTEM, frozenset({Stage.UNDER_REVIEW})),
    "remind_filing": (_SYSTEM, frozenset({Stage.SIGNED})),
    "flag_filing_overdue": (_SYSTEM, frozenset({Stage.SIGNED})),
    "remind_talks_start": (_SYSTEM, frozenset({Stage.IN_TALKS})),
    "flag_talks_start_overdue": (_SYSTEM, frozenset({Stage.IN_TALKS})),
    "take_effect": (_SYSTEM, frozenset({Stage.FILED})),
    "flag_higher_union_report_overdue": (_SYSTEM, frozenset({Stage.EFFECTIVE, Stage.PUBLISHED})),
    "flag_publication_overdue": (_SYSTEM, frozenset({Stage.EFFECTIVE})),
    "open_renewal": (_SYSTEM, frozenset({Stage.EFFECTIVE, Stage.PUBLISHED})),
    "correct_deadlines": (_SYSTEM, frozenset(Stage) - {Stage.RENEWAL_DUE}),
}

# People's steps the engine also takes when their date comes (talks resume when the
# agreed suspension ends).
SYSTEM_ALSO: frozenset[str] = frozenset({"resume_talks"})

COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "open": ("发出要约", "send the offer"),
    "record_reply": ("登记书面回应", "record the written reply"),
    "appoint_negotiators": ("确定协商代表", "appoint negotiators"),
    "record_talks_round": ("登记协商会议", "record a talks round"),
    "request_talks_data": ("登记资料请求", "record a request for data"),
    "record_talks_data_provided": ("登记资料已提供", "record data provided"),
    "suspend_talks": ("中止协商", "suspend talks"),
    "resume_talks": ("恢复协商", "resume talks"),
    "sign_draft": ("草案签字", "sign the draft"),
    "submit_for_review": ("报上级工会预审", "submit for pre-review"),
    "approve": ("预审通过", "approve"),
    "return_for_revision": ("退回修改", "return for revision"),
    "revise_draft": ("修改草案", "revise the draft"),
    "record_adoption_vote": ("登记职代会表决结果", "record the adoption vote"),
    "request_adoption_poll": ("提交职代会表决", "put the draft to the congress"),
    "sign_contract": ("签订合同", "sign the contract"),
    "file_contract": ("报送备案", "file with the labour administration"),
    "record_filing_incomplete": ("登记备案材料不齐", "record an incomplete filing package"),
    "record_objection": ("登记审查意见", "record an objection"),
    "publish": ("向职工公布", "publish to employees"),
    "report_to_higher_union": ("报上级工会", "report to the higher union"),
}


def _at_or_above(view: WageContractView, org: str, reviewer_org: str) -> bool:
    """Whether ``org`` is the reviewing union or one of its ancestors in the unit's path."""
    path = view.unit_path
    return org in path and reviewer_org in path and path.index(org) <= path.index(reviewer_org)


def takes_over(acting: Acting, view: WageContractView) -> bool:
    """Whether a reviewer's decision takes over a round that was not escalated to them."""
    review = view.current_review
    return (
        acting.role is Role.REVIEWER and review is not None and acting.org_id != review.reviewer_org
    )


def precheck_command(command: Any, acting: Acting, view: WageContractView) -> None:
    """``precheck``, then what the command itself must carry (a takeover needs its reason)."""
    precheck(command.kind, acting, view)
    if command.kind in _REVIEW_DECISIONS and takes_over(acting, view):
        review = view.current_review
        assert review is not None
        if not (getattr(command, "takeover_reason", None) or "").strip():
            raise InvalidInput(
                f"本轮预审由 {review.reviewer_org} 负责，尚未上报至 {acting.org_id}；"
                "如需接手决定，请写明接手理由（--takeover）",
                f"this round is with {review.reviewer_org} and was not escalated to "
                f"{acting.org_id}; to take it over, give a reason (--takeover)",
            )


_REVIEW_DECISIONS = frozenset({"approve", "return_for_revision"})


# What the case waits for at each stage, in the user's words, with the command that does
# it: every refusal for the wrong stage names it, never an internal command name.
NEXT_STEPS: dict[Stage, tuple[str, str]] = {
    Stage.OFFERED: (
        "先登记企业的书面回应：unionflow wage reply {case}",
        "first record the employer's written reply: unionflow wage reply {case}",
    ),
    Stage.IN_TALKS: (
        "协商中：双方首席代表签字后登记草案 unionflow wage draft {case} --file 草案",
        "in talks: once both chiefs sign, record the draft with unionflow wage draft {case} --file DRAFT",
    ),
    Stage.SUSPENDED: (
        "先恢复协商：unionflow wage resume {case}",
        "first resume the talks: unionflow wage resume {case}",
    ),
    Stage.DRAFTED: (
        "先报上级工会预审：unionflow wage submit {case}",
        "first submit it for pre-review: unionflow wage submit {case}",
    ),
    Stage.UNDER_REVIEW: (
        "等待上级工会预审：审查人 unionflow wage approve / return {case}",
        "it waits for the higher union's pre-review: unionflow wage approve / return {case}",
    ),
    Stage.RETURNED: (
        "先按预审意见修改草案：unionflow wage revise {case} --file 草案",
        "first revise the draft as the reviewer asked: unionflow wage revise {case} --file DRAFT",
    ),
    Stage.APPROVED: (
        "先提交职代会无记名表决：unionflow wage adoption-poll {case} --session 会议 --item 议题号",
        "first put it to the congress's secret ballot: "
        "unionflow wage adoption-poll {case} --session SESSION --item N",
    ),
    Stage.ADOPTED: (
        "先签订合同：unionflow wage sign {case}",
        "first sign the contract: unionflow wage sign {case}",
    ),
    Stage.SIGNED: (
        "先报送劳动行政部门备案：unionflow wage file {case} --copies 3 --office 人社部门",
        "first file it with the labour administration: "
        "unionflow wage file {case} --copies 3 --office OFFICE",
    ),
    Stage.FILED: (
        "审查期内：有审查意见时 unionflow wage objection {case}，期满无异议自动生效",
        "in the review window: record an objection with unionflow wage objection {case}; "
        "without one it takes effect by itself",
    ),
    Stage.EFFECTIVE: (
        "先向全体职工公布：unionflow wage publish {case} --channel 公布方式",
        "first publish it to all employees: unionflow wage publish {case} --channel CHANNEL",
    ),
    Stage.PUBLISHED: (
        "合同已公布，到期前将自动提醒续签",
        "the contract is published; renewal is reminded before it expires",
    ),
    Stage.RENEWAL_DUE: (
        "本轮已结束：续签请发出新的要约 unionflow wage open",
        "this round is over: send a new offer with unionflow wage open",
    ),
}


def wrong_stage(kind: str, view: WageContractView) -> InvalidState:
    """The refusal of a step the case's stage does not allow, with the next step."""
    label = STAGE_LABELS[view.stage]
    what = COMMAND_LABELS.get(kind, ("执行此操作", "take this step"))
    step = NEXT_STEPS[view.stage]
    return InvalidState(
        f"当前阶段为“{label[0]}”，不能{what[0]}。{step[0].format(case=view.case_id)}",
        f"the case is {label[1]}: cannot {what[1]}. {step[1].format(case=view.case_id)}",
    )


def precheck(kind: str, acting: Acting, view: WageContractView) -> None:
    """Refuse a command the actor may not issue now; the same rules guard the aggregate."""
    who, stages = RULES[kind]
    if who == _SYSTEM:
        check_engine(acting)
    elif who == _UNIT:
        if not (acting.role is Role.SYSTEM and kind in SYSTEM_ALSO):
            check_unit_cadre(acting, view.unit_org, COMMAND_LABELS[kind])
    else:
        if acting.role is not Role.REVIEWER:
            raise NotAuthorised(
                "只有上级工会审查人可以预审", "only a reviewer of a higher union may pre-review"
            )
        if acting.org_id not in view.unit_path[:-1]:
            raise NotAuthorised(
                f"{acting.org_id} 不是 {view.unit_org} 的上级工会",
                f"{acting.org_id} is not a higher union of {view.unit_org}",
            )
        review = view.current_review
        if review is not None and review.submitted_by == acting.actor_id:
            raise NotAuthorised("不能预审本人报送的案件", "nobody reviews a case they submitted")
        if review is not None and not _at_or_above(view, acting.org_id, review.reviewer_org):
            raise NotAuthorised(
                f"本轮预审已上报至 {review.reviewer_org}，由其决定",
                f"this round was escalated to {review.reviewer_org}, which decides it",
            )
    if view.stage not in stages:
        raise wrong_stage(kind, view)
