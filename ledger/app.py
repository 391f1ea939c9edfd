"""The ledger: one eventsourcing Application holding every aggregate of UnionFlow.

It runs commands idempotently (by ``command_id``), retries optimistic-concurrency
conflicts, and reads any aggregate as it was at a version or at an instant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Notification, Transcoder, Transcoding

from domain.actors import CommandMeta
from domain.base import LedgerAggregate
from domain.errors import NotFound

A = TypeVar("A", bound=LedgerAggregate)

MAX_CONFLICT_RETRIES = 20


class DateAsISO(Transcoding):
    """Stores ``datetime.date`` values as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class CommandResult(Generic[A]):
    """The aggregate after a command, and whether this call applied it."""

    aggregate: A
    applied: bool


class Ledger(Application):
    """Every business fact of UnionFlow, one event stream per aggregate."""

    name = "unionflow"

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        transcoder.register(DateAsISO())

    # -- commands ---------------------------------------------------------------------

    def execute(
        self,
        aggregate_id: uuid.UUID,
        meta: CommandMeta,
        command: Callable[[A], None] | None = None,
        *,
        create: Callable[[], A] | None = None,
    ) -> CommandResult[A]:
        """Run one command on one aggregate, exactly once per ``meta.command_id``.

        ``create`` builds the aggregate when it does not exist yet (its id must be
        ``aggregate_id``); ``command`` runs on the existing aggregate. A command id the
        aggregate already applied returns the aggregate as that command left it.
        A concurrent writer makes the save fail; then the command is re-run on the
        fresh state, which also notices a duplicate that won the race.
        """
        for _ in range(MAX_CONFLICT_RETRIES):
            aggregate: A | None = self.find(aggregate_id)
            if aggregate is not None and aggregate.has_applied(meta.command_id):
                recorded = aggregate.commands[meta.command_id]
                if recorded != aggregate.version:
                    aggregate = self.repository.get(aggregate_id, version=recorded)
                return CommandResult(aggregate, applied=False)
            if aggregate is None:
                if create is None:
                    raise NotFound(f"未找到记录 {aggregate_id}", f"no record {aggregate_id}")
                aggregate = create()
                if aggregate.id != aggregate_id:
                    raise ValueError("create() built an aggregate with another id")
                if command is not None:
                    command(aggregate)
            elif command is None:
                # Creating what already exists under another command: report it as is.
                return CommandResult(aggregate, applied=False)
            else:
                command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                continue
            return CommandResult(aggregate, applied=True)
        raise RuntimeError(f"too many concurrent writers on {aggregate_id}")

    # -- reads ------------------------------------------------------------------------

    def find(self, aggregate_id: uuid.UUID) -> Any | None:
        """The current aggregate, or None."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def get(
        self,
        aggregate_id: uuid.UUID,
        *,
        version: int | None = None,
        at: datetime | None = None,
    ) -> Any:
        """The aggregate now, at a version, or as it was at an instant."""
        if at is not None:
            version = self.version_at(aggregate_id, at)
            if version == 0:
                raise NotFound(
                    f"{aggregate_id} 在 {at.isoformat()} 时尚不存在",
                    f"{aggregate_id} did not exist at {at.isoformat()}",
                )
        try:
            return self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError as e:
            raise NotFound(f"未找到记录 {aggregate_id}", f"no record {aggregate_id}") from e

    def version_at(self, aggregate_id: uuid.UUID, at: datetime) -> int:
        """The last version recorded at or before ``at`` (0 when none)."""
        version = 0
        for event in self.stream(aggregate_id):
            if event.timestamp > at:
                break
            version = event.originator_version
        return version

    def stream(self, aggregate_id: uuid.UUID, *, after: int | None = None) -> list[Any]:
        """The domain events of one aggregate, in order."""
        return list(self.repository.event_store.get(aggregate_id, gt=after))

    def all_notifications(self, start: int = 1, page: int = 500) -> Iterator[Notification]:
        """Every stored event in the order the ledger recorded it."""
        while True:
            batch = self.recorder.select_notifications(start, page)
            if not batch:
                return
            yield from batch
            start = batch[-1].id + 1

    def max_notification_id(self) -> int:
        """The id of the last recorded event (0 for an empty ledger)."""
        return self.recorder.max_notification_id() or 0
