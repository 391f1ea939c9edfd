"""The inbox (待办): what waits for the signed-in person in every process, soonest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from interfaces.web.app import context_of
from interfaces.web.auth import SignedIn, signed_in
from interfaces.web.templating import render
from interfaces.web.work import InboxRow, inbox

router = APIRouter(include_in_schema=False)


def by_due(rows: list[InboxRow]) -> list[InboxRow]:
    """Overdue first, then by due date; items with no date last, in process order."""
    return sorted(rows, key=lambda r: (not r.overdue, r.due == "", r.due))


@router.get("/inbox")
async def inbox_page(request: Request, me: Annotated[SignedIn, Depends(signed_in)]) -> Response:
    ctx = context_of(request)
    rows = by_due(inbox(ctx.app, ctx.readers(), me.actor_id))
    return render(request, "inbox.html", {"rows": rows})
