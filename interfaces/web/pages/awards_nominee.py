"""A nominee's page (推荐), with the forms of the steps the signed-in person may take: the
unit's steps, the first or second review beside the what-if of the proportions, the
departments' clearances, withdrawal with reasons.

Acts on a nomination go straight to the ledger (``AwardFacade.act``, as ``unionflow award
agree|review|clearance|…``): no Temporal server is needed. The form's ``command_id`` makes a
double submit apply once; a refusal is shown in the domain's words and writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from domain.actors import CHINA_TZ
from domain.award.commands import (
    GiveClearance,
    NominationCommand,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ReviewNomination,
    Submit,
    Withdraw,
)
from domain.award.permissions import COMMAND_LABELS
from domain.award.values import NOTICE_LABELS, ClearanceStatus
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import invalid_input
from i18n import pick
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.history import HistoryEvent, history
from interfaces.web.pages import new_command_id
from interfaces.web.pages.awards import (
    LABELS,
    china_today,
    form_date,
    policy,
    readers,
    refusal_of,
    refused_view,
)
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

if TYPE_CHECKING:
    from bootstrap import App

router = APIRouter(include_in_schema=False)

Step = Annotated[
    str,
    Path(pattern=r"^(joint_agreement|congress_approval|unit_notice|submit|withdraw"
         r"|first_review|second_review)$"),
]  # fmt: skip
ClearanceKey = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]


def command_of(step: str, form: FormData) -> NominationCommand:
    """The command a step's form posts, checked as the domain's model."""
    try:
        if step == "joint_agreement":
            return RecordJointAgreement(record=str(form.get("record") or ""))
        if step == "congress_approval":
            return RecordCongressApproval(poll=str(form.get("poll") or "").strip())
        if step == "unit_notice":
            return PostUnitNotice(starts=form_date(form.get("starts"), ("公示开始", "starts")))
        if step == "submit":
            return Submit()
        if step == "withdraw":
            return Withdraw(reason=str(form.get("reason") or ""))
        decision = form.get("decision")
        if decision not in ("pass", "reject"):
            raise InvalidInput("请选择审查结论（通过或不通过）", "choose pass or reject")
        kind = "second_review" if step == "second_review" else "first_review"
        return ReviewNomination(
            kind=kind, passed=decision == "pass", opinion=str(form.get("opinion") or "")
        )
    except ValidationError as e:
        raise invalid_input(e) from None


@router.get("/awards/nominations/{key}")
async def nominee_page(request: Request, key: RecordKey, me: Me) -> Response:
    done = request.query_params.get("done", "")
    return nominee_view(request, key, me, notice=COMMAND_LABELS.get(done))


def nominee_view(
    request: Request,
    key: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The nominee, unit, facts checked, stage, timeline, clearances, objections, the
    what-if of the proportions, and the forms of the person's steps."""
    ctx = context_of(request)
    facade = readers(request)
    n = facade.nomination(key)
    r = facade.round(n.round_key)
    ctx.app.read_policy.check_nomination(me.actor_id, n, r)
    names = Names(facade.directory)
    steps = facade.steps(me.actor_id, n, r)
    reviewing = any(s in steps for s in ("first_review", "second_review"))
    values: dict[str, Any] = {
        "n": n,
        "r": r,
        "names": names,
        "unit": names.org(n.nominee.unit_org),
        "sub_union": names.org(n.nominee.sub_union),
        "category": next(
            (c for c in r.definition.categories if c.code == n.nominee.category), None
        ),
        "facts": facade.fact_checks(key),
        "clearance_names": {c.key: c for c in r.definition.clearances},
        "timeline": nomination_timeline(ctx.app, key),
        "reads_history": ctx.app.read_policy.may_read_history(me.actor_id),
        "steps": steps,
        "forms": [s for s in steps if ":" not in s],
        "tz": CHINA_TZ,
        "clearances_mine": [s.split(":", 1)[1] for s in steps if s.startswith("clearance:")],
        "objections_mine": [
            int(s.split(":", 1)[1]) for s in steps if s.startswith("resolve_objection:")
        ],
        "reviewing": reviewing,
        "keep": facade.what_if(key, remove=False),
        "remove": facade.what_if(key, remove=True) if n.in_list else [],
        "notice_labels": NOTICE_LABELS,
        "command_id": new_command_id(),
        "today": china_today(),
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "awards/nominee.html", values, status_code=status_code)


def nomination_timeline(app: App, key: str) -> list[HistoryEvent]:
    """The nomination's events, with who filed each objection left out: an anonymous one
    stays anonymous, a named one's name is the investigator's to read (the auditor's
    record page still shows every actor)."""
    events = history(app, key, "nomination", None).events
    return [
        e.model_copy(update={"actor_name": pick(OBJECTOR), "comment_shown": ""})
        if e.event == "ObjectionFiled"
        else e
        for e in events
    ]


OBJECTOR = ("异议人", "the objector")


@router.post("/awards/nominations/{key}/steps/{step}")
async def nominee_step(request: Request, key: RecordKey, step: Step, me: Me) -> Response:
    """One step of the signed-in person on the nomination, from its form."""
    form = await request.form()
    try:
        command = command_of(step, form)
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
            lambda: nominee_view(request, key, me, refusal=reason, status_code=status),
        )
    return RedirectResponse(f"/awards/nominations/{key}?done={step}", status_code=303)


# -- a department's clearance (征求意见) ------------------------------------------------------


@router.get("/awards/nominations/{key}/clearances/{item}")
async def clearance_form(request: Request, key: RecordKey, item: ClearanceKey, me: Me) -> Response:
    return clearance_view(request, key, item, me)


def clearance_view(
    request: Request,
    key: str,
    item: str,
    me: SignedIn,
    *,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The department's form: the nominee, what is asked, by when; clear or negative."""
    facade = readers(request)
    n = facade.nomination(key)
    r = facade.round(n.round_key)
    policy(request).check_nomination(me.actor_id, n, r)
    asked = next((c for c in n.clearances if c.key == item), None)
    if asked is None:
        raise NotFound(f"{n.nominee.name}没有 {item} 意见项", f"no clearance {item} for {key}")
    names = Names(facade.directory)
    values: dict[str, Any] = {
        "n": n,
        "r": r,
        "c": asked,
        "what": next((c for c in r.definition.clearances if c.key == item), None),
        "names": names,
        "unit": names.org(n.nominee.unit_org),
        "pending": asked.status is ClearanceStatus.PENDING,
        "mine": f"clearance:{item}" in facade.steps(me.actor_id, n, r),
        "command_id": new_command_id(),
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "awards/clearance.html", values, status_code=status_code)


@router.post("/awards/nominations/{key}/clearances/{item}")
async def give_clearance(request: Request, key: RecordKey, item: ClearanceKey, me: Me) -> Response:
    """The department's opinion (``award clearance``): clear, or negative with the reason
    (the nominee is then removed)."""
    form = await request.form()
    try:
        verdict = form.get("verdict")
        if verdict not in ("clear", "negative"):
            raise InvalidInput("请选择意见（无异议或有问题）", "choose clear or negative")
        try:
            command = GiveClearance(
                key=item, clear=verdict == "clear", opinion=str(form.get("opinion") or "").strip()
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
            lambda: clearance_view(request, key, item, me, refusal=reason, status_code=status),
        )
    return RedirectResponse(f"/awards/nominations/{key}?done=clearance", status_code=303)
