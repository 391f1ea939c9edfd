"""Requests and results of the award round's activities (pure models)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.award.commands import RoundCommand


class RoundRef(BaseModel):
    round_key: str


class RoundBrief(BaseModel):
    """Where a round stands: what its workflow needs, small enough for history."""

    round_key: str
    title: str
    federation_org: str
    stage: str
    version: int
    nominations_close: date
    notice_ends: date | None = None
    final_names: int = 0


class RoundStepRequest(BaseModel):
    round_key: str
    command: RoundCommand
    meta: CommandMeta


class PageRequest(BaseModel):
    """One page of a bulk step over the round's nominations, after key ``after``."""

    round_key: str
    now: datetime
    after: str = ""


class PageResult(BaseModel):
    done: int
    last: str
    more: bool
    notices_closed: int = 0
    reminded: int = 0
    escalated: int = 0


class CommitteeRequest(BaseModel):
    round_key: str
    poll_key: str
    meta: CommandMeta
