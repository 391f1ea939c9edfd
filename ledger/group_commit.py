"""Group commit: concurrent saves of new aggregates share one transaction.

The ballot path saves one small new aggregate per vote (a participation, a named ballot)
from many threads at once. Saved one by one, each waits for the one writer's turn and
pays its own commit (a sync to disk). Here the first caller to find nobody committing
takes every save queued so far and commits them in one transaction; the callers that
queued meanwhile are answered by that commit. Each caller still gets its own outcome:
when the batch fails because one of its aggregates collides (a second vote), the batch
is committed again one aggregate at a time, so only the colliding caller sees the
``IntegrityError`` and every other save stands — exactly as if each had saved alone.

The one thread that commits a batch does everything the batch needs, so no caller waits
for another caller's hand-off in between:
- ``prepare`` (given at construction): what a save ``needs`` made durable before its
  events are committed (the secret ballot's spooled line, synced), done once for every
  distinct need of the batch before its transaction; a save whose need fails is refused
  with that error and the rest of the batch goes on;
- ``after``: run once after each transaction and before its callers are woken (the
  ballot box's catch-up with the log), so a caller whose ``save`` returns True sees every
  event committed up to its own without a query of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.app import Ledger

# Saves per transaction at most: a batch stays one short write.
MAX_BATCH = 64


@dataclass(eq=False)
class _Slot:
    events: list[Any]
    needs: Hashable | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    followed: bool = False  # ``after`` ran after this slot's commit
    error: BaseException | None = None


class GroupCommit:
    """Saves of new aggregates to ``ledger``, committed together when they meet."""

    def __init__(
        self,
        ledger: Ledger,
        max_batch: int = MAX_BATCH,
        *,
        prepare: Callable[[list[Any]], dict[Any, BaseException]] | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._prepare = prepare
        self._after = after
        self._queue: list[_Slot] = []
        self._lock = threading.Lock()
        self._leading = False  # a caller is committing (and hands the turn on when done)
        self.batches = 0  # transactions committed (for benches and tests)

    def save(self, aggregate: Any, *, needs: Hashable | None = None) -> bool:
        """Save ``aggregate``'s pending events; returns once they are committed (after
        ``prepare`` made what it ``needs`` durable). Raises what saving it alone would
        raise (``IntegrityError`` when its id exists), or the error of its need. Returns
        whether ``after`` ran after the commit."""
        slot = _Slot(events=list(aggregate.collect_events()), needs=needs)
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
            self._run(batch)
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
    def _outcome(slot: _Slot) -> bool:
        if slot.error is not None:
            raise slot.error
        return slot.followed

    def _run(self, batch: list[_Slot]) -> None:
        """Prepare, commit and follow one batch; every slot of it ends done."""
        ready = self._ready(batch)
        if ready:
            self._commit(ready)
            if self._after is not None and any(s.error is None for s in ready):
                try:
                    self._after()
                except Exception:  # noqa: BLE001 - the saves stand; callers catch up alone
                    pass
                else:
                    for slot in ready:
                        slot.followed = True

    def _ready(self, batch: list[_Slot]) -> list[_Slot]:
        """The slots whose needs are durable now; the others are done, with the error."""
        needs = list(dict.fromkeys(s.needs for s in batch if s.needs is not None))
        if not needs or self._prepare is None:
            return batch
        try:
            failed = self._prepare(needs)
        except BaseException as error:  # noqa: BLE001 - re-raised by every caller
            failed = dict.fromkeys(needs, error)
        ready = []
        for slot in batch:
            problem = failed.get(slot.needs) if slot.needs is not None else None
            if problem is None:
                ready.append(slot)
            else:
                slot.error, slot.done = problem, True
        return ready

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
