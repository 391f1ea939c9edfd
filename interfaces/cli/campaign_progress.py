"""``unionflow campaign progress`` and ``campaign export``: a campaign's progress on a day,
live or as the ledger stood at an earlier instant, as tables or as files (XLSX, PNG, PDF/A).

``add_progress_commands(group)`` adds both to the ``campaign`` group; until that group
(``interfaces.cli.campaign``) exists, ``campaign_group()`` makes one holding only these.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from application.campaign_progress import CampaignProgress, ProgressReport, gap_label
from application.unit_facts import UnitFactsIndex
from bootstrap import App
from domain.campaign.definition import TargetKind
from domain.campaign.progress import TargetProgress
from domain.text import Key
from i18n import Lang, pick
from interfaces.cli._common import console, parse_date, parse_time, run, typed
from interfaces.cli.render import Table, plain

CAMPAIGN = typer.Argument(..., callback=typed(Key), help="集中行动编号 / campaign key")
ON = typer.Option(None, "--on", help="统计日（默认今天）/ the day counted (default: today)")
AT = typer.Option(
    None,
    "--at",
    help="按此时刻的账本统计（ISO 时间，默认北京时间）/ the ledger as it stood at this instant",
)


def progress_of(application: App) -> CampaignProgress:
    """The App's campaign progress read model, or one built for this command."""
    found = getattr(application, "campaign_progress", None)
    if isinstance(found, CampaignProgress):
        return found
    facts = getattr(application, "unit_facts", None)
    if not isinstance(facts, UnitFactsIndex):
        facts = UnitFactsIndex(application.ledger, application.settings)
    return CampaignProgress(application.ledger, facts, application.settings)


def _when(on: str | None, at: str | None) -> tuple[date | None, datetime | None]:
    return (parse_date(on, hint=True) if on else None), parse_time(at)


def _shown(t: TargetProgress, rate: float, numerator: int) -> str:
    return f"{rate * 100:.1f}%" if t.kind is TargetKind.RATE else str(numerator)


def _aim(t: TargetProgress) -> str:
    return f"≥{t.at_least * 100:.0f}%" if t.kind is TargetKind.RATE else f"≥{int(t.at_least)}"


def print_report(report: ProgressReport) -> None:
    console.print(
        f"[bold]{plain(pick(report.title))}[/] ({report.campaign_key}) · "
        f"{pick(('统计日', 'on'))} {report.on} · {pick(('账本时刻', 'ledger at'))} "
        f"{report.at.isoformat()} · {pick(('参加单位', 'units in'))} {report.members}/{report.units}"
    )
    table = Table(
        pick(("目标", "target")),
        pick(("目标值", "aim")),
        pick(("已完成", "done")),
        pick(("单位数", "units")),
        pick(("完成率/数量", "rate/amount")),
        pick(("差距", "gap")),
    )
    for t in report.targets:
        x = t.total
        table.add_row(
            plain(pick(report.labels.get(t.target, (t.target, t.target)))),
            _aim(t),
            str(x.numerator),
            str(x.denominator),
            _shown(t, x.rate, x.numerator),
            pick(gap_label(x, t.kind)),
        )
    console.print(table)
    for t in report.targets:
        by = Table(
            pick(("区县", "district")),
            pick(("已完成", "done")),
            pick(("单位数", "units")),
            pick(("完成率/数量", "rate/amount")),
            pick(("差距", "gap")),
            title=plain(pick(report.labels.get(t.target, (t.target, t.target)))),
        )
        for name, x in t.by_district.items():
            by.add_row(
                plain(name),
                str(x.numerator),
                str(x.denominator),
                _shown(t, x.rate, x.numerator),
                pick(gap_label(x, t.kind)),
            )
        console.print(by)
        if t.laggards:
            shown = "、" if Lang.code != "en" else ", "
            first = shown.join(plain(report.names.get(c, c)) for c in t.laggards[:10])
            more = len(t.laggards) - 10
            tail = (
                pick((f" 等 {len(t.laggards)} 家", f" … {len(t.laggards)} in all"))
                if more > 0
                else ""
            )
            console.print(f"{pick(('尚未完成', 'not yet'))}: {first}{tail}")


def progress(
    key: str = CAMPAIGN,
    on: str | None = ON,
    at: str | None = AT,
) -> None:
    """集中行动进度：各目标完成率、差距、分区县情况 / a campaign's progress on a day."""
    day, moment = _when(on, at)
    report = run(lambda a: progress_of(a).report(key, on=day, at=moment))
    print_report(report)


def export(
    key: str = CAMPAIGN,
    out: Path = typer.Option(..., "--out", help="输出目录 / output directory"),
    on: str | None = ON,
    at: str | None = AT,
) -> None:
    """导出进度：XLSX（按区/按行业/明细）、PNG 图表、PDF/A 总结报告 / export the progress."""
    from application.campaign_exports import export_files

    day, moment = _when(on, at)
    report, rows = run(lambda a: progress_of(a).snapshot(key, on=day, at=moment))
    assert report is not None
    for path in export_files(report, rows, out):
        console.print(f"[green]✓[/] {path}")
    console.print(f"{report.campaign_key} · {report.on} · {report.at.isoformat()}")


def add_progress_commands(group: typer.Typer) -> None:
    """``progress`` and ``export`` on the ``campaign`` group."""
    group.command("progress")(progress)
    group.command("export")(export)


def campaign_group() -> typer.Typer:
    """A ``campaign`` group holding only these commands (before the group of
    ``interfaces.cli.campaign`` takes them)."""
    group = typer.Typer(help="集中行动 / target-rate campaigns", no_args_is_help=True)
    add_progress_commands(group)
    return group
