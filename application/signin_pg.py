"""The sign-in store on PostgreSQL: sessions and failure counts that every web process of
one ledger shares, so a person signed in (or out, or locked) on one is so on all of them.

Its tables sit beside the ledger's, in the ledger's schema, and are reached through the
ledger's own connection pool. Like the ledger's, they are created by ``unionflow migrate``
(and the start of ``up`` and ``worker``), never by every process that opens them; a web
process that finds none is refused, naming that command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from application.signin_store import SQLITE_TABLES, Run, SignInStore, schema_statements
from domain.errors import NotFound
from ledger.app import Ledger

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

PREFIX = "web_"  # the tables are web_sessions, web_failures, web_source_failures, web_totp_used


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def datastore_of(ledger: Ledger) -> PostgresDatastore | None:
    """The ledger's PostgreSQL datastore (pool and schema), or None on SQLite."""
    if ledger.env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    datastore: PostgresDatastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    return datastore


class PostgresSignInStore(SignInStore):
    """Sessions and failure counts in tables beside the ledger's (``web_*``)."""

    def __init__(self, datastore: PostgresDatastore, *, prefix: str = PREFIX) -> None:
        self.datastore = datastore
        self.prefix = prefix
        schema = _quoted(datastore.schema)
        super().__init__({k: f"{schema}.{_quoted(prefix + k)}" for k in SQLITE_TABLES})

    @classmethod
    def of(cls, ledger: Ledger) -> PostgresSignInStore:
        datastore = datastore_of(ledger)
        if datastore is None:
            raise ValueError("the ledger is not on PostgreSQL")
        return cls(datastore)

    @contextmanager
    def _tx(self) -> Iterator[Run]:
        with self.datastore.transaction(commit=True) as curs:

            def run(sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
                curs.execute(sql.replace("?", "%s"), args)  # type: ignore[call-overload]
                rows: list[Any] = curs.fetchall() if curs.description else []
                return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

            yield run

    def create_tables(self) -> None:
        """Create the tables where missing; idempotent, one process at a time (the others
        wait for the first under an advisory lock)."""
        lock = f"unionflow sign-in tables: {self.datastore.schema}.{self.prefix}"
        with self._tx() as run:
            run("SELECT pg_advisory_xact_lock(hashtext(?))", (lock,))
            for statement in schema_statements(self.t, _quoted(f"{self.prefix}sessions_actor")):
                run(statement, ())

    def has_tables(self) -> bool:
        rows = self._run(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = ? AND tablename LIKE ?",
            (self.datastore.schema, f"{self.prefix}%"),
        )
        return int(rows[0][0]) >= len(SQLITE_TABLES)  # type: ignore[call-overload]

    def drop_tables(self) -> None:
        """Remove the tables (tests; a store nobody uses any more)."""
        with self._tx() as run:
            for table in self.t.values():
                run(f"DROP TABLE IF EXISTS {table}", ())


def create_signin_tables(ledger: Ledger) -> None:
    """``unionflow migrate``'s part for sign-in: the shared tables (nothing on SQLite,
    whose file creates its own as it opens)."""
    if datastore_of(ledger) is not None:
        PostgresSignInStore.of(ledger).create_tables()


def open_postgres_store(ledger: Ledger) -> PostgresSignInStore:
    """The shared store of a PostgreSQL ledger, refused until ``unionflow migrate`` ran."""
    store = PostgresSignInStore.of(ledger)
    if not store.has_tables():
        schema = store.datastore.schema
        raise NotFound(
            f"PostgreSQL 模式 {schema} 中还没有登录会话数据表：先运行 unionflow migrate",
            f"the PostgreSQL schema {schema} has no sign-in tables: run unionflow migrate first",
        )
    return store
