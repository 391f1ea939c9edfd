"""``unionflow audit``: verify the ledger, seal it, export the seal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.progress import Progress

from i18n import Lang, fmt, pick, t
from interfaces.cli._common import COMMENT, console, err, open_app, run

app = typer.Typer(help="审计 / audit: verify, seal, export", no_args_is_help=True)


@app.command("verify")
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
    seal = json.loads(against.read_text(encoding="utf-8")) if against else None
    key = bytes.fromhex(public_key) if public_key else None
    application = open_app()
    try:
        audit = application.audit()
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
        counted = fmt(
            (
                "事件 {e} 个 · 记录 {a} 个 · 封印 {s} 个 · 封印后新增事件 {u} 个",
                "events {e} · aggregates {a} · seals {s} · unsealed {u}",
            ),
            e=report.events_checked,
            a=report.aggregates_checked,
            s=report.seals_checked,
            u=report.unsealed_events,
        )
        console.print(f"[green]✓ {t('ledger_ok')}[/] {counted}")
    else:
        bad = report.first_bad
        console.print(f"[bold red]✗ {t('ledger_bad')}[/]")
        if bad is not None:
            reason = bad.reason_en if Lang.code == "en" else bad.reason_zh
            where = fmt(
                (
                    "记录 {id} · 第 {v} 版 · 通知号 {n}",
                    "aggregate {id} · version {v} · notification {n}",
                ),
                id=bad.aggregate_id,
                v=bad.version,
                n=bad.notification_id,
            )
            console.print(f"  {where}\n  {bad.reason_code}: {reason}")
    raise typer.Exit(0 if report.ok else 1)


@app.command("seal")
def audit_seal(comment: str = COMMENT) -> None:
    """为账本加签封印 / append a signed seal over the ledger."""
    seal = run(lambda a: a.audit().seal(comment))
    if seal is None:
        console.print(pick(("无新事件，无需封印", "nothing new to seal")))
    else:
        sealed = fmt(
            ("已封印至第 {n} 号事件 · 根哈希 {root}", "sealed up to #{n} · root {root}"),
            n=seal.to_notification_id,
            root=seal.merkle_root[:16],
        )
        console.print(f"[green]✓[/] {sealed}")


@app.command("export-seal")
def audit_export_seal(output: Path | None = typer.Option(None, "--output", "-o")) -> None:
    """导出最近的封印（保存在数据库之外） / export the last seal to keep elsewhere."""
    data = run(lambda a: a.audit().export_seal())
    if data is None:
        err.print("账本尚无封印 / no seal yet: run unionflow audit seal")
        raise typer.Exit(1)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"[green]✓[/] {output}")
    else:
        sys.stdout.write(text + "\n")
