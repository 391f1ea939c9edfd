"""The state of a contest round, of each entry and of each judge's score sheet.

A round holds its definition (recorded whole), phase, the organiser's conflicts and, once
ranked, the ranking with the hash of its inputs; each entry and each sheet is a record of
its own, so the round's events grow with nothing but its phases.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.base import deterministic_id
from domain.contest.definition import Conflict, ContestDefinition, Label
from domain.objections import ObjectionRecord

ROUND_KIND = "contest_round"
ENTRY_KIND = "contest_entry"
SHEET_KIND = "contest_sheet"

Marks = dict[str, Decimal]  # item key -> points given


def round_ledger_id(round_key: str) -> uuid.UUID:
    return deterministic_id(ROUND_KIND, round_key)


def entry_key(round_key: str, entrant: str) -> str:
    """An entry's key: one per round and entrant (a unit's org code or a person's id)."""
    return f"{round_key}:{entrant}"


def entry_ledger_id(key: str) -> uuid.UUID:
    return deterministic_id(ENTRY_KIND, key)


def sheet_key(entry: str, judge: str) -> str:
    """A sheet's key: one per entry and judge, so a second sheet meets the first."""
    return f"{entry}:{judge}"


def sheet_ledger_id(key: str) -> uuid.UUID:
    return deterministic_id(SHEET_KIND, key)


def blind_code(salt: str, entrant: str) -> str:
    """The code a blind judge sees instead of the entrant's name."""
    return hashlib.sha256(f"{salt}:{entrant}".encode()).hexdigest()[:8].upper()


class Phase(StrEnum):
    REGISTRATION = "registration"  # entries register and may self-assess
    SELF_ASSESSMENT = "self_assessment"  # registration closed; self-assessments due
    JUDGING = "judging"  # judges assigned and scoring
    RANKED = "ranked"  # the ranking is recorded with the hash of its inputs
    NOTICE = "notice"  # the ranking's public notice (公示) runs; objections may be filed
    CLOSED = "closed"  # the notice closed: the awards are granted


RANKED_OR_LATER = (Phase.RANKED, Phase.NOTICE, Phase.CLOSED)  # the round's workflow is done

PHASE_LABELS: dict[Phase, Label] = {
    Phase.REGISTRATION: ("报名中", "registration"),
    Phase.SELF_ASSESSMENT: ("自评中", "self-assessment"),
    Phase.JUDGING: ("评审中", "judging"),
    Phase.RANKED: ("已排名", "ranked"),
    Phase.NOTICE: ("公示中", "in public notice"),
    Phase.CLOSED: ("公示结束，奖项已确定", "notice closed, awards granted"),
}


class FactRef(BaseModel):
    """A ledger fact a veto rests on: the record and the event that say it."""

    record: str
    event: str
    on: date | None = None
    detail: str = ""


class VetoHit(BaseModel):
    """A veto that applies to an entry, naming its clause and the fact it rests on."""

    key: str
    zh: str
    en: str
    rests_on: FactRef


class RankRow(BaseModel):
    """One entry in the ranking: how its score was made, its place and its award."""

    entry: str
    entrant: str
    name: str
    unit_org: str
    category: str = ""
    sheets: int = 0
    dropped: list[str] = Field(default_factory=list)  # judges whose sheet was dropped
    committee: Decimal | None = None  # the judges' score (after drop and normalisation)
    self_total: Decimal | None = None
    score: Decimal | None = None  # the final score the ranking is by
    sections: dict[str, Decimal] = Field(default_factory=dict)  # the kept sheets' means
    below_minimum: list[str] = Field(default_factory=list)  # sections under their minimum
    vetoes: list[VetoHit] = Field(default_factory=list)
    note: str = ""  # e.g. "only 2 sheets: all kept"
    rank: int | None = None  # None: vetoed or not scored
    award: str = ""  # the award category's key
    advances: bool = False
    removed: str = ""  # an upheld objection's findings: out of the ranking and the awards
    held: list[str] = Field(default_factory=list)  # award keys whose title it already holds


class Ranking(BaseModel):
    rows: list[RankRow]
    inputs_hash: str
    sheets: int


class ContestNotice(BaseModel):
    """The public notice of the ranking: its first and last day (working days)."""

    starts: date
    ends: date
    closed: bool = False


class ContestObjection(ObjectionRecord):
    """An objection to one entry of the ranking in notice."""

    entry: str


class RoundView(BaseModel):
    """A contest round: its definition (recorded whole), phase and ranking."""

    version: int = 0
    key: str
    title: str
    definition: ContestDefinition
    stage: str  # the definition's stage this round runs (初赛, 决赛)
    year: int
    organiser_org: str
    opened_by: str
    registration_closes: date
    self_assessment_closes: date | None = None  # the engine starts judging after it
    ranks_on: date | None = None  # the engine ranks the round on this day
    previous_round: str = ""
    advanced: list[str] = Field(default_factory=list)  # entrants the previous round sent on
    phase: Phase = Phase.REGISTRATION
    conflicts: list[Conflict] = Field(default_factory=list)  # set by the organiser
    blind_salt: str
    ranking: Ranking | None = None
    ranked_at: datetime | None = None
    notice: ContestNotice | None = None
    objections: list[ContestObjection] = Field(default_factory=list)
    removed: dict[str, str] = Field(default_factory=dict)  # entry -> the upheld findings

    def conflicts_all(self) -> list[Conflict]:
        return [*self.definition.judging.conflicts, *self.conflicts]


class EntryStatus(StrEnum):
    REGISTERED = "registered"
    ADMITTED = "admitted"  # self-assessment meets the entry conditions (or none needed)
    NOT_ADMITTED = "not_admitted"


ENTRY_STATUS_LABELS: dict[EntryStatus, Label] = {
    EntryStatus.REGISTERED: ("已报名", "registered"),
    EntryStatus.ADMITTED: ("已入围", "admitted"),
    EntryStatus.NOT_ADMITTED: ("未达参评条件", "not admitted"),
}


class Recusal(BaseModel):
    judge: str
    reason: str


class EntryView(BaseModel):
    """An entry of a round: the entrant, its self-assessment and its judges."""

    version: int = 0
    key: str
    round_key: str
    entrant: str  # the unit's org code, or the person's id
    name: str
    unit_org: str  # the unit (for a person: their unit), for recusal and vetoes
    category: str = ""
    code: str  # what a blind judge sees
    registered_by: str
    status: EntryStatus = EntryStatus.REGISTERED
    self_marks: Marks | None = None
    self_total: Decimal | None = None
    admission: list[str] = Field(default_factory=list)  # why it is not admitted
    judges: list[str] = Field(default_factory=list)
    recusals: list[Recusal] = Field(default_factory=list)
    reminded: list[date] = Field(default_factory=list)  # days the unit was reminded


class SheetStatus(StrEnum):
    AWAITING_SECOND_ENTRY = "awaiting_second_entry"  # a paper sheet entered once
    COMMITTED = "committed"  # its hash is committed; the marks come with the reveal
    SUBMITTED = "submitted"  # counts in the ranking


SHEET_STATUS_LABELS: dict[SheetStatus, Label] = {
    SheetStatus.AWAITING_SECOND_ENTRY: ("待二次录入", "awaiting the second entry"),
    SheetStatus.COMMITTED: ("已提交摘要，待揭示", "committed, awaiting the reveal"),
    SheetStatus.SUBMITTED: ("已评分", "submitted"),
}


class SheetView(BaseModel):
    """One judge's score sheet for one entry."""

    version: int = 0
    key: str
    round_key: str
    entry: str
    judge: str
    status: SheetStatus
    marks: Marks = Field(default_factory=dict)  # empty while only committed
    commitment: str = ""  # SHA-256 of the marks and the judge's nonce
    entered_by: str = ""  # a paper sheet's first clerk
    confirmed_by: str = ""  # its second clerk
