"""Running counts kept by tailing the notification log: check-ins per session, voters per poll.

Each call reads only the notifications recorded since the last call, so a thousand
ballots cost a thousand small reads, not a thousand full scans. Several read models can
share one :class:`LogTail`, so that one query per call serves them all.

Tailing relies on notification ids committing in order: SQLite serialises writers, and
eventsourcing's PostgreSQL recorder locks the table for each insert. A notification
committed before a catch-up starts is therefore seen by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from ledger.app import Ledger

BATCH = 2000


class LogTail:
    """Follows the notification log for several read models at once.

    ``follow(topics, handler)``: ``handler`` gets every decoded event of those topics, from
    the start of the log. ``watch(handler)``: ``handler`` gets every notification (not
    decoded) recorded after the first catch-up, whatever its topic. Register both before
    the first :meth:`catch_up`. Handlers run under :attr:`lock` (re-entrant); readers of
    the read models take it too. Call :meth:`catch_up` without holding it.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.lock = threading.RLock()
        self._followers: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._watchers: list[Callable[[Notification], None]] = []
        self._next: int | None = None  # None: never caught up
        self._runs = 0  # catch-ups started so far
        self._done = 0  # the latest of them to have finished
        self._shared = SharedCatchUp(self.catch_up)

    def follow(self, topics: list[str], handler: Callable[[Any], None]) -> None:
        """Decoded events of ``topics``, from the first notification on."""
        with self.lock:
            if self._next is not None:
                raise RuntimeError("subscribe before the first catch-up")
            for topic in topics:
                self._followers[topic].append(handler)

    def watch(self, handler: Callable[[Notification], None]) -> None:
        """Every notification recorded after the first catch-up."""
        with self.lock:
            if self._next is not None:
                raise RuntimeError("subscribe before the first catch-up")
            self._watchers.append(handler)

    def catch_up(self) -> None:
        """Read what was recorded since the last call and hand it to the subscribers.

        On return, everything committed before the call has been handed over. The query
        runs outside the lock (only handing over holds it, in log order, each notification
        once), so a reader waiting for the database holds nobody up; and a caller returns
        at once when a catch-up that started after its call has already finished, so
        threads arriving together mostly share one query.
        """
        ticket = self._runs  # catch-ups started before this call
        with self.lock:
            if self._done > ticket:
                return
            self._runs += 1
            run = self._runs
            if self._next is None or not self._watchers:
                self._catch_up_followers()
                self._done = max(self._done, run)
                return
            start = self._next
        # With watchers: every notification since, in one query when few came.
        while True:
            batch = self.ledger.recorder.select_notifications(start, BATCH)
            with self.lock:
                fresh = [n for n in batch if n.id >= self._next]
                if fresh:
                    self._dispatch(fresh, watch=True)
                    self._next = fresh[-1].id + 1
                if len(batch) < BATCH:
                    self._done = max(self._done, run)
                    return
            start = batch[-1].id + 1

    async def caught_up(self, *, again: bool = False) -> None:
        """:meth:`catch_up` for a caller on an event loop, shared with every other caller
        of this tail that arrives while one runs (see :class:`SharedCatchUp`).

        Inside :func:`one_read_point` (a web request) the tail is caught up once: a later
        call returns at once, the request reading the log as of one point between its
        arrival and its answer. ``again``: catch up even so (to see one's own commit).
        """
        reads = _READ_POINT.get()
        if reads is not None and id(self) in reads and not again:
            return
        await self._shared()
        if reads is not None:
            reads.add(id(self))

    def _catch_up_followers(self) -> None:
        # History (or followers only): only the topics followed, up to the head as it is
        # now; remember that position even when no followed event came, or every call
        # rescans all the other events since.
        head = self.ledger.max_notification_id()
        start = self._next or 1
        topics = list(self._followers)
        while topics and start <= head:
            batch = self.ledger.recorder.select_notifications(
                start, BATCH, stop=head, topics=topics
            )
            if not batch:
                break
            self._dispatch(batch, watch=False)
            start = batch[-1].id + 1
        self._next = max(start, head + 1)

    def _dispatch(self, batch: Any, *, watch: bool) -> None:
        for n in batch:
            handlers = self._followers.get(n.topic)
            if handlers:
                event = self.ledger.mapper.to_domain_event(n)
                for handle in handlers:
                    handle(event)
            if watch:
                for seen in self._watchers:
                    seen(n)


# The log tails caught up with since the current request began (None: not in a request).
_READ_POINT: ContextVar[set[int] | None] = ContextVar("unionflow_read_point", default=None)


@contextlib.contextmanager
def one_read_point() -> Iterator[None]:
    """The block (one request) reads each log tail as of one catch-up that began inside it:
    the sign-in's catch-up serves the vote's checks too. Everything committed before the
    block began is still seen, as by a catch-up per read."""
    token = _READ_POINT.set(set())
    try:
        yield
    finally:
        _READ_POINT.reset(token)


class SharedCatchUp:
    """A catch-up for callers on an event loop, shared by those that arrive together.

    Awaiting it returns once a catch-up that started after the call has finished (so,
    like :meth:`LogTail.catch_up`, everything committed before the call has been handed
    over). One catch-up runs at a time, in the loop's default executor; callers arriving
    while it runs all wait for the next one, which starts when it ends: a burst of votes
    costs two queries, not one per vote, and no thread hand-off per caller.
    """

    def __init__(self, catch_up: Callable[[], None]) -> None:
        self._catch_up = catch_up
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[None] | None = None
        self._next: asyncio.Future[None] | None = None  # for callers arriving meanwhile

    async def __call__(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests run several): start afresh
            self._loop, self._running, self._next = loop, None, None
        if self._running is None:
            waited = self._running = self._start(loop, loop.create_future())
        else:
            if self._next is None:
                self._next = loop.create_future()
            waited = self._next
        await asyncio.shield(waited)

    def _start(
        self, loop: asyncio.AbstractEventLoop, answered: asyncio.Future[None]
    ) -> asyncio.Future[None]:
        run = loop.run_in_executor(None, self._catch_up)

        def finished(done: asyncio.Future[None]) -> None:
            if not answered.done():
                error = done.exception() if not done.cancelled() else asyncio.CancelledError()
                if error is None:
                    answered.set_result(None)
                else:
                    answered.set_exception(error)
            if self._loop is not loop:
                return
            self._running, pending, self._next = None, self._next, None
            if pending is not None:
                self._running = self._start(loop, pending)

        run.add_done_callback(finished)
        return answered


class KeyCounter:
    """Counts created aggregates per key (a field of their Created event).

    With ``member``, it also keeps which members (another field) each key has, for
    :meth:`has`. With a shared ``tail``, one catch-up serves every read model on it.
    """

    def __init__(
        self,
        ledger: Ledger,
        field: str,
        *created_classes: type[Any],
        member: str | None = None,
        tail: LogTail | None = None,
    ) -> None:
        self.field = field
        self.member = member
        self.tail = tail or LogTail(ledger)
        self._counts: Counter[str] = Counter()
        self._members: set[tuple[str, str]] = set()
        self.tail.follow([get_topic(cls) for cls in created_classes], self._add)

    def _add(self, event: Any) -> None:
        key = getattr(event, self.field)
        self._counts[key] += 1
        if self.member is not None:
            self._members.add((key, getattr(event, self.member)))

    def count(self, key: str, *, catch_up: bool = True) -> int:
        """Catch up with the log (unless told not to), then return the count for ``key``."""
        if catch_up:
            self.tail.catch_up()
        with self.tail.lock:
            return self._counts[key]

    def has(self, key: str, member: str, *, catch_up: bool = True) -> bool:
        """Whether ``member`` was recorded under ``key`` (needs ``member``)."""
        if self.member is None:
            raise TypeError("this counter keeps no members")
        if catch_up:
            self.tail.catch_up()
        with self.tail.lock:
            return (key, member) in self._members
