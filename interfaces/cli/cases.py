"""Top-level commands for every role: ``tasks``, ``status``, ``history``."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import typer
from rich.table import Table

from bootstrap import App, connect
from domain.actors import CHINA_TZ
from domain.errors import DomainError, NotFound
from domain.wage_contract import WageContractView, wage_contract_id
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


def status(case: str) -> None:
    """案件状态 / the status of a case."""

    async def go(application: App) -> tuple[WageContractView, Any]:
        view = application.facades().wage_contracts.view(case)
        try:
            client = await asyncio.wait_for(connect(application.settings), timeout=3)
            return view, await application.facades(client).wage_contracts.status(case)
        except Exception:  # noqa: BLE001 - the ledger view is enough without a server
            return view, None

    application = open_app()
    try:
        view, wf = asyncio.run(go(application))
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()
    print_view(view)
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


def history(
    case: str,
    at: str | None = typer.Option(
        None, "--at", help="ISO 时间：查看当时的状态 / as it was at this instant"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / JSON output"),
) -> None:
    """案件历史：每个事件的操作人、角色、说明与哈希 / the timeline of a case."""
    moment = parse_time(at)

    def go(application: App) -> tuple[list[Any], WageContractView | None]:
        entries = application.audit().timeline(wage_contract_id(case), at=moment)
        if not entries and application.ledger.find(wage_contract_id(case)) is None:
            raise NotFound(f"案件 {case} 不存在", f"no case {case}")
        view = None
        if moment is not None and entries:
            view = application.ledger.get(wage_contract_id(case), at=moment).view()
        return entries, view

    entries, view = run(go)
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
        console.print(f"{t('stage')} @ {moment}: [cyan]{stage(view)}[/]")
