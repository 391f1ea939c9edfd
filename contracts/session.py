"""Inputs of the congress session activities: one pydantic model each (pure: no I/O)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.poll import PollSpec
from domain.session import ItemOutcome, SessionView


class ConveneRequest(BaseModel):
    """Convene a session."""

    state: SessionView
    meta: CommandMeta


SessionStepKind = Literal[
    "open",
    "close",
    "flag_publication_overdue",
    "publish",
    "remind_report",
    "flag_report_overdue",
    "report",
]


class SessionStep(BaseModel):
    """A step of the session that its clock fires (a reminder, an overdue flag)."""

    kind: SessionStepKind


class SessionCommand(BaseModel):
    """One step of the session's own lifecycle."""

    session_id: str
    kind: SessionStepKind
    meta: CommandMeta


class DecideRequest(BaseModel):
    """Record an item's outcome on the session."""

    session_id: str
    outcome: ItemOutcome
    meta: CommandMeta


class SetAsideRequest(BaseModel):
    """Set an item aside, with the chair's reason."""

    session_id: str
    item_no: int
    reason: str
    meta: CommandMeta


class OpenPollRequest(BaseModel):
    """Open an item's poll."""

    spec: PollSpec
    meta: CommandMeta


class PollStep(BaseModel):
    """Close or tally a poll."""

    poll_key: str
    meta: CommandMeta
    reason: str = ""


class RollStatus(BaseModel):
    """Whether a poll's roll is complete, as the ledger has it (counts only, no voter)."""

    poll_key: str
    open: bool
    complete: bool
