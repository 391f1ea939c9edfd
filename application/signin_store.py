"""Web sessions and failed sign-in counts: a small SQLite file beside the ledger.

Nothing here is a business fact, so none of it is in the ledger: a session is an opaque
random id (stored only as its SHA-256, so a copy of this file opens no session), the
actor it signs in, its CSRF token and when it was made and last used. Failed sign-ins
are counted per typed id, known or not, so a lockout tells nobody whether an id exists;
the lock of a real account is also recorded in the ledger (``Account.Locked``). The file
is created 0600 in the 0700 data directory; losing it signs everybody out, nothing more.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.local_db import LocalDb

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL,
    pending_totp TEXT
);
CREATE INDEX IF NOT EXISTS sessions_actor ON sessions (actor);
CREATE TABLE IF NOT EXISTS failures (
    login TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    locked_until REAL
);
CREATE TABLE IF NOT EXISTS totp_used (
    actor TEXT PRIMARY KEY,
    step INTEGER NOT NULL
);
"""

# last_seen is written at most this often: a page view is not a write each time.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class WebSession:
    """A live session: who, its CSRF token, a TOTP secret waiting for its first code."""

    actor: str
    csrf: str
    created: datetime
    last_seen: datetime
    pending_totp: str | None = None


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SignInStore(LocalDb):
    """Sessions and failure counts, shared by the threads of one web process."""

    SCHEMA = SCHEMA

    def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock, self._db:
            return self._db.execute(sql, args).fetchall()

    # -- sessions ---------------------------------------------------------------------

    def open_session(self, actor: str, now: datetime) -> tuple[str, str]:
        """A new session for ``actor``: (opaque session id for the cookie, CSRF token)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        at = now.timestamp()
        self._run(
            "INSERT INTO sessions (id_hash, actor, csrf, created, last_seen) VALUES (?,?,?,?,?)",
            (_digest(session_id), actor, csrf, at, at),
        )
        return session_id, csrf

    def session(
        self, session_id: str, now: datetime, *, idle: timedelta, lifetime: timedelta
    ) -> WebSession | None:
        """The live session of this id, used now; an idle or too old one is closed."""
        rows = self._run(
            "SELECT actor, csrf, created, last_seen, pending_totp FROM sessions WHERE id_hash = ?",
            (_digest(session_id),),
        )
        if not rows:
            return None
        actor, csrf, created_at, seen_at, pending = rows[0]
        created = datetime.fromtimestamp(float(created_at), tz=now.tzinfo)  # type: ignore[arg-type]
        seen = datetime.fromtimestamp(float(seen_at), tz=now.tzinfo)  # type: ignore[arg-type]
        if now - seen >= idle or now - created >= lifetime:
            self.close_session(session_id)
            return None
        if now - seen >= TOUCH_EVERY:
            self._run(
                "UPDATE sessions SET last_seen = ? WHERE id_hash = ?",
                (now.timestamp(), _digest(session_id)),
            )
            seen = now
        return WebSession(str(actor), str(csrf), created, seen, str(pending) if pending else None)

    def close_session(self, session_id: str) -> None:
        self._run("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))

    def close_sessions_of(self, actor: str, *, keep: str | None = None) -> None:
        """Sign ``actor`` out everywhere (but the session ``keep``)."""
        self._run(
            "DELETE FROM sessions WHERE actor = ? AND id_hash != ?",
            (actor, _digest(keep) if keep else ""),
        )

    def set_pending_totp(self, session_id: str, sealed: str | None) -> None:
        self._run(
            "UPDATE sessions SET pending_totp = ? WHERE id_hash = ?",
            (sealed, _digest(session_id)),
        )

    def sessions_of(self, actor: str) -> int:
        rows = self._run("SELECT count(*) FROM sessions WHERE actor = ?", (actor,))
        return int(rows[0][0])  # type: ignore[call-overload]

    # -- failed sign-ins --------------------------------------------------------------

    def locked_until(self, login: str, now: datetime) -> datetime | None:
        """When the lock on this typed id ends, if it is locked now."""
        rows = self._run("SELECT locked_until FROM failures WHERE login = ?", (login,))
        if not rows or rows[0][0] is None:
            return None
        until = datetime.fromtimestamp(float(rows[0][0]), tz=now.tzinfo)  # type: ignore[arg-type]
        return until if now < until else None

    def record_failure(
        self, login: str, now: datetime, *, limit: int, lock_for: timedelta
    ) -> datetime | None:
        """Count a failed sign-in; the lock's end when this failure reaches ``limit``."""
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT count, locked_until FROM failures WHERE login = ?", (login,)
            ).fetchone()
            count = 1
            if row is not None:
                lapsed = row[1] is not None and now.timestamp() >= float(row[1])
                count = 1 if lapsed else int(row[0]) + 1
            until = now + lock_for if count >= limit else None
            self._db.execute(
                "INSERT INTO failures (login, count, locked_until) VALUES (?,?,?) "
                "ON CONFLICT (login) DO UPDATE SET count = excluded.count, "
                "locked_until = excluded.locked_until",
                (login, count, until.timestamp() if until else None),
            )
            return until

    def clear_failures(self, login: str) -> None:
        self._run("DELETE FROM failures WHERE login = ?", (login,))

    def failures(self, login: str) -> int:
        rows = self._run("SELECT count FROM failures WHERE login = ?", (login,))
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def use_totp_step(self, actor: str, step: int) -> bool:
        """Whether the TOTP time step ``step`` is new for ``actor`` (a code works once)."""
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT step FROM totp_used WHERE actor = ?", (actor,)
            ).fetchone()
            if row is not None and int(row[0]) >= step:
                return False
            self._db.execute(
                "INSERT INTO totp_used (actor, step) VALUES (?, ?) "
                "ON CONFLICT (actor) DO UPDATE SET step = excluded.step",
                (actor, step),
            )
            return True
