"""``unionflow safety``: accidents and inspections of a unit as ledger facts, which
contests' vetoes and awards' disqualifiers rest on."""

from __future__ import annotations

import typer

from domain.contest.definition import SEVERITY_LABELS, Severity
from domain.safety import AccidentReport, InspectionReport
from domain.text import Key, LongText, Name, ShortText
from i18n import Lang, pick
from interfaces.cli._common import AS, COMMAND_ID, COMMENT, console, parse_date, run, typed
from interfaces.cli.render import Table, plain

app = typer.Typer(help="安全生产记录 / safety records of units", no_args_is_help=True)

UNIT = typer.Option(..., "--unit", callback=typed(Key), help="单位代码 / the unit's org code")


@app.command("accident")
def accident(
    unit: str = UNIT,
    on: str = typer.Option(..., "--on", help="事故日期 / date"),
    severity: Severity = typer.Option(..., "--severity", help="fatal / serious / minor"),
    description: str = typer.Option(..., "--description", callback=typed(LongText)),
    casualties: int = typer.Option(0, "--casualties", min=0, max=10_000),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """记录生产安全事故（本单位或上级的工会干部、部门） / record an accident."""
    report = AccidentReport(
        unit_org=unit,
        on=parse_date(on, hint=True),
        severity=severity,
        description=description,
        casualties=casualties,
    )
    a = run(
        lambda app_: app_.safety.record_accident(
            actor, report, comment=comment, command_id=command_id
        )
    )
    console.print(
        f"[green]✓[/] {unit} · {a.on} · {pick(SEVERITY_LABELS[a.severity])} · "
        f"SafetyRecord.AccidentRecorded v{a.no}"
    )


@app.command("inspection")
def inspection(
    unit: str = UNIT,
    on: str = typer.Option(..., "--on", help="检查日期 / date"),
    inspector: str = typer.Option(..., "--inspector", callback=typed(Name)),
    hazards: int = typer.Option(0, "--hazards", min=0, max=10_000),
    findings: str = typer.Option(..., "--findings", callback=typed(ShortText)),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """记录安全检查（发现的隐患） / record a safety inspection."""
    report = InspectionReport(
        unit_org=unit,
        on=parse_date(on, hint=True),
        inspector=inspector,
        hazards=hazards,
        findings=findings,
    )
    i = run(
        lambda app_: app_.safety.record_inspection(
            actor, report, comment=comment, command_id=command_id
        )
    )
    console.print(f"[green]✓[/] {unit} · {i.on} · {plain(i.inspector)} · {i.hazards}")


@app.command("show")
def show(unit: str = typer.Argument(..., callback=typed(Key))) -> None:
    """单位的安全生产记录 / a unit's accidents and inspections."""
    accidents, inspections = run(lambda a: (a.safety.accidents(unit), a.safety.inspections(unit)))
    table = Table(title=pick(("事故", "accidents")))
    for zh, en in (
        ("日期", "date"),
        ("严重程度", "severity"),
        ("说明", "description"),
        ("事件", "event"),
    ):
        table.add_column(en if Lang.code == "en" else zh)
    for a in accidents:
        table.add_row(
            str(a.on),
            pick(SEVERITY_LABELS[a.severity]),
            plain(a.description),
            f"SafetyRecord.AccidentRecorded v{a.no}",
        )
    console.print(table)
    checks = Table(title=pick(("安全检查", "inspections")))
    for zh, en in (
        ("日期", "date"),
        ("检查人", "inspector"),
        ("隐患", "hazards"),
        ("结论", "findings"),
    ):
        checks.add_column(en if Lang.code == "en" else zh)
    for i in inspections:
        checks.add_row(str(i.on), plain(i.inspector), str(i.hazards), plain(i.findings))
    console.print(checks)
