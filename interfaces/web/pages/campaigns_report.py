"""A campaign's reports (集中行动填报): the unit's page with its cadre's report form and
withdrawal, and the district union's list of reports waiting for review with approve and
return (with reasons) forms.

Reports are high fan-in input: each goes straight to the ledger through ``CampaignFacade``
(never to the campaign's workflow), with the form's ``command_id``, so a double submit
applies once. The actor is always the signed-in person; the domain decides who may act
(the unit's cadre reports, its district union reviews) and a refusal is shown above the
forms in its words, with its status, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.datastructures import FormData, UploadFile

from application.campaign_rows import unit_values
from domain.actors import CHINA_TZ, Role
from domain.campaign.definition import Source, ValueKind
from domain.campaign.values import CampaignView, UnitReport, UnitView
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import Key, OptionalLongText, invalid_input
from i18n import Lang
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.forms import see_other
from interfaces.web.pages import new_command_id
from interfaces.web.pages.campaigns import (
    LABELS,
    ledger_of,
    may_read_unit,
    reader_of,
)
from interfaces.web.problem import status_of
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

if TYPE_CHECKING:
    from services.campaigns import CampaignFacade

router = APIRouter(include_in_schema=False)

ReportAct = Annotated[str, Path(pattern=r"^(approve|return|withdraw)$")]

DONE: dict[str, tuple[str, str]] = {
    "submit": ("填报已提交，等待区县工会审核", "report submitted: the district union reviews it"),
    "approve": ("填报已审核通过", "report approved"),
    "return": ("填报已退回，单位可修改后重新填报", "report returned: the unit may report again"),
    "withdraw": ("填报已撤回", "report withdrawn"),
}
ACTS: dict[str, tuple[str, str]] = {
    "submit": ("提交填报", "Submit the report"),
    "approve": ("审核通过", "Approve"),
    "return": ("退回", "Return"),
    "withdraw": ("撤回", "Withdraw"),
}
EVIDENCE_MAX = 2000


# -- the acts, as the pages and the API make them -----------------------------------------


class ReportInput(BaseModel):
    """A unit's report of one indicator for one period."""

    indicator: Key
    period: Key
    value: int = Field(ge=0, le=10_000_000)
    evidence: OptionalLongText = ""
    note: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


class ReviewInput(BaseModel):
    """The district union's decision (``reasons`` for a return) or the unit's withdrawal
    (``reasons`` is its reason)."""

    reasons: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


def facade_of(request: Request) -> CampaignFacade:
    """The campaigns' facade: a unit's reports and their review go straight to the ledger
    (no Temporal server needed)."""
    return context_of(request).readers().campaigns


async def submit_report(
    facade: CampaignFacade, actor_id: str, key: str, code: str, r: ReportInput
) -> UnitView:
    """The unit's cadre reports (``campaign report``)."""
    return await facade.submit(
        actor_id,
        key,
        code,
        indicator=r.indicator,
        period=r.period,
        value=r.value,
        evidence=r.evidence,
        note=r.note,
        command_id=r.command_id,
    )


async def decide_report(
    facade: CampaignFacade,
    actor_id: str,
    key: str,
    code: str,
    period: str,
    indicator: str,
    act: str,
    r: ReviewInput,
) -> UnitView:
    """Approve or return (the district union, ``campaign approve|return``) or withdraw
    (the unit's cadre, ``campaign withdraw``)."""
    which: dict[str, Any] = {"indicator": indicator, "period": period, "command_id": r.command_id}
    if act == "approve":
        return await facade.approve(actor_id, key, code, **which)
    if act == "return":
        return await facade.return_report(actor_id, key, code, reasons=r.reasons, **which)
    return await facade.withdraw(actor_id, key, code, reason=r.reasons, **which)


def readable_unit(
    request: Request, key: str, code: str, me: SignedIn
) -> tuple[CampaignView, UnitView]:
    """The campaign and the unit, if the person may read the unit (else 404)."""
    ledger = ledger_of(request)
    view = ledger.view(key)
    try:
        unit = ledger.unit(key, code)
    except NotFound:
        raise NotFound(
            f"集中行动 {key} 中没有单位 {code}", f"no unit {code} in campaign {key}"
        ) from None
    if not may_read_unit(reader_of(request, me), view, unit):
        raise NotFound(f"集中行动 {key} 中没有单位 {code}", f"no unit {code} in campaign {key}")
    return view, unit


# -- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    period: str
    indicator: str
    label: tuple[str, str]
    report: UnitReport
    submitted_by: str
    reviewed_by: str


def report_rows(view: CampaignView, unit: UnitView, names: Names) -> list[ReportRow]:
    periods = [p.key for p in view.definition.timeline.periods]
    labels = {i.key: i.label for i in view.definition.indicators}
    rows = [
        ReportRow(
            period=r.period,
            indicator=r.indicator,
            label=labels.get(r.indicator, (r.indicator, r.indicator)),
            report=r,
            submitted_by=names.person(r.submitted_by),
            reviewed_by=names.person(r.reviewed_by) if r.reviewed_by else "",
        )
        for r in unit.reports.values()
    ]
    order = {p: n for n, p in enumerate(periods)}
    return sorted(rows, key=lambda x: (order.get(x.period, len(order)), x.indicator))


def unit_view(
    request: Request,
    key: str,
    code: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The unit's page: its record in the campaign, its reports, and the forms of the
    signed-in person's steps (report and withdraw for its cadre, review for its district)."""
    ctx = context_of(request)
    view, unit = readable_unit(request, key, code, me)
    reader = reader_of(request, me)
    names = Names(ctx.app.directory)
    reportable = [i for i in view.definition.indicators if i.source is not Source.FACT]
    periods = [p for p in view.definition.timeline.periods if p.key in view.periods_opened]
    reviews = bool(reader.roles & {Role.CADRE, Role.REVIEWER}) and reader.org == unit.district_org
    today = datetime.now(CHINA_TZ).date()
    counted, basis = unit_values(
        view.definition, unit, ctx.app.unit_facts.facts(unit.code, today), today
    )
    values: dict[str, Any] = {
        "c": view,
        "u": unit,
        "rows": report_rows(view, unit, names),
        "counted": [
            (i.label, counted.get(i.key), basis.get(i.key, "")) for i in view.definition.indicators
        ],
        "today": today,
        "reportable": reportable,
        "periods": periods,
        "reports": reader.is_cadre_of(unit.code) and unit.member,
        "withdraws": reader.is_cadre_of(unit.code),
        "reviews": reviews,
        "district": names.org(unit.district_org),
        "command_id": new_command_id(),
        "flag": ValueKind.FLAG,
        "acts": ACTS,
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "campaigns/unit.html", values, status_code=status_code)


def reviews_view(
    request: Request,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    reader = reader_of(request, me)
    names = Names(ctx.app.directory)
    staff = bool(reader.roles & {Role.CADRE, Role.REVIEWER})
    rows = ledger_of(request).pending_reviews(reader.org) if staff else []
    values: dict[str, Any] = {
        "rows": rows,
        "names": names,
        "org": names.org(reader.org),
        "command_id": new_command_id(),
        "acts": ACTS,
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "campaigns/reviews.html", values, status_code=status_code)


def refused_view(
    request: Request, reason: str, status: int, page: Callable[[], Response]
) -> Response:
    """A refused act shown on its page; to someone who may not read the page, the
    refusal alone."""
    try:
        return page()
    except NotFound:
        return render(request, "refused.html", {"reason": reason}, status_code=status)


# -- routes -------------------------------------------------------------------------------


@router.get("/campaigns/reviews")
async def reviews_page(request: Request, me: Me) -> Response:
    """The district union's reports to review (``campaign units --pending``)."""
    done = request.query_params.get("done", "")
    return reviews_view(request, me, notice=DONE.get(done))


@router.get("/campaigns/{key}/units/{code}")
async def unit_page(request: Request, key: RecordKey, code: RecordKey, me: Me) -> Response:
    done = request.query_params.get("done", "")
    return unit_view(request, key, code, me, notice=DONE.get(done))


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def evidence_of(form: FormData) -> str:
    """The evidence as recorded: its description and the name of the file it rests on
    (the file itself stays with the unit; the ledger records its name)."""
    text = text_of(form, "evidence").strip()
    named = text_of(form, "evidence_file").strip()
    upload = form.get("evidence_upload")
    if not named and isinstance(upload, UploadFile) and upload.filename:
        named = upload.filename
    if named:
        text = f"{text}（文件：{named}）" if text else f"文件：{named}"
    if len(text) > EVIDENCE_MAX:
        raise InvalidInput(
            f"佐证材料说明过长（超过 {EVIDENCE_MAX} 字）",
            f"evidence longer than {EVIDENCE_MAX} characters",
        )
    return text


def value_of(form: FormData) -> int:
    raw = text_of(form, "value").strip()
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            "请填写数值（是否类指标选“是”或“否”）",
            "give a value (yes or no for a yes/no indicator)",
        ) from None
    return value


def checked(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return TypeAdapter(model).validate_python(fields)
    except ValidationError as e:
        raise invalid_input(e) from None


@router.post("/campaigns/{key}/units/{code}/reports")
async def submit(request: Request, key: RecordKey, code: RecordKey, me: Me) -> Response:
    """The unit's cadre reports an indicator for a period, with its evidence."""
    form = await request.form()
    try:
        _, command_id = comment_and_id("", form.get("command_id"))
        report = checked(
            ReportInput,
            {
                "indicator": text_of(form, "indicator"),
                "period": text_of(form, "period"),
                "value": value_of(form),
                "evidence": evidence_of(form),
                "note": text_of(form, "note"),
                "command_id": command_id,
            },
        )
        await submit_report(facade_of(request), me.actor_id, key, code, report)
    except DomainError as e:
        reason, status = e.message(Lang.code), status_of(e)
        return refused_view(
            request,
            reason,
            status,
            lambda: unit_view(request, key, code, me, refusal=reason, status_code=status),
        )
    return see_other(f"/campaigns/{key}/units/{code}?done=submit")


@router.post("/campaigns/{key}/units/{code}/reports/{period}/{indicator}/{act}")
async def decide(
    request: Request,
    key: RecordKey,
    code: RecordKey,
    period: RecordKey,
    indicator: RecordKey,
    act: ReportAct,
    me: Me,
) -> Response:
    """Approve or return a pending report (the district union), or withdraw one (the
    unit's cadre). From the reviews list the answer is that list again."""
    form = await request.form()
    back = text_of(form, "back") == "reviews"
    try:
        _, command_id = comment_and_id("", form.get("command_id"))
        decision = checked(
            ReviewInput, {"reasons": text_of(form, "reasons"), "command_id": command_id}
        )
        facade = facade_of(request)
        await decide_report(facade, me.actor_id, key, code, period, indicator, act, decision)
    except DomainError as e:
        reason, status = e.message(Lang.code), status_of(e)

        def page() -> Response:
            if back:
                return reviews_view(request, me, refusal=reason, status_code=status)
            return unit_view(request, key, code, me, refusal=reason, status_code=status)

        return refused_view(request, reason, status, page)
    if back:
        return see_other(f"/campaigns/reviews?done={act}")
    return see_other(f"/campaigns/{key}/units/{code}?done={act}")
