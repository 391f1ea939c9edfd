"""Requests and results of the contest round's activities (pure models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from domain.actors import CommandMeta

RoundStepKind = Literal["close_registration", "start_judging", "rank"]


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
