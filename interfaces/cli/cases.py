"""Top-level commands for every role: ``tasks``, and ``status`` and ``history`` of any record."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import typer
from rich.table import Table

from application.records import BY_NAME, Record, resolve
from bootstrap import App, Facades, connect
from domain.actors import CHINA_TZ
from domain.congress import CongressView
from domain.errors import DomainError
from domain.motion import MotionCallView, MotionView
from domain.poll import PollView
from domain.session import SessionView
from domain.wage_contract import WageContractView
from i18n import pick, t
from interfaces.cli._common import (
    AS,
    console,
    fail,
    open_app,
    parse_time,
    print_view,
    run,
    stage,
)
from interfaces.cli.congress import _term_title
from interfaces.cli.motion import _print_call, _print_motion, _print_motion_details
from interfaces.cli.sessions import _item_polls, _print_poll, _print_results, _print_session
from processes import PROCESSES, InboxItem


def tasks(actor: str = AS) -> None:
    """此人员的待办事项（所有流程） / what waits for this actor, across every process."""

    def go(application: App) -> list[InboxItem]:
        application.directory.actor(actor)  # an unknown actor is refused, not an empty inbox
        facades = application.facades()
        return [
            item
            for process in PROCESSES
            for item in process.inbox(application, getattr(facades, process.facade_name), actor)
        ]

    items = run(go)
    if not items:
        console.print(t("no_tasks"))
        return
    table = Table(title=pick(("待办", "Inbox")))
    for col in ("process", "id", "name", "todo", "due"):
        table.add_column(t(col))
    for item in items:
        table.add_row(pick(item.process), item.key, item.title, pick(item.todo), item.due)
    console.print(table)


KEY = typer.Argument(
    ...,
    help="编号：案件、职代会届次、会议、表决、提案或提案征集 / "
    "the key of a case, congress term, session, poll, motion or call for motions",
)
KIND = typer.Option(
    None,
    "--kind",
    help=f"记录类型（编号有歧义时） / record kind, when a key is ambiguous: {', '.join(BY_NAME)}",
)
WORKFLOW_TIMEOUT = 3  # seconds: without an answer by then, the ledger view is shown alone


# -- status: the current state, with each kind's own printer -------------------------------


def _print_case(application: App, view: WageContractView, wf: Any) -> None:
    print_view(view)
    table = Table(show_header=False)
    table.add_row(t("employer"), view.employer)
    table.add_row(t("profile"), f"{view.profile_name} ({view.profile_fingerprint[:12]})")
    table.add_row("要约 offer", str(view.offer_on))
    table.add_row(
        "回应期限 reply due",
        f"{view.reply_due}{' · 已逾期并提请上级协调 overdue, escalated' if view.reply_overdue else ''}",
    )
    if view.requested_by_employees is not None:
        req = view.requested_by_employees
        table.add_row(
            "职工要求要约 requested",
            f"{req.signatures}/{req.employees} · {req.received_on}",
        )
    if view.talks_start_due is not None and view.rounds_held == 0:
        table.add_row("协商开始期限 talks start due", str(view.talks_start_due))
    for data in view.data_requests:
        provided = f"已提供 provided {data.provided_on}" if data.provided_on else "未提供 pending"
        table.add_row(
            f"资料请求 data #{data.no}",
            f"{data.requested_from.value}: {'、'.join(data.items)} · {provided}",
        )
    if view.reviews:
        r = view.reviews[-1]
        decided = f" · {r.decided_by}" if r.decided_by else ""
        table.add_row(
            "预审 pre-review",
            f"#{r.round} {r.reviewer_org} · {t('due')} {r.due} · {r.outcome or '…'}{decided}",
        )
        if r.taken_over_from:
            table.add_row(
                "接手预审 taken over",
                f"{r.taken_over_from} → {r.reviewer_org}: {r.takeover_reason}",
            )
    if view.filing_missing:
        table.add_row(
            "[red]备案材料不齐 incomplete[/]",
            f"{'、'.join(view.filing_missing)} · 补正期限 fix by {view.filing_fix_due}",
        )
    package = view.filing_package
    if package is not None and package.adopted_on is not None:
        table.add_row(
            "备案决议 resolution",
            f"{package.adopted_on} · 应到 {package.delegates_total} 实到 {package.delegates_present}"
            f" · 赞成 {package.votes_for} 反对 {package.votes_against} 弃权 {package.abstentions}",
        )
    for label, value in (
        ("签订 signed", view.signed_on),
        ("备案期限 filing due", view.filing_due),
        ("备案 filed", view.filed_on),
        ("审查期至 review window", view.review_window_until),
        ("生效 effective", view.effective_on),
        ("到期 expires", view.expires_on),
        ("公布 published", view.published_on),
        ("报上级工会期限 report due", view.higher_union_report_due),
        ("已报上级工会 reported", view.higher_union_reported_on),
        ("续签提醒 renewal notice", view.renewal_on),
    ):
        if value:
            table.add_row(label, str(value))
    flags = [
        f
        for f, on in (
            ("协商开始逾期 talks start overdue", view.talks_start_overdue),
            ("备案逾期 filing overdue", view.filing_overdue),
            ("公布逾期 publication overdue", view.publication_overdue),
            ("报上级工会逾期 report overdue", view.higher_union_report_overdue),
        )
        if on
    ]
    if flags:
        table.add_row("[red]逾期 overdue[/]", ", ".join(flags))
    if wf is not None and wf.waiting is not None:
        table.add_row(t("waiting"), _waiting(wf.waiting))
    console.print(table)


def _waiting(wait: Any) -> str:
    until = f" → {wait.until.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}" if wait.until else ""
    return f"{wait.kind}{until}"


def _print_term(application: App, view: CongressView, wf: Any) -> None:
    console.print(_term_title(view))


def _print_session_status(application: App, view: SessionView, wf: Any) -> None:
    _print_results(view, _item_polls(application, view))
    for poll in wf.polls if wf is not None else []:
        if poll.stage == "tallied":
            continue
        until = f" → {poll.closes_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}" if poll.closes_at else ""
        console.print(f"{t('waiting')}: {poll.poll_key} {poll.stage}{until}")


def _print_poll_status(application: App, view: PollView, wf: Any) -> None:
    _print_poll(view)


def _print_motion_status(application: App, view: MotionView, wf: Any) -> None:
    _print_motion_details(view)
    if wf is not None and wf.waiting is not None:
        console.print(f"{t('waiting')}: {_waiting(wf.waiting)}")


def _print_call_status(application: App, view: MotionCallView, wf: Any) -> None:
    _print_call(view)


# Per kind: the full status printer, and how to ask its workflow (kinds without one: None).
_STATUS: dict[str, Callable[[App, Any, Any], None]] = {
    "case": _print_case,
    "congress": _print_term,
    "session": _print_session_status,
    "poll": _print_poll_status,
    "motion": _print_motion_status,
    "call": _print_call_status,
}
_WORKFLOW: dict[str, Callable[[Facades, str], Awaitable[Any]]] = {
    "case": lambda facades, key: facades.wage_contracts.status(key),
    "session": lambda facades, key: facades.sessions.status(key),
    "motion": lambda facades, key: facades.motions.status(key),
}
# Per kind: one line on where the record stands, for ``history --at`` (a case shows its stage).
_HEADLINE: dict[str, Callable[[Any], None]] = {
    "congress": lambda view: console.print(_term_title(view)),
    "session": _print_session,
    "poll": _print_poll,
    "motion": _print_motion,
    "call": _print_call,
}


def status(key: str = KEY, kind: str | None = KIND) -> None:
    """记录的当前状态（案件、职代会、会议、表决、提案、提案征集） / the status of a record."""

    async def workflow_status(application: App, record: Record) -> Any:
        ask = _WORKFLOW.get(record.kind.name)
        if ask is None:
            return None
        try:
            client = await asyncio.wait_for(connect(application.settings), WORKFLOW_TIMEOUT)
            return await asyncio.wait_for(ask(application.facades(client), key), WORKFLOW_TIMEOUT)
        except Exception:  # noqa: BLE001 - the ledger view is enough without a server
            return None

    application = open_app()
    try:
        record = resolve(application.ledger, key, kind)
        wf = asyncio.run(workflow_status(application, record))
        _STATUS[record.kind.name](application, record.view(), wf)
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()


# -- history: the ledger timeline of any record ----------------------------------------------


def history(
    key: str = KEY,
    kind: str | None = KIND,
    at: str | None = typer.Option(
        None, "--at", help="ISO 时间：查看当时的状态 / as it was at this instant"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / JSON output"),
) -> None:
    """记录的历史：每个事件的操作人、角色、说明与哈希 / the timeline of a record."""
    moment = parse_time(at)

    def go(application: App) -> tuple[Record, list[Any], Any]:
        record = resolve(application.ledger, key, kind)
        entries = application.audit().timeline(record.ledger_id, at=moment)
        view = None
        if moment is not None and entries:
            view = record.view(application.ledger, at=moment)
        return record, entries, view

    record, entries, view = run(go)
    if as_json:
        payload = {
            "case": key,  # the key, under the name it had when only cases had histories
            "kind": record.kind.name,
            "at": moment.isoformat() if moment else None,
            "events": [e.model_dump(mode="json") for e in entries],
            "state": view.model_dump(mode="json") if view else None,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    label = pick(record.kind.label)
    title = f"{label[:1].upper()}{label[1:]} {key}" + (f" @ {moment.isoformat()}" if moment else "")
    table = Table(title=title)
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
    if view is None:
        return
    if record.kind.name == "case":
        console.print(f"{t('stage')} @ {moment}: [cyan]{stage(view)}[/]")
    else:
        console.print(f"@ {moment}:")
        _HEADLINE[record.kind.name](view)
