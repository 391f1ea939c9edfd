"""``unionflow congress``: workers' congress (职代会) terms and rosters.

The commands of its sessions are in ``sessions``, registered on the same group.
"""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from bootstrap import App
from domain.congress import (
    CATEGORY_LABELS,
    GENDER_LABELS,
    Body,
    CongressView,
    Delegate,
    RosterImportError,
    parse_category,
    parse_gender,
    term_end,
)
from domain.errors import DomainError, InvalidInput
from domain.wage_contract import Check
from i18n import Lang, pick, t
from interfaces.cli._common import (
    AS,
    COMMENT,
    console,
    err,
    fail,
    open_app,
    parse_date,
    print_checks,
    run,
)
from interfaces.cli.render import Table, styled

app = typer.Typer(help="职工代表大会 / workers' congress: terms and rosters", no_args_is_help=True)


def _term_title(view: CongressView) -> str:
    term = pick((f"第{view.term_no}届", f"term {view.term_no}"))
    sitting = f" · [yellow]{t('sitting')} {view.sitting}[/]" if view.sitting else ""
    return (
        f"[bold]{t('congress')} {view.key}[/] · {view.unit_org} · {term}"
        f" · {t('term')} {view.term_start} – {view.term_end} · {t('delegates')} {view.total()}"
        f" · {t('version')} {view.version}{sitting}"
    )


@app.command("create")
def congress_create(
    actor: str = AS,
    unit: str = typer.Option(..., "--unit", help="基层工会代码 / unit org code"),
    term_no: int = typer.Option(..., "--term-no", min=1, max=1000, help="届次 / term number"),
    start: str = typer.Option(..., "--start", help="任期起始日 YYYY-MM-DD 或 today±N / first day"),
    end: str | None = typer.Option(
        None, "--end", help="任期届满日 YYYY-MM-DD 或 today±N / last day"
    ),
    years: int | None = typer.Option(
        None, "--years", min=1, max=10, help="任期年数（代替 --end） / term in years"
    ),
    key: str | None = typer.Option(None, "--key", help="职代会编号（默认 单位-届次） / key"),
    profile: str | None = typer.Option(None, "--profile", help="规则配置 / rule profile"),
    committee: bool = typer.Option(
        False,
        "--committee",
        help="评审委员会（任何工会均可设立，表决规则同职代会） / a committee of any union "
        "(e.g. an award committee), voting like a congress",
    ),
    comment: str = COMMENT,
) -> None:
    """建立职代会届次（或评审委员会） / set up a congress term of a unit (or a committee)."""
    first = parse_date(start, hint=True)
    if (end is None) == (years is None):
        fail(
            InvalidInput(
                "请给出 --end（届满日）或 --years（任期年数），二者取一",
                "give either --end (the last day) or --years (the term's length)",
            )
        )
    last = parse_date(end, hint=True) if end is not None else term_end(first, years or 0)
    view = run(
        lambda a: a.congresses.create(
            actor,
            key or f"{unit}-{'committee-' if committee else ''}{term_no}",
            unit,
            term_no,
            first,
            last,
            profile,
            comment=comment,
            body=Body.COMMITTEE if committee else Body.CONGRESS,
        )
    )
    console.print(f"[green]✓[/] {pick(('已建立职代会届次', 'congress term set up'))}")
    console.print(_term_title(view))


@app.command("roster-import")
def congress_roster_import(
    key: str,
    file: Path = typer.Argument(..., exists=True, readable=True, help="CSV 或 XLSX / CSV or XLSX"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """导入代表名册（有错误行则全部不导入） / import the roster, all rows or none."""
    application = open_app()
    try:
        service = application.congresses
        report = service.import_roster(actor, key, file, comment=comment)
        view = service.view(key)
    except RosterImportError as e:
        err.print(f"[bold red]{t('refused')}[/]: {t('roster_refused')}")
        table = Table()
        for col in ("row", "field", "problem"):
            table.add_column(t(col))
        for row in e.row_errors:
            table.add_row(str(row.row), row.field, row.text(Lang.code))
        err.print(table)
        if e.more:
            err.print(t("more_errors"))
        raise typer.Exit(2) from None
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()
    console.print(
        f"[green]✓[/] {t('roster_imported')}: {report.imported}"
        f" · {pick(('新增人员', 'new actors'))} {report.actors_created}"
        f" · {pick(('增加代表角色', 'delegate role added'))} {report.actors_updated}"
    )
    console.print(_term_title(view))
    print_checks(report.checks)


@app.command("roster")
def congress_roster(
    key: str,
    show_all: bool = typer.Option(False, "--all", help="含已离任代表 / include former delegates"),
) -> None:
    """代表名册 / the delegates of a congress term."""
    view = run(lambda a: a.congresses.view(key))
    console.print(_term_title(view))
    table = Table()
    for col in ("id", "person_name", "constituency", "category", "gender", "status"):
        table.add_column(t(col))
    for d in view.delegates if show_all else view.active_delegates():
        status = styled(t("in_office") if d.active else f"[dim]{t('out_of_office')}[/]")
        if d.id in view.presidium:
            status.append(f" · {t('presidium')}")
        table.add_row(
            d.id,
            d.name,
            d.constituency,
            pick(CATEGORY_LABELS[d.category]),
            pick(GENDER_LABELS[d.gender]),
            status,
        )
    console.print(table)


@app.command("composition")
def congress_composition(key: str) -> None:
    """代表构成检查（管理人员、主席团、女职工） / composition checks of the roster."""

    def go(application: App) -> tuple[CongressView, list[Check]]:
        service = application.congresses
        return service.view(key), service.composition(key)

    view, checks = run(go)
    console.print(_term_title(view))
    print_checks(checks)


@app.command("replace")
def congress_replace(
    key: str,
    old_id: str,
    new_id: str = typer.Option(..., "--new-id", help="替补代表编号 / the new delegate's id"),
    name: str = typer.Option(..., "--name", help="姓名 / name"),
    constituency: str = typer.Option(..., "--constituency", help="选区 / constituency"),
    category: str = typer.Option(
        ..., "--category", help="一线职工/专业技术人员/管理人员 或 frontline/technician/manager"
    ),
    gender: str = typer.Option(..., "--gender", help="女/男 或 female/male"),
    reason: str = typer.Option(..., "--reason", help="替补理由 / reason"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """替补代表（闭会期间） / replace a delegate, between sessions."""
    cat, sex = parse_category(category), parse_gender(gender)
    if cat is None:
        fail(InvalidInput(f"类别无效：{category}", f"unknown category: {category}"))
        return
    if sex is None:
        fail(InvalidInput(f"性别无效：{gender}", f"unknown gender: {gender}"))
        return
    try:
        new = Delegate(id=new_id, name=name, constituency=constituency, category=cat, gender=sex)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(InvalidInput(f"{where} 无效：{first['msg']}", f"{where}: {first['msg']}"))
        raise
    view = run(lambda a: a.congresses.replace(actor, key, old_id, new, reason, comment=comment))
    console.print(f"[green]✓[/] {pick(('已替补', 'replaced'))}: {old_id} → {new_id}")
    console.print(_term_title(view))


@app.command("recall")
def congress_recall(
    key: str,
    delegate_id: str,
    reason: str = typer.Option(..., "--reason", help="罢免理由 / reason"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """罢免代表（闭会期间） / recall a delegate, between sessions."""
    view = run(lambda a: a.congresses.recall(actor, key, delegate_id, reason, comment=comment))
    console.print(f"[green]✓[/] {pick(('已罢免', 'recalled'))}: {delegate_id}")
    console.print(_term_title(view))


@app.command("presidium")
def congress_presidium(
    key: str,
    member: list[str] = typer.Option(..., "--member", help="主席团成员编号，可重复 / repeatable"),
    actor: str = AS,
    comment: str = COMMENT,
) -> None:
    """登记选举产生的主席团 / record the elected presidium."""

    def go(application: App) -> tuple[CongressView, list[Check]]:
        service = application.congresses
        view = service.elect_presidium(actor, key, member, comment=comment)
        return view, service.composition(key)

    view, checks = run(go)
    by_id = {d.id: d.name for d in view.delegates}
    members = pick(("、", ", ")).join(f"{by_id.get(i, '')}（{i}）" for i in view.presidium)
    console.print(f"[green]✓[/] {t('presidium')}: {members}")
    print_checks(checks)


@app.command("list")
def congress_list() -> None:
    """列出职代会届次 / list congress terms."""
    views = run(lambda a: a.congresses.congresses())
    table = Table()
    for col in ("congress", "unit", "term_no", "term", "delegates", "status"):
        table.add_column(t(col))
    for v in views:
        table.add_row(
            v.key,
            v.unit_org,
            str(v.term_no),
            f"{v.term_start} – {v.term_end}",
            str(v.total()),
            f"{t('sitting')} {v.sitting}" if v.sitting else "",
        )
    console.print(table)
