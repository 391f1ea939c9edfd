"""The ledger's tables, created once in an explicit step instead of by every process.

eventsourcing creates its tables when a recorder is built, unless ``CREATE_TABLE`` is
false. On PostgreSQL that is a ``CREATE TYPE``, a ``CREATE TABLE``, an index and a
``CREATE OR REPLACE FUNCTION`` per process start, and catalog DDL is not safe run
together: of 21 CLI commands started at once, 1 to 3 crashed with "tuple concurrently
updated". So ordinary processes open a PostgreSQL ledger with ``CREATE_TABLE=false``, and
the tables are created by ``create_tables`` (``unionflow migrate``, and the start of
``unionflow up`` and ``unionflow worker``), one process at a time under an advisory lock.

SQLite keeps creating its tables on open: one file whose writer lock already serialises
``CREATE TABLE IF NOT EXISTS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.app import Ledger

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresApplicationRecorder


def _postgres(ledger: Ledger) -> PostgresApplicationRecorder | None:
    """The ledger's PostgreSQL recorder, or None on SQLite (which loads no psycopg)."""
    if ledger.env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    from eventsourcing.postgres import PostgresApplicationRecorder

    assert isinstance(ledger.recorder, PostgresApplicationRecorder)
    return ledger.recorder


def create_tables(ledger: Ledger) -> None:
    """Create the ledger's tables where they are missing; idempotent, and safe to run from
    several processes at once (the others wait for the first)."""
    recorder = _postgres(ledger)
    if recorder is None:
        return  # SQLite created its tables as it opened
    datastore = recorder.datastore
    lock = f"unionflow ledger tables: {datastore.schema}.{recorder.events_table_name}"
    # A session lock on one connection of the pool, while the DDL runs on others: it
    # spans eventsourcing's two transactions (the type, then the rest).
    with datastore.get_connection() as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (lock,))
        try:
            recorder.create_table()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock,))


def has_tables(ledger: Ledger) -> bool:
    """Whether the ledger's events table exists (always, on SQLite: it creates its own)."""
    recorder = _postgres(ledger)
    if recorder is None:
        return True
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = %s",
            (recorder.datastore.schema, recorder.events_table_name),
        )
        return curs.fetchone() is not None
