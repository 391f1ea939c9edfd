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

import hashlib
from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.actors import Acting, CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState, deterministic_id
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_unit_cadre
from domain.profiles import MinFraction


class ItemKind(StrEnum):
    """Kinds of agenda item (议题类型)."""

    APPROVAL = "approval"  # 审议通过
    ADVICE = "advice"  # 审议建议
    ELECTION = "election"  # 民主选举
    APPRAISAL = "appraisal"  # 民主评议


class PollKind(StrEnum):
    """What a ballot asks."""

    YES_NO = "yes_no"  # 赞成/反对/弃权
    ELECTION = "election"  # 选举：选择不超过 N 名候选人
    APPRAISAL = "appraisal"  # 评议：满意/基本满意/不满意


YES_NO_OPTIONS = ["yes", "no", "abstain"]
APPRAISAL_OPTIONS = ["satisfied", "basically_satisfied", "dissatisfied"]
OPTION_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("赞成", "yes"),
    "no": ("反对", "no"),
    "abstain": ("弃权", "abstain"),
    "satisfied": ("满意", "satisfied"),
    "basically_satisfied": ("基本满意", "basically satisfied"),
    "dissatisfied": ("不满意", "dissatisfied"),
}


class PollStatus(StrEnum):
    """Where a poll stands."""

    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"


class PollSpec(BaseModel):
    """An item put to the vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    poll_key: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")
    congress_key: str
    session_id: str
    item_no: int = Field(ge=1)
    title: str = Field(min_length=1)
    item_kind: ItemKind
    kind: PollKind
    secret: bool
    candidates: list[str] = Field(default_factory=list)
    max_choices: int = Field(default=1, ge=1)
    paper: bool = False  # counted by two tellers from paper ballots (纸质选票)
    tellers: list[str] = Field(default_factory=list)  # 监票人, 计票人

    @model_validator(mode="after")
    def _consistent(self) -> PollSpec:
        if self.kind is PollKind.ELECTION:
            if not self.candidates or len(set(self.candidates)) != len(self.candidates):
                raise ValueError("an election needs distinct candidates")
            if self.max_choices > len(self.candidates):
                raise ValueError("max_choices exceeds the number of candidates")
        elif self.candidates:
            raise ValueError("only an election has candidates")
        if self.paper and (len(self.tellers) != 2 or len(set(self.tellers)) != 2):
            raise ValueError("a paper ballot needs two different tellers")
        return self

    def options(self) -> list[str]:
        """The choices a ballot may name."""
        if self.kind is PollKind.YES_NO:
            return YES_NO_OPTIONS
        if self.kind is PollKind.APPRAISAL:
            return APPRAISAL_OPTIONS
        return list(self.candidates)

    def check_choices(self, choices: list[str]) -> None:
        """Refuse a ballot that names unknown options or too many."""
        if len(set(choices)) != len(choices):
            raise InvalidInput("选票中有重复选项", "a ballot names an option twice")
        unknown = [c for c in choices if c not in self.options()]
        if unknown:
            raise InvalidInput(f"无效选项：{', '.join(unknown)}", f"unknown option {unknown}")
        limit = self.max_choices if self.kind is PollKind.ELECTION else 1
        if self.kind is PollKind.ELECTION and not choices:
            return  # an empty election ballot is a valid blank ballot (空白票)
        if not 1 <= len(choices) <= limit:
            raise InvalidInput(f"应选择 1 至 {limit} 项", f"choose between 1 and {limit} options")


class TallyResult(BaseModel):
    """The counted result of a poll."""

    counts: dict[str, int]
    ballots: int
    total_delegates: int
    present: int
    quorum_met: bool
    rule: str
    passed: bool | None = None  # yes/no items
    elected: list[str] = Field(default_factory=list)  # elections
    satisfaction_rate: str | None = None  # appraisals: (满意+基本满意)/ballots


class PublishedBallot(BaseModel):
    """A secret ballot as earlier versions published it: a receipt code with the choices.

    Polls tallied since publish receipts and choices apart (``PollView.published_receipts``,
    ``published_choices``), so a receipt proves inclusion and never shows the vote.
    """

    receipt: str
    choices: list[str]


class PaperCount(BaseModel):
    """One teller's count of the paper ballots."""

    teller: str
    counts: dict[str, int]
    ballots: int


class PollView(BaseModel):
    """Everything known about one poll."""

    spec: PollSpec
    unit_org: str
    status: PollStatus
    version: int = 0
    opened_at: datetime
    total_delegates: int
    present_at_open: int
    public_key: str | None = None  # X25519, hex: secret ballots are sealed to it
    # SHA-256 of the public key, committed when the poll opened (also kept in the key
    # directory): a ballot is sealed only to a key that matches it.
    key_fingerprint: str | None = None
    opened_after: int = 0  # the ledger's last notification id when the poll opened
    closed_at: datetime | None = None
    close_reason: str | None = None
    present_at_close: int | None = None
    participants: int | None = None
    paper_counts: list[PaperCount] = Field(default_factory=list)
    paper_mismatch: bool = False
    result: TallyResult | None = None
    published: list[PublishedBallot] = Field(default_factory=list)  # earlier versions
    published_receipts: list[str] = Field(default_factory=list)  # sorted
    published_choices: list[list[str]] = Field(default_factory=list)  # shuffled
    published_digest: str | None = None
    ballots_collected: int | None = None  # sealed ballots moved from the spool in one batch
    key_destroyed: bool = False

    @property
    def commitment_ok(self) -> bool:
        """Whether the stored public key still matches the fingerprint committed with it."""
        if self.public_key is None or self.key_fingerprint is None:
            return True
        return key_fingerprint(self.public_key) == self.key_fingerprint


class Recount(BaseModel):
    """Anyone's recount of a poll's published secret ballots against its published tally."""

    # Receipts beside their choices (tallied by an earlier version), or "1", "2", … beside
    # the shuffled choices (receipts published apart, sorted: nothing pairs them).
    rows: list[tuple[str, list[str]]]
    paired: bool
    receipts: list[str]
    counts: dict[str, int]
    published_counts: dict[str, int]
    same: bool


def recount(poll: PollView) -> Recount:
    """Recount the published ballots of a tallied secret poll (``congress ballots``)."""
    if not poll.spec.secret or poll.spec.paper:
        raise InvalidInput("本项不是电子无记名投票", "this item has no published secret ballots")
    if poll.published_digest is None or poll.result is None:
        raise InvalidState("选票尚未公布", "the ballots are not published yet")
    paired = bool(poll.published)
    if paired:
        rows = [(b.receipt, b.choices) for b in poll.published]
        receipts = [b.receipt for b in poll.published]
    else:
        rows = [(str(i), c) for i, c in enumerate(poll.published_choices, 1)]
        receipts = list(poll.published_receipts)
    counts: dict[str, int] = dict.fromkeys(poll.result.counts, 0)
    for _, choices in rows:
        for choice in choices:
            counts[choice] = counts.get(choice, 0) + 1
    same = counts == poll.result.counts and len(receipts) == len(rows) == poll.result.ballots
    return Recount(
        rows=rows,
        paired=paired,
        receipts=receipts,
        counts=counts,
        published_counts=dict(poll.result.counts),
        same=same,
    )


def key_fingerprint(public_key_hex: str) -> str:
    """The commitment to a poll's public key: SHA-256 of its raw bytes, hex."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def poll_id(poll_key: str) -> UUID:
    """The ledger id of a poll."""
    return deterministic_id("poll", poll_key)


def named_ballot_id(poll_key: str, voter: str) -> UUID:
    """A named ballot's id: one per voter and poll, so a second one collides."""
    return deterministic_id("named-ballot", f"{poll_key}:{voter}")


def participation_id(poll_key: str, voter: str) -> UUID:
    """A secret poll's record that this voter voted: one per voter and poll."""
    return deterministic_id("participation", f"{poll_key}:{voter}")


def check_paper_count(poll: PollView, counts: dict[str, int], ballots: int) -> dict[str, int]:
    """A teller's count, complete over the options, or refused when it cannot be true.

    Bounds: ballots returned ≤ delegates checked in at the close; for a one-choice
    ballot, the votes for all options together ≤ ballots returned (the rest are blank or
    spoilt, 废票); in an election each candidate's votes ≤ ballots, and all votes ≤
    ballots × seats.
    """
    options = poll.spec.options()
    unknown = [k for k in counts if k not in options]
    if unknown:
        raise InvalidInput(f"计票中有无效选项：{'、'.join(unknown)}", f"unknown options {unknown}")
    if any(v < 0 for v in counts.values()) or ballots < 0:
        raise InvalidInput("票数不能为负", "counts cannot be negative")
    present = poll.present_at_close if poll.present_at_close is not None else poll.total_delegates
    if ballots > present:
        raise InvalidInput(
            f"收回选票 {ballots} 张，多于到会代表 {present} 人",
            f"{ballots} ballots returned but only {present} delegates present",
        )
    full = {option: counts.get(option, 0) for option in options}
    cast = sum(full.values())
    if poll.spec.kind is PollKind.ELECTION:
        over = [c for c, v in full.items() if v > ballots]
        if over:
            raise InvalidInput(
                f"候选人得票多于收回选票 {ballots} 张：{'、'.join(over)}",
                f"a candidate has more votes than the {ballots} ballots returned: {over}",
            )
        limit = ballots * poll.spec.max_choices
    else:
        limit = ballots
    if cast > limit:
        raise InvalidInput(
            f"各选项票数合计 {cast}，多于收回选票 {ballots} 张"
            + (f"（每票最多选 {poll.spec.max_choices} 人）" if limit != ballots else ""),
            f"{cast} votes in all but {ballots} ballots returned"
            + (f" (at most {poll.spec.max_choices} names a ballot)" if limit != ballots else ""),
        )
    return full


def quorum_met(present: int, total: int, quorum: MinFraction) -> bool:
    """Quorum on ALL delegates (≥2/3 by default)."""
    return total > 0 and quorum.allows(min(present, total), total)


def tally(
    spec: PollSpec,
    choices_per_ballot: list[list[str]],
    *,
    total_delegates: int,
    present: int,
    quorum: MinFraction,
    pass_rule: MinFraction,
) -> TallyResult:
    """Count ballots and apply the rules: every threshold is a share of ALL delegates."""
    counts = Counter({option: 0 for option in spec.options()})
    for choices in choices_per_ballot:
        counts.update(choices)
    ok = quorum_met(present, total_delegates, quorum)
    rule = f"{'>' if pass_rule.strict else '≥'}{pass_rule.num}/{pass_rule.den} of {total_delegates}"
    result = TallyResult(
        counts=dict(counts),
        ballots=len(choices_per_ballot),
        total_delegates=total_delegates,
        present=present,
        quorum_met=ok,
        rule=rule,
    )
    if spec.kind is PollKind.YES_NO:
        result.passed = ok and pass_rule.allows(
            min(counts["yes"], total_delegates), total_delegates
        )
    elif spec.kind is PollKind.ELECTION:
        eligible = [
            c
            for c in spec.candidates
            if ok and pass_rule.allows(min(counts[c], total_delegates), total_delegates)
        ]
        # Most votes first; a tie at the last seat elects nobody for that seat.
        ranked = sorted(eligible, key=lambda c: -counts[c])
        seats = spec.max_choices
        elected = ranked[:seats]
        if len(ranked) > seats and counts[ranked[seats - 1]] == counts[ranked[seats]]:
            tied = counts[ranked[seats - 1]]
            elected = [c for c in elected if counts[c] > tied]
        result.elected = elected
    else:
        good = counts["satisfied"] + counts["basically_satisfied"]
        n = len(choices_per_ballot)
        result.satisfaction_rate = f"{good}/{n}" if n else "0/0"
    return result


# -- the poll ------------------------------------------------------------------------------


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
