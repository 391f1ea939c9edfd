"""The state of motions and calls for motions, and their value objects."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.base import deterministic_id
from domain.profiles import RuleProfile

MOTION_ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
TITLE_MAX = 60


class Stage(StrEnum):
    """Where a motion stands."""

    SECONDING = "seconding"  # 征集附议中
    LAPSED = "lapsed"  # 附议人数不足，已失效
    AWAITING_DECISION = "awaiting_decision"  # 待提案委员会审查
    REJECTED = "rejected"  # 不予立案
    REGISTERED = "registered"  # 已立案，待交办
    IN_HANDLING = "in_handling"  # 承办中
    ANSWERED = "answered"  # 已答复，待提案人评价
    CLOSED = "closed"  # 已办结


TERMINAL_STAGES = frozenset({Stage.LAPSED, Stage.REJECTED, Stage.CLOSED})

STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.SECONDING: ("征集附议中", "open for seconding"),
    Stage.LAPSED: ("附议人数不足，已失效", "lapsed: too few seconders"),
    Stage.AWAITING_DECISION: ("待提案委员会审查", "awaiting the committee's decision"),
    Stage.REJECTED: ("不予立案", "not filed (rejected)"),
    Stage.REGISTERED: ("已立案，待交办", "filed, awaiting assignment"),
    Stage.IN_HANDLING: ("承办中", "being handled"),
    Stage.ANSWERED: ("已答复，待提案人评价", "answered, awaiting the proposer's rating"),
    Stage.CLOSED: ("已办结", "closed as handled"),
}


class Decision(StrEnum):
    """The motions committee's decision."""

    FILE = "file"  # 立案
    REJECT = "reject"  # 不予立案


class Rating(StrEnum):
    """The proposer's rating of an answer."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


RATING_LABELS: dict[Rating, tuple[str, str]] = {
    Rating.SATISFIED: ("满意", "satisfied"),
    Rating.BASICALLY_SATISFIED: ("基本满意", "basically satisfied"),
    Rating.DISSATISFIED: ("不满意", "dissatisfied"),
}


def parse_rating(text: str) -> Rating | None:
    """A rating from its English value or Chinese label (None when neither)."""
    value = text.strip()
    for rating, (zh, _) in RATING_LABELS.items():
        if value.lower() == rating.value or value == zh:
            return rating
    return None


class MotionRules(BaseModel):
    """The profile's motion rules, recorded when the motion is filed."""

    model_config = ConfigDict(frozen=True)

    seconders_min: int
    answer_months: int
    extension_months: int
    # Motions filed before the profile had this field were reminded a week ahead.
    answer_reminder_days: int = 7

    @classmethod
    def of(cls, profile: RuleProfile) -> MotionRules:
        """The motion rules of a profile."""
        rules = profile.congress
        return cls(
            seconders_min=rules.motion_seconders_min,
            answer_months=rules.motion_answer_months,
            extension_months=rules.motion_extension_months,
            answer_reminder_days=rules.motion_answer_reminder_days,
        )


class MotionCallView(BaseModel):
    """A call for motions (提案征集) before a session of one congress."""

    call_key: str
    congress_key: str
    unit_org: str
    unit_path: list[str]
    session_on: date
    opened_on: date
    closes_on: date  # the session day: the window closes as that day begins
    opened_by: str
    notice_days: int
    advised_notice_days: int  # the profile's motion_call_days_before, kept for the record
    version: int = 0

    def is_open(self, today: date) -> bool:
        """Whether motions may be filed and seconded on ``today``."""
        return self.opened_on <= today < self.closes_on

    @property
    def short_notice(self) -> bool:
        """Opened later than the profile advises (recorded, not refused)."""
        return self.notice_days < self.advised_notice_days


class Answer(BaseModel):
    """One written answer of the lead department, and the proposer's rating of it."""

    round: int
    text: str
    answered_by: str
    answered_on: date
    late: bool = False
    rating: Rating | None = None
    opinion: str = ""  # the proposer's view of the answer, with the rating
    rated_on: date | None = None


class MotionView(BaseModel):
    """Everything known about one motion; the state the events evolve."""

    motion_id: str
    call_key: str
    congress_key: str
    unit_org: str
    unit_path: list[str]
    chair: str  # the cadre who opened the call; overdue answers are escalated to them
    proposer: str
    title: str
    reasons: str
    proposal: str
    filed_on: date
    closes_on: date
    rules: MotionRules
    profile_name: str
    profile_fingerprint: str
    stage: Stage
    version: int = 0
    seconders: list[str] = Field(default_factory=list)
    decision: Decision | None = None
    decision_reasons: str = ""
    decided_by: str | None = None
    decided_on: date | None = None
    lead_department: str | None = None
    supporting_departments: list[str] = Field(default_factory=list)
    assigned_on: date | None = None
    handling_round: int = 0
    due: date | None = None
    reminder_on: date | None = None
    reminded: bool = False
    overdue: bool = False
    escalated_to: str | None = None
    extended: bool = False
    extension_reason: str = ""
    answers: list[Answer] = Field(default_factory=list)
    closed_on: date | None = None

    @property
    def terminal(self) -> bool:
        """Whether the motion needs nothing more."""
        return self.stage in TERMINAL_STAGES

    @property
    def rating(self) -> Rating | None:
        """The latest rating, if the latest answer was rated."""
        return self.answers[-1].rating if self.answers else None


def call_key_for(congress_key: str, session_on: date) -> str:
    """The key of a congress's call for motions before the session on ``session_on``."""
    return f"{congress_key}:{session_on.isoformat()}"


def motion_call_id(call_key: str) -> UUID:
    """The ledger id of a call for motions."""
    return deterministic_id("motion-call", call_key)


def motion_ledger_id(motion_id: str) -> UUID:
    """The ledger id of a motion."""
    return deterministic_id("motion", motion_id)
