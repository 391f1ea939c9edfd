"""What a poll is: its kinds, its spec, its result and its view, and the ids of its records."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.base import deterministic_id
from domain.errors import InvalidInput


class ItemKind(StrEnum):
    """Kinds of agenda item (议题类型)."""

    APPROVAL = "approval"  # 审议通过
    ADVICE = "advice"  # 审议建议
    ELECTION = "election"  # 民主选举
    APPRAISAL = "appraisal"  # 民主评议


class PollKind(StrEnum):
    """What a ballot asks."""

    YES_NO = "yes_no"  # 赞成/反对/弃权
    ELECTION = "election"  # 选举：选择不超过 N 名候选人
    APPRAISAL = "appraisal"  # 评议：满意/基本满意/不满意


YES_NO_OPTIONS = ["yes", "no", "abstain"]
APPRAISAL_OPTIONS = ["satisfied", "basically_satisfied", "dissatisfied"]
OPTION_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("赞成", "yes"),
    "no": ("反对", "no"),
    "abstain": ("弃权", "abstain"),
    "satisfied": ("满意", "satisfied"),
    "basically_satisfied": ("基本满意", "basically satisfied"),
    "dissatisfied": ("不满意", "dissatisfied"),
}


class PollStatus(StrEnum):
    """Where a poll stands."""

    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"


class PollSpec(BaseModel):
    """An item put to the vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    poll_key: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")
    congress_key: str
    session_id: str
    item_no: int = Field(ge=1)
    title: str = Field(min_length=1)
    item_kind: ItemKind
    kind: PollKind
    secret: bool
    candidates: list[str] = Field(default_factory=list)
    max_choices: int = Field(default=1, ge=1)
    paper: bool = False  # counted by two tellers from paper ballots (纸质选票)
    tellers: list[str] = Field(default_factory=list)  # 监票人, 计票人

    @model_validator(mode="after")
    def _consistent(self) -> PollSpec:
        if self.kind is PollKind.ELECTION:
            if not self.candidates or len(set(self.candidates)) != len(self.candidates):
                raise ValueError("an election needs distinct candidates")
            if self.max_choices > len(self.candidates):
                raise ValueError("max_choices exceeds the number of candidates")
        elif self.candidates:
            raise ValueError("only an election has candidates")
        if self.paper and (len(self.tellers) != 2 or len(set(self.tellers)) != 2):
            raise ValueError("a paper ballot needs two different tellers")
        return self

    def options(self) -> list[str]:
        """The choices a ballot may name."""
        if self.kind is PollKind.YES_NO:
            return YES_NO_OPTIONS
        if self.kind is PollKind.APPRAISAL:
            return APPRAISAL_OPTIONS
        return list(self.candidates)

    def check_choices(self, choices: list[str]) -> None:
        """Refuse a ballot that names unknown options or too many."""
        if len(set(choices)) != len(choices):
            raise InvalidInput("选票中有重复选项", "a ballot names an option twice")
        unknown = [c for c in choices if c not in self.options()]
        if unknown:
            raise InvalidInput(f"无效选项：{', '.join(unknown)}", f"unknown option {unknown}")
        limit = self.max_choices if self.kind is PollKind.ELECTION else 1
        if self.kind is PollKind.ELECTION and not choices:
            return  # an empty election ballot is a valid blank ballot (空白票)
        if not 1 <= len(choices) <= limit:
            raise InvalidInput(f"应选择 1 至 {limit} 项", f"choose between 1 and {limit} options")


class TallyResult(BaseModel):
    """The counted result of a poll."""

    counts: dict[str, int]
    ballots: int
    total_delegates: int
    present: int
    quorum_met: bool
    rule: str
    passed: bool | None = None  # yes/no items
    elected: list[str] = Field(default_factory=list)  # elections
    satisfaction_rate: str | None = None  # appraisals: (满意+基本满意)/ballots


class PublishedBallot(BaseModel):
    """A secret ballot as earlier versions published it: a receipt code with the choices.

    Polls tallied since publish receipts and choices apart (``PollView.published_receipts``,
    ``published_choices``), so a receipt proves inclusion and never shows the vote.
    """

    receipt: str
    choices: list[str]


class PaperCount(BaseModel):
    """One teller's count of the paper ballots."""

    teller: str
    counts: dict[str, int]
    ballots: int


class PollView(BaseModel):
    """Everything known about one poll."""

    spec: PollSpec
    unit_org: str
    status: PollStatus
    version: int = 0
    opened_at: datetime
    total_delegates: int
    present_at_open: int
    public_key: str | None = None  # X25519, hex: secret ballots are sealed to it
    # SHA-256 of the public key, committed when the poll opened (also kept in the key
    # directory): a ballot is sealed only to a key that matches it.
    key_fingerprint: str | None = None
    opened_after: int = 0  # the ledger's last notification id when the poll opened
    closed_at: datetime | None = None
    close_reason: str | None = None
    present_at_close: int | None = None
    participants: int | None = None
    paper_counts: list[PaperCount] = Field(default_factory=list)
    paper_mismatch: bool = False
    result: TallyResult | None = None
    published: list[PublishedBallot] = Field(default_factory=list)  # earlier versions
    published_receipts: list[str] = Field(default_factory=list)  # sorted
    published_choices: list[list[str]] = Field(default_factory=list)  # shuffled
    published_digest: str | None = None
    ballots_collected: int | None = None  # sealed ballots moved from the spool in one batch
    key_destroyed: bool = False

    @property
    def commitment_ok(self) -> bool:
        """Whether the stored public key still matches the fingerprint committed with it."""
        if self.public_key is None or self.key_fingerprint is None:
            return True
        return key_fingerprint(self.public_key) == self.key_fingerprint


def key_fingerprint(public_key_hex: str) -> str:
    """The commitment to a poll's public key: SHA-256 of its raw bytes, hex."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def poll_id(poll_key: str) -> UUID:
    """The ledger id of a poll."""
    return deterministic_id("poll", poll_key)


def named_ballot_id(poll_key: str, voter: str) -> UUID:
    """A named ballot's id: one per voter and poll, so a second one collides."""
    return deterministic_id("named-ballot", f"{poll_key}:{voter}")


def participation_id(poll_key: str, voter: str) -> UUID:
    """A secret poll's record that this voter voted: one per voter and poll."""
    return deterministic_id("participation", f"{poll_key}:{voter}")
