"""``/api/v1/contests``: contest rounds as JSON: a round (without the salt of its blind
codes), its published ranking, and a judge's sheet (score, commit or reveal).

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
from pydantic import BaseModel, Field

from application.contest_inputs import JudgeProgress, JudgeRow
from domain.contest.values import Phase, Ranking, SheetView
from domain.errors import NotFound
from domain.text import Key, OptionalLongText, ShortText
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
