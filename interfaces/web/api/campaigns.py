"""``/api/v1/campaigns``: target-rate campaigns (集中行动) as JSON: the campaigns, a
campaign's progress (live, on a day, or at a past instant), its units a page at a time,
one unit, the reports waiting for the caller's review, and a unit's report with its
review (approve, return) and withdrawal.

The same ``CampaignFacade`` and ``CampaignProgress`` calls as ``unionflow campaign`` and
the campaign pages; the actor is always the signed-in person, and a ``command_id`` makes a
retried request apply once. Refusals are problem+json with the domain's reason in Chinese
and English.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel

from application.campaign_progress import gap_label
from application.campaigns import PendingReview
from domain.actors import CHINA_TZ, Role
from domain.campaign.definition import Label
from domain.campaign.progress import Tally, TargetProgress
from domain.campaign.values import CampaignView, Phase, UnitView
from domain.errors import InvalidInput
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages.campaigns import (
    AsAt,
    may_read_campaign,
    progress_of,
    readable_campaign,
    reader_of,
)
from interfaces.web.pages.campaigns_report import (
    ReportInput,
    ReviewInput,
    decide_report,
    facade_of,
    readable_unit,
    submit_report,
)
from interfaces.web.paging import PageQuery
from interfaces.web.problem import responses

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns 集中行动"], responses=responses())


class CampaignSummary(BaseModel):
    """A campaign as the list shows it."""

    key: str
    title: Label
    year: int
    organiser_org: str
    phase: Phase
    periods_opened: list[str]


def summary(c: CampaignView) -> CampaignSummary:
    return CampaignSummary(
        key=c.key,
        title=c.title,
        year=c.definition.year,
        organiser_org=c.organiser_org,
        phase=c.phase,
        periods_opened=c.periods_opened,
    )


class TallyOut(BaseModel):
    numerator: int
    denominator: int
    rate: float
    gap: int
    met: bool


def tally_out(t: Tally) -> TallyOut:
    return TallyOut(
        numerator=t.numerator, denominator=t.denominator, rate=t.rate, gap=t.gap, met=t.met
    )


class TargetOut(BaseModel):
    """One target's progress: the whole sub-population, its breakdowns, the gap in words
    (还差 N 家) and how many units are not counted yet."""

    target: str
    label: Label
    kind: str
    at_least: float
    total: TallyOut
    gap_label: Label
    by_district: dict[str, TallyOut]
    by_industry: dict[str, TallyOut]
    by_ownership: dict[str, TallyOut]
    laggards: int


class TrendPoint(BaseModel):
    on: date
    target: str
    rate: float


class ProgressOut(BaseModel):
    """A campaign's progress, counted on ``on``; ``at`` is the instant the ledger was read
    up to (null: live)."""

    campaign_key: str
    title: Label
    on: date
    at: datetime | None
    units: int
    targets: list[TargetOut]
    trend: list[TrendPoint]


def target_out(t: TargetProgress, label: Label) -> TargetOut:
    return TargetOut(
        target=t.target,
        label=label,
        kind=t.kind.value,
        at_least=t.at_least,
        total=tally_out(t.total),
        gap_label=gap_label(t.total, t.kind),
        by_district={k: tally_out(v) for k, v in t.by_district.items()},
        by_industry={k: tally_out(v) for k, v in t.by_industry.items()},
        by_ownership={k: tally_out(v) for k, v in t.by_ownership.items()},
        laggards=len(t.laggards),
    )


class UnitPage(BaseModel):
    """A page of the campaign's units, sorted by code."""

    total: int
    page: int
    size: int
    pages: int
    prev_page: int | None = None
    next_page: int | None = None
    units: list[UnitView]


@router.get("", response_model=list[CampaignSummary])
async def campaigns(request: Request, me: Me) -> list[CampaignSummary]:
    """The campaigns the caller may read."""
    reader = reader_of(request, me)
    every = context_of(request).app.campaigns.campaigns()
    return [summary(c) for c in every if may_read_campaign(reader, c)]


@router.get("/reviews", response_model=list[PendingReview])
async def reviews(request: Request, me: Me) -> list[PendingReview]:
    """The reports waiting for the review of the caller's union (a unit's district union's
    cadres and reviewers review its reports)."""
    reader = reader_of(request, me)
    if not reader.roles & {Role.CADRE, Role.REVIEWER}:
        return []
    return context_of(request).app.campaigns.pending_reviews(reader.org)


@router.get("/{key}", response_model=CampaignView)
async def campaign(request: Request, key: RecordKey, me: Me) -> CampaignView:
    """A campaign with the definition it was opened with."""
    return readable_campaign(request, key, me)


@router.get("/{key}/progress", response_model=ProgressOut)
async def progress(
    request: Request,
    key: RecordKey,
    me: Me,
    on: Annotated[date | None, Query(description="统计日期 / the day counted on")] = None,
    at: Annotated[
        AwareDatetime | None,
        Query(description="过去某一时点（含时区）/ a past instant, with its zone"),
    ] = None,
) -> ProgressOut:
    """Each target's rate against its goal, by district, industry and ownership, and the
    weekly trend (``campaign progress KEY [--on] [--at]``)."""
    view = readable_campaign(request, key, me)
    if at is not None and at > datetime.now(CHINA_TZ):
        raise InvalidInput("时点不能晚于现在", "at: an instant in the future")
    report = progress_of(request, key, AsAt(on, at)).report
    labels = {t.key: t.label for t in view.definition.targets}
    return ProgressOut(
        campaign_key=key,
        title=view.title,
        on=report.on,
        at=at,
        units=report.units,
        targets=[target_out(t, labels[t.target]) for t in report.targets],
        trend=[TrendPoint(on=d, target=k, rate=r) for d, k, r in report.trend],
    )


@router.get("/{key}/units", response_model=UnitPage)
async def units(request: Request, key: RecordKey, me: Me, paging: PageQuery) -> UnitPage:
    """The campaign's units, a page at a time (the organiser's and auditors'; a district
    union sees its own units)."""
    view = readable_campaign(request, key, me)
    reader = reader_of(request, me)
    every = context_of(request).app.campaigns.units(key)
    if not (reader.reads_all or reader.org == view.organiser_org):
        every = [u for u in every if reader.org in (u.district_org, u.code)]
    window = paging.window(len(every))
    return UnitPage(units=every[window], **paging.of(len(every)))


@router.get("/{key}/units/{code}", response_model=UnitView)
async def unit(request: Request, key: RecordKey, code: RecordKey, me: Me) -> UnitView:
    """One unit's record: membership, reports, reminders and escalations."""
    return readable_unit(request, key, code, me)[1]


@router.post("/{key}/units/{code}/reports", response_model=UnitView, status_code=201)
async def report(
    request: Request, key: RecordKey, code: RecordKey, body: ReportInput, me: Me
) -> UnitView:
    """The unit's cadre reports an indicator for a period (``campaign report``); the same
    request again reports once."""
    readable_unit(request, key, code, me)
    return await submit_report(facade_of(request), me.actor_id, key, code, body)


@router.post("/{key}/units/{code}/reports/{period}/{indicator}/approve", response_model=UnitView)
async def approve(
    request: Request,
    key: RecordKey,
    code: RecordKey,
    period: RecordKey,
    indicator: RecordKey,
    body: ReviewInput,
    me: Me,
) -> UnitView:
    """The district union approves a pending report (``campaign approve``)."""
    return await act(request, key, code, period, indicator, "approve", body, me)


@router.post("/{key}/units/{code}/reports/{period}/{indicator}/return", response_model=UnitView)
async def return_report(
    request: Request,
    key: RecordKey,
    code: RecordKey,
    period: RecordKey,
    indicator: RecordKey,
    body: ReviewInput,
    me: Me,
) -> UnitView:
    """The district union returns a pending report with its reasons (``campaign return``)."""
    return await act(request, key, code, period, indicator, "return", body, me)


@router.post("/{key}/units/{code}/reports/{period}/{indicator}/withdraw", response_model=UnitView)
async def withdraw(
    request: Request,
    key: RecordKey,
    code: RecordKey,
    period: RecordKey,
    indicator: RecordKey,
    body: ReviewInput,
    me: Me,
) -> UnitView:
    """The unit's cadre withdraws a pending or approved report (``campaign withdraw``)."""
    return await act(request, key, code, period, indicator, "withdraw", body, me)


async def act(
    request: Request,
    key: str,
    code: str,
    period: str,
    indicator: str,
    what: str,
    body: ReviewInput,
    me: SignedIn,
) -> UnitView:
    """One decision on a report; who may not read the unit has it refused as missing."""
    readable_unit(request, key, code, me)
    return await decide_report(
        facade_of(request), me.actor_id, key, code, period, indicator, what, body
    )
