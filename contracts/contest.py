"""Requests and results of the contest round's activities (pure models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from domain.actors import CommandMeta

RoundStepKind = Literal["close_registration", "start_judging", "rank"]
NoticeStepKind = Literal["post_notice", "close_notice"]


class ContestRoundRef(BaseModel):
    round_key: str


class ContestBrief(BaseModel):
    """Where a round stands: what its workflow needs, small enough for history."""

    round_key: str
    title: str
    organiser_org: str
    phase: str
    version: int
    registration_closes: date
    self_assessment_closes: date | None = None
    ranks_on: date | None = None
    remind_every_days: int = 7
    commit_reveal: bool = False
    notice_ends: date | None = None  # the public notice's last day, once posted


class ContestStepRequest(BaseModel):
    round_key: str
    kind: RoundStepKind
    meta: CommandMeta


class RemindRequest(BaseModel):
    """One page of reminders (entries after key ``after``); ``step`` names the day's."""

    round_key: str
    step: str
    now: datetime
    after: str = ""


class RemindResult(BaseModel):
    reminded: int
    last: str
    more: bool


class TallyResult(BaseModel):
    owed: int
    committed: int
    submitted: int


class NoticeStepRequest(BaseModel):
    """The engine posts the ranking's notice, or closes it after its last day."""

    round_key: str
    kind: NoticeStepKind
    meta: CommandMeta


class TitlesRequest(BaseModel):
    """Grant the closed round's titles not yet in their registers."""

    round_key: str
    now: datetime


class TitlesResult(BaseModel):
    granted: int
    already: int
    held: int
