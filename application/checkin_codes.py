"""One-time check-in codes (签到码): a delegate shows one at the hall door, the desk types
or scans it, and the desk's check-in of that delegate follows (``SessionService``).

A code is 8 random symbols of the setup codes' alphabet (``7KQ4-M2XA``, about 40 bits),
bound to one delegate and one session, usable once and valid ``checkin_code_seconds``; a
new code for the same delegate and session replaces the last. Only a cadre of the unit at
the desk can redeem one, and after ``MAX_WRONG`` wrong codes in a row that desk's code entry
pauses for ``PAUSE``: guessing one of the live codes is out of reach.

A code is no business fact (the check-in it leads to is, recorded in the ledger as the
desk's act), so it lives in a small SQLite file beside the sign-in store, as its SHA-256
only, like a session id. Losing the file only means a delegate shows a new code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from application.account_secrets import new_code, normal_code
from application.congress import CongressService
from application.local_db import LocalDb
from application.polls import PollService
from domain.actors import Role
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_unit_cadre
from domain.session import DESK, SessionStatus, SessionView

CODE_GROUPS = 2
MAX_WRONG = 10
PAUSE = timedelta(minutes=1)
KEEP_USED = timedelta(days=1)  # a used or expired code still says so for a day

SCHEMA = """
CREATE TABLE IF NOT EXISTS codes (
    code_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    delegate TEXT NOT NULL,
    expires REAL NOT NULL,
    used REAL
);
CREATE INDEX IF NOT EXISTS codes_holder ON codes (session_id, delegate);
CREATE TABLE IF NOT EXISTS wrong (
    clerk TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    paused_until REAL
);
"""


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


class CheckInCodeStore(LocalDb):
    """Live codes and wrong-code counts, shared by the threads of one web process."""

    SCHEMA = SCHEMA

    def issue(self, session_id: str, delegate: str, expires: datetime) -> str:
        """A new code for this delegate and session; the earlier unused one stops working."""
        code = new_code(CODE_GROUPS)
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM codes WHERE (session_id = ? AND delegate = ? AND used IS NULL) "
                "OR expires < ?",
                (session_id, delegate, (expires - KEEP_USED).timestamp()),
            )
            self._db.execute(
                "INSERT INTO codes (code_hash, session_id, delegate, expires) VALUES (?,?,?,?)",
                (_digest(code), session_id, delegate, expires.timestamp()),
            )
        return code

    def has_live(self, session_id: str, delegate: str, now: datetime) -> bool:
        """Whether this delegate holds an unused, unexpired code for this session."""
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT 1 FROM codes WHERE session_id = ? AND delegate = ? AND used IS NULL "
                "AND expires > ?",
                (session_id, delegate, now.timestamp()),
            ).fetchone()
        return row is not None

    def redeem(self, session_id: str, code: str, clerk: str, now: datetime) -> str:
        """The delegate of a live code of this session, now used up; a refusal otherwise
        (counted against the clerk when no such code exists at all)."""
        with self._lock, self._db:
            paused = self._db.execute(
                "SELECT paused_until FROM wrong WHERE clerk = ?", (clerk,)
            ).fetchone()
            if paused and paused[0] is not None and now.timestamp() < float(paused[0]):
                raise TooManyWrongCodes(max(1, int(float(paused[0]) - now.timestamp())))
            row = self._db.execute(
                "SELECT session_id, delegate, expires, used FROM codes WHERE code_hash = ?",
                (_digest(code),),
            ).fetchone()
            if row is None:
                self._count_wrong(clerk, now)
                refusal = WRONG
            elif row[0] != session_id:
                refusal = ELSEWHERE
            elif row[3] is not None:
                refusal = USED
            elif now.timestamp() >= float(row[2]):
                refusal = EXPIRED
            else:
                self._db.execute(
                    "UPDATE codes SET used = ? WHERE code_hash = ?",
                    (now.timestamp(), _digest(code)),
                )
                self._db.execute("DELETE FROM wrong WHERE clerk = ?", (clerk,))
                return str(row[1])
        raise CheckInCodeRefused(*refusal)

    def _count_wrong(self, clerk: str, now: datetime) -> None:
        row = self._db.execute("SELECT count FROM wrong WHERE clerk = ?", (clerk,)).fetchone()
        count = (int(row[0]) if row else 0) + 1
        until = (now + PAUSE).timestamp() if count >= MAX_WRONG else None
        self._db.execute(
            "INSERT INTO wrong (clerk, count, paused_until) VALUES (?,?,?) "
            "ON CONFLICT (clerk) DO UPDATE SET count = excluded.count, "
            "paused_until = excluded.paused_until",
            (clerk, 0 if until else count, until),
        )


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
