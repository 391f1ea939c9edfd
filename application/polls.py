"""Check-in and voting: high fan-in input that goes straight to the ledger, never through a
workflow; plus opening, closing and tallying polls for the session workflow's activities.

A secret vote writes two things apart: the sealed ballot into the poll's spool (outside
the ledger, ``BallotBox``), then the ``Participation`` naming the spooled ballot's random
ticket. After the close, the tally moves every spooled ballot whose participation was
committed into the ledger in one shuffled batch, in its own transaction, each stamped
with the poll's opening time and by nobody, and carrying no ticket: storage order,
transaction and time no longer pair a participation with its ballot.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel

from application.ballot_batch import collect_batch, named_ballots, open_sealed
from application.ballot_box import BallotBox
from application.directory import DirectoryService
from application.voting import RECEIPT_ALPHABET as RECEIPT_ALPHABET
from application.voting import CastResult as CastResult
from application.voting import Voting, _meta
from application.voting import new_receipt as new_receipt
from contracts.session import PollFacts
from domain.actors import CommandMeta, Role
from domain.base import canonical_bytes
from domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from domain.policies import check_unit_cadre
from domain.poll import (
    NamedBallot,
    Participation,
    Poll,
    PollSpec,
    PollStatus,
    PollView,
    PublishedBallot,
    TallyResult,
    key_fingerprint,
    named_ballot_id,
    participation_id,
    poll_id,
    tally,
)
from domain.profiles import RuleProfile
from domain.session import DESK, CheckIn, SessionStatus, SessionView, session_ledger_id
from ledger.app import Ledger
from ledger.group_commit import CommitThreads, GroupCommit
from ledger.witness import Witness
from projections.counters import KeyCounter, LogTail
from projections.index import CreatedIndex, LatestAggregates

log = structlog.get_logger(__name__)

# A spooled ballot whose participation is not (yet) in the ledger may belong to a vote
# still committing; only one older than this is an orphan of a crashed vote and dropped.
SPOOL_GRACE_SECONDS = 60.0


class ReceiptCheck(BaseModel):
    """What ``verify-receipt`` can say: whether the ballot was counted, never what it said."""

    poll_key: str
    counted: bool
    ballots: int
    # The seal whose witness holds the poll's opening (its public key) unchanged; None
    # while no witnessed seal covers it yet.
    key_witnessed_in_seal: int | None = None


class PollService(Voting):
    """The ballot box of the congress."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        box: BallotBox,
        witness: Witness | None = None,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.box = box
        self.witness = witness
        self._polls = CreatedIndex(ledger, Poll.Created)
        # One tail of the notification log, read once per catch-up, keeps the counts, the
        # check-ins and the read-mostly aggregates of the ballot path (sessions, polls,
        # actors, organisations) as fresh as a read of the ledger itself: whatever any
        # worker committed before a catch-up is seen by it (see LatestAggregates).
        self._tail = LogTail(ledger)
        self._checked_in = KeyCounter(
            ledger, "session_id", CheckIn.Created, member="delegate", tail=self._tail
        )
        self._voters = KeyCounter(
            ledger, "poll_key", Participation.Created, NamedBallot.Created, tail=self._tail
        )
        self._latest = LatestAggregates(ledger, self._tail)
        # Votes arriving together share one transaction (each still refused alone); the
        # thread committing it first syncs the batch's spooled ballots, and catches up with
        # the log once for the whole batch after it.
        self._votes = GroupCommit(ledger, prepare=box.sync_spools, after=self._tail.catch_up)
        # The same for votes from an event loop (``cast_async``), by two threads of their
        # own (such votes share their catch-ups too: ``LogTail.caught_up``).
        self._commits = CommitThreads(ledger, prepare=box.sync_spools, after=self._tail.catch_up)

    def close(self) -> None:
        """Stop the commit threads of ``cast_async`` (what they hold is committed first)."""
        self._commits.close()

    @property
    def latest(self) -> LatestAggregates:
        """The read-mostly aggregates this service keeps fresh with its log tail, for other
        services of the same process to share (one catch-up query serves them all)."""
        return self._latest

    # -- reads -------------------------------------------------------------------------

    def _session(self, session_id: str, *, catch_up: bool = True) -> Any:
        aggregate = self._latest.get(session_ledger_id(session_id), catch_up=catch_up)
        if aggregate is None:
            raise NotFound(f"会议 {session_id} 不存在", f"no session {session_id}")
        return aggregate

    def congress_key(self, session_id: str) -> str:
        """The key of the congress term a session belongs to (which never changes)."""
        found = self._latest.peek(session_ledger_id(session_id))
        key: str = (found or self._session(session_id)).s.congress_key
        return key

    def poll_key(self, session_id: str, item_no: int) -> str:
        """The key of an item's poll, refused (NotFound) if the session does not exist.

        Cheap enough for the event loop: a session's poll keys never change and a session
        is never removed, so a session seen once needs no further read.
        """
        found = self._latest.peek(session_ledger_id(session_id))
        return (found or self._session(session_id)).s.poll_key(item_no)

    def session(self, session_id: str) -> SessionView:
        """A session as the ledger has it."""
        return self._session(session_id).view()

    def poll(self, poll_key: str) -> PollView:
        """A poll as the ledger has it."""
        return self._poll(poll_key).view()

    def item_polls(self, view: SessionView) -> list[PollView | None]:
        """The poll of every agenda item, None for an item not put to the vote yet."""
        polls: list[PollView | None] = []
        for item in view.agenda:
            try:
                polls.append(self.poll(view.poll_key(item.no)))
            except NotFound:
                polls.append(None)
        return polls

    def present(self, session_id: str) -> int:
        """Delegates checked in at the session."""
        return self._checked_in.count(session_id)

    def voters(self, poll_key: str) -> int:
        """Delegates who voted in the poll."""
        return self._voters.count(poll_key)

    def facts(self, poll_key: str) -> PollFacts:
        """What the ledger records about a poll: the facts a workflow's signals hint at."""
        aggregate = self.ledger.find(poll_id(poll_key))
        if aggregate is None:
            return PollFacts(poll_key=poll_key, exists=False)
        view: PollView = aggregate.view()
        present = self.present(view.spec.session_id)
        return PollFacts(
            poll_key=poll_key,
            exists=True,
            status=view.status.value,
            roll_complete=present > 0 and self.voters(poll_key) >= present,
            paper_count_agreed=aggregate.agreed_paper_count() is not None,
            tallied=view.status is PollStatus.TALLIED,
        )

    def is_checked_in(self, session_id: str, delegate: str) -> bool:
        """Whether the delegate checked in."""
        return self._checked_in.has(session_id, delegate)

    def has_voted(self, poll: PollView, voter: str) -> bool:
        """Whether the voter has voted in the poll (never what)."""
        key = poll.spec.poll_key
        record = participation_id(key, voter) if poll.spec.secret else named_ballot_id(key, voter)
        return self.ledger.find(record) is not None

    def open_polls_for(self, delegate: str) -> list[PollView]:
        """Open electronic polls this delegate may still vote in (a delegate's tasks)."""
        out = []
        for poll in self._current_polls():
            if poll.status is not PollStatus.OPEN or poll.spec.paper:
                continue
            if self.is_checked_in(poll.spec.session_id, delegate) and not self.has_voted(
                poll, delegate
            ):
                out.append(poll.model_copy(deep=True))
        return out

    def _current_polls(self) -> list[PollView]:
        """Every poll's state, after one catch-up, from memory (shared: read only); a
        replay of every poll for every inbox and every roll watch."""
        ids = self._polls.ids()
        self._tail.catch_up()
        found = (self._latest.get(pid, catch_up=False) for pid in ids)
        return [aggregate.s for aggregate in found if aggregate is not None]

    def complete_rolls(self) -> list[PollView]:
        """Open electronic polls in which every checked-in delegate has voted."""
        out = []
        for poll in self._current_polls():
            if poll.status is not PollStatus.OPEN or poll.spec.paper:
                continue
            with self._tail.lock:
                present = self._checked_in.count(poll.spec.session_id, catch_up=False)
                voters = self._voters.count(poll.spec.poll_key, catch_up=False)
            if present and voters >= present:
                out.append(poll.model_copy(deep=True))
        return out

    # -- check-in ----------------------------------------------------------------------

    def check_in(
        self,
        session_id: str,
        delegate: str,
        *,
        is_delegate: Callable[[str], bool],
        desk: str | None = None,
    ) -> bool:
        """Check a delegate in; True when new, False when already checked in.

        Without ``desk`` the delegate checks in themselves; with it, a cadre of the unit
        checks them in at the door and the act is the cadre's.
        """
        self._tail.catch_up()
        with self._tail.lock:
            session = self._session(session_id, catch_up=False).s  # read only
            clerk = self.directory.acting(desk, Role.CADRE, find=self.current) if desk else None
            acting = self.directory.acting(delegate, Role.DELEGATE, find=self.current)
        if clerk is not None:
            check_unit_cadre(clerk, session.unit_org, DESK)
        if session.status is not SessionStatus.OPEN:
            raise InvalidState("会议未在进行中，不能签到", "the session is not open for check-in")
        if not is_delegate(delegate):
            raise NotAuthorised(
                f"{delegate} 不是本届职代会代表", f"{delegate} is not a delegate of this congress"
            )
        meta = _meta(clerk or acting, f"check-in:{session_id}:{delegate}")
        try:
            self.ledger.save(CheckIn.record(session_id, delegate, meta))
        except IntegrityError:
            return False
        return True

    # -- the poll's lifecycle (run by the session workflow's activities) ---------------------

    def open_poll(
        self, spec: PollSpec, meta: CommandMeta, *, total_delegates: int, profile: RuleProfile
    ) -> PollView:
        """Open a poll after checking the quorum; a retried open meets the same poll."""
        session = self.session(spec.session_id)
        if session.status is not SessionStatus.OPEN:
            raise InvalidState("会议未在进行中", "the session is not open")
        public_key = self.box.create_key(spec.poll_key) if spec.secret and not spec.paper else None
        result = self.ledger.execute(
            poll_id(spec.poll_key),
            meta,
            create=lambda: Poll.open(
                spec,
                meta,
                unit_org=session.unit_org,
                total_delegates=total_delegates,
                present=self.present(spec.session_id),
                quorum=profile.congress.quorum,
                public_key=public_key,
                opened_after=self.ledger.max_notification_id(),
            ),
        )
        return result.aggregate.view()

    def close_poll(self, poll_key: str, reason: str, meta: CommandMeta) -> PollView:
        """Stop accepting ballots."""
        spec = self.poll(poll_key).spec
        present, voters = self.present(spec.session_id), self.voters(poll_key)
        result = self.ledger.execute(
            poll_id(poll_key), meta, lambda p: p.close(reason, present, voters, meta)
        )
        return result.aggregate.view()

    def enter_paper_count(
        self, poll_key: str, teller: str, counts: dict[str, int], ballots: int, command_id: str
    ) -> PollView:
        """A teller's count of the paper ballots."""
        acting = self.directory.acting(teller, Role.DELEGATE)
        meta = _meta(acting, command_id)
        result = self.ledger.execute(
            poll_id(poll_key), meta, lambda p: p.enter_paper_count(counts, ballots, meta)
        )
        return result.aggregate.view()

    def tally_poll(
        self,
        poll_key: str,
        meta: CommandMeta,
        profile: RuleProfile,
        beat: Callable[[], None] = lambda: None,
    ) -> PollView:
        """Count and decide; for a secret poll, first move the spooled ballots into the
        ledger, then publish receipts and shuffled choices apart and destroy the key.

        ``beat`` is called between the long parts (the activity heartbeats with it)."""
        aggregate = self.ledger.find(poll_id(poll_key))
        if aggregate is None:
            raise NotFound(f"表决 {poll_key} 不存在", f"no poll {poll_key}")
        view: PollView = aggregate.view()
        if view.status is PollStatus.TALLIED:
            self._destroy_key(view, meta)  # a retry after a crash between the two steps
            return self.poll(poll_key)
        if view.status is not PollStatus.CLOSED:
            raise InvalidState("表决尚未结束", "the poll is still open")
        spec = view.spec
        present = view.present_at_close or 0
        rules = profile.congress
        pass_rule = rules.pass_rule(spec.item_kind.value)
        published: list[PublishedBallot] = []
        if spec.paper:
            agreed = aggregate.agreed_paper_count()
            if agreed is None:
                raise InvalidState(
                    "两名计票人的计票结果不一致或尚未全部录入",
                    "the two tellers' counts are missing or do not agree",
                )
            result = _from_counts(
                spec, agreed.counts, agreed.ballots, view, present, rules.quorum, pass_rule
            )
        elif spec.secret:
            # (No commitment check here: the private key opens only what was sealed to the
            # committed key, and casting refused any other.)
            if collect_batch(self.ledger, self.box, poll_key, meta, beat, SPOOL_GRACE_SECONDS):
                aggregate = self.ledger.get(poll_id(poll_key))
                view = aggregate.view()
            beat()
            published = open_sealed(self.ledger, self.box, poll_key, view.opened_after + 1, beat)
            result = tally(
                spec,
                [b.choices for b in published],
                total_delegates=view.total_delegates,
                present=present,
                quorum=rules.quorum,
                pass_rule=pass_rule,
            )
        else:
            choices = [
                b.choices for b in named_ballots(self.ledger, poll_key, view.opened_after + 1)
            ]
            result = tally(
                spec,
                choices,
                total_delegates=view.total_delegates,
                present=present,
                quorum=rules.quorum,
                pass_rule=pass_rule,
            )
        aggregate.record_tally(result, meta)
        if spec.secret and not spec.paper:
            # Receipts sorted and choices shuffled, published apart: anyone recounts the
            # choices and finds a receipt, and nothing pairs a receipt with its choice.
            receipts = sorted(b.receipt for b in published)
            choices = [b.choices for b in published]
            secrets.SystemRandom().shuffle(choices)
            digest = hashlib.sha256(
                canonical_bytes({"receipts": receipts, "choices": choices})
            ).hexdigest()
            aggregate.publish(receipts, choices, digest, meta)
        self.ledger.save(aggregate)
        self._destroy_key(aggregate.view(), meta)
        return self.poll(poll_key)

    def _destroy_key(self, view: PollView, meta: CommandMeta) -> None:
        if not view.spec.secret or view.spec.paper or view.key_destroyed:
            return
        self.box.destroy(view.spec.poll_key)
        done = meta.model_copy(update={"command_id": f"{meta.command_id}:key-destroyed"})
        self.ledger.execute(poll_id(view.spec.poll_key), done, lambda p: p.key_destroyed(done))

    def verify_receipt(self, poll_key: str, receipt: str) -> ReceiptCheck:
        """Whether the ballot with this receipt was counted; never what it chose.

        Refused when the poll's public key no longer matches its commitment (in the
        stored event, and in the key directory where this process can read it): the
        ballots may then have been sealed to a key somebody else holds.
        """
        view = self.poll(poll_key)
        if not view.spec.secret or view.spec.paper:
            raise InvalidInput("记名表决没有回执码", "a named poll has no receipts")
        committed = self.box.commitment(poll_key)
        if view.public_key is not None and (
            not view.commitment_ok
            or (committed is not None and key_fingerprint(view.public_key) != committed)
        ):
            raise InvalidState(
                "本项表决的公钥与开启时承诺的指纹不符（账本可能被篡改），回执核验无效",
                "the poll's public key does not match the fingerprint committed when it "
                "opened (the ledger may have been tampered with): receipts prove nothing",
            )
        witnessed = self._key_witnessed(poll_key)
        if view.published_digest is None:
            raise InvalidState("选票尚未公布", "the ballots are not published yet")
        wanted = receipt.strip().upper()
        receipts = view.published_receipts or [b.receipt for b in view.published]
        return ReceiptCheck(
            poll_key=poll_key,
            counted=wanted in receipts,
            ballots=len(receipts),
            key_witnessed_in_seal=witnessed,
        )

    def _key_witnessed(self, poll_key: str) -> int | None:
        """The poll's opening (with its public key) as the witness outside the database
        saw it: once the poll's own key files are gone, this is what shows that nobody
        with the database swapped the key and the fingerprint together."""
        if self.witness is None:
            return None
        try:
            return self.witness.vouches_for(self.ledger, poll_id(poll_key), 1)
        except InvalidState:
            log.warning("poll_key_mismatch", poll_key=poll_key, against="witness")
            raise InvalidState(
                "本项表决开启时的记录（含公钥指纹）与见证所记不符（账本被改写），回执核验无效",
                "the poll's opening record (with its key fingerprint) differs from what the "
                "witness recorded (the ledger was rewritten): receipts prove nothing",
            ) from None

    def begin_session_check(self, session_id: str) -> None:
        """Refuse to proceed unless the session exists."""
        self.session(session_id)


def _from_counts(
    spec: PollSpec,
    counts: dict[str, int],
    ballots: int,
    view: PollView,
    present: int,
    quorum: Any,
    pass_rule: Any,
) -> TallyResult:
    # Expand the agreed paper counts into ballots-of-one-choice for the same rules.
    expanded: list[list[str]] = []
    for option, n in counts.items():
        expanded.extend([[option]] * n)
    result = tally(
        spec,
        expanded,
        total_delegates=view.total_delegates,
        present=present,
        quorum=quorum,
        pass_rule=pass_rule,
    )
    return result.model_copy(update={"ballots": ballots})
