"""The state of a selection round and of each nomination, their stages and labels.

"两审三公示": a nomination passes the unit's own steps (党政工 joint agreement, the unit's
congress approving in a poll, the unit-level notice), the first review of the county or
industry union (初审) and its notice, the departments' clearances, the second review
(复审), the federation's notice, and the committee's vote.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.award.definition import AwardDefinition, Label
from domain.base import deterministic_id
from domain.objections import ObjectionRecord
from domain.objections import ObjectionStatus as ObjectionStatus  # re-exported
from domain.text import Key, LongText, Name, OptionalShortText, ShortText

ROUND_KIND = "award_round"
NOMINATION_KIND = "award_nomination"
HONOURS_KIND = "honours"


def round_ledger_id(round_key: str) -> uuid.UUID:
    return deterministic_id(ROUND_KIND, round_key)


def nomination_key(round_key: str, unit_org: str, person: str) -> str:
    """A nomination's key: one per round, nominating unit and person (or collective)."""
    return f"{round_key}:{unit_org}:{person}"


def nomination_ledger_id(key: str) -> uuid.UUID:
    return deterministic_id(NOMINATION_KIND, key)


def honours_ledger_id(person: str) -> uuid.UUID:
    return deterministic_id(HONOURS_KIND, person)


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Nominee(BaseModel):
    """Who is nominated, as the unit's cadre enters them; ``person`` is the stable id the
    honours register keys on (e.g. the number of the ID card, or a collective's code)."""

    model_config = ConfigDict(extra="forbid")

    person: Key
    name: Name
    gender: Gender | None = None  # None for a collective
    unit_org: Key  # the nominating base union's organisation
    sub_union: Key  # the county / industry union whose places it uses
    post: ShortText  # 职务/岗位
    category: Key
    flags: list[Key] = Field(default_factory=list)
    deeds: LongText  # 主要事迹 (summary)


class NoticeLevel(StrEnum):
    """The three notices (三公示)."""

    UNIT = "unit"  # posted at the nominating unit
    SUB_UNION = "sub_union"  # after the first review, by the county/industry union
    FEDERATION = "federation"  # after the second review, by the federation


NOTICE_LABELS: dict[NoticeLevel, Label] = {
    NoticeLevel.UNIT: ("单位公示", "unit notice"),
    NoticeLevel.SUB_UNION: ("初审后公示", "notice after the first review"),
    NoticeLevel.FEDERATION: ("总工会公示", "the federation's notice"),
}


class Notice(BaseModel):
    level: NoticeLevel
    starts: date
    ends: date  # the last day of the notice (working days on the statutory calendar)
    list_hash: str = ""  # the federation's notice commits its list (SHA-256)
    closed: bool = False


class Objection(ObjectionRecord):
    """An objection filed during one of the nomination's notices."""

    notice: NoticeLevel


class ClearanceStatus(StrEnum):
    PENDING = "pending"
    CLEAR = "clear"  # 无异议
    NEGATIVE = "negative"  # 有问题: the nominee is removed


class ClearanceState(BaseModel):
    key: Key
    department: Key  # the department actor asked
    status: ClearanceStatus = ClearanceStatus.PENDING
    due: date
    reminded: bool = False
    escalated: bool = False
    opinion: str = ""
    answered_on: date | None = None


class Review(BaseModel):
    reviewer: str
    passed: bool
    opinion: str
    on: date


class NominationStage(StrEnum):
    PREPARING = "preparing"  # the unit's agreement, congress approval, unit notice
    SUBMITTED = "submitted"  # in the round, waiting for the first review
    FIRST_NOTICE = "first_notice"  # first review passed; the sub-union's notice runs
    CLEARANCES = "clearances"  # the departments' opinions are asked
    SECOND_REVIEW = "second_review"  # cleared; waits for the federation's second review
    RECOMMENDED = "recommended"  # passed the second review; waits for the federation's notice
    FEDERATION_NOTICE = "federation_notice"
    COMMITTEE = "committee"  # noticed without objection upheld; waits for the vote
    APPROVED = "approved"
    REMOVED = "removed"  # by a review, a clearance, an objection or the vote
    WITHDRAWN = "withdrawn"  # by the nominating unit


NOMINATION_STAGE_LABELS: dict[NominationStage, Label] = {
    NominationStage.PREPARING: ("单位推荐中", "being nominated by the unit"),
    NominationStage.SUBMITTED: ("待初审", "awaiting the first review"),
    NominationStage.FIRST_NOTICE: ("初审后公示中", "in the notice after the first review"),
    NominationStage.CLEARANCES: ("征求部门意见中", "clearances requested"),
    NominationStage.SECOND_REVIEW: ("待复审", "awaiting the second review"),
    NominationStage.RECOMMENDED: (
        "复审通过，待总工会公示",
        "passed; awaiting the federation's notice",
    ),
    NominationStage.FEDERATION_NOTICE: ("总工会公示中", "in the federation's notice"),
    NominationStage.COMMITTEE: ("待评审委员会表决", "awaiting the committee's vote"),
    NominationStage.APPROVED: ("已批准", "approved"),
    NominationStage.REMOVED: ("已取消", "removed"),
    NominationStage.WITHDRAWN: ("已撤回", "withdrawn"),
}

OUT = frozenset({NominationStage.REMOVED, NominationStage.WITHDRAWN})


class NominationView(BaseModel):
    """One nomination's state: also what the round's lists and the pages read."""

    version: int = 0
    key: str
    round_key: str
    definition_key: str
    nominee: Nominee
    stage: NominationStage = NominationStage.PREPARING
    nominated_by: str  # the unit cadre
    joint_agreement: str = ""  # 党政工联席会议 record (date, minutes reference)
    congress_poll: str = ""  # the poll of the unit's congress that approved the nominee
    congress_votes: str = ""  # "赞成 23 / 应到 29" as the poll's facts said
    notices: list[Notice] = Field(default_factory=list)
    objections: list[Objection] = Field(default_factory=list)
    clearances: list[ClearanceState] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)  # first, then second
    removed_reason: str = ""
    removed_by: str = ""
    withdrawn_reason: str = ""

    def notice(self, level: NoticeLevel) -> Notice | None:
        return next((n for n in self.notices if n.level == level), None)

    def notice_of_unit_closed(self) -> bool:
        unit = self.notice(NoticeLevel.UNIT)
        return unit is not None and unit.closed

    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.status is ObjectionStatus.OPEN]

    @property
    def in_list(self) -> bool:
        """Still in the running (counts against places and in the proportions)."""
        return self.stage not in OUT and self.stage is not NominationStage.PREPARING


class RoundStage(StrEnum):
    NOMINATING = "nominating"
    REVIEWING = "reviewing"  # first reviews, sub-union notices, clearances, second reviews
    FEDERATION_NOTICE = "federation_notice"
    COMMITTEE = "committee"
    APPROVED = "approved"
    PUBLISHED = "published"


ROUND_STAGE_LABELS: dict[RoundStage, Label] = {
    RoundStage.NOMINATING: ("推荐中", "nominating"),
    RoundStage.REVIEWING: ("审核中", "reviewing"),
    RoundStage.FEDERATION_NOTICE: ("总工会公示中", "in the federation's notice"),
    RoundStage.COMMITTEE: ("评审委员会表决中", "the committee votes"),
    RoundStage.APPROVED: ("已批准", "approved"),
    RoundStage.PUBLISHED: ("已发布", "published"),
}


class RoundView(BaseModel):
    """A selection round: its definition (recorded whole), stage, dates and lists."""

    version: int = 0
    key: str
    federation_org: str  # the union running the round (its reviewers do the 复审)
    title: str  # e.g. "2027年大连市劳动模范评选"
    definition: AwardDefinition
    departments: dict[str, str]  # clearance key -> the department actor asked
    stage: RoundStage = RoundStage.NOMINATING
    opened_by: str
    nominations_close: date
    notice: Notice | None = None  # the federation's notice of the whole list
    noticed: list[str] = Field(default_factory=list)  # the nominations in that notice
    committee_poll: str = ""
    committee_result: str = ""
    final_list: list[str] = Field(default_factory=list)  # nomination keys, in order
    final_hash: str = ""
    published_on: date | None = None
    published_channel: OptionalShortText = ""
