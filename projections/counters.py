"""Running counts kept by tailing the notification log: check-ins per session, voters per poll.

Each call reads only the notifications recorded since the last call, so a thousand
ballots cost a thousand small reads, not a thousand full scans.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from eventsourcing.utils import get_topic

from ledger.app import Ledger


class KeyCounter:
    """Counts created aggregates per key (a field of their Created event)."""

    def __init__(self, ledger: Ledger, field: str, *created_classes: type[Any]) -> None:
        self.ledger = ledger
        self.field = field
        self.topics = [get_topic(cls) for cls in created_classes]
        self._counts: Counter[str] = Counter()
        self._next = 1
        self._lock = threading.Lock()

    def count(self, key: str) -> int:
        """Catch up with the log, then return the count for ``key``."""
        with self._lock:
            # Read up to the head as it is now, and remember that position even when no
            # counted event came: otherwise every call rescans all the other events since.
            # (Ids commit in order: SQLite serialises writers, and eventsourcing's
            # PostgreSQL recorder locks the table for each insert.)
            head = self.ledger.max_notification_id()
            while self._next <= head:
                batch = self.ledger.recorder.select_notifications(
                    self._next, 2000, stop=head, topics=self.topics
                )
                if not batch:
                    break
                for n in batch:
                    event = self.ledger.mapper.to_domain_event(n)
                    self._counts[getattr(event, self.field)] += 1
                self._next = batch[-1].id + 1
            self._next = max(self._next, head + 1)
            return self._counts[key]
