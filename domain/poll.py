"""Polls of the workers' congress (职代会表决): yes/no, elections, appraisals; named or secret.

A ``Poll`` owns the item's lifecycle (open → closed → ballots collected → tallied →
published). Ballots are separate aggregates, written through the service layer (fan-in),
never through a workflow. A named ballot's id is derived from (poll, voter), so a second
ballot collides. A secret ballot is two records written apart: a ``Participation`` (who
voted; its id collides the same way), written when the delegate votes, and a
``SealedBallot`` (what was voted, encrypted to the poll's key, under a random id, stamped
by nobody), written only after the poll closes, in one shuffled batch with every other
ballot of the poll. Until then the sealed ballot waits outside the ledger, in the poll's
spool (``application/ballot_box.py``), under a random ticket that only the participation
names; the batch does not carry it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.actors import Acting, CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_unit_cadre
from domain.poll_count import Recount, check_paper_count, quorum_met, recount, tally
from domain.poll_values import (
    APPRAISAL_OPTIONS,
    OPTION_LABELS,
    YES_NO_OPTIONS,
    ItemKind,
    PaperCount,
    PollKind,
    PollSpec,
    PollStatus,
    PollView,
    PublishedBallot,
    TallyResult,
    key_fingerprint,
    named_ballot_id,
    participation_id,
    poll_id,
)
from domain.profiles import MinFraction


class Poll(ViewState[PollView], LedgerAggregate):
    """One item put to the congress's vote."""

    VIEW = PollView

    class Created(CreatesView, LedgerAggregate.Created):
        """The chair opened the poll (开始表决)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

    class Closed(Changed):
        """Voting ended (表决结束)."""

        reason: str
        present: int
        participants: int

        def evolve(self, s: PollView) -> None:
            s.status = PollStatus.CLOSED
            s.closed_at = self.timestamp
            s.close_reason = self.reason
            s.present_at_close = self.present
            s.participants = self.participants

    class PaperCountEntered(Changed):
        """A teller entered the count of the paper ballots (计票)."""

        teller: str
        counts: dict[str, int]
        ballots: int

        def evolve(self, s: PollView) -> None:
            s.paper_counts = [c for c in s.paper_counts if c.teller != self.teller]
            s.paper_counts.append(
                PaperCount(teller=self.teller, counts=self.counts, ballots=self.ballots)
            )
            if len(s.paper_counts) == 2:
                a, b = s.paper_counts
                s.paper_mismatch = (a.counts, a.ballots) != (b.counts, b.ballots)

    class Tallied(Changed):
        """The result was counted (计票结果)."""

        result: dict[str, Any]

        def evolve(self, s: PollView) -> None:
            s.result = TallyResult.model_validate(self.result)
            s.status = PollStatus.TALLIED

    class BallotsPublished(Changed):
        """The secret ballots were published in shuffled order with their receipt codes."""

        ballots: list[dict[str, Any]]
        digest: str

        def evolve(self, s: PollView) -> None:
            s.published = [PublishedBallot.model_validate(b) for b in self.ballots]
            s.published_digest = self.digest

    class BallotsCollected(Changed):
        """The sealed ballots waiting in the spool were written, shuffled, in one batch."""

        count: int

        def evolve(self, s: PollView) -> None:
            s.ballots_collected = self.count

    class BallotsPublishedApart(Changed):
        """The receipts (sorted) and the choices (shuffled) were published separately:
        anyone recounts the choices, a delegate finds their receipt, nothing pairs them."""

        receipts: list[str]
        choices: list[list[str]]
        digest: str

        def evolve(self, s: PollView) -> None:
            s.published_receipts = list(self.receipts)
            s.published_choices = [list(c) for c in self.choices]
            s.published_digest = self.digest

    class KeyDestroyed(Changed):
        """The poll's private key was destroyed: no sealed ballot can be opened again."""

        def evolve(self, s: PollView) -> None:
            s.key_destroyed = True

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets it from the stored event.
        self.s: PollView

    @classmethod
    def open(
        cls,
        spec: PollSpec,
        meta: CommandMeta,
        *,
        unit_org: str,
        total_delegates: int,
        present: int,
        quorum: MinFraction,
        public_key: str | None,
        opened_after: int = 0,
    ) -> Poll:
        """Open the poll; refused without a quorum of ALL delegates checked in."""
        _check_chair(meta.acting, unit_org)
        if total_delegates <= 0:
            raise InvalidState("名册中没有代表", "the congress has no delegates")
        if not quorum_met(present, total_delegates, quorum):
            raise InvalidState(
                f"到会代表 {present}/{total_delegates} 不足 {quorum.num}/{quorum.den}，不能表决",
                f"{present} of {total_delegates} present: below the {quorum.num}/{quorum.den} quorum",
            )
        if spec.secret and not spec.paper and not public_key:
            raise InvalidInput("无记名投票需要加密公钥", "a secret poll needs its public key")
        state = PollView(
            spec=spec,
            unit_org=unit_org,
            status=PollStatus.OPEN,
            version=1,
            opened_at=meta.occurred_at,
            total_delegates=total_delegates,
            present_at_open=present,
            public_key=public_key,
            key_fingerprint=key_fingerprint(public_key) if public_key else None,
            opened_after=opened_after,
        )
        return cls._new(poll_id(spec.poll_key), meta, state=state.model_dump(mode="json"))

    def close(self, reason: str, present: int, participants: int, meta: CommandMeta) -> None:
        """End voting: by the chair, at the deadline, or when the roll is complete."""
        if self.s.status is not PollStatus.OPEN:
            raise InvalidState("表决已结束", "the poll is already closed")
        if meta.acting.role is not Role.SYSTEM:
            _check_chair(meta.acting, self.s.unit_org)
        self._emit(self.Closed, meta, reason=reason, present=present, participants=participants)

    def enter_paper_count(self, counts: dict[str, int], ballots: int, meta: CommandMeta) -> None:
        """One of the two tellers enters the count; both must agree before it stands."""
        if not self.s.spec.paper:
            raise InvalidState("本项不是纸质选票", "this poll is not counted on paper")
        if self.s.status is not PollStatus.CLOSED:
            raise InvalidState("表决结束后才能计票", "count after the poll is closed")
        teller = meta.acting.actor_id
        if teller not in self.s.spec.tellers:
            raise NotAuthorised(f"{teller} 不是本项的监票人或计票人", f"{teller} is not a teller")
        if self.agreed_paper_count() is not None:
            raise InvalidState(
                "两名计票人的结果已一致并确认，不能再修改",
                "both tellers' counts agreed and stand: they cannot be changed",
            )
        full = check_paper_count(self.s, counts, ballots)
        self._emit(self.PaperCountEntered, meta, counts=full, ballots=ballots, teller=teller)

    def agreed_paper_count(self) -> PaperCount | None:
        """The count both tellers entered, when they agree."""
        if len(self.s.paper_counts) == 2 and not self.s.paper_mismatch:
            return self.s.paper_counts[0]
        return None

    def record_tally(self, result: TallyResult, meta: CommandMeta) -> None:
        """Record the counted result."""
        if self.s.status is not PollStatus.CLOSED:
            raise InvalidState("表决尚未结束或已计票", "the poll is not closed, or already tallied")
        self._emit(self.Tallied, meta, result=result.model_dump(mode="json"))

    def collect_ballots(self, count: int, meta: CommandMeta) -> None:
        """Record the batch that moved the spooled ballots into the ledger (once)."""
        if self.s.status is not PollStatus.CLOSED or self.s.ballots_collected is not None:
            raise InvalidState("不能收集选票", "the ballots cannot be collected now")
        self._emit(self.BallotsCollected, meta, count=count)

    def publish(
        self, receipts: list[str], choices: list[list[str]], digest: str, meta: CommandMeta
    ) -> None:
        """Publish the opened secret ballots: receipts sorted, choices shuffled, apart."""
        if self.s.status is not PollStatus.TALLIED or self.s.published_digest is not None:
            raise InvalidState("不能公布选票", "the ballots cannot be published now")
        if len(receipts) != len(choices):
            raise InvalidState("回执与选票数量不符", "receipts and ballots differ in number")
        self._emit(
            self.BallotsPublishedApart,
            meta,
            receipts=sorted(receipts),
            choices=choices,
            digest=digest,
        )

    def key_destroyed(self, meta: CommandMeta) -> None:
        """Record that the private key is gone."""
        if not self.s.key_destroyed:
            self._emit(self.KeyDestroyed, meta)


def _check_chair(acting: Acting, unit_org: str) -> None:
    check_unit_cadre(
        acting,
        unit_org,
        ("开启或结束表决", "open or close a poll"),
        acting_as=("大会主持", "the chair"),
    )


# -- ballots ---------------------------------------------------------------------------------


class NamedBallot(LedgerAggregate):
    """A named ballot (记名投票): who voted what, one per voter and poll."""

    class Created(LedgerAggregate.Created):
        poll_key: str
        voter: str
        choices: list[str]

        def apply(self, aggregate: NamedBallot) -> None:
            aggregate.poll_key = self.poll_key
            aggregate.voter = self.voter
            aggregate.choices = list(self.choices)

    def __init__(self, poll_key: str, voter: str, choices: list[str]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.poll_key: str
        self.voter: str
        self.choices: list[str]

    @classmethod
    def cast(cls, poll_key: str, choices: list[str], meta: CommandMeta) -> NamedBallot:
        """Record a named vote."""
        voter = meta.acting.actor_id
        return cls._new(
            named_ballot_id(poll_key, voter), meta, poll_key=poll_key, voter=voter, choices=choices
        )


class Participation(LedgerAggregate):
    """That a delegate voted in a secret poll (已投票记录) — never what.

    ``ticket`` names the delegate's sealed ballot in the poll's spool (a random value that
    appears nowhere else in the ledger), so the batch after the close takes exactly the
    ballot whose participation was committed. Participations recorded before the spool
    (class version 1) have none: their sealed ballot was written with them.
    """

    class Created(LedgerAggregate.Created):
        class_version = 2
        poll_key: str
        voter: str
        ticket: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["ticket"] = ""  # the sealed ballot was written in the same transaction

        def apply(self, aggregate: Participation) -> None:
            aggregate.poll_key = self.poll_key
            aggregate.voter = self.voter
            aggregate.ticket = self.ticket

    def __init__(self, poll_key: str, voter: str, ticket: str) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.poll_key: str
        self.voter: str
        self.ticket: str

    @classmethod
    def record(cls, poll_key: str, meta: CommandMeta, ticket: str) -> Participation:
        """Record that the acting delegate voted, naming the spooled ballot's ticket."""
        voter = meta.acting.actor_id
        return cls._new(
            participation_id(poll_key, voter), meta, poll_key=poll_key, voter=voter, ticket=ticket
        )


class SealedBallot(LedgerAggregate):
    """A secret ballot's content, encrypted to the poll's key; it names no voter."""

    class Created(LedgerAggregate.Created):
        poll_key: str
        ephemeral_key: str
        nonce: str
        ciphertext: str

        def apply(self, aggregate: SealedBallot) -> None:
            aggregate.poll_key = self.poll_key
            aggregate.ephemeral_key = self.ephemeral_key
            aggregate.nonce = self.nonce
            aggregate.ciphertext = self.ciphertext

    def __init__(self, poll_key: str, ephemeral_key: str, nonce: str, ciphertext: str) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.poll_key: str
        self.ephemeral_key: str
        self.nonce: str
        self.ciphertext: str

    @classmethod
    def seal(
        cls,
        ballot_id: UUID,
        poll_key: str,
        *,
        ephemeral_key: str,
        nonce: str,
        ciphertext: str,
        meta: CommandMeta,
    ) -> SealedBallot:
        """Store an encrypted ballot under a random id; ``meta`` must be anonymous."""
        if meta.acting.actor_id != ANONYMOUS:
            raise ValueError("a sealed ballot is stamped by nobody")
        return cls._new(
            ballot_id,
            meta,
            poll_key=poll_key,
            ephemeral_key=ephemeral_key,
            nonce=nonce,
            ciphertext=ciphertext,
        )


ANONYMOUS = "anonymous"

# What other modules import from here (the values and the counting live in their own modules).
__all__ = [
    "ANONYMOUS",
    "APPRAISAL_OPTIONS",
    "OPTION_LABELS",
    "YES_NO_OPTIONS",
    "ItemKind",
    "NamedBallot",
    "PaperCount",
    "Participation",
    "Poll",
    "PollKind",
    "PollSpec",
    "PollStatus",
    "PollView",
    "PublishedBallot",
    "Recount",
    "SealedBallot",
    "TallyResult",
    "check_paper_count",
    "key_fingerprint",
    "named_ballot_id",
    "participation_id",
    "poll_id",
    "quorum_met",
    "recount",
    "tally",
]
