"""After a secret poll closes: its spooled ballots into the ledger in one shuffled batch,
then opened for the count; a named poll's ballots read back. Used by ``PollService``.

The batch commits with the poll's ``BallotsCollected`` in one transaction, each sealed
ballot under a random id, stamped by nobody with the poll's opening time and carrying no
ticket, so nothing in storage pairs it with the participation that named it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from typing import cast

from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.utils import get_topic

from application.ballot_box import BallotBox
from domain.actors import Acting, CommandMeta, Role
from domain.poll import (
    ANONYMOUS,
    NamedBallot,
    Participation,
    PollView,
    PublishedBallot,
    SealedBallot,
    poll_id,
)
from ledger.app import Ledger

_PAGE = 2000


def _of_poll(
    ledger: Ledger, event_class: type, poll_key: str, start: int
) -> Iterator[Notification]:
    """The recorded events of one class that belong to ``poll_key``, from ``start`` on."""
    marker = f'"poll_key":"{poll_key}"'.encode()
    topic = [get_topic(event_class)]
    while True:
        batch = ledger.recorder.select_notifications(start, _PAGE, topics=topic)
        if not batch:
            return
        yield from (n for n in batch if marker in n.state)
        start = batch[-1].id + 1


def participation_tickets(ledger: Ledger, poll_key: str, start: int) -> set[str]:
    """The tickets named by the poll's participations (each a committed vote)."""
    tickets: set[str] = set()
    for n in _of_poll(ledger, Participation.Created, poll_key, start):
        event = cast(Participation.Created, ledger.mapper.to_domain_event(n))
        if event.ticket:
            tickets.add(event.ticket)
    return tickets


def collect_batch(
    ledger: Ledger,
    box: BallotBox,
    poll_key: str,
    meta: CommandMeta,
    beat: Callable[[], None],
    grace_seconds: float,
) -> bool:
    """Move the poll's spooled ballots into the ledger in one shuffled batch; True when
    this call wrote it. Exactly once: the batch and the poll's ``BallotsCollected``
    commit in one transaction (a retry finds it and only clears the spool). A spooled
    ballot younger than ``grace_seconds`` whose participation is not committed yet is
    waited for: its vote may still be committing."""
    aggregate = ledger.get(poll_id(poll_key))
    view: PollView = aggregate.view()
    if view.ballots_collected is not None:
        box.clear_spool(poll_key, [b.ticket for b in box.spooled(poll_key)])
        return False
    while True:
        tickets = participation_tickets(ledger, poll_key, view.opened_after + 1)
        spooled = box.spooled(poll_key)
        now = time.time()
        pending = [
            b for b in spooled if b.ticket not in tickets and now - b.written_at < grace_seconds
        ]
        if not pending:
            break
        beat()
        time.sleep(0.2)
    found = {b.ticket: b for b in spooled if b.ticket in tickets and b.ciphertext}
    missing = tickets - found.keys()
    if missing:
        # Never tally without a counted vote's ballot: retried until the spool is back.
        raise RuntimeError(f"{len(missing)} spooled ballots of {poll_key} are missing")
    batch = list(found.values())
    secrets.SystemRandom().shuffle(batch)
    anonymous = Acting(
        actor_id=ANONYMOUS, role=Role.DELEGATE, roles=[Role.DELEGATE], org_id=view.unit_org
    )
    sealed = [
        SealedBallot.seal(
            uuid.uuid4(),
            poll_key,
            ephemeral_key=b.ephemeral_key,
            nonce=b.nonce,
            ciphertext=b.ciphertext,
            meta=CommandMeta(
                command_id=str(uuid.uuid4()), acting=anonymous, occurred_at=view.opened_at
            ),
        )
        for b in batch
    ]
    collected = meta.model_copy(update={"command_id": f"{meta.command_id}:collected"})
    aggregate.collect_ballots(len(sealed), collected)
    try:
        ledger.save(aggregate, *sealed)  # one transaction: all or none
    except IntegrityError:
        # Another attempt of this tally may have written the batch first; unless it
        # did, nothing was written and the spool stays for the retry.
        if ledger.get(poll_id(poll_key)).view().ballots_collected is None:
            raise
    beat()
    box.clear_spool(poll_key, [b.ticket for b in spooled])
    return True


def open_sealed(
    ledger: Ledger, box: BallotBox, poll_key: str, start: int, beat: Callable[[], None]
) -> list[PublishedBallot]:
    """Every sealed ballot of the poll opened with its key, in a random order (so the
    order of casting is gone too)."""
    open_one = box.opener(poll_key)
    ballots: list[PublishedBallot] = []
    for i, n in enumerate(_of_poll(ledger, SealedBallot.Created, poll_key, start)):
        event = cast(SealedBallot.Created, ledger.mapper.to_domain_event(n))
        content = open_one(event.ephemeral_key, event.nonce, event.ciphertext)
        ballots.append(PublishedBallot(receipt=content["r"], choices=list(content["c"])))
        if i % _PAGE == 0:
            beat()
    secrets.SystemRandom().shuffle(ballots)
    return ballots


def named_ballots(ledger: Ledger, poll_key: str, start: int) -> list[NamedBallot]:
    """The named ballots of a poll."""
    return [
        ledger.get(cast(uuid.UUID, n.originator_id))
        for n in _of_poll(ledger, NamedBallot.Created, poll_key, start)
    ]
