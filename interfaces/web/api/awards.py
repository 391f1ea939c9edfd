"""``/api/v1/awards``: award selection as JSON: the rounds, a round's dashboard, a
nomination with the what-if of the proportions, a person's act on a nomination and a
federation cadre's round step.

The same ``AwardFacade`` calls as ``unionflow award`` and the award pages; the actor is the
signed-in person, and a ``command_id`` makes a retried request apply once. Refusals are
problem+json with the domain's reason in Chinese and English.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from application.awards import Dashboard, FactCheck
from application.read_policy import may_read_nomination
from domain.award import checks
from domain.award.commands import HumanCommand
from domain.award.values import NominationView, Nominee, RoundView
from domain.text import Key, Name, OptionalLongText, ShortText
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey
from interfaces.web.problem import responses

router = APIRouter(prefix="/api/v1/awards", tags=["awards 评选表彰"], responses=responses())


class NominationDetail(BaseModel):
    """A nomination, the facts checked for its unit, the steps the caller may take, and
    what keeping or removing it does to the round's proportions."""

    nomination: NominationView
    facts: list[FactCheck]
    steps: list[str]
    if_kept: list[checks.ShareChange]
    if_removed: list[checks.ShareChange]


class ActRequest(BaseModel):
    """One act on a nomination (its ``kind`` names it: ``first_review``, ``clearance``,
    ``objection``, ``resolve_objection``, ``withdraw``, the unit's steps …)."""

    command: HumanCommand
    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


class NominateRequest(BaseModel):
    """A nominee for the round, as ``examples/nominee.yaml`` gives one."""

    nominee: Nominee
    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


class StartNotice(BaseModel):
    kind: Literal["start_notice"] = "start_notice"
    starts: date


class RecordCommittee(BaseModel):
    kind: Literal["record_committee"] = "record_committee"
    poll: Key


class Publish(BaseModel):
    kind: Literal["publish"] = "publish"
    channel: ShortText
    decision: Name


class RoundStepRequest(BaseModel):
    """A federation cadre's round step (the round workflow's update; ``command_id`` is
    its update id)."""

    step: Annotated[StartNotice | RecordCommittee | Publish, Field(discriminator="kind")]
    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


@router.get("", response_model=list[RoundView])
async def rounds(request: Request, me: Me) -> list[RoundView]:
    """The selection rounds the caller may read."""
    ctx = context_of(request)
    return ctx.app.read_policy.rounds(me.actor_id, ctx.readers().awards.rounds())


@router.get("/{round_key}", response_model=Dashboard)
async def dashboard(request: Request, round_key: RecordKey, me: Me) -> Dashboard:
    """A round at a glance: places per sub-union, proportions, counts per stage."""
    ctx = context_of(request)
    facade = ctx.readers().awards
    ctx.app.read_policy.check_round(me.actor_id, facade.round(round_key))
    return facade.dashboard(round_key)


@router.get("/{round_key}/nominations", response_model=list[NominationView])
async def nominations(request: Request, round_key: RecordKey, me: Me) -> list[NominationView]:
    """The nominations of the round the caller may read."""
    ctx = context_of(request)
    facade = ctx.readers().awards
    r = ctx.app.read_policy.check_round(me.actor_id, facade.round(round_key))
    readable = ctx.app.read_policy.nominations(me.actor_id, facade.nominations(round_key), r)
    return [facade.redacted(me.actor_id, n, r) for n in readable]


@router.get("/nominations/{key}", response_model=NominationDetail)
async def nomination(request: Request, key: RecordKey, me: Me) -> NominationDetail:
    """One nomination, with the what-if the reviewer sees."""
    ctx = context_of(request)
    facade = ctx.readers().awards
    n = facade.nomination(key)
    r = facade.round(n.round_key)
    ctx.app.read_policy.check_nomination(me.actor_id, n, r)
    return NominationDetail(
        nomination=facade.redacted(me.actor_id, n, r),
        facts=facade.fact_checks(key),
        steps=facade.steps(me.actor_id, n, r),
        if_kept=facade.what_if(key, remove=False),
        if_removed=facade.what_if(key, remove=True),
    )


@router.post("/nominations/{key}/acts", response_model=NominationView)
async def act(request: Request, key: RecordKey, body: ActRequest, me: Me) -> NominationView:
    """The signed-in person's act on the nomination (``award review|clearance|object…``).
    An objection is anyone's (the notice is public): who may not read the nomination gets
    it back as the notice shows it; any other act of theirs is refused as missing."""
    ctx = context_of(request)
    facade = ctx.readers().awards
    policy = ctx.app.read_policy
    n = facade.nomination(key)
    r = facade.round(n.round_key)
    reads = may_read_nomination(policy.reader(me.actor_id), n, r)
    if not reads and body.command.kind != "objection":
        policy.check_nomination(me.actor_id, n, r)
    n = await facade.act(
        me.actor_id, key, body.command, comment=body.comment, command_id=body.command_id
    )
    return facade.redacted(me.actor_id, n, r) if reads else facade.public_view(n)


@router.post("/{round_key}/nominations", response_model=NominationView, status_code=201)
async def nominate(
    request: Request, round_key: RecordKey, body: NominateRequest, me: Me
) -> NominationView:
    """The unit's cadre nominates (``award nominate``); the same request again nominates
    once."""
    ctx = context_of(request)
    facade = ctx.readers().awards
    ctx.app.read_policy.check_round(me.actor_id, facade.round(round_key))
    return await facade.nominate(
        me.actor_id, round_key, body.nominee, comment=body.comment, command_id=body.command_id
    )


@router.post("/{round_key}/steps", response_model=RoundView)
async def round_step(
    request: Request, round_key: RecordKey, body: RoundStepRequest, me: Me
) -> RoundView:
    """A federation cadre's round step (``award notice|committee|publish``)."""
    facade = (await context_of(request).facades()).awards
    ids: dict[str, Any] = {"comment": body.comment, "command_id": body.command_id}
    step = body.step
    if isinstance(step, StartNotice):
        return await facade.start_notice(me.actor_id, round_key, step.starts, **ids)
    if isinstance(step, RecordCommittee):
        return await facade.record_committee(me.actor_id, round_key, step.poll, **ids)
    return await facade.publish(me.actor_id, round_key, step.channel, step.decision, **ids)
