"""``unionflow accounts``: the operator's side of sign-in (setup codes, unlock, list).

Nobody types a password here: an operator issues a one-time code, printed once, and the
person sets their own password with it on the web's setup page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from application.accounts import AccountService
from bootstrap import App
from domain.text import Key
from i18n import Lang, pick
from interfaces.cli._common import OPERATOR, console, open_app, operator_acting, typed
from interfaces.cli.render import Table

app = typer.Typer(help="登录账号 / sign-in accounts", no_args_is_help=True)

ACTOR = typer.Argument(..., callback=typed(Key), help="人员编号 / actor id")

STATES = {
    "none": ("未开通", "no account"),
    "awaiting_setup": ("待设置密码", "awaiting setup"),
    "active": ("已开通", "active"),
}


@contextmanager
def opened_accounts() -> Iterator[tuple[App, AccountService]]:
    """The application and its account service, for one command (both closed after)."""
    application = open_app()
    accounts = AccountService(application.ledger, application.directory, application.settings)
    try:
        yield application, accounts
    finally:
        accounts.close()
        application.close()


@app.command("issue-code")
def issue_code(actor_id: str = ACTOR, operator: str | None = OPERATOR) -> None:
    """签发一次性设置码（首次设置或重置密码） / issue a one-time setup code."""
    with opened_accounts() as (application, accounts):
        acting = operator_acting(application, operator)
        issued = accounts.issue_setup_code(actor_id, acting.actor_id)
    until = issued.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
    console.print(f"{pick(('设置码', 'setup code'))}（{actor_id}）: [bold]{issued.code}[/]")
    console.print(
        f"{pick(('有效期至', 'valid until'))}: {until}  {pick(('只能使用一次', 'usable once'))}"
    )
    console.print(f"{pick(('设置页', 'setup page'))}: {issued.url}")
    console.print(
        pick(
            (
                "请当面或经可信渠道交给本人；此码不会再次显示，系统只保存其摘要。",
                "Hand it to the person in person or over a trusted channel: it is not shown "
                "again, only its hash is kept.",
            )
        )
    )


@app.command("unlock")
def unlock(actor_id: str = ACTOR, operator: str | None = OPERATOR) -> None:
    """解除因登录失败造成的锁定 / lift a lockout after failed sign-ins."""
    with opened_accounts() as (application, accounts):
        acting = operator_acting(application, operator)
        accounts.unlock(actor_id, acting.actor_id)
    console.print(f"[green]✓[/] {pick(('已解锁', 'unlocked'))}: {actor_id}")


@app.command("list")
def list_accounts() -> None:
    """名录中每个人员的账号状态 / every actor's account state."""
    with opened_accounts() as (_, accounts):
        rows = accounts.accounts()
    table = Table()
    for zh, en in (
        ("人员", "actor"),
        ("姓名", "name"),
        ("角色", "roles"),
        ("账号", "account"),
        ("锁定至", "locked until"),
        ("动态口令", "TOTP"),
        ("令牌", "tokens"),
    ):
        table.add_column(en if Lang.code == "en" else zh)
    for row in rows:
        locked = row.locked_until.astimezone().strftime("%m-%d %H:%M") if row.locked_until else ""
        table.add_row(
            row.actor_id,
            row.name,
            ", ".join(row.roles),
            pick(STATES[row.state]),
            locked,
            "●" if row.totp else "",
            str(row.tokens) if row.tokens else "",
        )
    console.print(table)
