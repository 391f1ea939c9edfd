"""The workers' congress in session (职代会会议): the chair's screen, the door, the results.

Every read and act is the one ``unionflow congress`` makes (``interfaces/cli/sessions.py``),
through the same facade: the chair's steps are updates to the session's workflow; a
check-in goes straight to the ledger. Refusals are the domain's, shown as they come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from domain.errors import DomainError
from domain.poll import recount
from i18n import SESSION_STATUS_LABELS, label_of, pick
from interfaces.text import Names, checked_in, counts_text, option_label, quorum_line
from interfaces.web.app import context_of
from interfaces.web.auth import SignedIn, signed_in
from interfaces.web.forms import actor_ids, see_other
from interfaces.web.pages import is_htmx, new_command_id
from interfaces.web.problem import status_of
from interfaces.web.session_items import item_poll, readable_session, session_items
from interfaces.web.templating import render
from services.sessions import DeskCheckIn, SessionService

router = APIRouter(include_in_schema=False)

# The session's own steps, by the facade method each one calls.
CHAIR_STEPS = {
    "open": "open_session",
    "close": "close_session",
    "publish": "publish_results",
    "report": "report",
}


def _attendance(svc: SessionService, sid: str) -> dict[str, object]:
    """已签到 N / 应到 M and the quorum, as the door and the chair's screen show them."""
    a = svc.attendance(sid)
    return {
        "attendance": a,
        "checked_in_text": checked_in(a.present, a.total),
        "quorum_text": quorum_line(a.present, a.quorum_needed, a.quorum_num, a.quorum_den),
    }


def _screen(request: Request, me: SignedIn, sid: str) -> dict[str, object]:
    """What the chair's screen and the results page show."""
    ctx = context_of(request)
    svc = ctx.readers().sessions
    view = readable_session(ctx.app, me.actor_id, sid)
    names = Names(ctx.app.directory)
    return {
        "view": view,
        "status_label": label_of(SESSION_STATUS_LABELS, view.status.value),
        **_attendance(svc, sid),
        "items": session_items(ctx.app, view, names),
        "names": names,
        "may_chair": svc.may_chair(sid, me.actor_id),
        "command_id": new_command_id(),
    }


@router.get("/sessions/{sid}")
async def session_screen(request: Request, sid: str, me: SignedIn = Depends(signed_in)) -> Response:
    """The chair's screen: who is in the hall against the quorum, the agenda and its votes."""
    return render(request, "congress/session.html", _screen(request, me, sid))


@router.get("/sessions/{sid}/attendance")
async def attendance(request: Request, sid: str, me: SignedIn = Depends(signed_in)) -> Response:
    """The live figures (htmx polls this every 2 s): present, quorum, ballots in."""
    ctx = context_of(request)
    svc = ctx.readers().sessions
    view = readable_session(ctx.app, me.actor_id, sid)
    items = session_items(ctx.app, view, Names(ctx.app.directory))
    return render(
        request,
        "congress/_attendance.html",
        {"view": view, **_attendance(svc, sid), "items": items},
    )


@router.post("/sessions/{sid}/steps/{step}")
async def chair_step(
    request: Request,
    sid: str,
    step: str,
    command_id: str = Form(..., max_length=100),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Open, close, publish or report the session (``congress open|close|publish|report``)."""
    if step not in CHAIR_STEPS:
        raise HTTPException(404)
    svc = (await context_of(request).facades()).sessions
    await getattr(svc, CHAIR_STEPS[step])(sid, me.actor_id, command_id=command_id)
    return see_other(f"/sessions/{sid}")


@router.post("/sessions/{sid}/items/{no}/open")
async def open_poll(
    request: Request,
    sid: str,
    no: int,
    command_id: str = Form(..., max_length=100),
    paper: bool = Form(False),
    teller_1: str = Form("", max_length=200),
    teller_2: str = Form("", max_length=200),
    minutes: float | None = Form(None, gt=0, le=24 * 60),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Put an item to the vote (``congress open-poll``): the quorum is checked as it opens."""
    svc = (await context_of(request).facades()).sessions
    tellers = [t for t in (teller_1.strip(), teller_2.strip()) if t]
    await svc.open_poll(
        sid, me.actor_id, no, minutes=minutes, paper=paper, tellers=tellers, command_id=command_id
    )
    return see_other(f"/sessions/{sid}#item-{no}")


@router.post("/sessions/{sid}/items/{no}/close")
async def close_poll(
    request: Request,
    sid: str,
    no: int,
    command_id: str = Form(..., max_length=100),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """End voting on an item (``congress close-poll``); counting follows."""
    svc = (await context_of(request).facades()).sessions
    await svc.close_poll(sid, me.actor_id, no, command_id=command_id)
    return see_other(f"/sessions/{sid}#item-{no}")


@router.post("/sessions/{sid}/items/{no}/set-aside")
async def set_aside(
    request: Request,
    sid: str,
    no: int,
    reason: str = Form(..., max_length=500),
    command_id: str = Form(..., max_length=100),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Set an item aside with a reason (``congress set-aside``)."""
    svc = (await context_of(request).facades()).sessions
    await svc.set_aside(sid, me.actor_id, no, reason, command_id=command_id)
    return see_other(f"/sessions/{sid}#item-{no}")


# -- the door ------------------------------------------------------------------------------


@router.get("/sessions/{sid}/door")
async def door(
    request: Request, sid: str, code: str = "", me: SignedIn = Depends(signed_in)
) -> Response:
    """The check-in desk at the hall door: one id typed or scanned at a time, a list, or a
    delegate's check-in code (``?code=`` fills it in: what the code's QR holds)."""
    ctx = context_of(request)
    view, svc = readable_session(ctx.app, me.actor_id, sid), ctx.readers().sessions
    return render(
        request,
        "congress/door.html",
        {"view": view, **_attendance(svc, sid), "lines": None, "code": code[:40]},
    )


@router.post("/sessions/{sid}/door")
async def door_check_in(
    request: Request,
    sid: str,
    delegates: str = Form(..., max_length=100_000),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Check delegates in (an id, or a signed sheet's list): the acts are the clerk's."""
    svc = context_of(request).readers().sessions
    return await _door_answer(
        request, sid, me, svc.check_in_at_desk(sid, me.actor_id, actor_ids(delegates))
    )


@router.post("/sessions/{sid}/door/code")
async def door_check_in_by_code(
    request: Request,
    sid: str,
    code: str = Form(..., max_length=2_000),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Check in the delegate whose one-time code was typed or scanned (the code alone, or
    the address its QR holds): the code is used up, and the check-in is the clerk's."""
    ctx = context_of(request)

    async def by_code() -> list[DeskCheckIn]:
        codes = ctx.checkin_codes()
        delegate = await asyncio.to_thread(codes.redeem, sid, me.actor_id, scanned_code(code))
        return await ctx.readers().sessions.check_in_at_desk(sid, me.actor_id, [delegate])

    return await _door_answer(request, sid, me, by_code())


def scanned_code(text: str) -> str:
    """The code in what a scanner typed: the door address of a QR code, or the code itself."""
    text = text.strip()
    if "code=" in text:
        found = parse_qs(urlsplit(text).query).get("code")
        return found[0] if found else ""
    return text


async def _door_answer(
    request: Request, sid: str, me: SignedIn, check_in: Awaitable[list[DeskCheckIn]]
) -> Response:
    """The desk's answer: the lines checked in, or the refusal, and the count."""
    ctx = context_of(request)
    svc = ctx.readers().sessions
    status = 200
    try:
        lines, refusal = await check_in, None
    except DomainError as e:
        lines, refusal, status = [], e, status_of(e)
    values = {
        "view": readable_session(ctx.app, me.actor_id, sid),
        **_attendance(svc, sid),
        "lines": lines,
        "refusal": refusal,
        "names": Names(ctx.app.directory),
        "code": "",
    }
    name = "congress/_door_result.html" if is_htmx(request) else "congress/door.html"
    return render(request, name, values, status_code=status)


# -- results, published ballots, receipts ----------------------------------------------------


@router.get("/sessions/{sid}/results")
async def results(request: Request, sid: str, me: SignedIn = Depends(signed_in)) -> Response:
    """Every item's result as the minutes write it (``congress results``)."""
    return render(request, "congress/results.html", _screen(request, me, sid))


@router.get("/sessions/{sid}/items/{no}/ballots")
async def ballots(
    request: Request, sid: str, no: int, me: SignedIn = Depends(signed_in)
) -> Response:
    """The published secret ballots, recounted (``congress ballots``)."""
    ctx = context_of(request)
    found = item_poll(ctx.app, readable_session(ctx.app, me.actor_id, sid), no)
    names = found.names
    return render(
        request,
        "congress/ballots.html",
        {
            "view": found.view,
            "poll": found.poll,
            "recount": recount(found.poll),
            "counted": lambda counts: counts_text(counts, names),
            "option_names": lambda choices: (
                pick(("、", ", ")).join(option_label(c, names) for c in choices)
                or pick(("（空白票）", "(blank)"))
            ),
        },
    )


@router.get("/sessions/{sid}/items/{no}/verify")
async def verify_receipt(
    request: Request,
    sid: str,
    no: int,
    receipt: str = "",
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Check with a receipt that a ballot was counted, never what it chose
    (``congress verify-receipt``)."""
    ctx = context_of(request)
    svc, view = ctx.readers().sessions, readable_session(ctx.app, me.actor_id, sid)
    check, refusal, status = None, None, 200
    if receipt.strip():
        try:
            check = svc.verify_receipt(sid, no, receipt.strip()[:40])
        except DomainError as e:
            refusal, status = e, status_of(e)
    return render(
        request,
        "congress/verify.html",
        {
            "view": view,
            "item": view.item(no),
            "receipt": receipt,
            "check": check,
            "refusal": refusal,
        },
        status_code=status,
    )
