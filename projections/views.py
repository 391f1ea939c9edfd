"""Case lists and inboxes: the current view of every aggregate of one type, kept by tailing
the notification log instead of rebuilding every aggregate on every call.

Each call reads only the notifications recorded after the last one it saw (filtered by the
aggregate's event topics) and re-reads only the aggregates those touched. With a store (a
SQLite file under the data directory) the position and the views outlive the process, so a
CLI call costs what changed since the previous call, not the size of the ledger. The store
is a cache: it is rebuilt from the ledger whenever it does not match it (another ledger,
a ledger that is shorter than the store's position, or a view whose schema changed).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from domain.text import stored_facts
from ledger.app import Ledger

V = TypeVar("V", bound=BaseModel)

PAGE = 1000


def event_topics(aggregate_class: type[Any]) -> list[str]:
    """The topics of every event class an aggregate class defines."""
    return sorted(
        get_topic(value)
        for name, value in vars(aggregate_class).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event) and name != "Event"
    )


class ViewIndex(Generic[V]):
    """The current ``view()`` of every aggregate of ``aggregate_class``, in creation order.

    With ``groups``, it also keeps which views fall in each group (``groups(view)`` names
    them, recomputed whenever a view changes), so that :meth:`views_in` reads a few views
    instead of scanning them all (a person's inbox among 10,000 cases).

    The views handed out are shared: read them, do not change them.
    """

    def __init__(
        self,
        ledger: Ledger,
        aggregate_class: type[Any],
        view_type: type[V],
        *,
        store: Path | None = None,
        view: Callable[[Any], V] | None = None,
        groups: Callable[[V], Iterable[str]] | None = None,
    ) -> None:
        self.ledger = ledger
        self.topics = event_topics(aggregate_class)
        self.view_type = view_type
        self._view = view or (lambda aggregate: aggregate.view())
        self._groups_of = groups
        self._lock = threading.Lock()
        self._views: dict[uuid.UUID, V] = {}
        self._order: dict[uuid.UUID, int] = {}  # creation order
        self._members: defaultdict[str, set[uuid.UUID]] = defaultdict(set)
        self._grouped: dict[uuid.UUID, frozenset[str]] = {}
        self._next = 1
        self.reads = 0  # aggregates re-read from the ledger (what a call cost)
        self._fingerprint = hashlib.sha256(
            json.dumps(
                [self.topics, view_type.model_json_schema()], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        self._db: sqlite3.Connection | None = None
        self._identity = ""
        if store is not None:
            store.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(store, check_same_thread=False, timeout=30)
            self._load()

    # -- reading ------------------------------------------------------------------------

    def views(self) -> list[V]:
        """Catch up with the ledger, then every view in creation order."""
        with self._lock:
            self._catch_up()
            return list(self._views.values())

    def get(self, aggregate_id: uuid.UUID) -> V | None:
        """Catch up, then one aggregate's view (None when there is no such aggregate)."""
        with self._lock:
            self._catch_up()
            return self._views.get(aggregate_id)

    def views_in(self, *groups: str) -> list[V]:
        """Catch up, then the views in any of ``groups``, in creation order."""
        if self._groups_of is None:
            raise TypeError("this index keeps no groups")
        with self._lock:
            self._catch_up()
            ids = set().union(*(self._members.get(g, ()) for g in groups))
            return [self._views[i] for i in sorted(ids, key=self._order.__getitem__)]

    def _put(self, aggregate_id: uuid.UUID, view: V) -> None:
        self._views[aggregate_id] = view
        self._order.setdefault(aggregate_id, len(self._order))
        if self._groups_of is None:
            return
        before = self._grouped.get(aggregate_id, frozenset())
        after = frozenset(self._groups_of(view))
        for group in before - after:
            self._members[group].discard(aggregate_id)
        for group in after - before:
            self._members[group].add(aggregate_id)
        self._grouped[aggregate_id] = after

    # -- tailing ------------------------------------------------------------------------

    def _catch_up(self) -> None:
        # Up to the head as it is now, and the position moves there even when none of
        # this index's events came: otherwise every call rescans every other event since
        # its last one (30,000 ballots and check-ins under an index of motions).
        changed: list[uuid.UUID] = []
        seen: set[uuid.UUID] = set()
        head = self.ledger.max_notification_id()
        start = self._next
        while start <= head:
            batch = self.ledger.recorder.select_notifications(
                start, PAGE, stop=head, topics=self.topics
            )
            if not batch:
                break
            for n in batch:
                aggregate_id = uuid.UUID(str(n.originator_id))
                if aggregate_id not in seen:
                    seen.add(aggregate_id)
                    changed.append(aggregate_id)
            start = batch[-1].id + 1
        for aggregate_id in changed:
            self._put(aggregate_id, self._view(self.ledger.get(aggregate_id)))
            self.reads += 1
        self._next = max(self._next, head + 1)
        if changed:
            self._save(changed)

    # -- the store ------------------------------------------------------------------------

    def _ledger_identity(self) -> str:
        """The ledger's first record, which names it; read once it exists."""
        if not self._identity:
            first = self.ledger.recorder.select_notifications(1, 1)
            if first:
                n = first[0]
                self._identity = f"{n.originator_id}:{n.originator_version}:{n.topic}"
        return self._identity

    def _load(self) -> None:
        assert self._db is not None
        db = self._db
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS views "
                "(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL)"
            )
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        position = int(meta.get("next", "1"))
        valid = (
            meta.get("fingerprint") == self._fingerprint
            and meta.get("ledger") == self._ledger_identity()
            and position <= self.ledger.max_notification_id() + 1
        )
        if not valid:
            with db:
                db.execute("DELETE FROM views")
                db.execute("DELETE FROM meta")
            return
        with stored_facts():  # cached views of stored facts: read as stored, like the events
            for key, body in db.execute("SELECT id, body FROM views ORDER BY seq"):
                self._put(uuid.UUID(key), self.view_type.model_validate_json(body))
        self._next = position

    def _save(self, changed: list[uuid.UUID]) -> None:
        if self._db is None:
            return
        with self._db as db:
            db.executemany(
                "INSERT OR REPLACE INTO views (id, seq, body) VALUES (?, ?, ?)",
                [(str(i), self._order[i], self._views[i].model_dump_json()) for i in changed],
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [
                    ("next", str(self._next)),
                    ("fingerprint", self._fingerprint),
                    ("ledger", self._ledger_identity()),
                ],
            )

    def close(self) -> None:
        """Close the store."""
        if self._db is not None:
            self._db.close()
            self._db = None
