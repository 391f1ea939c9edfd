"""``unionflow audit``: verify the ledger against the witness, seal it, export the seal and
the witness."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.progress import Progress

from domain.errors import InvalidInput, InvalidState
from i18n import Lang, fmt, pick, t
from interfaces.cli._common import (
    COMMENT,
    OPERATOR,
    console,
    err,
    fail,
    open_app,
    operator_acting,
    run,
)
from ledger.seal import SealView

app = typer.Typer(help="审计 / audit: verify, seal, export", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    against: Path | None = typer.Option(
        None, "--against", exists=True, help="先前导出的封印 / a seal exported earlier"
    ),
    public_key: str | None = typer.Option(
        None, "--public-key", help="可信的封印公钥（hex） / trusted seal key"
    ),
    witness: Path | None = typer.Option(
        None,
        "--witness",
        exists=True,
        help="另一见证（目录或导出的见证文件） / another witness: a directory or an exported file",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """对照见证校验整个账本（哈希链与封印） / verify the whole ledger against the witness: exit 0 when intact."""
    seal = _exported_seal(against) if against else None
    if witness is not None and witness.is_file():
        _read_witness_file(witness)
    elif witness is not None and not (witness / "seals.jsonl").is_file():
        fail(
            InvalidInput(
                f"{witness} 不是见证目录（其中没有 seals.jsonl）",
                f"{witness} is not a witness directory (it holds no seals.jsonl)",
            )
        )
    key = _public_key(public_key) if public_key is not None else None
    application = open_app()
    try:
        audit = application.audit()
        total = application.ledger.max_notification_id()
        with Progress(console=err, transient=True, disable=as_json or total < 2000) as progress:
            task = progress.add_task("verify", total=total or None)
            report = audit.verify(
                against=seal,
                trusted_public_key=key,
                witness_path=witness,
                progress=lambda done, of: progress.update(task, completed=done, total=of or None),
            )
    finally:
        application.close()
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    elif report.ok:
        counted = fmt(
            (
                "事件 {e} 个 · 记录 {a} 个 · 封印 {s} 个（见证 {w} 个） · 未被见证封印覆盖的事件 {u} 个",
                "events {e} · aggregates {a} · seals {s} ({w} witnessed) · not covered by a witnessed seal {u}",
            ),
            e=report.events_checked,
            a=report.aggregates_checked,
            s=report.seals_checked,
            w=report.witnessed_seals,
            u=report.unwitnessed_events,
        )
        console.print(f"[green]✓ {t('ledger_ok')}[/] {counted}")
        if report.witnessed_seals == 0 and report.seals_checked > 0:
            console.print(
                "[yellow]"
                + pick(
                    (
                        "注意：见证中没有封印，账本中的封印未经见证（下一次 unionflow audit seal 会见证它们）",
                        "note: the witness holds no seal, so the ledger's seals are not anchored "
                        "outside it (the next unionflow audit seal witnesses them)",
                    )
                )
                + "[/]"
            )
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


def _exported_seal(path: Path) -> dict[str, Any]:
    """A seal file as ``export-seal`` wrote it; anything else is refused, never trusted."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        SealView.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as e:
        fail(
            InvalidInput(
                f"{path} 不是导出的封印文件（unionflow audit export-seal）：{e}",
                f"{path} is not a seal exported by unionflow audit export-seal: {e}",
            )
        )
        raise
    return dict(data)


def _public_key(text: str) -> bytes:
    """A raw Ed25519 public key in hex (the ``public_key`` of an exported seal)."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        fail(
            InvalidInput(
                f"公钥应为 64 位十六进制（导出封印中的 public_key）：{text[:80]!r}",
                f"a public key is 64 hex digits (an exported seal's public_key): {text[:80]!r}",
            )
        )
    return key


def _read_witness_file(path: Path) -> str:
    """A witness file as ``export-witness`` wrote it; anything else is refused."""
    from ledger.witness import parse_seals

    try:
        text = path.read_text(encoding="utf-8")
        if not parse_seals(text):
            raise InvalidInput("见证文件中没有封印", "the witness file holds no seal")
    except (OSError, UnicodeDecodeError) as e:
        fail(InvalidInput(f"无法读取见证文件 {path}：{e}", f"cannot read witness file {path}: {e}"))
        raise
    except InvalidInput as e:
        fail(
            InvalidInput(
                f"{path} 不是导出的见证文件（unionflow audit export-witness）：{e.message_zh}",
                f"{path} is not a witness exported by unionflow audit export-witness: {e.message_en}",
            )
        )
        raise
    return text


@app.command("seal")
def audit_seal(comment: str = COMMENT, actor: str | None = OPERATOR) -> None:
    """为账本加签封印（须由运维管理员） / append a signed seal over the ledger (an operator)."""
    seal = run(lambda a: a.audit().seal(comment, acting=operator_acting(a, actor)))
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
        fail(
            InvalidState(
                "账本尚无封印：先运行 unionflow audit seal", "no seal yet: run unionflow audit seal"
            )
        )
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as e:
            fail(InvalidInput(f"无法写入 {output}：{e}", f"cannot write {output}: {e}"))
        console.print(f"[green]✓[/] {output}")
    else:
        sys.stdout.write(text + "\n")


@app.command("export-witness")
def audit_export_witness(output: Path | None = typer.Option(None, "--output", "-o")) -> None:
    """导出见证的全部封印（交上级工会保存） / export the witnessed seals for a higher union to keep."""
    text = run(lambda a: a.audit().export_witness())
    if not text:
        fail(
            InvalidState(
                "见证中尚无封印：先运行 unionflow audit seal",
                "the witness holds no seal yet: run unionflow audit seal",
            )
        )
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            fail(InvalidInput(f"无法写入 {output}：{e}", f"cannot write {output}: {e}"))
        console.print(f"[green]✓[/] {output}")
    else:
        sys.stdout.write(text)


@app.command("import-witness")
def audit_import_witness(
    source: Path = typer.Argument(..., exists=True, help="导出的见证文件 / an exported witness"),
) -> None:
    """将别处保存的见证并入本见证 / add the seals of a witness kept elsewhere to this one."""
    text = _read_witness_file(source)
    added = run(lambda a: a.audit().import_witness(text))
    console.print(
        "[green]✓[/] " + fmt(("新增见证封印 {n} 个", "{n} witnessed seals added"), n=added)
    )
