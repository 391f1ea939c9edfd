"""``unionflow contest notice|object|resolve|close-notice``: the public notice (公示) of a
round's ranking and its objections, straight to the ledger (registered on ``contest.app``).
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from application.contest_notice import ContestNotices
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.values import RoundView
from domain.objections import OBJECTION_STATUS_LABELS
from domain.text import LongText
from i18n import pick
from interfaces.cli._common import AS, COMMAND_ID, COMMENT, console, parse_date, run, typed
from interfaces.cli.contest import ENTRY, ROUND, _col, _print_ranking, _print_round, app
from interfaces.cli.render import Table, plain


def _notices(fn: Callable[[ContestNotices], RoundView]) -> RoundView:
    view: RoundView = run(lambda a: fn(ContestNotices(a.contests, a.calendar)))
    return view


def print_notice(r: RoundView) -> None:
    """The round, its notice's days, the objections (never the objector's contact) and the
    ranking as it stands."""
    _print_round(r)
    if r.notice is not None:
        closed = pick(("，已结束", ", closed")) if r.notice.closed else ""
        console.print(f"{pick(('公示期', 'notice'))}: {r.notice.starts} — {r.notice.ends}{closed}")
    if r.objections:
        table = Table(title=pick(("异议", "objections")))
        _col(
            table, ("编号", "no"), ("参评编号", "entry"), ("提出人", "by"),
            ("内容", "substance"), ("结论", "outcome"), ("理由", "findings"),
        )  # fmt: skip
        for o in r.objections:
            table.add_row(
                str(o.no),
                o.entry,
                pick(("匿名", "anonymous")) if o.anonymous else pick(("实名", "named")),
                plain(o.substance),
                pick(OBJECTION_STATUS_LABELS[o.status]),
                plain(o.findings),
            )
        console.print(table)
    if r.ranking is not None:
        _print_ranking(r.definition, r.ranking)


@app.command("notice")
def notice(
    round_key: str = ROUND,
    starts: str | None = typer.Option(None, "--starts", help="开始日 YYYY-MM-DD（默认今天）"),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """发布排名公示（按竞赛办法的工作日数） / post the ranking's public notice."""
    first = parse_date(starts) if starts else None
    print_notice(_notices(lambda n: n.post(actor, round_key, starts=first, command_id=command_id)))


@app.command("object")
def objection(
    round_key: str = ROUND,
    entry: str = ENTRY,
    substance: str = typer.Option(..., "--substance", callback=typed(LongText)),
    name: str = typer.Option("", "--name"),
    contact: str = typer.Option("", "--contact"),
    anonymous: bool = typer.Option(False, "--anonymous"),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """公示期内对参评对象提出异议（实名须留联系方式，或匿名） / object to an entry."""
    c = FileObjection(substance=substance, name=name, contact=contact, anonymous=anonymous)
    r = _notices(lambda n: n.file_objection(actor, round_key, entry, c, command_id=command_id))
    console.print(f"[green]✓[/] {pick(('异议已登记', 'objection recorded'))}: {len(r.objections)}")


@app.command("resolve")
def resolve(
    round_key: str = ROUND,
    no: int = typer.Argument(..., min=1, max=10_000),
    upheld: bool = typer.Option(False, "--upheld", help="异议成立（移出排名和奖项） / upheld"),
    findings: str = typer.Option(..., "--findings", callback=typed(LongText)),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """处理异议：成立则移出并重算排名，不成立说明理由 / resolve an objection."""
    c = ResolveObjection(no=no, upheld=upheld, findings=findings)
    print_notice(
        _notices(lambda n: n.resolve(actor, round_key, c, comment=comment, command_id=command_id))
    )


@app.command("close-notice")
def close_notice(
    round_key: str = ROUND, actor: str = AS, command_id: str | None = COMMAND_ID
) -> None:
    """公示期满且无待处理异议时结束公示，奖项确定 / close the notice: the awards stand."""
    print_notice(_notices(lambda n: n.close(actor, round_key, command_id=command_id)))
