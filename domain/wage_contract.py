"""The wage special collective contract (工资专项集体合同), from the offer to renewal.

``WageContract`` is the aggregate; its state is a ``WageContractView`` that events
evolve. ``precheck`` holds the stage and authorisation rules, shared by the aggregate
and by the workflow's update validators, so a refused command never reaches history.
Rules: ../shared/domain-rules.md §1; every threshold and period comes from the rule
profile recorded when the case was opened.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from domain.actors import Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.profiles import RuleProfile

# -- value objects ---------------------------------------------------------------------


class Stage(StrEnum):
    """Where a wage contract stands."""

    OFFERED = "offered"  # 要约已发出，等待书面回应
    IN_TALKS = "in_talks"  # 协商中
    SUSPENDED = "suspended"  # 协商中止
    DRAFTED = "drafted"  # 草案已由双方首席代表签字
    UNDER_REVIEW = "under_review"  # 上级工会预审中
    RETURNED = "returned"  # 预审退回修改
    APPROVED = "approved"  # 预审通过，待职代会审议
    ADOPTED = "adopted"  # 职代会通过，待签订
    SIGNED = "signed"  # 已签订，待报送备案
    FILED = "filed"  # 已报送劳动行政部门，审查期内
    EFFECTIVE = "effective"  # 已生效，待公布
    PUBLISHED = "published"  # 已向全体职工公布
    RENEWAL_DUE = "renewal_due"  # 到期前续签提醒已发出


STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.OFFERED: ("要约已发出，等待书面回应", "offer sent, awaiting written reply"),
    Stage.IN_TALKS: ("协商中", "in talks"),
    Stage.SUSPENDED: ("协商中止", "talks suspended"),
    Stage.DRAFTED: ("草案已签字，待报上级工会预审", "draft signed, to submit for pre-review"),
    Stage.UNDER_REVIEW: ("上级工会预审中", "under pre-review by the higher union"),
    Stage.RETURNED: ("预审退回修改", "returned for revision"),
    Stage.APPROVED: ("预审通过，待职代会审议", "pre-review approved, awaiting adoption"),
    Stage.ADOPTED: ("职代会已通过，待签订", "adopted, awaiting signing"),
    Stage.SIGNED: ("已签订，待报送备案", "signed, awaiting filing"),
    Stage.FILED: ("已报送备案，审查期内", "filed, in the review window"),
    Stage.EFFECTIVE: ("已生效，待公布", "effective, awaiting publication"),
    Stage.PUBLISHED: ("已公布", "published"),
    Stage.RENEWAL_DUE: ("续签提醒已发出", "renewal due"),
}


class Side(StrEnum):
    """The two parties at the table."""

    UNION = "union"  # 职工方
    EMPLOYER = "employer"  # 企业方


class Negotiator(BaseModel):
    """A negotiator (协商代表)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    side: Side
    chief: bool = False
    outsider: bool = False  # an outside expert (外聘专家)


class WageStandard(BaseModel):
    """A wage standard for one post, monthly yuan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    post: str = Field(min_length=1)
    monthly_yuan: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class Clause(BaseModel):
    """One clause of the draft."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # "number" is accepted too: YAML 1.1 reads a bare ``no:`` key as the boolean false.
    no: str = Field(min_length=1, validation_alias=AliasChoices("no", "number"))
    title: str = Field(min_length=1)
    text: str = ""


class Draft(BaseModel):
    """The draft contract (合同草案) as the chiefs signed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clauses: list[Clause] = Field(min_length=1)
    wage_standards: list[WageStandard] = Field(min_length=1)
    raise_pct: Decimal = Field(ge=-100, le=1000, max_digits=6, decimal_places=2)
    term_months: int = Field(default=12, ge=1, le=36)
    union_chief_signed: bool = False
    employer_chief_signed: bool = False

    @model_validator(mode="after")
    def _unique_clauses(self) -> Draft:
        nos = [c.no for c in self.clauses]
        if len(set(nos)) != len(nos):
            raise ValueError("clause numbers must be unique")
        return self


class ReviewComment(BaseModel):
    """A reviewer's comment on one clause."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clause: str = Field(min_length=1)
    comment: str = Field(min_length=1)


class VoteCount(BaseModel):
    """A congress vote as the meeting recorded it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    total_delegates: int = Field(gt=0)
    present: int = Field(ge=0)
    votes_for: int = Field(ge=0)
    votes_against: int = Field(ge=0)
    abstentions: int = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> VoteCount:
        if self.present > self.total_delegates:
            raise ValueError("more delegates present than there are delegates")
        if self.votes_for + self.votes_against + self.abstentions > self.present:
            raise ValueError("more votes than delegates present")
        return self


class Check(BaseModel):
    """A check the domain computed for the reviewer."""

    code: str
    hard: bool
    passed: bool
    label_zh: str
    label_en: str
    detail: str = ""


class ReviewRound(BaseModel):
    """One pre-review round: who submitted, where it went, and how it ended."""

    round: int
    submitted_by: str
    submitted_on: date
    checks: list[Check]
    reviewer_org: str
    level: int = 1
    due: date
    due_provisional: bool = False
    due_from: date | None = None  # the date the due was counted from (None: submitted_on)
    reminder_on: date | None = None
    reminded: bool = False
    escalations: list[str] = Field(default_factory=list)
    overdue_at_top: bool = False
    outcome: Literal["approved", "returned"] | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    comments: list[ReviewComment] = Field(default_factory=list)
    override_reason: str | None = None


class AdoptionVote(BaseModel):
    """A recorded 职代会 adoption vote and what the rules made of it."""

    count: VoteCount
    quorum_met: bool
    passed: bool
    recorded_on: date
    source: str = ""


class WageContractView(BaseModel):
    """Everything known about one wage contract; the state the events evolve."""

    case_id: str
    unit_org: str
    unit_path: list[str]
    wage_area_class: int
    employer: str
    year: int
    stage: Stage
    version: int = 0
    profile_name: str
    profile_fingerprint: str
    opened_by: str
    offer_on: date
    offer_place: str
    offer_content: str
    reply_due: date
    reply_overdue: bool = False
    reply_escalated_to: str | None = None
    replied_on: date | None = None
    talks_start_due: date | None = None
    talks_start_due_provisional: bool = False
    negotiators: list[Negotiator] = Field(default_factory=list)
    rounds_held: int = 0
    suspended_until: date | None = None
    suspended_days_total: int = 0
    draft: Draft | None = None
    reviews: list[ReviewRound] = Field(default_factory=list)
    adoption_votes: list[AdoptionVote] = Field(default_factory=list)
    adoption_poll: str | None = None  # the congress poll deciding the draft, while it runs
    signed_on: date | None = None
    filing_due: date | None = None
    filing_reminder_on: date | None = None
    filing_reminded: bool = False
    filing_overdue: bool = False
    filed_on: date | None = None
    review_window_until: date | None = None
    objections: list[str] = Field(default_factory=list)
    effective_on: date | None = None
    expires_on: date | None = None
    publication_due: date | None = None
    publication_overdue: bool = False
    published_on: date | None = None
    renewal_on: date | None = None

    @property
    def current_review(self) -> ReviewRound | None:
        """The round under review now, if any."""
        if self.stage is Stage.UNDER_REVIEW and self.reviews:
            return self.reviews[-1]
        return None

    @property
    def terminal(self) -> bool:
        """Whether this round of the contract needs nothing more."""
        return self.stage is Stage.RENEWAL_DUE


# -- commands --------------------------------------------------------------------------


class OpenCase(BaseModel):
    """Send the offer to bargain (要约) and open the case."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")
    unit_org: str
    employer: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2200)
    offer_place: str = Field(min_length=1)
    offer_content: str = Field(min_length=1)


class RecordReply(BaseModel):
    """The employer's written reply (书面回应) arrived."""

    kind: Literal["record_reply"] = "record_reply"
    content: str = Field(min_length=1)


class AppointNegotiators(BaseModel):
    """Name both sides' negotiators (协商代表)."""

    kind: Literal["appoint_negotiators"] = "appoint_negotiators"
    negotiators: list[Negotiator] = Field(min_length=2)


class RecordTalksRound(BaseModel):
    """A round of talks was held; its minutes (会议记录) are kept."""

    kind: Literal["record_talks_round"] = "record_talks_round"
    minutes: str = Field(min_length=1)
    deadlocked: bool = False


class SuspendTalks(BaseModel):
    """Suspend deadlocked talks (中止协商) for an agreed number of days."""

    kind: Literal["suspend_talks"] = "suspend_talks"
    days: int = Field(ge=1)
    reason: str = Field(min_length=1)


class ResumeTalks(BaseModel):
    """Resume suspended talks."""

    kind: Literal["resume_talks"] = "resume_talks"


class SignDraft(BaseModel):
    """Both chiefs sign the draft (草案签字)."""

    kind: Literal["sign_draft"] = "sign_draft"
    draft: Draft


class SubmitForReview(BaseModel):
    """Submit the signed draft to the higher union for pre-review (报送预审)."""

    kind: Literal["submit_for_review"] = "submit_for_review"


class ApproveReview(BaseModel):
    """The higher union approves the draft (预审通过)."""

    kind: Literal["approve"] = "approve"
    override_reason: str | None = None


class ReturnForRevision(BaseModel):
    """The higher union returns the draft with comments per clause (退回修改)."""

    kind: Literal["return_for_revision"] = "return_for_revision"
    comments: list[ReviewComment] = Field(min_length=1)


class ReviseDraft(BaseModel):
    """The revised draft after a return."""

    kind: Literal["revise_draft"] = "revise_draft"
    draft: Draft


class TellerCount(BaseModel):
    """One teller's (监票人/计票人) count of a paper vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    teller: str = Field(min_length=1)
    count: VoteCount


class RecordAdoptionVote(BaseModel):
    """A paper meeting's vote on the draft, entered from both tellers' counts."""

    kind: Literal["record_adoption_vote"] = "record_adoption_vote"
    tellers: list[TellerCount] = Field(default_factory=list, max_length=2)
    # Before two tellers were required, a single count was sent. Such commands still
    # parse, so workflow histories that hold one replay; the aggregate refuses new ones.
    count: VoteCount | None = None

    @model_validator(mode="after")
    def _two_tellers(self) -> RecordAdoptionVote:
        if self.count is None and len(self.tellers) != 2:
            raise ValueError("a paper vote needs the counts of two tellers")
        if len(self.tellers) == 2 and self.tellers[0].teller == self.tellers[1].teller:
            raise ValueError("the two counts must come from two different tellers")
        return self

    @classmethod
    def agreed(
        cls, count: VoteCount, tellers: tuple[str, str] = ("监票人", "计票人")
    ) -> RecordAdoptionVote:
        """Both tellers entered the same count."""
        return cls(tellers=[TellerCount(teller=t, count=count) for t in tellers])


class RequestAdoptionPoll(BaseModel):
    """Put the draft to the congress: a secret yes/no item of a session (审议通过)."""

    kind: Literal["request_adoption_poll"] = "request_adoption_poll"
    session_id: str = Field(min_length=1)
    item_no: int = Field(ge=1)


class RecordAdoptionFromPoll(BaseModel):
    """The congress's poll on the draft was tallied: its result is the adoption vote."""

    kind: Literal["record_adoption_from_poll"] = "record_adoption_from_poll"
    poll_key: str
    count: VoteCount | None = None  # filled from the tallied poll by the activity


class SignContract(BaseModel):
    """Both chiefs sign the adopted contract and the enterprise seals it (签订)."""

    kind: Literal["sign_contract"] = "sign_contract"


class FileContract(BaseModel):
    """The contract is filed with the labour administration (报送备案)."""

    kind: Literal["file_contract"] = "file_contract"
    copies: int = Field(ge=1)
    office: str = Field(min_length=1)


class RecordObjection(BaseModel):
    """The labour administration's objection (审查意见书) arrived."""

    kind: Literal["record_objection"] = "record_objection"
    text: str = Field(min_length=1)


class PublishContract(BaseModel):
    """The effective contract is published to all employees (向全体职工公布)."""

    kind: Literal["publish"] = "publish"
    channel: str = Field(min_length=1)


# Commands the engine issues itself when a deadline passes.


class EscalateReplyOverdue(BaseModel):
    """No written reply within the period: escalate to the higher union (提请协调)."""

    kind: Literal["escalate_reply_overdue"] = "escalate_reply_overdue"


class RemindReviewer(BaseModel):
    """Remind the reviewing union before the pre-review deadline."""

    kind: Literal["remind_reviewer"] = "remind_reviewer"


class EscalateReview(BaseModel):
    """The pre-review deadline passed: escalate to the next higher union."""

    kind: Literal["escalate_review"] = "escalate_review"


class RemindFiling(BaseModel):
    """Remind the unit before the filing deadline."""

    kind: Literal["remind_filing"] = "remind_filing"


class FlagFilingOverdue(BaseModel):
    """The filing deadline passed without filing."""

    kind: Literal["flag_filing_overdue"] = "flag_filing_overdue"


class TakeEffect(BaseModel):
    """No objection within the review window: the contract takes effect (生效)."""

    kind: Literal["take_effect"] = "take_effect"


class FlagPublicationOverdue(BaseModel):
    """The publication deadline passed."""

    kind: Literal["flag_publication_overdue"] = "flag_publication_overdue"


class OpenRenewal(BaseModel):
    """The renewal notice date came: the next round is due (续签)."""

    kind: Literal["open_renewal"] = "open_renewal"


class CorrectDeadlines(BaseModel):
    """A year's schedule was loaded: recompute provisional working-day deadlines."""

    kind: Literal["correct_deadlines"] = "correct_deadlines"


_HumanCommands = (
    RecordReply
    | AppointNegotiators
    | RecordTalksRound
    | SuspendTalks
    | ResumeTalks
    | SignDraft
    | SubmitForReview
    | ApproveReview
    | ReturnForRevision
    | ReviseDraft
    | RecordAdoptionVote
    | RequestAdoptionPoll
    | SignContract
    | FileContract
    | RecordObjection
    | PublishContract
)
_SystemCommands = (
    EscalateReplyOverdue
    | RemindReviewer
    | EscalateReview
    | RemindFiling
    | FlagFilingOverdue
    | TakeEffect
    | FlagPublicationOverdue
    | OpenRenewal
    | CorrectDeadlines
    | RecordAdoptionFromPoll
    | ResumeTalks
)
HumanCommand = Annotated[_HumanCommands, Field(discriminator="kind")]
WageCommand = Annotated[_HumanCommands | _SystemCommands, Field(discriminator="kind")]

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
    "record_objection": (_UNIT, frozenset({Stage.FILED})),
    "publish": (_UNIT, frozenset({Stage.EFFECTIVE})),
    "escalate_reply_overdue": (_SYSTEM, frozenset({Stage.OFFERED})),
    "remind_reviewer": (_SYSTEM, frozenset({Stage.UNDER_REVIEW})),
    "escalate_review": (_SYSTEM, frozenset({Stage.UNDER_REVIEW})),
    "remind_filing": (_SYSTEM, frozenset({Stage.SIGNED})),
    "flag_filing_overdue": (_SYSTEM, frozenset({Stage.SIGNED})),
    "take_effect": (_SYSTEM, frozenset({Stage.FILED})),
    "flag_publication_overdue": (_SYSTEM, frozenset({Stage.EFFECTIVE})),
    "open_renewal": (_SYSTEM, frozenset({Stage.EFFECTIVE, Stage.PUBLISHED})),
    "correct_deadlines": (_SYSTEM, frozenset(Stage) - {Stage.RENEWAL_DUE}),
}

# People's steps the engine also takes when their date comes (talks resume when the
# agreed suspension ends).
SYSTEM_ALSO: frozenset[str] = frozenset({"resume_talks"})

COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "record_reply": ("登记书面回应", "record the written reply"),
    "appoint_negotiators": ("确定协商代表", "appoint negotiators"),
    "record_talks_round": ("登记协商会议", "record a talks round"),
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
    "record_objection": ("登记审查意见", "record an objection"),
    "publish": ("向职工公布", "publish to employees"),
}


def precheck(kind: str, acting: Acting, view: WageContractView) -> None:
    """Refuse a command the actor may not issue now; the same rules guard the aggregate."""
    who, stages = RULES[kind]
    if who == _SYSTEM:
        if acting.role is not Role.SYSTEM:
            raise NotAuthorised("此操作只能由系统执行", "only the engine performs this step")
    elif who == _UNIT:
        engine = acting.role is Role.SYSTEM and kind in SYSTEM_ALSO
        if not engine and (acting.role is not Role.CADRE or acting.org_id != view.unit_org):
            raise NotAuthorised(
                f"只有本单位（{view.unit_org}）工会干部可以{COMMAND_LABELS[kind][0]}",
                f"only a cadre of {view.unit_org} may {COMMAND_LABELS[kind][1]}",
            )
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
    if view.stage not in stages:
        label = STAGE_LABELS[view.stage]
        raise InvalidState(
            f"当前阶段为“{label[0]}”，不能执行此操作（{kind}）",
            f"the case is {label[1]}; {kind} does not apply",
        )


# -- checks for the reviewer -------------------------------------------------------------


def pre_review_checks(
    draft: Draft, negotiators: list[Negotiator], profile: RuleProfile, wage_area_class: int
) -> list[Check]:
    """The checks the reviewer sees: hard ones need an override reason to approve."""
    rules = profile.wage_contract
    checks: list[Check] = []

    area = rules.minimum_wage.for_area(wage_area_class)
    floor = Decimal(str(area.monthly_yuan))
    below = [s for s in draft.wage_standards if s.monthly_yuan < floor]
    checks.append(
        Check(
            code="minimum_wage",
            hard=True,
            passed=not below,
            label_zh=f"工资标准不低于当地最低工资（{wage_area_class}类区 {floor} 元/月）",
            label_en=f"wage standards at or above the minimum wage ({floor} yuan/month, class {wage_area_class})",
            detail="; ".join(f"{s.post}: {s.monthly_yuan}" for s in below),
        )
    )

    g = rules.wage_guideline
    raise_pct = draft.raise_pct
    within = Decimal(str(g.lower_pct)) <= raise_pct <= Decimal(str(g.upper_pct))
    checks.append(
        Check(
            code="wage_guideline",
            hard=False,
            passed=within,
            label_zh=f"工资增幅在{g.year}年工资指导线区间内（{g.lower_pct}%–{g.upper_pct}%，基准{g.baseline_pct}%）",
            label_en=f"raise within the {g.year} wage guideline band ({g.lower_pct}%–{g.upper_pct}%, baseline {g.baseline_pct}%)",
            detail=f"{raise_pct}%",
        )
    )

    sides = {side: [n for n in negotiators if n.side is side] for side in Side}
    counts = {side: len(members) for side, members in sides.items()}
    enough = all(c >= rules.negotiators_min_per_side for c in counts.values())
    equal = counts[Side.UNION] == counts[Side.EMPLOYER]
    checks.append(
        Check(
            code="negotiators",
            hard=True,
            passed=enough and equal,
            label_zh=f"双方协商代表人数相等且每方不少于{rules.negotiators_min_per_side}人",
            label_en=f"equal sides of at least {rules.negotiators_min_per_side} negotiators",
            detail=f"union {counts[Side.UNION]}, employer {counts[Side.EMPLOYER]}",
        )
    )

    limit = rules.outsiders_max_fraction
    outsiders_ok = all(
        not members or limit.allows(sum(n.outsider for n in members), len(members))
        for members in sides.values()
    )
    checks.append(
        Check(
            code="outsiders",
            hard=True,
            passed=outsiders_ok,
            label_zh=f"外聘代表不超过本方代表的{limit.num}/{limit.den}",
            label_en=f"outside experts at most {limit.num}/{limit.den} of a side",
            detail=", ".join(
                f"{side.value} {sum(n.outsider for n in m)}/{len(m)}" for side, m in sides.items()
            ),
        )
    )

    chiefs_ok = all(sum(n.chief for n in m) == 1 for m in sides.values())
    signed = draft.union_chief_signed and draft.employer_chief_signed
    checks.append(
        Check(
            code="chiefs_signed",
            hard=True,
            passed=chiefs_ok and signed,
            label_zh="每方一名首席代表且双方首席代表已在草案上签字",
            label_en="one chief per side, and both chiefs signed the draft",
            detail=f"union signed={draft.union_chief_signed}, employer signed={draft.employer_chief_signed}",
        )
    )
    return checks


def _counted(count: VoteCount) -> str:
    return (
        f"{count.total_delegates}/{count.present}/{count.votes_for}/"
        f"{count.votes_against}/{count.abstentions}"
    )


def vote_outcome(count: VoteCount, profile: RuleProfile) -> tuple[bool, bool]:
    """(quorum met, passed): quorum on all delegates, pass on ALL delegates, not those present."""
    rules = profile.wage_contract
    quorum = rules.adoption_quorum.allows(count.present, count.total_delegates)
    passed = quorum and rules.adoption_pass.allows(count.votes_for, count.total_delegates)
    return quorum, passed


# -- deadlines --------------------------------------------------------------------------


class DeadlineLike(Protocol):
    date: date
    provisional: bool


class Calendar(Protocol):
    """What the aggregate needs of the work-day calendar."""

    def add_working_days(self, start: date, n: int) -> Any: ...

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


def wage_contract_id(case_id: str) -> Any:
    """The ledger id of a wage contract case."""
    return deterministic_id("wage-contract", case_id)


# -- the aggregate -------------------------------------------------------------------------


class WageContract(LedgerAggregate):
    """A wage special collective contract case (工资专项集体合同)."""

    class Created(LedgerAggregate.Created):
        """The offer to bargain was sent (要约已发出)."""

        state: dict[str, Any]
        profile: dict[str, Any]

        def apply(self, aggregate: WageContract) -> None:
            aggregate.s = WageContractView.model_validate(self.state)
            aggregate.profile_data = self.profile

    class Changed(LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

        def apply(self, aggregate: WageContract) -> None:
            self.evolve(aggregate.s)
            aggregate.s.version = self.originator_version

        def evolve(self, s: WageContractView) -> None:
            raise NotImplementedError

    class ReplyReceived(Changed):
        replied_on: date
        content: str
        talks_start_due: date
        talks_start_due_provisional: bool

        def evolve(self, s: WageContractView) -> None:
            s.replied_on = self.replied_on
            s.talks_start_due = self.talks_start_due
            s.talks_start_due_provisional = self.talks_start_due_provisional
            s.stage = Stage.IN_TALKS

    class ReplyOverdue(Changed):
        escalated_to: str | None

        def evolve(self, s: WageContractView) -> None:
            s.reply_overdue = True
            s.reply_escalated_to = self.escalated_to

    class NegotiatorsAppointed(Changed):
        negotiators: list[dict[str, Any]]

        def evolve(self, s: WageContractView) -> None:
            s.negotiators = [Negotiator.model_validate(n) for n in self.negotiators]

    class TalksRoundHeld(Changed):
        round: int
        minutes: str
        deadlocked: bool

        def evolve(self, s: WageContractView) -> None:
            s.rounds_held = self.round

    class TalksSuspended(Changed):
        until: date
        days: int
        reason: str

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.SUSPENDED
            s.suspended_until = self.until
            s.suspended_days_total += self.days

    class TalksResumed(Changed):
        resumed_on: date

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.IN_TALKS
            s.suspended_until = None

    class DraftSigned(Changed):
        draft: dict[str, Any]

        def evolve(self, s: WageContractView) -> None:
            s.draft = Draft.model_validate(self.draft)
            s.stage = Stage.DRAFTED

    class DraftRevised(DraftSigned):
        pass

    class SubmittedForReview(Changed):
        review: dict[str, Any]

        def evolve(self, s: WageContractView) -> None:
            s.reviews.append(ReviewRound.model_validate(self.review))
            s.stage = Stage.UNDER_REVIEW

    class ReviewerReminded(Changed):
        round: int

        def evolve(self, s: WageContractView) -> None:
            s.reviews[-1].reminded = True

    class ReviewEscalated(Changed):
        round: int
        to_org: str | None
        due: date | None
        due_provisional: bool
        reminder_on: date | None
        due_from: date | None = None

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            if self.to_org is None or self.due is None:
                review.overdue_at_top = True
                return
            review.escalations.append(review.reviewer_org)
            review.reviewer_org = self.to_org
            review.level += 1
            review.due = self.due
            review.due_provisional = self.due_provisional
            review.due_from = self.due_from
            review.reminder_on = self.reminder_on
            review.reminded = False

    class DeadlinesCorrected(Changed):
        """Provisional deadlines recomputed once their year's schedule was published."""

        talks_start_due: date | None
        talks_start_due_provisional: bool
        review_round: int | None
        review_due: date | None
        review_due_provisional: bool
        review_reminder_on: date | None

        def evolve(self, s: WageContractView) -> None:
            if self.talks_start_due is not None:
                s.talks_start_due = self.talks_start_due
                s.talks_start_due_provisional = self.talks_start_due_provisional
            if self.review_round is not None and self.review_due is not None:
                review = s.reviews[self.review_round - 1]
                review.due = self.review_due
                review.due_provisional = self.review_due_provisional
                review.reminder_on = self.review_reminder_on

    class PreReviewApproved(Changed):
        round: int
        decided_on: date
        override_reason: str | None
        failed_hard_checks: list[str]

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            review.outcome = "approved"
            review.decided_by = self.actor["id"]
            review.decided_on = self.decided_on
            review.override_reason = self.override_reason
            s.stage = Stage.APPROVED

    class PreReviewReturned(Changed):
        round: int
        decided_on: date
        comments: list[dict[str, str]]

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            review.outcome = "returned"
            review.decided_by = self.actor["id"]
            review.decided_on = self.decided_on
            review.comments = [ReviewComment.model_validate(c) for c in self.comments]
            s.stage = Stage.RETURNED

    class AdoptionPollRequested(Changed):
        session_id: str
        item_no: int
        poll_key: str

        def evolve(self, s: WageContractView) -> None:
            s.adoption_poll = self.poll_key

    class AdoptionVoteRecorded(Changed):
        count: dict[str, int]
        quorum_met: bool
        passed: bool
        recorded_on: date
        source: str = ""  # "poll:<key>", or the two tellers of a paper meeting

        def evolve(self, s: WageContractView) -> None:
            s.adoption_votes.append(
                AdoptionVote(
                    count=VoteCount.model_validate(self.count),
                    quorum_met=self.quorum_met,
                    passed=self.passed,
                    recorded_on=self.recorded_on,
                    source=self.source,
                )
            )
            s.adoption_poll = None
            s.stage = Stage.ADOPTED if self.passed else Stage.IN_TALKS

    class ContractSigned(Changed):
        signed_on: date
        filing_due: date
        filing_reminder_on: date | None

        def evolve(self, s: WageContractView) -> None:
            s.signed_on = self.signed_on
            s.filing_due = self.filing_due
            s.filing_reminder_on = self.filing_reminder_on
            s.filing_reminded = False
            s.filing_overdue = False
            s.stage = Stage.SIGNED

    class FilingReminded(Changed):
        def evolve(self, s: WageContractView) -> None:
            s.filing_reminded = True

    class FilingOverdue(Changed):
        def evolve(self, s: WageContractView) -> None:
            s.filing_overdue = True

    class Filed(Changed):
        filed_on: date
        copies: int
        office: str
        review_window_until: date

        def evolve(self, s: WageContractView) -> None:
            s.filed_on = self.filed_on
            s.review_window_until = self.review_window_until
            s.stage = Stage.FILED

    class ObjectionRaised(Changed):
        text: str

        def evolve(self, s: WageContractView) -> None:
            s.objections.append(self.text)
            s.stage = Stage.IN_TALKS

    class TookEffect(Changed):
        effective_on: date
        expires_on: date
        publication_due: date
        renewal_on: date

        def evolve(self, s: WageContractView) -> None:
            s.effective_on = self.effective_on
            s.expires_on = self.expires_on
            s.publication_due = self.publication_due
            s.renewal_on = self.renewal_on
            s.stage = Stage.EFFECTIVE

    class PublicationOverdue(Changed):
        def evolve(self, s: WageContractView) -> None:
            s.publication_overdue = True

    class Published(Changed):
        published_on: date
        channel: str

        def evolve(self, s: WageContractView) -> None:
            s.published_on = self.published_on
            s.stage = Stage.PUBLISHED

    class RenewalOpened(Changed):
        opened_on: date

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.RENEWAL_DUE

    def __init__(self, state: dict[str, Any], profile: dict[str, Any]) -> None:
        super().__init__()

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        command: OpenCase,
        meta: CommandMeta,
        *,
        unit_path: list[str],
        wage_area_class: int,
        profile: RuleProfile,
        today: date,
    ) -> WageContract:
        """Send the offer (要约) and open the case; the profile in force is recorded."""
        if meta.acting.role is not Role.CADRE or meta.acting.org_id != command.unit_org:
            raise NotAuthorised(
                f"只有本单位（{command.unit_org}）工会干部可以发出要约",
                f"only a cadre of {command.unit_org} may send the offer",
            )
        if len(unit_path) < 2:
            raise InvalidInput(
                f"{command.unit_org} 没有上级工会，无法预审",
                f"{command.unit_org} has no higher union to pre-review",
            )
        try:
            profile.wage_contract.minimum_wage.for_area(wage_area_class)
        except KeyError:
            raise InvalidInput(
                f"规则配置 {profile.name} 没有{wage_area_class}类工资区",
                f"profile {profile.name} has no wage area class {wage_area_class}",
            ) from None
        state = WageContractView(
            case_id=command.case_id,
            unit_org=command.unit_org,
            unit_path=unit_path,
            wage_area_class=wage_area_class,
            employer=command.employer,
            year=command.year,
            stage=Stage.OFFERED,
            version=1,
            profile_name=profile.name,
            profile_fingerprint=profile.fingerprint(),
            opened_by=meta.acting.actor_id,
            offer_on=today,
            offer_place=command.offer_place,
            offer_content=command.offer_content,
            reply_due=today + timedelta(days=profile.wage_contract.reply_days),
        )
        return cls._new(
            wage_contract_id(command.case_id),
            meta,
            state=state.model_dump(mode="json"),
            profile=profile.model_dump(mode="json"),
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def rule_profile(self) -> RuleProfile:
        """The profile recorded when the case opened."""
        return RuleProfile.model_validate(self.profile_data)

    def view(self) -> WageContractView:
        """A copy of the current state."""
        return self.s.model_copy(deep=True)

    # -- commands ----------------------------------------------------------------------

    def handle(self, command: Any, meta: CommandMeta, *, today: date, calendar: Calendar) -> None:
        """Run one command after the stage and authorisation rules allow it."""
        precheck(command.kind, meta.acting, self.s)
        getattr(self, f"_do_{command.kind}")(command, meta, today, calendar)

    def _do_record_reply(
        self, c: RecordReply, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        start = cal.add_working_days(
            today, self.rule_profile.wage_contract.talks_start_working_days
        )
        self._emit(
            self.ReplyReceived,
            meta,
            replied_on=today,
            content=c.content,
            talks_start_due=start.date,
            talks_start_due_provisional=start.provisional,
        )

    def _do_escalate_reply_overdue(
        self, c: Any, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if self.s.reply_overdue:
            return
        if today <= self.s.reply_due:
            raise InvalidState("回应期限未到", "the reply period has not ended")
        self._emit(self.ReplyOverdue, meta, escalated_to=self.s.unit_path[-2])

    def _do_appoint_negotiators(
        self, c: AppointNegotiators, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        names = {}
        for n in c.negotiators:
            if n.name in names and names[n.name] is not n.side:
                raise InvalidInput(
                    f"{n.name} 不能同时担任双方协商代表",
                    f"{n.name} cannot sit on both sides (CCR §24)",
                )
            if n.name in names:
                raise InvalidInput(f"{n.name} 重复", f"{n.name} is listed twice")
            names[n.name] = n.side
            if n.chief and n.outsider:
                raise InvalidInput(
                    f"外聘代表 {n.name} 不能担任首席代表",
                    f"outside expert {n.name} cannot be the chief (CCR §23)",
                )
        self._emit(
            self.NegotiatorsAppointed,
            meta,
            negotiators=[n.model_dump(mode="json") for n in c.negotiators],
        )

    def _do_record_talks_round(
        self, c: RecordTalksRound, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if not self.s.negotiators:
            raise InvalidState("请先确定协商代表", "appoint the negotiators first")
        self._emit(
            self.TalksRoundHeld,
            meta,
            round=self.s.rounds_held + 1,
            minutes=c.minutes,
            deadlocked=c.deadlocked,
        )

    def _do_suspend_talks(
        self, c: SuspendTalks, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        cap = self.rule_profile.wage_contract.suspension_cap_days
        if self.s.suspended_days_total + c.days > cap:
            left = cap - self.s.suspended_days_total
            raise InvalidInput(
                f"中止期限累计不得超过{cap}天（尚余{left}天）",
                f"suspensions may total at most {cap} days ({left} left)",
            )
        self._emit(
            self.TalksSuspended,
            meta,
            until=today + timedelta(days=c.days),
            days=c.days,
            reason=c.reason,
        )

    def _do_resume_talks(
        self, c: ResumeTalks, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if (
            meta.acting.role is Role.SYSTEM
            and self.s.suspended_until
            and today < self.s.suspended_until
        ):
            raise InvalidState("中止期限未到", "the suspension has not ended")
        self._emit(self.TalksResumed, meta, resumed_on=today)

    def _do_sign_draft(self, c: SignDraft, meta: CommandMeta, today: date, cal: Calendar) -> None:
        if self.s.rounds_held < 1:
            raise InvalidState("尚未进行协商，不能形成草案", "no talks round held yet")
        if not self.s.negotiators:
            raise InvalidState("请先确定协商代表", "appoint the negotiators first")
        self._emit(self.DraftSigned, meta, draft=c.draft.model_dump(mode="json"))

    def _do_revise_draft(
        self, c: ReviseDraft, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        self._emit(self.DraftRevised, meta, draft=c.draft.model_dump(mode="json"))

    def _do_submit_for_review(
        self, c: SubmitForReview, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        assert self.s.draft is not None  # DRAFTED implies a draft
        rules = self.rule_profile.wage_contract
        due = cal.add_working_days(today, rules.pre_review_working_days)
        review = ReviewRound(
            round=len(self.s.reviews) + 1,
            submitted_by=meta.acting.actor_id,
            submitted_on=today,
            checks=pre_review_checks(
                self.s.draft, self.s.negotiators, self.rule_profile, self.s.wage_area_class
            ),
            reviewer_org=self.s.unit_path[-2],
            due=due.date,
            due_provisional=due.provisional,
            due_from=today,
            reminder_on=working_days_before(
                cal, due.date, rules.pre_review_reminder_working_days_before, today
            ),
        )
        self._emit(self.SubmittedForReview, meta, review=review.model_dump(mode="json"))

    def _do_remind_reviewer(self, c: Any, meta: CommandMeta, today: date, cal: Calendar) -> None:
        review = self.s.reviews[-1]
        if not review.reminded:
            self._emit(self.ReviewerReminded, meta, round=review.round)

    def _do_escalate_review(self, c: Any, meta: CommandMeta, today: date, cal: Calendar) -> None:
        review = self.s.reviews[-1]
        if review.overdue_at_top:
            return
        if today <= review.due:
            raise InvalidState("预审期限未到", "the pre-review period has not ended")
        rules = self.rule_profile.wage_contract
        index = self.s.unit_path.index(review.reviewer_org)
        if index == 0 or not rules.pre_review_escalates:
            self._emit(
                self.ReviewEscalated,
                meta,
                round=review.round,
                to_org=None,
                due=None,
                due_provisional=False,
                reminder_on=None,
            )
            return
        due = cal.add_working_days(today, rules.pre_review_working_days)
        self._emit(
            self.ReviewEscalated,
            meta,
            round=review.round,
            to_org=self.s.unit_path[index - 1],
            due=due.date,
            due_provisional=due.provisional,
            due_from=today,
            reminder_on=working_days_before(
                cal, due.date, rules.pre_review_reminder_working_days_before, today
            ),
        )

    def _do_approve(self, c: ApproveReview, meta: CommandMeta, today: date, cal: Calendar) -> None:
        review = self.s.reviews[-1]
        failed = [ch.code for ch in review.checks if ch.hard and not ch.passed]
        reason = (c.override_reason or "").strip() or None
        if failed and reason is None:
            raise InvalidInput(
                f"硬性检查未通过（{', '.join(failed)}），批准须写明理由",
                f"hard checks failed ({', '.join(failed)}): approving needs an override reason",
            )
        self._emit(
            self.PreReviewApproved,
            meta,
            round=review.round,
            decided_on=today,
            override_reason=reason,
            failed_hard_checks=failed,
        )

    def _do_return_for_revision(
        self, c: ReturnForRevision, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        assert self.s.draft is not None
        known = {cl.no for cl in self.s.draft.clauses}
        unknown = [x.clause for x in c.comments if x.clause not in known and x.clause != "*"]
        if unknown:
            raise InvalidInput(
                f"草案中没有条款 {', '.join(unknown)}",
                f"the draft has no clause {', '.join(unknown)}",
            )
        self._emit(
            self.PreReviewReturned,
            meta,
            round=self.s.reviews[-1].round,
            decided_on=today,
            comments=[x.model_dump() for x in c.comments],
        )

    def _do_record_adoption_vote(
        self, c: RecordAdoptionVote, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if self.s.adoption_poll is not None:
            raise InvalidState(
                f"草案已提交职代会表决（{self.s.adoption_poll}），以表决结果为准",
                f"the draft is before the congress ({self.s.adoption_poll}); its poll decides",
            )
        if len(c.tellers) != 2:
            raise InvalidInput(
                "纸质表决结果须由两名计票人分别录入", "a paper vote needs both tellers' counts"
            )
        first, second = c.tellers
        if first.count != second.count:
            raise InvalidInput(
                f"两名计票人的计票结果不一致：{first.teller} {_counted(first.count)}；"
                f"{second.teller} {_counted(second.count)}",
                f"the tellers' counts differ: {first.teller} {_counted(first.count)}; "
                f"{second.teller} {_counted(second.count)}",
            )
        self._record_vote(first.count, meta, today, f"paper: {first.teller}, {second.teller}")

    def _do_request_adoption_poll(
        self, c: RequestAdoptionPoll, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if self.s.adoption_poll is not None:
            raise InvalidState("草案已提交职代会表决", "the draft is already before the congress")
        self._emit(
            self.AdoptionPollRequested,
            meta,
            session_id=c.session_id,
            item_no=c.item_no,
            poll_key=f"{c.session_id}:item{c.item_no}",
        )

    def _do_record_adoption_from_poll(
        self, c: RecordAdoptionFromPoll, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        if self.s.adoption_poll != c.poll_key or c.count is None:
            raise InvalidState("不是本合同的表决", "not this contract's poll")
        self._record_vote(c.count, meta, today, f"poll:{c.poll_key}")

    def _record_vote(self, count: VoteCount, meta: CommandMeta, today: date, source: str) -> None:
        quorum, passed = vote_outcome(count, self.rule_profile)
        self._emit(
            self.AdoptionVoteRecorded,
            meta,
            count=count.model_dump(),
            quorum_met=quorum,
            passed=passed,
            recorded_on=today,
            source=source,
        )

    def _do_sign_contract(
        self, c: SignContract, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        rules = self.rule_profile.wage_contract
        due = today + timedelta(days=rules.filing_days)
        before = rules.filing_reminder_days_before
        reminder = (
            due - timedelta(days=before)
            if before and due - timedelta(days=before) > today
            else None
        )
        self._emit(
            self.ContractSigned, meta, signed_on=today, filing_due=due, filing_reminder_on=reminder
        )

    def _do_remind_filing(self, c: Any, meta: CommandMeta, today: date, cal: Calendar) -> None:
        if not self.s.filing_reminded:
            self._emit(self.FilingReminded, meta)

    def _do_flag_filing_overdue(
        self, c: Any, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        assert self.s.filing_due is not None
        if today <= self.s.filing_due:
            raise InvalidState("备案期限未到", "the filing period has not ended")
        if not self.s.filing_overdue:
            self._emit(self.FilingOverdue, meta)

    def _do_file_contract(
        self, c: FileContract, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        needed = self.rule_profile.wage_contract.filing_copies
        if c.copies < needed:
            raise InvalidInput(f"报送备案须提交{needed}份文本", f"filing needs {needed} copies")
        window = self.rule_profile.wage_contract.review_window_days
        self._emit(
            self.Filed,
            meta,
            filed_on=today,
            copies=c.copies,
            office=c.office,
            review_window_until=today + timedelta(days=window),
        )

    def _do_record_objection(
        self, c: RecordObjection, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        assert self.s.review_window_until is not None
        if today > self.s.review_window_until:
            raise InvalidState("审查期已过，合同已视为生效", "the review window has ended")
        self._emit(self.ObjectionRaised, meta, text=c.text)

    def _do_take_effect(self, c: Any, meta: CommandMeta, today: date, cal: Calendar) -> None:
        assert self.s.review_window_until is not None and self.s.draft is not None
        if today <= self.s.review_window_until:
            raise InvalidState("审查期未满", "the review window has not ended")
        rules = self.rule_profile.wage_contract
        expires = add_months(today, self.s.draft.term_months) - timedelta(days=1)
        self._emit(
            self.TookEffect,
            meta,
            effective_on=today,
            expires_on=expires,
            publication_due=today + timedelta(days=rules.publication_days),
            renewal_on=expires - timedelta(days=rules.renewal_notice_days),
        )

    def _do_flag_publication_overdue(
        self, c: Any, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        assert self.s.publication_due is not None
        if today <= self.s.publication_due:
            raise InvalidState("公布期限未到", "the publication period has not ended")
        if not self.s.publication_overdue:
            self._emit(self.PublicationOverdue, meta)

    def _do_publish(
        self, c: PublishContract, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        self._emit(self.Published, meta, published_on=today, channel=c.channel)

    def _do_correct_deadlines(
        self, c: CorrectDeadlines, meta: CommandMeta, today: date, cal: Calendar
    ) -> None:
        rules = self.rule_profile.wage_contract
        talks: Any = None
        if self.s.talks_start_due_provisional and self.s.replied_on is not None:
            talks = cal.add_working_days(self.s.replied_on, rules.talks_start_working_days)
            if talks.date == self.s.talks_start_due and talks.provisional:
                talks = None
        review = self.s.current_review
        fixed: Any = None
        reminder: date | None = None
        if review is not None and review.due_provisional and not review.overdue_at_top:
            start = review.due_from or review.submitted_on
            fixed = cal.add_working_days(start, rules.pre_review_working_days)
            reminder = working_days_before(
                cal, fixed.date, rules.pre_review_reminder_working_days_before, start
            )
            if fixed.date == review.due and fixed.provisional:
                fixed = None
        if talks is None and fixed is None:
            return
        self._emit(
            self.DeadlinesCorrected,
            meta,
            talks_start_due=talks.date if talks else None,
            talks_start_due_provisional=talks.provisional if talks else False,
            review_round=review.round if fixed is not None and review is not None else None,
            review_due=fixed.date if fixed else None,
            review_due_provisional=fixed.provisional if fixed else False,
            review_reminder_on=reminder if fixed else None,
        )

    def _do_open_renewal(self, c: Any, meta: CommandMeta, today: date, cal: Calendar) -> None:
        assert self.s.renewal_on is not None
        if today < self.s.renewal_on:
            raise InvalidState("续签提醒日期未到", "the renewal notice date has not come")
        self._emit(self.RenewalOpened, meta, opened_on=today)
