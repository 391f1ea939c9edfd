"""A person's sign-in account (登录账号): one per actor of the directory.

The ledger records every change of an account as an act (who issued a setup code, when a
password was set, a lock, a second factor, an API token) and never a secret in clear:
passwords are argon2id hashes, setup codes and tokens are hashes, and the TOTP secret is
sealed with a key kept outside the ledger. Hashing and sealing happen in the application
layer; the aggregate checks and records what they produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.actors import CommandMeta
from domain.base import LedgerAggregate, deterministic_id
from domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound

LABEL_MAX = 60


def account_id(actor: str) -> UUID:
    """The ledger id of an actor's account."""
    return deterministic_id("account", actor)


@dataclass
class SetupCode:
    """The one-time code an operator issued (its hash), valid until ``expires_at``."""

    code_hash: str
    expires_at: datetime
    issued_by: str


@dataclass
class ApiToken:
    """An API token as the account knows it: its id and hash, never the token."""

    token_id: str
    token_hash: str
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def valid_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass
class SealedTotp:
    """The TOTP secret, sealed by the key ``key_id`` (kept outside the ledger)."""

    sealed: str
    key_id: str


class Account(LedgerAggregate):
    """How one actor signs in: password, lock, second factor and API tokens."""

    KIND = "account"

    class Created(LedgerAggregate.Created):
        actor_id: str

        def apply(self, aggregate: Account) -> None:
            aggregate.actor_id = self.actor_id

    class SetupCodeIssued(LedgerAggregate.Event):
        code_hash: str
        expires_at: datetime
        issued_by: str

        def apply(self, aggregate: Account) -> None:
            aggregate.setup = SetupCode(self.code_hash, self.expires_at, self.issued_by)

    class PasswordSet(LedgerAggregate.Event):
        password_hash: str
        via: str  # "setup_code" (first password, or an operator's reset) or "change"

        def apply(self, aggregate: Account) -> None:
            aggregate.password_hash = self.password_hash
            if self.via == "setup_code":
                aggregate.setup = None  # used up

    class Locked(LedgerAggregate.Event):
        """Locked everywhere (``source`` empty), or for sign-ins from one source only
        (the client's address). Locks recorded before sources (class version 1) were
        everywhere."""

        class_version = 2
        until: datetime
        reason: str
        source: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = ""

        def apply(self, aggregate: Account) -> None:
            aggregate.locked_until = self.until
            if self.source:
                # Lapsed locks of other sources are dropped: the map stays small.
                kept = {s: e for s, e in aggregate.source_locks.items() if e > self.timestamp}
                aggregate.source_locks = {**kept, self.source: self.until}
            else:
                aggregate.locked_everywhere_until = self.until

    class Unlocked(LedgerAggregate.Event):
        def apply(self, aggregate: Account) -> None:
            aggregate.locked_until = None
            aggregate.locked_everywhere_until = None
            aggregate.source_locks = {}

    class TotpEnabled(LedgerAggregate.Event):
        sealed_secret: str
        key_id: str

        def apply(self, aggregate: Account) -> None:
            aggregate.totp = SealedTotp(self.sealed_secret, self.key_id)

    class TotpDisabled(LedgerAggregate.Event):
        def apply(self, aggregate: Account) -> None:
            aggregate.totp = None

    class TokenIssued(LedgerAggregate.Event):
        token_id: str
        token_hash: str
        label: str
        expires_at: datetime

        def apply(self, aggregate: Account) -> None:
            aggregate.tokens[self.token_id] = ApiToken(
                self.token_id, self.token_hash, self.label, self.timestamp, self.expires_at
            )

    class TokenRevoked(LedgerAggregate.Event):
        token_id: str

        def apply(self, aggregate: Account) -> None:
            aggregate.tokens[self.token_id].revoked_at = self.timestamp

    def __init__(self, actor_id: str) -> None:
        super().__init__()
        self.actor_id = actor_id
        self.password_hash: str | None = None
        self.setup: SetupCode | None = None
        self.locked_until: datetime | None = None  # the end of the latest lock, any scope
        self.locked_everywhere_until: datetime | None = None
        self.source_locks: dict[str, datetime] = {}
        self.totp: SealedTotp | None = None
        self.tokens: dict[str, ApiToken] = {}

    # -- commands ---------------------------------------------------------------------

    @classmethod
    def open(cls, actor: str, meta: CommandMeta) -> Account:
        """Open the account of a directory actor (it has no password until set)."""
        return cls._new(account_id(actor), meta, actor_id=actor)

    def issue_setup_code(self, code_hash: str, expires_at: datetime, meta: CommandMeta) -> None:
        """Record a new one-time setup code (its hash); any earlier code stops working."""
        if expires_at <= meta.occurred_at:
            raise InvalidInput("设置码的有效期须在将来", "a setup code must expire in the future")
        self._emit(
            self.SetupCodeIssued,
            meta,
            code_hash=code_hash,
            expires_at=expires_at,
            issued_by=meta.acting.actor_id,
        )

    def set_password_with_code(self, password_hash: str, meta: CommandMeta) -> None:
        """The first password (or an operator's reset), with the setup code the caller
        checked against ``setup.code_hash``; the code is used up."""
        self.check_setup_code_usable(meta.occurred_at)
        self._emit(self.PasswordSet, meta, password_hash=password_hash, via="setup_code")

    def change_password(self, password_hash: str, meta: CommandMeta) -> None:
        """A new password, by the person who proved the current one."""
        self.check_has_password()
        self._emit(self.PasswordSet, meta, password_hash=password_hash, via="change")

    def lock(self, until: datetime, reason: str, meta: CommandMeta, *, source: str = "") -> None:
        """Lock the account until ``until`` (repeated failed sign-ins): for sign-ins from
        ``source`` only, or everywhere (``source`` empty)."""
        held = self.source_locks.get(source) if source else self.locked_everywhere_until
        if held is not None and meta.occurred_at < held and held >= until:
            return
        self._emit(self.Locked, meta, until=until, reason=reason, source=source)

    def unlock(self, meta: CommandMeta) -> None:
        """An operator lifts a lock."""
        if not self.is_locked(meta.occurred_at):
            raise InvalidState("账号未锁定", "the account is not locked")
        self._emit(self.Unlocked, meta)

    def enable_totp(self, sealed_secret: str, key_id: str, meta: CommandMeta) -> None:
        """Record the second factor the person proved with a current code (sealed)."""
        self._emit(self.TotpEnabled, meta, sealed_secret=sealed_secret, key_id=key_id)

    def disable_totp(self, meta: CommandMeta) -> None:
        """Remove the second factor."""
        if self.totp is None:
            raise InvalidState("尚未绑定动态口令", "no TOTP second factor is enrolled")
        self._emit(self.TotpDisabled, meta)

    def issue_token(
        self, token_id: str, token_hash: str, label: str, expires_at: datetime, meta: CommandMeta
    ) -> None:
        """Record an API token (its hash) for this actor's machine clients."""
        label = label.strip()
        if not label or len(label) > LABEL_MAX:
            raise InvalidInput(
                f"令牌名称须为 1–{LABEL_MAX} 个字符", f"a token's label is 1–{LABEL_MAX} characters"
            )
        if token_id in self.tokens:
            raise InvalidInput("令牌编号重复", "duplicate token id")
        if expires_at <= meta.occurred_at:
            raise InvalidInput("令牌的有效期须在将来", "a token must expire in the future")
        self._emit(
            self.TokenIssued,
            meta,
            token_id=token_id,
            token_hash=token_hash,
            label=label,
            expires_at=expires_at,
        )

    def revoke_token(self, token_id: str, meta: CommandMeta) -> None:
        """Revoke one of this account's tokens; it stops working at once."""
        token = self.tokens.get(token_id)
        if token is None:
            raise NotFound(f"没有编号为 {token_id} 的令牌", f"no token {token_id}")
        if token.revoked_at is not None:
            raise InvalidState("令牌已撤销", "the token is already revoked")
        self._emit(self.TokenRevoked, meta, token_id=token_id)

    # -- guards and reads ---------------------------------------------------------------

    def check_setup_code_usable(self, now: datetime) -> SetupCode:
        """The setup code, if one was issued, is unused and has not expired."""
        if self.setup is None or now >= self.setup.expires_at:
            raise NotAuthorised(
                "设置码无效或已过期，请向运维管理员重新申请",
                "the setup code is invalid or has expired: ask an operator for a new one",
            )
        return self.setup

    def check_has_password(self) -> None:
        if self.password_hash is None:
            raise InvalidState(
                "账号尚未设置密码：请用运维管理员签发的设置码设置",
                "the account has no password yet: set one with an operator's setup code",
            )

    def is_locked(self, now: datetime) -> bool:
        """Whether any lock is on now (everywhere, or for some source)."""
        return self.locked_until is not None and now < self.locked_until

    def locked_for(self, source: str, now: datetime) -> datetime | None:
        """When the lock that refuses a sign-in from ``source`` now ends, if one does."""
        ends = [self.locked_everywhere_until, self.source_locks.get(source)]
        live = [end for end in ends if end is not None and now < end]
        return max(live) if live else None

    def live_tokens(self, now: datetime) -> list[ApiToken]:
        return [t for t in self.tokens.values() if t.valid_at(now)]
