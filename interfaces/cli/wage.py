"""``unionflow wage``: the wage special collective contract (工资专项集体合同)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ValidationError

from bootstrap import App, Facades
from domain.actors import CHINA_TZ
from domain.errors import InvalidInput
from domain.text import MAX_COPIES, MAX_DAYS, ShortText
from domain.wage_contract import (
    COMMAND_LABELS,
    AppointNegotiators,
    ApproveReview,
    Draft,
    FileContract,
    Negotiator,
    OpenCase,
    PublishContract,
    RecordFilingIncomplete,
    RecordObjection,
    RecordReply,
    RecordTalksDataProvided,
    RecordTalksRound,
    ReportToHigherUnion,
    RequestAdoptionPoll,
    RequestTalksData,
    ResumeTalks,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    Side,
    SignContract,
    SignDraft,
    SubmitForReview,
    SuspendTalks,
    WageContractView,
)
from domain.wage_contract.offer_request import OfferRequestView, RecordOfferRequest
from i18n import REVIEW_OUTCOME_LABELS, fmt, label_of, pick, t
from interfaces.cli._common import (
    AS,
    CASE,
    COMMAND_ID,
    COMMENT,
    console,
    fail,
    load_model,
    print_checks,
    print_view,
    run,
    run_async,
    stage,
    typed,
)
from interfaces.cli.render import Table, plain
from interfaces.text import Names

app = typer.Typer(help="工资专项集体合同 / wage special collective contract", no_args_is_help=True)

TAKEOVER = typer.Option(
    None,
    "--takeover",
    help="上级工会接手未上报至本级的预审时的理由 / reason for a higher union to take over "
    "a review not escalated to it",
)


def _act(case_id: str, actor: str, command: Any, comment: str, command_id: str | None) -> None:
    def go(application: App, facades: Facades) -> Awaitable[WageContractView]:
        return facades.wage_contracts.act(
            case_id, actor, command, comment=comment, command_id=command_id
        )

    view = run_async(go)
    console.print(f"[green]✓[/] {pick(COMMAND_LABELS[command.kind])}")
    print_view(view)


def _print_reviews(view: WageContractView, names: Names) -> None:
    print_view(view)
    for review in view.reviews:
        outcome = label_of(REVIEW_OUTCOME_LABELS, review.outcome) if review.outcome else "…"
        console.print(
            f"\n[bold]{t('round')} {review.round}[/] · {t('reviewer_org')} {names.org(review.reviewer_org)}"
            f" · {t('due')} {review.due}{t('provisional') if review.due_provisional else ''} · {t('outcome')} {outcome}"
        )
        print_checks(review.checks)
        for comment in review.comments:
            clause = fmt(("第 {no} 条", "clause {no}"), no=comment.clause)
            console.print(f"  · {plain(clause)}: {plain(comment.comment)}")
        if review.override_reason:
            console.print(f"  {pick(('批准理由', 'override'))}: {plain(review.override_reason)}")
        if review.taken_over_from:
            console.print(
                f"  {pick(('接手', 'taken over'))}: {review.taken_over_from} → {review.reviewer_org}"
                f" ({review.decided_by}): {plain(review.takeover_reason)}"
            )


class _Negotiators(BaseModel):
    negotiators: list[Negotiator]


@app.command("open")
def wage_open(
    actor: str = AS,
    case: str = typer.Option(..., "--case", help="案件编号 / case id"),
    unit: str = typer.Option(..., "--unit", help="基层工会代码 / unit org code"),
    employer: str = typer.Option(..., "--employer", help="企业名称 / employer"),
    year: int = typer.Option(datetime.now(CHINA_TZ).year, "--year", min=2000, max=2200),
    place: str = typer.Option(..., "--place", help="要约中的协商地点 / place of talks"),
    content: str = typer.Option(..., "--content", help="要约内容 / content of the offer"),
    profile: str | None = typer.Option(None, "--profile", help="规则配置 / rule profile"),
    comment: str = COMMENT,
) -> None:
    """发出协商要约并建立案件 / send the offer to bargain and open the case."""
    try:
        offer = OpenCase(
            case_id=case,
            unit_org=unit,
            employer=employer,
            year=year,
            offer_place=place,
            offer_content=content,
        )
    except ValidationError as e:
        fail(InvalidInput(f"输入无效：{e.errors()[0]['msg']}", str(e)))
        raise

    def go(application: App, facades: Facades) -> Awaitable[WageContractView]:
        return facades.wage_contracts.open(actor, offer, profile=profile, comment=comment)

    view = run_async(go)
    console.print(
        f"[green]✓[/] {fmt(('已发出要约，书面回应期限 {d}', 'offer sent; reply due {d}'), d=view.reply_due)}"
    )
    print_view(view)


@app.command("reply")
def wage_reply(
    case: str = CASE,
    actor: str = AS,
    content: str = typer.Option(..., "--content"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记对方书面回应 / record the employer's written reply."""
    _act(case, actor, RecordReply(content=content), comment, command_id)


@app.command("negotiators")
def wage_negotiators(
    case: str = CASE,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """确定双方协商代表（YAML 文件） / appoint negotiators from a YAML file."""
    data = load_model(file, _Negotiators, "协商代表")
    _act(case, actor, AppointNegotiators(negotiators=data.negotiators), comment, command_id)


@app.command("round")
def wage_round(
    case: str = CASE,
    actor: str = AS,
    minutes: str = typer.Option(..., "--minutes"),
    deadlock: bool = typer.Option(False, "--deadlock"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记一轮协商及纪要 / record a talks round with its minutes."""
    _act(case, actor, RecordTalksRound(minutes=minutes, deadlocked=deadlock), comment, command_id)


@app.command("data-request")
def wage_data_request(
    case: str = CASE,
    actor: str = AS,
    side: Side = typer.Option(..., "--from", help="被要求提供资料的一方 / the side asked"),
    item: list[str] = typer.Option(..., "--item", help="所需资料，可重复 / an item, repeatable"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记一方要求对方提供协商资料（协商前须提前提供） / record a request for data."""
    try:
        command = RequestTalksData(requested_from=side, items=item)
    except ValidationError as e:
        fail(InvalidInput(f"输入无效：{e.errors()[0]['msg']}", e.errors()[0]["msg"]))
        raise
    _act(case, actor, command, comment, command_id)


@app.command("data-provided")
def wage_data_provided(
    case: str = CASE,
    actor: str = AS,
    no: int = typer.Option(..., "--no", min=1, help="资料请求序号 / the request's number"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记资料已提供 / record that the requested data was provided."""
    _act(case, actor, RecordTalksDataProvided(no=no), comment, command_id)


@app.command("suspend")
def wage_suspend(
    case: str = CASE,
    actor: str = AS,
    days: int = typer.Option(..., "--days", min=1, max=MAX_DAYS),
    reason: str = typer.Option(..., "--reason"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """中止协商 / suspend deadlocked talks."""
    _act(case, actor, SuspendTalks(days=days, reason=reason), comment, command_id)


@app.command("resume")
def wage_resume(
    case: str = CASE, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """恢复协商 / resume talks."""
    _act(case, actor, ResumeTalks(), comment, command_id)


@app.command("draft")
def wage_draft(
    case: str = CASE,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """双方首席代表签字的草案（YAML 文件） / the draft signed by both chiefs."""
    _act(case, actor, SignDraft(draft=load_model(file, Draft, "草案")), comment, command_id)


@app.command("submit")
def wage_submit(
    case: str = CASE, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """报上级工会预审 / submit for pre-review."""
    _act(case, actor, SubmitForReview(), comment, command_id)


@app.command("checks")
def wage_checks(case: str) -> None:
    """显示本轮预审检查结果 / show the checks of the current review round."""
    run(lambda a: _print_reviews(a.facades().wage_contracts.view(case), Names(a.directory)))


@app.command("approve")
def wage_approve(
    case: str = CASE,
    actor: str = AS,
    override: str | None = typer.Option(
        None,
        "--override",
        help="参考性检查（工资指导线）未通过时的批准理由；法定底线不能放行 / "
        "reason to approve past a failed advisory check (the wage guideline); "
        "legal floors cannot be overridden",
    ),
    takeover: str | None = TAKEOVER,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """预审通过 / approve the draft."""
    command = ApproveReview(override_reason=override, takeover_reason=takeover)
    _act(case, actor, command, comment, command_id)


@app.command("return")
def wage_return(
    case: str = CASE,
    actor: str = AS,
    clause: list[str] = typer.Option(
        ..., "--clause", help="条款号=意见，可重复 / CLAUSE=comment, repeatable"
    ),
    takeover: str | None = TAKEOVER,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """退回修改并逐条提出意见 / return with comments per clause."""
    comments = []
    for item in clause:
        no, sep, text = item.partition("=")
        if not sep or not no.strip() or not text.strip():
            fail(
                InvalidInput(
                    f"意见格式应为 条款号=意见：{item}", f"expected CLAUSE=comment: {item}"
                )
            )
        comments.append(ReviewComment(clause=no.strip(), comment=text.strip()))
    command = ReturnForRevision(comments=comments, takeover_reason=takeover)
    _act(case, actor, command, comment, command_id)


@app.command("revise")
def wage_revise(
    case: str = CASE,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提交修改后的草案 / the revised draft."""
    _act(case, actor, ReviseDraft(draft=load_model(file, Draft, "草案")), comment, command_id)


@app.command("adoption-poll")
def wage_adoption_poll(
    case: str = CASE,
    actor: str = AS,
    session: str = typer.Option(..., "--session", help="职代会会议 / congress session"),
    item: int = typer.Option(
        ..., "--item", min=1, max=1000, help="审议本草案的议题号 / the agenda item"
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提交职代会无记名表决，以表决结果为准 / put the draft to the congress's secret poll."""
    _act(case, actor, RequestAdoptionPoll(session_id=session, item_no=item), comment, command_id)


@app.command("sign")
def wage_sign(
    case: str = CASE, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """签订合同 / sign the adopted contract."""
    _act(case, actor, SignContract(), comment, command_id)


@app.command("file")
def wage_file(
    case: str = CASE,
    actor: str = AS,
    copies: int = typer.Option(3, "--copies", min=1, max=MAX_COPIES),
    office: str = typer.Option(..., "--office", help="劳动行政部门 / labour administration office"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """报送劳动行政部门备案 / file with the labour administration."""
    _act(case, actor, FileContract(copies=copies, office=office), comment, command_id)


@app.command("filing-incomplete")
def wage_filing_incomplete(
    case: str = CASE,
    actor: str = AS,
    missing: list[str] = typer.Option(
        ..., "--missing", help="劳动行政部门指出缺少的材料，可重复 / a missing item, repeatable"
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记备案材料不齐，进入补正期 / record an incomplete filing package (fix period)."""
    try:
        command = RecordFilingIncomplete(missing=missing)
    except ValidationError as e:
        fail(InvalidInput(f"输入无效：{e.errors()[0]['msg']}", e.errors()[0]["msg"]))
        raise
    _act(case, actor, command, comment, command_id)


@app.command("report")
def wage_report(
    case: str = CASE,
    actor: str = AS,
    reference: str = typer.Option(
        ..., "--reference", callback=typed(ShortText), help="报送文号或方式 / report number"
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """生效后报上级工会 / report the effective contract to the higher union."""
    _act(case, actor, ReportToHigherUnion(reference=reference), comment, command_id)


@app.command("offer-request")
def wage_offer_request(
    actor: str = AS,
    unit: str = typer.Option(..., "--unit", help="基层工会代码 / unit org code"),
    year: int = typer.Option(datetime.now(CHINA_TZ).year, "--year"),
    employees: int = typer.Option(..., "--employees", min=1, help="职工总数 / employees"),
    signatures: int = typer.Option(..., "--signatures", min=1, help="联名人数 / signatures"),
    profile: str | None = typer.Option(None, "--profile", help="规则配置 / rule profile"),
    comment: str = COMMENT,
) -> None:
    """登记职工书面要求发出要约（达到规定比例时工会须发出） / record employees' request."""
    try:
        request = RecordOfferRequest(
            unit_org=unit, year=year, employees=employees, signatures=signatures
        )
    except ValidationError as e:
        fail(InvalidInput(f"输入无效：{e.errors()[0]['msg']}", e.errors()[0]["msg"]))
        raise

    def go(application: App) -> OfferRequestView:
        # A plain ledger write: no process runs, so no Temporal server is needed.
        return asyncio.run(
            application.facades().wage_contracts.record_offer_request(
                actor, request, profile=profile, comment=comment
            )
        )

    view = run(go)
    message = fmt(
        (
            "已登记：{e}名职工中{s}人书面要求，达到{f}，工会须发出要约："
            "unionflow wage open --unit {u} --year {y} …",
            "recorded: {s} of {e} employees asked in writing, at least {f}; the union must "
            "send the offer: unionflow wage open --unit {u} --year {y} …",
        ),
        e=view.employees,
        s=view.signatures,
        f=view.fraction,
        u=view.unit_org,
        y=view.year,
    )
    console.print(f"[green]✓[/] {message}")


@app.command("objection")
def wage_objection(
    case: str = CASE,
    actor: str = AS,
    text: str = typer.Option(..., "--text"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记劳动行政部门审查意见 / record the labour administration's objection."""
    _act(case, actor, RecordObjection(text=text), comment, command_id)


@app.command("publish")
def wage_publish(
    case: str = CASE,
    actor: str = AS,
    channel: str = typer.Option(..., "--channel"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """向全体职工公布 / publish to all employees."""
    _act(case, actor, PublishContract(channel=channel), comment, command_id)


@app.command("list")
def wage_list() -> None:
    """列出全部工资集体合同案件 / list wage contract cases."""
    views = run(lambda a: a.facades().wage_contracts.cases())
    table = Table()
    for col in ("case", "unit", "employer", "stage", "version"):
        table.add_column(t(col))
    for v in views:
        table.add_row(v.case_id, v.unit_org, v.employer, stage(v), str(v.version))
    console.print(table)
