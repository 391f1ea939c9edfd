"""Read models built by polling the ledger's notification log.

eventsourcing's SQLite recorder has no ``subscribe()``, so projections here poll:
each call reads only the notifications after the last one it saw, filtered by topic.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from eventsourcing.utils import get_topic

from ledger.app import Ledger


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
            while True:
                batch = self.ledger.recorder.select_notifications(
                    self._next, 1000, topics=self.topics
                )
                if not batch:
                    break
                for n in batch:
                    if n.originator_id not in self._seen:
                        self._seen.add(n.originator_id)
                        self._ids.append(n.originator_id)
                self._next = batch[-1].id + 1
            return list(self._ids)
