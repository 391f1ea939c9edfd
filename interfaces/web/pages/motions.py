"""Motions of the workers' congress (提案): the list and report, a motion's page with the
step each role takes next, and the filing form.

Every act is the one ``unionflow motion`` makes (``interfaces/cli/motion.py``) through
``MotionService``; the form's ``command_id`` makes a double submit apply once.
"""

from __future__ import annotations

import uuid
from collections import Counter

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import ValidationError

from application.read_policy import may_read_motion_report
from domain.errors import InvalidInput, NotFound
from domain.motion import (
    RATING_LABELS,
    STAGE_LABELS,
    Decision,
    FileMotion,
    MotionView,
    Stage,
    parse_rating,
)
from domain.text import invalid_input
from i18n import DECISION_LABELS, pick
from interfaces.text import Names, motion_details, motion_stage
from interfaces.web.app import context_of
from interfaces.web.auth import RecordKey, SignedIn, signed_in
from interfaces.web.forms import actor_ids, see_other
from interfaces.web.pages import new_command_id
from interfaces.web.templating import render
from services.motions import MotionReport

router = APIRouter(include_in_schema=False)

# The step each stage waits for, and who takes it (the facade decides; this only shows forms).
STEPS: dict[Stage, list[str]] = {
    Stage.SECONDING: ["second"],
    Stage.AWAITING_DECISION: ["decide"],
    Stage.REGISTERED: ["assign"],
    Stage.IN_HANDLING: ["answer", "extend"],
    Stage.ANSWERED: ["rate"],
}


def motion_id_for(congress_key: str, command_id: str) -> str:
    """The id of the motion a filing form creates: the same form posted twice names the
    same motion, which the ledger holds once."""
    return f"{congress_key}-{uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:8]}"


@router.get("/motions")
async def motion_list(
    request: Request, congress: str = "", me: SignedIn = Depends(signed_in)
) -> Response:
    """Every motion the person may read (of one congress: its handling report,
    ``motion report``)."""
    ctx = context_of(request)
    svc, policy = ctx.readers().motions, ctx.app.read_policy
    names = Names(ctx.app.directory)
    report, reads_report = None, False
    if congress:
        term = policy.check_congress(me.actor_id, ctx.app.congresses.view(congress))
        reads_report = may_read_motion_report(policy.reader(me.actor_id), term)
        report = _readable_report(
            svc.report(congress), policy.motions(me.actor_id, svc.motions(congress))
        )
    return render(
        request,
        "motions/list.html",
        {
            "congress": congress,
            "report": report,
            "reads_report": reads_report,
            "motions": policy.motions(me.actor_id, svc.motions(congress or None)),
            "congresses": policy.congress_terms(me.actor_id, ctx.app.congresses.congresses()),
            "names": names,
            "stage_labels": {s: pick(label) for s, label in STAGE_LABELS.items()},
            "rating_labels": {r: pick(label) for r, label in RATING_LABELS.items()},
        },
    )


def _readable_report(report: MotionReport, readable: list[MotionView]) -> MotionReport:
    """The report with only the motions the person may read, counted again."""
    kept = {m.motion_id for m in readable}
    lines = [line for line in report.motions if line.motion_id in kept]
    by_stage = Counter(line.stage for line in lines)
    return report.model_copy(
        update={"motions": lines, "by_stage": {s: n for s, n in by_stage.items() if n}}
    )


@router.get("/motions/report/{congress_key}")
async def motion_report(
    request: Request, congress_key: RecordKey, me: SignedIn = Depends(signed_in)
) -> Response:
    """How every motion of the term was handled, for its next session (``motion report``):
    the unit's cadres and the term's delegates read it."""
    ctx = context_of(request)
    term = ctx.app.read_policy.check_motion_report(
        me.actor_id, ctx.app.congresses.view(congress_key)
    )
    names = Names(ctx.app.directory)
    return render(
        request,
        "motions/report.html",
        {
            "term": term,
            "unit": names.org(term.unit_org),
            "report": ctx.readers().motions.report(congress_key),
            "names": names,
            "stage_labels": {s: pick(label) for s, label in STAGE_LABELS.items()},
            "rating_labels": {r: pick(label) for r, label in RATING_LABELS.items()},
        },
    )


@router.get("/motions/new")
async def file_form(
    request: Request, congress: str = "", me: SignedIn = Depends(signed_in)
) -> Response:
    """The filing form: one matter (一案一事), its reasons and what is proposed."""
    return render(
        request,
        "motions/new.html",
        {
            "congress": congress,
            "congresses": context_of(request).app.read_policy.congress_terms(
                me.actor_id, context_of(request).app.congresses.congresses()
            ),
            "command_id": new_command_id(),
        },
    )


@router.post("/motions")
async def file_motion(
    request: Request,
    congress: str = Form(..., max_length=200),
    title: str = Form(..., max_length=20_000),
    reasons: str = Form(..., max_length=20_000),
    proposal: str = Form(..., max_length=20_000),
    command_id: str = Form(..., max_length=100),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """File a motion under the congress's open call (``motion file``)."""
    ctx = context_of(request)
    motion_id = motion_id_for(congress, command_id)
    try:
        if ctx.readers().motions.view(motion_id).proposer == me.actor_id:
            return see_other(f"/motions/{motion_id}")  # this form was filed already
    except NotFound:
        pass
    try:
        motion = FileMotion(title=title, reasons=reasons, proposal=proposal)
    except ValidationError as e:
        raise invalid_input(e) from None
    svc = (await ctx.facades()).motions
    view = await svc.file(me.actor_id, congress, motion, motion_id=motion_id)
    return see_other(f"/motions/{view.motion_id}")


@router.get("/motions/{motion_id}")
async def motion_page(
    request: Request, motion_id: str, me: SignedIn = Depends(signed_in)
) -> Response:
    """A motion and how it was handled (``motion show``), with the next step's form."""
    ctx = context_of(request)
    view = ctx.app.read_policy.check_motion(me.actor_id, ctx.readers().motions.view(motion_id))
    names = Names(ctx.app.directory)
    return render(
        request,
        "motions/show.html",
        {
            "motion": view,
            "stage_label": motion_stage(view),
            "details": motion_details(view, names),
            "steps": STEPS.get(view.stage, []),
            "decisions": [(d.value, pick(DECISION_LABELS[d.value])) for d in Decision],
            "ratings": [(r.value, pick(label)) for r, label in RATING_LABELS.items()],
            "command_id": new_command_id(),
        },
    )


@router.post("/motions/{motion_id}/{step}")
async def motion_step(
    request: Request,
    motion_id: str,
    step: str,
    command_id: str = Form(..., max_length=100),
    comment: str = Form("", max_length=20_000),
    decision: str = Form(""),
    reasons: str = Form("", max_length=20_000),
    lead: str = Form("", max_length=200),
    support: str = Form("", max_length=2_000),
    text: str = Form("", max_length=20_000),
    reason: str = Form("", max_length=500),
    rating: str = Form(""),
    opinion: str = Form("", max_length=20_000),
    me: SignedIn = Depends(signed_in),
) -> Response:
    """Second, decide, assign, answer, extend or rate (``motion second|decide|…``)."""
    if step not in {"second", "decide", "assign", "answer", "extend", "rate"}:
        raise HTTPException(404)
    svc = (await context_of(request).facades()).motions
    who, ids = me.actor_id, {"comment": comment, "command_id": command_id}
    if step == "second":
        await svc.second(motion_id, who, **ids)
    elif step == "decide":
        if decision not in {d.value for d in Decision}:
            raise InvalidInput(f"决定无效：{decision}", f"unknown decision: {decision}")
        await svc.decide(motion_id, who, Decision(decision), reasons, **ids)
    elif step == "assign":
        await svc.assign(motion_id, who, lead.strip(), actor_ids(support), **ids)
    elif step == "answer":
        await svc.answer(motion_id, who, text, **ids)
    elif step == "extend":
        await svc.extend(motion_id, who, reason, **ids)
    else:
        chosen = parse_rating(rating)
        if chosen is None:
            raise InvalidInput(f"评价无效：{rating}", f"unknown rating: {rating}")
        await svc.rate(motion_id, who, chosen, opinion, **ids)
    return see_other(f"/motions/{motion_id}")
