"""The CLI acts as a person only with that person's own credentials (issue 9).

``--as ID`` used to be enough to approve as any reviewer or vote as any delegate. Now a
person's command needs their token, which only ``unionflow login`` (password, TOTP, or an
operator's setup code) gives; the refusal happens before anything is sent or written.
No Temporal server is needed: every refusal here comes first, and ``tasks`` reads the
ledger only.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from typer.testing import CliRunner, Result

from application.accounts import AccountService
from bootstrap import App, build_app
from interfaces.cli import app as cli_app
from interfaces.cli.credentials import CredentialsFile
from settings import Settings
from tests.accounts_support import PASSWORD, cheap_hashing, cli_login, create_account
from tests.conftest import EXAMPLE_DIRECTORY
from tests.integration.test_cli import free_port


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """A ledger with the example directory; the CLI pointed at it and at no Temporal."""
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_CREDENTIALS_FILE", str(tmp_path / "home" / "credentials.json"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    monkeypatch.delenv("UNIONFLOW_TOKEN", raising=False)
    application = build_app(Settings())
    application.directory.load(application.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    yield application
    application.close()


def cli(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli_app, list(args), input=stdin)


def refused_for_login(result: Result, actor: str) -> None:
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert f"unionflow login --as {actor}" in said and "Traceback" not in result.output


def accounts(app: App) -> AccountService:
    return AccountService(app.ledger, app.directory, app.settings)


def test_a_persons_act_without_their_login_is_refused_and_writes_nothing(ledger: App):
    before = ledger.ledger.max_notification_id()
    reply = ["wage", "reply", "WC-1", "--as", "wang.li", "--content", "同意协商"]
    refused_for_login(cli(*reply), "wang.li")
    refused_for_login(cli("tasks", "--as", "wang.li"), "wang.li")  # reading as her, too
    assert ledger.ledger.max_notification_id() == before
    # An unknown id is still refused as unknown, not asked to log in.
    unknown = cli("tasks", "--as", "nobody")
    assert unknown.exit_code == 2 and "nobody" in unknown.stderr
    assert "unionflow login" not in unknown.stderr


def test_one_persons_login_does_not_let_the_cli_act_as_another(
    ledger: App, monkeypatch: pytest.MonkeyPatch
):
    cli_login(ledger, "wang.li")
    assert cli("tasks", "--as", "wang.li").exit_code == 0
    refused_for_login(cli("tasks", "--as", "zhao.min"), "zhao.min")
    # Her token handed over in the environment is still hers only.
    token = CredentialsFile(ledger.settings).token("wang.li")
    assert token is not None
    CredentialsFile(ledger.settings).forget("wang.li")
    monkeypatch.setenv("UNIONFLOW_TOKEN", token)
    assert cli("tasks", "--as", "wang.li").exit_code == 0
    refused_for_login(cli("tasks", "--as", "zhao.min"), "zhao.min")
    # A token whose actor part is edited to name someone else proves nothing.
    prefix, _who, rest = token.split(".", 2)
    forged = f"{prefix}.{'emhhby5taW4'}.{rest}"  # base64url of "zhao.min"
    monkeypatch.setenv("UNIONFLOW_TOKEN", forged)
    refused_for_login(cli("tasks", "--as", "zhao.min"), "zhao.min")


def test_login_with_a_setup_code_sets_the_password_and_keeps_a_private_token(ledger: App):
    service = accounts(ledger)
    try:
        code = service.issue_setup_code("wang.li", "ops.admin").code
    finally:
        service.close()
    with cheap_hashing():
        done = cli("login", "--as", "wang.li", "--setup-code", code, "--password-stdin",
                   stdin=f"{PASSWORD}\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "王丽" in done.stdout
    path = ledger.settings.credentials_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert PASSWORD not in path.read_text(encoding="utf-8")
    assert list(json.loads(path.read_text(encoding="utf-8"))["ledgers"]) == [
        ledger.settings.ledger_identity
    ]
    assert cli("tasks", "--as", "wang.li").exit_code == 0
    assert "wang.li" in cli("whoami").stdout
    # The code was used up: it sets no password a second time.
    again = cli("login", "--as", "wang.li", "--setup-code", code, "--password-stdin",
                stdin="another long password\n")  # fmt: skip
    assert again.exit_code == 2


def test_login_checks_the_password_and_counts_failures_towards_the_lock(ledger: App):
    service = accounts(ledger)
    try:
        with cheap_hashing():
            create_account(service, "wang.li")
    finally:
        service.close()
    for _ in range(ledger.settings.signin_max_failures):
        wrong = cli("login", "--as", "wang.li", "--password-stdin", stdin="not her password\n")
        assert wrong.exit_code == 2 and "不正确" in wrong.stderr
    locked = cli("login", "--as", "wang.li", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert locked.exit_code == 2, locked.output  # locked: even the right password waits
    refused_for_login(cli("tasks", "--as", "wang.li"), "wang.li")


def test_a_reviewer_logs_in_with_password_and_totp_code(ledger: App):
    service = accounts(ledger)
    try:
        with cheap_hashing():
            secret = create_account(service, "li.wei")  # reviewers must enrol TOTP
    finally:
        service.close()
    assert secret is not None
    no_code = cli("login", "--as", "li.wei", "--password-stdin", "--totp", "000000",
                  stdin=f"{PASSWORD}\n")  # fmt: skip
    assert no_code.exit_code == 2
    code = pyotp.TOTP(secret).now()
    done = cli("login", "--as", "li.wei", "--password-stdin", "--totp", code,
               stdin=f"{PASSWORD}\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert cli("tasks", "--as", "li.wei").exit_code == 0


def test_logout_and_a_token_revoked_on_the_web_end_the_clis_access(ledger: App):
    cli_login(ledger, "wang.li", "zhao.min")
    out = cli("logout", "--as", "wang.li")
    assert out.exit_code == 0, out.output
    refused_for_login(cli("tasks", "--as", "wang.li"), "wang.li")
    service = accounts(ledger)
    try:
        assert [t for t in service.tokens("wang.li") if t.revoked_at is None] == []
        (zhao,) = service.tokens("zhao.min")
        service.revoke_token("zhao.min", zhao.token_id)  # e.g. on her account page
    finally:
        service.close()
    refused_for_login(cli("tasks", "--as", "zhao.min"), "zhao.min")
    assert "已失效" in cli("whoami").stdout


def test_a_second_login_replaces_the_machines_token_instead_of_adding_one(ledger: App):
    cli_login(ledger, "wang.li")
    for _ in range(2):
        done = cli("login", "--as", "wang.li", "--password-stdin", stdin=f"{PASSWORD}\n")
        assert done.exit_code == 0, done.output
    service = accounts(ledger)
    try:
        live = [t for t in service.tokens("wang.li") if t.revoked_at is None]
    finally:
        service.close()
    assert len(live) == 1 and live[0].label.startswith("命令行 ")


def test_an_operator_with_a_password_must_log_in_like_everyone(ledger: App):
    directory = str(EXAMPLE_DIRECTORY)
    # Before any account: the operator acts by local access (the first set-up).
    assert cli("directory", "load", directory, "--as", "ops.admin").exit_code == 0
    service = accounts(ledger)
    try:
        with cheap_hashing():
            create_account(service, "ops.admin")
    finally:
        service.close()
    refused_for_login(cli("directory", "load", directory, "--as", "ops.admin"), "ops.admin")
    refused_for_login(cli("accounts", "issue-code", "wang.li", "--as", "ops.admin"), "ops.admin")
    cli_login(ledger, "ops.admin")
    assert cli("directory", "load", directory, "--as", "ops.admin").exit_code == 0


def test_the_demo_refuses_a_ledger_it_did_not_make(ledger: App):
    """The demo acts in-process as the people of its story: named at a real ledger, it
    would act as them there. It refuses, and writes nothing."""
    before = ledger.ledger.max_notification_id()
    refused = cli("demo", "--data-dir", str(ledger.settings.data_dir))
    assert refused.exit_code == 2, refused.output
    assert "演示只写入它自己的账本" in " ".join(refused.stderr.split())
    assert ledger.ledger.max_notification_id() == before
