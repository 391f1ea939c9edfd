"""``unionflow contest export``: the published ranking as XLSX, the notice as PDF/A with
its Chinese fonts embedded, the score distributions as PNG (``application.contest_exports``).
Registered on ``interfaces.cli.contest.app`` by importing this module (``root``)."""

from __future__ import annotations

from pathlib import Path

import typer

from domain.errors import InvalidInput
from interfaces.cli._common import console, fail
from interfaces.cli.contest import ROUND, _contests, app

EXPORTS = {"ranking": ".xlsx", "awards": ".xlsx", "notice": ".pdf", "chart": ".png"}


@app.command("export")
def export(
    round_key: str = ROUND,
    what: str = typer.Option(
        "notice",
        "--what",
        help="ranking（排名 XLSX）、awards（获奖 XLSX）、notice（公示 PDF）、chart（分项分布 PNG）",
    ),
    out: Path = typer.Option(..., "--out", help="输出文件 / output file"),
) -> None:
    """导出已发布的排名（XLSX、嵌入中文字体的 PDF/A、PNG 分布图） / export the ranking."""
    from application import contest_exports as x

    suffix = EXPORTS.get(what)
    if suffix is None or out.suffix.lower() != suffix:
        fail(
            InvalidInput(
                "--what 须为 ranking/awards（.xlsx）、notice（.pdf）或 chart（.png），且与输出文件后缀一致",
                "--what must be ranking/awards (.xlsx), notice (.pdf) or chart (.png), "
                "matching the output's suffix",
            )
        )
    found = _contests(lambda s: x.contest_notice(s, round_key))
    writers = {
        "ranking": x.ranking_xlsx,
        "awards": x.awards_xlsx,
        "notice": x.notice_pdf,
        "chart": lambda f: x.sections_png(f).png,
    }
    out.write_bytes(writers[what](found))
    console.print(f"[green]✓[/] {out} · {len(found.rows)} · {found.inputs_hash}")
