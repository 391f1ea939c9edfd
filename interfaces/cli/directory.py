"""``unionflow directory``: the organisation tree and its actors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bootstrap import App
from domain.errors import NotAuthorised
from i18n import ORG_KIND_LABELS, Lang, fmt, label_of, pick, role_label, t
from interfaces.cli._common import OPERATOR, console, fail, run
from interfaces.cli.credentials import require_person
from interfaces.cli.render import Table

app = typer.Typer(help="组织与人员名录 / organisation tree and actors", no_args_is_help=True)


@app.command("load")
def directory_load(
    file: Path = typer.Argument(..., exists=True, readable=True), actor: str | None = OPERATOR
) -> None:
    """导入名录（可重复执行；须由运维管理员） / load a directory file (idempotent; an operator)."""
    if actor is None:
        fail(
            NotAuthorised(
                "修改名录须由运维管理员执行：请用 --as 指定",
                "an operator must change the directory: name one with --as",
            )
        )

    def go(application: App) -> Any:
        data = application.directory.parse(file)
        assert actor is not None
        if application.directory.knows(actor):  # else the first load, which decides itself
            require_person(application, actor, operator=True)
        return application.directory.load(data, operator=actor, source=str(file))

    report = run(go, create=True)  # loading the directory is how a ledger starts
    console.print(
        "[green]✓[/] "
        + fmt(
            ("新增 {c} · 更新 {u} · 未变 {n}", "created {c} · updated {u} · unchanged {n}"),
            c=report.created,
            u=report.updated,
            n=report.unchanged,
        )
    )


@app.command("show")
def directory_show() -> None:
    """列出组织与人员 / list organisations and actors."""

    def go(application: App) -> tuple[list[Any], list[Any]]:
        return application.directory.organisations(), application.directory.actors()

    orgs, actors = run(go)
    table = Table(title=pick(("组织", "Organisations")))
    for col in ("code", "name", "kind", "parent"):
        table.add_column(t(col))
    for o in orgs:
        indent = "  " * (len(o.path) - 1)
        name = o.spec.name if Lang.code == "zh" else (o.spec.name_en or o.spec.name)
        kind = label_of(ORG_KIND_LABELS, o.spec.kind.value)
        table.add_row(o.spec.code, indent + name, kind, o.spec.parent or "")
    console.print(table)
    table = Table(title=pick(("人员", "Actors")))
    for col in ("id", "name", "org", "roles"):
        table.add_column(t(col))
    for a in actors:
        roles = pick(("、", ", ")).join(role_label(r.value) for r in a.spec.roles)
        table.add_row(a.spec.id, a.spec.name, a.spec.org, roles)
    console.print(table)
