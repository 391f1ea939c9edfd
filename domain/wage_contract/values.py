"""The wage contract case's state and value objects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from domain.base import deterministic_id
from domain.text import LongText, Name, OptionalLongText, ShortText


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


# The stages after filing, and after signing: a signature or filing on record in any other
# stage belongs to a round that an objection sent back to talks.
_FILED_STAGES = frozenset({Stage.FILED, Stage.EFFECTIVE, Stage.PUBLISHED, Stage.RENEWAL_DUE})
_SIGNED_STAGES = _FILED_STAGES | {Stage.SIGNED}


class Side(StrEnum):
    """The two parties at the table."""

    UNION = "union"  # 职工方
    EMPLOYER = "employer"  # 企业方


class Negotiator(BaseModel):
    """A negotiator (协商代表)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    side: Side
    chief: bool = False
    outsider: bool = False  # an outside expert (外聘专家)


class WageStandard(BaseModel):
    """A wage standard for one post, monthly yuan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    post: ShortText
    monthly_yuan: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class Clause(BaseModel):
    """One clause of the draft."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # "number" is accepted too: YAML 1.1 reads a bare ``no:`` key as the boolean false.
    no: str = Field(min_length=1, validation_alias=AliasChoices("no", "number"))
    title: ShortText
    text: OptionalLongText = ""


class Draft(BaseModel):
    """The draft contract (合同草案) as the chiefs signed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clauses: list[Clause] = Field(min_length=1)
    wage_standards: list[WageStandard] = Field(min_length=1)
    raise_pct: Decimal = Field(ge=-100, le=1000, max_digits=6, decimal_places=2)
    # None: the profile's term (``contract_term_months``), filled in when the draft is signed.
    term_months: int | None = Field(default=None, ge=1, le=120)
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

    clause: ShortText
    comment: LongText


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
    # An ancestor union that decided a round not (yet) escalated to it took it over.
    taken_over_from: str | None = None
    takeover_reason: str | None = None


class AdoptionVote(BaseModel):
    """A recorded 职代会 adoption vote and what the rules made of it."""

    count: VoteCount
    quorum_met: bool
    passed: bool
    recorded_on: date
    source: str = ""


class EmployeeRequest(BaseModel):
    """Employees' written request that the union send the offer (职工要求发出要约)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    employees: int = Field(gt=0)
    signatures: int = Field(gt=0)
    received_on: date


class DataRequest(BaseModel):
    """One side asked the other for data needed for talks (WCN §18: provided ≥5 days before)."""

    no: int
    requested_from: Side
    items: list[str]
    requested_on: date
    provided_on: date | None = None


class FilingPackage(BaseModel):
    """What was filed with the labour administration: copies and the adoption resolution."""

    copies: int
    office: str
    adopted_on: date | None = None  # None: filed before the package carried the resolution
    delegates_total: int = 0
    delegates_present: int = 0
    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0
    vote_source: str = ""


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
    talks_start_reminder_on: date | None = None
    talks_start_reminded: bool = False
    talks_start_overdue: bool = False
    requested_by_employees: EmployeeRequest | None = None
    negotiators: list[Negotiator] = Field(default_factory=list)
    rounds_held: int = 0
    data_requests: list[DataRequest] = Field(default_factory=list)
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
    filing_package: FilingPackage | None = None
    filing_missing: list[str] = Field(default_factory=list)  # what the office found missing
    filing_fix_due: date | None = None
    review_window_until: date | None = None
    objections: list[str] = Field(default_factory=list)
    effective_on: date | None = None
    expires_on: date | None = None
    publication_due: date | None = None
    publication_overdue: bool = False
    published_on: date | None = None
    higher_union_report_due: date | None = None
    higher_union_report_overdue: bool = False
    higher_union_reported_on: date | None = None
    renewal_on: date | None = None

    @property
    def current_review(self) -> ReviewRound | None:
        """The round under review now, if any."""
        if self.stage is Stage.UNDER_REVIEW and self.reviews:
            return self.reviews[-1]
        return None

    @property
    def talks_not_started(self) -> bool:
        """Whether the reply came but talks have not started (no round held, none suspended)."""
        return (
            self.stage is Stage.IN_TALKS
            and self.rounds_held == 0
            and self.suspended_days_total == 0
            and self.talks_start_due is not None
        )

    @property
    def signing_current(self) -> bool:
        """Whether the signing on record belongs to this round (an objection reopens talks)."""
        return self.signed_on is not None and self.stage in _SIGNED_STAGES

    @property
    def filing_current(self) -> bool:
        """Whether the filing on record stands: after an objection it is a past one."""
        return self.filed_on is not None and self.stage in _FILED_STAGES

    @property
    def terminal(self) -> bool:
        """Whether this round of the contract needs nothing more."""
        return self.stage is Stage.RENEWAL_DUE


def wage_contract_id(case_id: str) -> UUID:
    """The ledger id of a wage contract case."""
    return deterministic_id("wage-contract", case_id)
