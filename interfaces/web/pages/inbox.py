"""The inbox (待办): what waits for the signed-in person in every process, overdue first,
a page at a time (htmx swaps the next page in; without it the links load the page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from interfaces.web.app import context_of
from interfaces.web.auth import Me
from interfaces.web.pages import is_htmx
from interfaces.web.paging import PageQuery
from interfaces.web.templating import render
from interfaces.web.work import inbox

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
async def inbox_page(request: Request, me: Me, paging: PageQuery) -> Response:
    ctx = context_of(request)
    found = inbox(ctx.app, ctx.readers(), me.actor_id, paging, ctx.inbox_memo)
    name = "_inbox_page.html" if is_htmx(request) else "inbox.html"
    return render(request, name, {"found": found})
