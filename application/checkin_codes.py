"""One-time check-in codes (签到码): a delegate shows one at the hall door, the desk types
or scans it, and the desk's check-in of that delegate follows (``SessionService``).

A code is 8 random symbols of the setup codes' alphabet (``7KQ4-M2XA``, about 40 bits),
bound to one delegate and one session, usable once and valid ``checkin_code_seconds``; a
new code for the same delegate and session replaces the last. Only a cadre of the unit at
the desk can redeem one, and after ``MAX_WRONG`` wrong codes in a row that desk's code entry
pauses for ``PAUSE``: guessing one of the live codes is out of reach.

A code is no business fact (the check-in it leads to is, recorded in the ledger as the
desk's act), so it is kept as the sign-in sessions are (``application.sql_tables``), as
its SHA-256 only, like a session id: in a small SQLite file of this host, or, on a
PostgreSQL ledger, in tables beside the ledger's (``web_checkin_*``, made by ``unionflow
migrate``) that every web process shares, so a code shown by one process is redeemed at
a door served by another. Losing them only means a delegate shows a new code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from application.account_secrets import new_code, normal_code
from application.congress import CongressService
from application.polls import PollService
from application.sql_tables import (
    LocalTables,
    PostgresTables,
    Run,
    SqlStore,
    datastore_of,
    quoted,
    statements,
)
from domain.actors import Role
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_unit_cadre
from domain.session import DESK, SessionStatus, SessionView
from settings import LedgerBackend, Settings

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

    from ledger.app import Ledger

CODE_GROUPS = 2
MAX_WRONG = 10
PAUSE = timedelta(minutes=1)
KEEP_USED = timedelta(days=1)  # a used or expired code still says so for a day

SCHEMA = """
CREATE TABLE IF NOT EXISTS {codes} (
    code_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    delegate TEXT NOT NULL,
    expires DOUBLE PRECISION NOT NULL,
    used DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS {holder_index} ON {codes} (session_id, delegate);
CREATE TABLE IF NOT EXISTS {wrong} (
    clerk TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    paused_until DOUBLE PRECISION
);
"""
# Table names of the SQLite file (kept from its first version: an existing file reads on).
TABLES = {"codes": "codes", "wrong": "wrong"}
PG_PREFIX = "web_checkin_"  # web_checkin_codes, web_checkin_wrong


class CheckInCodeRefused(InvalidInput):
    """A code that is wrong, used, expired or of another session: nothing changes."""

    code = "check_in_code_refused"


class TooManyWrongCodes(NotAuthorised):
    """The desk typed too many wrong codes in a row: code entry pauses for a while."""

    code = "check_in_code_paused"

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"连续输错签到码次数过多，请 {seconds} 秒后再试（输入代表编号不受影响）",
            f"too many wrong check-in codes in a row: try again in {seconds} s "
            "(typing a delegate's id still works)",
        )


WRONG = ("签到码不正确", "wrong check-in code")
USED = ("此签到码已使用过：请代表刷新页面，出示新的签到码", "this code was used: ask for a new one")
EXPIRED = (
    "此签到码已过期：请代表刷新页面，出示新的签到码",
    "this code has expired: ask for a new one",
)
ELSEWHERE = ("此签到码不是本次会议的", "this code is for another session")


@dataclass(frozen=True)
class IssuedCheckInCode:
    """A code as issued: shown on the delegate's phone only, stored as its hash."""

    session_id: str
    delegate: str
    code: str
    expires_at: datetime


def _digest(code: str) -> str:
    return hashlib.sha256(normal_code(code).encode("utf-8")).hexdigest()


class CheckInCodeStore(SqlStore):
    """Live codes and wrong-code counts over one SQL database (the backends below)."""

    def issue(self, session_id: str, delegate: str, expires: datetime) -> str:
        """A new code for this delegate and session; the earlier unused one stops working."""
        code = new_code(CODE_GROUPS)
        with self._tx() as run:
            run(
                f"DELETE FROM {self.t['codes']} WHERE (session_id = ? AND delegate = ? "
                "AND used IS NULL) OR expires < ?",
                (session_id, delegate, (expires - KEEP_USED).timestamp()),
            )
            run(
                f"INSERT INTO {self.t['codes']} (code_hash, session_id, delegate, expires) "
                "VALUES (?,?,?,?)",
                (_digest(code), session_id, delegate, expires.timestamp()),
            )
        return code

    def has_live(self, session_id: str, delegate: str, now: datetime) -> bool:
        """Whether this delegate holds an unused, unexpired code for this session."""
        rows = self._run(
            "SELECT 1 FROM {codes} WHERE session_id = ? AND delegate = ? AND used IS NULL "
            "AND expires > ?",
            (session_id, delegate, now.timestamp()),
        )
        return bool(rows)

    def redeem(self, session_id: str, code: str, clerk: str, now: datetime) -> str:
        """The delegate of a live code of this session, now used up; a refusal otherwise
        (counted against the clerk when no such code exists at all). Using it up is one
        conditional statement: of two doors given the same code, one gets the delegate."""
        codes, wrong, digest, at = self.t["codes"], self.t["wrong"], _digest(code), now.timestamp()
        with self._tx() as run:
            paused = run(f"SELECT paused_until FROM {wrong} WHERE clerk = ?", (clerk,))
            if paused and paused[0][0] is not None and at < float(paused[0][0]):  # type: ignore[arg-type]
                raise TooManyWrongCodes(max(1, int(float(paused[0][0]) - at)))  # type: ignore[arg-type]
            rows = run(
                f"SELECT session_id, expires, used FROM {codes} WHERE code_hash = ?", (digest,)
            )
            if not rows:
                self._count_wrong(run, clerk, now)
                refusal = WRONG
            elif rows[0][0] != session_id:
                refusal = ELSEWHERE
            elif rows[0][2] is not None:
                refusal = USED
            elif at >= float(rows[0][1]):  # type: ignore[arg-type]
                refusal = EXPIRED
            else:
                taken = run(
                    f"UPDATE {codes} SET used = ? WHERE code_hash = ? AND used IS NULL "
                    "RETURNING delegate",
                    (at, digest),
                )
                if taken:
                    run(f"DELETE FROM {wrong} WHERE clerk = ?", (clerk,))
                    return str(taken[0][0])
                refusal = USED  # another door used it a moment ago
        raise CheckInCodeRefused(*refusal)

    def _count_wrong(self, run: Run, clerk: str, now: datetime) -> None:
        """One more wrong code of this clerk, counted in one statement (two processes
        counting at once both count); the count's end pauses code entry."""
        wrong = self.t["wrong"]
        rows = run(
            f"INSERT INTO {wrong} AS w (clerk, count, paused_until) VALUES (?, 1, NULL) "
            "ON CONFLICT (clerk) DO UPDATE SET count = w.count + 1 RETURNING count",
            (clerk,),
        )
        if int(rows[0][0]) >= MAX_WRONG:  # type: ignore[call-overload]
            run(
                f"UPDATE {wrong} SET count = 0, paused_until = ? WHERE clerk = ?",
                ((now + PAUSE).timestamp(), clerk),
            )


class LocalCheckInCodeStore(LocalTables, CheckInCodeStore):
    """The codes in a SQLite file of this host, shared by the threads of one web process."""

    def __init__(self, path: Path) -> None:
        CheckInCodeStore.__init__(self, TABLES)
        self.SCHEMA = ";\n".join(statements(SCHEMA, **TABLES, holder_index="codes_holder")) + ";"
        LocalTables.__init__(self, path)


class PostgresCheckInCodeStore(PostgresTables, CheckInCodeStore):
    """The codes in tables beside a PostgreSQL ledger's (``web_checkin_*``)."""

    def __init__(self, datastore: PostgresDatastore, *, prefix: str = PG_PREFIX) -> None:
        PostgresTables.__init__(self, datastore, TABLES, prefix)

    @classmethod
    def of(cls, ledger: Ledger) -> PostgresCheckInCodeStore:
        datastore = datastore_of(ledger)
        if datastore is None:
            raise ValueError("the ledger is not on PostgreSQL")
        return cls(datastore)

    def create_tables(self) -> None:
        index = quoted(f"{self.prefix}holder")
        self.create(statements(SCHEMA, **self.t, holder_index=index))


def create_checkin_code_tables(ledger: Ledger) -> None:
    """``unionflow migrate``'s part for check-in codes (nothing on SQLite)."""
    if datastore_of(ledger) is not None:
        PostgresCheckInCodeStore.of(ledger).create_tables()


def open_checkin_code_store(settings: Settings, ledger: Ledger) -> CheckInCodeStore:
    """The store for these settings: shared tables beside a PostgreSQL ledger (refused
    until ``unionflow migrate`` made them), else the SQLite file of this host."""
    if settings.ledger_backend is LedgerBackend.POSTGRES:
        store = PostgresCheckInCodeStore.of(ledger)
        store.refuse_unmigrated(("签到码", "check-in code"))
        return store
    return LocalCheckInCodeStore(settings.checkin_codes_path)


class CheckInCodes:
    """Who may get a check-in code and who may redeem one (the one place that decides)."""

    def __init__(
        self,
        polls: PollService,
        congresses: CongressService,
        store: CheckInCodeStore,
        *,
        seconds: int,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.polls = polls
        self.congresses = congresses
        self.store = store
        self.seconds = seconds
        self.clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.store.close()

    def issue(self, session_id: str, delegate: str) -> IssuedCheckInCode | None:
        """A new code for a delegate of the session's congress, while the session is open;
        None when the delegate is already checked in."""
        view = self._open_session(
            session_id, ("签到码在会议开始后显示", "codes show once the session opens")
        )
        if self.congresses.delegate(view.congress_key, delegate) is None:
            raise NotAuthorised(
                f"{delegate} 不是本届职代会代表", f"{delegate} is not a delegate of this congress"
            )
        if self.polls.is_checked_in(session_id, delegate):
            return None
        expires = self.clock() + timedelta(seconds=self.seconds)
        code = self.store.issue(session_id, delegate, expires)
        return IssuedCheckInCode(session_id, delegate, code, expires)

    def has_live(self, session_id: str, delegate: str) -> bool:
        """Whether the delegate's last code is still usable (the phone keeps showing it)."""
        return self.store.has_live(session_id, delegate, self.clock())

    def redeem(self, session_id: str, clerk: str, code: str) -> str:
        """The delegate a desk's typed or scanned code names, the code used up. The desk
        must be a cadre of the unit and the session open, checked before the code is read."""
        view = self.polls.session(session_id)
        clerk_acting = self.polls.directory.acting(clerk, Role.CADRE)
        check_unit_cadre(clerk_acting, view.unit_org, DESK)
        self._open_session(
            session_id, ("会议未在进行中，不能签到", "the session is not open for check-in")
        )
        if not normal_code(code):
            raise CheckInCodeRefused(*WRONG)
        return self.store.redeem(session_id, code, clerk, self.clock())

    def _open_session(self, session_id: str, closed: tuple[str, str]) -> SessionView:
        view = self.polls.session(session_id)
        if view.status is not SessionStatus.OPEN:
            raise InvalidState(*closed)
        return view
