"""The web's small stores (sign-in sessions, check-in codes): one SQL text that runs on a
SQLite file of this host or on tables beside a PostgreSQL ledger's, which every web process
of that ledger then shares. Nothing they hold is a business fact, so none of it is in the
ledger.

A store writes its SQL once over ``SqlStore`` (``?`` placeholders, ``{name}`` for its
tables; each backend runs a statement list in one transaction). ``LocalTables`` runs it on
the SQLite file; ``PostgresTables`` through the ledger's connection pool, on tables named
``prefix + name`` in the ledger's schema, which only ``unionflow migrate`` creates (a
process that finds none is refused, naming that command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from application.local_db import LocalDb
from domain.errors import NotFound

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

    from ledger.app import Ledger

Run = Callable[[str, tuple[object, ...]], list[tuple[object, ...]]]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def statements(schema: str, **names: str) -> list[str]:
    """The statements of a ``;``-separated schema text with its names filled in."""
    return [s.strip() for s in schema.format(**names).split(";") if s.strip()]


def datastore_of(ledger: Ledger) -> PostgresDatastore | None:
    """The ledger's PostgreSQL datastore (pool and schema), or None on SQLite."""
    if ledger.env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    datastore: PostgresDatastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    return datastore


class SqlStore:
    """A store's SQL over one database; ``t`` maps its table names to the real ones."""

    def __init__(self, tables: dict[str, str]) -> None:
        self.t = tables

    @contextmanager
    def _tx(self) -> Iterator[Run]:
        """One transaction: a function that runs a statement and returns its rows."""
        raise NotImplementedError
        yield  # pragma: no cover

    def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._tx() as run:
            return run(sql.format(**self.t), args)

    def close(self) -> None:
        """Release what the store holds open."""


class LocalTables(LocalDb):
    """The SQLite backend (put before the store among the bases): the file's connection
    under its lock, one ``with`` a transaction."""

    @contextmanager
    def _tx(self) -> Iterator[Run]:
        with self._lock, self._db:
            yield lambda sql, args: self._db.execute(sql, args).fetchall()


class PostgresTables:
    """The PostgreSQL backend (put before the store among the bases): tables
    ``prefix + name`` in the ledger's schema, through the ledger's pool."""

    def __init__(self, datastore: PostgresDatastore, names: Iterable[str], prefix: str) -> None:
        self.datastore = datastore
        self.prefix = prefix
        schema = quoted(datastore.schema)
        self.t = {k: f"{schema}.{quoted(prefix + k)}" for k in names}

    @contextmanager
    def _tx(self) -> Iterator[Run]:
        with self.datastore.transaction(commit=True) as curs:

            def run(sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
                curs.execute(sql.replace("?", "%s"), args)  # type: ignore[call-overload]
                rows: list[Any] = curs.fetchall() if curs.description else []
                return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

            yield run

    def create(self, schema_statements: list[str]) -> None:
        """Create the tables where missing; idempotent, one process at a time (the others
        wait for the first under an advisory lock)."""
        lock = f"unionflow web tables: {self.datastore.schema}.{self.prefix}"
        with self._tx() as run:
            run("SELECT pg_advisory_xact_lock(hashtext(?))", (lock,))
            for statement in schema_statements:
                run(statement, ())

    def has_tables(self) -> bool:
        names = [self.prefix + k for k in self.t]
        with self._tx() as run:
            rows = run(
                "SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname = ? AND tablename = ANY(?)",
                (self.datastore.schema, names),
            )
        return int(rows[0][0]) == len(names)  # type: ignore[call-overload]

    def drop_tables(self) -> None:
        """Remove the tables (tests; a store nobody uses any more)."""
        with self._tx() as run:
            for table in self.t.values():
                run(f"DROP TABLE IF EXISTS {table}", ())

    def refuse_unmigrated(self, what: tuple[str, str]) -> None:
        """Refuse a store whose tables ``unionflow migrate`` has not made (``what``: the
        tables, in Chinese and English)."""
        if not self.has_tables():
            schema = self.datastore.schema
            raise NotFound(
                f"PostgreSQL 模式 {schema} 中还没有{what[0]}数据表：先运行 unionflow migrate",
                f"the PostgreSQL schema {schema} has no {what[1]} tables: "
                "run unionflow migrate first",
            )
