"""A round's public notice page (公示): the names in every notice now running (the
federation's list with its committed hash, and the units' and sub-unions' notices), the
objection form (real name and contact, or anonymous, recorded and marked as such), and the
investigating reviewer's page to uphold or dismiss an objection with reasons.

Filing and resolving are ``unionflow award object|resolve``: ``AwardFacade.act``, straight
to the ledger; the form's ``command_id`` makes a double submit file one objection.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from application.award_exports import award_list
from application.read_policy import may_read_nomination, may_read_round
from domain.award.commands import FileObjection, ResolveObjection
from domain.award.values import (
    NOTICE_LABELS,
    NominationView,
    Notice,
    NoticeLevel,
    nomination_ledger_id,
)
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import invalid_input
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages import new_command_id
from interfaces.web.pages.awards import (
    LABELS,
    NomineeRow,
    nominee_rows,
    policy,
    readers,
    refusal_of,
    refused_view,
    running_notice,
)
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

router = APIRouter(include_in_schema=False)

ObjectionNo = Annotated[int, Path(ge=1, le=10_000)]


@router.get("/awards/{round_key}/notice")
async def notice_page(request: Request, round_key: RecordKey, me: Me) -> Response:
    return notice_view(request, round_key, me, filed=request.query_params.get("filed") == "1")


def notice_view(
    request: Request,
    round_key: str,
    me: SignedIn,
    *,
    filed: bool = False,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    facade = readers(request)
    r = facade.round(round_key)
    noms = [n for n in facade.nominations(round_key) if running_notice(n) is not None]
    rows = nominee_rows(facade, r, noms)
    notice_of = {n.key: running_notice(n) for n in noms}
    groups: list[tuple[NoticeLevel, list[tuple[NomineeRow, Notice]]]] = []
    for level in NoticeLevel:
        found = [(row, notice_of[row.key]) for row in rows]
        shown = [(row, x) for row, x in found if x is not None and x.level is level]
        if shown:
            groups.append((level, shown))
    fed_list = award_list(facade.awards, round_key, "notice") if r.notice is not None else None
    # Every signed-in person reads the notice; links to the round and nominees are for
    # those who may read them.
    reader = policy(request).reader(me.actor_id)
    values: dict[str, Any] = {
        "r": r,
        "reads_round": may_read_round(reader, r),
        "reads": {n.key for n in noms if may_read_nomination(reader, n, r)},
        "groups": groups,
        "fed_list": fed_list,
        "federation": Names(facade.directory).org(r.federation_org),
        "notice_labels": NOTICE_LABELS,
        "command_id": new_command_id(),
        "filed": filed,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "awards/notice.html", values, status_code=status_code)


@router.post("/awards/{round_key}/notice/objections")
async def file_objection(request: Request, round_key: RecordKey, me: Me) -> Response:
    """An objection to a name in a running notice (``award object``)."""
    form = await request.form()
    facade = readers(request)
    try:
        key = str(form.get("nomination") or "")
        found = facade.nominations(round_key)
        if key not in {n.key for n in found}:
            raise InvalidInput("请选择公示名单中的人选", "choose a name in the notice")
        try:
            command = FileObjection(
                substance=str(form.get("substance") or ""),
                anonymous=form.get("anonymous") is not None,
                name=str(form.get("name") or ""),
                contact=str(form.get("contact") or ""),
            )
        except ValidationError as e:
            raise invalid_input(e) from None
        comment, command_id = comment_and_id("", form.get("command_id"))
        await facade.act(me.actor_id, key, command, comment=comment, command_id=command_id)
    except DomainError as e:
        reason, status = refusal_of(e)
        return notice_view(request, round_key, me, refusal=reason, status_code=status)
    return RedirectResponse(f"/awards/{round_key}/notice?filed=1", status_code=303)


# -- the investigating reviewer --------------------------------------------------------------


@router.get("/awards/nominations/{key}/objections/{no}")
async def objection_page(request: Request, key: RecordKey, no: ObjectionNo, me: Me) -> Response:
    return objection_view(request, key, no, me)


def objection_view(
    request: Request,
    key: str,
    no: int,
    me: SignedIn,
    *,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The objection, the nominee it names, and (for its investigator) the finding form."""
    facade = readers(request)
    n = facade.nomination(key)
    r = facade.round(n.round_key)
    reads = may_read_nomination(policy(request).reader(me.actor_id), n, r)
    if not reads and not filed_by(request, n, no, me.actor_id):
        policy(request).check_nomination(me.actor_id, n, r)
    o = next((x for x in n.objections if x.no == no), None)
    if o is None:
        raise NotFound(f"没有第 {no} 号异议", f"no objection {no}")
    names = Names(facade.directory)
    values: dict[str, Any] = {
        "n": n,
        "r": r,
        "o": o,
        "reads": reads,
        "names": names,
        "unit": names.org(n.nominee.unit_org),
        "mine": f"resolve_objection:{no}" in facade.steps(me.actor_id, n, r),
        "sees_objector": facade.sees_objector(me.actor_id, n, r, no),
        "notice_labels": NOTICE_LABELS,
        "command_id": new_command_id(),
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "awards/objection.html", values, status_code=status_code)


def filed_by(request: Request, n: NominationView, no: int, actor_id: str) -> bool:
    """Whether ``actor_id`` filed objection ``no`` (the filer reads its outcome, not the
    rest of the nomination), as the ledger's event of its filing records."""
    ledger_id = nomination_ledger_id(n.key)
    return any(
        e.event == "ObjectionFiled" and e.facts.get("no") == no and e.actor.get("id") == actor_id
        for e in context_of(request).app.audit().timeline(ledger_id)
    )


@router.post("/awards/nominations/{key}/objections/{no}")
async def resolve_objection(request: Request, key: RecordKey, no: ObjectionNo, me: Me) -> Response:
    """Uphold (the nominee is removed, with the findings) or dismiss (``award resolve``)."""
    form = await request.form()
    try:
        outcome = form.get("outcome")
        if outcome not in ("upheld", "dismissed"):
            raise InvalidInput("请选择处理结论（属实或不属实）", "choose upheld or dismissed")
        try:
            command = ResolveObjection(
                no=no, upheld=outcome == "upheld", findings=str(form.get("findings") or "")
            )
        except ValidationError as e:
            raise invalid_input(e) from None
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        await readers(request).act(
            me.actor_id, key, command, comment=comment, command_id=command_id
        )
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        reason, status = refusal_of(e)
        return refused_view(
            request,
            reason,
            status,
            lambda: objection_view(request, key, no, me, refusal=reason, status_code=status),
        )
    return RedirectResponse(f"/awards/nominations/{key}?done=resolve_objection", status_code=303)
