"""The sign-in store on PostgreSQL: sessions and failure counts that every web process of
one ledger shares, so a person signed in (or out, or locked) on one is so on all of them.

Its tables sit beside the ledger's, in the ledger's schema, and are reached through the
ledger's own connection pool (``application.sql_tables``). Like the ledger's, they are
created by ``unionflow migrate`` (and the start of ``up`` and ``worker``), never by every
process that opens them; a web process that finds none is refused, naming that command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.signin_store import SQLITE_TABLES, SignInStore, schema_statements
from application.sql_tables import PostgresTables, datastore_of, quoted
from ledger.app import Ledger

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

__all__ = ["PostgresSignInStore", "create_signin_tables", "datastore_of", "open_postgres_store"]

PREFIX = "web_"  # the tables are web_sessions, web_failures, web_source_failures, web_totp_used


class PostgresSignInStore(PostgresTables, SignInStore):
    """Sessions and failure counts in tables beside the ledger's (``web_*``)."""

    def __init__(self, datastore: PostgresDatastore, *, prefix: str = PREFIX) -> None:
        PostgresTables.__init__(self, datastore, SQLITE_TABLES, prefix)

    @classmethod
    def of(cls, ledger: Ledger) -> PostgresSignInStore:
        datastore = datastore_of(ledger)
        if datastore is None:
            raise ValueError("the ledger is not on PostgreSQL")
        return cls(datastore)

    def create_tables(self) -> None:
        self.create(schema_statements(self.t, quoted(f"{self.prefix}sessions_actor")))


def create_signin_tables(ledger: Ledger) -> None:
    """``unionflow migrate``'s part for sign-in: the shared tables (nothing on SQLite,
    whose file creates its own as it opens)."""
    if datastore_of(ledger) is not None:
        PostgresSignInStore.of(ledger).create_tables()


def open_postgres_store(ledger: Ledger) -> PostgresSignInStore:
    """The shared store of a PostgreSQL ledger, refused until ``unionflow migrate`` ran."""
    store = PostgresSignInStore.of(ledger)
    store.refuse_unmigrated(("登录会话", "sign-in"))
    return store
