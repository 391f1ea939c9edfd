"""``unionflow contest``: contests as data (安康杯, skills contests, the "六好" assessment) on
the ledger: rounds, registration, self-assessment, judges with recusal, score sheets
(online, paper entered twice, or committed then revealed), the ranking and its recompute."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress

from application.contest_definitions import ContestDefinitions, read_definition
from application.contests import AssignReport, ContestService, OpenContestRound, Registration
from bootstrap import App
from domain.contest.definition import Conflict, ContestDefinition
from domain.contest.scoring import sheet_commitment
from domain.contest.values import (
    ENTRY_STATUS_LABELS,
    PHASE_LABELS,
    SHEET_STATUS_LABELS,
    EntryStatus,
    EntryView,
    Marks,
    Ranking,
    RoundView,
    SheetView,
)
from domain.errors import InvalidInput
from domain.text import Key, Name, ShortText
from i18n import Lang, pick
from interfaces.cli._common import (
    AS,
    COMMAND_ID,
    COMMENT,
    console,
    err,
    fail,
    load_yaml,
    parse_date,
    run,
    run_async,
    typed,
)
from interfaces.cli.render import Table, plain
from services.contests import ContestFacade
from settings import Settings

app = typer.Typer(
    help="竞赛评比（安康杯、技能竞赛、“六好”考核） / contests: Ankang Cup, skills, six-good",
    no_args_is_help=True,
)

ROUND = typer.Argument(..., callback=typed(Key), help="竞赛轮次编号 / round key")
ENTRY = typer.Argument(
    ...,
    callback=typed(Key),
    help="参评编号（轮次:参评者，匿名评审为 轮次:编码） / entry key (ROUND:CODE when blind)",
)
MARK = typer.Option([], "--mark", help="评分项=分值，可重复 / item=points, repeatable")
FILE = typer.Option(None, "--file", exists=True, readable=True, help="评分表 YAML（项: 分值）")


def _col(table: Table, *labels: tuple[str, str]) -> None:
    for zh, en in labels:
        table.add_column(en if Lang.code == "en" else zh)


def _contests(fn: Callable[[ContestService], Any]) -> Any:
    """Straight to the ledger (no Temporal server needed); refusals exit 2."""
    return run(lambda a: fn(a.contests))


def _app(fn: Callable[[App], Any]) -> Any:
    return run(fn)


WORKFLOW = typer.Option(
    False,
    "--workflow",
    help="经轮次工作流（需 Temporal 服务） / through the round's workflow (needs Temporal)",
)


def _round_step(
    workflow: bool,
    ledger: Callable[[ContestService], RoundView],
    update: Callable[[ContestFacade], Awaitable[RoundView]],
) -> RoundView:
    """A round step: straight to the ledger, or ``--workflow`` as the round workflow's
    update (the workflow reads the ledger, so either way the round stays one)."""
    if not workflow:
        view: RoundView = _contests(ledger)
        return view
    found: RoundView = run_async(lambda a, facades: update(facades.contests))
    return found


def _marks(file: Path | None, pairs: list[str]) -> Marks:
    """A sheet from a YAML mapping (item: points) and/or ``--mark item=points``."""
    raw: dict[str, Any] = {}
    if file is not None:
        loaded = load_yaml(file, "评分表")
        if not isinstance(loaded, dict):
            fail(
                InvalidInput(f"评分表 {file.name} 须为“项: 分值”的映射", f"{file.name}: a mapping")
            )
        raw.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(InvalidInput(f"评分格式应为 项=分值：{pair}", f"expected item=points: {pair}"))
        raw[key.strip()] = value.strip()
    if not raw:
        fail(InvalidInput("没有评分：用 --file 或 --mark", "no marks: give --file or --mark"))
    found: Marks = {}
    for key, value in raw.items():
        try:
            found[str(key)] = Decimal(str(value))
        except InvalidOperation:
            fail(InvalidInput(f"{key} 的分值不是数：{value}", f"{key}: not a number: {value}"))
    return found


def _print_round(r: RoundView) -> None:
    d = r.definition
    stage = d.stage(r.stage)
    console.print(
        f"[bold]{plain(r.title)}[/] ({r.key}) · {pick((d.zh, d.en))} · "
        f"{pick((stage.zh, stage.en)) if stage else r.stage} · {r.year} · "
        f"[cyan]{pick(PHASE_LABELS[r.phase])}[/]"
    )
    if r.ranking is not None:
        console.print(f"{pick(('排名输入摘要', 'inputs hash'))}: {r.ranking.inputs_hash}")


def _print_entry(e: EntryView) -> None:
    total = f" · {pick(('自评', 'self-score'))} {e.self_total}" if e.self_total is not None else ""
    console.print(
        f"[bold]{plain(e.name)}[/] ({e.key}) · {e.unit_org}{total} · "
        f"[cyan]{pick(ENTRY_STATUS_LABELS[e.status])}[/]"
    )
    for reason in e.admission:
        zh, _, en = reason.partition(" / ")
        console.print(f"  [red]✗[/] {plain(pick((zh, en or zh)))}")


def _print_sheet(s: SheetView) -> None:
    console.print(f"[green]✓[/] {s.key} · [cyan]{pick(SHEET_STATUS_LABELS[s.status])}[/]")


def _award_name(d: ContestDefinition, key: str) -> str:
    found = next((a for a in d.awards if a.key == key), None)
    return pick((found.zh, found.en)) if found else ""


def _print_ranking(d: ContestDefinition, ranking: Ranking) -> None:
    table = Table()
    _col(
        table,
        ("名次", "rank"),
        ("参评对象", "entrant"),
        ("得分", "score"),
        ("评委分", "judges"),
        ("自评", "self"),
        ("评分表", "sheets"),
        ("去掉", "dropped"),
        ("奖项", "award"),
        ("说明", "notes"),
    )
    for r in ranking.rows:
        notes = [
            pick((v.zh, v.en)) + f"（{v.rests_on.record} · {v.rests_on.event}）" for v in r.vetoes
        ]
        notes += (
            [pick(("低于分项最低分：", "under the minimum: ")) + "、".join(r.below_minimum)]
            if r.below_minimum
            else []
        )
        notes += [pick(tuple(r.note.split(" / ", 1)))] if r.note else []  # type: ignore[arg-type]
        notes += [pick(("晋级", "advances"))] if r.advances else []
        notes += (
            [pick(("已获同级称号不重复授予：", "title held: ")) + "、".join(r.held)]
            if r.held
            else []
        )
        notes += [pick(("异议成立移出：", "objection upheld: ")) + r.removed] if r.removed else []
        table.add_row(
            str(r.rank) if r.rank is not None else "—",
            plain(r.name),
            str(r.score) if r.score is not None else "—",
            str(r.committee or "—"),
            str(r.self_total or "—"),
            str(r.sheets),
            "、".join(r.dropped),
            _award_name(d, r.award),
            plain("；".join(notes)),
        )
    console.print(table)
    console.print(f"{pick(('输入摘要', 'inputs hash'))} (SHA-256): {ranking.inputs_hash}")


# -- definitions ---------------------------------------------------------------------------


@app.command("definitions")
def definitions() -> None:
    """竞赛办法（内置及自定义） / the contest definitions in force."""
    found = ContestDefinitions(Settings().contest_definition_dir)
    table = Table()
    _col(
        table,
        ("编号", "key"),
        ("名称", "title"),
        ("参评", "entrants"),
        ("分项", "sections"),
        ("满分", "points"),
        ("否决项", "vetoes"),
        ("评委/对象", "judges"),
        ("阶段", "stages"),
        ("奖项", "awards"),
    )
    for d in found.all():
        table.add_row(
            d.key,
            pick((d.zh, d.en)),
            d.entrant.value,
            str(len(d.table.sections)),
            str(d.table.points),
            str(len(d.vetoes)),
            str(d.judging.judges_per_entry),
            " → ".join(pick((s.zh, s.en)) for s in d.stages),
            "、".join(pick((a.zh, a.en)) for a in d.awards),
        )
    console.print(table)


@app.command("check")
def check(file: Path = typer.Argument(..., exists=True, readable=True)) -> None:
    """检查竞赛办法文件（出错时给出行号和原因） / check a definition file (line and reason)."""
    try:
        d = read_definition(file, Settings().import_limits)
    except InvalidInput as e:
        fail(e)
        raise
    console.print(f"[green]✓[/] {d.key} · {pick((d.zh, d.en))} · {d.table.points}")


# -- the organiser -------------------------------------------------------------------------


@app.command("open")
def open_round(
    round_key: str = typer.Option(..., "--round", callback=typed(Key)),
    title: str = typer.Option(..., "--title", callback=typed(ShortText)),
    definition: str = typer.Option(..., "--definition", callback=typed(Key)),
    stage: str = typer.Option(..., "--stage", callback=typed(Key), help="阶段 / stage key"),
    year: int = typer.Option(..., "--year", min=2000, max=2100),
    closes: str = typer.Option(..., "--close", help="报名截止日 / registration closes"),
    previous: str | None = typer.Option(None, "--previous", callback=typed(Key)),
    self_close: str | None = typer.Option(
        None, "--self-close", help="自评截止日（此后开始评审） / self-assessment closes"
    ),
    rank_on: str | None = typer.Option(None, "--rank-on", help="排名日 / the ranking day"),
    workflow: bool = typer.Option(
        False, "--workflow", help="并启动轮次工作流（需 Temporal） / and start its workflow"
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """发起竞赛轮次（组织单位工会干部）；--workflow 时由工作流按日期推进 / open a round (a
    cadre of the organiser); with --workflow its workflow runs it by its dates."""
    c = OpenContestRound(
        round_key=round_key,
        title=title,
        definition=definition,
        stage=stage,
        year=year,
        registration_closes=parse_date(closes, hint=True),
        previous_round=previous,
        self_assessment_closes=parse_date(self_close, hint=True) if self_close else None,
        ranks_on=parse_date(rank_on, hint=True) if rank_on else None,
    )
    _print_round(
        _round_step(
            workflow,
            lambda s: s.open_round(actor, c, comment=comment, command_id=command_id),
            lambda f: f.open_round(actor, c, comment=comment, command_id=command_id),
        )
    )


@app.command("close-registration")
def close_registration(
    round_key: str = ROUND,
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
    workflow: bool = WORKFLOW,
) -> None:
    """截止报名（可提前） / close registration (early, if need be)."""
    _print_round(
        _round_step(
            workflow,
            lambda s: s.close_registration(actor, round_key, command_id=command_id),
            lambda f: f.close_registration(actor, round_key, command_id=command_id),
        )
    )


@app.command("start-judging")
def start_judging(
    round_key: str = ROUND,
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
    workflow: bool = WORKFLOW,
) -> None:
    """截止自评，开始评审 / close self-assessment and start judging."""
    _print_round(
        _round_step(
            workflow,
            lambda s: s.start_judging(actor, round_key, command_id=command_id),
            lambda f: f.start_judging(actor, round_key, command_id=command_id),
        )
    )


@app.command("conflict")
def conflict(
    round_key: str = ROUND,
    judge: str = typer.Option(..., "--judge", callback=typed(Key)),
    entrant: str = typer.Option(..., "--entrant", callback=typed(Key), help="单位代码或个人编号"),
    reason: str = typer.Option(..., "--reason", callback=typed(ShortText)),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """登记评委回避（评委本人不能撤销） / record a conflict (a judge cannot remove it)."""
    c = Conflict(judge=judge, entrant=entrant, reason=reason)
    _print_round(
        _contests(lambda s: s.declare_conflict(actor, round_key, c, command_id=command_id))
    )


@app.command("judges")
def judges(
    round_key: str = ROUND,
    pool: str | None = typer.Option(
        None, "--pool", help="评委库（逗号分隔） / judge pool, comma-separated"
    ),
    entry: str | None = typer.Option(None, "--entry", callback=typed(Key)),
    judge: list[str] = typer.Option([], "--judge", help="指派的评委，可重复 / a judge, repeatable"),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """指派评委（本单位评委及回避名单上的评委不予指派） / assign judges (recusal applies)."""
    if entry is not None and judge:
        e = _contests(lambda s: s.assign_judges(actor, entry, judge, command_id=command_id))
        _print_entry(e)
        console.print(f"{pick(('评委', 'judges'))}: {'、'.join(e.judges)}")
        return
    if pool is None:
        fail(
            InvalidInput("用 --pool，或 --entry 加 --judge", "give --pool, or --entry with --judge")
        )
        return
    names = [p.strip() for p in pool.split(",") if p.strip()]
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(pick(("指派评委", "assigning judges")), total=None)

        def assign(s: ContestService) -> AssignReport:
            return s.assign_pool(
                actor, round_key, names, command_id=command_id,
                progress=lambda done, of: bar.update(task, completed=done, total=of),
            )  # fmt: skip

        report = _contests(assign)
    console.print(
        f"[green]✓[/] {pick(('已为', 'judges for'))} {report.entries} "
        f"{pick(('个参评对象指派评委', 'entries'))} · {report.assigned}"
    )
    table = Table(title=pick(("回避", "recusals")))
    _col(table, ("参评编号", "entry"), ("评委", "judge"), ("原因", "reason"))
    for e_key, j, why in report.recusals:
        zh, _, en = why.partition(" / ")
        table.add_row(e_key, j, plain(pick((zh, en or zh))))
    console.print(table)
    if report.short:
        console.print(
            f"[yellow]{pick(('评委不足', 'short of judges'))}[/]: {'、'.join(report.short[:20])}"
        )


# -- entrants ------------------------------------------------------------------------------


@app.command("register")
def register(
    round_key: str = ROUND,
    entrant: str = typer.Option(..., "--entrant", callback=typed(Key), help="单位代码或个人编号"),
    name: str | None = typer.Option(None, "--name", callback=typed(Name), help="个人姓名"),
    unit: str | None = typer.Option(None, "--unit", callback=typed(Key), help="个人所在单位"),
    category: str = typer.Option("", "--category"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """报名（本单位或组织单位工会干部） / register a unit or a person."""
    reg = Registration(entrant=entrant, name=name, unit_org=unit, category=category)
    _print_entry(
        _contests(
            lambda s: s.register(actor, round_key, reg, comment=comment, command_id=command_id)
        )
    )


@app.command("self-assess")
def self_assess(
    entry: str = ENTRY,
    file: Path | None = FILE,
    mark: list[str] = MARK,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """对照评分表自评（检查参评条件） / self-assess against the table (entry conditions)."""
    m = _marks(file, mark)
    _print_entry(
        _contests(lambda s: s.self_assess(actor, entry, m, comment=comment, command_id=command_id))
    )


# -- judges' sheets ------------------------------------------------------------------------


@app.command("assigned")
def assigned(round_key: str = ROUND, actor: str = AS) -> None:
    """评委：我的评审对象（匿名评审只显示编码） / a judge's entries (codes when blind)."""
    rows = _contests(lambda s: s.assigned(actor, round_key))
    table = Table()
    _col(table, ("参评编号", "entry"), ("编码", "code"), ("名称", "name"), ("评分表", "sheet"))
    for r in rows:
        sheet = pick(SHEET_STATUS_LABELS[r.sheet]) if r.sheet else pick(("未评分", "not scored"))
        table.add_row(r.entry, r.code, plain(r.name) or "—", sheet)
    console.print(table)


@app.command("score")
def score(
    entry: str = ENTRY,
    file: Path | None = FILE,
    mark: list[str] = MARK,
    paper_for: str | None = typer.Option(
        None,
        "--paper-for",
        callback=typed(Key),
        help="录入此评委的纸质评分表 / enter this judge's paper sheet",
    ),
    second: bool = typer.Option(False, "--second", help="二次录入 / the second entry"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """评分（评委本人；或工会干部录入纸质评分表） / score an entry (or enter a paper sheet)."""
    m = _marks(file, mark)
    if paper_for is None:
        sheet = _contests(
            lambda s: s.score(actor, entry, m, comment=comment, command_id=command_id)
        )
    elif second:
        sheet = _contests(
            lambda s: s.confirm_paper(
                actor, entry, paper_for, m, comment=comment, command_id=command_id
            )
        )
    else:
        sheet = _contests(
            lambda s: s.enter_paper(
                actor, entry, paper_for, m, comment=comment, command_id=command_id
            )
        )
    _print_sheet(sheet)


@app.command("commit")
def commit(
    entry: str = ENTRY,
    file: Path | None = FILE,
    mark: list[str] = MARK,
    nonce: str = typer.Option(..., "--nonce", callback=typed(ShortText), help="只有您知道的随机串"),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """提交评分摘要（只发送摘要，不发送分数） / commit the sheet's hash (the marks stay here)."""
    digest = sheet_commitment(_marks(file, mark), nonce)
    _print_sheet(_contests(lambda s: s.commit(actor, entry, digest, command_id=command_id)))
    console.print(f"{pick(('摘要', 'commitment'))}: {digest}")


@app.command("reveal")
def reveal(
    entry: str = ENTRY,
    file: Path | None = FILE,
    mark: list[str] = MARK,
    nonce: str = typer.Option(..., "--nonce", callback=typed(ShortText)),
    actor: str = AS,
    command_id: str | None = COMMAND_ID,
) -> None:
    """揭示评分（须与摘要一致） / reveal the marks (they must match the commitment)."""
    m = _marks(file, mark)
    _print_sheet(_contests(lambda s: s.reveal(actor, entry, m, nonce, command_id=command_id)))


# -- the ranking ---------------------------------------------------------------------------


@app.command("rank")
def rank_round(
    round_key: str = ROUND,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
    workflow: bool = WORKFLOW,
) -> None:
    """计算并发布排名（含输入摘要） / rank the round and record it with its inputs' hash."""
    r = _round_step(
        workflow,
        lambda s: s.rank(actor, round_key, comment=comment, command_id=command_id),
        lambda f: f.rank(actor, round_key, comment=comment, command_id=command_id),
    )
    _print_round(r)
    if r.ranking is not None:
        _print_ranking(r.definition, r.ranking)


@app.command("recompute")
def recompute(round_key: str = ROUND) -> None:
    """由账本中的原始评分表重算排名并核对 / recompute the ranking from the raw sheets."""
    r, again = _contests(lambda s: (s.round(round_key), s.recompute(round_key)))
    _print_ranking(r.definition, again.ranking)
    if not again.published_hash:
        console.print(pick(("尚未发布排名", "no ranking published yet")))
    elif again.matches:
        console.print(f"[green]✓[/] {pick(('与发布的排名一致', 'matches the published ranking'))}")
    else:
        console.print(
            f"[red]✗[/] {pick(('与发布的排名不一致', 'differs from the published ranking'))}: "
            f"{again.published_hash}"
        )
        raise typer.Exit(1)


@app.command("show")
def show(round_key: str = ROUND) -> None:
    """竞赛轮次概况：参评对象、自评、评审进度、排名 / a round's entries, progress, ranking."""

    def read(s: ContestService) -> tuple[RoundView, list[EntryView], list[Any]]:
        return s.round(round_key), s.entries(round_key), s.progress(round_key)

    r, entries, progress = _contests(read)
    _print_round(r)
    table = Table(title=pick(("参评对象", "entries")))
    _col(
        table,
        ("参评编号", "entry"),
        ("名称", "name"),
        ("单位", "unit"),
        ("自评", "self"),
        ("状态", "status"),
        ("评委", "judges"),
    )
    for e in entries:
        table.add_row(
            e.key,
            plain(e.name),
            e.unit_org,
            str(e.self_total or "—"),
            pick(ENTRY_STATUS_LABELS[e.status]),
            str(len(e.judges)),
        )
    console.print(table)
    waiting = [e for e in entries if e.status is EntryStatus.REGISTERED]
    if waiting and r.definition.entry.self_assessment:
        names = "、".join(plain(e.name) for e in waiting[:20])
        console.print(
            f"[yellow]{pick(('尚未自评', 'not yet self-assessed'))}[/] ({len(waiting)}): {names}"
        )
    if progress:
        board = Table(title=pick(("评审进度", "judging progress")))
        _col(board, ("评委", "judge"), ("指派", "assigned"), ("已评", "submitted"))
        for p in progress:
            board.add_row(p.judge, str(p.assigned), str(p.submitted))
        console.print(board)
    if r.ranking is not None:
        _print_ranking(r.definition, r.ranking)
