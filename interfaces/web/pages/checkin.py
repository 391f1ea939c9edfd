"""A delegate's one-time check-in code (签到码) on their phone, as text and as a QR code.

The code comes from ``application.checkin_codes`` (who may have one, how long it lives);
the desk redeems it on the door page (``pages/congress.py``), and the check-in is the
desk's act, as when the desk types a delegate's id. The QR code holds the door page's
address with the code, so a phone's camera at the desk opens it filled in, and a USB
scanner types it into the door's code field.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.checkin_codes import IssuedCheckInCode
from domain.actors import CHINA_TZ
from domain.errors import DomainError, InvalidState
from i18n import pick
from interfaces.web.auth import Me, RecordKey
from interfaces.web.context import context_of
from interfaces.web.pages import is_htmx
from interfaces.web.qr import qr_svg
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # a code stays out of the browser's cache
POLL_SECONDS = 3


def door_address(request: Request, issued: IssuedCheckInCode) -> str:
    """The door page with the code filled in: what the QR code holds."""
    public = context_of(request).app.settings.public_url
    query = urlencode({"code": issued.code})
    return f"{public}/sessions/{quote(issued.session_id, safe=':')}/door?{query}"


def _card(
    request: Request,
    sid: str,
    *,
    issued: IssuedCheckInCode | None = None,
    refusal: DomainError | None = None,
    done: bool = False,
) -> Response:
    values = {
        "sid": sid,
        "issued": issued,
        "refusal": refusal,
        # A session not open yet: keep looking, the code shows once it opens.
        "waiting": isinstance(refusal, InvalidState),
        "done": done,
        "poll_seconds": POLL_SECONDS,
    }
    if issued is not None:
        values["until"] = issued.expires_at.astimezone(CHINA_TZ).strftime("%H:%M:%S")
        values["qr"] = qr_svg(
            door_address(request, issued), pick(("签到二维码", "check-in QR code"))
        )
    name = "congress/_checkin_code.html" if is_htmx(request) else "congress/checkin.html"
    response = render(request, name, values)
    response.headers.update(NO_STORE)
    return response


async def _issue(request: Request, sid: str, delegate: str) -> Response:
    codes = context_of(request).checkin_codes()
    try:
        issued = await asyncio.to_thread(codes.issue, sid, delegate)
    except DomainError as refused:
        return _card(request, sid, refusal=refused)
    return _card(request, sid, issued=issued, done=issued is None)


@router.get("/sessions/{sid}/checkin")
async def checkin_code(request: Request, sid: RecordKey, me: Me) -> Response:
    """My check-in code: a new one each time the page is opened (the last one stops working)."""
    return await _issue(request, sid, me.actor_id)


@router.get("/sessions/{sid}/checkin/status")
async def checkin_status(request: Request, sid: RecordKey, me: Me) -> Response:
    """What the phone polls: checked in (the page reloads to show the ballots), the code
    still live (nothing to change), or a new code once the last one expired or was used."""
    ctx = context_of(request)
    if ctx.app.polls.is_checked_in(sid, me.actor_id):
        response = _card(request, sid, done=True)
        response.headers["HX-Refresh"] = "true"
        return response
    if ctx.checkin_codes().has_live(sid, me.actor_id):
        return Response(status_code=204, headers=NO_STORE)
    return await _issue(request, sid, me.actor_id)
