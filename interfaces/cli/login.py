"""``unionflow login | logout | whoami``: a person proves who they are to the CLI.

The password (and TOTP code) is checked by the same account service as the web's sign-in,
with the same lockout; what the CLI keeps is an API token of the person's, labelled with
this machine's name and visible (and revocable) on their web account page.
"""

from __future__ import annotations

import socket
import sys

import typer

from application.account_secrets import token_parts
from application.accounts import AccountService
from domain.errors import InvalidInput
from domain.text import Key
from i18n import Lang, pick
from interfaces.cli._common import console, fail, typed
from interfaces.cli.accounts import opened_accounts as _accounts
from interfaces.cli.credentials import CredentialsFile
from interfaces.cli.render import Table

WHO = typer.Option(..., "--as", callback=typed(Key), help="您的人员编号 / your actor id")
SETUP_CODE = typer.Option(
    None,
    "--setup-code",
    help="运维管理员签发的一次性设置码：设置首个（或新的）密码 / an operator's one-time setup "
    "code: set your first (or a new) password",
)
PASSWORD_STDIN = typer.Option(
    False,
    "--password-stdin",
    help="从标准输入读取密码（首行；设置码时为新密码） / read the password from stdin (first "
    "line; with --setup-code, the new password)",
)
TOTP = typer.Option(None, "--totp", help="动态口令（不给则提示输入） / TOTP code (else asked)")
DAYS = typer.Option(None, "--days", min=1, max=3650, help="令牌有效天数 / token lifetime in days")


def _secret(prompt: tuple[str, str], from_stdin: bool, *, confirm: bool = False) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail(InvalidInput("标准输入中没有密码", "no password on standard input"))
        return line
    return str(typer.prompt(pick(prompt), hide_input=True, confirmation_prompt=confirm))


def _set_first_password(
    accounts: AccountService, actor: str, code: str, from_stdin: bool, totp: str | None
) -> None:
    """The operator's setup code and a new password (and a TOTP app where the role needs
    one: its key is shown here, and its first code proves it was entered)."""
    password = _secret(("新密码", "new password"), from_stdin, confirm=not from_stdin)
    if not accounts.totp_required(actor):
        accounts.set_password(actor, code, password)
        return
    secret = accounts.new_totp_secret()
    console.print(
        pick(("您的角色须使用动态口令。请在验证器应用中添加：", "Your role needs a TOTP app. Add:"))
    )
    console.print(f"  {pick(('密钥', 'key'))}: [bold]{secret}[/]")
    console.print(f"  {accounts.totp_uri(actor, secret)}")
    first = totp or str(typer.prompt(pick(("验证器显示的动态口令", "the code the app shows"))))
    accounts.set_password(actor, code, password, totp_secret=secret, totp_code=first.strip())


def login(
    actor: str = WHO,
    setup_code: str | None = SETUP_CODE,
    password_stdin: bool = PASSWORD_STDIN,
    totp: str | None = TOTP,
    days: int | None = DAYS,
) -> None:
    """登录命令行：此后可用 --as 以本人身份操作 / log in: then act as yourself with --as."""
    with _accounts() as (application, accounts):
        application.directory.actor(actor)  # an unknown id is refused as such
        if setup_code is not None:
            _set_first_password(accounts, actor, setup_code, password_stdin, totp)
        else:
            password = _secret(("密码", "password"), password_stdin)
            account = accounts.account(actor)
            code = totp
            if code is None and account is not None and account.totp is not None:
                code = str(typer.prompt(pick(("动态口令", "TOTP code"))))
            accounts.verify(actor, password, code)
        issued = accounts.issue_token(actor, f"命令行 {socket.gethostname()}"[:100], days=days)
        assert issued is not None  # no command id: always a new token
        credentials = CredentialsFile(application.settings)
        earlier = credentials.token(actor)
        credentials.save(actor, issued.token)
        parts = token_parts(earlier) if earlier else None
        if parts is not None and accounts.token_actor(earlier or "") is not None:
            accounts.revoke_token(actor, parts[1])  # one CLI token per person and machine
        name = accounts.signed_in(actor).name
    until = issued.expires_at.astimezone().strftime("%Y-%m-%d")
    console.print(
        f"[green]✓[/] {pick(('已登录', 'logged in'))}: {name}（{actor}） · "
        f"{pick(('令牌有效至', 'token valid until'))} {until} · {credentials.path}"
    )


def logout(actor: str = WHO) -> None:
    """退出登录：吊销并删除本机保存的令牌 / log out: revoke and forget this machine's token."""
    with _accounts() as (application, accounts):
        token = CredentialsFile(application.settings).forget(actor)
        parts = token_parts(token) if token else None
        if token and parts is not None and accounts.token_actor(token) is not None:
            accounts.revoke_token(actor, parts[1])
    if token is None:
        console.print(pick((f"{actor} 在本机未登录", f"{actor} is not logged in here")))
    else:
        console.print(f"[green]✓[/] {pick(('已退出登录', 'logged out'))}: {actor}")


def whoami() -> None:
    """本机已登录的人员（此账本） / who is logged in here, on this ledger."""
    with _accounts() as (application, accounts):
        rows = []
        for actor, token in sorted(CredentialsFile(application.settings).tokens().items()):
            signed = accounts.token_actor(token)
            rows.append((actor, signed.name if signed else "", signed is not None))
    if not rows:
        console.print(pick(("本机无人登录", "nobody is logged in here")))
        return
    table = Table()
    for zh, en in (("人员", "actor"), ("姓名", "name"), ("令牌", "token")):
        table.add_column(en if Lang.code == "en" else zh)
    for actor, name, valid in rows:
        state = ("有效", "valid") if valid else ("已失效，请重新登录", "invalid: log in again")
        table.add_row(actor, name, pick(state))
    console.print(table)
