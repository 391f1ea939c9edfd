"""Group commit: concurrent saves of new aggregates share one transaction.

The ballot path saves one small new aggregate per vote (a participation, a named ballot)
from many threads at once. Saved one by one, each waits for the one writer's turn and
pays its own commit (a sync to disk). Here the first caller to find nobody committing
takes every save queued so far and commits them in one transaction; the callers that
queued meanwhile are answered by that commit. Each caller still gets its own outcome:
when the batch fails because one of its aggregates collides (a second vote), the batch
is committed again one aggregate at a time, so only the colliding caller sees the
``IntegrityError`` and every other save stands — exactly as if each had saved alone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.app import Ledger

# Saves per transaction at most: a batch stays one short write.
MAX_BATCH = 64


@dataclass(eq=False)
class _Slot:
    events: list[Any]
    wake: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Saves of new aggregates to ``ledger``, committed together when they meet."""

    def __init__(self, ledger: Ledger, max_batch: int = MAX_BATCH) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._queue: list[_Slot] = []
        self._lock = threading.Lock()
        self._leading = False  # a caller is committing (and hands the turn on when done)
        self.batches = 0  # transactions committed (for benches and tests)

    def save(self, aggregate: Any) -> None:
        """Save ``aggregate``'s pending events; returns once they are committed. Raises what
        saving it alone would raise (``IntegrityError`` when its id exists)."""
        slot = _Slot(events=list(aggregate.collect_events()))
        with self._lock:
            self._queue.append(slot)
            leading = not self._leading
            self._leading = True
        if not leading:
            slot.wake.wait()  # committed by another caller, or handed the turn
        if slot.done:  # answered by another caller's commit
            return self._outcome(slot)
        while not slot.done:
            with self._lock:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            self._commit(batch)
            for other in batch:
                if other is not slot:
                    other.wake.set()  # only the callers answered are woken
        with self._lock:
            if self._queue:
                self._queue[0].wake.set()  # the turn passes to the oldest waiting
            else:
                self._leading = False
        return self._outcome(slot)

    @staticmethod
    def _outcome(slot: _Slot) -> None:
        if slot.error is not None:
            raise slot.error

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            try:
                self.ledger.save(*(e for slot in batch for e in slot.events))
                self.batches += 1
                for slot in batch:
                    slot.done = True
                return
            except IntegrityError:
                if len(batch) == 1:
                    raise
            # One of them collides: each alone, so only that one is refused.
            for slot in batch:
                try:
                    self.ledger.save(*slot.events)
                    self.batches += 1
                except BaseException as error:  # noqa: BLE001 - re-raised by its caller
                    slot.error = error
                slot.done = True
        except BaseException as error:  # noqa: BLE001 - re-raised by every caller
            for slot in batch:
                if not slot.done:
                    slot.error, slot.done = error, True
