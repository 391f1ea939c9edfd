"""Accounts for tests, made as a person would make them (an operator's setup code, then
the setup), so no test types a password; and CLI logins, for tests of the ``unionflow``
command: each person's token saved where ``unionflow login`` saves it.

``tests/conftest.py`` points ``UNIONFLOW_CREDENTIALS_FILE`` at a file of the test run's
own, so a test never reads or writes the tester's real credentials; the file names each
token's ledger, so tests on different data directories never meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyotp
from argon2 import PasswordHasher

from application import account_secrets
from application.accounts import AccountService
from bootstrap import App, build_app
from domain.actors import Role
from interfaces.cli.credentials import CredentialsFile
from settings import Settings

PASSWORD = "correct horse battery"  # what every fixture account's password is


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """argon2 with the smallest cost: a test making twenty accounts waits for none of them
    (the hash records its parameters, so verifying it later needs nothing special)."""
    real = account_secrets._HASHER
    account_secrets._HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    try:
        yield
    finally:
        account_secrets._HASHER = real


def operator_of_directory(accounts: AccountService) -> str:
    actors = accounts.directory.actors()
    return next(a.spec.id for a in actors if Role.OPERATOR in a.spec.roles)


def create_account(accounts: AccountService, actor_id: str, password: str = PASSWORD) -> str | None:
    """The account of ``actor_id`` set up as a person would (an operator's code, then the
    setup); returns the TOTP secret enrolled when the role requires one."""
    operator = operator_of_directory(accounts)
    issued = accounts.issue_setup_code(actor_id, operator)
    secret = None
    if accounts.totp_required(actor_id):
        secret = pyotp.random_base32()
        code = pyotp.TOTP(secret).at(accounts.clock())
        accounts.set_password(actor_id, issued.code, password, totp_secret=secret, totp_code=code)
    else:
        accounts.set_password(actor_id, issued.code, password)
    return secret


def cli_login(target: Settings | App, *actors: str) -> None:
    """Log ``actors`` in to the CLI on ``target``'s ledger, as ``unionflow login`` would
    leave them: an account with a password and a token of theirs in the credentials file."""
    application = target if isinstance(target, App) else build_app(target)
    accounts = AccountService(application.ledger, application.directory, application.settings)
    credentials = CredentialsFile(application.settings)
    try:
        with cheap_hashing():
            for actor in actors:
                create_account(accounts, actor)
                issued = accounts.issue_token(actor, "tests")
                assert issued is not None
                credentials.save(actor, issued.token)
    finally:
        accounts.close()
        if application is not target:
            application.close()
