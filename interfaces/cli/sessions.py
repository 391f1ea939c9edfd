"""The sessions (职代会会议) of a congress: convene, open, check in, vote, count, report.

These are commands of the ``congress`` group, added after its terms and rosters by
``register``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ValidationError

from bootstrap import App
from domain.errors import InvalidInput
from domain.poll import OPTION_LABELS, PollView, Recount, recount
from domain.session import AgendaItem, SessionKind, SessionView
from domain.text import MAX_MINUTES, Key, Name, ShortText
from i18n import POLL_STATUS_LABELS, SESSION_STATUS_LABELS, fmt, label_of, pick, t
from interfaces.cli._common import (
    AS,
    ITEM,
    RECEIPT,
    SESSION,
    console,
    fail,
    load_yaml,
    parse_date,
    run,
    run_async,
    typed,
)
from interfaces.cli.render import Table, plain
from interfaces.text import Names, attendance, counts_text, poll_outcome
from services.sessions import SessionService
from settings import Settings

_OPTION_CODES = {label: code for code, pair in OPTION_LABELS.items() for label in (code, *pair)}


class _Agenda(BaseModel):
    items: list[AgendaItem]


def _session_step(fn: Callable[[SessionService], Awaitable[Any]]) -> Any:
    return run_async(lambda a, facades: fn(facades.sessions))


def _ledger_step(fn: Callable[[SessionService], Coroutine[Any, Any, Any]]) -> Any:
    """A delegate's step (check-in, vote): straight to the ledger, no Temporal server needed
    (the workers' roll watcher tells the session when the roll is complete)."""
    return run(lambda a: asyncio.run(fn(a.facades().sessions)))


def _print_session(view: SessionView) -> None:
    status = label_of(SESSION_STATUS_LABELS, view.status.value)
    console.print(
        f"[bold]{pick(('会议', 'Session'))} {view.session_id}[/] · {view.unit_org}"
        f" · {t('stage')}: [cyan]{status}[/] · {pick(('开会', 'opens'))} {view.opens_on}"
    )


def congress_convene(
    key: str = typer.Argument(..., callback=typed(Key), help="职代会编号 / congress key"),
    actor: str = AS,
    label: str = typer.Option(
        ..., "--label", callback=typed(Key), help="会议编号，如 2026-1 / session label"
    ),
    agenda: Path = typer.Option(..., "--agenda", exists=True, help="议程 YAML / agenda file"),
    papers_sent: str = typer.Option(..., "--papers-sent", help="材料送达日期 / papers sent on"),
    opens: str = typer.Option(..., "--opens", help="开会日期 / opening date"),
    extraordinary: bool = typer.Option(False, "--extraordinary", help="临时会议 / extraordinary"),
    requested_by: list[str] = typer.Option(
        [], "--requested-by", callback=typed(list[Key]), help="提议代表 / requesting delegate"
    ),
) -> None:
    """召开会议：议程、材料送达、开会日期 / convene a session."""
    raw = load_yaml(agenda, "议程")
    items = _load_list(raw.get("items", []) if isinstance(raw, dict) else raw or [])
    kind = SessionKind.EXTRAORDINARY if extraordinary else SessionKind.REGULAR
    papers_sent_on, opens_on = parse_date(papers_sent), parse_date(opens)  # before connecting
    view = _session_step(
        lambda svc: svc.convene(
            actor,
            key,
            label,
            items.items,
            papers_sent_on=papers_sent_on,
            opens_on=opens_on,
            kind=kind,
            requested_by=requested_by,
        )
    )
    console.print(f"[green]✓[/] {pick(('已召开通知', 'convened'))}")
    _print_session(view)


def _load_list(raw: Any) -> _Agenda:
    if not isinstance(raw, list):
        fail(InvalidInput("议程应为议题列表", "an agenda is a list of items"))
    most = Settings().import_limits.max_agenda_items
    if len(raw) > most:
        fail(
            InvalidInput(
                f"议程超过 {most} 项（上限见 UNIONFLOW_IMPORT_MAX_AGENDA_ITEMS）",
                f"the agenda has more than {most} items (UNIONFLOW_IMPORT_MAX_AGENDA_ITEMS)",
            )
        )
    try:
        return _Agenda(items=[AgendaItem.model_validate(i) for i in raw])
    except ValidationError as e:
        first = e.errors()[0]
        fail(InvalidInput(f"议程无效：{first['msg']}", f"invalid agenda: {first['msg']}"))
        raise


def congress_open(session: str = SESSION, actor: str = AS) -> None:
    """开幕（不早于开会日期） / open the session on its day."""
    _print_session(_session_step(lambda svc: svc.open_session(session, actor)))


def congress_check_in(session: str = SESSION, actor: str = AS) -> None:
    """代表签到 / a delegate checks in."""
    new = _ledger_step(lambda svc: svc.check_in(session, actor))
    console.print(
        f"[green]✓[/] {pick(('已签到', 'checked in')) if new else pick(('此前已签到', 'already checked in'))}"
    )


def _minutes(value: float | None) -> float | None:
    """A poll's time limit, refused before anything is sent when it is not a real duration."""
    if value is not None and not (math.isfinite(value) and 0 < value <= MAX_MINUTES):
        raise typer.BadParameter(
            f"须为 0 到 {MAX_MINUTES:g} 之间的分钟数 / minutes between 0 and {MAX_MINUTES:g}"
        )
    return value


def congress_open_poll(
    session: str = SESSION,
    item: int = ITEM,
    actor: str = AS,
    minutes: float | None = typer.Option(
        None, "--minutes", callback=_minutes, help="限时（分钟） / close after"
    ),
    paper: bool = typer.Option(False, "--paper", help="纸质选票 / paper ballots"),
    teller: list[str] = typer.Option(
        [], "--teller", callback=typed(list[Key]), help="监票人、计票人（两名） / two tellers"
    ),
) -> None:
    """开始表决某项议题（检查法定人数） / put an item to the vote."""
    poll = _session_step(
        lambda svc: svc.open_poll(
            session, actor, item, minutes=minutes, paper=paper, tellers=teller
        )
    )
    _print_poll(poll)


def congress_close_poll(session: str = SESSION, item: int = ITEM, actor: str = AS) -> None:
    """结束表决 / the chair ends voting on an item."""
    progress = _session_step(lambda svc: svc.close_poll(session, actor, item))
    console.print(
        f"[green]✓[/] {progress.poll_key}: {label_of(POLL_STATUS_LABELS, progress.stage)}"
    )


def congress_set_aside(
    session: str = SESSION,
    item: int = ITEM,
    actor: str = AS,
    reason: str = typer.Option(
        ..., "--reason", callback=typed(ShortText), help="搁置理由 / why the item is set aside"
    ),
) -> None:
    """搁置议题（须说明理由），会议即可闭幕 / set an item aside with a reason."""
    _session_step(lambda svc: svc.set_aside(session, actor, item, reason))
    console.print(f"[green]✓[/] {pick(('议题已搁置', 'item set aside'))}: {item}")


def congress_vote(
    session: str = SESSION,
    item: int = ITEM,
    actor: str = AS,
    choice: list[str] = typer.Option(
        [],
        "--choice",
        callback=typed(list[Name]),
        help="赞成/反对/弃权、候选人或满意度；可重复 / repeatable",
    ),
) -> None:
    """投票（无记名投票返回回执码） / cast a ballot (a secret one returns a receipt)."""
    choices = [_OPTION_CODES.get(c, c) for c in choice]
    result = _ledger_step(lambda svc: svc.cast(session, item, actor, choices))
    console.print(f"[green]✓[/] {pick(('已投票', 'ballot cast'))}")
    if result.receipt:
        console.print(
            f"{pick(('回执码（请妥善保存，用于核验）', 'receipt (keep it to check your ballot)'))}: [bold]{result.receipt}[/]"
        )


def congress_count(
    session: str = SESSION,
    item: int = ITEM,
    actor: str = AS,
    count: list[str] = typer.Option(
        ..., "--count", help="选项=票数，可重复 / OPTION=N, repeatable"
    ),
    ballots: int = typer.Option(
        ..., "--ballots", min=0, max=100_000, help="收回选票张数 / ballots collected"
    ),
) -> None:
    """监票人/计票人录入纸质选票计票结果 / a teller enters the paper count."""
    counts: dict[str, int] = {}
    for entry in count:
        option, sep, n = entry.partition("=")
        if not sep or not n.strip().isdigit():
            fail(InvalidInput(f"格式应为 选项=票数：{entry}", f"expected OPTION=N: {entry}"))
        counts[_OPTION_CODES.get(option.strip(), option.strip())] = int(n)
    poll = _session_step(lambda svc: svc.enter_paper_count(session, item, actor, counts, ballots))
    if poll.paper_mismatch:
        console.print(
            f"[bold red]{pick(('两名计票人结果不一致，请主持人组织复核', 'the tellers disagree: the chair must have them recount'))}[/]"
        )
        for entry in poll.paper_counts:
            console.print(f"  {entry.teller}: {_counted(entry.counts)} · {_ballots(entry.ballots)}")
    else:
        console.print(f"[green]✓[/] {pick(('已录入', 'entered'))} ({len(poll.paper_counts)}/2)")


def _print_poll(poll: PollView) -> None:
    secret = pick(("无记名", "secret")) if poll.spec.secret else pick(("记名", "named"))
    console.print(
        f"[bold]{poll.spec.poll_key}[/] · {plain(poll.spec.title)} · {secret}"
        f"{' · ' + pick(('纸质', 'paper')) if poll.spec.paper else ''}"
        f" · {label_of(POLL_STATUS_LABELS, poll.status.value)}"
        f" · {attendance(poll.present_at_open, poll.total_delegates)}"
    )


def _counted(counts: dict[str, int]) -> str:
    """Counts per option, by the option's name: 赞成 21 票，反对 4 票."""
    return counts_text(counts)


def _ballots(n: int) -> str:
    return fmt(("收回选票 {n} 张", "{n} ballots"), n=n)


def congress_results(session: str = SESSION) -> None:
    """会议各项议题的表决结果 / the results of every item."""

    def go(application: App) -> None:
        view = application.facades().sessions.view(session)
        _print_results(view, application.polls.item_polls(view), Names(application.directory))

    run(go)


def _print_results(view: SessionView, polls: list[PollView | None], names: Names) -> None:
    """The session's line, then every item with its poll's stage and outcome."""
    _print_session(view)
    table = Table()
    for col in ("id", "name", "stage", "result"):
        table.add_column(t(col))
    set_aside = {o.item_no: o for o in view.outcomes if o.set_aside}
    for item, poll in zip(view.agenda, polls, strict=True):
        if item.no in set_aside:
            state = pick(("已搁置", "set aside"))
        elif poll:
            state = label_of(POLL_STATUS_LABELS, poll.status.value)
        else:
            state = pick(("未表决", "not voted"))
        if poll and poll.paper_mismatch:
            state += " · " + pick(("计票不一致", "tellers disagree"))
        # The result is read from the poll: the summary the session stored is one mixed line.
        if item.no in set_aside:
            outcome = set_aside[item.no].reason
        else:
            outcome = poll_outcome(poll, names) if poll else ""
        table.add_row(str(item.no), item.title, state, outcome)
    console.print(table)
    if view.report_due:
        console.print(
            f"{pick(('报上级工会期限', 'report due'))} {view.report_due}"
            + (f" [red]{pick(('已逾期', 'overdue'))}[/]" if view.report_overdue else "")
        )


def congress_verify_receipt(
    session: str = SESSION, item: int = ITEM, receipt: str = RECEIPT
) -> None:
    """凭回执码核验选票已计入（不显示所投内容） / check with a receipt that a ballot was counted."""
    check = run(lambda a: a.facades().sessions.verify_receipt(session, item, receipt))
    if not check.counted:
        console.print(
            f"[bold red]{pick(('未找到该回执码的选票', 'no ballot with this receipt'))}[/]"
        )
        raise typer.Exit(1)
    # Never the choice: a receipt proves that the ballot was counted, not how it voted,
    # so it cannot be shown to whoever demands to see a vote.
    console.print(
        "[green]✓[/] "
        + fmt(
            ("已计入（共 {n} 张选票）", "counted (one of {n} ballots)"),
            n=check.ballots,
        )
    )
    if check.key_witnessed_in_seal is not None:
        console.print(
            fmt(
                (
                    "本项表决的公钥与封印第 {v} 版的见证一致",
                    "the poll's public key matches the witness of seal {v}",
                ),
                v=check.key_witnessed_in_seal,
            )
        )


def congress_ballots(session: str = SESSION, item: int = ITEM) -> None:
    """公布的无记名选票及复核计票 / the published secret ballots, recounted."""

    def go(application: App) -> tuple[PollView, Recount]:
        poll = application.polls.poll(application.facades().sessions.view(session).poll_key(item))
        return poll, recount(poll)

    poll, counted = run(go)
    # The key above the table, not as its title: a title wider than the table would wrap.
    console.print(f"[bold]{poll.spec.poll_key}[/] · {pick(('公布的选票', 'published ballots'))}")
    table = Table()
    if counted.paired:  # tallied by an earlier version: receipts beside their choices
        table.add_column(pick(("回执码", "receipt")))
        table.add_column(pick(("选择", "choices")))
    else:  # receipts and choices apart: nothing pairs them
        table.add_column("#")
        table.add_column(pick(("选择（已打乱顺序）", "choices (shuffled)")))
    for first, choices in counted.rows:
        table.add_row(first, ", ".join(pick(OPTION_LABELS.get(c, (c, c))) for c in choices))
    console.print(table)
    if not counted.paired:
        # The receipts on their own, sorted: each finds its holder's ballot counted, and
        # their order says nothing about the choices above.
        console.print(
            pick(
                (
                    "回执码（已排序，与上列选票无对应关系）",
                    "receipts (sorted, unrelated to the rows above)",
                )
            )
        )
        for start in range(0, len(counted.receipts), 6):
            console.print("  " + "  ".join(counted.receipts[start : start + 6]))
    mark = "[green]✓[/]" if counted.same else "[bold red]✗[/]"
    compared = fmt(
        (
            "复核计票：{mine} · 公布结果：{published} · 回执码 {r} 个，选票 {b} 张",
            "recount: {mine} · published tally: {published} · {r} receipts, {b} ballots",
        ),
        mine=_counted(counted.counts),
        published=_counted(counted.published_counts),
        r=len(counted.receipts),
        b=len(counted.rows),
    )
    console.print(f"{mark} {compared}")
    console.print(f"{pick(('摘要', 'digest'))} {poll.published_digest}")
    if not counted.same:
        raise typer.Exit(1)


def congress_close(session: str = SESSION, actor: str = AS) -> None:
    """闭幕 / close the session."""
    _print_session(_session_step(lambda svc: svc.close_session(session, actor)))


def congress_publish(session: str = SESSION, actor: str = AS) -> None:
    """向职工公布结果 / publish the results to employees."""
    view = _session_step(lambda svc: svc.publish_results(session, actor))
    _print_session(view)
    console.print(f"{pick(('报上级工会期限', 'report due'))} {view.report_due}")


def congress_report(session: str = SESSION, actor: str = AS) -> None:
    """报告上级工会 / report the session to the higher union."""
    _print_session(_session_step(lambda svc: svc.report(session, actor)))


def register(congress_app: typer.Typer) -> None:
    """Add the session commands to the congress group, in the order of its help."""
    for name, command in (
        ("convene", congress_convene),
        ("open", congress_open),
        ("check-in", congress_check_in),
        ("open-poll", congress_open_poll),
        ("close-poll", congress_close_poll),
        ("vote", congress_vote),
        ("count", congress_count),
        ("set-aside", congress_set_aside),
        ("results", congress_results),
        ("verify-receipt", congress_verify_receipt),
        ("ballots", congress_ballots),
        ("close", congress_close),
        ("publish", congress_publish),
        ("report", congress_report),
    ):
        congress_app.command(name)(command)
