"""Wage contract pages (工资集体协商): the case list, a case's page, and its steps' forms.

A step posted from a form calls ``WageContractService.act`` exactly as ``unionflow wage``
does, with the signed-in person and the form's ``command_id``; the page then shows the
case as the facade returned it. A refusal is shown where the forms are, in the domain's
words, and nothing is written. Only the steps the facade says the person may take are
offered (``steps``); the facade still checks the one taken.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import DomainError, NotFound
from domain.wage_contract import COMMAND_LABELS, STAGE_LABELS
from i18n import REVIEW_OUTCOME_LABELS, Lang, pick
from interfaces.text import Names, case_dates, check_detail
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.context import TemporalUnavailable
from interfaces.web.pages import is_htmx, new_command_id
from interfaces.web.paging import PageQuery
from interfaces.web.problem import NO_TEMPORAL, status_of
from interfaces.web.templating import render
from interfaces.web.wage_forms import command_of, comment_and_id, offered
from interfaces.web.work import CaseDetail, case_detail, cases

router = APIRouter(include_in_schema=False)

CaseId = RecordKey
Kind = Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$")]


@router.get("/cases")
async def case_list(request: Request, me: Me, paging: PageQuery) -> Response:
    ctx = context_of(request)
    found = cases(ctx.app, ctx.readers(), me.actor_id, paging)
    name = "_cases_page.html" if is_htmx(request) else "cases.html"
    return render(request, name, {"found": found})


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: CaseId, me: Me) -> Response:
    done = request.query_params.get("done")
    notice = COMMAND_LABELS.get(done) if done else None
    return _case(request, case_id, me, notice=notice)


@router.post("/cases/{case_id}/acts/{kind}")
async def case_act(request: Request, case_id: CaseId, kind: Kind, me: Me) -> Response:
    """One step of the signed-in person, from its form."""
    ctx = context_of(request)
    form = await request.form()
    try:
        command = await command_of(kind, form)
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        facades = await ctx.facades()
        await facades.wage_contracts.act(
            case_id, me.actor_id, command, comment=comment, command_id=command_id
        )
    except (DomainError, TemporalUnavailable) as e:
        if isinstance(e, DomainError):
            reason, status = e.message(Lang.code), status_of(e)
        else:
            reason, status = pick(NO_TEMPORAL), 503
        if is_htmx(request):
            # Only the message region: what the person typed stays in the form.
            shown = render(request, "_refusal.html", {"reason": reason})
            shown.headers.update({"HX-Retarget": "#notice", "HX-Reswap": "innerHTML"})
            return shown
        if not _may_read(request, case_id, me):
            # The refusal alone: someone who may not read the case does not see it.
            return render(request, "refused.html", {"reason": reason}, status_code=status)
        return _case(request, case_id, me, refusal=reason, status_code=status)
    if is_htmx(request):
        return _case(request, case_id, me, notice=COMMAND_LABELS[kind], fragment=True)
    return RedirectResponse(f"/cases/{case_id}?done={kind}", status_code=303)


@router.get("/cases/{case_id}/comment-row")
async def comment_row(request: Request, case_id: CaseId, me: Me) -> Response:
    """One more clause-and-comment row of the return form (added with htmx)."""
    return render(request, "_comment_row.html", {"case_id": case_id, "row": new_command_id()})


def _may_read(request: Request, case_id: str, me: SignedIn) -> bool:
    ctx = context_of(request)
    try:
        ctx.app.read_policy.check_case(me.actor_id, ctx.readers().wage_contracts.view(case_id))
    except NotFound:
        return False
    return True


def _advisory_failed(detail: CaseDetail) -> bool:
    review = detail.case.current_review
    return review is not None and any(not c.passed and not c.hard for c in review.checks)


def _case(
    request: Request,
    case_id: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    ctx = context_of(request)
    detail = case_detail(ctx.app, ctx.readers(), case_id, me.actor_id)
    values: dict[str, Any] = {
        "detail": detail,
        "view": detail.case,
        "forms": offered(
            detail.steps, takes_over=detail.takes_over, advisory_failed=_advisory_failed(detail)
        ),
        "names": Names(ctx.app.directory),
        # Only those the read policy lets read timelines get the link (others get 404).
        "reads_history": ctx.app.read_policy.may_read_history(me.actor_id),
        "dates": [(label, value) for label, value in case_dates(detail.case) if value],
        "check_detail": check_detail,
        "labels": COMMAND_LABELS,
        "stages": STAGE_LABELS,
        "outcomes": REVIEW_OUTCOME_LABELS,
        "new_id": new_command_id,
        "notice": notice,
        "refusal": refusal,
    }
    name = "_case.html" if fragment else "case.html"
    return render(request, name, values, status_code=status_code)
