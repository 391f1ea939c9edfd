"""``unionflow campaign``: target-rate campaigns (集中行动) — the shipped definitions, opening a
campaign, importing its units, and each unit's reports and their review by the district
union. Every act goes straight to the ledger (no Temporal server needed); the campaign's
clock (periods, reminders, the final report) is its workflow's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import typer

from application.campaign_definitions import CampaignDefinitions
from application.campaign_population import FIELD_LABELS, PopulationImportError
from application.campaigns import CampaignLedger
from application.command_meta import command_meta
from bootstrap import App
from domain.actors import CommandMeta, Role
from domain.campaign.definition import CampaignDefinition, Source
from domain.campaign.values import PHASE_LABELS, REPORT_LABELS, CampaignView, UnitView
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import Key, OptionalLongText, ShortText
from i18n import Lang, pick, t
from interfaces.cli._common import (
    AS,
    COMMAND_ID,
    COMMENT,
    console,
    err,
    fail,
    open_app,
    parse_date,
    run,
    typed,
)
from interfaces.cli.render import Table, plain

T = TypeVar("T")

app = typer.Typer(
    help="集中行动（目标达标率） / target-rate campaigns over many units",
    no_args_is_help=True,
)

CAMPAIGN = typer.Argument(..., callback=typed(Key), help="集中行动编号 / campaign key")
UNIT = typer.Argument(..., callback=typed(Key), help="单位编号 / unit code")
INDICATOR = typer.Option(
    None, "--indicator", callback=typed(Key), help="指标（默认：唯一的填报指标） / indicator"
)
PERIOD = typer.Option(
    None, "--period", callback=typed(Key), help="填报期（默认：最近开始的） / period"
)


def _col(table: Table, *labels: tuple[str, str]) -> None:
    for zh, en in labels:
        table.add_column(en if Lang.code == "en" else zh)


def _meta(a: App, actor: str, role: Role, operation: object, comment: str,
          command_id: str | None) -> CommandMeta:  # fmt: skip
    acting = a.directory.acting(actor, role)
    return command_meta("campaign", acting, operation, comment, command_id, datetime.now(UTC))


def _reviewer_role(a: App, actor: str) -> Role:
    """A district union's reviewer acts as one; its cadre as a cadre."""
    roles = a.directory.actor(actor).spec.roles
    return Role.REVIEWER if Role.REVIEWER in roles else Role.CADRE


def _org_names(a: App) -> Callable[[str], str]:
    found: dict[str, str] = {}

    def name(code: str) -> str:
        if code not in found:
            try:
                spec = a.directory.organisation(code).spec
                found[code] = spec.name_en if Lang.code == "en" and spec.name_en else spec.name
            except NotFound:
                found[code] = code
        return found[code]

    return name


def _indicator(d: CampaignDefinition, given: str | None) -> str:
    if given is not None:
        return given
    reported = [i.key for i in d.indicators if i.source is not Source.FACT]
    if len(reported) != 1:
        raise InvalidInput(
            f"请用 --indicator 指明指标（{', '.join(reported)}）",
            f"name the indicator with --indicator ({', '.join(reported)})",
        )
    return reported[0]


def _period(c: CampaignView, given: str | None) -> str:
    if given is not None:
        return given
    if not c.periods_opened:
        raise InvalidInput(
            "尚无已开始的填报期：请用 --period 指明", "no period is open: use --period"
        )
    return c.periods_opened[-1]


def _print_campaign(c: CampaignView, org_name: Callable[[str], str]) -> None:
    console.print(
        f"[bold]{plain(pick(c.title))}[/] ({c.key}) · {plain(org_name(c.organiser_org))} · "
        f"[cyan]{pick(PHASE_LABELS[c.phase])}[/]"
    )
    for target in c.definition.targets:
        console.print(f"  {pick(('目标', 'target'))}: {plain(pick(target.label))} · {target.by}")


def _print_unit(c: CampaignView, u: UnitView, org_name: Callable[[str], str]) -> None:
    status = pick(("参加中", "in")) if u.member else pick(("已退出", "left"))
    console.print(
        f"[bold]{plain(u.name)}[/] ({u.code}) · {plain(u.district)} · {plain(u.industry)} · "
        f"{pick(('审核单位', 'reviewed by'))} {plain(org_name(u.district_org))} · {status}"
    )
    for r in u.reports.values():
        label = pick(c.definition.indicator(r.indicator).label)
        line = f"  {r.period} · {plain(label)} = {r.value} · {pick(REPORT_LABELS[r.status])}"
        if r.reasons:
            line += f" · {plain(r.reasons)}"
        console.print(line)


def _unit_act(key: str, act: Callable[[App, CampaignLedger, CampaignView], UnitView],
              done: tuple[str, str]) -> None:  # fmt: skip
    def go(a: App) -> None:
        c = a.campaigns.view(key)
        u = act(a, a.campaigns, c)
        console.print(f"[green]✓[/] {pick(done)}")
        _print_unit(a.campaigns.view(key), u, _org_names(a))

    run(go)


# -- definitions and campaigns ----------------------------------------------------------------


@app.command("definitions")
def definitions() -> None:
    """集中行动方案（内置） / the campaign definitions shipped."""
    table = Table()
    _col(table, ("编号", "key"), ("名称", "title"), ("年度", "year"), ("目标", "targets"),
         ("填报期", "periods"))  # fmt: skip
    for d in CampaignDefinitions().all():
        targets = pick(("；", "; ")).join(pick(t.label) for t in d.targets)
        periods = ", ".join(f"{p.key} {p.starts}–{p.due}" for p in d.timeline.periods)
        table.add_row(d.key, pick(d.title), str(d.year), targets, periods)
    console.print(table)


@app.command("open")
def open_campaign(
    definition: str = typer.Argument(..., callback=typed(Key), help="方案编号 / definition key"),
    organiser: str = typer.Option(..., "--organiser", callback=typed(Key), help="组织单位"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """启动集中行动（组织单位工会干部） / open a campaign (a cadre of the organiser)."""

    def go(a: App) -> None:
        m = _meta(a, actor, Role.CADRE, ["open", definition, organiser], comment, command_id)
        c = a.campaigns.open(definition, organiser, m)
        console.print(f"[green]✓[/] {pick(('已启动集中行动', 'campaign opened'))}")
        _print_campaign(c, _org_names(a))

    run(go)


@app.command("list")
def campaigns() -> None:
    """全部集中行动 / every campaign."""

    def go(a: App) -> None:
        name = _org_names(a)
        table = Table()
        _col(table, ("名称", "title"), ("编号", "key"), ("组织单位", "organiser"),
             ("阶段", "phase"), ("单位数", "units"))  # fmt: skip
        for c in a.campaigns.campaigns():
            table.add_row(pick(c.title), c.key, name(c.organiser_org),
                          pick(PHASE_LABELS[c.phase]), str(len(a.campaigns.units(c.key))))  # fmt: skip
        console.print(table)

    run(go)


@app.command("import")
def import_units(
    key: str = CAMPAIGN,
    file: Path | None = typer.Argument(
        None, exists=True, readable=True, help="CSV 或 XLSX / CSV or XLSX"
    ),
    from_directory: bool = typer.Option(
        False,
        "--from-directory",
        help="从名录导入组织单位下的全部基层工会 / every grassroots union under the organiser",
    ),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """导入参加单位（有错误行则全部不导入；重复导入不改变已有单位） / import units, all
    rows or none (a re-import leaves units already in as they are)."""
    if (file is None) == (not from_directory):
        fail(
            InvalidInput(
                "请给出单位名单文件，或用 --from-directory（二者选一）",
                "give a unit list file or --from-directory (one of them)",
            )
        )
    application = open_app()
    try:
        source = file.name if file is not None else "directory"
        m = _meta(application, actor, Role.CADRE, ["import", key, source], comment, command_id)
        if file is not None:
            done = application.campaigns.import_units(key, file, m)
        else:
            done = application.campaigns.import_directory(key, m)
    except PopulationImportError as e:
        err.print(
            f"[bold red]{t('refused')}[/]: {pick(('单位名单未导入', 'no unit was imported'))}"
        )
        table = Table()
        _col(table, ("行", "line"), ("列", "column"), ("问题", "problem"))
        for row in e.row_errors:
            column = row.field if Lang.code == "en" else FIELD_LABELS.get(row.field, row.field)
            table.add_row(str(row.row), column, row.text(Lang.code))
        err.print(table)
        raise typer.Exit(2) from None
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()
    console.print(
        f"[green]✓[/] {pick(('已导入', 'imported'))} {done.source}: "
        f"{pick(('新加入', 'joined'))} {done.joined} · {pick(('未变', 'unchanged'))} "
        f"{done.unchanged} · {pick(('不在对象范围', 'outside the population'))} "
        f"{done.outside_population} · {pick(('共', 'total'))} {done.total}"
    )


@app.command("units")
def units(
    key: str = CAMPAIGN,
    district: str | None = typer.Option(None, "--district", callback=typed(ShortText)),
    industry: str | None = typer.Option(None, "--industry", callback=typed(ShortText)),
    after: str = typer.Option("", "--after", help="从此编号之后 / codes after this one"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
) -> None:
    """参加单位及其填报情况 / the campaign's units and their reports."""

    def go(a: App) -> None:
        c = a.campaigns.view(key)
        found = a.campaigns.units(key, district=district, industry=industry)
        shown = [u for u in found if u.code > after][:limit]
        name = _org_names(a)
        table = Table(title=f"{pick(c.title)} · {len(shown)}/{len(found)}")
        _col(table, ("单位", "unit"), ("区县", "district"), ("行业", "industry"),
             ("审核单位", "reviewed by"), ("状态", "status"), ("填报", "reports"),
             ("提醒", "reminders"), ("编号", "code"))  # fmt: skip
        for u in shown:
            reports = pick(("；", "; ")).join(
                f"{r.period} {pick(REPORT_LABELS[r.status])}" for r in u.reports.values()
            )
            status = pick(("参加中", "in")) if u.member else pick(("已退出", "left"))
            reminded = " ".join(f"{p}×{n}" for p, n in u.reminders.items())
            table.add_row(u.name, u.district, u.industry, name(u.district_org), status,
                          reports or "—", reminded or "—", u.code)  # fmt: skip
        console.print(table)

    run(go)


@app.command("unit")
def unit(key: str = CAMPAIGN, code: str = UNIT) -> None:
    """一个单位：参加情况和各期填报 / one unit: membership and its reports."""

    def go(a: App) -> None:
        _print_unit(a.campaigns.view(key), a.campaigns.unit(key, code), _org_names(a))

    run(go)


@app.command("reviews")
def reviews(actor: str = AS) -> None:
    """本单位待审核的填报（区县工会） / the reports waiting for your union's review."""

    def go(a: App) -> None:
        org = a.directory.actor(actor).spec.org
        found = a.campaigns.pending_reviews(org)
        table = Table(title=f"{a.directory.organisation(org).spec.name} · {len(found)}")
        _col(table, ("集中行动", "campaign"), ("单位", "unit"), ("填报期", "period"),
             ("指标", "indicator"), ("数值", "value"), ("佐证", "evidence"),
             ("填报人", "by"), ("单位编号", "code"))  # fmt: skip
        people: dict[str, str] = {}
        for p in found:
            if p.submitted_by not in people:
                people[p.submitted_by] = a.directory.actor(p.submitted_by).spec.name
            table.add_row(pick(p.campaign_title), p.name, p.period, pick(p.indicator_label),
                          str(p.value), p.evidence or "—", people[p.submitted_by], p.code)  # fmt: skip
        console.print(table)

    run(go)


# -- a unit's acts ---------------------------------------------------------------------------


@app.command("report")
def report(
    key: str = CAMPAIGN,
    code: str = UNIT,
    value: int = typer.Option(1, "--value", min=0, help="是否类填 1/0，数量类填数量"),
    evidence: str = typer.Option(
        "", "--evidence", callback=typed(OptionalLongText), help="佐证材料 / evidence"
    ),
    note: str = typer.Option("", "--note", callback=typed(OptionalLongText)),
    indicator: str | None = INDICATOR,
    period: str | None = PERIOD,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """填报指标（本单位工会干部） / report an indicator (a cadre of the unit)."""

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        ind, per = _indicator(c.definition, indicator), _period(c, period)
        op = ["report", key, code, ind, per, value, evidence, note]
        m = _meta(a, actor, Role.CADRE, op, comment, command_id)
        return s.submit(key, code, indicator=ind, period=per, value=value, evidence=evidence,
                        note=note, meta=m)  # fmt: skip

    _unit_act(key, act, ("已填报，待区县工会审核", "reported, waiting for review"))


@app.command("approve")
def approve(
    key: str = CAMPAIGN,
    code: str = UNIT,
    indicator: str | None = INDICATOR,
    period: str | None = PERIOD,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """审核通过（单位所属区县工会） / approve a report (the unit's district union)."""

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        ind, per = _indicator(c.definition, indicator), _period(c, period)
        m = _meta(a, actor, _reviewer_role(a, actor), ["approve", key, code, ind, per],
                  comment, command_id)  # fmt: skip
        return s.approve(key, code, indicator=ind, period=per, meta=m)

    _unit_act(key, act, ("已审核通过", "approved"))


@app.command("return")
def return_report(
    key: str = CAMPAIGN,
    code: str = UNIT,
    reasons: str = typer.Option(..., "--reasons", callback=typed(ShortText), help="退回理由"),
    indicator: str | None = INDICATOR,
    period: str | None = PERIOD,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """退回填报（须说明理由） / return a report, with reasons."""

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        ind, per = _indicator(c.definition, indicator), _period(c, period)
        m = _meta(a, actor, _reviewer_role(a, actor), ["return", key, code, ind, per, reasons],
                  comment, command_id)  # fmt: skip
        return s.return_report(key, code, indicator=ind, period=per, reasons=reasons, meta=m)

    _unit_act(key, act, ("已退回", "returned"))


@app.command("withdraw")
def withdraw(
    key: str = CAMPAIGN,
    code: str = UNIT,
    reason: str = typer.Option(..., "--reason", callback=typed(ShortText)),
    indicator: str | None = INDICATOR,
    period: str | None = PERIOD,
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """撤回填报（本单位工会干部） / withdraw a report (a cadre of the unit)."""

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        ind, per = _indicator(c.definition, indicator), _period(c, period)
        m = _meta(a, actor, Role.CADRE, ["withdraw", key, code, ind, per, reason], comment,
                  command_id)  # fmt: skip
        return s.withdraw(key, code, indicator=ind, period=per, reason=reason, meta=m)

    _unit_act(key, act, ("已撤回", "withdrawn"))


def _day(value: str) -> date:
    return parse_date(value, hint=True)


@app.command("leave")
def leave(
    key: str = CAMPAIGN,
    code: str = UNIT,
    reason: str = typer.Option(..., "--reason", callback=typed(ShortText)),
    on: str = typer.Option("today", "--on", help="退出日期 / from"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """单位退出集中行动（组织单位工会干部） / a unit leaves (the organiser's cadre)."""
    day = _day(on)

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        m = _meta(a, actor, Role.CADRE, ["leave", key, code, day, reason], comment, command_id)
        return s.leave(key, code, day, reason, m)

    _unit_act(key, act, ("已退出集中行动", "left the campaign"))


@app.command("rejoin")
def rejoin(
    key: str = CAMPAIGN,
    code: str = UNIT,
    on: str = typer.Option("today", "--on", help="重新加入日期 / from"),
    actor: str = AS,
    comment: str = COMMENT,
    command_id: str | None = COMMAND_ID,
) -> None:
    """单位重新加入（组织单位工会干部） / a unit rejoins (the organiser's cadre)."""
    day = _day(on)

    def act(a: App, s: CampaignLedger, c: CampaignView) -> UnitView:
        m = _meta(a, actor, Role.CADRE, ["rejoin", key, code, day], comment, command_id)
        return s.rejoin(key, code, day, m)

    _unit_act(key, act, ("已重新加入", "rejoined"))
