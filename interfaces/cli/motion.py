"""``unionflow motion``: motions (提案) of the workers' congress, from the call to the rating."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import typer

from bootstrap import App
from domain import motion as motion_rules
from domain.errors import InvalidInput
from domain.motion import (
    RATING_LABELS,
    Decision,
    FileMotion,
    MotionCallView,
    MotionView,
    parse_rating,
)
from domain.text import Key, LongText, OptionalLongText, ShortText
from i18n import pick, t
from interfaces.cli._common import (
    AS,
    COMMAND_ID,
    COMMENT,
    MOTION,
    console,
    fail,
    parse_date,
    run,
    run_async,
    typed,
)
from interfaces.cli.render import Table, plain
from interfaces.text import Names, motion_details, motion_stage
from services.motions import MotionService

app = typer.Typer(
    help="职代会提案 / congress motions: call, file, second, decide, assign, answer, rate",
    no_args_is_help=True,
)

DECISIONS: dict[str, Decision] = {
    "file": Decision.FILE,
    "立案": Decision.FILE,
    "reject": Decision.REJECT,
    "不予立案": Decision.REJECT,
    "不立案": Decision.REJECT,
}


def _motion_step(fn: Callable[[MotionService], Awaitable[MotionView]], kind: str) -> None:
    """Run one step through the motion's workflow and show where the motion stands."""
    view = run_async(lambda a, facades: fn(facades.motions))
    console.print(f"[green]✓[/] {pick(motion_rules.COMMAND_LABELS[kind])}")
    _print_motion(view)


def _print_motion(view: MotionView) -> None:
    console.print(
        f"[bold]{pick(('提案', 'Motion'))} {view.motion_id}[/] · {plain(view.title)}"
        f" · {t('stage')}: [cyan]{motion_stage(view)}[/] · {t('version')} {view.version}"
    )


def _print_call(view: MotionCallView) -> None:
    console.print(
        f"[bold]{pick(('提案征集', 'Call for motions'))} {view.call_key}[/]"
        f" · {view.opened_on} – {view.closes_on}"
        + pick(("（会议当日截止）", " (closes as the session day begins)"))
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


@app.command("call")
def motion_call(
    key: str = typer.Argument(..., help="职代会编号 / congress key"),
    session_on: str = typer.Option(..., "--session-on", help="会议日期 YYYY-MM-DD / session date"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """发起提案征集（截至会议当日） / open the call for motions before a session."""
    day = parse_date(session_on, hint=True)
    view = run(
        lambda a: asyncio.run(a.facades().motions.open_call(actor, key, day, comment=comment))
    )
    console.print(f"[green]✓[/] {pick(('已发起提案征集', 'call for motions opened'))}")
    _print_call(view)


@app.command("file")
def motion_file(
    key: str = typer.Argument(..., help="职代会编号 / congress key"),
    title: str = typer.Option(..., "--title", help="案由（一案一事） / title, one matter"),
    reasons: str = typer.Option(..., "--reasons", help="理由 / reasons"),
    proposal: str = typer.Option(..., "--proposal", help="办法和建议 / what is proposed"),
    motion_id: str | None = typer.Option(
        None, "--id", callback=typed(Key), help="提案编号（默认自动） / motion id"
    ),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """代表提出提案 / a delegate files a motion under the open call."""
    motion = FileMotion(title=title, reasons=reasons, proposal=proposal)
    _motion_step(lambda s: s.file(actor, key, motion, motion_id=motion_id, comment=comment), "file")


@app.command("second")
def motion_second(
    motion_id: str = MOTION,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """附议（提案人以外的本届代表，每人一次） / second a motion."""
    _motion_step(
        lambda s: s.second(motion_id, actor, comment=comment, command_id=command_id), "second"
    )


@app.command("decide")
def motion_decide(
    motion_id: str = MOTION,
    decision: str = typer.Argument(..., help="立案/不予立案 或 file/reject"),
    reasons: str = typer.Option(
        "", "--reasons", callback=typed(OptionalLongText), help="理由（不予立案时必填） / reasons"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提案委员会审查：立案或不予立案 / the committee files or rejects a motion."""
    chosen = DECISIONS.get(decision.strip().lower())
    if chosen is None:
        fail(InvalidInput(f"决定无效：{decision}", f"unknown decision: {decision}"))
        return
    _motion_step(
        lambda s: s.decide(
            motion_id, actor, chosen, reasons, comment=comment, command_id=command_id
        ),
        "decide",
    )


@app.command("assign")
def motion_assign(
    motion_id: str = MOTION,
    lead: str = typer.Option(..., "--lead", callback=typed(Key), help="承办部门 / lead department"),
    support: list[str] = typer.Option(
        [],
        "--support",
        callback=typed(list[Key]),
        help="协办部门，可重复 / supporting department, repeatable",
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


@app.command("answer")
def motion_answer(
    motion_id: str = MOTION,
    text: str = typer.Option(
        ..., "--text", callback=typed(LongText), help="书面答复 / the written answer"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """承办部门书面答复 / the lead department answers in writing."""
    _motion_step(
        lambda s: s.answer(motion_id, actor, text, comment=comment, command_id=command_id),
        "answer",
    )


@app.command("extend")
def motion_extend(
    motion_id: str = MOTION,
    reason: str = typer.Option(
        ..., "--reason", callback=typed(ShortText), help="延期理由 / reason"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """申请延期答复（仅一次） / ask once for more time to answer."""
    _motion_step(
        lambda s: s.extend(motion_id, actor, reason, comment=comment, command_id=command_id),
        "extend",
    )


@app.command("rate")
def motion_rate(
    motion_id: str = MOTION,
    rating: str = typer.Argument(..., help="满意/基本满意/不满意"),
    opinion: str = typer.Option(
        "", "--opinion", callback=typed(OptionalLongText), help="评价意见 / the proposer's view"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提案人评价答复（不满意则重新办理） / the proposer rates the answer."""
    chosen = parse_rating(rating)
    if chosen is None:
        fail(InvalidInput(f"评价无效：{rating}", f"unknown rating: {rating}"))
        return
    _motion_step(
        lambda s: s.rate(motion_id, actor, chosen, opinion, comment=comment, command_id=command_id),
        "rate",
    )


@app.command("show")
def motion_show(motion_id: str = MOTION) -> None:
    """提案详情与办理情况 / a motion and how it was handled."""
    run(lambda a: _print_motion_details(a.facades().motions.view(motion_id), Names(a.directory)))


def _print_motion_details(v: MotionView, names: Names) -> None:
    """The motion's line, then who filed and seconded it, the decision and the answers."""
    _print_motion(v)
    table = Table(show_header=False)
    table.add_column()
    table.add_column()
    for label, value in motion_details(v, names):
        table.add_row(label, value)
    console.print(table)


@app.command("report")
def motion_report(key: str = typer.Argument(..., help="职代会编号 / congress key")) -> None:
    """提案办理情况报告（供下次会议） / how every motion was handled, for the next session."""
    report, names = run(lambda a: _report_with_names(a, key))
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
            names.person(line.proposer),
            str(line.seconders),
            pick(motion_rules.STAGE_LABELS[line.stage]),
            names.person(line.lead_department) if line.lead_department else "",
            due,
            pick(RATING_LABELS[line.rating]) if line.rating else "",
        )
    console.print(table)
    console.print(
        " · ".join(f"{pick(motion_rules.STAGE_LABELS[s])} {n}" for s, n in report.by_stage.items())
        or pick(("尚无提案", "no motions yet"))
    )


def _report_with_names(application: App, key: str) -> tuple[Any, Names]:
    """The report, and the names of everyone it shows, read while the ledger is open."""
    report = application.facades().motions.report(key)
    names = Names(application.directory)
    for line in report.motions:
        names.person(line.proposer)
        names.person(line.lead_department or "")
    return report, names
