"""The public ranking of a contest round (排名公示) with its notice and objections: every
signed-in person reads the ranking once it is published and, while its notice runs, files
an objection to an entry (real name and contact, or anonymous, recorded and marked); the
organiser posts the notice, upholds (the entry out, the ranking recomputed without it) or
dismisses each objection with reasons, and closes the notice after its last day.

Each act is the one ``unionflow contest notice|object|resolve|close-notice`` makes
(``ContestNotices``, straight to the ledger); a form's ``command_id`` makes a double
submit apply once; refusals say why and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from application.contest_notice import ContestNotices
from application.read_policy import runs_contest
from domain.actors import Role
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.values import Phase, RoundView
from domain.errors import DomainError, InvalidInput, NotFound
from domain.objections import OBJECTION_STATUS_LABELS
from domain.policies import is_unit_cadre
from domain.text import invalid_input
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages import new_command_id
from interfaces.web.pages.awards import refusal_of, refused_view
from interfaces.web.pages.contests import FILES, LABELS, award_name, contests, policy, stage_name
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

router = APIRouter(include_in_schema=False)

ObjectionNo = Annotated[int, Path(ge=1, le=10_000)]

DONE = {
    "notice": ("排名公示已发布。", "The ranking's notice is posted."),
    "filed": (
        "异议已登记，将由组织单位调查处理。",
        "The objection was recorded; the organiser will investigate it.",
    ),
    "resolved": ("异议已处理。", "The objection is resolved."),
    "closed": ("公示已结束，奖项确定。", "The notice is closed; the awards stand."),
}


def notices(request: Request) -> ContestNotices:
    app = context_of(request).app
    return ContestNotices(app.contests, app.calendar)


def organises(request: Request, r: RoundView, actor: str) -> bool:
    """Whether ``actor`` may take the organiser's notice steps (only to show the forms)."""
    try:
        acting = contests(request).directory.acting(actor, Role.CADRE)
    except DomainError:
        return False
    return is_unit_cadre(acting, r.organiser_org)


@router.get("/contests/{round_key}/ranking")
async def ranking_page(request: Request, round_key: RecordKey, me: Me) -> Response:
    """The public ranking (排名公示): every signed-in person's once it is published."""
    return ranking_view(request, round_key, me, done=request.query_params.get("done"))


def ranking_view(
    request: Request,
    round_key: str,
    me: SignedIn,
    *,
    done: str | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    service = contests(request)
    r = service.round(round_key)
    if r.ranking is None:
        raise NotFound(f"{r.title} 尚未发布排名", f"{r.title} has no published ranking yet")
    organiser = organises(request, r, me.actor_id)
    values: dict[str, Any] = {
        "r": r,
        "stage": stage_name(r),
        "names": Names(service.directory),
        "files": FILES,
        "award_name": lambda key: award_name(r.definition, key),
        "organiser": organiser,
        "board": runs_contest(policy(request).reader(me.actor_id), r),
        "running": r.phase is Phase.NOTICE,
        "objectable": [x for x in r.ranking.rows if x.entry not in r.removed],
        "objection_labels": OBJECTION_STATUS_LABELS,
        "command_id": new_command_id(),
        "notice": DONE.get(done or ""),
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "contests/ranking.html", values, status_code=status_code)


async def _act(
    request: Request, round_key: str, me: SignedIn, done: str,
    act: Callable[[ContestNotices, Any, str | None], RoundView],
) -> Response:  # fmt: skip
    """Run one notice act from a form; a refusal is shown on the ranking page."""
    form = await request.form()
    try:
        _, command_id = comment_and_id("", form.get("command_id"))
        act(notices(request), form, command_id)
    except ValidationError as e:
        reason, status = refusal_of(invalid_input(e))
        return ranking_view(request, round_key, me, refusal=reason, status_code=status)
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        reason, status = refusal_of(e)
        return refused_view(
            request, reason, status,
            lambda: ranking_view(request, round_key, me, refusal=reason, status_code=status),
        )  # fmt: skip
    return RedirectResponse(f"/contests/{round_key}/ranking?done={done}", status_code=303)


@router.post("/contests/{round_key}/notice")
async def post_notice(request: Request, round_key: RecordKey, me: Me) -> Response:
    """The organiser posts the ranking's notice (``contest notice``)."""
    return await _act(
        request, round_key, me, "notice",
        lambda n, form, cid: n.post(me.actor_id, round_key, command_id=cid),
    )  # fmt: skip


@router.post("/contests/{round_key}/notice/objections")
async def file_objection(request: Request, round_key: RecordKey, me: Me) -> Response:
    """An objection to an entry while the notice runs (``contest object``)."""

    def act(n: ContestNotices, form: Any, cid: str | None) -> RoundView:
        entry = str(form.get("entry") or "")
        if not entry:
            raise InvalidInput("请选择排名中的参评对象", "choose an entry of the ranking")
        c = FileObjection(
            substance=str(form.get("substance") or ""),
            anonymous=form.get("anonymous") is not None,
            name=str(form.get("name") or ""),
            contact=str(form.get("contact") or ""),
        )
        return n.file_objection(me.actor_id, round_key, entry, c, command_id=cid)

    return await _act(request, round_key, me, "filed", act)


@router.post("/contests/{round_key}/notice/objections/{no}")
async def resolve_objection(
    request: Request, round_key: RecordKey, no: ObjectionNo, me: Me
) -> Response:
    """The organiser upholds or dismisses an objection with findings (``contest resolve``)."""

    def act(n: ContestNotices, form: Any, cid: str | None) -> RoundView:
        outcome = form.get("outcome")
        if outcome not in ("upheld", "dismissed"):
            raise InvalidInput("请选择处理结论（成立或不成立）", "choose upheld or dismissed")
        c = ResolveObjection(
            no=no, upheld=outcome == "upheld", findings=str(form.get("findings") or "")
        )
        return n.resolve(me.actor_id, round_key, c, command_id=cid)

    return await _act(request, round_key, me, "resolved", act)


@router.post("/contests/{round_key}/notice/close")
async def close_notice(request: Request, round_key: RecordKey, me: Me) -> Response:
    """The organiser closes the notice after its last day (``contest close-notice``)."""
    return await _act(
        request, round_key, me, "closed",
        lambda n, form, cid: n.close(me.actor_id, round_key, command_id=cid),
    )  # fmt: skip
