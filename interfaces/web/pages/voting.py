"""A delegate's phone in the hall (手机投票) and the tellers' count of paper ballots.

A ballot goes straight to the ledger through ``SessionService.cast``, exactly as
``unionflow congress vote`` does: no Temporal server is needed to vote, and the ballot that
completes the roll tells the session when one is connected. A secret ballot's receipt is
shown once, never stored by the web app, and never linked to what it chose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from domain.errors import DomainError, InvalidInput
from domain.poll import PollStatus
from i18n import POLL_STATUS_LABELS, label_of
from interfaces.text import Names, option_label, poll_outcome
from interfaces.web.app import context_of
from interfaces.web.auth import SignedIn, signed_in
from interfaces.web.forms import see_other
from interfaces.web.pages import is_htmx, new_command_id
from interfaces.web.problem import status_of
from interfaces.web.session_items import ItemState, item_poll, readable_session, session_items
from interfaces.web.templating import render

if TYPE_CHECKING:
    from domain.session import SessionView

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # a receipt stays out of the browser's cache


class Ballot(BaseModel):
    """An item as one delegate's phone shows it."""

    item: ItemState
    voted: bool


def _ballots(request: Request, view: SessionView, me: str) -> list[Ballot]:
    app = context_of(request).app
    items = session_items(app, view, Names(app.directory))
    out = []
    for item, poll in zip(items, app.polls.item_polls(view), strict=True):
        if poll is None or item.stage == "set_aside":
            continue
        voted = not poll.spec.paper and app.polls.has_voted(poll, me)
        out.append(Ballot(item=item, voted=voted))
    return out


@router.get("/sessions/{sid}/vote")
async def vote_page(request: Request, sid: str, me: SignedIn = Depends(signed_in)) -> Response:
    """Every item put to the vote, with a ballot for each open one this delegate has not cast."""
    ctx = context_of(request)
    view = readable_session(ctx.app, me.actor_id, sid)
    return render(
        request,
        "congress/vote.html",
        {
            "view": view,
            "ballots": _ballots(request, view, me.actor_id),
            "is_delegate": ctx.app.congresses.delegate(view.congress_key, me.actor_id) is not None,
            "checked_in": ctx.app.polls.is_checked_in(sid, me.actor_id),
            "open": PollStatus.OPEN.value,
        },
        status_code=200,
    )


@router.post("/sessions/{sid}/items/{no}/vote")
async def cast(
    request: Request,
    sid: str,
    no: int,
    choice: list[str] = Form([]),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Cast this delegate's ballot (``congress vote``); a secret one returns its receipt."""
    ctx = context_of(request)
    svc, view = ctx.readers().sessions, readable_session(ctx.app, me.actor_id, sid)
    chosen = [c for c in choice if c.strip()]
    values: dict[str, Any] = {"view": view, "item": view.item(no), "result": None, "refusal": None}
    status = 200
    try:
        values["result"] = await svc.cast(sid, no, me.actor_id, chosen)
    except DomainError as e:
        if not is_htmx(request):
            raise
        values["refusal"], status = e, status_of(e)
    name = "congress/_ballot_done.html" if is_htmx(request) else "congress/ballot_done.html"
    response = render(request, name, values, status_code=status)
    response.headers.update(NO_STORE)
    return response


# -- the tellers (监票人、计票人) -------------------------------------------------------------


@router.get("/sessions/{sid}/items/{no}/count")
async def count_page(
    request: Request, sid: str, no: int, me: SignedIn = Depends(signed_in)
) -> Response:
    """A teller's form for the paper count of one item, and the counts entered so far."""
    ctx = context_of(request)
    found = item_poll(ctx.app, readable_session(ctx.app, me.actor_id, sid), no)
    poll, names = found.poll, found.names
    options = [(o, option_label(o, names)) for o in poll.spec.options()]
    return render(
        request,
        "congress/count.html",
        {
            "view": found.view,
            "poll": poll,
            "options": options,
            "names": names,
            "labels": {o: label for o, label in options},
            "is_teller": me.actor_id in poll.spec.tellers,
            "stage_label": label_of(POLL_STATUS_LABELS, poll.status.value),
            "outcome": poll_outcome(poll, names),
            "command_id": new_command_id(),
        },
    )


@router.post("/sessions/{sid}/items/{no}/count")
async def enter_count(
    request: Request,
    sid: str,
    no: int,
    ballots: int = Form(..., ge=0, le=100_000),
    command_id: str = Form(..., max_length=100),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """A teller enters their own count (``congress count``); two that agree are counted."""
    ctx = context_of(request)
    form = await request.form()
    counts: dict[str, int] = {}
    for field, value in form.multi_items():
        if not field.startswith("count:") or not isinstance(value, str):
            continue
        option = field.removeprefix("count:")
        if not value.strip().isdigit() or int(value) > 100_000:
            raise InvalidInput(f"票数无效：{option}", f"not a number of votes: {option}")
        counts[option] = int(value)
    svc = (await ctx.facades()).sessions
    await svc.enter_paper_count(sid, no, me.actor_id, counts, ballots, command_id=command_id)
    return see_other(f"/sessions/{sid}/items/{no}/count")
