"""The ballot path's in-memory reads stay as fresh as the ledger with two workers.

Worker A is the floor of ``make_floor``; worker B is a second ledger (with the aggregate
cache on) and a second PollService on the same SQLite file. A first warms every read it
keeps (poll, session, voter, organisation, check-ins); then B changes the ledger, and
A's very next call must see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from application.ballot_box import BallotBox
from application.directory import DirectoryFile, DirectoryService
from application.polls import PollService
from domain.actors import CommandMeta, Role
from domain.directory import ActorSpec
from domain.errors import InvalidState, NotAuthorised
from domain.poll import PollKind, PollStatus
from domain.session import session_ledger_id
from ledger.app import Ledger
from tests.congress.fixtures import CHAIR, Floor, make_floor


@dataclass
class Worker:
    ledger: Ledger
    directory: DirectoryService
    polls: PollService

    def meta(self, command_id: str) -> CommandMeta:
        return CommandMeta(
            command_id=command_id,
            acting=self.directory.acting(CHAIR, Role.CADRE),
            occurred_at=datetime.now(UTC),
        )


@pytest.fixture
def floors(tmp_path: Path):
    a = make_floor(tmp_path, 6)
    ledger = Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.db"),
            "SQLITE_LOCK_TIMEOUT": "30",
            "AGGREGATE_CACHE_MAXSIZE": "100",
        }
    )
    directory = DirectoryService(ledger)
    b = Worker(ledger, directory, PollService(ledger, directory, BallotBox(tmp_path / "keys")))
    yield a, b
    ledger.close()
    a.ledger.close()


def warm(a: Floor, key: str) -> None:
    """A votes once, so it holds the poll, the session, the directory and the counts."""
    a.polls.cast(key, a.delegates[0], ["yes"])
    assert a.polls.poll(key).status is PollStatus.OPEN


def test_a_poll_closed_by_another_worker_is_refused_at_once(floors: tuple[Floor, Worker]):
    a, b = floors
    a.check_in(a.delegates)
    key = a.open(1, PollKind.YES_NO, secret=True)
    warm(a, key)

    b.polls.close_poll(key, "chair", b.meta("close-by-b"))
    before = a.ledger.max_notification_id()

    with pytest.raises(InvalidState, match="结束"):
        a.polls.cast(key, a.delegates[1], ["yes"])
    assert a.ledger.max_notification_id() == before
    assert a.polls.poll(key).status is PollStatus.CLOSED


def test_a_delegate_whose_role_is_withdrawn_elsewhere_is_refused_at_once(
    floors: tuple[Floor, Worker],
):
    a, b = floors
    a.check_in(a.delegates)
    first = a.open(1, PollKind.YES_NO, secret=False)
    a.polls.cast(first, a.delegates[1], ["yes"])  # A now holds delegate 1's record
    second = a.open(2, PollKind.YES_NO, secret=True)
    warm(a, second)

    b.directory.load(
        DirectoryFile(
            organisations=[],
            actors=[
                ActorSpec(id=a.delegates[1], name="代表1", org="dl-bearing", roles=[Role.CADRE])
            ],
        ),
        operator="ops.admin",
    )

    with pytest.raises(NotAuthorised):
        a.polls.cast(second, a.delegates[1], ["yes"])


def test_check_ins_and_ballots_of_another_worker_count_at_once(floors: tuple[Floor, Worker]):
    a, b = floors
    a.check_in(a.delegates[:4])
    key = a.open(1, PollKind.YES_NO, secret=True)
    warm(a, key)  # delegate 0 voted through A

    # Delegate 4 checks in through B, and may vote through A immediately.
    assert b.polls.check_in(a.session_id, a.delegates[4], is_delegate=a.delegates.__contains__)
    assert a.polls.present(a.session_id) == 5
    for d in a.delegates[1:4]:
        assert not b.polls.cast(key, d, ["no"]).roll_complete
    assert a.polls.voters(key) == 4
    # A's ballot is the fifth of five present: A sees B's ballots and completes the roll.
    assert a.polls.cast(key, a.delegates[4], ["yes"]).roll_complete
    with pytest.raises(InvalidState, match="重复"):
        a.polls.cast(key, a.delegates[1], ["yes"])  # voted through B: the collision refuses


def test_a_session_closed_by_another_worker_refuses_check_in_at_once(
    floors: tuple[Floor, Worker],
):
    a, b = floors
    a.check_in(a.delegates[:5])
    assert a.polls.session(a.session_id).status.value == "open"

    def close(s: Any) -> None:
        # A session closes once every item is decided or set aside.
        for item in s.s.agenda:
            s.set_aside(item.no, "改期审议", b.meta(f"aside-{item.no}"))
        s.close(b.meta("x"))

    b.ledger.execute(session_ledger_id(a.session_id), b.meta("close-session"), close)

    with pytest.raises(InvalidState):
        a.check_in(a.delegates[5:])
    assert not a.polls.is_checked_in(a.session_id, a.delegates[5])


def test_the_shared_reads_are_not_changed_by_callers(floors: tuple[Floor, Worker]):
    a, _ = floors
    a.check_in(a.delegates)
    key = a.open(1, PollKind.YES_NO, secret=True)
    warm(a, key)
    view = a.polls.poll(key)
    view.status = PollStatus.CLOSED  # a caller's copy
    session = a.polls.session(a.session_id)
    session.agenda.clear()
    assert a.polls.poll(key).status is PollStatus.OPEN
    assert a.polls.session(a.session_id).agenda
    a.polls.cast(key, a.delegates[1], ["yes"])
