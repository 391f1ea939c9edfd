"""``unionflow award``: award selection (劳动模范, 五一劳动奖章, 工人先锋号), two reviews and
three public notices, from the round's opening to the published list."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, Literal

import typer

from application.award_definitions import AwardDefinitions, read_definition
from domain.award.commands import (
    FileObjection,
    GiveClearance,
    NominationCommand,
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ResolveObjection,
    ReviewNomination,
    Submit,
    Withdraw,
)
from domain.award.definition import LEVEL_LABELS
from domain.award.permissions import COMMAND_LABELS, ROUND_LABELS
from domain.award.values import (
    NOMINATION_STAGE_LABELS,
    ROUND_STAGE_LABELS,
    NominationView,
    Nominee,
    RoundView,
)
from domain.errors import InvalidInput
from domain.text import Key, LongText, Name, ShortText
from i18n import Lang, pick
from interfaces.cli._common import (
    AS,
    COMMAND_ID,
    COMMENT,
    console,
    fail,
    load_model,
    parse_date,
    run,
    run_async,
    typed,
)
from interfaces.cli.render import Table, plain
from services.awards import AwardFacade
from settings import Settings

app = typer.Typer(
    help="评选表彰（两审三公示） / award selection: two reviews, three public notices",
    no_args_is_help=True,
)

ROUND = typer.Argument(..., callback=typed(Key), help="评选编号 / round key")
NOMINATION = typer.Argument(..., callback=typed(Key), help="推荐编号 / nomination key")


def _col(table: Table, *labels: tuple[str, str]) -> None:
    for zh, en in labels:
        table.add_column(en if Lang.code == "en" else zh)


def _print_round(view: RoundView) -> None:
    d = view.definition
    console.print(
        f"[bold]{plain(view.title)}[/] ({view.key}) · {pick((d.zh, d.en))} · "
        f"{pick(LEVEL_LABELS[d.level])} · [cyan]{pick(ROUND_STAGE_LABELS[view.stage])}[/]"
    )
    if view.notice is not None:
        console.print(
            f"{pick(('总工会公示', 'notice'))}: {view.notice.starts} – {view.notice.ends} · "
            f"{pick(('名单摘要', 'list hash'))} {view.notice.list_hash}"
        )
    if view.final_list:
        console.print(
            f"{pick(('最终名单', 'final list'))}: {len(view.final_list)} · {view.final_hash}"
        )


def _print_nomination(view: NominationView) -> None:
    n = view.nominee
    console.print(
        f"[bold]{plain(n.name)}[/] ({view.key}) · {n.unit_org} · {plain(n.post)} · "
        f"[cyan]{pick(NOMINATION_STAGE_LABELS[view.stage])}[/]"
    )
    if view.removed_reason:
        console.print(f"{pick(('取消原因', 'removed'))}: {plain(view.removed_reason)}")


def _step(fn: Callable[[AwardFacade], Coroutine[Any, Any, NominationView]], kind: str) -> None:
    """A nomination's step: straight to the ledger, no Temporal server needed."""
    view: NominationView = run(lambda a: asyncio.run(fn(a.facades().awards)))
    console.print(f"[green]✓[/] {pick(COMMAND_LABELS[kind])}")
    _print_nomination(view)


def _act(key: str, actor: str, command: NominationCommand, comment: str, cid: str | None) -> None:
    _step(lambda f: f.act(actor, key, command, comment=comment, command_id=cid), command.kind)


def _round_step(fn: Callable[[AwardFacade], Awaitable[RoundView]], kind: str) -> None:
    view = run_async(lambda a, facades: fn(facades.awards))
    console.print(f"[green]✓[/] {pick(ROUND_LABELS[kind])}")
    _print_round(view)


# -- definitions -----------------------------------------------------------------------------


@app.command("definitions")
def definitions() -> None:
    """评选办法（内置及自定义） / the award definitions in force."""
    found = AwardDefinitions(Settings().award_definition_dir)
    table = Table()
    _col(table, ("编号", "key"), ("名称", "title"), ("级别", "level"), ("名额", "places"),
         ("比例要求", "shares"), ("征求意见部门", "clearances"))  # fmt: skip
    for d in found.all():
        table.add_row(d.key, pick((d.zh, d.en)), pick(LEVEL_LABELS[d.level]), str(d.total_places),
                      str(len(d.shares)), str(len(d.clearances)))  # fmt: skip
    console.print(table)


@app.command("check")
def check(file: Path = typer.Argument(..., exists=True, readable=True)) -> None:
    """检查评选办法文件（出错时给出行号和原因） / check a definition file (line and reason)."""
    try:
        d = read_definition(file, Settings().import_limits)
    except InvalidInput as e:
        fail(e)
        raise
    console.print(f"[green]✓[/] {d.key} · {pick((d.zh, d.en))} · {d.total_places}")


# -- a round ------------------------------------------------------------------------------------


def _departments(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        key, sep, actor = pair.partition("=")
        if not sep or not key.strip() or not actor.strip():
            fail(InvalidInput(f"部门格式应为 key=人员编号：{pair}", f"expected key=actor: {pair}"))
        found[key.strip()] = actor.strip()
    return found


@app.command("open")
def open_round(
    round_key: str = typer.Option(..., "--round", callback=typed(Key)),
    title: str = typer.Option(..., "--title", callback=typed(ShortText)),
    definition: str = typer.Option(..., "--definition", callback=typed(Key)),
    closes: str = typer.Option(..., "--close", help="推荐截止日 / nominations close"),
    department: list[str] = typer.Option([], "--department", help="key=部门人员编号"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """发起评选（总工会干部） / open a selection round (a federation cadre)."""
    c = OpenRound(round_key=round_key, title=title, definition=definition,
                  nominations_close=parse_date(closes, hint=True),
                  departments=_departments(department))  # fmt: skip
    _round_step(lambda f: f.open_round(actor, c, comment=comment, command_id=command_id), "open")


@app.command("rounds")
def rounds() -> None:
    """全部评选 / every selection round."""
    views = run(lambda a: a.facades().awards.rounds())
    table = Table()
    _col(table, ("编号", "key"), ("名称", "title"), ("阶段", "stage"), ("推荐截止", "closes"))
    for r in views:
        table.add_row(
            r.key, plain(r.title), pick(ROUND_STAGE_LABELS[r.stage]), str(r.nominations_close)
        )
    console.print(table)


@app.command("show")
def show(round_key: str = ROUND) -> None:
    """评选概况：名额、比例、各阶段人数 / a round's places, proportions and stages."""
    board = run(lambda a: a.facades().awards.dashboard(round_key))
    _print_round(board.round)
    places = Table(title=pick(("名额", "places")))
    _col(places, ("推荐单位", "sub-union"), ("名额", "places"), ("已用", "used"), ("剩余", "left"))
    for p in board.places:
        places.add_row(p.sub_union, str(p.places), str(p.used), str(p.left))
    console.print(places)
    shares = Table(title=pick(("比例要求", "proportions")))
    _col(
        shares,
        ("要求", "rule"),
        ("要求比例", "bound"),
        ("现为", "now"),
        ("", ""),
        ("依据", "source"),
    )
    for s in board.shares:
        mark = ("✓" if s.holds else "✗") + ("" if s.hard else pick(("（提示）", " (advisory)")))
        shares.add_row(
            pick((s.zh, s.en)), s.bound, f"{s.count}/{s.total} {s.share}", mark, plain(s.source)
        )
    console.print(shares)
    stages = "  ".join(
        f"{pick(NOMINATION_STAGE_LABELS[k])} {v}" for k, v in _stage_counts(board.stages)
    )
    console.print(stages or pick(("尚无推荐", "no nominations yet")))


def _stage_counts(stages: dict[str, int]) -> list[tuple[Any, int]]:
    return [(k, stages[k.value]) for k in NOMINATION_STAGE_LABELS if k.value in stages]


@app.command("nominations")
def nominations(round_key: str = ROUND) -> None:
    """评选的全部推荐 / every nomination of a round."""
    views = run(lambda a: a.facades().awards.nominations(round_key))
    table = Table()
    _col(table, ("推荐编号", "key"), ("姓名/名称", "name"), ("单位", "unit"), ("类别", "category"),
         ("阶段", "stage"))  # fmt: skip
    for n in views:
        table.add_row(n.key, plain(n.nominee.name), n.nominee.unit_org, n.nominee.category,
                      pick(NOMINATION_STAGE_LABELS[n.stage]))  # fmt: skip
    console.print(table)


@app.command("notice")
def notice(
    round_key: str = ROUND,
    starts: str = typer.Option("today", "--starts"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """开始总工会公示（复审通过的名单，提交名单摘要） / start the federation's notice."""
    day = parse_date(starts, hint=True)
    _round_step(
        lambda f: f.start_notice(actor, round_key, day, comment=comment, command_id=command_id),
        "start_notice",
    )


@app.command("committee")
def committee(
    round_key: str = ROUND,
    poll: str = typer.Option(..., "--poll", callback=typed(Key), help="评审委员会选举表决编号"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记评审委员会表决并确定名单 / record the committee's poll and approve the list."""
    _round_step(
        lambda f: f.record_committee(
            actor, round_key, poll, comment=comment, command_id=command_id
        ),
        "record_committee",
    )


@app.command("publish")
def publish(
    round_key: str = ROUND,
    channel: str = typer.Option(..., "--channel", callback=typed(ShortText)),
    decision: str = typer.Option(..., "--decision", callback=typed(Name), help="表彰决定文号"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """发布表彰名单 / publish the approved list."""
    _round_step(
        lambda f: f.publish(
            actor, round_key, channel, decision, comment=comment, command_id=command_id
        ),
        "publish",
    )


# -- a nomination -------------------------------------------------------------------------------


@app.command("nominate")
def nominate(
    round_key: str = ROUND,
    file: Path = typer.Option(..., "--file", exists=True, readable=True, help="候选人 YAML"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """推荐候选人（本单位工会干部） / nominate (a cadre of the unit)."""
    nominee = load_model(file, Nominee, "候选人")
    _step(
        lambda f: f.nominate(actor, round_key, nominee, comment=comment, command_id=command_id),
        "nominate",
    )


@app.command("agree")
def agree(key: str = NOMINATION, record: str = typer.Option(..., "--record", callback=typed(ShortText)),
          actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID) -> None:  # fmt: skip
    """登记党政工联席会议意见 / record the joint agreement."""
    _act(key, actor, RecordJointAgreement(record=record), comment, command_id)


@app.command("congress-approval")
def congress_approval(key: str = NOMINATION, poll: str = typer.Option(..., "--poll", callback=typed(Key)),
                      actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID) -> None:  # fmt: skip
    """登记本单位职代会表决通过（核对表决结果） / record the congress poll that approved."""
    _act(key, actor, RecordCongressApproval(poll=poll), comment, command_id)


@app.command("unit-notice")
def unit_notice(key: str = NOMINATION, starts: str = typer.Option("today", "--starts"),
                actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID) -> None:  # fmt: skip
    """在本单位公示（按法定工作日计算期满日） / post the unit notice."""
    _act(key, actor, PostUnitNotice(starts=parse_date(starts, hint=True)), comment, command_id)


@app.command("submit")
def submit(key: str = NOMINATION, actor: str = AS, comment: str = COMMENT,
           command_id: str | None = COMMAND_ID) -> None:  # fmt: skip
    """报送推荐（核对名额、推荐条件、已获荣誉） / submit (places, disqualifiers, honours)."""
    _act(key, actor, Submit(), comment, command_id)


@app.command("withdraw")
def withdraw(key: str = NOMINATION, reason: str = typer.Option(..., "--reason", callback=typed(ShortText)),
             actor: str = AS, comment: str = COMMENT, command_id: str | None = COMMAND_ID) -> None:  # fmt: skip
    """撤回推荐（须说明理由） / withdraw the nomination, with reasons."""
    _act(key, actor, Withdraw(reason=reason), comment, command_id)


@app.command("review")
def review(
    key: str = NOMINATION,
    second: bool = typer.Option(False, "--second", help="复审（默认初审） / the second review"),
    reject: bool = typer.Option(False, "--reject", help="不通过 / do not pass"),
    opinion: str = typer.Option(..., "--opinion", callback=typed(ShortText)),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """初审或复审 / the first or second review."""
    kind = "second_review" if second else "first_review"
    _act(
        key,
        actor,
        ReviewNomination(kind=kind, passed=not reject, opinion=opinion),
        comment,
        command_id,
    )


@app.command("clearance")
def clearance(
    key: str = NOMINATION,
    item: str = typer.Option(..., "--key", callback=typed(Key), help="征求意见项 / clearance key"),
    negative: bool = typer.Option(False, "--negative", help="有问题 / negative"),
    opinion: str = typer.Option("", "--opinion"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """出具部门意见 / give a department's clearance."""
    _act(
        key,
        actor,
        GiveClearance(key=item, clear=not negative, opinion=opinion),
        comment,
        command_id,
    )


@app.command("object")
def objection(
    key: str = NOMINATION,
    substance: str = typer.Option(..., "--substance", callback=typed(LongText)),
    name: str = typer.Option("", "--name"),
    contact: str = typer.Option("", "--contact"),
    anonymous: bool = typer.Option(False, "--anonymous"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """公示期内提出异议（实名须留联系方式） / file an objection during a notice."""
    command = FileObjection(substance=substance, name=name, contact=contact, anonymous=anonymous)
    _act(key, actor, command, comment, command_id)


@app.command("resolve")
def resolve(
    key: str = NOMINATION,
    no: int = typer.Argument(..., min=1, max=10_000),
    upheld: bool = typer.Option(False, "--upheld", help="异议属实（取消推荐） / upheld"),
    findings: str = typer.Option(..., "--findings", callback=typed(LongText)),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """调查处理异议 / resolve an objection (upheld removes the nominee)."""
    _act(key, actor, ResolveObjection(no=no, upheld=upheld, findings=findings), comment, command_id)


@app.command("what-if")
def what_if(key: str = NOMINATION, remove: bool = typer.Option(False, "--remove")) -> None:
    """批准或取消此人对比例的影响 / what keeping or removing this nominee does."""
    changes = run(lambda a: a.facades().awards.what_if(key, remove=remove))
    table = Table()
    _col(
        table,
        ("要求", "rule"),
        ("要求比例", "bound"),
        ("之前", "before"),
        ("之后", "after"),
        ("", ""),
    )
    for c in changes:
        note = (
            pick(("将不符合", "breaks"))
            if c.breaks
            else pick(("将符合", "mends"))
            if c.mends
            else ""
        )
        table.add_row(pick((c.after.zh, c.after.en)), c.after.bound,
                      f"{c.before.count}/{c.before.total} {c.before.share}",
                      f"{c.after.count}/{c.after.total} {c.after.share}", note)  # fmt: skip
    console.print(table)


@app.command("export")
def export(
    round_key: str = ROUND,
    which: str = typer.Option("notice", "--which", help="notice（公示名单）或 final（表彰名单）"),
    out: Path = typer.Option(..., "--out", help="输出文件：.xlsx 或 .pdf / output file"),
) -> None:
    """导出公示名单或表彰名单（XLSX，或嵌入中文字体的 PDF/A） / export a list."""
    from application.award_exports import as_pdf, as_xlsx, award_list

    kind = _which(which)
    found = run(lambda a: award_list(a.awards, round_key, kind))
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        fail(InvalidInput("输出文件须为 .xlsx 或 .pdf", "the output must be .xlsx or .pdf"))
    data = as_xlsx(found) if out.suffix.lower() == ".xlsx" else as_pdf(found)
    out.write_bytes(data)
    console.print(f"[green]✓[/] {out} · {len(found.rows)} · {found.committed_hash}")


@app.command("verify-list")
def verify_list(
    round_key: str = ROUND,
    which: str = typer.Option("notice", "--which", help="notice 或 final"),
) -> None:
    """核对名单与账本中的摘要是否一致 / recompute a list's hash and compare with the ledger."""
    from application.award_exports import award_list

    found = run(lambda a: award_list(a.awards, round_key, _which(which)))
    if not found.matches:
        fail(
            InvalidInput(
                f"名单与账本记录的摘要不一致：记录 {found.committed_hash}，重算 {found.computed_hash}",
                f"the list does not match: recorded {found.committed_hash}, "
                f"recomputed {found.computed_hash}",
            )
        )
    console.print(
        f"[green]✓[/] {pick(('名单与账本一致', 'the list matches the ledger'))}: {found.committed_hash}"
    )


def _which(value: str) -> Literal["notice", "final"]:
    if value not in ("notice", "final"):
        fail(InvalidInput("--which 应为 notice 或 final", "--which must be notice or final"))
    return "notice" if value == "notice" else "final"
