"""``/api/v1/contests``: contest rounds as JSON: a round (without the salt of its blind
codes), its published ranking, a judge's sheet (score, commit or reveal), and the
objections to the ranking's public notice (公示): anyone signed in files one while the
notice runs; the organiser upholds or dismisses it with findings.

The same ``ContestService`` calls as ``unionflow contest`` and the contest pages, straight
to the ledger; the actor is the signed-in person, and a ``command_id`` makes a retried
request apply once. A round the caller may not read, or an entry the judge may not score,
is refused as missing; refusals are problem+json with the domain's reason in Chinese and
English.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi import Path as FastPath
from pydantic import BaseModel, Field

from application.contest_inputs import JudgeProgress, JudgeRow
from application.contest_notice import ContestNotices
from domain.actors import Role
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.values import ContestObjection, Phase, Ranking, RoundView, SheetView
from domain.errors import DomainError, NotFound
from domain.policies import is_unit_cadre
from domain.text import Key, LongText, OptionalLongText, ShortText
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey
from interfaces.web.problem import responses

router = APIRouter(prefix="/api/v1/contests", tags=["contests 竞赛评比"], responses=responses())


class ContestRound(BaseModel):
    """A round as the API gives it: what it is, where it stands, its ranking."""

    key: str
    title: str
    definition: str
    stage: str
    year: int
    organiser_org: str
    registration_closes: date
    phase: Phase
    entries: int
    progress: list[JudgeProgress]
    ranking: Ranking | None
    ranked_at: datetime | None


class Score(BaseModel):
    kind: Literal["score"] = "score"
    marks: dict[Key, Decimal]


class Commit(BaseModel):
    """The hash of the marks and a phrase (``sheet_commitment``), computed by the judge."""

    kind: Literal["commit"] = "commit"
    commitment: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Reveal(BaseModel):
    kind: Literal["reveal"] = "reveal"
    marks: dict[Key, Decimal]
    nonce: ShortText


class SheetRequest(BaseModel):
    """A judge's sheet for an entry, by its code (as ``GET …/assigned`` lists it)."""

    code: Key
    sheet: Annotated[Score | Commit | Reveal, Field(discriminator="kind")]
    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


@router.get("/{round_key}", response_model=ContestRound)
async def contest_round(request: Request, round_key: RecordKey, me: Me) -> ContestRound:
    """A round the caller may read (its organiser, judges, entrants' cadres)."""
    app = context_of(request).app
    service = app.contests
    r = service.round(round_key)
    entries = service.entries(round_key)
    app.read_policy.check_contest(me.actor_id, r, entries)
    return ContestRound(
        key=r.key,
        title=r.title,
        definition=r.definition.key,
        stage=r.stage,
        year=r.year,
        organiser_org=r.organiser_org,
        registration_closes=r.registration_closes,
        phase=r.phase,
        entries=len(entries),
        progress=service.progress(round_key),
        ranking=r.ranking,
        ranked_at=r.ranked_at,
    )


@router.get("/{round_key}/ranking", response_model=Ranking)
async def ranking(request: Request, round_key: RecordKey, me: Me) -> Ranking:
    """The published ranking with its inputs' hash (every signed-in person's)."""
    r = context_of(request).app.contests.round(round_key)
    if r.ranking is None:
        raise NotFound(f"{r.title} 尚未发布排名", f"{r.title} has no published ranking yet")
    return r.ranking


@router.get("/{round_key}/assigned", response_model=list[JudgeRow])
async def assigned(request: Request, round_key: RecordKey, me: Me) -> list[JudgeRow]:
    """The caller's entries to score (``contest assigned``): codes only where blind."""
    app = context_of(request).app
    service = app.contests
    app.read_policy.check_contest(me.actor_id, service.round(round_key), service.entries(round_key))
    return service.assigned(me.actor_id, round_key)


@router.post("/{round_key}/sheets", response_model=SheetView, status_code=201)
async def submit_sheet(
    request: Request, round_key: RecordKey, body: SheetRequest, me: Me
) -> SheetView:
    """The judge's sheet (``contest score|commit|reveal``) for an entry assigned to them
    that they need not recuse from; once per judge and entry."""
    service = context_of(request).app.contests
    row = next((x for x in service.assigned(me.actor_id, round_key) if x.code == body.code), None)
    if row is None:
        raise NotFound(f"参评对象 {body.code} 不存在", f"no entry {body.code}")
    s = body.sheet
    if isinstance(s, Score):
        return service.score(
            me.actor_id, row.entry, dict(s.marks), comment=body.comment, command_id=body.command_id
        )
    if isinstance(s, Commit):
        return service.commit(me.actor_id, row.entry, s.commitment, command_id=body.command_id)
    return service.reveal(
        me.actor_id, row.entry, dict(s.marks), s.nonce, command_id=body.command_id
    )


class ObjectionRequest(FileObjection):
    """An objection to an entry of the ranking (its ``entry`` key, as the ranking's rows
    give it) while the notice runs: a real name and a contact, or ``anonymous`` (recorded
    and marked as such)."""

    entry: Key
    command_id: Key | None = Field(default=None, max_length=100)


class ResolutionRequest(BaseModel):
    """The organiser's finding on an open objection: upheld (the entry leaves the places
    and the awards, the ranking is recomputed without it) or dismissed, with reasons."""

    outcome: Literal["upheld", "dismissed"]
    findings: LongText
    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


class ObjectionOutcome(BaseModel):
    """The objection as resolved and the ranking as it stands after it."""

    objection: ContestObjection
    ranking: Ranking | None


def _notices(request: Request) -> ContestNotices:
    app = context_of(request).app
    return ContestNotices(app.contests, app.calendar)


def _organises(request: Request, r: RoundView, actor: str) -> bool:
    """A cadre of the organising union: who alone sees an objector's name and contact."""
    try:
        acting = context_of(request).app.directory.acting(actor, Role.CADRE)
    except DomainError:
        return False
    return is_unit_cadre(acting, r.organiser_org)


def _shown(o: ContestObjection, organiser: bool) -> ContestObjection:
    return o if organiser else o.model_copy(update={"name": "", "contact": ""})


def _published(request: Request, round_key: str) -> RoundView:
    r = context_of(request).app.contests.round(round_key)
    if r.ranking is None:
        raise NotFound(f"{r.title} 尚未发布排名", f"{r.title} has no published ranking yet")
    return r


@router.get("/{round_key}/objections", response_model=list[ContestObjection])
async def objections(request: Request, round_key: RecordKey, me: Me) -> list[ContestObjection]:
    """The objections to the ranking's notice with their outcome (every signed-in
    person's; the objector's name and contact for the organiser only)."""
    r = _published(request, round_key)
    organiser = _organises(request, r, me.actor_id)
    return [_shown(o, organiser) for o in r.objections]


@router.post("/{round_key}/objections", response_model=ContestObjection, status_code=201)
async def file_objection(
    request: Request, round_key: RecordKey, body: ObjectionRequest, me: Me
) -> ContestObjection:
    """An objection to an entry while the notice runs (``contest object``); the same
    ``command_id`` again files it once."""
    _published(request, round_key)
    c = FileObjection(
        substance=body.substance, anonymous=body.anonymous, name=body.name, contact=body.contact
    )
    r = _notices(request).file_objection(
        me.actor_id, round_key, body.entry, c, command_id=body.command_id
    )
    return _shown(r.objections[-1], _organises(request, r, me.actor_id))


@router.post("/{round_key}/objections/{no}/resolution", response_model=ObjectionOutcome)
async def resolve_objection(
    request: Request,
    round_key: RecordKey,
    no: Annotated[int, FastPath(ge=1, le=10_000)],
    body: ResolutionRequest,
    me: Me,
) -> ObjectionOutcome:
    """The organiser upholds or dismisses an open objection (``contest resolve``)."""
    _published(request, round_key)
    c = ResolveObjection(no=no, upheld=body.outcome == "upheld", findings=body.findings)
    r = _notices(request).resolve(
        me.actor_id, round_key, c, comment=body.comment, command_id=body.command_id
    )
    resolved = next(o for o in r.objections if o.no == no)
    return ObjectionOutcome(objection=_shown(resolved, True), ranking=r.ranking)
