"""Guards for what is stored forever: event topics and a ledger written by earlier code.

Event classes are looked up by topic (``module:QualName``) when the ledger is read, and the
topic is part of every event's chain hash. So an event class may move or be renamed only if
its old topic is registered (``eventsourcing.utils.register_topic(old, cls)``), and a
payload may change only with ``class_version`` and upcasters. These tests fail when a move
forgets the registration, when a new event class is added without freezing its topic here,
or when today's code can no longer rebuild and verify a ledger written by earlier code.

Hashes are stored forever too. Events written before hash rule 2 (the type-tagged form,
``domain.base.tagged_hash``) keep rule 1 (``state_hash``): their stored hash says which rule
made it, so ``ledger-v1.db`` verifies with every event under rule 1, and no rule-1 hash can
pass as rule 2. A rule-1 event's own hash cannot see a hash-neutral re-encoding (a datetime
stored as its ISO string); once a witness has recorded it (its list keeps each event's
type-tagged hash), verify can.

To freeze the topic of a new event class, add it to ``event_topics.txt`` (never remove or
edit a line). The ``ledger-v*.db`` fixtures were written by ``python -m tests.guards.record
--ledger``, each by the code of its day, and are never rewritten.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.base import LedgerAggregate
from ledger.app import Ledger
from ledger.verify import verify_ledger
from ledger.witness import Witness
from settings import Settings

HERE = Path(__file__).resolve().parent
FROZEN = HERE / "event_topics.txt"
LEDGERS = sorted(HERE.glob("ledger-v*.db"))
EVENT_PACKAGES = ("domain", "ledger")


def frozen_topics() -> list[str]:
    lines = FROZEN.read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def project_event_classes() -> set[type]:
    """Every event class defined by the project's packages (imported first, so all exist)."""
    for package in EVENT_PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            importlib.import_module(module.name)
    # Events are the classes an aggregate class holds (eventsourcing's metaclass may redefine
    # a nested event class, so the attribute, not __subclasses__(), is the stored one).
    found: set[type] = set()
    todo: list[type] = [LedgerAggregate]
    while todo:
        aggregate = todo.pop()
        todo.extend(aggregate.__subclasses__())
        if aggregate.__module__.split(".")[0] not in EVENT_PACKAGES:
            continue  # test aggregates
        for name, value in vars(aggregate).items():
            # ``Event`` is the base that eventsourcing defines on each aggregate class; it
            # is never triggered, so nothing is stored under its topic.
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and name != "Event":
                found.add(value)
    return found


def test_every_event_class_topic_is_frozen():
    current = {get_topic(cls) for cls in project_event_classes()}
    unfrozen = sorted(current - set(frozen_topics()))
    assert not unfrozen, (
        f"event classes whose topic is not in {FROZEN.name}: {unfrozen}. A new event class: "
        "add its topic there. A moved or renamed one: keep storing under the old topic "
        "(TOPIC = old_topic on the class, or register_topic(old_aggregate_topic, cls) for "
        "its aggregate) so stored events resolve and hash as they were written."
    )


@pytest.mark.parametrize("topic", frozen_topics())
def test_frozen_topic_still_resolves_to_an_event_class(topic: str):
    project_event_classes()  # imports every module, so registrations have run
    cls = resolve_topic(topic)
    assert isinstance(cls, type) and issubclass(cls, LedgerAggregate.Event), topic


@pytest.fixture(params=LEDGERS, ids=lambda p: p.stem)
def stored_ledger(tmp_path: Path, request: pytest.FixtureRequest):
    settings = Settings(data_dir=tmp_path / "var")
    settings.sqlite_path.parent.mkdir(parents=True)
    shutil.copyfile(request.param, settings.sqlite_path)
    ledger = Ledger(env=settings.ledger_env())
    yield ledger
    ledger.close()


def test_ledger_written_by_earlier_code_rebuilds_every_aggregate(stored_ledger: Ledger):
    ids: dict[uuid.UUID, int] = {}
    topics: set[str] = set()
    for n in stored_ledger.all_notifications():
        ids[n.originator_id] = max(ids.get(n.originator_id, 0), n.originator_version)
        topics.add(n.topic)
    assert len(ids) > 100 and topics <= set(frozen_topics())
    for aggregate_id, version in ids.items():
        aggregate = stored_ledger.get(aggregate_id)
        assert aggregate.version == version
        assert aggregate.chain_head == stored_ledger.stream(aggregate_id)[-1].__dict__["hash"]


def test_ledger_written_by_earlier_code_verifies(stored_ledger: Ledger):
    report = verify_ledger(stored_ledger)
    assert report.ok, report
    assert report.seals_checked >= 3
    assert report.events_checked == stored_ledger.max_notification_id()
    # Every event was written under hash rule 1, and keeps it.
    assert report.legacy_hash_events == report.events_checked


def test_ledger_written_by_earlier_code_is_adopted_by_a_witness_that_then_sees_a_re_encoding(
    stored_ledger: Ledger, tmp_path: Path
):
    witness = Witness(tmp_path / "witness")
    adopted = witness.sync(stored_ledger)
    assert len(adopted) >= 3
    assert verify_ledger(stored_ledger, witness=witness).ok
    # A hash-neutral re-encoding of a sealed rule-1 event: its timestamp stored untyped.
    first = next(stored_ledger.all_notifications())
    tag = b'{"_type_":"datetime_iso","_data_":'
    start = first.state.index(tag)
    end = first.state.index(b"}", start)
    untyped = first.state[:start] + first.state[start + len(tag) : end] + first.state[end + 1 :]
    with sqlite3.connect(stored_ledger.env["SQLITE_DBNAME"]) as conn:
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (untyped, first.id))

    alone = verify_ledger(stored_ledger)
    witnessed = verify_ledger(stored_ledger, witness=witness)

    assert alone.ok  # rule 1 hashes both forms alike
    assert witnessed.first_bad is not None
    assert (witnessed.first_bad.notification_id, witnessed.first_bad.reason_code) == (
        first.id,
        "sealed_event_changed",
    )


def test_congress_terms_written_before_committees_read_as_congresses(stored_ledger: Ledger):
    """``CongressView.body`` (issue 10: a committee votes like a congress) came after these
    terms were stored: their stored state has no ``body`` and reads as a congress, with the
    hash they were written with."""
    from domain.congress import Body, Congress

    terms = [
        stored_ledger.get(n.originator_id)
        for n in stored_ledger.all_notifications()
        if n.topic.endswith(":Congress.Created")
    ]
    assert terms, "the stored ledger holds congress terms"
    for term in terms:
        assert isinstance(term, Congress) and term.view().body is Body.CONGRESS
        assert "body" not in stored_ledger.stream(term.id)[0].__dict__["state"]
