"""``/api/v1/sessions``: the chair's steps and the tellers' paper counts, as JSON.

The same ``SessionService`` calls as the chair's screen and the count form
(``interfaces/web/pages/congress.py``, ``voting.py``) and ``unionflow congress
open|open-poll|close-poll|set-aside|close|publish|report|count``: the actor is the signed-in
person, never a field of the body, and the facade refuses whoever may not (a cadre of the
unit chairs; only the item's tellers count). A ``command_id`` makes a retried request
apply once: it becomes the workflow update's id, or the count entry's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from domain.poll import PollView
from domain.session import SessionView
from domain.text import Key, Minutes, Name, OptionalLongText, ShortText
from interfaces.web.app import context_of
from interfaces.web.auth import Me
from interfaces.web.problem import responses
from workflows.congress_session import PollProgress

router = APIRouter(prefix="/api/v1/sessions", tags=["chair 主持与计票"], responses=responses())

ItemNo = Annotated[int, Path(ge=1, le=1000)]
CommandId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class SessionStep(StrEnum):
    """The session's own steps, in their order: 开幕, 闭幕, 公布结果, 报告上级工会."""

    OPEN = "open"
    CLOSE = "close"
    PUBLISH = "publish"
    REPORT = "report"


# The facade method of each step (as the chair's screen posts them).
STEP_METHODS = {
    SessionStep.OPEN: "open_session",
    SessionStep.CLOSE: "close_session",
    SessionStep.PUBLISH: "publish_results",
    SessionStep.REPORT: "report",
}


class StepRequest(BaseModel):
    """A step of the session, with the comment recorded with it."""

    comment: OptionalLongText = ""
    command_id: CommandId | None = None


class OpenPollRequest(BaseModel):
    """Put an item to the vote: paper ballots need two tellers (监票人、计票人)."""

    paper: bool = False
    tellers: list[Key] = Field(default_factory=list, max_length=2)
    minutes: Minutes | None = None
    command_id: CommandId | None = None


class ClosePollRequest(BaseModel):
    """End voting on an item; counting follows."""

    command_id: CommandId | None = None


class SetAsideRequest(BaseModel):
    """Set an item aside (搁置) with the reason, so a stuck count never blocks the close."""

    reason: ShortText
    command_id: CommandId | None = None


class PaperCountRequest(BaseModel):
    """One teller's count of a paper item: votes per option (yes/no/abstain, an
    appraisal's, or candidates' ids) and the ballots collected."""

    counts: dict[Name, Annotated[int, Field(ge=0, le=100_000)]] = Field(max_length=1000)
    ballots: int = Field(ge=0, le=100_000)
    command_id: CommandId | None = None


@router.post("/{sid}/steps/{step}", response_model=SessionView)
async def session_step(
    request: Request, sid: str, step: SessionStep, body: StepRequest, me: Me
) -> SessionView:
    """Open, close, publish or report the session (``congress open|close|publish|report``)."""
    svc = (await context_of(request).facades()).sessions
    method = getattr(svc, STEP_METHODS[step])
    view: SessionView = await method(sid, me.actor_id, body.comment, command_id=body.command_id)
    return view


@router.post("/{sid}/items/{no}/open", response_model=PollView)
async def open_poll(
    request: Request, sid: str, no: ItemNo, body: OpenPollRequest, me: Me
) -> PollView:
    """Put an item to the vote (``congress open-poll``); the quorum is checked as it opens."""
    svc = (await context_of(request).facades()).sessions
    return await svc.open_poll(
        sid,
        me.actor_id,
        no,
        minutes=body.minutes,
        paper=body.paper,
        tellers=list(body.tellers),
        command_id=body.command_id,
    )


@router.post("/{sid}/items/{no}/close", response_model=PollProgress)
async def close_poll(
    request: Request, sid: str, no: ItemNo, body: ClosePollRequest, me: Me
) -> PollProgress:
    """End voting on an item (``congress close-poll``)."""
    svc = (await context_of(request).facades()).sessions
    return await svc.close_poll(sid, me.actor_id, no, command_id=body.command_id)


@router.post("/{sid}/items/{no}/set-aside", response_model=SessionView)
async def set_aside(
    request: Request, sid: str, no: ItemNo, body: SetAsideRequest, me: Me
) -> SessionView:
    """Set an item aside with a reason (``congress set-aside``)."""
    svc = (await context_of(request).facades()).sessions
    return await svc.set_aside(sid, me.actor_id, no, body.reason, command_id=body.command_id)


@router.post("/{sid}/items/{no}/paper-counts", response_model=PollView)
async def paper_count(
    request: Request, sid: str, no: ItemNo, body: PaperCountRequest, me: Me
) -> PollView:
    """A teller enters their own count (``congress count``); when both tellers' counts
    agree, the item is counted."""
    svc = (await context_of(request).facades()).sessions
    return await svc.enter_paper_count(
        sid, no, me.actor_id, dict(body.counts), body.ballots, command_id=body.command_id
    )
