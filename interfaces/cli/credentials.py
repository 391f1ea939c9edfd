"""Who the CLI acts as: a person's act needs that person's own token.

``unionflow login --as ID`` proves the person (password, and the TOTP code where one is
enrolled; or a setup code from an operator, to set the first password) and keeps an API
token of theirs in this user's credentials file (0600, ``UNIONFLOW_CREDENTIALS_FILE``,
one token per ledger and person). Every command that acts or reads as a person
(``--as ID``) then needs that token — from the file, or from ``UNIONFLOW_TOKEN`` — and
is refused without it: knowing an id is no longer enough to act as its owner.

The operator's local commands (directory and calendar loads, seals, accounts) are the
exception while the operator has no password: the first directory load comes before any
account exists, and whoever may run them is whoever may open the data directory. An
operator who has set a password signs in like everyone else.
"""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from typing import Any

from application.account_secrets import token_parts
from application.accounts import AccountService
from bootstrap import App
from domain.errors import NotAuthorised
from ledger.files import private_dir
from settings import Settings

FORMAT = 1

# The person this invocation claims to act as (its ``--as``), set while the command line is
# parsed and checked once the application is open (``interfaces.cli._common.open_app``).
_CLAIMED: ContextVar[str | None] = ContextVar("unionflow_cli_claimed_actor", default=None)


def claim(actor: str | None) -> None:
    """Record that this invocation acts as ``actor`` (None: as nobody in particular)."""
    _CLAIMED.set(actor)


def claimed() -> str | None:
    return _CLAIMED.get()


class CredentialsFile:
    """This user's CLI tokens: ``{"format": 1, "ledgers": {ledger: {actor: token}}}``."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.credentials_path
        self.ledger = settings.ledger_identity

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": FORMAT, "ledgers": {}}
        except (OSError, ValueError) as e:
            raise NotAuthorised(
                f"登录凭据文件无法读取：{self.path}（可删除后重新登录）",
                f"cannot read the credentials file {self.path} (delete it and log in again)",
            ) from e
        if not isinstance(data, dict) or not isinstance(data.get("ledgers"), dict):
            return {"format": FORMAT, "ledgers": {}}
        return data

    def _write(self, data: dict[str, Any]) -> None:
        private_dir(self.path.parent)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    def tokens(self) -> dict[str, str]:
        """Every person logged in on this ledger, with their token."""
        found = self._read()["ledgers"].get(self.ledger, {})
        return {k: v for k, v in found.items() if isinstance(v, str)}

    def token(self, actor: str) -> str | None:
        return self.tokens().get(actor)

    def save(self, actor: str, token: str) -> None:
        data = self._read()
        data["format"] = FORMAT
        data["ledgers"].setdefault(self.ledger, {})[actor] = token
        self._write(data)

    def forget(self, actor: str) -> str | None:
        """Remove ``actor``'s token of this ledger; the token removed, if there was one."""
        data = self._read()
        ours = data["ledgers"].get(self.ledger, {})
        token = ours.pop(actor, None)
        if token is not None:
            if not ours:
                data["ledgers"].pop(self.ledger, None)
            self._write(data)
        return token


def token_for(settings: Settings, actor: str) -> str | None:
    """``actor``'s token: ``UNIONFLOW_TOKEN`` when it is theirs, else the credentials file."""
    given = os.environ.get("UNIONFLOW_TOKEN", "").strip()
    if given:
        parts = token_parts(given)
        if parts is not None and parts[0] == actor:
            return given
    return CredentialsFile(settings).token(actor)


def not_signed_in(actor: str) -> NotAuthorised:
    return NotAuthorised(
        f"须以 {actor} 本人身份登录后才能以其身份操作：先运行 unionflow login --as {actor}",
        f"only {actor} may act as {actor}: log in first with unionflow login --as {actor}",
    )


def require_person(application: App, actor: str, *, operator: bool = False) -> None:
    """Refuse unless this user holds ``actor``'s valid token (an unknown id is refused as
    such first). ``operator``: an operator without a password acts by local access."""
    application.directory.actor(actor)
    accounts = AccountService(application.ledger, application.directory, application.settings)
    try:
        if operator:
            account = accounts.account(actor)
            if account is None or account.password_hash is None:
                return
        token = token_for(application.settings, actor)
        signed = accounts.token_actor(token) if token else None
    finally:
        accounts.close()
    if signed is None or signed.actor_id != actor:
        raise not_signed_in(actor)
