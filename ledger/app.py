"""The ledger: one eventsourcing Application holding every aggregate of UnionFlow.

It runs commands idempotently (by ``command_id``), retries optimistic-concurrency
conflicts, and reads any aggregate as it was at a version or at an instant.

With ``AGGREGATE_CACHE_MAXSIZE`` set, current aggregates come from an LRU cache that is
fast-forwarded from the database on every read (:class:`FreshRepository`), so several
workers and processes can write the same ledger: a read never returns less than what was
committed when it started. (A cached aggregate only learns of appended events: a stored
event rewritten in place by a database operator shows only after a restart, and in
``audit verify``, which reads the stored rows.)
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast, overload

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Notification,
    StoredEvent,
    Transcoder,
    Transcoding,
)

from domain.actors import CommandMeta, check_command_id
from domain.base import LedgerAggregate
from domain.errors import NotFound

A = TypeVar("A", bound=LedgerAggregate)

MAX_CONFLICT_RETRIES = 20
# Streams shorter than this are replayed, not cached: replaying a few events costs no
# more than the deep copy a cached aggregate needs, and far less for a large state (a
# congress with a 1,000-seat roster in its first events copies slower than it replays).
CACHE_MIN_VERSION = 4


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


class FreshRepository(Repository):
    """eventsourcing's repository, with its aggregate cache made safe for commands.

    A cached aggregate is fast-forwarded from the database on every read (never skipped,
    whatever ``AGGREGATE_CACHE_FASTFORWARD_SKIPPING`` says), and every caller gets its
    own deep copy, taken under the aggregate's lock. eventsourcing 9.5 copies after
    releasing that lock, so a copy could be taken while another thread fast-forwards the
    same object (a torn copy, or "dictionary changed size"). A command that raises, or a
    save that loses a race, therefore only ever changed its copy; the cached object only
    changes by replaying stored events, and is dropped if that replay fails half-way.
    Nothing is put in the cache on save (that needs ``fastforward=True``, forced here).
    Aggregates below ``CACHE_MIN_VERSION`` are not cached at all.
    """

    def get(
        self,
        aggregate_id: Any,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                try:
                    aggregate = self.cache.get(aggregate_id)
                except KeyError:
                    aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
                    if aggregate.version < CACHE_MIN_VERSION:
                        return aggregate  # nobody else holds it: no copy needed
                    self.cache.put(aggregate_id, aggregate)
                else:
                    try:
                        new_events = self.event_store.get(aggregate_id, gt=aggregate.version)
                        aggregate = projector_func(aggregate, new_events)
                        if aggregate is None:
                            raise AggregateNotFoundError(aggregate_id)
                    except BaseException:
                        with contextlib.suppress(KeyError):
                            self.cache.get(aggregate_id, evict=True)
                        raise
                return deepcopy(aggregate)
        finally:
            self._disuse_fastforward_lock(aggregate_id)


def _is_event(obj: object) -> bool:
    """What ``isinstance(obj, DomainEventProtocol)`` answers for one of our events or
    aggregates: whether it has the protocol's members. (That check walks the protocol's
    classes on every call: some microseconds an event, on the ballot path's group commit.)"""
    return hasattr(obj, "originator_id") and hasattr(obj, "originator_version")


def _collected(objs: tuple[Any, ...], kwargs: dict[str, Any]) -> ProcessingEvent[Any] | None:
    """What ``ProcessingEvent.collect_events`` collects from ``objs``: the events given, and
    each aggregate's pending events (the aggregate kept by id) — when every one is plainly
    an event or an aggregate of the ledger; None, before collecting anything, otherwise."""
    for obj in objs:
        if obj is None:
            continue
        if isinstance(obj, LedgerAggregate.Event):
            if not _is_event(obj):
                return None
        elif not isinstance(obj, LedgerAggregate) or _is_event(obj):
            return None
    processing_event: ProcessingEvent[Any] = ProcessingEvent()
    events = processing_event.events
    for obj in objs:
        if obj is None:
            continue
        if isinstance(obj, LedgerAggregate.Event):
            events.append(obj)
        else:
            events.extend(obj.collect_events())
            processing_event.aggregates[obj.id] = obj
    processing_event.saved_kwargs.update(kwargs)
    return processing_event


class Ledger(Application):
    """Every business fact of UnionFlow, one event stream per aggregate."""

    name = "unionflow"

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        # SQLite takes one writer at a time, and so does eventsourcing's connection pool
        # per process; but a writer queued inside the pool holds its turnstile, so every
        # reader (the log tails of the ballot box) waits behind all queued writers. Queued
        # here instead, writers leave the pool to the readers.
        sqlite = self.env.get("PERSISTENCE_MODULE", "") == "eventsourcing.sqlite"
        self._write_turn = threading.Lock() if sqlite else contextlib.nullcontext()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        with self._write_turn:
            processing_event = _collected(objs, kwargs)
            if processing_event is None:
                return super().save(*objs, **kwargs)
            # The rest of ``Application.save`` (eventsourcing 9.5), as it is there.
            recordings = self._record(processing_event)
            self._take_snapshots(processing_event)
            self._notify(recordings)
            self.notify(processing_event.events)  # Deprecated.
            return recordings

    def construct_repository(self) -> Repository:
        # AGGREGATE_CACHE_MAXSIZE (bootstrap sets it from UNIONFLOW_LEDGER_CACHE_SIZE): unset
        # or 0, no cache and every read replays the stream. The other cache options of
        # eventsourcing are fixed here: only these values are safe with several writers.
        size = int(self.env.get(self.AGGREGATE_CACHE_MAXSIZE) or 0)
        return FreshRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            # None: no cache (eventsourcing reads 0 as "unbounded").
            cache_maxsize=size if size > 0 else None,
            fastforward=True,
            fastforward_skipping=False,
            deepcopy_from_cache=True,
        )

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        cast(JSONTranscoder, transcoder).register(DateAsISO())

    # -- commands ---------------------------------------------------------------------

    @overload
    def execute(
        self,
        aggregate_id: uuid.UUID,
        meta: CommandMeta,
        command: Callable[[A], object] | None = None,
        *,
        create: Callable[[], A],
    ) -> CommandResult[A]: ...

    @overload
    def execute(
        self,
        aggregate_id: uuid.UUID,
        meta: CommandMeta,
        command: Callable[[Any], object],
        *,
        create: None = None,
    ) -> CommandResult[Any]: ...

    def execute(
        self,
        aggregate_id: uuid.UUID,
        meta: CommandMeta,
        command: Callable[[Any], object] | None = None,
        *,
        create: Callable[[], Any] | None = None,
    ) -> CommandResult[Any]:
        """Run one command on one aggregate, exactly once per ``meta.command_id``.

        ``create`` builds the aggregate when it does not exist yet (its id must be
        ``aggregate_id``); ``command`` runs on the existing aggregate. A command id the
        aggregate already applied returns the aggregate as that command left it; a caller's
        command id bound to another operation (``domain.actors.fingerprinted``) is refused.
        A concurrent writer makes the save fail; then the command is re-run on the
        fresh state, which also notices a duplicate that won the race.
        """
        for _ in range(MAX_CONFLICT_RETRIES):
            aggregate: Any = self.find(aggregate_id)
            if aggregate is not None:
                check_command_id(meta.command_id, aggregate.commands)
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

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        """Whether anything is recorded for ``aggregate_id`` (one indexed read, nothing
        reconstructed)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

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

    def stored_state(self, stored: StoredEvent) -> dict[str, Any]:
        """An event's attributes exactly as they were written: decrypted, decompressed and
        decoded as the mapper does, but not upcast, so audits hash what was stored."""
        data = stored.state
        if self.mapper.cipher:
            data = self.mapper.cipher.decrypt(data)
        if self.mapper.compressor:
            data = self.mapper.compressor.decompress(data)
        state: dict[str, Any] = self.mapper.transcoder.decode(data)
        state.pop("class_version", None)  # the mapper's marker, not an attribute
        state["originator_id"] = stored.originator_id
        state["originator_version"] = stored.originator_version
        return state
