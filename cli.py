"""The ``unionflow`` command line: parses input, calls services, renders. No rules here."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from application.audit import AuditService
from bootstrap import App, build_app, connect
from domain.actors import CHINA_TZ
from domain.directory import ROLE_LABELS_ZH
from domain.errors import DomainError, InvalidInput, InvalidState
from domain.wage_contract import (
    COMMAND_LABELS,
    STAGE_LABELS,
    AppointNegotiators,
    ApproveReview,
    Draft,
    FileContract,
    Negotiator,
    OpenCase,
    PublishContract,
    RecordAdoptionVote,
    RecordObjection,
    RecordReply,
    RecordTalksRound,
    RequestAdoptionPoll,
    ResumeTalks,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    SignContract,
    SignDraft,
    SubmitForReview,
    SuspendTalks,
    TellerCount,
    VoteCount,
    WageContractView,
    wage_contract_id,
)
from i18n import Lang, pick, t
from logs import configure_logging
from services.wage_contracts import WageContractService
from settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="UnionFlow 工会业务流程引擎 / trade-union workflow engine", no_args_is_help=True
)
directory_app = typer.Typer(
    help="组织与人员名录 / organisation tree and actors", no_args_is_help=True
)
wage_app = typer.Typer(
    help="工资专项集体合同 / wage special collective contract", no_args_is_help=True
)
audit_app = typer.Typer(help="审计 / audit: verify, seal, export", no_args_is_help=True)
profiles_app = typer.Typer(help="规则配置 / rule profiles", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历 / work-day calendar", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
app.add_typer(wage_app, name="wage")
app.add_typer(audit_app, name="audit")
app.add_typer(profiles_app, name="profiles")
app.add_typer(calendar_app, name="calendar")

# Piped output is not cut to 80 columns: auditors pipe histories into files.
console = Console() if sys.stdout.isatty() else Console(width=200)
err = Console(stderr=True)

AS = typer.Option(..., "--as", help="以此人员身份操作 / act as this actor id")
COMMENT = typer.Option("", "--comment", "-m", help="说明 / comment recorded with the event")
COMMAND_ID = typer.Option(None, "--command-id", help="幂等命令号 / idempotency key (default: new)")


@app.callback()
def _main(
    lang: str = typer.Option("zh", "--lang", help="zh（默认）或 en / zh (default) or en"),
) -> None:
    Lang.code = "en" if lang.lower().startswith("en") else "zh"
    settings = Settings()
    configure_logging(
        settings.log_format, "WARNING" if settings.log_level == "INFO" else settings.log_level
    )


# -- plumbing ----------------------------------------------------------------------------


def _app() -> App:
    return build_app(Settings())


def _fail(error: Exception) -> None:
    if isinstance(error, DomainError):
        err.print(f"[bold red]{t('refused')}[/]: {error.message(Lang.code)}")
        raise typer.Exit(2)
    raise error


def _run(fn: Callable[[App], T]) -> T:
    application = _app()
    try:
        return fn(application)
    except DomainError as e:
        _fail(e)
        raise
    finally:
        application.close()


def _run_async(fn: Callable[[App, WageContractService], Awaitable[T]]) -> T:
    async def go() -> T:
        application = _app()
        try:
            try:
                client = await connect(application.settings)
            except Exception as e:  # noqa: BLE001 - told to the user plainly
                err.print(
                    f"[red]无法连接 Temporal 服务 / cannot reach the Temporal server: {e}[/]\n"
                    "先运行 / first run: make run  (unionflow up)"
                )
                raise typer.Exit(3) from e
            svc = WageContractService(
                client, application.ledger, application.directory, application.settings
            )
            return await fn(application, svc)
        finally:
            application.close()

    try:
        return asyncio.run(go())
    except DomainError as e:
        _fail(e)
        raise


def _load_model(path: Path, model: type[BaseModel], what: str) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except (OSError, yaml.YAMLError) as e:
        _fail(InvalidInput(f"无法读取{what}文件 {path}：{e}", f"cannot read {path}: {e}"))
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        _fail(
            InvalidInput(
                f"{what}文件 {path} 的 {where} 无效：{first['msg']}",
                f"{path}: {where}: {first['msg']}",
            )
        )


def _stage(view: WageContractView) -> str:
    return pick(STAGE_LABELS[view.stage])


def _print_view(view: WageContractView) -> None:
    console.print(
        f"[bold]{t('case')} {view.case_id}[/] · {view.unit_org} · {t('stage')}: [cyan]{_stage(view)}[/]"
        f" · {t('version')} {view.version}"
    )


def _act(case_id: str, actor: str, command: Any, comment: str, command_id: str | None) -> None:
    def go(application: App, svc: WageContractService) -> Awaitable[WageContractView]:
        return svc.act(case_id, actor, command, comment=comment, command_id=command_id)

    view = _run_async(go)
    console.print(f"[green]✓[/] {pick(COMMAND_LABELS[command.kind])}")
    _print_view(view)


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(InvalidInput(f"时间格式无效：{value}", f"not an ISO time: {value}"))
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


# -- the local stack -------------------------------------------------------------------------


@app.command()
def up(
    no_worker: bool = typer.Option(False, "--no-worker", help="只启动服务 / server only"),
) -> None:
    """启动本地环境（Temporal 开发服务器 + 工作进程） / start the local stack."""
    from stack import run_stack

    asyncio.run(run_stack(Settings(), console, with_worker=not no_worker))


@app.command()
def worker() -> None:
    """对已有服务器运行工作进程 / run a worker against an existing server."""
    from worker import run_worker

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    application = build_app(settings)
    try:
        asyncio.run(run_worker(application))
    finally:
        application.close()


@app.command()
def demo() -> None:
    """在时间跳跃服务器上演示完整流程 / run the whole lifecycle on the time-skipping server."""
    from demo import run_demo

    application = _app()
    try:
        code = asyncio.run(run_demo(application, console))
    finally:
        application.close()
    raise typer.Exit(code)


# -- directory -----------------------------------------------------------------------------


@directory_app.command("load")
def directory_load(file: Path = typer.Argument(..., exists=True, readable=True)) -> None:
    """导入名录（可重复执行） / load a directory file (idempotent)."""

    def go(application: App) -> Any:
        data = application.directory.parse(file)
        return application.directory.load(data, source=str(file))

    report = _run(go)
    console.print(
        f"[green]✓[/] 新增 created {report.created} · 更新 updated {report.updated} · 未变 unchanged {report.unchanged}"
    )


@directory_app.command("show")
def directory_show() -> None:
    """列出组织与人员 / list organisations and actors."""

    def go(application: App) -> tuple[list[Any], list[Any]]:
        return application.directory.organisations(), application.directory.actors()

    orgs, actors = _run(go)
    table = Table(title="组织 / organisations")
    for col in ("code", "name", "kind", "parent"):
        table.add_column(t(col))
    for o in orgs:
        indent = "  " * (len(o.path) - 1)
        name = o.spec.name if Lang.code == "zh" else (o.spec.name_en or o.spec.name)
        table.add_row(o.spec.code, indent + name, o.spec.kind.value, o.spec.parent or "")
    console.print(table)
    table = Table(title="人员 / actors")
    for col in ("id", "name", "org", "roles"):
        table.add_column(t(col))
    for a in actors:
        roles = ", ".join(ROLE_LABELS_ZH[r] if Lang.code == "zh" else r.value for r in a.spec.roles)
        table.add_row(a.spec.id, a.spec.name, a.spec.org, roles)
    console.print(table)


# -- profiles -------------------------------------------------------------------------------


@profiles_app.command("list")
def profiles_list() -> None:
    """可用的规则配置 / available rule profiles."""
    application = _app()
    try:
        for name in application.profiles.names():
            profile = application.profiles.load(name)
            console.print(f"{name}\t{profile.title}\t{profile.fingerprint()[:16]}")
    finally:
        application.close()


@profiles_app.command("show")
def profiles_show(name: str = typer.Argument("national")) -> None:
    """显示规则配置（合并后） / show a merged profile."""
    application = _app()
    try:
        profile = application.profiles.load(name)
    except Exception as e:  # noqa: BLE001
        err.print(f"[red]{e}[/]")
        raise typer.Exit(2) from e
    finally:
        application.close()
    console.print_json(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False))


# -- calendar ---------------------------------------------------------------------------------


@calendar_app.command("deadline")
def calendar_deadline(
    start: str = typer.Argument(..., help="起算日 YYYY-MM-DD / start date"),
    days: int = typer.Argument(..., help="工作日数 / working days"),
) -> None:
    """计算 N 个工作日后的期限 / the date N working days after START."""
    from datetime import date

    try:
        day = date.fromisoformat(start)
    except ValueError:
        _fail(InvalidInput(f"日期格式无效：{start}", f"not a date: {start}"))
        raise
    application = _app()
    try:
        deadline = application.calendar.current().add_working_days(day, days)
    finally:
        application.close()
    mark = t("provisional") if deadline.provisional else ""
    console.print(f"{deadline.date}{mark}")


@calendar_app.command("load")
def calendar_load(file: Path = typer.Argument(..., exists=True, readable=True)) -> None:
    """导入某年度节假日安排并更正暂定期限 / load a year's schedule and correct provisional deadlines."""
    from domain.calendar import CalendarDataError

    application = _app()
    try:
        try:
            schedule = application.calendar.install(file)
        except CalendarDataError as e:
            _fail(InvalidInput(f"节假日安排无效：{e}", f"invalid schedule: {e}"))
        console.print(
            f"[green]✓[/] {schedule.year} 年节假日安排已导入 / schedule for {schedule.year} loaded"
            f" ({len(schedule.holidays)} holidays, {len(schedule.workdays)} adjusted working days)"
        )
    finally:
        application.close()

    async def correct(application: App, svc: WageContractService) -> list[str]:
        done = []
        for view in svc.provisional_cases(schedule.year):
            await svc.correct_deadlines(view.case_id)
            done.append(view.case_id)
        return done

    corrected = _run_async(correct)
    console.print(f"已更正暂定期限的案件 / cases corrected: {', '.join(corrected) or '—'}")


# -- the wage contract ------------------------------------------------------------------------


@wage_app.command("open")
def wage_open(
    actor: str = AS,
    case: str = typer.Option(..., "--case", help="案件编号 / case id"),
    unit: str = typer.Option(..., "--unit", help="基层工会代码 / unit org code"),
    employer: str = typer.Option(..., "--employer", help="企业名称 / employer"),
    year: int = typer.Option(datetime.now(CHINA_TZ).year, "--year"),
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
        _fail(InvalidInput(f"输入无效：{e.errors()[0]['msg']}", str(e)))
        raise

    def go(application: App, svc: WageContractService) -> Awaitable[WageContractView]:
        return svc.open(actor, offer, profile=profile, comment=comment)

    view = _run_async(go)
    console.print(f"[green]✓[/] 已发出要约 / offer sent; 书面回应期限 reply due {view.reply_due}")
    _print_view(view)


@wage_app.command("reply")
def wage_reply(
    case: str,
    actor: str = AS,
    content: str = typer.Option(..., "--content"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记对方书面回应 / record the employer's written reply."""
    _act(case, actor, RecordReply(content=content), comment, command_id)


class _Negotiators(BaseModel):
    negotiators: list[Negotiator]


@wage_app.command("negotiators")
def wage_negotiators(
    case: str,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """确定双方协商代表（YAML 文件） / appoint negotiators from a YAML file."""
    data = _load_model(file, _Negotiators, "协商代表")
    _act(case, actor, AppointNegotiators(negotiators=data.negotiators), comment, command_id)


@wage_app.command("round")
def wage_round(
    case: str,
    actor: str = AS,
    minutes: str = typer.Option(..., "--minutes"),
    deadlock: bool = typer.Option(False, "--deadlock"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记一轮协商及纪要 / record a talks round with its minutes."""
    _act(case, actor, RecordTalksRound(minutes=minutes, deadlocked=deadlock), comment, command_id)


@wage_app.command("suspend")
def wage_suspend(
    case: str,
    actor: str = AS,
    days: int = typer.Option(..., "--days"),
    reason: str = typer.Option(..., "--reason"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """中止协商 / suspend deadlocked talks."""
    _act(case, actor, SuspendTalks(days=days, reason=reason), comment, command_id)


@wage_app.command("resume")
def wage_resume(
    case: str, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """恢复协商 / resume talks."""
    _act(case, actor, ResumeTalks(), comment, command_id)


@wage_app.command("draft")
def wage_draft(
    case: str,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """双方首席代表签字的草案（YAML 文件） / the draft signed by both chiefs."""
    _act(case, actor, SignDraft(draft=_load_model(file, Draft, "草案")), comment, command_id)


@wage_app.command("submit")
def wage_submit(
    case: str, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """报上级工会预审 / submit for pre-review."""
    _act(case, actor, SubmitForReview(), comment, command_id)


@wage_app.command("checks")
def wage_checks(case: str) -> None:
    """显示本轮预审检查结果 / show the checks of the current review round."""
    view = _run(lambda a: WageContractService(None, a.ledger, a.directory, a.settings).view(case))
    _print_reviews(view)


@wage_app.command("approve")
def wage_approve(
    case: str,
    actor: str = AS,
    override: str | None = typer.Option(
        None,
        "--override",
        help="硬性检查未通过时的批准理由 / reason to approve despite failed hard checks",
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """预审通过 / approve the draft."""
    _act(case, actor, ApproveReview(override_reason=override), comment, command_id)


@wage_app.command("return")
def wage_return(
    case: str,
    actor: str = AS,
    clause: list[str] = typer.Option(
        ..., "--clause", help="条款号=意见，可重复 / CLAUSE=comment, repeatable"
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """退回修改并逐条提出意见 / return with comments per clause."""
    comments = []
    for item in clause:
        no, sep, text = item.partition("=")
        if not sep or not no.strip() or not text.strip():
            _fail(
                InvalidInput(
                    f"意见格式应为 条款号=意见：{item}", f"expected CLAUSE=comment: {item}"
                )
            )
        comments.append(ReviewComment(clause=no.strip(), comment=text.strip()))
    _act(case, actor, ReturnForRevision(comments=comments), comment, command_id)


@wage_app.command("revise")
def wage_revise(
    case: str,
    actor: str = AS,
    file: Path = typer.Option(..., "--file", exists=True),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提交修改后的草案 / the revised draft."""
    _act(case, actor, ReviseDraft(draft=_load_model(file, Draft, "草案")), comment, command_id)


@wage_app.command("vote")
def wage_vote(
    case: str,
    actor: str = AS,
    teller: list[str] = typer.Option(
        ...,
        "--teller",
        help="计票人=总数,出席,赞成,反对,弃权（两名计票人各一次） / "
        "TELLER=total,present,for,against,abstain, once per teller (two)",
    ),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记纸质会议表决结果（两名计票人须一致） / record a paper meeting's vote."""
    entries = []
    for item in teller:
        name, sep, numbers = item.partition("=")
        parts = [p.strip() for p in numbers.split(",")]
        if not sep or not name.strip() or len(parts) != 5 or not all(p.isdigit() for p in parts):
            _fail(
                InvalidInput(
                    f"格式应为 计票人=总数,出席,赞成,反对,弃权：{item}",
                    f"expected TELLER=total,present,for,against,abstain: {item}",
                )
            )
        total, present, votes_for, against, abstain = (int(p) for p in parts)
        try:
            count = VoteCount(
                total_delegates=total,
                present=present,
                votes_for=votes_for,
                votes_against=against,
                abstentions=abstain,
            )
        except ValidationError as e:
            _fail(InvalidInput(f"表决数据无效：{e.errors()[0]['msg']}", e.errors()[0]["msg"]))
            raise
        entries.append(TellerCount(teller=name.strip(), count=count))
    try:
        command = RecordAdoptionVote(tellers=entries)
    except ValidationError as e:
        _fail(
            InvalidInput(f"须两名不同计票人分别录入：{e.errors()[0]['msg']}", e.errors()[0]["msg"])
        )
        raise
    _act(case, actor, command, comment, command_id)


@wage_app.command("adoption-poll")
def wage_adoption_poll(
    case: str,
    actor: str = AS,
    session: str = typer.Option(..., "--session", help="职代会会议 / congress session"),
    item: int = typer.Option(..., "--item", help="审议本草案的议题号 / the agenda item"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提交职代会无记名表决，以表决结果为准 / put the draft to the congress's secret poll."""
    _act(case, actor, RequestAdoptionPoll(session_id=session, item_no=item), comment, command_id)


@wage_app.command("sign")
def wage_sign(
    case: str, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """签订合同 / sign the adopted contract."""
    _act(case, actor, SignContract(), comment, command_id)


@wage_app.command("file")
def wage_file(
    case: str,
    actor: str = AS,
    copies: int = typer.Option(3, "--copies"),
    office: str = typer.Option(..., "--office", help="劳动行政部门 / labour administration office"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """报送劳动行政部门备案 / file with the labour administration."""
    _act(case, actor, FileContract(copies=copies, office=office), comment, command_id)


@wage_app.command("objection")
def wage_objection(
    case: str,
    actor: str = AS,
    text: str = typer.Option(..., "--text"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记劳动行政部门审查意见 / record the labour administration's objection."""
    _act(case, actor, RecordObjection(text=text), comment, command_id)


@wage_app.command("publish")
def wage_publish(
    case: str,
    actor: str = AS,
    channel: str = typer.Option(..., "--channel"),
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """向全体职工公布 / publish to all employees."""
    _act(case, actor, PublishContract(channel=channel), comment, command_id)


@wage_app.command("list")
def wage_list() -> None:
    """列出全部工资集体合同案件 / list wage contract cases."""
    views = _run(lambda a: WageContractService(None, a.ledger, a.directory, a.settings).cases())
    table = Table()
    for col in ("case", "unit", "employer", "stage", "version"):
        table.add_column(t(col))
    for v in views:
        table.add_row(v.case_id, v.unit_org, v.employer, _stage(v), str(v.version))
    console.print(table)


def _print_reviews(view: WageContractView) -> None:
    _print_view(view)
    for review in view.reviews:
        outcome = review.outcome or "…"
        console.print(
            f"\n[bold]{t('round')} {review.round}[/] · {t('reviewer_org')} {review.reviewer_org}"
            f" · {t('due')} {review.due}{t('provisional') if review.due_provisional else ''} · {t('outcome')} {outcome}"
        )
        table = Table()
        for col in ("check", "hard", "result", "detail"):
            table.add_column(t(col))
        for c in review.checks:
            label = c.label_en if Lang.code == "en" else c.label_zh
            mark = f"[green]{t('passed')}[/]" if c.passed else f"[red]{t('failed')}[/]"
            table.add_row(label, "●" if c.hard else "", mark, c.detail)
        console.print(table)
        for comment in review.comments:
            console.print(f"  · {comment.clause}: {comment.comment}")
        if review.override_reason:
            console.print(f"  override: {review.override_reason}")


# -- every role -----------------------------------------------------------------------------


@app.command()
def tasks(actor: str = AS) -> None:
    """此人员的待办事项（审查人收件箱） / what waits for this actor (a reviewer's inbox)."""

    def go(application: App) -> list[tuple[WageContractView, str]]:
        return WageContractService(
            None, application.ledger, application.directory, application.settings
        ).tasks(actor)

    items = _run(go)
    # Motions (提案) are listed too; their helpers live with the motion commands below.
    motion_items = _run(lambda a: _motions(a).tasks(actor))
    open_polls = _run(lambda a: a.polls.open_polls_for(actor))
    if open_polls:
        table = Table(title=pick(("待投票", "Open polls")))
        for col in ("id", "name", "kind"):
            table.add_column(t(col))
        for poll in open_polls:
            kind = pick(("无记名", "secret")) if poll.spec.secret else pick(("记名", "named"))
            table.add_row(poll.spec.poll_key, poll.spec.title, kind)
        console.print(table)
    if not items:
        if not motion_items and not open_polls:
            console.print(t("no_tasks"))
        _print_motion_tasks(motion_items)
        return
    grouped: dict[str, tuple[WageContractView, list[str]]] = {}
    for view, kind in items:
        grouped.setdefault(view.case_id, (view, []))[1].append(pick(COMMAND_LABELS[kind]))
    table = Table()
    for col in ("case", "unit", "stage", "todo", "due"):
        table.add_column(t(col))
    for view, todo in grouped.values():
        due = ""
        if view.reviews and view.stage.value == "under_review":
            due = str(view.reviews[-1].due)
        elif view.filing_due and view.stage.value == "signed":
            due = str(view.filing_due)
        elif view.publication_due and view.stage.value == "effective":
            due = str(view.publication_due)
        table.add_row(view.case_id, view.unit_org, _stage(view), " / ".join(todo), due)
    console.print(table)
    _print_motion_tasks(motion_items)


@app.command()
def status(case: str) -> None:
    """案件状态 / the status of a case."""

    async def go(application: App) -> tuple[WageContractView, Any]:
        svc = WageContractService(
            None, application.ledger, application.directory, application.settings
        )
        view = svc.view(case)
        try:
            svc.client = await asyncio.wait_for(connect(application.settings), timeout=3)
            return view, await svc.status(case)
        except Exception:  # noqa: BLE001 - the ledger view is enough without a server
            return view, None

    application = _app()
    try:
        view, wf = asyncio.run(go(application))
    except DomainError as e:
        _fail(e)
        raise
    finally:
        application.close()
    _print_view(view)
    table = Table(show_header=False)
    table.add_row(t("employer"), view.employer)
    table.add_row(t("profile"), f"{view.profile_name} ({view.profile_fingerprint[:12]})")
    table.add_row("要约 offer", str(view.offer_on))
    table.add_row(
        "回应期限 reply due",
        f"{view.reply_due}{' · 已逾期并提请上级协调 overdue, escalated' if view.reply_overdue else ''}",
    )
    if view.reviews:
        r = view.reviews[-1]
        table.add_row(
            "预审 pre-review",
            f"#{r.round} {r.reviewer_org} · {t('due')} {r.due} · {r.outcome or '…'}",
        )
    for label, value in (
        ("签订 signed", view.signed_on),
        ("备案期限 filing due", view.filing_due),
        ("备案 filed", view.filed_on),
        ("审查期至 review window", view.review_window_until),
        ("生效 effective", view.effective_on),
        ("到期 expires", view.expires_on),
        ("公布 published", view.published_on),
        ("续签提醒 renewal notice", view.renewal_on),
    ):
        if value:
            table.add_row(label, str(value))
    flags = [
        f
        for f, on in (
            ("备案逾期 filing overdue", view.filing_overdue),
            ("公布逾期 publication overdue", view.publication_overdue),
        )
        if on
    ]
    if flags:
        table.add_row("[red]逾期 overdue[/]", ", ".join(flags))
    if wf is not None and wf.waiting is not None:
        until = (
            f" → {wf.waiting.until.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}" if wf.waiting.until else ""
        )
        table.add_row(t("waiting"), f"{wf.waiting.kind}{until}")
    console.print(table)


@app.command()
def history(
    case: str,
    at: str | None = typer.Option(
        None, "--at", help="ISO 时间：查看当时的状态 / as it was at this instant"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / JSON output"),
) -> None:
    """案件历史：每个事件的操作人、角色、说明与哈希 / the timeline of a case."""
    moment = _parse_time(at)

    def go(application: App) -> tuple[list[Any], WageContractView | None]:
        audit = AuditService(application.ledger, application.settings)
        entries = audit.timeline(wage_contract_id(case), at=moment)
        if not entries and application.ledger.find(wage_contract_id(case)) is None:
            from domain.errors import NotFound

            raise NotFound(f"案件 {case} 不存在", f"no case {case}")
        view = None
        if moment is not None and entries:
            view = application.ledger.get(wage_contract_id(case), at=moment).view()
        return entries, view

    entries, view = _run(go)
    if as_json:
        payload = {
            "case": case,
            "at": moment.isoformat() if moment else None,
            "events": [e.model_dump(mode="json") for e in entries],
            "state": view.model_dump(mode="json") if view else None,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{t('case')} {case}" + (f" @ {moment.isoformat()}" if moment else ""))
    for col in ("version", "time", "event", "actor", "role", "org", "comment", "hash"):
        table.add_column(t(col), overflow="fold")
    for e in entries:
        role = e.actor.get("role", "")
        table.add_row(
            str(e.version),
            e.timestamp.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
            e.event,
            e.actor.get("id", ""),
            role,
            e.actor.get("org", ""),
            e.comment,
            e.hash[:12],
        )
    console.print(table)
    if view is not None:
        console.print(f"{t('stage')} @ {moment}: [cyan]{_stage(view)}[/]")


# -- audit ------------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    against: Path | None = typer.Option(
        None, "--against", exists=True, help="先前导出的封印 / a seal exported earlier"
    ),
    public_key: str | None = typer.Option(
        None, "--public-key", help="可信的封印公钥（hex） / trusted seal key"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """校验整个账本（哈希链与封印） / verify the whole ledger: exit 0 when intact."""
    from rich.progress import Progress

    seal = json.loads(against.read_text(encoding="utf-8")) if against else None
    key = bytes.fromhex(public_key) if public_key else None
    application = _app()
    try:
        audit = AuditService(application.ledger, application.settings)
        total = application.ledger.max_notification_id()
        with Progress(console=err, transient=True, disable=as_json or total < 2000) as progress:
            task = progress.add_task("verify", total=total or None)
            report = audit.verify(
                against=seal,
                trusted_public_key=key,
                progress=lambda done, of: progress.update(task, completed=done, total=of or None),
            )
    finally:
        application.close()
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    elif report.ok:
        console.print(
            f"[green]✓ {t('ledger_ok')}[/] events {report.events_checked} · aggregates {report.aggregates_checked}"
            f" · seals {report.seals_checked} · unsealed {report.unsealed_events}"
        )
    else:
        bad = report.first_bad
        console.print(f"[bold red]✗ {t('ledger_bad')}[/]")
        if bad is not None:
            reason = bad.reason_en if Lang.code == "en" else bad.reason_zh
            console.print(
                f"  aggregate {bad.aggregate_id} · version {bad.version} · notification {bad.notification_id}"
                f"\n  {bad.reason_code}: {reason}"
            )
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("seal")
def audit_seal(comment: str = COMMENT) -> None:
    """为账本加签封印 / append a signed seal over the ledger."""
    seal = _run(lambda a: AuditService(a.ledger, a.settings).seal(comment))
    if seal is None:
        console.print("无新事件，无需封印 / nothing new to seal")
    else:
        console.print(
            f"[green]✓[/] seal up to #{seal.to_notification_id} · root {seal.merkle_root[:16]}"
        )


@audit_app.command("export-seal")
def audit_export_seal(output: Path | None = typer.Option(None, "--output", "-o")) -> None:
    """导出最近的封印（保存在数据库之外） / export the last seal to keep elsewhere."""
    data = _run(lambda a: AuditService(a.ledger, a.settings).export_seal())
    if data is None:
        err.print("账本尚无封印 / no seal yet: run unionflow audit seal")
        raise typer.Exit(1)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"[green]✓[/] {output}")
    else:
        sys.stdout.write(text + "\n")


# -- the workers' congress (职代会): terms and rosters -------------------------------------
# One block, imports included, so it stays apart from the commands above.

from datetime import date  # noqa: E402

from application.congress import CongressService  # noqa: E402
from domain.congress import (  # noqa: E402
    CATEGORY_LABELS,
    GENDER_LABELS,
    CongressView,
    Delegate,
    RosterImportError,
    parse_category,
    parse_gender,
)
from domain.wage_contract import Check  # noqa: E402

congress_app = typer.Typer(
    help="职工代表大会 / workers' congress: terms and rosters", no_args_is_help=True
)
app.add_typer(congress_app, name="congress")


def _congress(application: App) -> CongressService:
    return CongressService(
        application.ledger, application.directory, application.profiles, application.settings
    )


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(InvalidInput(f"日期格式无效：{value}（应为 YYYY-MM-DD）", f"not a date: {value}"))
        raise


def _term_title(view: CongressView) -> str:
    term = pick((f"第{view.term_no}届", f"term {view.term_no}"))
    sitting = f" · [yellow]{t('sitting')} {view.sitting}[/]" if view.sitting else ""
    return (
        f"[bold]{t('congress')} {view.key}[/] · {view.unit_org} · {term}"
        f" · {t('term')} {view.term_start} – {view.term_end} · {t('delegates')} {view.total()}"
        f" · {t('version')} {view.version}{sitting}"
    )


def _print_checks(checks: list[Check]) -> None:
    table = Table()
    for col in ("check", "hard", "result", "detail"):
        table.add_column(t(col))
    for c in checks:
        label = c.label_en if Lang.code == "en" else c.label_zh
        mark = f"[green]{t('passed')}[/]" if c.passed else f"[red]{t('failed')}[/]"
        table.add_row(label, "●" if c.hard else "", mark, c.detail)
    console.print(table)


@congress_app.command("create")
def congress_create(
    actor: str = AS,
    unit: str = typer.Option(..., "--unit", help="基层工会代码 / unit org code"),
    term_no: int = typer.Option(..., "--term-no", help="届次 / term number"),
    start: str = typer.Option(..., "--start", help="任期起始日 YYYY-MM-DD / first day"),
    end: str = typer.Option(..., "--end", help="任期届满日 YYYY-MM-DD / last day"),
    key: str | None = typer.Option(None, "--key", help="职代会编号（默认 单位-届次） / key"),
    profile: str | None = typer.Option(None, "--profile", help="规则配置 / rule profile"),
    comment: str = COMMENT,
) -> None:
    """建立职代会届次 / set up a congress term of a unit."""
    first, last = _date(start), _date(end)
    view = _run(
        lambda a: _congress(a).create(
            actor, key or f"{unit}-{term_no}", unit, term_no, first, last, profile, comment=comment
        )
    )
    console.print(f"[green]✓[/] {pick(('已建立职代会届次', 'congress term set up'))}")
    console.print(_term_title(view))


@congress_app.command("roster-import")
def congress_roster_import(
    key: str,
    file: Path = typer.Argument(..., exists=True, readable=True, help="CSV 或 XLSX / CSV or XLSX"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """导入代表名册（有错误行则全部不导入） / import the roster, all rows or none."""
    application = _app()
    try:
        service = _congress(application)
        report = service.import_roster(actor, key, file, comment=comment)
        view = service.view(key)
    except RosterImportError as e:
        err.print(f"[bold red]{t('refused')}[/]: {t('roster_refused')}")
        table = Table()
        for col in ("row", "field", "problem"):
            table.add_column(t(col))
        for row in e.row_errors:
            table.add_row(str(row.row), row.field, row.text(Lang.code))
        err.print(table)
        raise typer.Exit(2) from None
    except DomainError as e:
        _fail(e)
        raise
    finally:
        application.close()
    console.print(
        f"[green]✓[/] {t('roster_imported')}: {report.imported}"
        f" · {pick(('新增人员', 'new actors'))} {report.actors_created}"
        f" · {pick(('增加代表角色', 'delegate role added'))} {report.actors_updated}"
    )
    console.print(_term_title(view))
    _print_checks(report.checks)


@congress_app.command("roster")
def congress_roster(
    key: str,
    show_all: bool = typer.Option(False, "--all", help="含已离任代表 / include former delegates"),
) -> None:
    """代表名册 / the delegates of a congress term."""
    view = _run(lambda a: _congress(a).view(key))
    console.print(_term_title(view))
    table = Table()
    for col in ("id", "person_name", "constituency", "category", "gender", "status"):
        table.add_column(t(col))
    for d in view.delegates if show_all else view.active_delegates():
        status = t("in_office") if d.active else f"[dim]{t('out_of_office')}[/]"
        if d.id in view.presidium:
            status += f" · {t('presidium')}"
        table.add_row(
            d.id,
            d.name,
            d.constituency,
            pick(CATEGORY_LABELS[d.category]),
            pick(GENDER_LABELS[d.gender]),
            status,
        )
    console.print(table)


@congress_app.command("composition")
def congress_composition(key: str) -> None:
    """代表构成检查（管理人员、主席团、女职工） / composition checks of the roster."""

    def go(application: App) -> tuple[CongressView, list[Check]]:
        service = _congress(application)
        return service.view(key), service.composition(key)

    view, checks = _run(go)
    console.print(_term_title(view))
    _print_checks(checks)


@congress_app.command("replace")
def congress_replace(
    key: str,
    old_id: str,
    new_id: str = typer.Option(..., "--new-id", help="替补代表编号 / the new delegate's id"),
    name: str = typer.Option(..., "--name", help="姓名 / name"),
    constituency: str = typer.Option(..., "--constituency", help="选区 / constituency"),
    category: str = typer.Option(
        ..., "--category", help="一线职工/专业技术人员/管理人员 或 frontline/technician/manager"
    ),
    gender: str = typer.Option(..., "--gender", help="女/男 或 female/male"),
    reason: str = typer.Option(..., "--reason", help="替补理由 / reason"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """替补代表（闭会期间） / replace a delegate, between sessions."""
    cat, sex = parse_category(category), parse_gender(gender)
    if cat is None:
        _fail(InvalidInput(f"类别无效：{category}", f"unknown category: {category}"))
        return
    if sex is None:
        _fail(InvalidInput(f"性别无效：{gender}", f"unknown gender: {gender}"))
        return
    try:
        new = Delegate(id=new_id, name=name, constituency=constituency, category=cat, gender=sex)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        _fail(InvalidInput(f"{where} 无效：{first['msg']}", f"{where}: {first['msg']}"))
        raise
    view = _run(lambda a: _congress(a).replace(actor, key, old_id, new, reason, comment=comment))
    console.print(f"[green]✓[/] {pick(('已替补', 'replaced'))}: {old_id} → {new_id}")
    console.print(_term_title(view))


@congress_app.command("recall")
def congress_recall(
    key: str,
    delegate_id: str,
    reason: str = typer.Option(..., "--reason", help="罢免理由 / reason"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """罢免代表（闭会期间） / recall a delegate, between sessions."""
    view = _run(lambda a: _congress(a).recall(actor, key, delegate_id, reason, comment=comment))
    console.print(f"[green]✓[/] {pick(('已罢免', 'recalled'))}: {delegate_id}")
    console.print(_term_title(view))


@congress_app.command("presidium")
def congress_presidium(
    key: str,
    member: list[str] = typer.Option(..., "--member", help="主席团成员编号，可重复 / repeatable"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """登记选举产生的主席团 / record the elected presidium."""

    def go(application: App) -> tuple[CongressView, list[Check]]:
        service = _congress(application)
        view = service.elect_presidium(actor, key, member, comment=comment)
        return view, service.composition(key)

    view, checks = _run(go)
    console.print(f"[green]✓[/] {t('presidium')}: {', '.join(view.presidium)}")
    _print_checks(checks)


@congress_app.command("list")
def congress_list() -> None:
    """列出职代会届次 / list congress terms."""
    views = _run(lambda a: _congress(a).congresses())
    table = Table()
    for col in ("congress", "unit", "term_no", "term", "delegates", "status"):
        table.add_column(t(col))
    for v in views:
        table.add_row(
            v.key,
            v.unit_org,
            str(v.term_no),
            f"{v.term_start} – {v.term_end}",
            str(v.total()),
            f"{t('sitting')} {v.sitting}" if v.sitting else "",
        )
    console.print(table)


# -- motions (提案) of the workers' congress ------------------------------------------------
# One block, imports included, so it stays apart from the commands above.

from domain import motion as motion_rules  # noqa: E402
from domain.motion import (  # noqa: E402
    RATING_LABELS,
    Decision,
    FileMotion,
    MotionCallView,
    MotionView,
    parse_rating,
)
from services.motions import MotionService  # noqa: E402

# The wage contract's labels hold these names at the top of the module.
MOTION_COMMAND_LABELS = motion_rules.COMMAND_LABELS
MOTION_STAGE_LABELS = motion_rules.STAGE_LABELS

motion_app = typer.Typer(
    help="职代会提案 / congress motions: call, file, second, decide, assign, answer, rate",
    no_args_is_help=True,
)
app.add_typer(motion_app, name="motion")

DECISIONS: dict[str, Decision] = {
    "file": Decision.FILE,
    "立案": Decision.FILE,
    "reject": Decision.REJECT,
    "不予立案": Decision.REJECT,
    "不立案": Decision.REJECT,
}


def _motions(application: App, client: Any = None) -> MotionService:
    return MotionService(client, _congress(application), application.settings)


def _motion_step(fn: Callable[[MotionService], Awaitable[MotionView]], kind: str) -> None:
    """Run one step through the motion's workflow and show where the motion stands."""
    view = _run_async(lambda a, wage: fn(_motions(a, wage.client)))
    console.print(f"[green]✓[/] {pick(MOTION_COMMAND_LABELS[kind])}")
    _print_motion(view)


def _motion_stage(view: MotionView) -> str:
    return pick(MOTION_STAGE_LABELS[view.stage])


def _print_motion(view: MotionView) -> None:
    console.print(
        f"[bold]{pick(('提案', 'Motion'))} {view.motion_id}[/] · {view.title}"
        f" · {t('stage')}: [cyan]{_motion_stage(view)}[/] · {t('version')} {view.version}"
    )


def _print_call(view: MotionCallView) -> None:
    console.print(
        f"[bold]{pick(('提案征集', 'Call for motions'))} {view.call_key}[/]"
        f" · {view.opened_on} – {view.closes_on}"
        f" ({pick(('会议当日截止', 'closes as the session day begins'))})"
    )
    if view.short_notice:
        console.print(
            "[yellow]"
            + pick(
                (
                    f"距会议仅 {view.notice_days} 天，少于规则建议的 {view.advised_notice_days} 天",
                    f"only {view.notice_days} days before the session; the profile advises "
                    f"{view.advised_notice_days}",
                )
            )
            + "[/]"
        )


def _print_motion_tasks(items: list[tuple[MotionView, str]]) -> None:
    if not items:
        return
    table = Table(title=pick(("提案", "Motions")))
    for col in ("id", "name", "stage", "todo", "due"):
        table.add_column(t(col))
    for view, kind in items:
        due = str(view.due) if kind == "answer" and view.due else ""
        table.add_row(
            view.motion_id,
            view.title,
            _motion_stage(view),
            pick(MOTION_COMMAND_LABELS[kind]),
            due,
        )
    console.print(table)


@motion_app.command("call")
def motion_call(
    key: str = typer.Argument(..., help="职代会编号 / congress key"),
    session_on: str = typer.Option(..., "--session-on", help="会议日期 YYYY-MM-DD / session date"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """发起提案征集（截至会议当日） / open the call for motions before a session."""
    day = _date(session_on)
    view = _run(lambda a: asyncio.run(_motions(a).open_call(actor, key, day, comment=comment)))
    console.print(f"[green]✓[/] {pick(('已发起提案征集', 'call for motions opened'))}")
    _print_call(view)


@motion_app.command("file")
def motion_file(
    key: str = typer.Argument(..., help="职代会编号 / congress key"),
    title: str = typer.Option(..., "--title", help="案由（一案一事） / title, one matter"),
    reasons: str = typer.Option(..., "--reasons", help="理由 / reasons"),
    proposal: str = typer.Option(..., "--proposal", help="办法和建议 / what is proposed"),
    motion_id: str | None = typer.Option(None, "--id", help="提案编号（默认自动） / motion id"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """代表提出提案 / a delegate files a motion under the open call."""
    motion = FileMotion(title=title, reasons=reasons, proposal=proposal)
    _motion_step(lambda s: s.file(actor, key, motion, motion_id=motion_id, comment=comment), "file")


@motion_app.command("second")
def motion_second(
    motion_id: str, actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID
) -> None:
    """附议（提案人以外的本届代表，每人一次） / second a motion."""
    _motion_step(
        lambda s: s.second(motion_id, actor, comment=comment, command_id=command_id), "second"
    )


@motion_app.command("decide")
def motion_decide(
    motion_id: str,
    decision: str = typer.Argument(..., help="立案/不予立案 或 file/reject"),
    reasons: str = typer.Option("", "--reasons", help="理由（不予立案时必填） / reasons"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提案委员会审查：立案或不予立案 / the committee files or rejects a motion."""
    chosen = DECISIONS.get(decision.strip().lower())
    if chosen is None:
        _fail(InvalidInput(f"决定无效：{decision}", f"unknown decision: {decision}"))
        return
    _motion_step(
        lambda s: s.decide(
            motion_id, actor, chosen, reasons, comment=comment, command_id=command_id
        ),
        "decide",
    )


@motion_app.command("assign")
def motion_assign(
    motion_id: str,
    lead: str = typer.Option(..., "--lead", help="承办部门 / lead department"),
    support: list[str] = typer.Option(
        [], "--support", help="协办部门，可重复 / supporting department, repeatable"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """交办承办部门 / assign a filed motion to a lead department."""
    _motion_step(
        lambda s: s.assign(
            motion_id, actor, lead, list(support), comment=comment, command_id=command_id
        ),
        "assign",
    )


@motion_app.command("answer")
def motion_answer(
    motion_id: str,
    text: str = typer.Option(..., "--text", help="书面答复 / the written answer"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """承办部门书面答复 / the lead department answers in writing."""
    _motion_step(
        lambda s: s.answer(motion_id, actor, text, comment=comment, command_id=command_id),
        "answer",
    )


@motion_app.command("extend")
def motion_extend(
    motion_id: str,
    reason: str = typer.Option(..., "--reason", help="延期理由 / reason"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """申请延期答复（仅一次） / ask once for more time to answer."""
    _motion_step(
        lambda s: s.extend(motion_id, actor, reason, comment=comment, command_id=command_id),
        "extend",
    )


@motion_app.command("rate")
def motion_rate(
    motion_id: str,
    rating: str = typer.Argument(..., help="满意/基本满意/不满意"),
    opinion: str = typer.Option("", "--opinion", help="评价意见 / the proposer's view"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提案人评价答复（不满意则重新办理） / the proposer rates the answer."""
    chosen = parse_rating(rating)
    if chosen is None:
        _fail(InvalidInput(f"评价无效：{rating}", f"unknown rating: {rating}"))
        return
    _motion_step(
        lambda s: s.rate(motion_id, actor, chosen, opinion, comment=comment, command_id=command_id),
        "rate",
    )


@motion_app.command("show")
def motion_show(motion_id: str) -> None:
    """提案详情与办理情况 / a motion and how it was handled."""
    v = _run(lambda a: _motions(a).view(motion_id))
    _print_motion(v)
    rows = [
        (pick(("职代会", "Congress")), v.congress_key),
        (pick(("提案人", "Proposer")), v.proposer),
        (pick(("理由", "Reasons")), v.reasons),
        (pick(("建议", "Proposal")), v.proposal),
        (
            pick(("附议", "Seconders")),
            f"{', '.join(v.seconders) or '—'}（{len(v.seconders)}/{v.rules.seconders_min}）",
        ),
        (pick(("征集截止", "Window closes")), str(v.closes_on)),
    ]
    if v.decision is not None:
        rows.append((pick(("审查", "Decision")), f"{v.decision.value} {v.decision_reasons}"))
    if v.lead_department:
        support = f"（{', '.join(v.supporting_departments)}）" if v.supporting_departments else ""
        rows.append((pick(("承办部门", "Lead department")), v.lead_department + support))
    if v.due and not v.terminal:
        marks = [pick(("已延期", "extended"))] if v.extended else []
        if v.overdue:
            marks.append(
                pick(
                    (f"已逾期，已督办：{v.escalated_to}", f"overdue, escalated to {v.escalated_to}")
                )
            )
        rows.append((t("due"), f"{v.due} {' · '.join(marks)}".strip()))
    for answer in v.answers:
        rating = pick(RATING_LABELS[answer.rating]) if answer.rating else "—"
        rows.append(
            (
                f"{pick(('答复', 'Answer'))} {answer.round}",
                f"{answer.answered_on} {answer.text} · {pick(('评价', 'rating'))}: {rating}"
                + (f"（{answer.opinion}）" if answer.opinion else ""),
            )
        )
    table = Table(show_header=False)
    table.add_column()
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


@motion_app.command("report")
def motion_report(key: str = typer.Argument(..., help="职代会编号 / congress key")) -> None:
    """提案办理情况报告（供下次会议） / how every motion was handled, for the next session."""
    report = _run(lambda a: _motions(a).report(key))
    table = Table(title=pick((f"{key} 提案办理情况", f"Motions of {key}")))
    for header in (
        t("id"),
        pick(("案由", "Title")),
        pick(("提案人", "Proposer")),
        pick(("附议", "Seconders")),
        t("status"),
        pick(("承办部门", "Lead department")),
        t("due"),
        pick(("评价", "Rating")),
    ):
        table.add_column(header)
    for line in report.motions:
        due = f"{line.due}{' ⚠' if line.overdue else ''}" if line.due else ""
        table.add_row(
            line.motion_id,
            line.title,
            line.proposer,
            str(line.seconders),
            pick(MOTION_STAGE_LABELS[line.stage]),
            line.lead_department or "",
            due,
            pick(RATING_LABELS[line.rating]) if line.rating else "",
        )
    console.print(table)
    console.print(
        " · ".join(f"{pick(MOTION_STAGE_LABELS[s])} {n}" for s, n in report.by_stage.items())
        or pick(("尚无提案", "no motions yet"))
    )


# -- congress sessions (职代会会议): convene, chair, check in, vote, count -----------------------

from datetime import date as _day  # noqa: E402

from domain.poll import OPTION_LABELS, PollView  # noqa: E402
from domain.session import AgendaItem, SessionKind, SessionView  # noqa: E402
from services.sessions import SessionService  # noqa: E402

_OPTION_CODES = {label: code for code, pair in OPTION_LABELS.items() for label in (code, *pair)}


class _Agenda(BaseModel):
    items: list[AgendaItem]


def _sessions(application: App, client: Any = None) -> SessionService:
    return SessionService(client, _congress(application), application.polls, application.settings)


def _session_step(fn: Callable[[SessionService], Awaitable[Any]]) -> Any:
    return _run_async(lambda a, wage: fn(_sessions(a, wage.client)))


def _parse_date(value: str) -> _day:
    try:
        return _day.fromisoformat(value)
    except ValueError:
        _fail(InvalidInput(f"日期格式无效：{value}", f"not a date: {value}"))
        raise


def _print_session(view: SessionView) -> None:
    console.print(
        f"[bold]{pick(('会议', 'Session'))} {view.session_id}[/] · {view.unit_org}"
        f" · {t('stage')}: [cyan]{view.status.value}[/] · {pick(('开会', 'opens'))} {view.opens_on}"
    )


@congress_app.command("convene")
def congress_convene(
    key: str,
    actor: str = AS,
    label: str = typer.Option(..., "--label", help="会议编号，如 2026-1 / session label"),
    agenda: Path = typer.Option(..., "--agenda", exists=True, help="议程 YAML / agenda file"),
    papers_sent: str = typer.Option(..., "--papers-sent", help="材料送达日期 / papers sent on"),
    opens: str = typer.Option(..., "--opens", help="开会日期 / opening date"),
    extraordinary: bool = typer.Option(False, "--extraordinary", help="临时会议 / extraordinary"),
    requested_by: list[str] = typer.Option(
        [], "--requested-by", help="提议代表 / requesting delegate"
    ),
) -> None:
    """召开会议：议程、材料送达、开会日期 / convene a session."""
    try:
        raw = yaml.safe_load(agenda.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        _fail(InvalidInput(f"无法读取议程文件 {agenda}：{e}", f"cannot read {agenda}: {e}"))
        raise
    items = _load_list(raw if isinstance(raw, list) else (raw or {}).get("items", []))
    kind = SessionKind.EXTRAORDINARY if extraordinary else SessionKind.REGULAR
    view = _session_step(
        lambda svc: svc.convene(
            actor,
            key,
            label,
            items.items,
            papers_sent_on=_parse_date(papers_sent),
            opens_on=_parse_date(opens),
            kind=kind,
            requested_by=requested_by,
        )
    )
    console.print(f"[green]✓[/] {pick(('已召开通知', 'convened'))}")
    _print_session(view)


def _load_list(raw: list[Any]) -> _Agenda:
    try:
        return _Agenda(items=[AgendaItem.model_validate(i) for i in raw])
    except ValidationError as e:
        first = e.errors()[0]
        _fail(InvalidInput(f"议程无效：{first['msg']}", f"invalid agenda: {first['msg']}"))
        raise


@congress_app.command("open")
def congress_open(session: str, actor: str = AS) -> None:
    """开幕（不早于开会日期） / open the session on its day."""
    _print_session(_session_step(lambda svc: svc.open_session(session, actor)))


@congress_app.command("check-in")
def congress_check_in(session: str, actor: str = AS) -> None:
    """代表签到 / a delegate checks in."""
    new = _session_step(lambda svc: svc.check_in(session, actor))
    console.print(
        f"[green]✓[/] {pick(('已签到', 'checked in')) if new else pick(('此前已签到', 'already checked in'))}"
    )


@congress_app.command("open-poll")
def congress_open_poll(
    session: str,
    item: int,
    actor: str = AS,
    minutes: float | None = typer.Option(None, "--minutes", help="限时（分钟） / close after"),
    paper: bool = typer.Option(False, "--paper", help="纸质选票 / paper ballots"),
    teller: list[str] = typer.Option([], "--teller", help="监票人、计票人（两名） / two tellers"),
) -> None:
    """开始表决某项议题（检查法定人数） / put an item to the vote."""
    poll = _session_step(
        lambda svc: svc.open_poll(
            session, actor, item, minutes=minutes, paper=paper, tellers=teller
        )
    )
    _print_poll(poll)


@congress_app.command("close-poll")
def congress_close_poll(session: str, item: int, actor: str = AS) -> None:
    """结束表决 / the chair ends voting on an item."""
    progress = _session_step(lambda svc: svc.close_poll(session, actor, item))
    console.print(f"[green]✓[/] {progress.poll_key}: {progress.stage}")


@congress_app.command("vote")
def congress_vote(
    session: str,
    item: int,
    actor: str = AS,
    choice: list[str] = typer.Option(
        [], "--choice", help="赞成/反对/弃权、候选人或满意度；可重复 / repeatable"
    ),
) -> None:
    """投票（无记名投票返回回执码） / cast a ballot (a secret one returns a receipt)."""
    choices = [_OPTION_CODES.get(c, c) for c in choice]
    result = _session_step(lambda svc: svc.cast(session, item, actor, choices))
    console.print(f"[green]✓[/] {pick(('已投票', 'ballot cast'))}")
    if result.receipt:
        console.print(
            f"{pick(('回执码（请妥善保存，用于核验）', 'receipt (keep it to check your ballot)'))}: [bold]{result.receipt}[/]"
        )


@congress_app.command("count")
def congress_count(
    session: str,
    item: int,
    actor: str = AS,
    count: list[str] = typer.Option(
        ..., "--count", help="选项=票数，可重复 / OPTION=N, repeatable"
    ),
    ballots: int = typer.Option(..., "--ballots", help="收回选票张数 / ballots collected"),
) -> None:
    """监票人/计票人录入纸质选票计票结果 / a teller enters the paper count."""
    counts: dict[str, int] = {}
    for entry in count:
        option, sep, n = entry.partition("=")
        if not sep or not n.strip().isdigit():
            _fail(InvalidInput(f"格式应为 选项=票数：{entry}", f"expected OPTION=N: {entry}"))
        counts[_OPTION_CODES.get(option.strip(), option.strip())] = int(n)
    poll = _session_step(lambda svc: svc.enter_paper_count(session, item, actor, counts, ballots))
    if poll.paper_mismatch:
        console.print(
            f"[bold red]{pick(('两名计票人结果不一致，请主持人组织复核', 'the tellers disagree: the chair must have them recount'))}[/]"
        )
        for entry in poll.paper_counts:
            console.print(f"  {entry.teller}: {entry.counts} · {entry.ballots}")
    else:
        console.print(f"[green]✓[/] {pick(('已录入', 'entered'))} ({len(poll.paper_counts)}/2)")


def _print_poll(poll: PollView) -> None:
    secret = pick(("无记名", "secret")) if poll.spec.secret else pick(("记名", "named"))
    console.print(
        f"[bold]{poll.spec.poll_key}[/] · {poll.spec.title} · {secret}"
        f"{' · ' + pick(('纸质', 'paper')) if poll.spec.paper else ''} · {poll.status.value}"
        f" · {pick(('到会', 'present'))} {poll.present_at_open}/{poll.total_delegates}"
    )


@congress_app.command("results")
def congress_results(session: str) -> None:
    """会议各项议题的表决结果 / the results of every item."""

    def go(application: App) -> tuple[SessionView, list[PollView | None]]:
        svc = _sessions(application)
        view = svc.view(session)
        polls = []
        for item in view.agenda:
            try:
                polls.append(application.polls.poll(view.poll_key(item.no)))
            except DomainError:
                polls.append(None)
        return view, polls

    view, polls = _run(go)
    _print_session(view)
    outcomes = {o.item_no: o for o in view.outcomes}
    table = Table()
    for col in ("id", "name", "stage", "result"):
        table.add_column(t(col))
    for item, poll in zip(view.agenda, polls, strict=True):
        outcome = outcomes.get(item.no)
        state = poll.status.value if poll else pick(("未表决", "not voted"))
        if poll and poll.paper_mismatch:
            state += " · " + pick(("计票不一致", "tellers disagree"))
        table.add_row(str(item.no), item.title, state, outcome.summary if outcome else "")
    console.print(table)
    if view.report_due:
        console.print(
            f"{pick(('报上级工会期限', 'report due'))} {view.report_due}"
            + (" [red]overdue[/]" if view.report_overdue else "")
        )


@congress_app.command("verify-receipt")
def congress_verify_receipt(session: str, item: int, receipt: str) -> None:
    """凭回执码核验选票已计入 / check with a receipt that a secret ballot was counted."""
    ballot = _run(lambda a: _sessions(a).verify_receipt(session, item, receipt))
    if ballot is None:
        console.print(
            f"[bold red]{pick(('未找到该回执码的选票', 'no ballot with this receipt'))}[/]"
        )
        raise typer.Exit(1)
    labels = ", ".join(pick(OPTION_LABELS.get(c, (c, c))) for c in ballot.choices)
    console.print(f"[green]✓[/] {pick(('已计入', 'counted'))}: {labels}")


@congress_app.command("ballots")
def congress_ballots(session: str, item: int) -> None:
    """公布的无记名选票及复核计票 / the published secret ballots, recounted."""

    def go(application: App) -> PollView:
        return application.polls.poll(_sessions(application).view(session).poll_key(item))

    poll = _run(go)
    if not poll.spec.secret or poll.spec.paper:
        _fail(InvalidInput("本项不是电子无记名投票", "this item has no published secret ballots"))
    if poll.published_digest is None or poll.result is None:
        _fail(InvalidState("选票尚未公布", "the ballots are not published yet"))
    assert poll.result is not None
    table = Table(title=f"{poll.spec.poll_key} · {pick(('公布的选票', 'published ballots'))}")
    table.add_column(pick(("回执码", "receipt")))
    table.add_column(pick(("选择", "choices")))
    recount: dict[str, int] = dict.fromkeys(poll.result.counts, 0)
    for ballot in poll.published:
        table.add_row(
            ballot.receipt, ", ".join(pick(OPTION_LABELS.get(c, (c, c))) for c in ballot.choices)
        )
        for choice in ballot.choices:
            recount[choice] = recount.get(choice, 0) + 1
    console.print(table)
    same = recount == poll.result.counts
    mark = "[green]✓[/]" if same else "[bold red]✗[/]"
    console.print(
        f"{mark} {pick(('复核计票', 'recount'))} {recount} · {pick(('公布结果', 'published tally'))} {poll.result.counts}"
    )
    console.print(f"digest {poll.published_digest}")
    if not same:
        raise typer.Exit(1)


@congress_app.command("close")
def congress_close(session: str, actor: str = AS) -> None:
    """闭幕 / close the session."""
    _print_session(_session_step(lambda svc: svc.close_session(session, actor)))


@congress_app.command("publish")
def congress_publish(session: str, actor: str = AS) -> None:
    """向职工公布结果 / publish the results to employees."""
    view = _session_step(lambda svc: svc.publish_results(session, actor))
    _print_session(view)
    console.print(f"{pick(('报上级工会期限', 'report due'))} {view.report_due}")


@congress_app.command("report")
def congress_report(session: str, actor: str = AS) -> None:
    """报告上级工会 / report the session to the higher union."""
    _print_session(_session_step(lambda svc: svc.report(session, actor)))


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
