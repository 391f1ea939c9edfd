"""Read models built by polling the ledger's notification log.

eventsourcing's SQLite recorder has no ``subscribe()``, so projections here poll:
each call reads only the notifications after the last one it saw, filtered by topic.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, cast

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from ledger.app import Ledger
from projections.counters import LogTail


class CreatedIndex:
    """The ids of every aggregate created with one of the given event classes, in order."""

    def __init__(self, ledger: Ledger, *created_classes: type[Any]) -> None:
        self.ledger = ledger
        self.topics = [get_topic(cls) for cls in created_classes]
        self._ids: list[uuid.UUID] = []
        self._seen: set[uuid.UUID] = set()
        self._next = 1
        self._lock = threading.Lock()

    def ids(self) -> list[uuid.UUID]:
        """Catch up with the log, then return every id seen."""
        with self._lock:
            # Up to the head as it is now; the position moves there even when no event of
            # these topics came, or each call rescans every other event since the last one.
            head = self.ledger.max_notification_id()
            while self._next <= head:
                batch = self.ledger.recorder.select_notifications(
                    self._next, 1000, stop=head, topics=self.topics
                )
                if not batch:
                    break
                for n in batch:
                    aggregate_id = cast(uuid.UUID, n.originator_id)
                    if aggregate_id not in self._seen:
                        self._seen.add(aggregate_id)
                        self._ids.append(aggregate_id)
                self._next = batch[-1].id + 1
            self._next = max(self._next, head + 1)
            return list(self._ids)


class NotInMemory(Exception):
    """What an event loop's caller needs is not in memory (or a catch-up holds the tail):
    it reads it in a thread instead."""


class LatestAggregates:
    """Read-mostly aggregates kept in memory, dropped as soon as the log shows a new event.

    Every read catches the shared :class:`~projections.counters.LogTail` up first (one
    query for all its read models) unless the caller has just done so, so a read returns the
    aggregate as committed when it started, like a database read: a poll closed or an
    actor changed by any worker is seen by the next read. A miss loads the aggregate
    under the tail's lock, so no catch-up can slip between the load and the caching.

    Aggregates handed out are shared: read them, never change them (use the ledger to
    run commands; it has its own copies).
    """

    def __init__(self, ledger: Ledger, tail: LogTail, maxsize: int = 10_000) -> None:
        self.ledger = ledger
        self.tail = tail
        self.maxsize = maxsize  # least recently used dropped first
        self._cached: OrderedDict[uuid.UUID, Any] = OrderedDict()
        tail.watch(self._seen)

    def _seen(self, n: Notification) -> None:
        self._cached.pop(cast(uuid.UUID, n.originator_id), None)

    def peek(self, aggregate_id: uuid.UUID) -> Any | None:
        """The cached aggregate, however old, without reading anything (or None).

        Only for what never changes once recorded (an id's existence, a session's keys).
        """
        return self._cached.get(aggregate_id)

    def in_memory(self, aggregate_id: uuid.UUID) -> Any:
        """The aggregate as of the tail's last catch-up, for an event loop, which must not
        wait for the database nor for a catch-up handing over in another thread: raises
        :class:`NotInMemory` when it is not in memory or the tail's lock is held."""
        if not self.tail.lock.acquire(blocking=False):
            raise NotInMemory
        try:
            found = self._cached.get(aggregate_id)
            if found is None:
                raise NotInMemory
            self._cached.move_to_end(aggregate_id)
            return found
        finally:
            self.tail.lock.release()

    def get(self, aggregate_id: uuid.UUID, *, catch_up: bool = True) -> Any | None:
        """The current aggregate (shared, read-only), or None."""
        if catch_up:
            self.tail.catch_up()
        with self.tail.lock:
            found = self._cached.get(aggregate_id)
            if found is not None:
                self._cached.move_to_end(aggregate_id)
                return found
            found = self.ledger.find(aggregate_id)
            if found is not None:
                if len(self._cached) >= self.maxsize:
                    self._cached.popitem(last=False)
                self._cached[aggregate_id] = found
            return found
