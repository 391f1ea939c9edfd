"""Sign-in accounts: setup codes, passwords, lockout, TOTP, API tokens and web sessions.

The one place that decides who is signed in (its results and refusals:
``application.account_results``). Every change of an account is a ledger act
(``domain.accounts.Account``) with no secret in clear; sessions and failure counts live
in the sign-in store (``application.signin_store``). Failures lock an account per source
(the client's address: someone guessing elsewhere cannot lock the person out where they
are), and a ceiling over all sources locks it everywhere; both are ledger acts. Nobody has a known default
password: a first password is set with a one-time code an operator issues, and the same
code resets a forgotten password or a lost second factor.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pyotp

from application.account_results import (
    AccountLocked,
    AccountSummary,
    IssuedCode,
    IssuedToken,
    SetupRefused,
    SignedInActor,
    SignInRefused,
    TotpEnrolmentRequired,
    check_password_policy,
)
from application.account_secrets import (
    SecretBox,
    hash_secret,
    new_setup_code,
    new_token,
    normal_code,
    same,
    token_hash,
    token_parts,
    totp_step,
    verify_secret,
)
from application.channel import current_channel
from application.directory import DirectoryService, Finder
from application.signin_store import SignInStore, WebSession, open_signin_store
from domain.accounts import Account, ApiToken, account_id
from domain.actors import Acting, Channel, CommandMeta, fingerprinted, system_acting
from domain.directory import ActorRecord
from domain.errors import InvalidInput, NotAuthorised, NotFound
from ledger.app import Ledger
from projections.counters import LogTail
from projections.index import LatestAggregates, NotInMemory
from settings import Settings

TOTP_ISSUER = "UnionFlow"
# The source of sign-ins that come through no network (the CLI on this host).
LOCAL_SOURCE = "local"


class AccountService:
    """Accounts of the directory's actors, as the ledger records them."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        settings: Settings,
        *,
        store: SignInStore | None = None,
        clock: Callable[[], datetime] | None = None,
        latest: LatestAggregates | None = None,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.settings = settings
        self.store = store or open_signin_store(settings, ledger)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._box: SecretBox | None = None
        # Who a token or a session is, on every request: the actor and the account kept
        # in memory and dropped as soon as the notification log shows a new event of
        # theirs (``latest``: one shared with the ballot box, or one of this service's
        # own). Each lookup catches up first, so a token revoked or an actor changed by
        # any process stops working at the very next request.
        self._latest = latest or LatestAggregates(ledger, LogTail(ledger))

    def close(self) -> None:
        self.store.close()

    @property
    def box(self) -> SecretBox:
        """The key that seals TOTP secrets, read (or made) on first use."""
        if self._box is None:
            self._box = SecretBox.load_or_create(self.settings.account_key_path)
        return self._box

    # -- the operator's acts ------------------------------------------------------------

    def issue_setup_code(self, actor: str, operator: str) -> IssuedCode:
        """A one-time code with which ``actor`` sets a (first or new) password; it lifts
        a lockout, and any earlier code stops working."""
        issued = self.issue_setup_code_once(actor, operator, command_id=None)
        assert issued is not None  # only a caller's repeated command id is a duplicate
        return issued

    def issue_setup_code_once(
        self, actor: str, operator: str, *, command_id: str | None
    ) -> IssuedCode | None:
        """``issue_setup_code`` under a caller's command id (a form's): None when that id
        already issued the code, which was shown then and is never shown again."""
        acting = self.directory.as_operator(operator)
        self.directory.actor(actor)  # an unknown actor is refused
        code = new_setup_code()
        code_hash = hash_secret(code)
        now = self.clock()
        expires = now + timedelta(hours=self.settings.setup_code_hours)
        key = fingerprinted(command_id, ["issue_setup_code", actor]) if command_id else None
        meta = self._meta(acting, "setup-code", now, key)

        def issue(account: Account) -> None:
            if account.is_locked(now):
                account.unlock(meta)
            account.issue_setup_code(code_hash, expires, meta)

        result = self.ledger.execute(
            account_id(actor),
            meta,
            issue,
            create=functools.partial(Account.open, actor, meta),
        )
        self.store.clear_failures(actor)
        if not result.applied:
            return None
        url = f"{self.settings.public_url}/setup?{urlencode({'actor': actor})}"
        return IssuedCode(actor, code, expires, url)

    def unlock(self, actor: str, operator: str, *, command_id: str | None = None) -> None:
        """Lift a lockout (the ledger's and the failure count); ``command_id``, a form's,
        makes a repeated request one act."""
        acting = self.directory.as_operator(operator)
        account = self._account(actor)
        now = self.clock()
        if account.is_locked(now):
            key = fingerprinted(command_id, ["unlock", actor]) if command_id else None
            meta = self._meta(acting, "unlock", now, key)
            self.ledger.execute(account.id, meta, functools.partial(Account.unlock, meta=meta))
        self.store.clear_failures(actor)

    def accounts(self) -> list[AccountSummary]:
        """Every actor of the directory with the state of its account."""
        now = self.clock()
        rows = []
        for record in self.directory.actors():
            spec = record.spec
            account: Account | None = self.ledger.find(account_id(spec.id))
            state = "none"
            if account is not None:
                state = "active" if account.password_hash else "awaiting_setup"
            locked = self.store.locked_until(spec.id, now) or (
                account.locked_until if account and account.is_locked(now) else None
            )
            rows.append(
                AccountSummary(
                    actor_id=spec.id,
                    name=spec.name,
                    roles=[r.value for r in spec.roles],
                    state=state,
                    locked_until=locked,
                    totp=bool(account and account.totp),
                    tokens=len(account.live_tokens(now)) if account else 0,
                )
            )
        return rows

    # -- signing in ---------------------------------------------------------------------

    def set_password(
        self,
        actor: str,
        code: str,
        new_password: str,
        *,
        totp_secret: str | None = None,
        totp_code: str | None = None,
        source: str = LOCAL_SOURCE,
    ) -> None:
        """Set the password with an operator's setup code (used up), enrolling a second
        factor at once when given; a reset signs the person out everywhere."""
        now = self.clock()
        account = self.account(actor)
        self._refuse_if_locked(actor, account, now, source)
        setup = account.setup if account is not None else None
        live = setup.code_hash if setup is not None and now < setup.expires_at else None
        if not verify_secret(live, normal_code(code)) or account is None:
            self._failed(actor, now, account, source)
            raise SetupRefused()
        check_password_policy(actor, new_password)
        sealed = None
        if totp_secret:
            self._check_totp_proof(totp_secret, totp_code, now)
            sealed = self.box.seal(totp_secret, str(account.id))
        elif self.totp_required(actor):
            raise TotpEnrolmentRequired()
        meta = self._meta(self._self_acting(actor), "setup", now)

        def reset(aggregate: Account) -> None:
            aggregate.set_password_with_code(hash_secret(new_password), meta)
            if sealed is not None:
                aggregate.enable_totp(sealed, self.box.key_id, meta)
            elif aggregate.totp is not None:
                aggregate.disable_totp(meta)

        self.ledger.execute(account.id, meta, reset)
        self.store.clear_failures(actor)
        self.store.close_sessions_of(actor)

    def verify(
        self, actor: str, password: str, totp: str | None = None, *, source: str = LOCAL_SOURCE
    ) -> SignedInActor:
        """The actor, when the password (and the TOTP code where one is enrolled) is right.

        Every wrong answer, for a known id or not, is the same refusal and counts towards
        the lock of this id for ``source`` (the client's address) and towards the ceiling
        that locks it everywhere; the locks of a real account are recorded in the ledger.
        """
        now = self.clock()
        account = self.account(actor)
        self._refuse_if_locked(actor, account, now, source)
        proved = verify_secret(account.password_hash if account else None, password)
        if proved and account is not None and account.totp is not None:
            secret = self.box.open(account.totp.sealed, str(account.id))
            proved = secret is not None and self._totp_matches(actor, secret, totp or "", now)
        if not proved or account is None:
            self._failed(actor, now, account, source)
            raise SignInRefused()
        if account.totp is None and self.totp_required(actor):
            raise TotpEnrolmentRequired()
        self.store.signed_in_from(actor, source)
        return self.signed_in(actor)

    def change_password(
        self,
        actor: str,
        current: str,
        new_password: str,
        *,
        keep_session: str | None = None,
        source: str = LOCAL_SOURCE,
    ) -> None:
        """A new password from the signed-in person who typed the current one; their
        other sessions (all but ``keep_session``) are closed."""
        now = self.clock()
        account = self._account(actor)
        if not verify_secret(account.password_hash, current):
            self._failed(actor, now, account, source)
            raise SignInRefused()
        check_password_policy(actor, new_password)
        meta = self._meta(self._self_acting(actor), "password", now)
        self.ledger.execute(
            account.id,
            meta,
            functools.partial(
                Account.change_password, password_hash=hash_secret(new_password), meta=meta
            ),
        )
        self.store.close_sessions_of(actor, keep=keep_session)

    def signed_in(self, actor: str) -> SignedInActor:
        """The actor as the directory names it now."""
        return _signed_in(self.directory.actor(actor, find=self._fresh()))

    def _fresh(self) -> Finder:
        """Reads as fresh as the ledger's (after one catch-up with its log), from memory."""
        self._latest.tail.catch_up()
        return lambda aggregate_id: self._latest.get(aggregate_id, catch_up=False)

    def account(self, actor: str) -> Account | None:
        """The account of a directory actor, or None (no account, or not in the directory)."""
        try:
            self.directory.actor(actor)
        except (NotFound, InvalidInput):
            return None
        found: Account | None = self.ledger.find(account_id(actor))
        return found

    # -- second factor ------------------------------------------------------------------

    def totp_required(self, actor: str) -> bool:
        """Whether the actor's roles must sign in with a TOTP code (a setting)."""
        roles = {r.value for r in self.directory.actor(actor).spec.roles}
        return bool(roles & set(self.settings.totp_required_roles))

    @staticmethod
    def new_totp_secret() -> str:
        return pyotp.random_base32()

    def totp_uri(self, actor: str, secret: str) -> str:
        """The ``otpauth://`` URI an authenticator app reads (as a QR code or typed)."""
        return pyotp.TOTP(secret).provisioning_uri(name=actor, issuer_name=TOTP_ISSUER)

    def enrol_totp(self, actor: str, secret: str, code: str) -> None:
        """Enrol (or replace) the second factor, proved by a current code from it."""
        now = self.clock()
        account = self._account(actor)
        account.check_has_password()
        self._check_totp_proof(secret, code, now)
        meta = self._meta(self._self_acting(actor), "totp", now)
        sealed = self.box.seal(secret, str(account.id))
        self.ledger.execute(
            account.id,
            meta,
            functools.partial(
                Account.enable_totp, sealed_secret=sealed, key_id=self.box.key_id, meta=meta
            ),
        )

    def offered_totp(self, session_id: str, session: WebSession) -> str:
        """The secret offered to this session for enrolment, kept (sealed) until used, so a
        reload shows the secret the person's app already scanned."""
        context = f"pending:{session.actor}"
        if session.pending_totp:
            secret = self.box.open(session.pending_totp, context)
            if secret is not None:
                return secret
        secret = self.new_totp_secret()
        self.store.set_pending_totp(session_id, self.box.seal(secret, context))
        return secret

    def enrol_offered_totp(self, session_id: str, session: WebSession, code: str) -> None:
        """Enrol the secret offered to this session, proved by a current code."""
        secret = self.offered_totp(session_id, session)
        self.enrol_totp(session.actor, secret, code)
        self.store.set_pending_totp(session_id, None)

    def disable_totp(self, actor: str, password: str, *, source: str = LOCAL_SOURCE) -> None:
        """Remove the second factor (refused where the role requires one)."""
        now = self.clock()
        account = self._account(actor)
        if not verify_secret(account.password_hash, password):
            self._failed(actor, now, account, source)
            raise SignInRefused()
        if self.totp_required(actor):
            raise NotAuthorised(
                "您的角色须使用动态口令，不能解除绑定", "your role requires a TOTP second factor"
            )
        meta = self._meta(self._self_acting(actor), "totp-off", now)
        self.ledger.execute(account.id, meta, functools.partial(Account.disable_totp, meta=meta))

    # -- API tokens ---------------------------------------------------------------------

    def issue_token(
        self, actor: str, label: str, *, days: int | None = None, command_id: str | None = None
    ) -> IssuedToken | None:
        """A new API token acting as ``actor``; None when ``command_id`` already issued one
        (the token was shown then, and is never shown again)."""
        if current_channel() is Channel.API:
            raise NotAuthorised(
                "API 令牌不能签发新令牌：请登录网页签发", "an API token cannot issue tokens"
            )
        now = self.clock()
        account = self._account(actor)
        account.check_has_password()
        token_id, token = new_token(actor)
        expires = now + timedelta(days=days or self.settings.api_token_days)
        key = fingerprinted(command_id, ["issue_token", actor, label]) if command_id else None
        meta = self._meta(self._self_acting(actor), "token", now, key)
        result = self.ledger.execute(
            account.id,
            meta,
            functools.partial(
                Account.issue_token,
                token_id=token_id,
                token_hash=token_hash(token),
                label=label,
                expires_at=expires,
                meta=meta,
            ),
        )
        return IssuedToken(token_id, token, label.strip(), expires) if result.applied else None

    def revoke_token(self, actor: str, token_id: str) -> None:
        """Revoke one of ``actor``'s own tokens."""
        account = self._account(actor)
        meta = self._meta(self._self_acting(actor), "revoke", self.clock())
        self.ledger.execute(
            account.id, meta, functools.partial(Account.revoke_token, token_id=token_id, meta=meta)
        )

    def tokens(self, actor: str) -> list[ApiToken]:
        """The actor's tokens, newest first (their hashes only)."""
        account = self.account(actor)
        found = list(account.tokens.values()) if account else []
        return sorted(found, key=lambda t: t.issued_at, reverse=True)

    def token_actor(self, token: str) -> SignedInActor | None:
        """Who a bearer token acts as, or None (malformed, unknown, expired, revoked)."""
        return self._token_actor(token, self._fresh())

    async def token_actor_async(self, token: str) -> SignedInActor | None:
        """:meth:`token_actor` for a caller on an event loop: after a catch-up shared with
        the requests arriving meanwhile, from memory on the loop (in a thread when the
        account or the actor must be read from the ledger first), as fresh either way."""
        await self._latest.tail.caught_up()
        try:
            return self._token_actor(token, self._latest.in_memory)
        except NotInMemory:
            return await asyncio.to_thread(self.token_actor, token)

    def _token_actor(self, token: str, find: Finder) -> SignedInActor | None:
        parts = token_parts(token)
        if parts is None:
            return None
        actor, token_id = parts
        try:
            record = self.directory.actor(actor, find=find)
        except (NotFound, InvalidInput):
            return None  # no longer in the directory: its tokens act for nobody
        account: Account | None = find(account_id(actor))
        found = account.tokens.get(token_id) if account else None
        if found is None or not found.valid_at(self.clock()):
            return None
        return _signed_in(record) if same(found.token_hash, token_hash(token)) else None

    # -- web sessions -------------------------------------------------------------------

    def open_session(self, actor: str) -> tuple[str, str]:
        """A new session (opaque id, CSRF token) for a person who just signed in."""
        return self.store.open_session(actor, self.clock())

    def session(self, session_id: str) -> WebSession | None:
        """The live session of a cookie, or None (unknown, idle too long, too old)."""
        return self.store.session(
            session_id,
            self.clock(),
            idle=timedelta(minutes=self.settings.session_idle_minutes),
            lifetime=timedelta(hours=self.settings.session_lifetime_hours),
        )

    def session_actor(self, session_id: str) -> tuple[WebSession, SignedInActor] | None:
        """The live session of a cookie and who it is (None: no session, or its person is
        no longer in the directory): one call per request."""
        session = self.session(session_id)
        if session is None:
            return None
        try:
            return session, self.signed_in(session.actor)
        except (NotFound, InvalidInput):
            return None

    def close_session(self, session_id: str) -> None:
        self.store.close_session(session_id)

    # -- helpers ------------------------------------------------------------------------

    def _account(self, actor: str) -> Account:
        account = self.account(actor)
        if account is None:
            raise NotFound(f"人员 {actor} 尚无账号", f"{actor} has no account")
        return account

    def _self_acting(self, actor: str) -> Acting:
        """The person acting on their own account, in their first role."""
        return self.directory.acting(actor, self.directory.actor(actor).spec.roles[0])

    def _meta(
        self, acting: Acting, kind: str, now: datetime, command_id: str | None = None
    ) -> CommandMeta:
        return CommandMeta(
            command_id=command_id or f"account:{kind}:{uuid.uuid4()}",
            acting=acting,
            occurred_at=now,
        )

    def _refuse_if_locked(
        self, actor: str, account: Account | None, now: datetime, source: str
    ) -> None:
        """Refuse while this id is locked everywhere or for ``source`` (the store's count,
        or the ledger's lock: either one outlives the other's loss)."""
        ends = [self.store.locked_until(actor, now, source=source)]
        if account is not None:
            ends.append(account.locked_for(source, now))
        until = max((end for end in ends if end is not None), default=None)
        if until is not None:
            raise AccountLocked(max(1, round((until - now).total_seconds() / 60 + 0.49)))

    def _failed(self, actor: str, now: datetime, account: Account | None, source: str) -> None:
        """Count a failure from ``source`` and over all sources; at a limit, lock this id
        for that source, or everywhere (in the ledger too, for a real account)."""
        settings = self.settings
        lock_for = timedelta(minutes=settings.signin_lockout_minutes)
        here = self.store.record_failure(
            actor, now, limit=settings.signin_max_failures, lock_for=lock_for, source=source
        )
        everywhere = self.store.record_failure(
            actor, now, limit=settings.signin_max_failures_everywhere, lock_for=lock_for
        )
        account = account or self.account(actor)
        if account is None or (here is None and everywhere is None):
            return
        if everywhere is not None:
            until, scope = everywhere, ""
            n = settings.signin_max_failures_everywhere
            reason = f"各来源合计连续 {n} 次登录失败 / {n} consecutive failures from all sources"
        else:
            assert here is not None
            until, scope = here, source
            n = settings.signin_max_failures
            reason = f"来自 {source} 连续 {n} 次登录失败 / {n} consecutive failures from {source}"
        engine = system_acting().model_copy(update={"channel": current_channel()})
        meta = self._meta(engine, "lock", now)
        self.ledger.execute(
            account.id,
            meta,
            functools.partial(Account.lock, until=until, reason=reason, meta=meta, source=scope),
        )

    def _check_totp_proof(self, secret: str, code: str | None, now: datetime) -> None:
        if totp_step(secret, code or "", now, enrolling=True) is None:
            raise InvalidInput(
                "动态口令不正确：请输入验证器应用当前显示的 6 位数字",
                "wrong TOTP code: type the 6 digits your authenticator app shows now",
            )

    def _totp_matches(self, actor: str, secret: str, code: str, now: datetime) -> bool:
        """A code of the current step (±1), not used before: each code signs in once."""
        step = totp_step(secret, code, now)
        return step is not None and self.store.use_totp_step(actor, step)


def _signed_in(record: ActorRecord) -> SignedInActor:
    spec = record.spec
    return SignedInActor(spec.id, spec.name, [r.value for r in spec.roles])
