"""Ledger fixtures: the same tests run on SQLite and PostgreSQL, with raw-SQL tamper tools."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from domain.actors import Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.errors import InvalidInput
from ledger.app import CommandResult, Ledger
from settings import LedgerBackend, Settings

PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
# eventsourcing names the table after the application on PostgreSQL, not on SQLite.
PG_TABLE = "unionflow_events"
SQLITE_TABLE = "stored_events"


class Account(LedgerAggregate):
    """A toy account: just enough behaviour to exercise the ledger."""

    KIND = "account"

    class Created(LedgerAggregate.Created):
        owner: str

        def apply(self, aggregate: Account) -> None:
            aggregate.owner = self.owner
            aggregate.balance = 0

    class Deposited(LedgerAggregate.Event):
        amount: int

        def apply(self, aggregate: Account) -> None:
            aggregate.balance += self.amount

    def __init__(self, owner: str) -> None:
        super().__init__()
        self.owner = owner
        self.balance = 0

    def deposit(self, meta: CommandMeta, amount: int) -> None:
        if amount <= 0:
            raise InvalidInput("存入金额必须为正", "a deposit must be positive")
        self._emit(self.Deposited, meta, amount=amount)


CADRE = Acting(actor_id="u-1", name="李华", role=Role.CADRE, roles=[Role.CADRE], org_id="org-1")


def meta(command_id: str | None = None, at: datetime | None = None) -> CommandMeta:
    return CommandMeta(
        command_id=command_id or uuid.uuid4().hex,
        acting=CADRE,
        occurred_at=at or datetime.now(UTC),
    )


class Bank:
    """Account commands issued the way a service layer would issue them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def open(
        self, owner: str, *, command_id: str | None = None, at: datetime | None = None
    ) -> CommandResult[Account]:
        account_id = deterministic_id(Account.KIND, owner)
        m = meta(command_id, at)
        return self.ledger.execute(
            account_id, m, create=lambda: Account._new(account_id, m, owner=owner)
        )

    def deposit(
        self,
        account_id: uuid.UUID,
        amount: int,
        *,
        command_id: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult[Account]:
        m = meta(command_id, at)
        return self.ledger.execute(account_id, m, lambda a: a.deposit(m, amount))

    def forge_deposit(self, account_id: uuid.UUID, amount: int) -> StoredEvent:
        """What an attacker with the code but not the seal key can build: a correctly chained next event."""
        account: Account = self.ledger.get(account_id)
        m = meta()
        account.deposit(m, amount)
        (event,) = account.collect_events()
        return self.ledger.mapper.to_stored_event(event)


@dataclass(frozen=True)
class Row:
    notification_id: int
    version: int
    topic: str
    state: bytes


class Tamper:
    """Direct writes to the events table, bypassing the application, as a DB operator could."""

    def rows(self, aggregate_id: uuid.UUID) -> list[Row]:
        raise NotImplementedError

    def set_state(self, aggregate_id: uuid.UUID, version: int, state: bytes) -> None:
        raise NotImplementedError

    def delete(self, aggregate_id: uuid.UUID, version: int) -> None:
        raise NotImplementedError

    def insert(self, stored: StoredEvent, notification_id: int | None = None) -> None:
        raise NotImplementedError

    def set_topic(self, aggregate_id: uuid.UUID, version: int, topic: str) -> None:
        raise NotImplementedError

    def set_version(self, aggregate_id: uuid.UUID, version: int, new_version: int) -> None:
        raise NotImplementedError

    def delete_from(self, notification_id: int) -> None:
        """Delete every row at or after ``notification_id`` (a truncated log)."""
        raise NotImplementedError

    def move(self, aggregate_id: uuid.UUID, version: int, notification_id: int) -> None:
        """Put a row, unchanged, at another notification id."""
        row = self.row(aggregate_id, version)
        self.delete(aggregate_id, version)
        self.insert(StoredEvent(aggregate_id, version, row.topic, row.state), notification_id)

    def row(self, aggregate_id: uuid.UUID, version: int) -> Row:
        (row,) = [r for r in self.rows(aggregate_id) if r.version == version]
        return row

    def delete_aggregate(self, aggregate_id: uuid.UUID) -> None:
        for row in self.rows(aggregate_id):
            self.delete(aggregate_id, row.version)


class SqliteTamper(Tamper):
    # SQLite stores ids as 32 hex digits and uses the rowid as the notification id.
    def __init__(self, path: Path) -> None:
        self.path = path

    def _run(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(statement, params).fetchall()

    def rows(self, aggregate_id: uuid.UUID) -> list[Row]:
        found = self._run(
            f"SELECT rowid, originator_version, topic, state FROM {SQLITE_TABLE} "
            "WHERE originator_id = ? ORDER BY originator_version",
            aggregate_id.hex,
        )
        return [Row(int(i), int(v), str(t), bytes(s)) for i, v, t, s in found]  # type: ignore[call-overload]

    def set_state(self, aggregate_id: uuid.UUID, version: int, state: bytes) -> None:
        self._run(
            f"UPDATE {SQLITE_TABLE} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            state,
            aggregate_id.hex,
            version,
        )

    def delete(self, aggregate_id: uuid.UUID, version: int) -> None:
        self._run(
            f"DELETE FROM {SQLITE_TABLE} WHERE originator_id = ? AND originator_version = ?",
            aggregate_id.hex,
            version,
        )

    def set_topic(self, aggregate_id: uuid.UUID, version: int, topic: str) -> None:
        self._run(
            f"UPDATE {SQLITE_TABLE} SET topic = ? WHERE originator_id = ? AND originator_version = ?",
            topic,
            aggregate_id.hex,
            version,
        )

    def set_version(self, aggregate_id: uuid.UUID, version: int, new_version: int) -> None:
        self._run(
            f"UPDATE {SQLITE_TABLE} SET originator_version = ? "
            "WHERE originator_id = ? AND originator_version = ?",
            new_version,
            aggregate_id.hex,
            version,
        )

    def delete_from(self, notification_id: int) -> None:
        self._run(f"DELETE FROM {SQLITE_TABLE} WHERE rowid >= ?", notification_id)

    def insert(self, stored: StoredEvent, notification_id: int | None = None) -> None:
        self._run(
            f"INSERT INTO {SQLITE_TABLE} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            notification_id,
            uuid.UUID(str(stored.originator_id)).hex,
            stored.originator_version,
            stored.topic,
            stored.state,
        )


class PostgresTamper(Tamper):
    def __init__(self, schema: str) -> None:
        self.table = sql.Identifier(schema, PG_TABLE)

    def _run(self, statement: sql.Composable, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(PG_DSN, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def rows(self, aggregate_id: uuid.UUID) -> list[Row]:
        found = self._run(
            sql.SQL(
                "SELECT notification_id, originator_version, topic, state FROM {} "
                "WHERE originator_id = %s ORDER BY originator_version"
            ).format(self.table),
            aggregate_id,
        )
        return [Row(int(i), int(v), str(t), bytes(s)) for i, v, t, s in found]  # type: ignore[call-overload]

    def set_state(self, aggregate_id: uuid.UUID, version: int, state: bytes) -> None:
        self._run(
            sql.SQL(
                "UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s"
            ).format(self.table),
            state,
            aggregate_id,
            version,
        )

    def delete(self, aggregate_id: uuid.UUID, version: int) -> None:
        self._run(
            sql.SQL("DELETE FROM {} WHERE originator_id = %s AND originator_version = %s").format(
                self.table
            ),
            aggregate_id,
            version,
        )

    def set_topic(self, aggregate_id: uuid.UUID, version: int, topic: str) -> None:
        self._run(
            sql.SQL(
                "UPDATE {} SET topic = %s WHERE originator_id = %s AND originator_version = %s"
            ).format(self.table),
            topic,
            aggregate_id,
            version,
        )

    def set_version(self, aggregate_id: uuid.UUID, version: int, new_version: int) -> None:
        self._run(
            sql.SQL(
                "UPDATE {} SET originator_version = %s "
                "WHERE originator_id = %s AND originator_version = %s"
            ).format(self.table),
            new_version,
            aggregate_id,
            version,
        )

    def delete_from(self, notification_id: int) -> None:
        self._run(
            sql.SQL("DELETE FROM {} WHERE notification_id >= %s").format(self.table),
            notification_id,
        )

    def insert(self, stored: StoredEvent, notification_id: int | None = None) -> None:
        columns = "originator_id, originator_version, topic, state"
        values: list[object] = [
            uuid.UUID(str(stored.originator_id)),
            stored.originator_version,
            stored.topic,
            stored.state,
        ]
        if notification_id is not None:
            columns += ", notification_id"
            values.append(notification_id)
        placeholders = ", ".join(["%s"] * len(values))
        self._run(
            sql.SQL("INSERT INTO {} (" + columns + ") VALUES (" + placeholders + ")").format(
                self.table
            ),
            *values,
        )


@dataclass(frozen=True)
class Store:
    env: dict[str, str]
    tamper: Tamper

    def settings(self, data_dir: Path) -> Settings:
        """The application's settings for this store: the ledger here, the witness and the
        seal key in ``data_dir`` (for SQLite, the ledger's own directory)."""
        if self.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            path = Path(self.env["SQLITE_DBNAME"])
            return Settings(data_dir=path.parent, ledger_sqlite_file=path.name)
        return Settings(
            data_dir=data_dir,
            ledger_backend=LedgerBackend.POSTGRES,
            postgres_db=self.env["POSTGRES_DBNAME"],
            postgres_host=self.env["POSTGRES_HOST"],
            postgres_port=int(self.env["POSTGRES_PORT"]),
            postgres_user=self.env["POSTGRES_USER"],
            postgres_password=self.env["POSTGRES_PASSWORD"],
            postgres_schema=self.env["POSTGRES_SCHEMA"],
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        yield Store(
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
            SqliteTamper(path),
        )
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield Store(
            {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": "test",
                "POSTGRES_HOST": "127.0.0.1",
                "POSTGRES_PORT": "5432",
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "",
                "POSTGRES_SCHEMA": schema,
            },
            PostgresTamper(schema),
        )
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def ledger(store: Store) -> Iterator[Ledger]:
    ledger = Ledger(env=store.env)
    yield ledger
    ledger.close()


@pytest.fixture
def tamper(store: Store) -> Tamper:
    return store.tamper


@pytest.fixture
def bank(ledger: Ledger) -> Bank:
    return Bank(ledger)
