"""``unionflow campaign start | status | remind-now | close``: the campaign's workflow (its status
query and the organiser's updates), through ``services.campaigns``. ``register`` adds them
to the ``campaign`` group (``interfaces.cli.campaign.app``; ``root`` calls it)."""

from __future__ import annotations

import typer

from bootstrap import App, Facades
from domain.campaign.values import PHASE_LABELS, Phase
from domain.text import Key, OptionalShortText
from i18n import pick
from interfaces.cli._common import AS, COMMAND_ID, COMMENT, console, run_async, typed
from interfaces.cli.render import Table, plain
from workflows.campaign import CampaignStatus, RoundResult

CAMPAIGN = typer.Argument(..., callback=typed(Key), help="集中行动编号 / campaign key")
PERIOD = typer.Option(
    "",
    "--period",
    callback=typed(OptionalShortText),
    help="填报期（默认：当前填报期） / period (default: the one open now)",
)


def _print_status(key: str, status: CampaignStatus | None, phase: Phase) -> None:
    table = Table(title=f"{pick(('集中行动', 'campaign'))} {key}")
    table.add_column(pick(("项目", "item")))
    table.add_column(pick(("内容", "value")))
    table.add_row(pick(("阶段", "phase")), pick(PHASE_LABELS[phase]))
    if status is None or status.brief is None:
        table.add_row(pick(("工作流", "workflow")), pick(("未运行", "not running")))
        console.print(table)
        return
    b = status.brief
    for p in b.periods:
        opened = p.key in b.periods_opened
        state = pick(("已开始", "open")) if opened else pick(("未开始", "not begun"))
        rounds = b.reminder_rounds.get(p.key, 0)
        table.add_row(
            f"{pick(('填报期', 'period'))} {p.key}",
            f"{p.starts} – {p.due} · {state} · {pick(('提醒', 'reminder rounds'))} {rounds}",
        )
    if status.waiting is not None:
        until = f" · {status.waiting.until:%Y-%m-%d %H:%M}" if status.waiting.until else ""
        table.add_row(pick(("等待", "waiting for")), f"{status.waiting.kind}{until}")
    table.add_row(
        pick(("提醒 / 上报", "reminded / escalated")), f"{status.reminded} / {status.escalated}"
    )
    table.add_row(pick(("总结报告日", "final report on")), str(b.final_report))
    if status.final is not None:
        f = status.final
        table.add_row(
            pick(("总结报告", "final report")),
            f"{pick(('达标', 'met'))} {f.met}/{f.targets} · {f.inputs_hash[:16]}",
        )
    table.add_row(
        pick(("运行 / 历史事件", "runs / history events")),
        f"{status.runs} / {status.history_length}",
    )
    console.print(table)


def _print_round(key: str, r: RoundResult) -> None:
    console.print(
        f"[green]✓[/] {key} · {r.period} · {pick(('第', 'round '))}{r.round}"
        f"{pick(('轮提醒', ''))} · {pick(('提醒', 'reminded'))} {r.reminded} · "
        f"{pick(('上报区县工会', 'escalated'))} {r.escalated}"
    )


def start(key: str = CAMPAIGN, actor: str = AS) -> None:
    """启动集中行动的工作流（按日期开始填报期、提醒、出总结报告；需 Temporal） / start the
    campaign's workflow (periods, reminders, the final report by their dates)."""

    async def go(a: App, f: Facades) -> bool:
        return await f.campaigns.start(actor, key)

    started = run_async(go)
    said = (
        ("工作流已启动", "workflow started") if started else ("工作流已在运行", "already running")
    )
    console.print(f"[green]✓[/] {plain(key)} · {pick(said)}")


def status(key: str = CAMPAIGN) -> None:
    """集中行动工作流的状态（需 Temporal） / the campaign workflow's status (needs Temporal)."""

    async def go(a: App, f: Facades) -> tuple[CampaignStatus | None, Phase]:
        phase = f.campaigns.campaign(key).phase
        return await f.campaigns.status(key), phase

    found, phase = run_async(go)
    _print_status(plain(key), found, phase)


def remind_now(
    key: str = CAMPAIGN,
    period: str = PERIOD,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """立即提醒一轮未完成的单位（组织单位工会干部） / a reminder round now (the organiser)."""

    async def go(a: App, f: Facades) -> RoundResult:
        return await f.campaigns.remind_now(
            actor, key, period, comment=comment, command_id=command_id
        )

    _print_round(plain(key), run_async(go))


def close(
    key: str = CAMPAIGN,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """总结报告之后结束集中行动（组织单位工会干部） / close the campaign after its final
    report (the organiser)."""

    async def go(a: App, f: Facades) -> Phase:
        return (await f.campaigns.close(actor, key, comment=comment, command_id=command_id)).phase

    phase = run_async(go)
    console.print(f"[green]✓[/] {plain(key)} · {pick(PHASE_LABELS[phase])}")


def register(group: typer.Typer) -> None:
    """Add the workflow's commands to the ``campaign`` group."""
    group.command("start")(start)
    group.command("status")(status)
    group.command("remind-now")(remind_now)
    group.command("close")(close)
