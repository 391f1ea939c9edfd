"""Casting a ballot, from a thread (``cast``) or from an event loop (``cast_async``): the
checks against what the log tail holds, the secret ballot sealed and spooled, the record
saved by the group commit. A mixin of ``PollService``, which owns the state it reads.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel

from application.ballot_box import BallotBox
from application.directory import DirectoryService
from domain.actors import Acting, CommandMeta, Role
from domain.errors import InvalidState, NotAuthorised, NotFound
from domain.poll import (
    NamedBallot,
    Participation,
    PollSpec,
    PollStatus,
    PollView,
    key_fingerprint,
    poll_id,
)
from ledger.group_commit import CommitThreads, GroupCommit
from projections.counters import KeyCounter, LogTail
from projections.index import LatestAggregates, NotInMemory

log = structlog.get_logger("application.polls")

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
assert len(RECEIPT_ALPHABET) == 32  # new_receipt takes 5 random bits per symbol


class CastResult(BaseModel):
    """What a voter gets back: a receipt code for a secret ballot."""

    poll_key: str
    receipt: str | None = None
    roll_complete: bool = False


@dataclass
class _Vote:
    """A vote checked and recorded, not saved yet."""

    spec: PollSpec
    aggregate: Any
    needs: str | None = None
    receipt: str | None = None
    ticket: str | None = None


def new_receipt() -> str:
    """A random receipt code, e.g. ``K7QH-3MZP-WD``."""
    # 32 symbols: each is 5 bits of one read of the system's randomness, as uniform as
    # ten ``secrets.choice`` (each its own read) and a tenth of their cost per ballot.
    bits = int.from_bytes(secrets.token_bytes(7), "big")
    raw = "".join(RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Voting:
    """The voting half of ``PollService`` (which sets these up in its ``__init__``)."""

    directory: DirectoryService
    box: BallotBox
    _tail: LogTail
    _latest: LatestAggregates
    _checked_in: KeyCounter
    _voters: KeyCounter
    _votes: GroupCommit
    _commits: CommitThreads

    def _poll(
        self,
        poll_key: str,
        *,
        catch_up: bool = True,
        find: Callable[[uuid.UUID], Any] | None = None,
    ) -> Any:
        """The poll (shared: read only), read by ``find`` if given (then no catch-up)."""
        pid = poll_id(poll_key)
        aggregate = find(pid) if find is not None else self._latest.get(pid, catch_up=catch_up)
        if aggregate is None:
            raise NotFound(f"表决 {poll_key} 不存在", f"no poll {poll_key}")
        return aggregate

    def current(self, aggregate_id: uuid.UUID) -> Any | None:
        """An aggregate as fresh as this service's last catch-up with the log (shared:
        read it, never change it), or None: for a run of reads right after a call that
        caught up (the directory's in ``cast``, the congress's after ``check_in``'s)."""
        return self._latest.get(aggregate_id, catch_up=False)

    # -- voting ------------------------------------------------------------------------

    def cast(self, poll_key: str, voter: str, choices: list[str]) -> CastResult:
        """Cast a ballot: once per delegate, only while the poll is open, only if checked in.

        The checks read the poll, the voter, the voter's organisation and the check-ins
        after one catch-up with the log, so they see everything committed before the
        call (a poll closed, an actor changed, by any worker); the once-only guarantee is
        the aggregate-id collision on save, as before.
        """
        self._tail.catch_up()
        vote = self._vote(poll_key, voter, choices, find=self.current)
        try:
            followed = self._votes.save(vote.aggregate, needs=vote.needs)
        except BaseException as error:  # noqa: BLE001 - re-raised, the ballot unspooled
            raise self._refused(vote, error) from None
        if not followed:  # the batch's catch-up after its commit did not run
            self._tail.catch_up()
        return self._cast_result(vote)

    async def cast_async(self, poll_key: str, voter: str, choices: list[str]) -> CastResult:
        """:meth:`cast` for a caller on an event loop (the worker's and the web app's votes),
        with the same checks and outcomes, and no thread hand-off per vote: votes arriving
        together share one catch-up with the log, the checks and the sealing run on the
        loop from what that catch-up holds in memory (in a thread only when something must
        be read from the ledger first), and the commit threads commit them together."""
        await self._tail.caught_up()
        try:
            vote = self._vote(poll_key, voter, choices, find=self._latest.in_memory, wait=False)
        except NotInMemory:
            vote = await asyncio.to_thread(self._vote, poll_key, voter, choices, find=self.current)
        try:
            followed = await self._commits.save(vote.aggregate, needs=vote.needs)
        except asyncio.CancelledError:
            raise  # the save goes on without this caller: its ballot stays in the spool
        except BaseException as error:  # noqa: BLE001 - re-raised, the ballot unspooled
            raise self._refused(vote, error) from None
        if not followed:  # the commit's catch-up did not run: this vote's own, to count it
            await self._tail.caught_up(again=True)
        try:
            return self._cast_result(vote, wait=False)
        except NotInMemory:
            return await asyncio.to_thread(self._cast_result, vote)

    def _vote(
        self,
        poll_key: str,
        voter: str,
        choices: list[str],
        *,
        find: Callable[[uuid.UUID], Any],
        wait: bool = True,
    ) -> _Vote:
        """The checks of a vote, then its record (a secret ballot sealed and spooled), not
        saved yet. ``find`` reads the poll, the voter and their organisation; without ``wait`` the
        checks run only if the log tail's lock is free (else ``NotInMemory``)."""
        if not self._tail.lock.acquire(blocking=wait):
            raise NotInMemory
        try:
            poll: PollView = self._poll(poll_key, find=find).s  # shared: read only
            acting = self.directory.acting(voter, Role.DELEGATE, find=find)
            checked_in = self._checked_in.has(poll.spec.session_id, voter, catch_up=False)
        finally:
            self._tail.lock.release()
        spec = poll.spec
        if poll.status is not PollStatus.OPEN:
            raise InvalidState("表决已结束，不能再投票", "the poll is closed: no more votes")
        if spec.paper:
            raise InvalidState("本项使用纸质选票", "this item is voted on paper")
        if not checked_in:
            raise NotAuthorised(
                f"{voter} 不是本次会议已签到的代表，不能投票",
                f"{voter} is not a checked-in delegate of this session",
            )
        spec.check_choices(choices)
        if not spec.secret:
            ballot = NamedBallot.cast(
                poll_key, choices, _meta(acting, f"ballot:{poll_key}:{voter}")
            )
            return _Vote(spec, ballot)
        assert poll.public_key is not None
        self._check_commitment(poll)
        receipt = new_receipt()
        ephemeral, nonce, ciphertext = self.box.seal(poll.public_key, {"r": receipt, "c": choices})
        # Spooled (and synced, by the batch's commit, before it) first: the participation
        # that names the ticket is committed only once the ballot is safe, so a crash in
        # between leaves an orphan in the spool (dropped at the close: no participation
        # names it), never a vote without a ballot.
        ticket = self.box.spool(poll_key, ephemeral, nonce, ciphertext, sync=False)
        participation = Participation.record(
            poll_key, _meta(acting, f"participation:{poll_key}:{acting.actor_id}"), ticket
        )
        return _Vote(spec, participation, needs=poll_key, receipt=receipt, ticket=ticket)

    def _refused(self, vote: _Vote, error: BaseException) -> BaseException:
        """The error a vote's failed save raises: its spooled ballot dropped (it never
        counts), a collision told as a second vote."""
        if vote.ticket is not None:
            self.box.unspool(vote.spec.poll_key, vote.ticket)
        if isinstance(error, IntegrityError):
            return InvalidState("已经投过票，不能重复投票", "already voted in this poll")
        return error

    def _cast_result(self, vote: _Vote, *, wait: bool = True) -> CastResult:
        spec = vote.spec
        if not self._tail.lock.acquire(blocking=wait):
            raise NotInMemory
        try:
            complete = self._voters.count(spec.poll_key, catch_up=False) >= self._checked_in.count(
                spec.session_id, catch_up=False
            )
        finally:
            self._tail.lock.release()
        # Never log the voter with a secret ballot: who voted is in the ledger already.
        log.info("ballot_cast", poll_key=spec.poll_key, secret=spec.secret)
        return CastResult(poll_key=spec.poll_key, receipt=vote.receipt, roll_complete=complete)

    def _check_commitment(self, poll: PollView) -> None:
        """Seal only to the key committed when the poll opened (kept in the key directory)."""
        assert poll.public_key is not None
        committed = self.box.commitment(poll.spec.poll_key)
        if committed is None:
            raise InvalidState(
                "找不到本项表决公钥的承诺指纹，无法确认公钥未被替换，不能投票",
                "the poll's key commitment is not found here: its public key cannot be "
                "confirmed, so no ballot is sealed to it",
            )
        if key_fingerprint(poll.public_key) != committed or poll.key_fingerprint not in (
            None,
            committed,
        ):
            log.warning("poll_key_mismatch", poll_key=poll.spec.poll_key)
            raise InvalidState(
                "本项表决的公钥与开启时承诺的指纹不符（账本可能被篡改），不能投票",
                "the poll's public key does not match the fingerprint committed when it "
                "opened (the ledger may have been tampered with): no ballot is sealed to it",
            )


def _meta(acting: Acting, command_id: str) -> CommandMeta:
    return CommandMeta(command_id=command_id, acting=acting, occurred_at=datetime.now(UTC))
