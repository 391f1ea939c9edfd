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

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.app import Ledger

# Saves per transaction at most: a batch stays one short write.
MAX_BATCH = 64


# The two turns a caller's thread may be handed, besides waiting for its outcome.
_PREPARE = "prepare"
_COMMIT = "commit"


@dataclass(eq=False)
class _Slot:
    events: list[Any]
    needs: Hashable | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    turn: str | None = None  # handed to this caller's thread while it waits
    done: bool = False
    followed: bool = False  # ``after`` ran after this slot's commit
    error: BaseException | None = None


class _Batching:
    """What both ways of committing together share: the ledger, the batch size, the two
    steps around a commit (``prepare`` before it, ``after`` once it stands)."""

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
        self._lock = threading.Lock()
        self.batches = 0  # transactions committed (for benches and tests)
        self._set_up()

    def _set_up(self) -> None:
        """The state of the kind of batching (called once, by ``__init__``)."""

    def _follow(self, batch: list[_Slot]) -> None:
        """``after``, once the commit stood for some of ``batch``; each slot is told
        whether it ran (a failing ``after`` leaves the saves standing: callers catch up
        alone)."""
        if self._after is None or all(s.error is not None for s in batch):
            return
        try:
            self._after()
        except Exception:  # noqa: BLE001 - the saves stand; callers catch up alone
            return
        for slot in batch:
            slot.followed = True


class GroupCommit(_Batching):
    """Saves of new aggregates to ``ledger``, committed together when they meet.

    Two turns pass among the callers' threads, so that preparing one batch overlaps
    committing the one before: the *preparer* takes what is queued and makes its needs
    durable, then queues it for the *committer*, which commits every prepared save in one
    transaction, runs ``after`` and wakes their callers at once. Each turn is held by one
    thread at a time and handed to a waiting caller when its holder's own save is done.
    """

    def _set_up(self) -> None:
        self._queue: list[_Slot] = []  # waiting to be prepared
        self._prepared: list[_Slot] = []  # waiting to be committed
        self._preparing = False  # a thread holds the preparer's turn
        self._committing = False  # a thread holds the committer's turn

    def save(self, aggregate: Any, *, needs: Hashable | None = None) -> bool:
        """Save ``aggregate``'s pending events; returns once they are committed (after
        ``prepare`` made what it ``needs`` durable). Raises what saving it alone would
        raise (``IntegrityError`` when its id exists), or the error of its need. Returns
        whether ``after`` ran after the commit."""
        slot = _Slot(events=list(aggregate.collect_events()), needs=needs)
        with self._lock:
            self._queue.append(slot)
            # Nobody preparing, and no prepared batch waiting (whose commit starts the
            # next preparing): this caller prepares.
            turn = None if self._preparing or self._prepared else _PREPARE
            if turn is not None:
                self._preparing = True
        while True:
            if turn == _PREPARE:
                turn = self._prepare_batch(slot)
            elif turn == _COMMIT:
                turn = self._commit_batch(slot)
            elif slot.done:
                return self._outcome(slot)
            else:
                slot.wake.wait()  # answered, or handed a turn
                with self._lock:
                    turn, slot.turn = slot.turn, None
                    slot.wake.clear()

    @staticmethod
    def _hand(slot: _Slot, turn: str) -> None:
        """Give a waiting caller's thread a turn (under the lock)."""
        slot.turn = turn
        slot.wake.set()

    def _prepare_batch(self, mine: _Slot) -> str | None:
        """The preparer's turn: what is queued (up to a batch) prepared for the committer.
        One prepared batch waits at most: while it waits, the queue grows into the next
        batch, whose preparing starts when the committer takes this one. Returns the turn
        this thread holds next."""
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        ready = self._ready(batch)
        for slot in batch:
            if slot.done and slot is not mine:
                slot.wake.set()  # refused: its need failed
        with self._lock:
            self._prepared.extend(ready)
            self._preparing = False
            if self._prepared and not self._committing:
                self._committing = True
                return _COMMIT  # (which starts preparing what queued meanwhile)
            if self._queue and not self._prepared:
                return self._next_preparer(mine)
            return None

    def _next_preparer(self, mine: _Slot) -> str | None:
        """The preparer's turn to the oldest queued caller (under the lock); the turn this
        thread holds next."""
        self._preparing = True
        if self._queue[0] is mine:
            return _PREPARE
        self._hand(self._queue[0], _PREPARE)
        return None

    def _commit_batch(self, mine: _Slot) -> str | None:
        """The committer's turn: the prepared saves (up to a batch) in one transaction,
        then ``after``, then their callers woken. Returns the turn this thread holds next."""
        with self._lock:
            batch = self._prepared[: self.max_batch]
            del self._prepared[: self.max_batch]
            if self._queue and not self._preparing and not self._prepared:
                self._preparing = True  # the next batch prepared while this one commits
                self._hand(self._queue[0], _PREPARE)  # (never this caller's: it is here)
        self._commit(batch)
        self._follow(batch)
        for slot in batch:
            if slot is not mine:
                slot.wake.set()
        with self._lock:
            if not self._prepared:
                self._committing = False
                if self._queue and not self._preparing:
                    return self._next_preparer(mine)
                return None
            if not mine.done:
                return _COMMIT
            self._hand(self._prepared[0], _COMMIT)
            return None

    @staticmethod
    def _outcome(slot: _Slot) -> bool:
        if slot.error is not None:
            raise slot.error
        return slot.followed

    def _ready(self, batch: list[_Slot]) -> list[_Slot]:
        return _ready(self._prepare, batch)

    def _commit(self, batch: list[_Slot]) -> None:
        self.batches += _commit(self.ledger, batch)


# What an event loop's caller hands the commit threads: its slot, its loop and the future
# it awaits; None stops the threads.
_Handed = tuple[_Slot, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class CommitThreads(_Batching):
    """Saves of new aggregates from callers on event loops, committed together by two
    threads of their own.

    A caller queues its save without leaving its event loop and awaits a future. The
    *preparer* thread takes everything queued so far (up to a batch) and makes its needs
    durable (``prepare``); the *committer* thread commits every prepared save in one
    transaction, runs ``after`` and answers the batch's callers with one call per event
    loop. A vote thus costs its loop no thread hand-off of its own: two threads serve every
    vote of the process, each woken once per batch. Outcomes are as :class:`GroupCommit`'s
    (a collision is refused alone, a failed need refuses only its saves).
    """

    def _set_up(self) -> None:
        self._queued: queue.SimpleQueue[list[_Handed] | None] = queue.SimpleQueue()
        self._prepared: queue.SimpleQueue[list[_Handed] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False

    async def save(self, aggregate: Any, *, needs: Hashable | None = None) -> bool:
        """Save ``aggregate``'s pending events; returns once they are committed (after
        ``prepare`` made what it ``needs`` durable), with whether ``after`` ran after the
        commit. Raises what saving it alone would raise, or the error of its need. A
        caller cancelled meanwhile leaves its save to finish (or fail) without it."""
        loop = asyncio.get_running_loop()
        slot = _Slot(events=list(aggregate.collect_events()), needs=needs)
        answered: asyncio.Future[None] = loop.create_future()
        self._start()
        self._queued.put([(slot, loop, answered)])
        await answered
        return GroupCommit._outcome(slot)

    def _start(self) -> None:
        if self._threads:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("the commit threads are closed")
            if not self._threads:
                for target, name in (
                    (self._run_preparer, "unionflow-commit-prepare"),
                    (self._run_committer, "unionflow-commit"),
                ):
                    thread = threading.Thread(target=target, name=name, daemon=True)
                    thread.start()
                    self._threads.append(thread)

    def close(self) -> None:
        """Stop the threads once what is queued is committed."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        if threads:
            self._queued.put(None)
            for thread in threads:
                thread.join(timeout=30)

    def _run_preparer(self) -> None:
        while True:
            batch, stop = _take(self._queued, self.max_batch)
            ready = {id(s) for s in _ready(self._prepare, [slot for slot, _, _ in batch])}
            refused = [handed for handed in batch if id(handed[0]) not in ready]
            if refused:
                _answer(refused)  # their needs failed
            kept = [handed for handed in batch if id(handed[0]) in ready]
            if kept:
                self._prepared.put(kept)
            if stop:
                self._prepared.put(None)
                return

    def _run_committer(self) -> None:
        while True:
            batch, stop = _take(self._prepared, self.max_batch)
            slots = [slot for slot, _, _ in batch]
            if slots:
                self.batches += _commit(self.ledger, slots)
                self._follow(slots)
                _answer(batch)
            if stop:
                return


def _take(
    source: queue.SimpleQueue[list[_Handed] | None], limit: int
) -> tuple[list[_Handed], bool]:
    """What ``source`` holds, from the first item (waited for) up to about ``limit``
    saves, and whether the stop (None) came after them."""
    batch: list[_Handed] = []
    item = source.get()
    while item is not None:
        batch.extend(item)
        if len(batch) >= limit:
            return batch, False
        try:
            item = source.get_nowait()
        except queue.Empty:
            return batch, False
    return batch, True


def _answer(batch: list[_Handed]) -> None:
    """Wake every caller of ``batch`` on its own loop, one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for _, loop, answered in batch:
        by_loop.setdefault(loop, []).append(answered)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_resolve, futures)


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for answered in futures:
        if not answered.done():
            answered.set_result(None)


def _ready(
    prepare: Callable[[list[Any]], dict[Any, BaseException]] | None, batch: list[_Slot]
) -> list[_Slot]:
    """The slots whose needs are durable now; the others are done, with the error."""
    needs = list(dict.fromkeys(s.needs for s in batch if s.needs is not None))
    if not needs or prepare is None:
        return batch
    try:
        failed = prepare(needs)
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


def _commit(ledger: Ledger, batch: list[_Slot]) -> int:
    """Commit the batch's events in one transaction, or, when one of them collides, each
    slot alone (only the colliding one refused); every slot done. Returns the number of
    transactions committed."""
    committed = 0
    try:
        try:
            ledger.save(*(e for slot in batch for e in slot.events))
            for slot in batch:
                slot.done = True
            return 1
        except IntegrityError:
            if len(batch) == 1:
                raise
        # One of them collides: each alone, so only that one is refused.
        for slot in batch:
            try:
                ledger.save(*slot.events)
                committed += 1
            except BaseException as error:  # noqa: BLE001 - re-raised by its caller
                slot.error = error
            slot.done = True
    except BaseException as error:  # noqa: BLE001 - re-raised by every caller
        for slot in batch:
            if not slot.done:
                slot.error, slot.done = error, True
    return committed
