"""``/api/v1/sessions``: a congress session, check-in, ballots and receipts, as JSON.

The same facade calls as ``unionflow congress`` and the session pages; the actor is always
the signed-in person (``Depends(signed_in)``), never a field of the body.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from application.polls import CastResult, ReceiptCheck
from domain.session import SessionView
from domain.text import Key, Name
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import SignedIn, signed_in
from interfaces.web.problem import responses
from interfaces.web.session_items import ItemState, readable_session, session_items
from services.sessions import Attendance, DeskCheckIn

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions 职代会会议"], responses=responses())


class SessionState(BaseModel):
    """A session with who is in the hall and where each item's vote stands."""

    session: SessionView
    attendance: Attendance
    items: list[ItemState]


class CheckInRequest(BaseModel):
    """Whom to check in: nobody named checks in the signed-in delegate; named delegates are
    checked in at the door by the signed-in cadre of the unit (the acts are the cadre's)."""

    delegates: list[Key] = Field(default_factory=list, max_length=5000)


class CheckInResult(BaseModel):
    """Each line's outcome, and the attendance after them."""

    lines: list[DeskCheckIn]
    attendance: Attendance


class BallotRequest(BaseModel):
    """A ballot: yes/no/abstain, an appraisal, or candidates' ids (none: a blank election
    ballot)."""

    choices: list[Name] = Field(default_factory=list, max_length=1000)


@router.get("/{sid}", response_model=SessionState)
async def session_state(
    request: Request, sid: str, me: SignedIn = Depends(signed_in)
) -> SessionState:
    """The session, its attendance against the quorum, and every item's vote."""
    ctx = context_of(request)
    svc = ctx.readers().sessions

    def read() -> SessionState:  # ledger reads: in a thread, never on the event loop
        view = readable_session(ctx.app, me.actor_id, sid)
        return SessionState(
            session=view,
            attendance=svc.attendance(sid),
            items=session_items(ctx.app, view, Names(ctx.app.directory)),
        )

    return await asyncio.to_thread(read)


@router.post("/{sid}/check-ins", response_model=CheckInResult)
async def check_in(
    request: Request, sid: str, body: CheckInRequest, me: SignedIn = Depends(signed_in)
) -> CheckInResult:
    """Check in (``congress check-in``): oneself, or named delegates at the door."""
    svc = context_of(request).readers().sessions
    if not body.delegates or body.delegates == [me.actor_id]:
        new = await svc.check_in(sid, me.actor_id)
        lines = [DeskCheckIn(delegate=me.actor_id, new=new)]
    else:
        lines = await svc.check_in_at_desk(sid, me.actor_id, list(body.delegates))
    return CheckInResult(lines=lines, attendance=await asyncio.to_thread(svc.attendance, sid))


@router.post("/{sid}/items/{no}/ballots", response_model=CastResult, status_code=201)
async def cast(
    request: Request, sid: str, no: int, body: BallotRequest, me: SignedIn = Depends(signed_in)
) -> Response:
    """Cast the signed-in delegate's ballot (``congress vote``); a secret ballot returns
    its receipt, once."""
    svc = context_of(request).readers().sessions
    cast = await svc.cast(sid, no, me.actor_id, list(body.choices))
    # The service's own model, valid as it is: sent without FastAPI validating it again
    # against ``response_model`` (which still documents it).
    return Response(cast.model_dump_json(), status_code=201, media_type="application/json")


@router.get("/{sid}/items/{no}/receipts/{receipt}", response_model=ReceiptCheck)
async def verify_receipt(
    request: Request, sid: str, no: int, receipt: Key, me: SignedIn = Depends(signed_in)
) -> ReceiptCheck:
    """Whether the ballot with this receipt was counted, never what it chose
    (``congress verify-receipt``)."""
    ctx = context_of(request)
    readable_session(ctx.app, me.actor_id, sid)
    return ctx.readers().sessions.verify_receipt(sid, no, receipt)
