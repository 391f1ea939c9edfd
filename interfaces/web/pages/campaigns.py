"""Campaign pages (集中行动): the campaigns, a campaign's dashboard — each target's rate
against its goal with the gap in units (还差 N 家), the breakdowns by district, industry
and ownership, the laggards a page at a time, the weekly trend — at any past instant, and
its exports (XLSX, PNG chart, PDF final report).

Every read is the one ``unionflow campaign progress`` makes, through ``CampaignLedger`` and
``CampaignProgress`` (straight to the ledger and its read model, no Temporal server). Who
reads a campaign is decided here, in ``may_read_campaign``; one they may not read is
refused as missing (404). The unit's report form and the district reviewer's list are
``campaigns_report``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from application.campaign_progress import ProgressReport, gap_label
from application.read_policy import Reader
from domain.actors import CHINA_TZ, Role
from domain.campaign.definition import Label, Ownership, TargetKind
from domain.campaign.progress import Tally, TargetProgress, UnitRow
from domain.campaign.values import PHASE_LABELS, REPORT_LABELS, CampaignView, UnitView
from domain.errors import InvalidInput, NotFound
from i18n import pick
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages import is_htmx
from interfaces.web.paging import PageQuery, Paging
from interfaces.web.templating import render

if TYPE_CHECKING:
    from application.campaigns import CampaignLedger
    from bootstrap import App

router = APIRouter(include_in_schema=False)

ExportFile = Annotated[str, Path(pattern=r"^(progress\.xlsx|chart\.png|report\.pdf)$")]

OWNERSHIP_LABELS: dict[str, Label] = {
    Ownership.PUBLIC: ("公有制", "public"),
    Ownership.NON_PUBLIC: ("非公有制", "non-public"),
}
EXPORTS: list[tuple[str, Label]] = [
    (
        "progress.xlsx",
        ("进度表（按区、按行业、明细，XLSX）", "Progress by district and industry (XLSX)"),
    ),
    (
        "chart.png",
        ("各区完成率与目标线、每周趋势（PNG）", "Rate by district vs target, weekly trend (PNG)"),
    ),
    ("report.pdf", ("总结报告（PDF/A）", "Final report (PDF/A)")),
]
LABELS: dict[str, Any] = {
    "phases": PHASE_LABELS,
    "report_labels": REPORT_LABELS,
    "ownerships": OWNERSHIP_LABELS,
}


# -- who reads a campaign ----------------------------------------------------------------


def may_read_campaign(reader: Reader, view: CampaignView) -> bool:
    """A campaign and its dashboard: auditors and operators, and the cadres and reviewers
    of the organising union and of every union under it (the district unions that review,
    the units that report)."""
    if reader.reads_all:
        return True
    return bool(reader.roles & {Role.CADRE, Role.REVIEWER}) and view.organiser_org in reader.path


def may_read_unit(reader: Reader, view: CampaignView, unit: UnitView) -> bool:
    """A unit's record in a campaign: its own cadres, its district union's cadres and
    reviewers, the organiser's, auditors and operators."""
    if reader.reads_all or reader.is_cadre_of(unit.code):
        return True
    staff = bool(reader.roles & {Role.CADRE, Role.REVIEWER})
    return staff and reader.org in (unit.district_org, view.organiser_org)


def ledger_of(request: Request) -> CampaignLedger:
    return context_of(request).app.campaigns


def reader_of(request: Request, me: SignedIn) -> Reader:
    return context_of(request).app.read_policy.reader(me.actor_id)


def readable_campaign(request: Request, key: str, me: SignedIn) -> CampaignView:
    """The campaign, if the signed-in person may read it (else 404, as a missing one)."""
    view = ledger_of(request).view(key)
    if not may_read_campaign(reader_of(request, me), view):
        raise missing_campaign(key)
    return view


def missing_campaign(key: str) -> NotFound:
    """The words of a missing campaign (``CampaignLedger.view``'s): a hidden one reads the same."""
    return NotFound(f"集中行动 {key} 不存在", f"no campaign {key}")


# -- the instant a dashboard shows -------------------------------------------------------


@dataclass(frozen=True)
class AsAt:
    """The day the rates are counted on and, for the past, the instant the ledger is read
    up to (``None``: now, from the live read model)."""

    on: date | None = None
    at: datetime | None = None

    def query(self) -> str:
        """The query string that keeps this instant on the page's links."""
        parts = []
        if self.on is not None:
            parts.append(f"on={self.on.isoformat()}")
        if self.at is not None:
            parts.append(f"at={self.at.astimezone(CHINA_TZ).strftime('%Y-%m-%dT%H:%M')}")
        return "&".join(parts)


def as_at(on: str | None, at: str | None) -> AsAt:
    """``on`` (YYYY-MM-DD) and ``at`` (an instant: ``<input type=datetime-local>`` sends
    China time without a zone), as the page's form sends them; blanks are "now"."""
    day = None
    if on and on.strip():
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise InvalidInput(
                "统计日期格式无效（应为 YYYY-MM-DD）", "on: not a date (YYYY-MM-DD)"
            ) from None
    instant = None
    if at and at.strip():
        try:
            instant = datetime.fromisoformat(at.strip())
        except ValueError:
            raise InvalidInput(
                "时点格式无效（应为 YYYY-MM-DDTHH:MM）",
                "at: not a date and time (YYYY-MM-DDTHH:MM)",
            ) from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=CHINA_TZ)
        if instant > datetime.now(CHINA_TZ):
            raise InvalidInput("时点不能晚于现在", "at: an instant in the future")
    return AsAt(day, instant)


@dataclass(frozen=True)
class Progress:
    """A progress report and its units' rows, from one read of the ledger."""

    report: ProgressReport
    rows: dict[str, UnitRow]  # by unit code, in code order


class ProgressMemo:
    """Campaigns' progress as it stood at a ledger head (``InboxMemo``'s way): while
    nothing is recorded, a dashboard read again (its laggards paged through, its exports
    fetched) is not counted again; any event recorded since makes the next request count
    afresh. The head is read before counting, so a report is never filed under a head
    newer than what it saw. Per web process, for the ``size`` last asked."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._found: OrderedDict[tuple[str, date, datetime | None], tuple[int, Progress]]
        self._found = OrderedDict()
        self._lock = threading.Lock()

    def progress(self, app: App, key: str, when: AsAt) -> Progress:
        head = app.ledger.max_notification_id()
        slot = (key, when.on or datetime.now(CHINA_TZ).date(), when.at)
        with self._lock:
            hit = self._found.get(slot)
            if hit is not None and hit[0] == head:
                self._found.move_to_end(slot)
                return hit[1]
        try:
            report, rows = app.campaign_progress.snapshot(key, when.on, when.at)
        except NotFound:
            if when.at is None:
                raise
            shown = when.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            raise InvalidInput(
                f"{shown} 时该集中行动尚未启动", f"the campaign was not open yet at {shown}"
            ) from None
        assert report is not None  # a snapshot with its report
        found = Progress(report=report, rows={r.code: r for r in rows})
        with self._lock:
            self._found[slot] = (head, found)
            self._found.move_to_end(slot)
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return found


def progress_of(request: Request, key: str, when: AsAt) -> Progress:
    """The campaign's progress: live, or as the ledger stood at ``when.at``."""
    state = request.app.state
    memo = getattr(state, "campaign_progress", None)
    if memo is None:
        memo = state.campaign_progress = ProgressMemo()
    found: Progress = memo.progress(context_of(request).app, key, when)
    return found


# -- what the dashboard shows ------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: a district, an industry or an ownership, and its tally."""

    name: str
    tally: Tally
    gap: Label


@dataclass(frozen=True)
class TargetCard:
    key: str
    label: Label
    kind: str
    goal: str  # ≥80%, ≥500
    tally: Tally
    rate: str
    gap: Label  # 还差 37 家
    by: date
    breakdowns: list[tuple[Label, Label, list[Group]]]  # caption, column, rows


def percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def goal_of(t: TargetProgress) -> str:
    return f"≥{t.at_least * 100:g}%" if t.kind is TargetKind.RATE else f"≥{t.at_least:g}"


def groups(t: TargetProgress, found: dict[str, Tally], names: dict[str, Label]) -> list[Group]:
    """A breakdown's rows, each group by its name (``names``, else as it is)."""
    return [
        Group(name=pick(names[k]) if k in names else k or "—", tally=v, gap=gap_label(v, t.kind))
        for k, v in found.items()
    ]


def target_cards(view: CampaignView, report: ProgressReport) -> list[TargetCard]:
    targets = {t.key: t for t in view.definition.targets}
    cards = []
    for t in report.targets:
        spec = targets[t.target]
        cards.append(
            TargetCard(
                key=t.target,
                label=spec.label,
                kind=t.kind.value,
                goal=goal_of(t),
                tally=t.total,
                rate=percent(t.total.rate) if t.kind is TargetKind.RATE else f"{t.total.numerator}",
                gap=gap_label(t.total, t.kind),
                by=spec.by,
                breakdowns=[
                    (
                        ("按区县", "By district"),
                        ("区县", "District"),
                        groups(t, t.by_district, {}),
                    ),
                    (
                        ("按行业", "By industry"),
                        ("行业", "Industry"),
                        groups(t, t.by_industry, {}),
                    ),
                    (
                        ("按所有制", "By ownership"),
                        ("所有制", "Ownership"),
                        groups(t, t.by_ownership, OWNERSHIP_LABELS),
                    ),
                ],
            )
        )
    return cards


@dataclass(frozen=True)
class Laggard:
    code: str
    name: str
    district: str
    industry: str
    url: str


@dataclass(frozen=True)
class LaggardPage:
    target: str
    rows: list[Laggard]
    total: int
    page: int
    size: int
    pages: int
    prev_page: int | None
    next_page: int | None


def laggard_page(
    key: str, found: Progress, target: str | None, paging: Paging
) -> LaggardPage | None:
    """One page of the laggards of ``target`` (the first target unless named), by name."""
    report = found.report
    chosen = next((t for t in report.targets if t.target == target), None)
    if chosen is None and target:
        raise InvalidInput(f"没有目标 {target}", f"no target {target}")
    if chosen is None:
        if not report.targets:
            return None
        chosen = report.targets[0]
    codes = chosen.laggards
    window = paging.window(len(codes))
    rows = [
        Laggard(
            code=r.code,
            name=r.name,
            district=r.district,
            industry=r.industry,
            url=f"/campaigns/{key}/units/{r.code}",
        )
        for r in (found.rows[code] for code in codes[window])
    ]
    return LaggardPage(target=chosen.target, rows=rows, **paging.of(len(codes)))


def trend_rows(view: CampaignView, report: ProgressReport) -> tuple[list[str], list[list[str]]]:
    """The weekly trend as a table: one row per week, one column per target."""
    keys = [t.key for t in view.definition.targets]
    by_day: dict[date, dict[str, float]] = {}
    for day, target, rate in report.trend:
        by_day.setdefault(day, {})[target] = rate
    kinds = {t.key: t.kind for t in view.definition.targets}
    rows = []
    for day in sorted(by_day):
        cells = [day.isoformat()]
        for k in keys:
            v = by_day[day].get(k)
            if v is None:
                cells.append("—")
            else:
                cells.append(percent(v) if kinds[k] is TargetKind.RATE else f"{v:g}")
        rows.append(cells)
    return keys, rows


# -- pages --------------------------------------------------------------------------------


@router.get("/campaigns")
async def campaign_list(request: Request, me: Me) -> Response:
    """The campaigns the person may read, and a unit cadre's own unit in each."""
    reader = reader_of(request, me)
    ledger = ledger_of(request)
    mine = [c for c in ledger.campaigns() if may_read_campaign(reader, c)]
    own: dict[str, str] = {}
    if Role.CADRE in reader.roles:
        for c in mine:
            try:
                ledger.unit(c.key, reader.org)
            except NotFound:
                continue
            own[c.key] = f"/campaigns/{c.key}/units/{reader.org}"
    values = {"campaigns": mine, "own": own, "names": Names(context_of(request).app.directory)}
    return render(request, "campaigns/list.html", {**values, **LABELS})


@router.get("/campaigns/{key}")
async def dashboard(
    request: Request,
    key: RecordKey,
    me: Me,
    paging: PageQuery,
    on: Annotated[str | None, Query(max_length=40)] = None,
    at: Annotated[str | None, Query(max_length=40)] = None,
    target: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The dashboard (``campaign progress KEY [--on] [--at]``); with htmx a pager's link
    swaps only the laggards' list."""
    ctx = context_of(request)
    view = readable_campaign(request, key, me)
    when = as_at(on, at)
    found = progress_of(request, key, when)
    report = found.report
    names = Names(ctx.app.directory)
    laggards = laggard_page(key, found, target, paging)
    values: dict[str, Any] = {
        "c": view,
        "report": report,
        "when": when,
        "cards": target_cards(view, report),
        "laggards": laggards,
        "target_labels": {t.key: t.label for t in view.definition.targets},
        "organiser": names.org(view.organiser_org),
        "exports": EXPORTS,
        "now": datetime.now(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        **LABELS,
    }
    keys, rows = trend_rows(view, report)
    values["trend_keys"], values["trend"] = keys, rows
    if is_htmx(request) and request.query_params.get("page"):
        return render(request, "campaigns/_laggards.html", values)
    return render(request, "campaigns/dashboard.html", values)


MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "pdf": "application/pdf",
}


@router.get("/campaigns/{key}/exports/{file}")
async def export_file(
    request: Request,
    key: RecordKey,
    file: ExportFile,
    me: Me,
    on: Annotated[str | None, Query(max_length=40)] = None,
    at: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The campaign's progress as XLSX, the chart as PNG, the final report as PDF/A
    (``campaign export KEY``), at the dashboard's instant."""
    from application import campaign_exports

    readable_campaign(request, key, me)
    found = progress_of(request, key, as_at(on, at))
    report = found.report
    suffix = file.rsplit(".", 1)[1]
    if suffix == "xlsx":
        data = campaign_exports.progress_xlsx(report, list(found.rows.values()))
    elif suffix == "png":
        data = campaign_exports.progress_png(report).png
    else:
        data = campaign_exports.final_report_pdf(report)
    stamp = report.on.isoformat()
    return Response(
        data,
        media_type=MEDIA[suffix],
        headers={"content-disposition": f'attachment; filename="{key}-{stamp}-{file}"'},
    )
