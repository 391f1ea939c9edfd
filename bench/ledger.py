"""Benchmark: hash-chained idempotent ledger commands against bare eventsourcing saves,
plus sealing and auditing the ledger produced, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would shadow
# the ``ledger`` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql
from rich.console import Console
from rich.table import Table

from domain.actors import Acting, CommandMeta, Role, system_acting
from domain.base import LedgerAggregate, deterministic_id
from ledger.app import Ledger
from ledger.seal import SealKey, seal_ledger
from ledger.verify import verify_ledger
from settings import Settings

PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
AGGREGATES = 100
ACTING = Acting(actor_id="bench", role=Role.CADRE, roles=[Role.CADRE], org_id="org-bench")
STAMP = ACTING.stamp()


class BenchAccount(LedgerAggregate):
    """A ledger account that only takes deposits."""

    class Created(LedgerAggregate.Created):
        owner: str

    class Deposited(LedgerAggregate.Event):
        amount: int

        def apply(self, aggregate: BenchAccount) -> None:
            aggregate.balance += self.amount

    def __init__(self, owner: str) -> None:
        super().__init__()
        self.balance = 0

    def deposit(self, meta: CommandMeta, amount: int) -> None:
        self._emit(self.Deposited, meta, amount=amount)


class BareAccount(Aggregate):
    """The same account on plain eventsourcing: same payload, no chain, no idempotency."""

    @event("Opened")
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = 0

    @event("Deposited")
    def deposit(self, amount: int, actor: dict[str, str], command_id: str, comment: str) -> None:
        self.balance += amount


class BareBank(Application):
    name = "barebench"


@dataclass(frozen=True)
class Row:
    backend: str
    measurement: str
    ops: int
    seconds: float
    baseline: float | None = None  # UnionFlow ops/s, for the ratio on bare rows

    @property
    def rate(self) -> float:
        return self.ops / self.seconds


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def meta(command_id: str) -> CommandMeta:
    return CommandMeta(command_id=command_id, acting=ACTING, occurred_at=datetime.now(UTC))


def bench_backend(
    backend: str, envs: Callable[[str], dict[str, str]], n: int, cache_size: int
) -> list[Row]:
    ledger = Ledger(env={**envs("unionflow"), "AGGREGATE_CACHE_MAXSIZE": str(cache_size)})
    bare = BareBank(env=envs("barebench"))
    try:
        ids = [deterministic_id("bench", str(i)) for i in range(AGGREGATES)]
        for i, aggregate_id in enumerate(ids):
            m = meta(f"open-{i}")
            ledger.execute(
                aggregate_id,
                m,
                create=lambda a=aggregate_id, m=m: BenchAccount._new(a, m, owner="x"),
            )
        bare_accounts = [BareAccount(owner="x") for _ in range(AGGREGATES)]
        bare.save(*bare_accounts)
        bare_ids = [a.id for a in bare_accounts]

        def unionflow() -> None:
            for i in range(n):
                m = meta(f"dep-{i}")
                ledger.execute(ids[i % AGGREGATES], m, lambda a, m=m: a.deposit(m, 1))

        def bare_reload() -> None:
            for i in range(n):
                account: BareAccount = bare.repository.get(bare_ids[i % AGGREGATES])
                account.deposit(1, STAMP, f"dep-{i}", "")
                bare.save(account)

        def bare_in_memory() -> None:
            for i in range(n):
                account = bare_accounts[i % AGGREGATES]
                account.deposit(1, STAMP, f"mem-{i}", "")
                bare.save(account)

        uf = timed(unionflow)
        rows = [Row(backend, "UnionFlow execute", n, uf)]
        rows.append(Row(backend, "bare load+save", n, timed(bare_reload), n / uf))
        # Reloaded untimed: bare_reload has left the objects created above behind.
        bare_accounts[:] = [bare.repository.get(i) for i in bare_ids]
        rows.append(Row(backend, "bare no reload", n, timed(bare_in_memory), n / uf))
        events = len(list(ledger.all_notifications()))
        key = SealKey.generate()
        seal_meta = CommandMeta(
            command_id="seal-bench", acting=system_acting(), occurred_at=datetime.now(UTC)
        )
        sealing = timed(lambda: seal_ledger(ledger, key, seal_meta))
        rows.append(Row(backend, "seal_ledger (events)", events, sealing))
        started = time.perf_counter()
        report = verify_ledger(ledger, trusted_public_key=key.public_bytes())
        auditing = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(f"the benchmark ledger failed its audit: {report.first_bad}")
        rows.append(Row(backend, "verify_ledger (events)", report.events_checked, auditing))
        return rows
    finally:
        ledger.close()
        bare.close()


@contextmanager
def sqlite_envs() -> Iterator[Callable[[str], dict[str, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        # One file per application: on SQLite both would use the same table name.
        yield lambda app: {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(tmp) / f"{app}.db"),
        }


@contextmanager
def postgres_envs() -> Iterator[Callable[[str], dict[str, str]]]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield lambda app: {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": "test",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": "5432",
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "",
            "POSTGRES_SCHEMA": schema,
        }
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="commands per measurement")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--cache-size",
        type=int,
        default=Settings().ledger_cache_size,
        help="the ledger's aggregate cache (UNIONFLOW_LEDGER_CACHE_SIZE; 0: none)",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]

    rows: list[Row] = []
    for backend in backends:
        envs = sqlite_envs() if backend == "sqlite" else postgres_envs()
        with envs as make_env:
            rows.extend(bench_backend(backend, make_env, args.events, args.cache_size))

    table = Table(
        title=f"UnionFlow ledger benchmark ({args.events} commands over {AGGREGATES} aggregates, "
        f"aggregate cache {args.cache_size or 'off'})"
    )
    for column in ("backend", "measurement", "ops", "seconds", "ops/s"):
        table.add_column(
            column, justify="left" if column in ("backend", "measurement") else "right"
        )
    table.add_column("UnionFlow/bare", justify="right")
    for row in rows:
        ratio = f"{row.baseline / row.rate:.2f}" if row.baseline is not None else ""
        table.add_row(
            row.backend,
            row.measurement,
            str(row.ops),
            f"{row.seconds:.2f}",
            f"{row.rate:,.0f}",
            ratio,
        )
    console = Console()
    console.print(table)
    for row in rows:
        if row.measurement == "bare no reload" and row.baseline is not None:
            console.print(
                f"{row.backend}: UnionFlow execute ÷ bare save without reload = "
                f"{row.baseline / row.rate:.2f}"
            )
    console.print(
        "UnionFlow execute: load (from the aggregate cache, fast-forwarded, when it is on) "
        "+ idempotency check + hash-chained event + save per command. "
        "bare: plain eventsourcing Aggregate, same payload, no chain or idempotency. "
        "UnionFlow/bare: ratio of ops/s (below 1 = UnionFlow slower)."
    )


if __name__ == "__main__":
    main()
