"""Web sessions and failed sign-in counts: a small SQLite file beside the ledger, or, when
the ledger is on PostgreSQL, tables beside the ledger's that every web process shares.

Nothing here is a business fact, so none of it is in the ledger: a session is an opaque
random id (stored only as its SHA-256, so a copy of these rows opens no session), the
actor it signs in, its CSRF token and when it was made and last used. Failed sign-ins
are counted per typed id, known or not, so a lockout tells nobody whether an id exists:
per typed id and source (the client's address), which locks that id for that source
only, and per typed id over every source, the ceiling that locks it everywhere. The
locks of a real account are also recorded in the ledger (``Account.Locked``). The SQLite
file is created 0600 in the 0700 data directory; losing it signs everybody out, nothing
more. The SQL is written once for both databases (``application.sql_tables``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from application.sql_tables import LocalTables, SqlStore, statements
from settings import LedgerBackend, Settings

if TYPE_CHECKING:
    from ledger.app import Ledger

# Table names of the SQLite file (kept from its first version: an existing file reads on).
SQLITE_TABLES = {
    "sessions": "sessions",
    "failures": "failures",
    "source_failures": "source_failures",
    "totp_used": "totp_used",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS {sessions} (
    id_hash TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL,
    pending_totp TEXT
);
CREATE INDEX IF NOT EXISTS {sessions_index} ON {sessions} (actor);
CREATE TABLE IF NOT EXISTS {failures} (
    login TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    locked_until DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS {source_failures} (
    login TEXT NOT NULL,
    source TEXT NOT NULL,
    count INTEGER NOT NULL,
    locked_until DOUBLE PRECISION,
    PRIMARY KEY (login, source)
);
CREATE TABLE IF NOT EXISTS {totp_used} (
    actor TEXT PRIMARY KEY,
    step BIGINT NOT NULL
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


def schema_statements(tables: dict[str, str], index: str) -> list[str]:
    """The statements that create the store's tables (``index``: the actor index's name)."""
    return statements(SCHEMA, **tables, sessions_index=index)


class SignInStore(SqlStore):
    """Sessions and failure counts over one SQL database (see the backends below)."""

    # -- sessions ---------------------------------------------------------------------

    def open_session(self, actor: str, now: datetime) -> tuple[str, str]:
        """A new session for ``actor``: (opaque session id for the cookie, CSRF token)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        at = now.timestamp()
        self._run(
            "INSERT INTO {sessions} (id_hash, actor, csrf, created, last_seen) VALUES (?,?,?,?,?)",
            (_digest(session_id), actor, csrf, at, at),
        )
        return session_id, csrf

    def session(
        self, session_id: str, now: datetime, *, idle: timedelta, lifetime: timedelta
    ) -> WebSession | None:
        """The live session of this id, used now; an idle or too old one is closed."""
        rows = self._run(
            "SELECT actor, csrf, created, last_seen, pending_totp FROM {sessions} "
            "WHERE id_hash = ?",
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
                "UPDATE {sessions} SET last_seen = ? WHERE id_hash = ?",
                (now.timestamp(), _digest(session_id)),
            )
            seen = now
        return WebSession(str(actor), str(csrf), created, seen, str(pending) if pending else None)

    def close_session(self, session_id: str) -> None:
        self._run("DELETE FROM {sessions} WHERE id_hash = ?", (_digest(session_id),))

    def close_sessions_of(self, actor: str, *, keep: str | None = None) -> None:
        """Sign ``actor`` out everywhere (but the session ``keep``)."""
        self._run(
            "DELETE FROM {sessions} WHERE actor = ? AND id_hash != ?",
            (actor, _digest(keep) if keep else ""),
        )

    def set_pending_totp(self, session_id: str, sealed: str | None) -> None:
        self._run(
            "UPDATE {sessions} SET pending_totp = ? WHERE id_hash = ?",
            (sealed, _digest(session_id)),
        )

    def sessions_of(self, actor: str) -> int:
        rows = self._run("SELECT count(*) FROM {sessions} WHERE actor = ?", (actor,))
        return int(rows[0][0])  # type: ignore[call-overload]

    # -- failed sign-ins: per typed id and source, and per typed id everywhere ----------

    def _where(self, source: str | None) -> tuple[str, str, tuple[str, ...]]:
        """(table, key condition, key columns) of the count of ``source`` (None: all)."""
        if source is None:
            return self.t["failures"], "login = ?", ("login",)
        return self.t["source_failures"], "login = ? AND source = ?", ("login", "source")

    @staticmethod
    def _key(login: str, source: str | None) -> tuple[str, ...]:
        return (login,) if source is None else (login, source)

    def locked_until(
        self, login: str, now: datetime, *, source: str | None = None
    ) -> datetime | None:
        """When the lock on this typed id ends, if it is locked now: everywhere, or (with
        ``source``) for that source, whichever ends later."""
        ends: list[float] = []
        for scope in (None, source) if source is not None else (None,):
            table, where, _ = self._where(scope)
            rows = self._run(
                f"SELECT locked_until FROM {table} WHERE {where}", self._key(login, scope)
            )
            if rows and rows[0][0] is not None and now.timestamp() < float(rows[0][0]):  # type: ignore[arg-type]
                ends.append(float(rows[0][0]))  # type: ignore[arg-type]
        return datetime.fromtimestamp(max(ends), tz=now.tzinfo) if ends else None

    def record_failure(
        self,
        login: str,
        now: datetime,
        *,
        limit: int,
        lock_for: timedelta,
        source: str | None = None,
    ) -> datetime | None:
        """Count a failed sign-in (from ``source``; None: the count over every source);
        the lock's end when this failure reaches ``limit``. One statement counts, so two
        processes counting at once both count."""
        table, where, columns = self._where(source)
        key = self._key(login, source)
        at = now.timestamp()
        lapsed = "f.locked_until IS NOT NULL AND f.locked_until <= ?"
        with self._tx() as run:
            rows = run(
                f"INSERT INTO {table} AS f ({', '.join(columns)}, count, locked_until) "
                f"VALUES ({', '.join('?' for _ in columns)}, 1, NULL) "
                f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET "
                f"count = CASE WHEN {lapsed} THEN 1 ELSE f.count + 1 END, "
                f"locked_until = CASE WHEN {lapsed} THEN NULL ELSE f.locked_until END "
                "RETURNING count",
                (*key, at, at),
            )
            if int(rows[0][0]) < limit:  # type: ignore[call-overload]
                return None
            until = now + lock_for
            run(f"UPDATE {table} SET locked_until = ? WHERE {where}", (until.timestamp(), *key))
            return until

    def clear_failures(self, login: str) -> None:
        """Forget every failure of this typed id, from every source (an operator's act)."""
        with self._tx() as run:
            run(f"DELETE FROM {self.t['failures']} WHERE login = ?", (login,))
            run(f"DELETE FROM {self.t['source_failures']} WHERE login = ?", (login,))

    def signed_in_from(self, login: str, source: str) -> None:
        """A right answer from ``source``: its failures, and the run over every source,
        end (failures elsewhere keep their own lock)."""
        with self._tx() as run:
            run(f"DELETE FROM {self.t['failures']} WHERE login = ?", (login,))
            run(
                f"DELETE FROM {self.t['source_failures']} WHERE login = ? AND source = ?",
                (login, source),
            )

    def failures(self, login: str, *, source: str | None = None) -> int:
        table, where, _ = self._where(source)
        rows = self._run(f"SELECT count FROM {table} WHERE {where}", self._key(login, source))
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def use_totp_step(self, actor: str, step: int) -> bool:
        """Whether the TOTP time step ``step`` is new for ``actor`` (a code works once;
        one statement, so of two processes given the same code only one accepts it)."""
        rows = self._run(
            "INSERT INTO {totp_used} AS u (actor, step) VALUES (?, ?) "
            "ON CONFLICT (actor) DO UPDATE SET step = excluded.step WHERE u.step < excluded.step "
            "RETURNING step",
            (actor, step),
        )
        return bool(rows)


class LocalSignInStore(LocalTables, SignInStore):
    """The store in a SQLite file of this host, shared by the threads of one web process."""

    def __init__(self, path: Path) -> None:
        SignInStore.__init__(self, SQLITE_TABLES)
        self.SCHEMA = ";\n".join(schema_statements(SQLITE_TABLES, "sessions_actor")) + ";"
        LocalTables.__init__(self, path)


def open_signin_store(settings: Settings, ledger: Ledger) -> SignInStore:
    """The store for these settings: shared tables beside a PostgreSQL ledger (several web
    processes, one truth), else the SQLite file of this host."""
    if settings.ledger_backend is LedgerBackend.POSTGRES:
        from application.signin_pg import open_postgres_store

        return open_postgres_store(ledger)
    return LocalSignInStore(settings.signin_store_path)
